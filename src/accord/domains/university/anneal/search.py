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
    overflow_price,
    positions,
    static_of,
)
from accord.domains.university.anneal.construct import constructed
from accord.domains.university.anneal.cost import CLASH, PEN, PRIV, SCALE, fill, objective
from accord.domains.university.anneal.moves import (
    compact,
    kempe,
    move_or_swap,
    relocate,
    room_stability,
    working_day,
)
from accord.domains.university.anneal.private import private_moved
from accord.domains.university.cpmodel import Limits
from accord.domains.university.instance import Course, Instance, Lecture, Room
from accord.model.errors import AccordError

CHUNK = 20_000
"""Moves between two looks at the wall clock: a few hundredths of a second, a tenth on a
loaded machine (the run ends that much past its wall budget at most)."""

TRACE_EVERY = 0.25
"""Wall seconds between two points of the search's trace at least (its last point is
always kept): a few hundred points for a five-minute search."""

PROBE_MOVES = 20_000
"""Random moves (each undone) that measure how much a worsening move costs at the start."""

START_ACCEPTANCE = 0.1
"""How often the start temperature accepts the median worsening move: a warm start from
CP-SAT's timetable or a department's last plan is kept, not melted (1.5, 3 and 6 fixed:
comp02 99 / 68 / 74 and comp05 485 / 366 / 356, 10 M moves, seed 1)."""

FALLBACK_START = 1.5
"""The start temperature when no random move worsens the start (official units)."""

CLASH_CAP = 64
"""The most a clash's price grows, as a multiple of ``Schedule.clash_weight``, above the
price of a unit over a soft cap (both break a hard rule: a clash that costs less than the
overflow it saves is kept, and no timetable without clashes improves; a refused
department's repair on comp05 at K = 8 ended 52 units over its caps so, 13 when the clash
could cost more): clashes left after a chunk of moves double it, a chunk that ends
without any resets it. On a dense instance from a costly start (comp05, 60 s, seed 2) a
fixed price let the search live with a clash or two to the end, and never improve on its
start."""

MOVE_MIX = np.array([0.40, 0.15, 0.10, 0.10, 0.15, 0.10])
"""Shares of the moves: a lecture to a random period (half the time in its own room,
else a random room), a lecture to another room in its period, a course into one room,
a lecture to a day its course lacks, a lecture next to its curriculum, a Kempe chain
between the periods of a lecture and a random one."""


@dataclass(frozen=True)
class Schedule:
    """The cooling: from ``t_start`` to ``t_end`` official cost units. ``t_start`` None
    (the default) takes it from the instance: the start accepts the median worsening move
    of ``PROBE_MOVES`` random ones from the start timetable one time in ten
    (``START_ACCEPTANCE``), so the search starts as hot on a dense instance, whose moves
    cost more (comp05's median 13), as on a loose one (comp02's 5). At the end a move that
    costs a student's seat (1) is taken once in e^20: the cost's own unit, the same for
    every instance."""

    t_start: float | None = None
    t_end: float = 0.05
    clash_weight: int = 20
    """Official cost units of a lecture sharing a period with another of its teacher or
    curriculum (a clash); 0: such a move is refused (the search stays feasible). 20 is
    more than one lecture's move can gain otherwise (a working day 5, two curricula's
    compactness 12, room stability 1): a clash is crossed to reach a better timetable,
    never kept for its own sake. Dense instances gain most (comp05: 611 feasible-only,
    482 with clashes, same moves)."""


@njit(cache=True)
def propose(ppd: int, days: int, cum: np.ndarray, cp_ok: IntArray, rp_ok: IntArray,
            l_course: IntArray, c_mwd: IntArray, c_teacher: IntArray, cq_ptr: IntArray,
            cq_idx: IntArray, q_ptr: IntArray, q_idx: IntArray, c_lec_ptr: IntArray,
            l_period: IntArray, l_room: IntArray, room_lec: IntArray, c_day: IntArray,
            c_ndays: IntArray, c_nrooms: IntArray, lecs: IntArray, ps: IntArray,
            rs: IntArray) -> int:
    """A random move drawn by the shares ``cum`` (cumulated ``MOVE_MIX``), written in
    ``lecs``, ``ps``, ``rs``; the relocations written (0: none)."""
    n_lec, n_courses = l_course.shape[0], c_mwd.shape[0]
    periods, n_rooms = cp_ok.shape[1], rp_ok.shape[0]
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
    elif u < cum[4]:
        k = compact(ppd, cq_ptr, cq_idx, q_ptr, q_idx, c_lec_ptr, cp_ok, rp_ok, l_course,
                    l_period, l_room, room_lec, lec, lecs, ps, rs)
    else:
        k = kempe(c_teacher, cq_ptr, cq_idx, l_course, l_period, l_room, room_lec, lec,
                  np.random.randint(periods), lecs, ps, rs)
    return k


