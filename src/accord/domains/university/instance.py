"""A curriculum-based course timetabling instance (ITC-2007 track 3), flat and plain.

Periods are numbered ``day * periods_per_day + slot``. A timetable is a list of
lectures ``(course, room, day, slot)``, as in the competition's solution format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from accord.domains.university.penalties import PrivateTerm


@dataclass(frozen=True)
class Course:
    """A course: its teacher, weekly lectures, minimum working days and students."""

    id: str
    teacher: str
    lectures: int
    min_working_days: int
    students: int


@dataclass(frozen=True)
class Room:
    """A lecture hall and its capacity."""

    id: str
    capacity: int


@dataclass(frozen=True)
class Curriculum:
    """A group of courses whose students attend them all: no two at the same time."""

    id: str
    courses: tuple[str, ...]


class Lecture(NamedTuple):
    """One scheduled lecture: ``course room day slot``."""

    course: str
    room: str
    day: int
    slot: int


@dataclass
class Instance:
    """Courses, rooms, curricula and unavailable (course, period) pairs; a department's
    part may carry its own rules as penalty terms (``private``: never official cost)."""

    name: str
    days: int
    periods_per_day: int
    courses: list[Course]
    rooms: list[Room]
    curricula: list[Curriculum]
    unavailable: set[tuple[str, int]] = field(default_factory=set)
    private: tuple[PrivateTerm, ...] = ()

    @property
    def periods(self) -> int:
        """Periods in the week."""
        return self.days * self.periods_per_day

    def period(self, day: int, slot: int) -> int:
        """The period index of a day and a slot."""
        return day * self.periods_per_day + slot

    def course(self, course_id: str) -> Course:
        """The course of that id."""
        return self._courses[course_id]

    @cached_property
    def _courses(self) -> dict[str, Course]:
        return {c.id: c for c in self.courses}

    def conflicts(self) -> set[tuple[str, str]]:
        """Pairs of courses (ordered as in the course list) that may not share a period:
        same curriculum or same teacher."""
        index = {c.id: i for i, c in enumerate(self.courses)}
        out: set[tuple[str, str]] = set()
        for q in self.curricula:
            for i, a in enumerate(q.courses):
                for b in q.courses[:i]:
                    out.add(tuple(sorted((a, b), key=index.__getitem__)))  # type: ignore[arg-type]
        by_teacher: dict[str, list[str]] = {}
        for c in self.courses:
            by_teacher.setdefault(c.teacher, []).append(c.id)
        for same in by_teacher.values():
            for i, a in enumerate(same):
                for b in same[i + 1:]:
                    out.add((a, b))
        return out
