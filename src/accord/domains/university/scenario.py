"""University timetabling: departments own courses and share rooms and students."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from accord.domains.university.instance import Course, Curriculum, Instance, Room
from accord.domains.university.penalties import PrivateTerm
from accord.domains.university.rules import Rule, check_rule, compile_rule
from accord.model.scenario import Count, Positive, ScenarioBase


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CourseSpec(_Strict):
    """A course: its teacher, weekly lectures, minimum working days and students."""

    id: str = Field(min_length=1)
    teacher: str = Field(min_length=1)
    lectures: Positive
    min_working_days: Count
    students: Count


class Unavailable(_Strict):
    """A period a course's teacher cannot teach."""

    course: str
    day: int = Field(ge=0)
    period: int = Field(ge=0)


class DepartmentPrivate(_Strict):
    """What only the department knows: its teachers' unavailabilities, and its own rules
    with its weights (``rules.py``)."""

    unavailability: list[Unavailable] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)


class Department(_Strict):
    """A department agent and the courses it timetables."""

    id: str = Field(min_length=1)
    courses: list[CourseSpec] = Field(min_length=1)
    private: DepartmentPrivate = Field(default_factory=DepartmentPrivate)


class RoomSpec(_Strict):
    """A lecture hall in the pool the room authority guards."""

    id: str = Field(min_length=1)
    capacity: Positive


class CurriculumSpec(_Strict):
    """Courses taken together by one group of students (may span departments)."""

    id: str = Field(min_length=1)
    courses: list[str] = Field(min_length=1)


class CalendarSpec(_Strict):
    """How periods map to clock times, for the CSV and iCalendar exports."""

    first_day: date = Field(default=date(2027, 1, 4), description="date of day 0 (a Monday)")
    day_start: time = Field(default=time(8, 0), description="start of period 0 each day")
    period_minutes: int = Field(default=60, ge=1, le=1440)
    weeks: int = Field(default=1, ge=1, le=520, description="weeks the timetable repeats")