@njit(cache=True)
def buffers(st: Static) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """A move's buffers: its lectures, their targets and their old places; room for a
    course's lectures and those they swap with, or a Kempe chain over two periods."""
    size = max(2 * (st.c_lectures.max() + 1), 2 * st.r_cap.shape[0])
    return (np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.int64),
            np.empty(size, np.int64), np.empty(size, np.int64))


@njit(cache=True)
def uphill(st: Static, s: State, moves: int, seed: int, mix: np.ndarray) -> np.ndarray:
    """The cost increases (official units) of ``moves`` random moves from the state,
    each undone: only moves that worsen it without making a clash or changing its
    penalties (prices, overflow: a repair's overflow costs more than any timetable, and
    would make its start as hot)."""
    np.random.seed(seed)
    lecs, ps, rs, old_p, old_r = buffers(st)
    cum = np.cumsum(mix)
    out = np.empty(moves, np.float64)
    n = 0
    now, clashes, pen = objective(s.comp), s.comp[CLASH], s.comp[PEN]
    for _ in range(moves):
        k = propose(st.ppd, st.days, cum, st.cp_ok, st.rp_ok, st.l_course, st.c_mwd,
                    st.c_teacher, st.cq_ptr, st.cq_idx, st.q_ptr, st.q_idx, st.c_lec_ptr,
                    s.l_period, s.l_room, s.room_lec, s.c_day, s.c_ndays, s.c_nrooms, lecs,
                    ps, rs)
        if k == 0 or not relocate(
                st.ppd, st.change_w, st.l_course, st.c_students, st.r_cap, st.cp_ok,
                st.rp_ok, st.cp_pen, st.rp_pen, st.anchor_room, st.c_mwd, st.c_teacher,
                st.cq_ptr, st.cq_idx, st.q_foreign, s.l_period, s.l_room, s.room_lec,
                s.teach_p, s.q_load, s.c_day, s.c_room, s.c_ndays, s.c_nrooms, s.comp, lecs,
                ps, rs, k, old_p, old_r, False):
            continue
        moved = private_moved(st.cp_w, st.g_teacher, st.g_limit, st.g_weight, s.teach_p,
                              st.ppd, st.l_course, st.c_teacher, lecs, old_p, ps, k)
        s.comp[PRIV] += moved
        delta = objective(s.comp) - now
        if delta > 0 and s.comp[CLASH] == clashes and s.comp[PEN] == pen:
            out[n] = delta / SCALE
            n += 1
        relocate(st.ppd, st.change_w, st.l_course, st.c_students, st.r_cap, st.cp_ok,
                 st.rp_ok, st.cp_pen, st.rp_pen, st.anchor_room, st.c_mwd, st.c_teacher,
                 st.cq_ptr, st.cq_idx, st.q_foreign, s.l_period, s.l_room, s.room_lec,
                 s.teach_p, s.q_load, s.c_day, s.c_room, s.c_ndays, s.c_nrooms, s.comp, lecs,
                 old_p, old_r, k, ps, rs, False)
        s.comp[PRIV] -= moved
    return out[:n]


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
    cp_w, g_teacher, g_limit, g_weight = st.cp_w, st.g_teacher, st.g_limit, st.g_weight
    rules = cp_w.shape[0] > 0 or g_teacher.shape[0] > 0
    lecs, ps, rs, old_p, old_r = buffers(st)
    cum = np.cumsum(mix)
    ratio = t_to / t_from
    clash = clash_w > 0
    now = objective(comp, clash_w)
    t, cool = t_from * SCALE, ratio ** (1.0 / moves)
    for _ in range(moves):
        t *= cool
        k = propose(ppd, days, cum, cp_ok, rp_ok, l_course, c_mwd, c_teacher, cq_ptr, cq_idx,
                    q_ptr, q_idx, c_lec_ptr, l_period, l_room, room_lec, c_day, c_ndays,
                    c_nrooms, lecs, ps, rs)
        if k == 0 or not relocate(
                ppd, change_w, l_course, c_students, r_cap, cp_ok, rp_ok, cp_pen, rp_pen,
                anchor_room, c_mwd, c_teacher, cq_ptr, cq_idx, q_foreign, l_period, l_room,
                room_lec, teach_p, q_load, c_day, c_room, c_ndays, c_nrooms, comp, lecs, ps,
                rs, k, old_p, old_r, clash):
            continue
        moved = private_moved(cp_w, g_teacher, g_limit, g_weight, teach_p, ppd, l_course,
                              c_teacher, lecs, old_p, ps, k) if rules else 0
        comp[PRIV] += moved
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
            comp[PRIV] -= moved
    return best


