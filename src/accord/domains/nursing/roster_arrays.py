"""A Curtois & Qu ward as flat arrays for the compiled local search (``roster_search``).

A roster is ``R[employee, day]``: a shift type's index (file order), or ``S`` (the number
of shift types) for a day off. ``allowed[e, d, v]`` says whether the exact model has the
cell at all (no shift on a day off, none of a type the employee may work 0 times); the
search never leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from accord.domains.nursing.curtois import WardInstance

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Assignment = dict[tuple[str, int], str]


@dataclass(frozen=True)
class WardArrays:
    """The instance's rules and weights by index (see the module docstring)."""

    minutes: IntArray        # [S]
    forbid: BoolArray        # [S, S]: t cannot follow s the next day
    max_shifts: IntArray     # [E, S] (the horizon where the file sets none)
    limits: IntArray         # [E, 6]: max, min minutes; max, min run; min days off; weekends
    days_off: BoolArray      # [E, H]
    allowed: BoolArray       # [E, H, S + 1]
    pref: IntArray           # [E, H, S + 1]: requests' cost of each value of a cell
    need: IntArray           # [H, S, 3]: requirement, weight under, weight over
    weekend: IntArray        # [H]: the day's weekend (-1: none)
    unit: int                # the shortest shift's minutes (the unit of minute excess)


def arrays_of(inst: WardInstance) -> WardArrays:
    """The instance's arrays."""
    E, H, S = len(inst.staff), inst.horizon, len(inst.shifts)
    sidx = {s.id: i for i, s in enumerate(inst.shifts)}
    eidx = {e.id: i for i, e in enumerate(inst.staff)}
    minutes = np.array([s.minutes for s in inst.shifts], dtype=np.int64)
    forbid = np.zeros((S, S), dtype=np.bool_)
    for s in inst.shifts:
        for t in s.cannot_follow:
            forbid[sidx[s.id], sidx[t]] = True
    max_shifts = np.array([[e.max_shifts.get(s.id, H) for s in inst.shifts]
                           for e in inst.staff], dtype=np.int64).reshape(E, S)
    limits = np.array([[e.max_minutes, e.min_minutes, e.max_consecutive, e.min_consecutive,
                        e.min_days_off, e.max_weekends] for e in inst.staff],
                      dtype=np.int64).reshape(E, 6)
    days_off = np.zeros((E, H), dtype=np.bool_)
    for emp, off in inst.days_off.items():
        for d in off:
            days_off[eidx[emp], d] = True
    allowed = np.ones((E, H, S + 1), dtype=np.bool_)
    allowed[:, :, :S] &= ~days_off[:, :, None]
    allowed[:, :, :S] &= (max_shifts > 0)[:, None, :]
    pref = np.zeros((E, H, S + 1), dtype=np.int64)
    for r in inst.on_requests:
        e, k = eidx[r.employee], sidx[r.shift]
        pref[e, r.day, :] += r.weight
        pref[e, r.day, k] -= r.weight
    for r in inst.off_requests:
        pref[eidx[r.employee], r.day, sidx[r.shift]] += r.weight
    need = np.zeros((H, S, 3), dtype=np.int64)
    for c in inst.covers:
        need[c.day, sidx[c.shift]] = (c.requirement, c.under, c.over)
    weekend = np.full(H, -1, dtype=np.int64)
    for w, days in enumerate(inst.weekends):
        for d in days:
            weekend[d] = w
    return WardArrays(minutes, forbid, max_shifts, limits, days_off, allowed, pref, need,
                      weekend, int(minutes.min()))


@dataclass(frozen=True)
class Fares:
    """A hospital's lines as the local search of one ward sees them: the ward's nurse
    ``e`` rides line ``line_of[e]`` (-1: she does not ride) at departure ``day × per_day
    + dep[shift]``; ``loads`` [lines, departures] holds the passengers (every ward's, the
    ward's own among them), ``cap`` and ``fare`` [lines, departures] a cab's seats and
    cost (a seat sold at a price: a cab of one seat); the ward's cost counts ``weight``
    times (``penalty_weight``)."""

    line_of: IntArray
    dep: IntArray
    per_day: int
    loads: IntArray
    cap: IntArray
    fare: IntArray
    weight: int


def no_fares(arr: WardArrays) -> Fares:
    """Nobody rides: the search's cost is the ward's benchmark cost."""
    E, S = arr.allowed.shape[0], arr.minutes.shape[0]
    return Fares(np.full(E, -1, dtype=np.int64), np.zeros(S, dtype=np.int64), 1,
                 np.zeros((1, 1), dtype=np.int64), np.ones((1, 1), dtype=np.int64),
                 np.zeros((1, 1), dtype=np.int64), 1)


def add_riders(loads: IntArray, roster: IntArray, fares: Fares, step: int = 1) -> None:
    """Add (``step`` -1: remove) the passengers of a ward's roster to ``loads``."""
    S = fares.dep.shape[0]
    e, d = np.nonzero((roster < S) & (fares.line_of[:, None] >= 0))
    np.add.at(loads, (fares.line_of[e], d * fares.per_day + fares.dep[roster[e, d]]), step)


def roster_of(inst: WardInstance, assignment: Assignment) -> IntArray:
    """The roster array of an assignment ((employee, day) -> shift id)."""
    S = len(inst.shifts)
    sidx = {s.id: i for i, s in enumerate(inst.shifts)}
    return np.array([[sidx.get(assignment.get((e.id, d), ""), S) for d in range(inst.horizon)]
                     for e in inst.staff], dtype=np.int64).reshape(len(inst.staff),
                                                                    inst.horizon)


def assignment_of(inst: WardInstance, roster: IntArray) -> Assignment:
    """The assignment of a roster array."""
    S = len(inst.shifts)
    return {(e.id, d): inst.shifts[int(v)].id for i, e in enumerate(inst.staff)
            for d, v in enumerate(roster[i]) if v < S}
