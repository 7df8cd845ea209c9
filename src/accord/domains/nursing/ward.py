"""A ward's roster as CP-SAT variables, and the ward's local problem.

The local problem minimises, in this order: seats over soft caps and the ward's penalty
(seats over caps first, or, with a price, the weighted penalty plus the price of each seat
over a cap), then changes from the anchor plan. With ``Rides`` it also pays the cabs its
seats need, given the others' passengers. Cover, shifts per week and forbidden shifts are
hard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from accord.domains.base import LocalProblem, SolveContext
from accord.domains.nursing.rules import plan_of, roster_of
from accord.domains.nursing.scenario import NursingScenario, Ward
from accord.domains.nursing.transport import cabs
from accord.model.plan import Key, Plan
from accord.solve.cpsat import solve_model


@dataclass(frozen=True)
class Rides:
    """The transport a stage-3 solve sees: per (line, shift), the cab capacity, the cost
    per cab and the passengers of other wards (up to whole cabs); the penalty to beat;
    for a bid, the most that weighted penalty plus cabs' cost may reach."""

    fares: Mapping[Key, tuple[int, int, int]]
    penalty_below: int
    limit: int | None = None


@dataclass
class WardVars:
    """``x[nurse, shift]`` (forbidden shifts have no variable) and the ward's seats."""

    ward: Ward
    x: dict[tuple[str, int], cp_model.IntVar]

    def seats(self, key: Key) -> cp_model.LinearExprT:
        """The ward's nurses on a (line, shift)."""
        line, s = key
        return cp_model.LinearExpr.sum(
            [v for (n, t), v in self.x.items() if t == s and self._line[n] == line])

    def penalty_terms(self) -> list[tuple[cp_model.IntVar, int]]:
        """Weight × shifts worked outside preferences (the rule ``unpreferred``)."""
        return [(x, n.private.weight) for n in self.ward.nurses if n.private.preferred
                for s in range(len(self.ward.cover))
                if (x := self.x.get((n.id, s))) is not None and s not in n.private.preferred]

    def penalty(self) -> cp_model.LinearExprT:
        """The ward's penalty as one expression."""
        terms = self.penalty_terms()
        return cp_model.LinearExpr.weighted_sum([x for x, _ in terms], [c for _, c in terms])

    def roster(self, solver: cp_model.CpSolver) -> dict[str, list[int]]:
        """The solved roster."""
        out: dict[str, list[int]] = {n.id: [] for n in self.ward.nurses}
        for (n, s), v in sorted(self.x.items()):
            if solver.value(v):
                out[n].append(s)
        return out

    def __post_init__(self) -> None:
        self._line = {n.id: n.line for n in self.ward.nurses}


def add_ward(m: cp_model.CpModel, sc: NursingScenario, ward: Ward) -> WardVars:
    """The ward's variables and hard rules: shifts per week, cover, no forbidden shift."""
    x = {(n.id, s): m.new_bool_var(f"{n.id}_s{s}")
         for n in ward.nurses for s in range(sc.shifts) if s not in n.private.forbidden}
    for n in ward.nurses:
        m.add(sum(x[n.id, s] for s in range(sc.shifts) if (n.id, s) in x) == n.shifts)
    for s, need in enumerate(ward.cover):
        for k, c in enumerate(need):
            if c:
                m.add(sum(x[n.id, s] for n in ward.nurses
                          if n.level > k and (n.id, s) in x) >= c)
    return WardVars(ward, x)


class WardProblem(LocalProblem):
    """A ward rostering its nurses under what the negotiation imposes.

    The context's ``time_limit`` is the solve's budget in CP-SAT's deterministic units;
    with one worker and the context's seed each solve is reproducible.
    """

    def __init__(self, sc: NursingScenario, ward: Ward) -> None:
        self.sc, self.ward = sc, ward
        self.agent_id = ward.id
        lines = [n.line for n in ward.nurses]
        self.manager = max(sorted(set(lines)), key=lines.count)
        self.keys = sorted({(n.line, s) for n in ward.nurses for s in range(sc.shifts)})

    def solve(self, ctx: SolveContext, rides: Rides | None = None) -> Plan | None:
        """Best roster under the context; with ``rides``, under the transport it adds."""
        sc, w = self.sc, self.ward
        m = cp_model.CpModel()
        v = add_ward(m, sc, w)
        priced = ctx.price is not None or rides is not None
        main = [(x, sc.penalty_weight * c if priced else c) for x, c in v.penalty_terms()]
        over_w = ctx.price if ctx.price is not None else (
            sum(n.private.weight * n.shifts for n in w.nurses) + 1)
        for key in self.keys if ctx.caps is not None else ():
            cap = max(0, ctx.caps.get(key, 0))  # type: ignore[union-attr]
            if ctx.soft_caps:
                ov = m.new_int_var(0, len(w.nurses), f"over_{key[0]}_{key[1]}")
                m.add(v.seats(key) <= cap + ov)
                main.append((ov, over_w))
            else:
                m.add(v.seats(key) <= cap)
        if rides is not None:
            main = self._ride(m, v, rides, main)
        # changes from the anchor: x where it worked nothing, 1 - x (the 1 dropped) where it did
        before = {(n, s) for n, shifts in roster_of(ctx.anchor).items() for s in shifts}
        changes = [(x, -1 if k in before else 1) for k, x in v.x.items()] if ctx.anchor else []
        terms = [(x, (len(changes) + 1) * c) for x, c in main] + changes
        m.minimize(cp_model.LinearExpr.weighted_sum([x for x, _ in terms],
                                                    [c for _, c in terms]))
        solved = solve_model(m, time_limit=10 * ctx.time_limit + 10, seed=ctx.seed, workers=1,
                             deterministic_limit=ctx.time_limit)
        return None if solved is None else plan_of(w, v.roster(solved.solver))

    def _ride(self, m: cp_model.CpModel, v: WardVars, rides: Rides,
              main: list[tuple[cp_model.IntVar, int]]) -> list[tuple[cp_model.IntVar, int]]:
        """Add the cabs of every (line, shift) (others' passengers plus the ward's seats);
        the penalty must beat ``rides.penalty_below``. Returns the objective's terms: the
        weighted penalty plus the cabs' cost, or, for a bid, the penalty first within
        ``rides.limit``."""
        pen = v.penalty_terms()
        m.add(cp_model.LinearExpr.weighted_sum([x for x, _ in pen], [c for _, c in pen])
              < rides.penalty_below)
        fare = []
        for key, (capacity, cost, others) in sorted(rides.fares.items()):
            top = cabs(others + len(self.ward.nurses), capacity)
            n = m.new_int_var(0, top, f"cabs_{key[0]}_{key[1]}")
            m.add(capacity * n >= others + v.seats(key))
            fare.append((n, cost))
        if rides.limit is None:
            return main + fare
        value = main + fare
        m.add(cp_model.LinearExpr.weighted_sum([x for x, _ in value], [c for _, c in value])
              <= rides.limit)
        spread = sum(c * cabs(o + len(self.ward.nurses), k) for k, c, o in rides.fares.values())
        return [(x, c * (spread + 1)) for x, c in pen] + fare

    def caps_around(self, plan: Plan) -> dict[Key, int]:
        """Caps holding a plan's seats where they are, for every (line, shift) of the ward:
        as each nurse works a fixed number of shifts, these fix the seats exactly."""
        own = plan.usage_map()
        return {k: own.get(k, 0) for k in self.keys}
