"""An instance and what the negotiation imposes (``Limits``) as flat numpy arrays.

``Static`` holds what a search never changes: courses, rooms, curricula, which (course,
period) and (room, period) pairs are allowed and what they cost (prices of rooms and of
shared curricula beyond their caps), other departments' lectures of shared curricula
(neighbours for compactness), the anchor timetable and the department's own rules
(``private.py``). ``State`` holds a timetable and the counters its cost is kept from;
``state_of`` builds one from lectures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from accord.domains.university.anneal.private import IntArray, private_tables
from accord.domains.university.cpmodel import Limits, curr_key, room_key
from accord.domains.university.instance import Instance, Lecture
from accord.domains.university.penalties import penalty_bound
from accord.domains.university.validate import (
    CURRICULUM_COMPACTNESS_COST,
    MIN_WORKING_DAYS_COST,
    isolated,
)
from accord.model.errors import AccordError


class Static(NamedTuple):
    """The problem: indices are positions in the instance's course, room and curriculum
    lists; lectures of course ``c`` are ``c_lec_ptr[c]`` to ``c_lec_ptr[c + 1] - 1``."""

    ppd: int
    days: int
    change_w: int
    """Objective units per lecture away from its anchor (course, period, room): 1 with an
    anchor, 0 without; a unit of official cost is ``SCALE`` units."""
    c_lectures: IntArray
    c_mwd: IntArray
    c_students: IntArray
    c_teacher: IntArray
    c_lec_ptr: IntArray
    cq_ptr: IntArray
    cq_idx: IntArray
    q_ptr: IntArray
    q_idx: IntArray
    r_cap: IntArray
    cp_ok: IntArray
    """(course, period): 1 where a lecture may be (not unavailable, not held hard)."""
    cp_pen: IntArray
    """(course, period): official cost of a lecture there (shared curricula over cap)."""
    rp_ok: IntArray
    rp_pen: IntArray
    q_foreign: IntArray
    """(curriculum, period): other departments' lectures of the curriculum there."""
    anchor_room: IntArray
    """(course, period): the anchor's room of the course there, or -1."""
    l_course: IntArray
    cp_w: IntArray
    """The department's own rules, ``private.PrivateTables`` (empty without rules)."""
    g_teacher: IntArray
    g_limit: IntArray
    g_weight: IntArray


class State(NamedTuple):
    """A timetable (``l_period``, ``l_room`` per lecture) and its counters; ``comp`` is
    the cost by part: ``RC MWD CC RS`` (official), penalties (official units), changes,
    clashes, the department's own rules' penalty (official units)."""

    l_period: IntArray
    l_room: IntArray
    room_lec: IntArray
    teach_p: IntArray
    q_load: IntArray
    c_day: IntArray
    c_room: IntArray
    c_ndays: IntArray
    c_nrooms: IntArray
    comp: IntArray


def overflow_price(inst: Instance, lim: Limits) -> int:
    """Official cost of a unit over a soft cap: the context's price, else more than any
    timetable's official cost and rules' penalty (overflow first), as in the CP-SAT
    model."""
    if lim.price is not None:
        return lim.price
    lectures = {c.id: c.lectures for c in inst.courses}
    return 1 + 60 * sum(lectures.values()) + penalty_bound(inst.private, lectures)


