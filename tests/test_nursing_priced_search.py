"""A Curtois ward's compiled local search under what a negotiation quotes it
(``CurtoisModel.polish`` with rides or prices, ``transport``'s Requests for Change): its
cost is the ward's local objective exactly, and with one line's seats priced it moves
riders off that line at some penalty, lowering that cost, the same way for a seed and a
move budget."""

from __future__ import annotations

from collections import Counter

import numpy as np
from ortools.sat.python import cp_model

from accord.contract import Rides
from accord.contract.resources import ride_cost
from accord.domains.nursing.curtois_ward import CurtoisModel, measure
from accord.domains.nursing.hospital import curtois_hospital
from accord.domains.nursing.roster_arrays import add_riders, roster_of
from accord.domains.nursing.roster_search import cost_of, search
from accord.domains.nursing.scenario import CurtoisWard, NursingScenario
from accord.domains.nursing.ward import PRICE_SCALE
from accord.model.plan import Plan
from tests.conftest import ROOT

DATA = ROOT / "data" / "curtois"


def _ward() -> tuple[NursingScenario, CurtoisWard, CurtoisModel, list[int]]:
    """Instance1 as a ward of a 3-line hospital, with a roster found by its cost alone."""
    sc = curtois_hospital([DATA / "Instance1.txt"], 3, seed=1)
    ward = sc.wards[0]
    assert isinstance(ward, CurtoisWard)
    m = cp_model.CpModel()
    v = CurtoisModel(m, sc, ward)
    alone = search(v.arrays(), roster_of(ward.instance, {}), moves=1_000_000, seed=1)
    values = [0] * len(m.proto.variables)
    v.write(values, alone.roster)
    return sc, ward, v, values


def test_the_quoted_cost_is_the_wards_local_objective() -> None:
    sc, _, v, values = _ward()
    plan = v.plan_from(values)
    rng = np.random.default_rng(5)
    rides = Rides({(ln.id, t): (ln.capacity, ln.cost_per_cab[t], int(rng.integers(0, 4)))
                   for ln in sc.lines for t in range(sc.shifts)}, None)
    fares = v.quoted(rides, None, 1)
    add_riders(fares.loads, v.roster(values), fares)
    assert plan.usage_map() and cost_of(v.arrays(), v.roster(values), fares) == (
        sc.penalty_weight * plan.cost + ride_cost(rides.fares, plan.usage_map()))


def test_a_priced_line_loses_riders_and_the_quoted_cost_falls_reproducibly() -> None:
    sc, ward, v, values = _ward()
    line = Counter(ward.homes.values()).most_common(1)[0][0]
    prices = {(line, t): 30.0 for t in range(sc.shifts)}

    def quoted(plan: Plan) -> tuple[int, float]:
        seats = sum(a for (ln, _), a in plan.usage_map().items() if ln == line)
        return seats, sc.penalty_weight * plan.cost + 30.0 * seats

    polish = v.polish(None, prices, PRICE_SCALE)
    assert polish is not None
    got = polish(values, 0.05, 3)  # half a million moves
    assert got is not None and got == polish(values, 0.05, 3)
    before, after = v.plan_from(values), v.plan_from(got)
    assert measure(ward, after).violations == 0
    # a worse roster by the ward's own cost, paid for by the seats it no longer buys
    assert after.cost > before.cost and quoted(after)[0] < quoted(before)[0]
    assert quoted(after)[1] < quoted(before)[1]
