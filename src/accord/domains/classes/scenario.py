"""Student groups and professors agree on classes in shared classrooms: the scenario.

A week of ``week.days`` is cut into ``week.step``-minute steps between ``week.opening``
and ``week.closing``. A group needs, for each of its disciplines, the discipline's
``class_minutes`` of lectures (in lecture rooms) and ``lab_minutes`` of labs (in labs) a
week, as classes of ``class_length`` minutes each (the discipline's own length, else the
scenario's). Times of day are ``"HH:MM"`` (an unquoted ``20:00`` reads in YAML as 1200,
minutes since midnight, which means the same).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

from accord.model.limits import COUNT_MAX
from accord.model.scenario import ScenarioBase

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
Kind = Literal["lecture", "lab"]
KINDS: tuple[Kind, ...] = ("lecture", "lab")


def minutes_of(value: object) -> int:
    """A time of day as minutes since midnight, from ``"HH:MM"`` or a number of minutes."""
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    elif isinstance(value, str) and (m := re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())):
        minutes = 60 * int(m[1]) + int(m[2])
        if int(m[2]) >= 60:
            raise ValueError(f"{value!r} is not a time of day HH:MM")
    else:
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    if not 0 <= minutes <= 24 * 60:
        raise ValueError(f"{value!r} is not a time of day between 00:00 and 24:00")
    return minutes


def hhmm(minutes: int) -> str:
    """Minutes since midnight as ``HH:MM``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


