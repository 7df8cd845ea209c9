"""The official cost (UD2) on the arrays, in full and by removing and inserting lectures.

``place`` (adding or taking away a lecture) keeps a state's counters and its cost parts
(``State.comp``) exact; every move is made of it, so a move's delta is exact by construction and
``full_cost`` (counted from scratch, as the validator counts) checks it in the tests. A
department's own rules are one more part (``PRIV``), counted in full by ``fill`` and
``full_cost`` and kept over a move by ``private.private_moved`` (``moves.py`` says why
not in ``place``).
Compiled with numba (``cache=True``: compiled once per machine).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accord.domains.university.anneal.arrays import IntArray, State, Static
from accord.domains.university.anneal.private import private_count
from accord.domains.university.validate import (
    CURRICULUM_COMPACTNESS_COST,
    MIN_WORKING_DAYS_COST,
    ROOM_STABILITY_COST,
)

SCALE = 1000
"""Objective units per unit of official cost; a changed anchor lecture costs 1 (as in
the CP-SAT model's ``CHANGE_SCALE``)."""

RC, MWD, CC, RS, PEN, CHG, CLASH, PRIV = 0, 1, 2, 3, 4, 5, 6, 7
"""Parts of ``State.comp``; ``CLASH`` counts lectures that share a period with another
of their teacher or curriculum (0 unless the search allows clashes), ``PRIV`` is the
penalty of the department's own rules (``private.py``; never official cost)."""
PARTS = 8

W_MWD = MIN_WORKING_DAYS_COST
W_CC = CURRICULUM_COMPACTNESS_COST
W_RS = ROOM_STABILITY_COST


@njit(cache=True)
def objective(comp: IntArray, clash_w: int = 0) -> int:
    """Official cost, penalties, the rules' penalty and clashes (``clash_w`` official
    units each) times ``SCALE``, plus changes."""
    return SCALE * (comp[RC] + comp[MWD] + comp[CC] + comp[RS] + comp[PEN] + comp[PRIV]
                    + clash_w * comp[CLASH]) + comp[CHG]


@njit(cache=True)
def _day_load(load: IntArray, foreign: IntArray, ppd: int, q: int, p: int, day: int) -> int:
    """Lectures of curriculum ``q`` at ``p``; 0 outside ``day`` (no neighbour there)."""
    if p < 0 or p >= load.shape[1] or p // ppd != day:
        return 0
    return int(load[q, p] + foreign[q, p])


@njit(cache=True)
def _lone(n: int, before: int, after: int) -> int:
    """Lectures at a period with ``n`` of a curriculum that are isolated."""
    return n if n > 0 and before == 0 and after == 0 else 0


@njit(cache=True)
def _cc_change(load: IntArray, foreign: IntArray, ppd: int, q: int, p: int, sign: int) -> int:
    """How many more isolated lectures curriculum ``q`` has once one lecture is added
    (``sign`` 1) or taken away (-1) at ``p``: only ``p`` and its neighbours in the day
    change, read from the five loads around ``p`` (the validator's rule: a lecture is
    isolated when no lecture of its curriculum is in the period before or after, the
    same day)."""
    day = p // ppd
    a = _day_load(load, foreign, ppd, q, p - 2, day)
    b = _day_load(load, foreign, ppd, q, p - 1, day)
    c = _day_load(load, foreign, ppd, q, p, day)
    d = _day_load(load, foreign, ppd, q, p + 1, day)
    e = _day_load(load, foreign, ppd, q, p + 2, day)
    c2 = c + sign
    return (_lone(b, a, c2) - _lone(b, a, c) + _lone(c2, b, d) - _lone(c, b, d)
            + _lone(d, c2, e) - _lone(d, c, e))


@njit(cache=True)
def can_insert(cp_ok: IntArray, rp_ok: IntArray, c_teacher: IntArray, cq_ptr: IntArray,
               cq_idx: IntArray, room_lec: IntArray, teach_p: IntArray, q_load: IntArray,
               c: int, p: int, r: int, clash: bool) -> bool:
    """Whether a lecture of course ``c`` may go to period ``p``, room ``r`` (with
    ``clash``, even where its teacher or a curriculum of it already is)."""
    if cp_ok[c, p] == 0 or rp_ok[r, p] == 0 or room_lec[r, p] >= 0:
        return False
    if clash:
        return True
    if teach_p[c_teacher[c], p] > 0:
        return False
    for k in range(cq_ptr[c], cq_ptr[c + 1]):  # noqa: SIM110 (numba: no generators)
        if q_load[cq_idx[k], p] > 0:
            return False
    return True


@njit(cache=True)
def conflicting(c_teacher: IntArray, cq_ptr: IntArray, cq_idx: IntArray, a: int, b: int
                ) -> bool:
    """Whether lectures of courses ``a`` and ``b`` may not share a period (one teacher,
    or a curriculum in common)."""
    if c_teacher[a] == c_teacher[b]:
        return True
    for i in range(cq_ptr[a], cq_ptr[a + 1]):
        for j in range(cq_ptr[b], cq_ptr[b + 1]):
            if cq_idx[i] == cq_idx[j]:
                return True
    return False


@njit(cache=True)
def _tally(count: IntArray, distinct: IntArray, c: int, i: int, sign: int) -> int:
    """Count one more (``sign`` 1) or one fewer (-1) lecture of course ``c`` on ``i`` (a day
    or a room), keeping ``distinct[c]``, the number of ``i`` used; the number before."""
    before = distinct[c]
    count[c, i] += sign
    if sign > 0 and count[c, i] == 1:
        distinct[c] += 1
    elif sign < 0 and count[c, i] == 0:
        distinct[c] -= 1
    return int(before)


@njit(cache=True)
def place(ppd: int, change_w: int, l_course: IntArray, c_students: IntArray, r_cap: IntArray,
          cp_pen: IntArray, rp_pen: IntArray, anchor_room: IntArray, c_mwd: IntArray,
          c_teacher: IntArray, cq_ptr: IntArray, cq_idx: IntArray, q_foreign: IntArray,
          l_period: IntArray, l_room: IntArray, room_lec: IntArray, teach_p: IntArray,
          q_load: IntArray, c_day: IntArray, c_room: IntArray, c_ndays: IntArray,
          c_nrooms: IntArray, comp: IntArray, lec: int, p: int, r: int, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) lecture ``lec`` at ``p``, ``r``, updating the
    counters and cost parts (the ``Static`` then ``State`` fields it needs, in order)."""
    c = l_course[lec]
    over = c_students[c] - r_cap[r]
    if over > 0:
        comp[RC] += sign * over
    comp[PEN] += sign * (cp_pen[c, p] + rp_pen[r, p])
    if change_w and anchor_room[c, p] != r:
        comp[CHG] += sign * change_w
    before = _tally(c_day, c_ndays, c, p // ppd, sign)
    mwd = c_mwd[c]
    comp[MWD] += W_MWD * (max(0, mwd - c_ndays[c]) - max(0, mwd - before))
    before = _tally(c_room, c_nrooms, c, r, sign)
    comp[RS] += W_RS * (max(0, c_nrooms[c] - 1) - max(0, before - 1))
    for k in range(cq_ptr[c], cq_ptr[c + 1]):
        q = cq_idx[k]
        comp[CC] += W_CC * _cc_change(q_load, q_foreign, ppd, q, p, sign)
        if q_load[q, p] + min(sign, 0) > 0:  # another lecture stays there, or was
            comp[CLASH] += sign
        q_load[q, p] += sign
    t = c_teacher[c]
    if teach_p[t, p] + min(sign, 0) > 0:
        comp[CLASH] += sign
    teach_p[t, p] += sign
    if sign > 0:
        room_lec[r, p] = lec
        l_period[lec], l_room[lec] = p, r
    else:
        room_lec[r, p] = -1
        l_period[lec], l_room[lec] = -1, -1


@njit(cache=True)
def fill(st: Static, s: State, period: IntArray, room: IntArray) -> bool:
    """Place every lecture at ``period``, ``room`` in an empty state; False (and the
    state partly filled) where one may not go there."""
    for lec in range(period.shape[0]):
        c, p, r = st.l_course[lec], period[lec], room[lec]
        if not can_insert(st.cp_ok, st.rp_ok, st.c_teacher, st.cq_ptr, st.cq_idx, s.room_lec,
                          s.teach_p, s.q_load, c, p, r, False):
            return False
        place(st.ppd, st.change_w, st.l_course, st.c_students, st.r_cap, st.cp_pen,
              st.rp_pen, st.anchor_room, st.c_mwd, st.c_teacher, st.cq_ptr, st.cq_idx,
              st.q_foreign, s.l_period, s.l_room, s.room_lec, s.teach_p, s.q_load, s.c_day,
              s.c_room, s.c_ndays, s.c_nrooms, s.comp, lec, p, r, 1)
    s.comp[PRIV] = private_count(st.cp_w, st.g_teacher, st.g_limit, st.g_weight, s.teach_p,
                                 st.ppd, st.l_course, period)
    return True


@njit(cache=True)
def full_cost(st: Static, period: IntArray, room: IntArray) -> IntArray:
    """The cost parts of a timetable counted from scratch, as the validator counts."""
    n_courses, periods, n_rooms = st.c_lectures.shape[0], st.cp_ok.shape[1], st.r_cap.shape[0]
    out = np.zeros(PARTS, np.int64)
    teach = np.zeros((st.c_teacher.max() + 1, periods), np.int64)
    own = np.zeros(st.q_foreign.shape, np.int64)
    days = np.zeros((n_courses, st.days), np.int64)
    rooms = np.zeros((n_courses, n_rooms), np.int64)
    load = st.q_foreign.copy()
    for lec in range(period.shape[0]):
        c, p, r = st.l_course[lec], period[lec], room[lec]
        out[RC] += max(0, st.c_students[c] - st.r_cap[r])
        out[PEN] += st.cp_pen[c, p] + st.rp_pen[r, p]
        if st.change_w and st.anchor_room[c, p] != r:
            out[CHG] += st.change_w
        days[c, p // st.ppd] = 1
        rooms[c, r] = 1
        out[CLASH] += teach[st.c_teacher[c], p] > 0
        teach[st.c_teacher[c], p] += 1
        for k in range(st.cq_ptr[c], st.cq_ptr[c + 1]):
            load[st.cq_idx[k], p] += 1
            out[CLASH] += own[st.cq_idx[k], p] > 0
            own[st.cq_idx[k], p] += 1
    for c in range(n_courses):
        out[MWD] += W_MWD * max(0, st.c_mwd[c] - days[c].sum())
        out[RS] += W_RS * max(0, rooms[c].sum() - 1)
    for q in range(load.shape[0]):
        for p in range(periods):
            n = load[q, p]
            if n == 0:
                continue
            slot = p % st.ppd
            before = load[q, p - 1] if p > 0 else 0
            after = load[q, p + 1] if p + 1 < periods else 0
            if slot == 0:
                lone = after == 0
            elif slot == st.ppd - 1:
                lone = before == 0
            else:
                lone = before == 0 and after == 0
            if lone:
                out[CC] += W_CC * n
    out[PRIV] = private_count(st.cp_w, st.g_teacher, st.g_limit, st.g_weight, teach, st.ppd,
                              st.l_course, period)
    return out
