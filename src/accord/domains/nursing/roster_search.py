"""Compiled local search (simulated annealing) over a Curtois & Qu ward's roster.

Moves, as in the strong nurse-rostering solvers: change one nurse-day (another shift or a
day off); swap the assignments of two nurses over a block of 1–7 consecutive days (whole
weekends and night blocks among them: cover stays as it is); exchange two days of one
nurse. A move is priced incrementally: the requests and cover terms of the cells it
changes, and the hard rules of the one or two nurses it touches, re-counted over their row
(``row_hard``). Hard rules are penalised (``hard_weight`` per unit of excess: a shift too
many or too few, a day of a run too long or too short, a weekend too many) and a roster
with any left is never kept as the best. The soft cost is the benchmark's own
(``roster.evaluate``), exactly; a test compares every delta with the full evaluation.
With ``Fares`` (a hospital's lines: for ``central``, or as a negotiation quotes them to
one ward), a move also pays the cabs that the seats it moves add or save, given the
other passengers: the cost is then ``penalty_weight`` × the ward's cost + the cabs'
cost (the same test).

Compiled with numba (``cache=True``; ``nogil``: wards solving in threads anneal at once).
Numba's generator is seeded from ``seed`` and the budget is a number of moves, so a seed
and a budget give one roster on any machine.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numba import njit

from accord.domains.nursing.curtois import parse_curtois
from accord.domains.nursing.roster_arrays import (
    Fares,
    IntArray,
    WardArrays,
    arrays_of,
    no_fares,
)
from accord.solve.cpsat import time_left

CHUNK = 2_000_000
"""Moves between two looks at the wall clock (a second at most on this machine)."""
T_START, T_END = 0.3, 0.01
"""The temperature's start and end, as shares of the largest weight of one cell's term
(Curtois: 100, a nurse short on a shift): at the start a nurse short is often accepted
for a better place elsewhere, at the end only a request's weight of 1 at times."""
HARD = 2
"""A unit of hard excess costs twice the largest weight: a move may break a rule for a
nurse short, and is pulled back to feasible rosters."""
MIX = np.array([0.35, 0.45, 0.20])
"""Shares of the moves: change one nurse-day, swap a block between two nurses, exchange
two days of one nurse."""


@njit(cache=True)
def _cell(need: IntArray, d: int, s: int, n: int) -> int:
    """Cover cost of ``n`` nurses on shift ``s`` of day ``d``."""
    if n < need[d, s, 0]:
        return need[d, s, 1] * (need[d, s, 0] - n)
    return need[d, s, 2] * (n - need[d, s, 0])


@njit(cache=True)
def _cover_change(need: IntArray, counts: IntArray, d: int, s: int, step: int) -> int:
    """How the cover cost of shift ``s`` on day ``d`` changes with ``step`` more nurses."""
    return _cell(need, d, s, counts[d, s] + step) - _cell(need, d, s, counts[d, s])