Clock = Annotated[int, BeforeValidator(minutes_of), PlainSerializer(hhmm, return_type=str)]
"""A time of day, held as minutes since midnight, written ``HH:MM``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Week(_Strict):
    """The teaching week: its days, opening hours and the step classes start on."""

    days: list[str] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    opening: Clock = 8 * 60
    closing: Clock = 20 * 60
    step: int = Field(default=30, gt=0, le=24 * 60, description="minutes per step")

    @property
    def steps_per_day(self) -> int:
        """Steps between opening and closing."""
        return (self.closing - self.opening) // self.step


class Discipline(_Strict):
    """What students choose: lecture and lab minutes a week, in classes of one length."""

    code: str = Field(min_length=1)
    name: str = ""
    class_minutes: int = Field(ge=0, le=COUNT_MAX, description="lecture minutes a week")
    lab_minutes: int = Field(default=0, ge=0, le=COUNT_MAX, description="lab minutes a week")
    class_length: int | None = Field(default=None, gt=0, le=24 * 60,
                                     description="minutes per class (default: the "
                                                 "scenario's class_length)")


class Group(_Strict):
    """Students who take their disciplines together: a scheduling agent."""

    id: str = Field(min_length=1)
    disciplines: list[str] = Field(min_length=1)
    students: int = Field(ge=1, le=COUNT_MAX)


class Student(_Strict):
    """A student's choices, as the office receives them: the disciplines chosen and those
    chosen and then dropped during enrolment (private: never in a message as a list)."""

    id: str = Field(min_length=1)
    career: str = ""
    disciplines: list[str] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)


class Window(_Strict):
    """A span of time on one day of the week (``day`` None: on every day)."""

    day: str | None = None
    start: Clock
    end: Clock


class ProfessorPrivate(_Strict):
    """What only the professor knows: preferred and unavailable times, and how much a
    class outside the preferred times weighs per step (no preferred times: all are)."""

    preferred: list[Window] = Field(default_factory=list)
    unavailable: list[Window] = Field(default_factory=list)
    weight: int = Field(default=1, ge=0, le=1000)


class Professor(_Strict):
    """A professor: full- or part-time, what it can teach, how many classes it holds."""

    id: str = Field(min_length=1)
    full_time: bool = True
    can_teach: list[str] = Field(min_length=1)
    min_classes: int = Field(default=0, ge=0, le=COUNT_MAX)
    max_classes: int | None = Field(default=None, ge=0, le=COUNT_MAX)
    private: ProfessorPrivate = Field(default_factory=ProfessorPrivate)


class Classroom(_Strict):
    """A room: its seats and kind (a lab holds labs, a lecture room lectures)."""

    id: str = Field(min_length=1)
    capacity: int = Field(gt=0, le=COUNT_MAX)
    kind: Kind = "lecture"


class ClassesScenario(ScenarioBase):
    """Groups needing classes of their disciplines, professors able to teach them, and the
    classrooms they share, over a week of steps."""

    domain: Literal["classes"] = "classes"
    protocol: str = "central"
    week: Week = Field(default_factory=Week)
    class_length: int = Field(default=120, gt=0, le=24 * 60,
                              description="minutes per class, unless a discipline says "
                                          "otherwise")
    disciplines: list[Discipline] = Field(min_length=1)
    groups: list[Group] = Field(min_length=1)
    professors: list[Professor] = Field(min_length=1)
    classrooms: list[Classroom] = Field(min_length=1)
    students: list[Student] = Field(default_factory=list, description="the students' "
                                    "choices, for the coordinator to form the groups from "
                                    "at run time (each group seats its ``students``)")

    @model_validator(mode="after")
    def _consistent(self) -> ClassesScenario:
        self._check_week()
        codes: dict[str, str] = {}
        for i, d in enumerate(self.disciplines):
            where = f"disciplines[{i}]"
            if d.code in codes:
                raise ValueError(f"{where}.code: {d.code} repeats {codes[d.code]}")
            codes[d.code] = where
            length = self.length_of(d)
            field = "class_length" if d.class_length is not None else "(scenario) class_length"
            if length % self.week.step or length // self.week.step > self.week.steps_per_day:
                raise ValueError(f"{where}: {field} {length} is not a whole number of "
                                 f"{self.week.step}-minute steps within a day")
            for name in ("class_minutes", "lab_minutes"):
                if getattr(d, name) % length:
                    raise ValueError(f"{where}.{name}: {getattr(d, name)} is not a multiple "
                                     f"of the class length {length}")
        seen: dict[str, str] = {}
        for part in ("groups", "professors", "classrooms"):
            for i, a in enumerate(getattr(self, part)):
                where = f"{part}[{i}].id"
                if a.id in seen:
                    raise ValueError(f"{where}: {a.id} repeats {seen[a.id]} (ids are unique)")
                seen[a.id] = where
        for i, g in enumerate(self.groups):
            self._check_codes(f"groups[{i}].disciplines", g.disciplines, codes)
        offered = {c for g in self.groups for c in g.disciplines}
        ids: set[str] = set()
        for i, st in enumerate(self.students):
            if st.id in ids:
                raise ValueError(f"students[{i}].id: {st.id} repeats")
            ids.add(st.id)
            if both := set(st.disciplines) & set(st.dropped):
                raise ValueError(f"students[{i}].dropped: {sorted(both)[0]} is also chosen")
            for name in ("disciplines", "dropped"):
                for c in getattr(st, name):
                    if c not in offered:
                        raise ValueError(f"students[{i}].{name}: no group takes {c}")
        for i, p in enumerate(self.professors):
            self._check_codes(f"professors[{i}].can_teach", p.can_teach, codes)
            if p.max_classes is not None and p.min_classes > p.max_classes:
                raise ValueError(f"professors[{i}].min_classes: {p.min_classes} is above "
                                 f"max_classes {p.max_classes}")
            for name in ("preferred", "unavailable"):
                for j, w in enumerate(getattr(p.private, name)):
                    self._check_window(f"professors[{i}].private.{name}[{j}]", w)
        return self

    def _check_week(self) -> None:
        w = self.week
        if len(set(w.days)) != len(w.days):
            raise ValueError("week.days: a day is repeated")
        if w.closing <= w.opening:
            raise ValueError(f"week.closing: {hhmm(w.closing)} is not after opening "
                             f"{hhmm(w.opening)}")
        if (w.closing - w.opening) % w.step:
            raise ValueError(f"week.step: {w.step} minutes does not divide the opening hours "
                             f"{hhmm(w.opening)}-{hhmm(w.closing)}")

    @staticmethod
    def _check_codes(where: str, codes: list[str], known: dict[str, str]) -> None:
        for c in codes:
            if c not in known:
                raise ValueError(f"{where}: unknown discipline {c}")
        if len(set(codes)) != len(codes):
            raise ValueError(f"{where}: a discipline is repeated")

    def _check_window(self, where: str, w: Window) -> None:
        if w.day is not None and w.day not in self.week.days:
            raise ValueError(f"{where}.day: {w.day} is not a day of the week "
                             f"({', '.join(self.week.days)})")
        if w.end <= w.start:
            raise ValueError(f"{where}.end: {hhmm(w.end)} is not after start {hhmm(w.start)}")
        for name in ("start", "end"):
            if (getattr(w, name) - self.week.opening) % self.week.step:
                raise ValueError(f"{where}.{name}: {hhmm(getattr(w, name))} is not on the "
                                 f"{self.week.step}-minute steps from {hhmm(self.week.opening)}")

    # --- what the evaluation and the models read -----------------------------------------

    def length_of(self, d: Discipline) -> int:
        """Minutes per class of a discipline."""
        return d.class_length if d.class_length is not None else self.class_length

    def discipline(self, code: str) -> Discipline:
        """The discipline of that code."""
        return next(d for d in self.disciplines if d.code == code)

    def required(self, group: Group) -> dict[tuple[str, Kind], int]:
        """Minutes a week the group needs, by (discipline, kind); zero needs left out."""
        out: dict[tuple[str, Kind], int] = {}
        for code in group.disciplines:
            d = self.discipline(code)
            for kind, minutes in zip(KINDS, (d.class_minutes, d.lab_minutes), strict=True):
                if minutes:
                    out[code, kind] = minutes
        return out

    def steps_in(self, w: Window) -> set[int]:
        """The week's steps (day × steps per day + step) that lie inside a window."""
        wk, n = self.week, self.week.steps_per_day
        days = range(len(wk.days)) if w.day is None else [wk.days.index(w.day)]
        first = max(0, -(-(w.start - wk.opening) // wk.step))
        last = min(n, (w.end - wk.opening) // wk.step)
        return {d * n + s for d in days for s in range(first, last)}

    def preferred_steps(self, p: Professor) -> set[int] | None:
        """The professor's preferred steps (None: it prefers no time over another)."""
        if not p.private.preferred:
            return None
        return set().union(*(self.steps_in(w) for w in p.private.preferred))

    def unavailable_steps(self, p: Professor) -> set[int]:
        """The steps the professor cannot teach."""
        return set().union(*(self.steps_in(w) for w in p.private.unavailable))
