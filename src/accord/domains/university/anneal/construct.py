"""A first timetable without CP-SAT: greedy insertion with ejections.

Each unplaced lecture goes to a random cheapest allowed (period, room) where it clashes
with nothing; where there is none, it takes a random allowed period and the lectures
that clash with it there (same teacher or curriculum, or the room it needs) go back to
the queue. Iterated this way (as in graph colouring's iterated greedy), a tight instance
whose CP-SAT model finds nothing in a short budget (a comp12 department) gets a complete
timetable in a fraction of a second.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accord.domains.university.anneal.arrays import (
    IntArray,
    State,
    Static,
    empty_state,
    lectures_of,
    static_of,
)
from accord.domains.university.anneal.cost import can_insert, conflicting, place
from accord.domains.university.cpmodel import Limits
from accord.domains.university.instance import Instance, Lecture


@njit(cache=True, nogil=True)
def construct(st: Static, s: State, order: IntArray, max_steps: int, seed: int) -> int:
    """Place the lectures of ``order`` (last first) into the empty state ``s``; the
    lectures still unplaced after ``max_steps`` ejections (0: complete)."""
    np.random.seed(seed)
    ppd, change_w = st.ppd, st.change_w
    l_course, c_students, r_cap, cp_ok, rp_ok = (st.l_course, st.c_students, st.r_cap,
                                                 st.cp_ok, st.rp_ok)
    cp_pen, rp_pen, anchor_room, c_mwd, c_teacher = (st.cp_pen, st.rp_pen, st.anchor_room,
                                                     st.c_mwd, st.c_teacher)
    cq_ptr, cq_idx, q_foreign = st.cq_ptr, st.cq_idx, st.q_foreign
    l_period, l_room, room_lec, teach_p, q_load = (s.l_period, s.l_room, s.room_lec,
                                                   s.teach_p, s.q_load)
    c_day, c_room, c_ndays, c_nrooms, comp = s.c_day, s.c_room, s.c_ndays, s.c_nrooms, s.comp
    periods, n_rooms = cp_ok.shape[1], r_cap.shape[0]
    todo = np.empty(order.shape[0] + 1, np.int64)
    todo[:order.shape[0]] = order
    count = order.shape[0]
    steps = 0
    while count > 0:
        count -= 1
        lec = int(todo[count])
        c = int(l_course[lec])
        best, best_p, best_r, ties = -1, -1, -1, 0
        for p in range(periods):
            if cp_ok[c, p] == 0 or teach_p[c_teacher[c], p] > 0:
                continue
            for r in range(n_rooms):
                if not can_insert(cp_ok, rp_ok, c_teacher, cq_ptr, cq_idx, room_lec, teach_p,
                                  q_load, c, p, r, False):
                    continue
                score = (cp_pen[c, p] + rp_pen[r, p]) * 100_000 + max(
                    0, c_students[c] - r_cap[r]) * 100 + max(0, r_cap[r] - c_students[c]) // 10
                if best < 0 or score < best:
                    best, best_p, best_r, ties = score, p, r, 1
                elif score == best:
                    ties += 1
                    if np.random.randint(ties) == 0:
                        best_p, best_r = p, r
        if best_p < 0:
            if steps >= max_steps:
                return count + 1
            steps += 1
            p = np.random.randint(periods)
            for _ in range(periods):
                if cp_ok[c, p] == 1:
                    break
                p = (p + 1) % periods
            if cp_ok[c, p] == 0:
                return count + 1
            best_r = -1
            for r in range(n_rooms):  # those clashing with it leave, freeing their rooms
                m = int(room_lec[r, p])
                if m >= 0 and conflicting(c_teacher, cq_ptr, cq_idx, c, l_course[m]):
                    place(ppd, change_w, l_course, c_students, r_cap, cp_pen, rp_pen,
                          anchor_room, c_mwd, c_teacher, cq_ptr, cq_idx, q_foreign, l_period,
                          l_room, room_lec, teach_p, q_load, c_day, c_room, c_ndays,
                          c_nrooms, comp, m, p, r, -1)
                    todo[count] = m
                    count += 1
            start = np.random.randint(n_rooms)
            for i in range(n_rooms):
                r = (start + i) % n_rooms
                if rp_ok[r, p] == 1 and room_lec[r, p] < 0:
                    best_r = r
                    break
            if best_r < 0:  # every allowed room busy: one's lecture leaves
                for i in range(n_rooms):
                    r = (start + i) % n_rooms
                    if rp_ok[r, p] == 1:
                        best_r = r
                        break
                if best_r < 0:
                    return count + 1
                m = int(room_lec[best_r, p])
                place(ppd, change_w, l_course, c_students, r_cap, cp_pen, rp_pen,
                      anchor_room, c_mwd, c_teacher, cq_ptr, cq_idx, q_foreign, l_period,
                      l_room, room_lec, teach_p, q_load, c_day, c_room, c_ndays, c_nrooms,
                      comp, m, p, best_r, -1)
                todo[count] = m
                count += 1
            best_p = p
        place(ppd, change_w, l_course, c_students, r_cap, cp_pen, rp_pen, anchor_room, c_mwd,
              c_teacher, cq_ptr, cq_idx, q_foreign, l_period, l_room, room_lec, teach_p,
              q_load, c_day, c_room, c_ndays, c_nrooms, comp, lec, best_p, best_r, 1)
    return 0


def constructed(inst: Instance, lim: Limits | None = None, *, seed: int = 0,
                steps: int = 200_000) -> list[Lecture] | None:
    """A complete timetable of ``inst`` allowed by ``lim`` (with soft caps, the cheapest
    over-cap places), or None when ``steps`` ejections did not find one. Lectures of the
    courses with the fewest allowed periods are placed first."""
    st = static_of(inst, lim)
    s = empty_state(inst, st)
    allowed = st.cp_ok.sum(axis=1)
    order = np.argsort(-allowed[st.l_course], kind="stable").astype(np.int64)
    if construct(st, s, order, steps, seed) > 0:
        return None
    return lectures_of(inst, st, s.l_period, s.l_room)