class UniversityScenario(ScenarioBase):
    """Departments, shared rooms and curricula over a week of days × periods."""

    domain: Literal["university"] = "university"
    source: str = ""
    local_model: Literal["two-stage", "direct"] = Field(
        default="two-stage", description="a department's CP-SAT model: periods with room "
        "counts then rooms, or one variable per course, period and room")
    local_anneal: bool = Field(
        default=True, description="a department anneals its last timetable, or CP-SAT's "
        "first from a quarter of its work, with the rest (false: CP-SAT has all the work, "
        "annealing only repairs what CP-SAT cannot find; slower by far in priced rounds)")
    central_model: Literal["anneal", "cpsat"] = Field(
        default="anneal", description="central: simulated annealing from CP-SAT's first "
        "timetable, or the CP-SAT model alone")
    days: int = Field(ge=1, le=7, description="teaching days of the week")
    periods_per_day: int = Field(ge=1, description="periods a day; they fit in the day "
                                 "(calendar.period_minutes each)")
    rooms: list[RoomSpec] = Field(min_length=1)
    curricula: list[CurriculumSpec] = Field(default_factory=list)
    departments: list[Department] = Field(min_length=1)
    calendar: CalendarSpec = Field(default_factory=CalendarSpec)

    @model_validator(mode="after")
    def _consistent(self) -> UniversityScenario:
        fit = 24 * 60 // self.calendar.period_minutes
        if self.periods_per_day > fit:
            raise ValueError(f"periods_per_day: {self.periods_per_day} periods of "
                             f"{self.calendar.period_minutes} minutes do not fit in a day "
                             f"(at most {fit})")
        owner: dict[str, str] = {}
        for i, d in enumerate(self.departments):
            for j, c in enumerate(d.courses):
                if c.id in owner:
                    raise ValueError(f"departments[{i}].courses[{j}].id: course {c.id} is "
                                     f"also in department {owner[c.id]}")
                owner[c.id] = d.id
            for j, u in enumerate(d.private.unavailability):
                where = f"departments[{i}].private.unavailability[{j}]"
                if owner.get(u.course) != d.id:
                    raise ValueError(f"{where}.course: {u.course} is not a course of {d.id}")
                if u.day >= self.days or u.period >= self.periods_per_day:
                    raise ValueError(f"{where}: day {u.day} period {u.period} is outside "
                                     f"{self.days} days × {self.periods_per_day} periods")
            teachers = {c.teacher for c in d.courses}
            for j, rule in enumerate(d.private.rules):
                check_rule(f"departments[{i}].private.rules[{j}]", d.id, rule, teachers,
                           self.days, self.periods_per_day)
        for i, q in enumerate(self.curricula):
            for cid in q.courses:
                if cid not in owner:
                    raise ValueError(f"curricula[{i}].courses: unknown course {cid}")
        rooms = [r.id for r in self.rooms]
        if len(set(rooms)) != len(rooms):
            raise ValueError("rooms: repeated room id")
        self._meetable()
        return self

    def _meetable(self) -> None:
        """Cheap necessary conditions of a timetable with no hard violation, each an error
        naming what cannot be met: a course's lectures in its available periods (one
        lecture a period), a teacher's and a curriculum's lectures in the week's periods,
        all lectures in the rooms' periods."""
        periods = self.days * self.periods_per_day
        lectures: dict[str, int] = {}
        teachers: dict[str, int] = {}
        for i, d in enumerate(self.departments):
            off: dict[str, set[tuple[int, int]]] = {}
            for u in d.private.unavailability:
                off.setdefault(u.course, set()).add((u.day, u.period))
            for j, c in enumerate(d.courses):
                free = periods - len(off.get(c.id, ()))
                if c.lectures > free:
                    unavailable = f" ({periods - free} unavailable)" if free < periods else ""
                    raise ValueError(f"departments[{i}].courses[{j}].lectures: course {c.id}: "
                                     f"{c.lectures} lectures, {free} periods{unavailable}")
                lectures[c.id] = c.lectures
                teachers[c.teacher] = teachers.get(c.teacher, 0) + c.lectures
        for t, n in sorted(teachers.items()):
            if n > periods:
                raise ValueError(f"departments: teacher {t}: {n} lectures, {periods} periods")
        for i, q in enumerate(self.curricula):
            n = sum(lectures[c] for c in set(q.courses))
            if n > periods:
                raise ValueError(f"curricula[{i}]: curriculum {q.id}: {n} lectures, "
                                 f"{periods} periods")
        total = sum(lectures.values())
        if total > len(self.rooms) * periods:
            raise ValueError(f"rooms: {total} lectures, {len(self.rooms)} rooms × {periods} "
                             "periods")

    def shared_curricula(self) -> set[str]:
        """Curricula whose courses belong to more than one department."""
        owner = self.owner()
        return {q.id for q in self.curricula if len({owner[c] for c in q.courses}) > 1}

    def private_terms(self, dept: str) -> tuple[PrivateTerm, ...]:
        """The department's own rules as penalty terms (``penalties.py``)."""
        d = next(d for d in self.departments if d.id == dept)
        courses: dict[str, list[str]] = {}
        for c in d.courses:
            courses.setdefault(c.teacher, []).append(c.id)
        return tuple(compile_rule(r, courses, self.days, self.periods_per_day)
                     for r in d.private.rules)

    def owner(self) -> dict[str, str]:
        """Course id -> department id."""
        return {c.id: d.id for d in self.departments for c in d.courses}

    def instance(self) -> Instance:
        """The merged problem as one instance (what the validator and central solve see)."""
        return Instance(
            name=self.name, days=self.days, periods_per_day=self.periods_per_day,
            courses=[Course(c.id, c.teacher, c.lectures, c.min_working_days, c.students)
                     for d in self.departments for c in d.courses],
            rooms=[Room(r.id, r.capacity) for r in self.rooms],
            curricula=[Curriculum(q.id, tuple(q.courses)) for q in self.curricula],
            unavailable={(u.course, u.day * self.periods_per_day + u.period)
                         for d in self.departments for u in d.private.unavailability})
