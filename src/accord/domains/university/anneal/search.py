"""Simulated annealing over the moves of ``moves.py``, from a feasible timetable.

The temperature falls geometrically from ``t_start`` to ``t_end`` (official cost units)
over the search: over its move budget when it has one (then the same seed and budget give
the same timetable on any machine), else over its wall seconds. The search runs in chunks
of compiled moves; between chunks it checks the wall deadline, so it ends by it. It
returns the best timetable met.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from accord.domains.university.anneal.arrays import (
    IntArray,
    State,
    Static,
    empty_state,
    lectures_of,
    positions,
    static_of,
)
from accord.domains.university.anneal.construct import constructed
from accord.domains.university.anneal.cost import CLASH, PEN, SCALE, fill, objective
from accord.domains.university.anneal.moves import (
    compact,
    move_or_swap,
    relocate,
    room_stability,
    working_day,
)
from accord.domains.university.cpmodel import Limits
from accord.domains.university.instance import Course, Instance, Lecture, Room
from accord.model.errors import AccordError

CHUNK = 20_000
"""Moves between two looks at the wall clock: a few hundredths of a second, a tenth on a
loaded machine (the run ends that much past its wall budget at most)."""

CLASH_CAP = 64
"""The most a clash's price grows, as a multiple of ``Schedule.clash_weight``: clashes
left after a chunk of moves double it, a chunk that ends without any resets it. On a
dense instance from a costly start (comp05, 60 s, seed 2) a fixed price let the search
live with a clash or two to the end, and never improve on its start."""

MOVE_MIX = np.array([0.45, 0.15, 0.10, 0.10, 0.20])
"""Shares of the moves: a lecture to a random period (half the time in its own room,
else a random room), a lecture to another room in its period, a course into one room,
a lecture to a day its course lacks, a lecture next to its curriculum."""


@dataclass(frozen=True)
class Schedule:
    """The cooling: from ``t_start`` to ``t_end`` official cost units. At the start a
    move that costs one isolated lecture (2) is taken one time in e^(2/1.5) ≈ 3.8; at the
    end a move that costs a student's seat (1) once in e^20."""

    t_start: float = 1.5
    t_end: float = 0.05
    clash_weight: int = 20
    """Official cost units of a lecture sharing a period with another of its teacher or
    curriculum (a clash); 0: such a move is refused (the search stays feasible). 20 is
    more than one lecture's move can gain otherwise (a working day 5, two curricula's
    compactness 12, room stability 1): a clash is crossed to reach a better timetable,
    never kept for its own sake. Dense instances gain most (comp05: 611 feasible-only,
    482 with clashes, same moves)."""


@njit(cache=True, nogil=True)
def anneal_chunk(st: Static, s: State, best_p: IntArray, best_r: IntArray, best: int,
                 moves: int, t_from: float, t_to: float, seed: int, mix: np.ndarray,
                 clash_w: int) -> int:
    """``moves`` moves cooling from ``t_from`` to ``t_to``; the best timetable met is
    kept in ``best_p``, ``best_r`` (objective ``best``, returned updated); with
    ``clash_w`` > 0 clashes are allowed at that price, and only a timetable without any
    is kept as best. It releases
    the GIL: departments solving in threads anneal side by side."""
    np.random.seed(seed)
    ppd, days, change_w = st.ppd, st.days, st.change_w
    l_course, c_students, r_cap, cp_ok, rp_ok = (st.l_course, st.c_students, st.r_cap,
                                                 st.cp_ok, st.rp_ok)
    cp_pen, rp_pen, anchor_room, c_mwd, c_teacher = (st.cp_pen, st.rp_pen, st.anchor_room,
                                                     st.c_mwd, st.c_teacher)
    cq_ptr, cq_idx, q_ptr, q_idx, q_foreign, c_lec_ptr = (st.cq_ptr, st.cq_idx, st.q_ptr,
                                                          st.q_idx, st.q_foreign, st.c_lec_ptr)
    l_period, l_room, room_lec, teach_p, q_load = (s.l_period, s.l_room, s.room_lec,
                                                   s.teach_p, s.q_load)
    c_day, c_room, c_ndays, c_nrooms, comp = s.c_day, s.c_room, s.c_ndays, s.c_nrooms, s.comp
    size = 2 * (st.c_lectures.max() + 1)
    lecs = np.empty(size, np.int64)
    ps, rs = np.empty(size, np.int64), np.empty(size, np.int64)
    old_p, old_r = np.empty(size, np.int64), np.empty(size, np.int64)
    n_lec, n_courses = l_course.shape[0], st.c_lectures.shape[0]
    periods, n_rooms = cp_ok.shape[1], r_cap.shape[0]
    cum = np.cumsum(mix)
    ratio = t_to / t_from
    clash = clash_w > 0
    now = objective(comp, clash_w)
    t, cool = t_from * SCALE, ratio ** (1.0 / moves)
    for _ in range(moves):
        t *= cool
        u = np.random.random() * cum[-1]
        lec = np.random.randint(n_lec)
        if u < cum[0]:
            r = l_room[lec] if np.random.randint(2) else np.random.randint(n_rooms)
            k = move_or_swap(cp_ok, rp_ok, l_course, l_period, l_room, room_lec, lec,
                             np.random.randint(periods), r, lecs, ps, rs)
        elif u < cum[1]:
            k = move_or_swap(cp_ok, rp_ok, l_course, l_period, l_room, room_lec, lec,
                             l_period[lec], np.random.randint(n_rooms), lecs, ps, rs)
        elif u < cum[2]:
            c = l_course[lec]
            k = room_stability(c_lec_ptr, rp_ok, l_period, l_room, room_lec, c, l_room[lec],
                               lecs, ps, rs) if c_nrooms[c] > 1 else 0
        elif u < cum[3]:
            k = working_day(ppd, days, c_mwd, c_lec_ptr, c_day, c_ndays, cp_ok, rp_ok,
                            l_course, l_period, l_room, room_lec,
                            np.random.randint(n_courses), lecs, ps, rs)
        else:
            k = compact(ppd, cq_ptr, cq_idx, q_ptr, q_idx, c_lec_ptr, cp_ok, rp_ok, l_course,
                        l_period, l_room, room_lec, lec, lecs, ps, rs)
        if k == 0 or not relocate(
                ppd, change_w, l_course, c_students, r_cap, cp_ok, rp_ok, cp_pen, rp_pen,
                anchor_room, c_mwd, c_teacher, cq_ptr, cq_idx, q_foreign, l_period, l_room,
                room_lec, teach_p, q_load, c_day, c_room, c_ndays, c_nrooms, comp, lecs, ps,
                rs, k, old_p, old_r, clash):
            continue
        after = objective(comp, clash_w)
        delta = after - now
        if delta <= 0 or np.random.random() < math.exp(-delta / t):
            now = after
            if now < best and comp[CLASH] == 0:
                best = now
                best_p[:] = l_period
                best_r[:] = l_room
        else:
            relocate(ppd, change_w, l_course, c_students, r_cap, cp_ok, rp_ok, cp_pen, rp_pen,
                     anchor_room, c_mwd, c_teacher, cq_ptr, cq_idx, q_foreign, l_period,
                     l_room, room_lec, teach_p, q_load, c_day, c_room, c_ndays, c_nrooms,
                     comp, lecs, old_p, old_r, k, ps, rs, clash)
    return best


