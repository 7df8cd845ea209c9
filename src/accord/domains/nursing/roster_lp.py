"""The linear relaxation of a ward's roster, by column generation.

A column is one nurse's whole row (a shift or a day off per day) that keeps every one of
her hard rules; its cost is her requests' part of the benchmark's measure. The master LP
(GLOP) picks a convex combination of columns per nurse and pays the covers' shortfalls and
surpluses at their weights; its duals price, per nurse, a new row in a CP-SAT model of
her rules alone (``roster.add_roster`` on a one-nurse instance), added while it costs less
than its combination. This is the relaxation of the set-partitioning model with which
Curtois and Qu's branch and price proved their best values; it is tight (Instance8: 1297
against the best known 1300, where CP-SAT's own search bound stays near 1272).

The relaxation's optimum is a compass for the search: ``lns.improve`` frees the cells
where the current roster and the relaxation disagree (a neighbourhood in the spirit of
relaxation-induced neighbourhood search). Every limit is deterministic (CP-SAT's work,
GLOP's own deterministic solve), so a seed and a work budget give the same relaxation;
a wall deadline (``cpsat.deadline``) stops it early with the columns it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from accord.domains.nursing.curtois import Staff, WardInstance
from accord.domains.nursing.roster import add_roster, evaluate
from accord.solve.cpsat import time_left, wall_limit

Row = tuple[str | None, ...]
"""A nurse's shift id per day (None: off)."""

PRICE_SCALE = 1000
"""Duals are priced in 1/1000 of a cost unit (the pricing model's objective is integer)."""
PRICE_WORK = 0.5
"""CP-SAT's units for one nurse's pricing: a 28-day row solves in a few hundredths."""
EPSILON = 1e-6
SMOOTHING = 0.5
"""Share of the way from the LP's duals to the best bound's that the priced duals go."""
LP_WORK = 1e-4
"""Units counted per GLOP iteration of the master (a few microseconds each)."""


