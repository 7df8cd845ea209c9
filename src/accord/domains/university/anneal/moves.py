"""Moves of the local search, each a few relocations of lectures (``relocate``).

A move is written as lectures and their targets in buffers; ``relocate`` takes them out
and puts them at their targets, or leaves the state as it was when one may not go there.
Moves: a lecture to another period and room, swapping with the lecture there
(``move_or_swap``); a course's lectures into one room, swapping rooms within each period
(``room_stability``); a lecture of a course short of working days to a day it lacks
(``working_day``); a lecture next to a lecture of one of its curricula (``compact``).

The compiled functions take arrays, not the ``Static`` and ``State`` tuples: a call that
passes a tuple of arrays reference-counts every array in it, which made a move twenty
times slower. ``relocate`` keeps every cost part but the department's own rules
(``PRIV``): the search adds ``private.private_moved`` after a move made, only when the
department has rules (the same call inside ``relocate`` made every move a quarter slower,
rules or not: comp05, 2 M moves, 5.3 s against 4.1 s of CPU). ``relocate_in`` is
``relocate`` on the tuples, rules included (for tests and callers in Python).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accord.domains.university.anneal.arrays import IntArray, State, Static
from accord.domains.university.anneal.cost import PRIV, can_insert, conflicting, place
from accord.domains.university.anneal.private import private_moved


@njit(cache=True)
def _free_but(cp_ok: IntArray, c_teacher: IntArray, cq_ptr: IntArray, cq_idx: IntArray,
              teach_p: IntArray, q_load: IntArray, c: int, p: int, other: int) -> bool:
    """Whether a lecture of course ``c`` may go to period ``p`` once the lecture of
    course ``other`` there leaves it (rooms aside)."""
    if cp_ok[c, p] == 0:
        return False
    if teach_p[c_teacher[c], p] - (c_teacher[other] == c_teacher[c]) > 0:
        return False
    for k in range(cq_ptr[c], cq_ptr[c + 1]):
        q = cq_idx[k]
        shared = 0
        for j in range(cq_ptr[other], cq_ptr[other + 1]):
            if cq_idx[j] == q:
                shared = 1
        if q_load[q, p] - shared > 0:
            return False
    return True


@njit(cache=True)
def relocate(ppd: int, change_w: int, l_course: IntArray, c_students: IntArray,
             r_cap: IntArray, cp_ok: IntArray, rp_ok: IntArray, cp_pen: IntArray,
             rp_pen: IntArray, anchor_room: IntArray, c_mwd: IntArray, c_teacher: IntArray,
             cq_ptr: IntArray, cq_idx: IntArray, q_foreign: IntArray, l_period: IntArray,
             l_room: IntArray, room_lec: IntArray, teach_p: IntArray, q_load: IntArray,
             c_day: IntArray, c_room: IntArray, c_ndays: IntArray, c_nrooms: IntArray,
             comp: IntArray, lecs: IntArray, ps: IntArray, rs: IntArray, k: int,
             old_p: IntArray, old_r: IntArray, clash: bool) -> bool:
    """Move ``lecs[:k]`` to ``ps``, ``rs`` (their old places saved in ``old_p``,
    ``old_r``); when one may not go there, undo and return False. With ``clash``, a
    lecture may go where its teacher or curriculum already is (``comp[CLASH]`` counts
    it)."""
    if not clash and k == 1 and ps[0] != l_period[lecs[0]] and not can_insert(
            cp_ok, rp_ok, c_teacher, cq_ptr, cq_idx, room_lec, teach_p, q_load,
            l_course[lecs[0]], ps[0], rs[0], False):
        return False  # a lecture to another period: its own place cannot be in the way
    if not clash and k == 2 and ps[0] != l_period[lecs[0]] and ps[0] == l_period[
            lecs[1]] and ps[1] == l_period[lecs[0]] and not (
            _free_but(cp_ok, c_teacher, cq_ptr, cq_idx, teach_p, q_load, l_course[lecs[0]],
                      ps[0], l_course[lecs[1]])
            and _free_but(cp_ok, c_teacher, cq_ptr, cq_idx, teach_p, q_load,
                          l_course[lecs[1]], ps[1], l_course[lecs[0]])):
        return False  # two lectures swap periods: each may clash only with the other
    for i in range(k):
        old_p[i], old_r[i] = l_period[lecs[i]], l_room[lecs[i]]
        place(ppd, change_w, l_course, c_students, r_cap, cp_pen, rp_pen, anchor_room, c_mwd,
              c_teacher, cq_ptr, cq_idx, q_foreign, l_period, l_room, room_lec, teach_p,
              q_load, c_day, c_room, c_ndays, c_nrooms, comp, lecs[i], old_p[i], old_r[i], -1)
    done = k
    for i in range(k):
        if not can_insert(cp_ok, rp_ok, c_teacher, cq_ptr, cq_idx, room_lec, teach_p, q_load,
                          l_course[lecs[i]], ps[i], rs[i], clash):
            done = i
            break
        place(ppd, change_w, l_course, c_students, r_cap, cp_pen, rp_pen, anchor_room, c_mwd,
              c_teacher, cq_ptr, cq_idx, q_foreign, l_period, l_room, room_lec, teach_p,
              q_load, c_day, c_room, c_ndays, c_nrooms, comp, lecs[i], ps[i], rs[i], 1)
    if done == k:
        return True
    for i in range(done):
        place(ppd, change_w, l_course, c_students, r_cap, cp_pen, rp_pen, anchor_room, c_mwd,
              c_teacher, cq_ptr, cq_idx, q_foreign, l_period, l_room, room_lec, teach_p,
              q_load, c_day, c_room, c_ndays, c_nrooms, comp, lecs[i], ps[i], rs[i], -1)
    for i in range(k):
        place(ppd, change_w, l_course, c_students, r_cap, cp_pen, rp_pen, anchor_room, c_mwd,
              c_teacher, cq_ptr, cq_idx, q_foreign, l_period, l_room, room_lec, teach_p,
              q_load, c_day, c_room, c_ndays, c_nrooms, comp, lecs[i], old_p[i], old_r[i], 1)
    return False


def relocate_in(st: Static, s: State, lecs: IntArray, ps: IntArray, rs: IntArray, k: int,
                old_p: IntArray, old_r: IntArray, clash: bool = False) -> bool:
    """``relocate`` on the tuples, the rules' penalty (``State.comp[PRIV]``) kept too."""
    done = bool(relocate(
        st.ppd, st.change_w, st.l_course, st.c_students, st.r_cap, st.cp_ok, st.rp_ok,
        st.cp_pen, st.rp_pen, st.anchor_room, st.c_mwd, st.c_teacher, st.cq_ptr, st.cq_idx,
        st.q_foreign, s.l_period, s.l_room, s.room_lec, s.teach_p, s.q_load, s.c_day,
        s.c_room, s.c_ndays, s.c_nrooms, s.comp, lecs, ps, rs, k, old_p, old_r, clash))
    if done:
        s.comp[PRIV] += private_moved(st.cp_w, st.g_teacher, st.g_limit, st.g_weight,
                                      s.teach_p, st.ppd, st.l_course, st.c_teacher, lecs,
                                      old_p, ps, k)
    return done


