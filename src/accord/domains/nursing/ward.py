"""A ward's local problem, whatever the ward's kind (toy or Curtois), and the toy ward's
roster as CP-SAT variables.

The local problem minimises, in this order: seats over soft caps and the ward's penalty
(seats over caps first, or, with a price, the weighted penalty plus the price of each seat
over a cap), then changes from the anchor plan (which is also the solver's hint). With
``Rides`` it also pays the cabs its seats need, given the others' passengers. The ward's
own rules are hard (toy: cover, shifts per week, forbidden shifts; Curtois: the
benchmark's hard constraints).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from ortools.sat.python import cp_model

from accord.contract import LocalProblem, Rides, SolveContext
from accord.contract.resources import units as cabs
from accord.domains.nursing.curtois_ward import CurtoisModel
from accord.domains.nursing.rules import plan_of, roster_of
from accord.domains.nursing.scenario import AnyWard, NursingScenario, Ward
from accord.domains.nursing.ward_model import WardModel
from accord.model.plan import Key, Plan
from accord.solve.cpsat import deadline, solve_within
from accord.solve.lns import solve_lns

LINES = "lines"
"""The manager of every line's seats, for capacity protocols."""

PRICE_SCALE = 60
"""Seat prices are paid in 1/60 of a cost unit (a cab's cost per seat is exact for
capacities 1–6)."""


class ToyModel(WardModel):
    """``x[nurse, shift]`` (forbidden shifts have no variable) with the toy's hard rules:
    shifts per week, cover per level, no forbidden shift."""

    def __init__(self, m: cp_model.CpModel, sc: NursingScenario, ward: Ward) -> None:
        self.ward, self.riders = ward, len(ward.nurses)
        self.x = {(n.id, s): m.new_bool_var(f"{n.id}_s{s}")
                  for n in ward.nurses for s in range(sc.shifts) if s not in n.private.forbidden}
        self.cells = self.x
        self._line = ward.home_lines()
        for n in ward.nurses:
            m.add(sum(self.x[n.id, s] for s in range(sc.shifts) if (n.id, s) in self.x)
                  == n.shifts)
        for s, need in enumerate(ward.cover):
            for k, c in enumerate(need):
                if c:
                    m.add(sum(self.x[n.id, s] for n in ward.nurses
                              if n.level > k and (n.id, s) in self.x) >= c)

    def seats(self, key: Key) -> cp_model.LinearExprT:
        line, s = key
        return cp_model.LinearExpr.sum(
            [v for (n, t), v in self.x.items() if t == s and self._line[n] == line])

    def penalty(self) -> cp_model.LinearExprT:
        """Weight × shifts worked outside preferences (the rule ``unpreferred``)."""
        terms = [(x, n.private.weight) for n in self.ward.nurses if n.private.preferred
                 for s in range(len(self.ward.cover))
                 if (x := self.x.get((n.id, s))) is not None and s not in n.private.preferred]
        return cp_model.LinearExpr.weighted_sum([x for x, _ in terms], [c for _, c in terms])

    def penalty_bound(self) -> int:
        return sum(n.private.weight * n.shifts for n in self.ward.nurses)

    def worked(self, plan: Plan) -> set[Hashable]:
        return {(n, s) for n, shifts in roster_of(plan).items() for s in shifts}

    def plan_from(self, values: Sequence[int]) -> Plan:
        roster: dict[str, list[int]] = {n.id: [] for n in self.ward.nurses}
        for (n, s), v in sorted(self.x.items()):
            if values[v.index]:
                roster[n].append(s)
        return plan_of(self.ward, roster)


def add_ward(m: cp_model.CpModel, sc: NursingScenario, ward: AnyWard) -> WardModel:
    """The ward's roster variables and hard rules in ``m``, for either kind of ward."""
    return ToyModel(m, sc, ward) if isinstance(ward, Ward) else CurtoisModel(m, sc, ward)


