"""``central``'s polish (``central_search``): every Curtois ward's compiled local search on
the hospital's cost lowers the global cost by the domain's own evaluation, keeps the
rosters feasible, and a seed and a move budget give one result."""

from __future__ import annotations

from accord.domains.nursing.central import central_model
from accord.domains.nursing.central_search import hospital_polish
from accord.domains.nursing.curtois_ward import CurtoisModel
from accord.domains.nursing.evaluate import evaluate
from accord.domains.nursing.hospital import curtois_hospital
from accord.domains.nursing.roster_arrays import roster_of
from accord.domains.nursing.roster_search import search
from accord.model.plan import Plan
from tests.conftest import ROOT

DATA = ROOT / "data" / "curtois"


def test_the_hospital_polish_lowers_the_global_cost_reproducibly() -> None:
    sc = curtois_hospital([DATA / "Instance1.txt", DATA / "Instance2.txt"], 3, seed=1)
    m, wards = central_model(sc)
    assert all(isinstance(v, CurtoisModel) for v in wards)
    curtois = [v for v in wards if isinstance(v, CurtoisModel)]
    values = [0] * len(m.proto.variables)
    for v in curtois:  # each ward's roster by its own cost alone, blind to the cabs
        alone = search(v.arrays(), roster_of(v.ward.instance, {}), moves=1_000_000, seed=1)
        v.write(values, alone.roster)

    def measured(vals: list[int]) -> tuple[int, int, int]:
        plans: dict[str, Plan] = {w.id: v.plan_from(vals)
                                  for w, v in zip(sc.wards, curtois, strict=True)}
        ev = evaluate(sc, plans)
        return ev.hard_violations, ev.cost, ev.breakdown["transport"]

    hard, cost, transport = measured(values)
    assert hard == 0
    polish = hospital_polish(sc, curtois)
    got = polish(values, 0.1, 7)  # a million moves, half a ward each
    assert got is not None and got == polish(values, 0.1, 7)
    hard_after, cost_after, transport_after = measured(got)
    assert hard_after == 0 and cost_after < cost and transport_after < transport