@dataclass(frozen=True)
class Annealed:
    """The best timetable found, its objective parts and the moves made."""

    lectures: list[Lecture]
    comp: IntArray
    moves: int


def start_state(inst: Instance, st: Static, lectures: list[Lecture]) -> State:
    """The state of a timetable; an error when it breaks a hard rule of ``st``."""
    s = empty_state(inst, st)
    period, room = positions(inst, st, lectures)
    if not fill(st, s, period, room):
        raise AccordError("anneal: the start timetable breaks a hard constraint")
    return s


def anneal(inst: Instance, start: list[Lecture], *, lim: Limits | None = None,
           seed: int = 0, moves: int | None = None, seconds: float | None = None,
           schedule: Schedule = Schedule(), until_free: bool = False) -> Annealed:
    """Anneal from ``start`` (feasible under ``lim``) for ``moves`` moves (reproducible)
    or ``seconds`` of wall time, whichever ends first (one of them is needed); with
    ``until_free``, also as soon as a chunk of moves ends at a timetable without clashes
    and without penalties (``PEN``: a repair past its deadline that fits)."""
    if moves is None and seconds is None:
        raise AccordError("anneal: give a move budget or seconds")
    began = time.monotonic()
    st = static_of(inst, lim)
    s = start_state(inst, st, start)
    best_p, best_r = s.l_period.copy(), s.l_room.copy()
    best = objective(s.comp)
    done, chunk, clash_w = 0, 0, schedule.clash_weight
    ratio = schedule.t_end / schedule.t_start
    while moves is None or done < moves:
        # clashes still there after a chunk: their price doubles until they are gone
        clash_w = schedule.clash_weight if s.comp[CLASH] == 0 else min(
            2 * clash_w, CLASH_CAP * schedule.clash_weight)
        elapsed = time.monotonic() - began
        if seconds is not None and elapsed >= seconds:
            break
        n = CHUNK if moves is None else min(CHUNK, moves - done)
        if moves is not None:
            a, b = done / moves, (done + n) / moves
        else:
            assert seconds is not None
            a = elapsed / seconds
            b = min(1.0, a + max(1e-3, a / max(1, chunk)))  # as far as the last chunk went
        best = anneal_chunk(st, s, best_p, best_r, best, n, schedule.t_start * ratio ** a,
                            schedule.t_start * ratio ** b, seed * 1_000_003 + chunk, MOVE_MIX,
                            clash_w)
        done += n
        chunk += 1
        if until_free and s.comp[CLASH] == 0 and s.comp[PEN] == 0:
            break
    final = empty_state(inst, st)
    fill(st, final, best_p, best_r)
    return Annealed(lectures_of(inst, st, best_p, best_r), final.comp.copy(), done)


@functools.cache
def warm_up() -> None:
    """Compile the search and the greedy start (or load them from numba's cache) on a
    tiny case, once per process, so that no timed solve pays for it (a first compile
    takes 10–40 s)."""
    inst = Instance("warm", 1, 2, [Course("a", "t", 1, 1, 1)], [Room("r", 1)], [])
    anneal(inst, [Lecture("a", "r", 0, 0)], moves=10)
    constructed(inst)
