"""A class as a plan holds it, and the steps and shared resources it takes.

A group's plan is ``{"classes": [lesson, ...]}``, each lesson a class of that group:
``{"discipline", "kind", "professor", "classroom", "day", "start": "HH:MM", "minutes"}``.
The week's steps are numbered ``day × steps_per_day + step``; a lesson uses the keys
``("classroom:R", step)`` and ``("professor:P", step)`` for each step it covers, one each:
what a capacity protocol will guard (a classroom agent, a professor's calendar).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accord.domains.classes.scenario import ClassesScenario, Kind, hhmm, minutes_of
from accord.model.errors import ProtocolError
from accord.model.plan import Key, Plan, UsageEntry

CLASSROOM = "classroom:"
PROFESSOR = "professor:"


class Lesson(BaseModel):
    """One class: a discipline's lecture or lab, by a professor in a classroom, on a day,
    from a start, for some minutes (its group is the plan's agent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    discipline: str
    kind: Kind = "lecture"
    professor: str
    classroom: str
    day: str
    start: str = Field(description="HH:MM")
    minutes: int


@dataclass(frozen=True)
class Booked:
    """A lesson of a group in the merged plans, and the week's steps it covers (None when
    it does not lie on the week's steps within opening hours)."""

    group: str
    lesson: Lesson
    steps: tuple[int, ...] | None


def steps_of(sc: ClassesScenario, lesson: Lesson) -> tuple[int, ...] | None:
    """The week's steps a lesson covers; None when its day is not a day of the week, it
    does not start on a step, or it begins before opening or ends after closing."""
    wk = sc.week
    try:
        start = minutes_of(lesson.start)
    except ValueError:
        return None
    if lesson.day not in wk.days or (start - wk.opening) % wk.step or lesson.minutes <= 0:
        return None
    if start < wk.opening or start + lesson.minutes > wk.closing:
        return None
    first = wk.days.index(lesson.day) * wk.steps_per_day + (start - wk.opening) // wk.step
    return tuple(range(first, first + -(-lesson.minutes // wk.step)))


def lesson_at(sc: ClassesScenario, discipline: str, kind: Kind, professor: str, classroom: str,
              first: int, minutes: int) -> Lesson:
    """The lesson starting at the week's step ``first``."""
    wk = sc.week
    day, step = divmod(first, wk.steps_per_day)
    return Lesson(discipline=discipline, kind=kind, professor=professor, classroom=classroom,
                  day=wk.days[day], start=hhmm(wk.opening + step * wk.step), minutes=minutes)


def lessons_of(plan: Plan) -> list[Lesson]:
    """The lessons of a group's plan; a malformed plan is a ProtocolError."""
    try:
        return [Lesson.model_validate(x) for x in plan.assignment.get("classes", [])]
    except (ValidationError, TypeError) as exc:
        raise ProtocolError(f"plan of {plan.agent}: malformed class "
                            f"({str(exc).splitlines()[0]})") from None


def booked(sc: ClassesScenario, plans: Mapping[str, Plan]) -> list[Booked]:
    """Every lesson of the merged plans, each with its group and steps."""
    return [Booked(g, x, steps_of(sc, x)) for g, plan in sorted(plans.items())
            for x in lessons_of(plan)]


def usage_of(sc: ClassesScenario, lessons: Iterable[Lesson]) -> list[UsageEntry]:
    """The classrooms and professors per step that the lessons take."""
    use: Counter[Key] = Counter()
    for x in lessons:
        for s in steps_of(sc, x) or ():
            use[CLASSROOM + x.classroom, s] += 1
            use[PROFESSOR + x.professor, s] += 1
    return [UsageEntry(resource=r, slot=s, amount=a) for (r, s), a in sorted(use.items())]


def assignment(sc: ClassesScenario, lessons: Iterable[Lesson]) -> dict[str, Any]:
    """A plan's assignment: its lessons in the order of the week."""
    out = sorted(lessons, key=lambda x: ((steps_of(sc, x) or (-1,))[0], x.discipline, x.kind,
                                         x.professor, x.classroom))
    return {"classes": [x.model_dump() for x in out]}