class WardProblem(LocalProblem):
    """A ward rostering its nurses under what the negotiation imposes.

    The context's budget is in CP-SAT's deterministic units;
    with one worker and the context's seed each solve is reproducible.
    """

    def __init__(self, sc: NursingScenario, ward: AnyWard) -> None:
        self.sc, self.ward = sc, ward
        self.agent_id = ward.id
        lines = list(ward.home_lines().values())
        self.manager = LINES
        self.keys = sorted({(ln, s) for ln in lines for s in range(sc.shifts)})

    def solve(self, ctx: SolveContext) -> Plan | None:
        """Best roster under the context; with ``ctx.rides``, under the transport it adds;
        with ``ctx.prices``, paying that much per seat on each (line, shift). The budget's
        wall seconds count from here, building the model included."""
        with deadline(ctx.budget.seconds):
            return self._solve(ctx)

    def _solve(self, ctx: SolveContext) -> Plan | None:
        sc, rides, prices = self.sc, ctx.rides, ctx.prices
        m = cp_model.CpModel()
        v = add_ward(m, sc, self.ward)
        priced = ctx.price is not None or rides is not None or prices is not None
        main = [(sc.penalty_weight if priced else 1) * v.penalty()]
        over_w = ctx.price if ctx.price is not None else v.penalty_bound() + 1
        dear = ctx.dear if ctx.price is not None and ctx.dear else {}
        for key in self.keys if ctx.caps is not None else ():
            cap = max(0, ctx.caps.get(key, 0))  # type: ignore[union-attr]
            if ctx.soft_caps:
                ov = m.new_int_var(0, v.riders, f"over_{key[0]}_{key[1]}")
                m.add(v.seats(key) <= cap + ov)
                main.append(dear.get(key, over_w) * ov)
            else:
                m.add(v.seats(key) <= cap)
        if rides is not None:
            main = self._ride(m, v, rides, main)
        if prices is not None:
            main = [PRICE_SCALE * t for t in main] + [
                round(PRICE_SCALE * p) * v.seats(k) for k, p in sorted(prices.items())]
        # changes from the anchor: x where it worked nothing, 1 - x where it did
        before = v.worked(ctx.anchor) if ctx.anchor else set()
        changes = ([1 - x if k in before else x for k, x in v.cells.items()]
                   if ctx.anchor else [])
        for k, x in v.cells.items() if ctx.anchor else ():
            m.add_hint(x, k in before)
        m.minimize((len(changes) + 1) * cp_model.LinearExpr.sum(main)
                   + cp_model.LinearExpr.sum(changes))
        if (grid := v.grid()) is not None:
            # the local search prices seats as quoted; caps and a bid's limit it leaves
            # to the neighbourhoods
            bid = rides is not None and rides.limit is not None
            polish = (None if ctx.caps is not None or bid else
                      v.polish(rides, prices, PRICE_SCALE if prices is not None else 1))
            plain = ctx.caps is None and rides is None and prices is None
            found = solve_lns(m, grid, ctx.budget, seed=ctx.seed, polish=polish,
                              guide=v.guide() if plain else None)
            return None if found is None else v.plan_from(found.values)
        solved = solve_within(m, ctx.budget, seed=ctx.seed, interleave=v.interleave)
        return None if solved is None else v.plan(solved.solver)

    def _ride(self, m: cp_model.CpModel, v: WardModel, rides: Rides,
              main: list[cp_model.LinearExprT]) -> list[cp_model.LinearExprT]:
        """Add the cabs of every (line, shift) (others' passengers plus the ward's seats);
        the penalty must beat ``rides.penalty_below`` if given. Returns the objective's terms:
        weighted penalty plus the cabs' cost, or, for a bid, the penalty first within
        ``rides.limit``."""
        if rides.penalty_below is not None:
            m.add(v.penalty() < rides.penalty_below)
        fare: list[cp_model.LinearExprT] = []
        for key, (capacity, cost, others) in sorted(rides.fares.items()):
            n = m.new_int_var(0, cabs(others + v.riders, capacity), f"cabs_{key[0]}_{key[1]}")
            m.add(capacity * n >= others + v.seats(key))
            fare.append(cost * n)
        if rides.limit is None:
            return main + fare
        m.add(cp_model.LinearExpr.sum(main + fare) <= rides.limit)
        spread = sum(c * cabs(o + v.riders, k) for k, c, o in rides.fares.values())
        return [(spread + 1) * v.penalty(), *fare]

    def caps_around(self, plan: Plan) -> dict[Key, int]:
        """Caps holding a plan's seats where they are, for every (line, shift) of the ward
        (upper bounds: a toy nurse works a fixed number of shifts, so there they fix the
        seats exactly)."""
        own = plan.usage_map()
        return {k: own.get(k, 0) for k in self.keys}