@njit(cache=True)
def _ride(loads: IntArray, cap: IntArray, fare: IntArray, line: int, shift: int, step: int
          ) -> int:
    """Add ``step`` passengers to a line's departure; the cabs' cost it adds."""
    n, k = loads[line, shift], cap[line, shift]
    loads[line, shift] = n + step
    return ((n + step + k - 1) // k - (n + k - 1) // k) * fare[line, shift]


@njit(cache=True)
def _reseat(loads: IntArray, cap: IntArray, fare: IntArray, line: int, spd: int,
            dep: IntArray, day: int, old: int, new: int) -> int:
    """A nurse of ``line`` (-1: she does not ride) works ``new`` instead of ``old`` on
    ``day`` (``dep.shape[0]``: a day off): move her seat; the cabs' cost it adds."""
    S = dep.shape[0]
    if line < 0 or old == new:
        return 0
    c = 0
    if old < S:
        c += _ride(loads, cap, fare, line, day * spd + dep[old], -1)
    if new < S:
        c += _ride(loads, cap, fare, line, day * spd + dep[new], +1)
    return c


@njit(cache=True)
def row_hard(R: IntArray, e: int, minutes: IntArray, forbid: np.ndarray,  # type: ignore[type-arg]
             max_shifts: IntArray, limits: IntArray, days_off: np.ndarray,  # type: ignore[type-arg]
             weekend: IntArray, unit: int, cnt: IntArray, wk: IntArray) -> int:
    """Excess over the hard rules of nurse ``e``'s row: 0 exactly when it breaks none
    (``cnt`` [S] and ``wk`` [weekends] are scratch arrays)."""
    S, H = minutes.shape[0], R.shape[1]
    cnt[:] = 0
    wk[:] = 0
    h, mins = 0, 0
    for d in range(H):
        v = R[e, d]
        if v < S:
            cnt[v] += 1
            mins += minutes[v]
            if days_off[e, d]:
                h += 1
            if d + 1 < H and R[e, d + 1] < S and forbid[v, R[e, d + 1]]:
                h += 1
            if weekend[d] >= 0:
                wk[weekend[d]] = 1
    for s in range(S):
        if cnt[s] > max_shifts[e, s]:
            h += cnt[s] - max_shifts[e, s]
    if mins > limits[e, 0]:
        h += (mins - limits[e, 0] + unit - 1) // unit
    if mins < limits[e, 1]:
        h += (limits[e, 1] - mins + unit - 1) // unit
    start = 0
    for d in range(1, H + 1):
        if d == H or (R[e, d] < S) != (R[e, start] < S):
            length, working = d - start, R[e, start] < S
            if working and length > limits[e, 2]:
                h += length - limits[e, 2]
            if start > 0 and d < H:
                if working and length < limits[e, 3]:
                    h += limits[e, 3] - length
                if not working and length < limits[e, 4]:
                    h += limits[e, 4] - length
            start = d
    worked = wk.sum()
    if worked > limits[e, 5]:
        h += worked - limits[e, 5]
    return h


@njit(cache=True)
def soft_cost(R: IntArray, pref: IntArray, need: IntArray) -> int:
    """The benchmark's soft cost of a roster (requests and cover)."""
    E, H = R.shape
    S = need.shape[1]
    c = 0
    counts = np.zeros((H, S), dtype=np.int64)
    for e in range(E):
        for d in range(H):
            c += pref[e, d, R[e, d]]
            if R[e, d] < S:
                counts[d, R[e, d]] += 1
    for d in range(H):
        for s in range(S):
            c += _cell(need, d, s, counts[d, s])
    return c


@njit(cache=True, nogil=True)
def anneal(R0: IntArray, minutes: IntArray, forbid: np.ndarray,  # type: ignore[type-arg]
           max_shifts: IntArray, limits: IntArray, days_off: np.ndarray,  # type: ignore[type-arg]
           allowed: np.ndarray, pref: IntArray, need: IntArray,  # type: ignore[type-arg]
           weekend: IntArray, unit: int, moves: int, seed: int, t_start: float, t_end: float,
           hard_weight: int, mix: np.ndarray,  # type: ignore[type-arg]
           line_of: IntArray, dep: IntArray, spd: int, loads: IntArray, cap: IntArray,
           fare: IntArray, pw: int) -> tuple[IntArray, int, int, IntArray, int, int]:
    """Anneal from ``R0`` for ``moves`` moves, the temperature falling geometrically from
    ``t_start`` to ``t_end``. Returns the best roster without hard excess (``R0`` when
    none was better and ``R0`` has none), its soft cost, its hard excess, the counts of
    accepted moves by kind, and the soft cost and hard excess of the last roster, where
    ``R0`` is left (both summed from the moves' deltas). The cost is ``pw`` × the soft
    cost plus the cabs' cost of the rides (nurse ``e`` rides line ``line_of[e]``, -1:
    none, at departure ``day × spd + dep[shift]``; ``loads`` [lines, departures] holds
    every ward's passengers and follows the roster, ``cap`` and ``fare`` [lines,
    departures] the cabs' seats and cost); with nobody riding it is the soft cost."""
    np.random.seed(seed)
    E, H = R0.shape
    S = minutes.shape[0]
    R = R0
    cnt = np.zeros(S, dtype=np.int64)
    wk = np.zeros(max(1, weekend.max() + 1), dtype=np.int64)
    counts = np.zeros((H, S), dtype=np.int64)
    hard = np.zeros(E, dtype=np.int64)
    for e in range(E):
        hard[e] = row_hard(R, e, minutes, forbid, max_shifts, limits, days_off, weekend,
                           unit, cnt, wk)
        for d in range(H):
            if R[e, d] < S:
                counts[d, R[e, d]] += 1
    soft = pw * soft_cost(R, pref, need)
    for line in range(cap.shape[0]):
        for t in range(loads.shape[1]):
            soft += (loads[line, t] + cap[line, t] - 1) // cap[line, t] * fare[line, t]
    total_hard = hard.sum()
    best, best_soft, best_hard = R.copy(), soft, total_hard
    accepted = np.zeros(3, dtype=np.int64)
    ratio = (t_end / t_start) ** (1.0 / max(1, moves)) if t_start > 0 else 1.0
    temp = t_start
    c1, c2 = mix[0], mix[0] + mix[1]
    for _ in range(moves):
        temp *= ratio
        r = np.random.random()
        if r < c1 or E < 2:
            kind = 0
            e, d = np.random.randint(E), np.random.randint(H)
            v = np.random.randint(S + 1)
            old = R[e, d]
            if v == old or not allowed[e, d, v]:
                continue
            ds = pref[e, d, v] - pref[e, d, old]
            if old < S:
                ds += _cover_change(need, counts, d, old, -1)
            if v < S:
                ds += _cover_change(need, counts, d, v, +1)
            R[e, d] = v
            ds = pw * ds + _reseat(loads, cap, fare, line_of[e], spd, dep, d, old, v)
            h1 = row_hard(R, e, minutes, forbid, max_shifts, limits, days_off, weekend,
                          unit, cnt, wk)
            dh = h1 - hard[e]
            delta = ds + hard_weight * dh
            if delta <= 0 or np.random.random() < np.exp(-delta / temp):
                if old < S:
                    counts[d, old] -= 1
                if v < S:
                    counts[d, v] += 1
                hard[e] = h1
            else:
                R[e, d] = old
                _reseat(loads, cap, fare, line_of[e], spd, dep, d, v, old)
                continue
        elif r < c2:
            kind = 1
            e = np.random.randint(E)
            f = np.random.randint(E - 1)
            f += f >= e
            length = 1 + np.random.randint(min(7, H))
            d0 = np.random.randint(H - length + 1)
            same, ok, ds = True, True, 0
            for d in range(d0, d0 + length):
                a, b = R[e, d], R[f, d]
                if a != b:
                    same = False
                    if not allowed[e, d, b] or not allowed[f, d, a]:
                        ok = False
                        break
                    ds += pref[e, d, b] - pref[e, d, a] + pref[f, d, a] - pref[f, d, b]
            if same or not ok:
                continue
            ds *= pw
            for d in range(d0, d0 + length):
                a, b = R[e, d], R[f, d]
                ds += _reseat(loads, cap, fare, line_of[e], spd, dep, d, a, b)
                ds += _reseat(loads, cap, fare, line_of[f], spd, dep, d, b, a)
                R[e, d], R[f, d] = b, a
            he = row_hard(R, e, minutes, forbid, max_shifts, limits, days_off, weekend,
                          unit, cnt, wk)
            hf = row_hard(R, f, minutes, forbid, max_shifts, limits, days_off, weekend,
                          unit, cnt, wk)
            dh = he + hf - hard[e] - hard[f]
            delta = ds + hard_weight * dh
            if delta <= 0 or np.random.random() < np.exp(-delta / temp):
                hard[e], hard[f] = he, hf
            else:
                for d in range(d0, d0 + length):
                    a, b = R[e, d], R[f, d]
                    _reseat(loads, cap, fare, line_of[e], spd, dep, d, a, b)
                    _reseat(loads, cap, fare, line_of[f], spd, dep, d, b, a)
                    R[e, d], R[f, d] = b, a
                continue
        else:
            kind = 2
            e = np.random.randint(E)
            d1, d2 = np.random.randint(H), np.random.randint(H)
            a, b = R[e, d1], R[e, d2]
            if a == b or not allowed[e, d1, b] or not allowed[e, d2, a]:
                continue
            ds = pref[e, d1, b] - pref[e, d1, a] + pref[e, d2, a] - pref[e, d2, b]
            # cover: day d1 loses a, gains b; day d2 loses b, gains a (distinct days)
            if a < S:
                ds += _cover_change(need, counts, d1, a, -1)
                ds += _cover_change(need, counts, d2, a, +1)
            if b < S:
                ds += _cover_change(need, counts, d1, b, +1)
                ds += _cover_change(need, counts, d2, b, -1)
            R[e, d1], R[e, d2] = b, a
            ds = pw * ds + (_reseat(loads, cap, fare, line_of[e], spd, dep, d1, a, b)
                            + _reseat(loads, cap, fare, line_of[e], spd, dep, d2, b, a))
            h1 = row_hard(R, e, minutes, forbid, max_shifts, limits, days_off, weekend,
                          unit, cnt, wk)
            dh = h1 - hard[e]
            delta = ds + hard_weight * dh
            if delta <= 0 or np.random.random() < np.exp(-delta / temp):
                if a < S:
                    counts[d1, a] -= 1
                    counts[d2, a] += 1
                if b < S:
                    counts[d1, b] += 1
                    counts[d2, b] -= 1
                hard[e] = h1
            else:
                R[e, d1], R[e, d2] = a, b
                _reseat(loads, cap, fare, line_of[e], spd, dep, d1, b, a)
                _reseat(loads, cap, fare, line_of[e], spd, dep, d2, a, b)
                continue
        soft += ds
        total_hard += dh
        accepted[kind] += 1
        if total_hard == 0 and (soft < best_soft or best_hard > 0):
            best[:, :] = R
            best_soft, best_hard = soft, 0
    return best, best_soft, best_hard, accepted, soft, total_hard


@dataclass(frozen=True)
class Annealed:
    """The best roster met without hard excess (``R[employee, day]``; the start when
    none was better), its cost (with ``Fares``, the hospital's: see ``anneal``), and the
    accepted moves by kind (change, swap, exchange)."""

    roster: IntArray
    cost: int
    accepted: tuple[int, int, int]


def weights(arr: WardArrays) -> int:
    """The largest weight of one cell's term (a nurse short or over, a request)."""
    return int(max(arr.need[:, :, 1:].max(initial=1), np.abs(arr.pref).max(initial=1)))


def cost_of(arr: WardArrays, roster: IntArray, fares: Fares) -> int:
    """The search's cost of a roster: ``fares.weight`` × the benchmark's soft cost, plus
    the cabs' cost of ``fares.loads`` (which must hold the roster's passengers)."""
    k = fares.cap
    return (fares.weight * int(soft_cost(roster, arr.pref, arr.need))
            + int(((fares.loads + k - 1) // k * fares.fare).sum()))


def search(arr: WardArrays, roster: IntArray, *, moves: int, seed: int,
           fares: Fares | None = None) -> Annealed:
    """Anneal a hard-feasible roster of the ward ``arr`` for ``moves`` moves, in chunks of
    ``CHUNK`` between which the wall deadline (``cpsat.deadline``) is checked. The
    temperature falls from ``T_START`` to ``T_END`` times the largest weight (of a cell's
    term times ``fares.weight``, or of a cab); a unit of hard excess costs ``HARD`` times
    it. With ``fares`` (its ``loads`` holding this roster's passengers; left as they
    are), the cost is the hospital's; without, the ward's benchmark cost."""
    f = fares if fares is not None else no_fares(arr)
    loads = f.loads.copy()
    w = max(weights(arr) * f.weight, int(f.fare.max(initial=0)))
    R = np.array(roster, dtype=np.int64)
    best, best_cost = R.copy(), cost_of(arr, R, f)
    accepted = np.zeros(3, dtype=np.int64)
    ratio = T_END / T_START
    done = 0
    while done < moves:
        if (left := time_left()) is not None and left <= 0:
            break
        n = min(CHUNK, moves - done)
        t0, t1 = (w * T_START * ratio ** (k / moves) for k in (done, done + n))
        got, cost, hard, acc, _, _ = anneal(
            R, arr.minutes, arr.forbid, arr.max_shifts, arr.limits, arr.days_off,
            arr.allowed, arr.pref, arr.need, arr.weekend, arr.unit, n,
            (seed * 1_000_003 + done) % 2**31, t0, t1, HARD * w, MIX,
            f.line_of, f.dep, f.per_day, loads, f.cap, f.fare, f.weight)
        accepted += acc
        if hard == 0 and cost < best_cost:
            best, best_cost = got, int(cost)
        done += n
    return Annealed(best, best_cost, (int(accepted[0]), int(accepted[1]), int(accepted[2])))


def improved(arr: WardArrays, roster: IntArray, *, moves: int, seed: int,
             fares: Fares | None = None) -> IntArray | None:
    """The roster ``search`` ends at when it costs less than ``roster`` (None: it does
    not)."""
    f = fares if fares is not None else no_fares(arr)
    found = search(arr, roster, moves=moves, seed=seed, fares=f)
    return found.roster if found.cost < cost_of(arr, roster, f) else None


@functools.cache
def warm_up() -> None:
    """Compile the search (or load it from numba's cache) on a tiny ward, once per
    process, so that no timed solve pays for it."""
    inst = parse_curtois(TINY, "<tiny>")
    arr = arrays_of(inst)
    search(arr, np.full((len(inst.staff), inst.horizon), len(inst.shifts), dtype=np.int64),
           moves=100, seed=1)


TINY = """SECTION_HORIZON
7
SECTION_SHIFTS
D,480,
SECTION_STAFF
A,D=7,3360,0,5,1,1,1
B,D=7,3360,0,5,1,1,1
SECTION_DAYS_OFF
SECTION_SHIFT_ON_REQUESTS
SECTION_SHIFT_OFF_REQUESTS
SECTION_COVER
""" + "".join(f"{d},D,1,100,1\n" for d in range(7))
"""A two-nurse week for ``warm_up`` and the tests."""
