"""A department's own rules, under ``private: rules:``: local detail central management does
not model, each with the department's weight. They never leave the department, and they
are never part of the official cost: the department minimises its official part plus
their penalty (``penalties.py``), and the run reports the penalty apart.

Periods here are periods of a day (0 … periods_per_day − 1) and days 0 … days − 1.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from accord.domains.university.penalties import Adjacent, DailyCap, PerLecture, PrivateTerm
from accord.model.limits import COUNT_MAX


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weight: int = Field(description="penalty per breach, in official cost units")


class LunchBreak(_Rule):
    """The periods of each day kept free for a teacher (or all the department's)."""

    kind: Literal["lunch_break"]
    teacher: str | None = Field(default=None, description="none: every teacher")
    periods: list[int] = Field(min_length=1)


class MaxDailyLectures(_Rule):
    """At most ``max`` lectures a day for a teacher; ``weight`` per lecture over it."""

    kind: Literal["max_daily_lectures"]
    teacher: str
    max: int


class FinishEarly(_Rule):
    """No lecture after ``last_period`` on ``day``; ``weight`` per lecture after it."""

    kind: Literal["finish_early"]
    teacher: str | None = Field(default=None, description="none: every teacher")
    day: int
    last_period: int


class PreparationGap(_Rule):
    """No two lectures of a teacher in consecutive periods; ``weight`` per such pair."""

    kind: Literal["preparation_gap"]
    teacher: str


class PreferredPeriods(_Rule):
    """A teacher's preferred periods of a day; ``weight`` per lecture outside them."""

    kind: Literal["preferred_periods"]
    teacher: str
    periods: list[int] = Field(min_length=1)


Rule = Annotated[LunchBreak | MaxDailyLectures | FinishEarly | PreparationGap
                 | PreferredPeriods, Field(discriminator="kind")]


def check_rule(where: str, dept: str, rule: Rule, teachers: set[str], days: int,
               ppd: int) -> None:
    """A one-line ValueError naming ``where`` (the rule), its field and the department
    when the rule names an unknown teacher, a day or period out of range, or a negative
    (or above ``COUNT_MAX``) weight or maximum."""
    def bad(field: str, what: str) -> ValueError:
        return ValueError(f"{where}.{field}: department {dept}: {what}")

    teacher = getattr(rule, "teacher", None)
    if teacher is not None and teacher not in teachers:
        raise bad("teacher", f"{teacher} teaches none of its courses")
    if rule.weight < 0:
        raise bad("weight", f"{rule.weight} is negative")
    if rule.weight > COUNT_MAX:
        raise bad("weight", f"{rule.weight} is above {COUNT_MAX}")
    for p in getattr(rule, "periods", []):
        if not 0 <= p < ppd:
            raise bad("periods", f"period {p} is outside 0–{ppd - 1}")
    if isinstance(rule, FinishEarly):
        if not 0 <= rule.day < days:
            raise bad("day", f"day {rule.day} is outside 0–{days - 1}")
        if not 0 <= rule.last_period < ppd:
            raise bad("last_period", f"period {rule.last_period} is outside 0–{ppd - 1}")
    if isinstance(rule, MaxDailyLectures) and not 0 <= rule.max <= COUNT_MAX:
        raise bad("max", f"{rule.max} is negative" if rule.max < 0
                  else f"{rule.max} is above {COUNT_MAX}")


def compile_rule(rule: Rule, courses: dict[str, list[str]], days: int, ppd: int
                 ) -> PrivateTerm:
    """The rule as a term over the courses of its teacher (``courses``: teacher -> course
    ids; a rule without a teacher covers them all)."""
    teacher = getattr(rule, "teacher", None)
    mine = [c for t, cs in sorted(courses.items()) if teacher in (None, t) for c in cs]
    w = rule.weight
    if isinstance(rule, MaxDailyLectures):
        return DailyCap(rule.kind, frozenset(mine), rule.max, w)
    if isinstance(rule, PreparationGap):
        return Adjacent(rule.kind, frozenset(mine), w)
    if isinstance(rule, LunchBreak):
        slots = [(d, s) for d in range(days) for s in set(rule.periods)]
    elif isinstance(rule, FinishEarly):
        slots = [(rule.day, s) for s in range(rule.last_period + 1, ppd)]
    else:
        slots = [(d, s) for d in range(days) for s in range(ppd) if s not in rule.periods]
    return PerLecture(rule.kind, {(c, d * ppd + s): w for c in mine for d, s in slots})
