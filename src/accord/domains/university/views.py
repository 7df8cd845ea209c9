"""The university's timetables for people: each department's week and each lecture hall's
week (period × day), every lecture where it sits, with the official measure's items
(``validate.py``) marked and explained on the lectures that pay them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

from accord.contract import COST, VIOLATION, Cell, Grid
from accord.domains.university.instance import Instance, Lecture
from accord.domains.university.merge import lectures_of
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.validate import (
    CURRICULUM_COMPACTNESS_COST,
    MIN_WORKING_DAYS_COST,
    ROOM_STABILITY_COST,
    is_isolated,
)
from accord.model.plan import Plan

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def day_label(day: int, days: int) -> str:
    """Mon..Sun for a week of at most seven days, else ``day N``."""
    return DAY_NAMES[day] if days <= len(DAY_NAMES) else f"day {day}"


def period_label(slot: int) -> str:
    """A period of the day, counted from 0 as in ITC-2007."""
    return f"period {slot}"


def _notes(inst: Instance, lectures: list[Lecture]) -> dict[Lecture, tuple[list[str], str]]:
    """Per lecture: the measure's items it pays and its mark (violation over cost)."""
    out: dict[Lecture, tuple[list[str], str]] = {lec: ([], "") for lec in lectures}
    ppd = inst.periods_per_day

    def add(lec: Lecture, note: str, mark: str) -> None:
        notes, old = out[lec]
        notes.append(note)
        out[lec] = (notes, VIOLATION if VIOLATION in (old, mark) else mark)

    def where(lec: Lecture) -> str:
        return f"{day_label(lec.day, inst.days)} {period_label(lec.slot)}"

    rooms = {r.id: r.capacity for r in inst.rooms}
    in_room = Counter((lec.room, lec.day, lec.slot) for lec in lectures)
    at = defaultdict(list)
    for lec in lectures:
        at[inst.period(lec.day, lec.slot)].append(lec)
    conflicts = inst.conflicts()
    for lec in lectures:
        p = inst.period(lec.day, lec.slot)
        over = inst.course(lec.course).students - rooms.get(lec.room, 0)
        if over > 0:
            add(lec, f"RoomCapacity: {over} students above {lec.room}'s capacity, +{over}", COST)
        if (lec.course, p) in inst.unavailable:
            add(lec, f"Availability: {lec.course} is unavailable {where(lec)}", VIOLATION)
        if in_room[(lec.room, lec.day, lec.slot)] > 1:
            add(lec, f"RoomOccupation: {lec.room} holds another lecture {where(lec)}", VIOLATION)
        for other in at[p]:
            if (lec.course, other.course) in conflicts or (other.course, lec.course) in conflicts:
                add(lec, f"Conflicts: {lec.course} and {other.course} share students or a "
                         f"teacher {where(lec)}", VIOLATION)
    for q in inst.curricula:
        mine = [lec for lec in lectures if lec.course in q.courses]
        load = Counter(inst.period(lec.day, lec.slot) for lec in mine)
        for lec in mine:
            p = inst.period(lec.day, lec.slot)
            if is_isolated(load, p, ppd):
                add(lec, f"curriculum {q.id}: isolated lecture, {where(lec)}, "
                         f"+{CURRICULUM_COMPACTNESS_COST}", COST)
    by_course: dict[str, list[Lecture]] = defaultdict(list)
    for lec in lectures:
        by_course[lec.course].append(lec)
    for course, lecs in by_course.items():
        days = len({lec.day for lec in lecs})
        short = inst.course(course).min_working_days - days
        if short > 0:
            add(sorted(lecs)[0], f"MinWorkingDays: {course} on {days} days of "
                                 f"{days + short}, +{short * MIN_WORKING_DAYS_COST}", COST)
        seen = sorted({lec.room for lec in lecs})
        if len(seen) > 1:
            extra = (len(seen) - 1) * ROOM_STABILITY_COST
            add(sorted(lecs)[0], f"RoomStability: {course} uses rooms {', '.join(seen)}, "
                                 f"+{extra}", COST)
    return out


def university_grids(sc: UniversityScenario, plans: Mapping[str, Plan]) -> list[Grid]:
    """A week grid per department (lectures as course@room) and per lecture hall."""
    inst = sc.instance()
    lectures = lectures_of(plans)
    notes = _notes(inst, lectures)
    owner = sc.owner()
    rows = tuple(period_label(s) for s in range(sc.periods_per_day))
    cols = tuple(day_label(d, sc.days) for d in range(sc.days))

    def cell(lec: Lecture, text: str) -> Cell:
        items, mark = notes[lec]
        return Cell(period_label(lec.slot), day_label(lec.day, sc.days), text, mark,
                    tuple(items))

    grids = []
    for dept in sc.departments:
        mine = [lec for lec in lectures if owner.get(lec.course) == dept.id]
        plan = plans.get(dept.id)
        grids.append(Grid("agent", dept.id, rows, cols,
                          tuple(cell(lec, f"{lec.course}@{lec.room}") for lec in mine),
                          caption=f"cost {plan.cost}" if plan else ""))
    for room in sc.rooms:
        mine = [lec for lec in lectures if lec.room == room.id]
        grids.append(Grid("resource", room.id, rows, cols,
                          tuple(cell(lec, lec.course) for lec in mine),
                          caption=f"capacity {room.capacity}"))
    return grids
