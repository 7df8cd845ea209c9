"""A department's private rules compiled into three plain shapes, and their penalty.

A rule of ``rules.py`` becomes one of: ``PerLecture`` (a weight per lecture of a course in
a period: lunch breaks, finishing early, preferred periods), ``DailyCap`` (a weight per
lecture of a teacher above N a day) and ``Adjacent`` (a weight per pair of a teacher's
lectures in consecutive periods of a day). The CP-SAT model adds them as terms
(``cpmodel.private_terms``); the penalty here counts them on a timetable. None of it is
ever part of the official cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PerLecture:
    """``weights[course, period]`` per lecture of that course in that period."""

    kind: str
    weights: Mapping[tuple[str, int], int]

    def penalty(self, lectures: Iterable[tuple[str, int]], ppd: int) -> int:
        """The weights of the lectures ``(course, period)``."""
        return sum(self.weights.get(lec, 0) for lec in lectures)


@dataclass(frozen=True)
class DailyCap:
    """``weight`` per lecture of ``courses`` (one teacher's) above ``limit`` in a day."""

    kind: str
    courses: frozenset[str]
    limit: int
    weight: int

    def penalty(self, lectures: Iterable[tuple[str, int]], ppd: int) -> int:
        """The weight times the lectures over the limit, day by day."""
        per_day = Counter(p // ppd for c, p in lectures if c in self.courses)
        return self.weight * sum(max(0, n - self.limit) for n in per_day.values())


@dataclass(frozen=True)
class Adjacent:
    """``weight`` per pair of lectures of ``courses`` in consecutive periods of a day."""

    kind: str
    courses: frozenset[str]
    weight: int

    def penalty(self, lectures: Iterable[tuple[str, int]], ppd: int) -> int:
        """The weight times the periods followed, the same day, by another taught one."""
        taught = {p for c, p in lectures if c in self.courses}
        return self.weight * sum(1 for p in taught if p % ppd + 1 < ppd and p + 1 in taught)


PrivateTerm = PerLecture | DailyCap | Adjacent


def private_penalty(terms: Iterable[PrivateTerm], lectures: Iterable[tuple[str, int]],
                    ppd: int) -> int:
    """The penalty of the lectures ``(course, period)`` under the terms."""
    held = list(lectures)
    return sum(t.penalty(held, ppd) for t in terms)


def penalty_bound(terms: Iterable[PrivateTerm], lectures: Mapping[str, int]) -> int:
    """An upper bound of the penalty, given each course's lecture count."""
    out = 0
    for t in terms:
        if isinstance(t, PerLecture):
            top: dict[str, int] = {}
            for (c, _), w in t.weights.items():
                top[c] = max(top.get(c, 0), w)
            out += sum(w * lectures.get(c, 0) for c, w in top.items())
        else:
            out += t.weight * sum(lectures.get(c, 0) for c in t.courses)
    return out