@njit(cache=True)
def move_or_swap(cp_ok: IntArray, rp_ok: IntArray, l_course: IntArray, l_period: IntArray,
                 l_room: IntArray, room_lec: IntArray, lec: int, p: int, r: int,
                 lecs: IntArray, ps: IntArray, rs: IntArray) -> int:
    """``lec`` to ``p``, ``r``; the lecture there, if any, to ``lec``'s place. The
    relocations written (0: no move)."""
    p1, r1 = l_period[lec], l_room[lec]
    if (p == p1 and r == r1) or cp_ok[l_course[lec], p] == 0 or rp_ok[r, p] == 0:
        return 0
    lecs[0], ps[0], rs[0] = lec, p, r
    other = room_lec[r, p]
    if other < 0:
        return 1
    lecs[1], ps[1], rs[1] = other, p1, r1
    return 2


@njit(cache=True)
def room_stability(c_lec_ptr: IntArray, rp_ok: IntArray, l_period: IntArray,
                   l_room: IntArray, room_lec: IntArray, c: int, r: int, lecs: IntArray,
                   ps: IntArray, rs: IntArray) -> int:
    """Every lecture of course ``c`` into room ``r`` in its own period, the lecture
    there (if any) taking its room; none when two of them share a period (a clash: the
    one in ``r`` there would be moved twice)."""
    k = 0
    for lec in range(c_lec_ptr[c], c_lec_ptr[c + 1]):
        p, r1 = l_period[lec], l_room[lec]
        for prev in range(c_lec_ptr[c], lec):
            if l_period[prev] == p:
                return 0
        if r1 == r:
            continue
        if rp_ok[r, p] == 0:
            return 0
        lecs[k], ps[k], rs[k] = lec, p, r
        k += 1
        other = room_lec[r, p]
        if other >= 0:
            lecs[k], ps[k], rs[k] = other, p, r1
            k += 1
    return k