@dataclass(frozen=True)
class Annealed:
    """The best timetable found, its objective parts, the moves made, and the best
    objective over time (wall seconds since the search began, objective in official
    units: cost plus the rules' penalty and the penalties of the caps)."""

    lectures: list[Lecture]
    comp: IntArray
    moves: int
    trace: tuple[tuple[float, int], ...] = ()


def most_clash_price(inst: Instance, lim: Limits | None, weight: int) -> int:
    """The most a clash may cost (``CLASH_CAP``): above a unit over a soft cap."""
    return CLASH_CAP * weight + (overflow_price(inst, lim) if lim and lim.soft else 0)


def start_temperature(st: Static, s: State, seed: int) -> float:
    """``Schedule.t_start`` from the median worsening of random moves (official units)."""
    worse = uphill(st, s, PROBE_MOVES, seed, MOVE_MIX)
    if worse.size == 0:
        return FALLBACK_START
    return float(np.median(worse)) / math.log(1 / START_ACCEPTANCE)


def start_state(inst: Instance, st: Static, lectures: list[Lecture]) -> State:
    """The state of a timetable; an error when it breaks a hard rule of ``st``."""
    s = empty_state(inst, st)
    period, room = positions(inst, st, lectures)
    if not fill(st, s, period, room):
        raise AccordError("anneal: the start timetable breaks a hard constraint")
    return s


def anneal(inst: Instance, start: list[Lecture], *, lim: Limits | None = None,
           seed: int = 0, moves: int | None = None, seconds: float | None = None,
           schedule: Schedule = Schedule(), stop_at: int | None = None) -> Annealed:
    """Anneal from ``start`` (feasible under ``lim``) for ``moves`` moves (reproducible)
    or ``seconds`` of wall time, whichever ends first (one of them is needed); the
    temperature follows whichever is further spent, so a search cut short by the clock
    has cooled all the same. With ``stop_at`` (official units), it stops after the first
    chunk of moves whose best timetable's objective is at most that: a proven lower
    bound, or, in a repair, less than a unit over a cap costs (the first fit)."""
    if moves is None and seconds is None:
        raise AccordError("anneal: give a move budget or seconds")
    began = time.monotonic()
    st = static_of(inst, lim)
    s = start_state(inst, st, start)
    best_p, best_r = s.l_period.copy(), s.l_room.copy()
    best = objective(s.comp)
    t_start = schedule.t_start if schedule.t_start is not None else start_temperature(
        st, s, seed)
    done, chunk, clash_w = 0, 0, schedule.clash_weight
    most = most_clash_price(inst, lim, clash_w)
    ratio = schedule.t_end / t_start
    trace = [(0.0, best // SCALE)]
    found = trace[0]  # when the best last fell
    enough = -1 if stop_at is None else SCALE * (stop_at + 1)
    while (moves is None or done < moves) and best >= enough:
        # clashes still there after a chunk: their price doubles until they are gone
        clash_w = schedule.clash_weight if s.comp[CLASH] == 0 else min(2 * clash_w, most)
        elapsed = time.monotonic() - began
        if seconds is not None and elapsed >= seconds:
            break
        n = CHUNK if moves is None else min(CHUNK, moves - done)
        # it cools by the clock only when the clock runs ahead of the moves
        a, b = (done / moves, (done + n) / moves) if moves is not None else (0.0, 0.0)
        if seconds is not None and (moves is None or elapsed / seconds > b):
            a = elapsed / seconds
            b = min(1.0, a + max(1e-3, a / max(1, chunk)))  # as far as the last chunk went
        best = anneal_chunk(st, s, best_p, best_r, best, n, t_start * ratio ** a,
                            t_start * ratio ** b, seed * 1_000_003 + chunk, MOVE_MIX,
                            clash_w)
        done += n
        chunk += 1
        if best // SCALE < found[1]:
            found = (round(time.monotonic() - began, 3), best // SCALE)
            if found[0] - trace[-1][0] >= TRACE_EVERY:
                trace.append(found)
    if found[1] < trace[-1][1]:
        trace.append(found)
    final = empty_state(inst, st)
    fill(st, final, best_p, best_r)
    return Annealed(lectures_of(inst, st, best_p, best_r), final.comp.copy(), done,
                    tuple(trace))


@functools.cache
def warm_up() -> None:
    """Compile the search and the greedy start (or load them from numba's cache) on a
    tiny case, once per process, so that no timed solve pays for it (a first compile
    takes 10–40 s)."""
    inst = Instance("warm", 1, 2, [Course("a", "t", 1, 1, 1)], [Room("r", 1)], [])
    anneal(inst, [Lecture("a", "r", 0, 0)], moves=10)
    constructed(inst)