class _Pricer:
    """One nurse's rules as a CP-SAT model whose objective is her requests' cost minus
    what the duals pay for her cells."""

    def __init__(self, inst: WardInstance, nurse: Staff) -> None:
        own = replace(inst, staff=(nurse,), covers=(),
                      days_off={nurse.id: inst.days_off.get(nurse.id, frozenset())},
                      on_requests=tuple(r for r in inst.on_requests if r.employee == nurse.id),
                      off_requests=tuple(r for r in inst.off_requests if r.employee == nurse.id))
        self.model = cp_model.CpModel()
        self.x, self.requests = add_roster(self.model, own)
        self.nurse, self.horizon, self.own = nurse.id, inst.horizon, own

    def cost(self, row: Row) -> int:
        """The row's cost: its nurse's requests' part of the benchmark's measure."""
        return evaluate(self.own, {(self.nurse, d): s for d, s in enumerate(row)
                                   if s is not None}).cost

    def price(self, duals: Mapping[tuple[int, str], float], seed: int
              ) -> tuple[Row, float, bool, float] | None:
        """The row of least reduced cost (before the nurse's own dual): the row, that
        value, whether it is proven least, and the work spent; None if none was found."""
        cells = [(v, round(PRICE_SCALE * duals.get((d, s), 0.0)))
                 for (_, d, s), v in self.x.items()]
        self.model.minimize(PRICE_SCALE * self.requests
                            - cp_model.LinearExpr.weighted_sum([v for v, _ in cells],
                                                               [p for _, p in cells]))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed % 2**31
        solver.parameters.linearization_level = 2  # measured: 30 % faster than level 1
        solver.parameters.max_deterministic_time = PRICE_WORK
        solver.parameters.max_time_in_seconds = wall_limit(100 * PRICE_WORK)
        status = solver.solve(self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        row: list[str | None] = [None] * self.horizon
        for (_, d, s), v in self.x.items():
            if solver.value(v):
                row[d] = s
        return (tuple(row), solver.objective_value / PRICE_SCALE,
                status == cp_model.OPTIMAL, solver.deterministic_time)


class _Master:
    """The master LP, grown one column at a time (GLOP re-solves from its last basis)."""

    def __init__(self, inst: WardInstance) -> None:
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.columns: dict[str, dict[Row, pywraplp.Variable]] = {e.id: {} for e in inst.staff}
        self.one = {e.id: self.lp.Add(self.lp.Sum([]) == 1) for e in inst.staff}
        self.cover: dict[tuple[int, str], pywraplp.Constraint] = {}
        objective = self.lp.Objective()
        for c in inst.covers:
            under, over = self.lp.NumVar(0, self.lp.infinity(), ""), self.lp.NumVar(
                0, self.lp.infinity(), "")
            row = self.lp.Add(under - over == c.requirement)
            self.cover[c.day, c.shift] = row
            objective.SetCoefficient(under, c.under)
            objective.SetCoefficient(over, c.over)
        objective.SetMinimization()

    def add(self, nurse: str, row: Row, cost: float) -> bool:
        """Add a column (False: the nurse has it already)."""
        if row in self.columns[nurse]:
            return False
        var = self.lp.NumVar(0, 1, "")
        self.columns[nurse][row] = var
        self.lp.Objective().SetCoefficient(var, cost)
        self.one[nurse].SetCoefficient(var, 1)
        for d, s in enumerate(row):
            if s is not None and (c := self.cover.get((d, s))) is not None:
                c.SetCoefficient(var, 1)
        return True

    def solve(self) -> float:
        """The LP's optimum (every nurse has a column, so it is always feasible)."""
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            raise RuntimeError("the roster's master LP has no optimum")
        return float(self.lp.Objective().Value())

    def cells(self) -> dict[tuple[str, int, str], float]:
        out: dict[tuple[str, int, str], float] = {}
        for nurse, rows in self.columns.items():
            for row, var in rows.items():
                if (share := var.solution_value()) > EPSILON:
                    for d, s in enumerate(row):
                        if s is not None:
                            out[nurse, d, s] = out.get((nurse, d, s), 0.0) + share
        return out


class Relaxation:
    """The ward's relaxation, grown by column generation a few units at a time.

    ``value`` is the master LP's optimum over the columns so far, ``bound`` the Lagrangian
    bound of the last round whose pricings were all proven (no roster costs less; None
    before), ``converged`` whether the LP can no longer fall by a unit, ``cells`` each
    cell's value (``(nurse, day, shift)`` -> share of the nurse's rows on that shift)."""

    def __init__(self, inst: WardInstance) -> None:
        self.inst = inst
        self.master = _Master(inst)
        self.pricers = {e.id: _Pricer(inst, e) for e in inst.staff}
        self.value = float("inf")
        self.bound: float | None = None
        self.rounds = 0
        self.converged = False
        self._center: dict[tuple[int, str], float] | None = None
        self._exact = False

    def add_rows(self, rows: Mapping[str, Row]) -> None:
        """Add a roster's rows (every nurse's, each keeping her rules) as columns."""
        for nurse, row in rows.items():
            self.master.add(nurse, row, self.pricers[nurse].cost(row))
        self.value = self.master.solve()

    def generate(self, work: float, seed: int) -> float:
        """Rounds of pricing (every nurse once per round) for ``work`` units at most, or
        until converged or the wall deadline; returns the units spent.

        The duals priced are smoothed (Wentges): ``SMOOTHING`` of the way from the LP's
        duals towards those that gave the best Lagrangian bound so far, which steadies
        the degenerate first rounds and the tail; a round whose columns do not price out
        at the LP's own duals is repeated with them."""
        master, spent = self.master, 0.0
        need = {(c.day, c.shift): c.requirement for c in self.inst.covers}
        while spent < work and not self.converged:
            if (left := time_left()) is not None and left <= 0:
                break
            lp = {k: c.dual_value() for k, c in master.cover.items()}
            own = {k: c.dual_value() for k, c in master.one.items()}
            a = SMOOTHING if self._center is not None and not self._exact else 0.0
            duals = {k: a * self._center[k] + (1 - a) * v
                     for k, v in lp.items()} if self._center is not None and a else lp
            added, proven, lagrange = 0, True, sum(duals[k] * need[k] for k in duals)
            for i, p in enumerate(self.pricers.values()):
                if (left := time_left()) is not None and left <= 0:
                    proven = False
                    break
                found = p.price(duals, seed + 7919 * self.rounds + i)
                if found is None:
                    proven = False
                    continue
                row, least, optimal, used = found
                spent += used
                proven = proven and optimal
                lagrange += least
                cost = p.cost(row)
                reduced = cost - own[p.nurse] - sum(
                    lp.get((d, s), 0.0) for d, s in enumerate(row) if s is not None)
                if reduced < -EPSILON and master.add(p.nurse, row, cost):
                    added += 1
            self.rounds += 1
            if proven and (self.bound is None or lagrange > self.bound):
                self.bound, self._center = lagrange, duals
            if added:
                self.value = master.solve()
                spent += LP_WORK * master.lp.iterations()
            # nothing priced out at smoothed duals: try the LP's own before concluding
            self._exact = not added and a > 0
            self.converged = (not added and proven and a == 0) or (
                self.bound is not None and self.value - self.bound < 1)
        return spent

    def cells(self) -> dict[tuple[str, int, str], float]:
        """Each cell's value in the LP's optimum."""
        return self.master.cells()
