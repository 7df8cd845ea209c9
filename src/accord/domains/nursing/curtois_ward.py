"""A Curtois & Qu ward in the hospital: its roster's seats per (line, shift), its plan
and measure (the benchmark's own, ``roster.evaluate``), and its CP-SAT model (the
benchmark's, ``roster.add_roster``).

A nurse working shift type ``t`` on day ``d`` rides her home line on shift
``d × shifts_per_day + departures[t]``. A plan's assignment is ``{"roster": {employee:
[shift type or None, one per day]}}``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace

import numpy as np
from ortools.sat.python import cp_model

from accord.contract import Rides
from accord.domains.nursing import roster_lp, roster_search
from accord.domains.nursing.roster import RosterEvaluation, add_roster, evaluate
from accord.domains.nursing.roster_arrays import (
    Fares,
    IntArray,
    WardArrays,
    add_riders,
    arrays_of,
    no_fares,
)
from accord.domains.nursing.scenario import CurtoisWard, NursingScenario
from accord.domains.nursing.ward_model import WardModel
from accord.model.plan import Key, Plan, to_entries
from accord.solve.lns import Guide, Polish

Assignment = Mapping[tuple[str, int], str]
"""(employee, day) -> shift type; a missing key is a day off."""

MOVES_PER_UNIT = 10_000_000
"""Moves of the compiled local search counted as one unit of CP-SAT's deterministic work:
both take about three wall seconds on this machine (4 million moves a second, 3.5 s a
unit, Instance8)."""


def ride_of(sc: NursingScenario, ward: CurtoisWard, employee: str, day: int, shift: str
            ) -> Key | None:
    """The (line, shift) an employee working ``shift`` on ``day`` rides (None: she does
    not ride)."""
    line = ward.homes.get(employee)
    return None if line is None else (line, day * sc.shifts_per_day + ward.departures[shift])


def usage(sc: NursingScenario, ward: CurtoisWard, assignment: Assignment) -> dict[Key, int]:
    """Seats the roster needs per (line, shift)."""
    out: dict[Key, int] = {}
    for (e, d), t in assignment.items():
        if (k := ride_of(sc, ward, e, d, t)) is not None:
            out[k] = out.get(k, 0) + 1
    return out


def assignment_of(plan: Plan | None) -> dict[tuple[str, int], str]:
    """The assignment a plan holds (empty for no plan)."""
    rows = plan.assignment.get("roster", {}) if plan else {}
    return {(e, d): t for e, row in rows.items() for d, t in enumerate(row) if t is not None}


def measure(ward: CurtoisWard, plan: Plan | None) -> RosterEvaluation:
    """The benchmark's measure of the plan's roster."""
    return evaluate(ward.instance, assignment_of(plan))


def plan_of(sc: NursingScenario, ward: CurtoisWard, assignment: Assignment) -> Plan:
    """The ward's plan: roster, the benchmark's soft cost by term, seats per (line, shift)."""
    inst = ward.instance
    ev = evaluate(inst, assignment)
    return Plan(agent=ward.id, cost=ev.cost, breakdown=dict(ev.soft),
                assignment={"roster": {e.id: [assignment.get((e.id, d))
                                              for d in range(inst.horizon)]
                                       for e in inst.staff}},
                usage=to_entries(usage(sc, ward, assignment)))


class CurtoisModel(WardModel):
    """The benchmark's model of the ward, with its seats."""

    interleave = True
    """Measured: one plain worker is far from the optima that the portfolio proves."""
    lns = True
    """Solve by large-neighbourhood search over nurses and days (``solve.lns``): at 30–40
    nurses over four weeks one search stays far from the best known values (Instance8:
    2.6 × in 30 s) where re-solving a few nurses at a time gets close."""

    local_search = True
    """Alternate the neighbourhoods with the compiled local search (``polish``) where
    the ward's problem is its penalty alone."""
    guided = True
    """Guide the neighbourhoods by the ward's linear relaxation (``roster_lp``) where its
    problem is its penalty alone."""
    priced_search = True
    """And where its seats pay what the negotiation quotes (``polish`` with ``rides`` or
    ``prices``: ``transport``'s Requests for Change)."""

    def __init__(self, m: cp_model.CpModel, sc: NursingScenario, ward: CurtoisWard) -> None:
        self.sc, self.ward, self.riders = sc, ward, len(ward.homes)
        self.x, self._penalty = add_roster(m, ward.instance, prefix=f"{ward.id}.")
        self.cells = self.x
        self._arrays: WardArrays | None = None
        inst = ward.instance
        sidx = {s.id: i for i, s in enumerate(inst.shifts)}
        eidx = {e.id: i for i, e in enumerate(inst.staff)}
        self._cells = [(eidx[e], d, sidx[t], x.index) for (e, d, t), x in self.x.items()]
        """Each cell as (nurse, day, shift) indices of the roster array and its variable."""
        self._seats: dict[Key, list[cp_model.IntVar]] = {}
        for (e, d, t), x in self.x.items():
            if (k := ride_of(sc, ward, e, d, t)) is not None:
                self._seats.setdefault(k, []).append(x)

    def seats(self, key: Key) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.sum(self._seats.get(key, []))

    def grid(self) -> list[list[list[int]]] | None:
        if not self.lns:
            return None
        inst = self.ward.instance
        return [[[x.index for s in inst.shifts if (x := self.x.get((e.id, d, s.id))) is not None]
                 for d in range(inst.horizon)] for e in inst.staff]

    def penalty(self) -> cp_model.LinearExprT:
        return self._penalty

    def polish(self, rides: Rides | None = None, prices: Mapping[Key, float] | None = None,
               scale: int = 1) -> Polish | None:
        """The compiled local search of the roster (``roster_search``) on the benchmark's
        cost, or with ``rides`` or ``prices`` on the cost ``quoted`` gives: a roster that
        costs less by it, or None."""
        priced = rides is not None or prices is not None
        if not self.local_search or (priced and not self.priced_search):
            return None
        arr = self.arrays()
        quoted = self.quoted(rides, prices, scale) if priced else no_fares(arr)
        roster_search.warm_up()

        def run(values: Sequence[int], work: float, seed: int) -> list[int] | None:
            R = self.roster(values)
            fares = replace(quoted, loads=quoted.loads.copy())
            add_riders(fares.loads, R, fares)
            found = roster_search.improved(arr, R, moves=round(work * MOVES_PER_UNIT),
                                           seed=seed, fares=fares)
            if found is None:
                return None
            out = list(values)
            self.write(out, found)
            return out

        return run

    def guide(self) -> Guide | None:
        """The relaxation of the benchmark's cost (``roster_lp``), grown from the
        solutions it is given, as each grid variable's value."""
        if not self.guided:
            return None
        inst = self.ward.instance
        relaxation = roster_lp.Relaxation(inst)

        def run(values: Sequence[int], work: float, seed: int
                ) -> tuple[dict[int, float] | None, float, bool]:
            R = self.roster(values)
            off = len(inst.shifts)
            relaxation.add_rows({e.id: tuple(None if t == off else inst.shifts[t].id
                                             for t in R[n]) for n, e in enumerate(inst.staff)})
            spent = relaxation.generate(work, seed)
            cells = relaxation.cells()
            return ({x.index: cells.get(k, 0.0) for k, x in self.x.items()}, spent,
                    relaxation.converged)

        return run

    def quoted(self, rides: Rides | None, prices: Mapping[Key, float] | None, scale: int
               ) -> Fares:
        """The ward's lines as a negotiation quotes them to it: per (line, shift) the cabs'
        seats, cost and the others' passengers of ``rides``, or a seat's price
        (``prices``: a cab of one seat), costs and the weight × ``scale``; ``loads`` holds
        the others' passengers only. What it does not quote costs nothing."""
        lines = {ln: i for i, ln in enumerate(sorted(set(self.ward.homes.values())))}
        shape = (max(1, len(lines)), self.sc.shifts)
        loads, fare = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        cap = np.ones(shape, dtype=np.int64)
        for (ln, t), (seats, cost, others) in (rides.fares.items() if rides else ()):
            if ln in lines:
                cap[lines[ln], t], fare[lines[ln], t] = seats, scale * cost
                loads[lines[ln], t] = others
        for (ln, t), price in (prices or {}).items():
            if ln in lines:
                cap[lines[ln], t], fare[lines[ln], t] = 1, round(scale * price)
                loads[lines[ln], t] = 0
        f = self.fares(lines, loads, cap, fare)
        return replace(f, weight=scale * f.weight)

    def arrays(self) -> WardArrays:
        """The ward's instance as the local search's arrays (built once)."""
        if self._arrays is None:
            self._arrays = arrays_of(self.ward.instance)
        return self._arrays

    def roster(self, values: Sequence[int]) -> IntArray:
        """The roster array (``roster_arrays``) of a solution's values."""
        inst = self.ward.instance
        R = np.full((len(inst.staff), inst.horizon), len(inst.shifts), dtype=np.int64)
        for e, d, t, i in self._cells:
            if values[i]:
                R[e, d] = t
        return R

    def write(self, values: list[int], roster: IntArray) -> None:
        """Set the ward's cells of ``values`` to the roster array's."""
        for e, d, t, i in self._cells:
            values[i] = int(roster[e, d] == t)

    def fares(self, lines: Mapping[str, int], loads: IntArray, cap: IntArray,
              fare: IntArray) -> Fares:
        """The hospital's lines (``lines``: line id -> index of ``cap`` and ``fare``'s
        rows) as this ward's local search sees them, every ward's passengers in
        ``loads``."""
        inst = self.ward.instance
        line_of = np.array([lines.get(self.ward.homes.get(e.id, ""), -1) for e in inst.staff],
                           dtype=np.int64)
        dep = np.array([self.ward.departures[s.id] for s in inst.shifts], dtype=np.int64)
        return Fares(line_of, dep, self.sc.shifts_per_day, loads, cap, fare,
                     self.sc.penalty_weight)

    def penalty_bound(self) -> int:
        inst = self.ward.instance
        return (sum(r.weight for r in inst.on_requests + inst.off_requests)
                + sum(c.under * c.requirement + c.over * len(inst.staff) for c in inst.covers))

    def worked(self, plan: Plan) -> set[Hashable]:
        return {(e, d, t) for (e, d), t in assignment_of(plan).items()}

    def plan_from(self, values: Sequence[int]) -> Plan:
        return plan_of(self.sc, self.ward, {(e, d): t for (e, d, t), x in self.x.items()
                                            if values[x.index]})