@njit(cache=True)
def working_day(ppd: int, days: int, c_mwd: IntArray, c_lec_ptr: IntArray, c_day: IntArray,
                c_ndays: IntArray, cp_ok: IntArray, rp_ok: IntArray, l_course: IntArray,
                l_period: IntArray, l_room: IntArray, room_lec: IntArray, c: int,
                lecs: IntArray, ps: IntArray, rs: IntArray) -> int:
    """For course ``c`` short of working days: one of its lectures on a day it has
    several to a random period of a day it has none, in its room."""
    if c_ndays[c] >= c_mwd[c]:
        return 0
    first, n = c_lec_ptr[c], c_lec_ptr[c + 1] - c_lec_ptr[c]
    start = np.random.randint(n)
    lec = -1
    for i in range(n):
        cand = first + (start + i) % n
        if c_day[c, l_period[cand] // ppd] >= 2:
            lec = cand
            break
    if lec < 0:
        return 0
    start = np.random.randint(days)
    for i in range(days):
        d = (start + i) % days
        if c_day[c, d] == 0:
            p = d * ppd + np.random.randint(ppd)
            return move_or_swap(cp_ok, rp_ok, l_course, l_period, l_room, room_lec, lec, p,
                                l_room[lec], lecs, ps, rs)
    return 0


@njit(cache=True)
def compact(ppd: int, cq_ptr: IntArray, cq_idx: IntArray, q_ptr: IntArray, q_idx: IntArray,
            c_lec_ptr: IntArray, cp_ok: IntArray, rp_ok: IntArray, l_course: IntArray,
            l_period: IntArray, l_room: IntArray, room_lec: IntArray, lec: int,
            lecs: IntArray, ps: IntArray, rs: IntArray) -> int:
    """``lec`` next to (the period before or after, the same day) a lecture of another
    course of one of its curricula, in its room."""
    c = l_course[lec]
    nq = cq_ptr[c + 1] - cq_ptr[c]
    if nq == 0:
        return 0
    q = cq_idx[cq_ptr[c] + np.random.randint(nq)]
    other = q_idx[q_ptr[q] + np.random.randint(q_ptr[q + 1] - q_ptr[q])]
    if other == c:
        return 0
    n = c_lec_ptr[other + 1] - c_lec_ptr[other]
    base = l_period[c_lec_ptr[other] + np.random.randint(n)]
    p = base + (1 if np.random.randint(2) else -1)
    if p < 0 or p >= cp_ok.shape[1] or p // ppd != base // ppd:
        return 0
    return move_or_swap(cp_ok, rp_ok, l_course, l_period, l_room, room_lec, lec, p,
                        l_room[lec], lecs, ps, rs)


@njit(cache=True)
def _in(items: IntArray, n: int, x: int) -> bool:
    for i in range(n):  # noqa: SIM110 (numba: no generators)
        if items[i] == x:
            return True
    return False


@njit(cache=True)
def kempe(c_teacher: IntArray, cq_ptr: IntArray, cq_idx: IntArray, l_course: IntArray,
          l_period: IntArray, l_room: IntArray, room_lec: IntArray, lec: int, p2: int,
          lecs: IntArray, ps: IntArray, rs: IntArray) -> int:
    """A Kempe chain: ``lec`` to period ``p2``, and with it every lecture of its period
    and of ``p2`` linked to a moving one by a teacher or a curriculum (the chain is
    closed, so the swap makes no clash). Each keeps its room where the room is free after
    the swap, else takes another room free there; none when the chain outgrows the
    buffers or a period has no room left."""
    p1 = l_period[lec]
    if p1 == p2:
        return 0
    n_rooms, cap = room_lec.shape[0], lecs.shape[0]
    lecs[0], k, head = lec, 1, 0
    while head < k:
        x = lecs[head]
        head += 1
        other = p2 if l_period[x] == p1 else p1
        for r in range(n_rooms):
            y = room_lec[r, other]
            if y >= 0 and not _in(lecs, k, y) and conflicting(
                    c_teacher, cq_ptr, cq_idx, l_course[x], l_course[y]):
                if k == cap:
                    return 0
                lecs[k] = y
                k += 1
    for i in range(k):  # targets: the other period, the own room where it is free then
        x = lecs[i]
        ps[i] = p2 if l_period[x] == p1 else p1
        rs[i] = -1
        y = room_lec[l_room[x], ps[i]]
        if y < 0 or _in(lecs, k, y):
            rs[i] = l_room[x]
    for i in range(k):  # a room taken by one of the others or by a stayer: another room
        if rs[i] >= 0:
            clash = False
            for j in range(i):
                if ps[j] == ps[i] and rs[j] == rs[i]:
                    clash = True
            if not clash:
                continue
        start = np.random.randint(n_rooms)
        rs[i] = -1
        for t in range(n_rooms):
            r = (start + t) % n_rooms
            y = room_lec[r, ps[i]]
            if y >= 0 and not _in(lecs, k, y):
                continue
            taken = False
            for j in range(k):
                if j != i and ps[j] == ps[i] and rs[j] == r:
                    taken = True
            if not taken:
                rs[i] = r
                break
        if rs[i] < 0:
            return 0
    return k