def static_of(inst: Instance, lim: Limits | None = None) -> Static:
    """The arrays of ``inst`` under ``lim``."""
    lim = lim or Limits()
    cs, rs, qs, periods = inst.courses, inst.rooms, inst.curricula, inst.periods
    ci = {c.id: i for i, c in enumerate(cs)}
    ri = {r.id: i for i, r in enumerate(rs)}
    teachers = {t: i for i, t in enumerate(dict.fromkeys(c.teacher for c in cs))}
    of_course: list[list[int]] = [[] for _ in cs]
    for qn, q in enumerate(qs):
        for c in q.courses:
            if c in ci:
                of_course[ci[c]].append(qn)
    price = overflow_price(inst, lim)
    dear = lim.dear if lim.price is not None else {}  # dearer keys only with a price
    cp_ok = np.ones((len(cs), periods), np.int64)
    cp_pen = np.zeros((len(cs), periods), np.int64)
    for c, p in inst.unavailable:
        if c in ci:
            cp_ok[ci[c], p] = 0
    rp_ok = np.ones((len(rs), periods), np.int64)
    rp_pen = np.zeros((len(rs), periods), np.int64)
    q_foreign = np.zeros((len(qs), periods), np.int64)
    if lim.caps is not None:
        for r, room in enumerate(rs):
            for p in range(periods):
                key = room_key(room.id, p)
                if lim.caps.get(key, 0) < 1:
                    rp_ok[r, p], rp_pen[r, p] = ((1, dear.get(key, price)) if lim.soft
                                                 else (0, 0))
        for q in qs:
            if q.id not in lim.shared:
                continue
            for p in range(periods):
                key = curr_key(q.id, p)
                if lim.caps.get(key, 0) < 1:
                    for cid in q.courses:
                        if cid in ci:
                            if lim.soft:
                                cp_pen[ci[cid], p] += dear.get(key, price)
                            else:
                                cp_ok[ci[cid], p] = 0
    for qn, q in enumerate(qs):
        for p in lim.foreign.get(q.id, ()):
            q_foreign[qn, p] = 1
    anchor_room = np.full((len(cs), periods), -1, np.int64)
    for cid, p, rid in lim.anchor:
        if cid in ci and rid in ri:
            anchor_room[ci[cid], p] = ri[rid]
    lectures = [c.lectures for c in cs]
    ptr = np.concatenate([[0], np.cumsum(lectures)]).astype(np.int64)
    c_teacher = np.array([teachers[c.teacher] for c in cs], np.int64)
    pt = private_tables(inst, c_teacher)
    return Static(
        ppd=inst.periods_per_day, days=inst.days, change_w=int(bool(lim.anchor)),
        c_lectures=np.array(lectures, np.int64),
        c_mwd=np.array([c.min_working_days for c in cs], np.int64),
        c_students=np.array([c.students for c in cs], np.int64),
        c_teacher=c_teacher,
        c_lec_ptr=ptr,
        cq_ptr=np.concatenate([[0], np.cumsum([len(x) for x in of_course])]).astype(np.int64),
        cq_idx=np.array([q for x in of_course for q in x], np.int64),
        q_ptr=np.concatenate([[0], np.cumsum([sum(c in ci for c in q.courses) for q in qs])]
                             ).astype(np.int64),
        q_idx=np.array([ci[c] for q in qs for c in q.courses if c in ci], np.int64),
        r_cap=np.array([r.capacity for r in rs], np.int64),
        cp_ok=cp_ok, cp_pen=cp_pen, rp_ok=rp_ok, rp_pen=rp_pen, q_foreign=q_foreign,
        anchor_room=anchor_room,
        l_course=np.repeat(np.arange(len(cs), dtype=np.int64), lectures),
        cp_w=pt.cp_w, g_teacher=pt.g_teacher, g_limit=pt.g_limit, g_weight=pt.g_weight)


def empty_state(inst: Instance, st: Static) -> State:
    """A state with no lecture placed (every period -1)."""
    n, periods = len(st.l_course), inst.periods
    comp = np.zeros(8, np.int64)  # cost.PARTS
    comp[1] = MIN_WORKING_DAYS_COST * int(st.c_mwd.sum())  # no lecture: every day short
    comp[2] = CURRICULUM_COMPACTNESS_COST * sum(  # others' lectures, alone
        isolated(Counter({p: int(n) for p, n in enumerate(row) if n}), inst.periods_per_day)
        for row in st.q_foreign)
    return State(
        l_period=np.full(n, -1, np.int64), l_room=np.full(n, -1, np.int64),
        room_lec=np.full((len(inst.rooms), periods), -1, np.int64),
        teach_p=np.zeros((int(st.c_teacher.max(initial=-1)) + 1, periods), np.int64),
        q_load=np.zeros((len(inst.curricula), periods), np.int64),
        c_day=np.zeros((len(inst.courses), inst.days), np.int64),
        c_room=np.zeros((len(inst.courses), len(inst.rooms)), np.int64),
        c_ndays=np.zeros(len(inst.courses), np.int64),
        c_nrooms=np.zeros(len(inst.courses), np.int64),
        comp=comp)


def positions(inst: Instance, st: Static, lectures: Iterable[Lecture]
              ) -> tuple[IntArray, IntArray]:
    """Period and room of each lecture slot, from a complete timetable of ``inst``."""
    ci = {c.id: i for i, c in enumerate(inst.courses)}
    ri = {r.id: i for i, r in enumerate(inst.rooms)}
    n = len(st.l_course)
    period, room = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    nxt = st.c_lec_ptr[:-1].copy()
    for lec in lectures:
        c = ci[lec.course]
        if nxt[c] >= st.c_lec_ptr[c + 1]:
            raise AccordError(f"anneal: course {lec.course} has more than "
                              f"{st.c_lectures[c]} lectures")
        period[nxt[c]], room[nxt[c]] = inst.period(lec.day, lec.slot), ri[lec.room]
        nxt[c] += 1
    if (nxt != st.c_lec_ptr[1:]).any():
        raise AccordError("anneal: the start timetable misses lectures")
    return period, room


def lectures_of(inst: Instance, st: Static, period: IntArray, room: IntArray
                ) -> list[Lecture]:
    """The timetable of a state, sorted."""
    ppd = inst.periods_per_day
    return sorted(Lecture(inst.courses[int(c)].id, inst.rooms[int(r)].id, int(p) // ppd,
                          int(p) % ppd)
                  for c, p, r in zip(st.l_course, period, room, strict=True))
