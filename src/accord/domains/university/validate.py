"""The competition's official measure (validator.cc, formulation UD2), constraint by
constraint: each function below counts what the validator's ``CostsOn...`` function counts.

Hard: Lectures (|scheduled − required| per course), Conflicts (per period, per pair of
courses sharing a curriculum or a teacher), Availability (per lecture at an unavailable
period), RoomOccupation (per room and period, lectures beyond one).
Soft, weighted: RoomCapacity (1 per student above capacity), MinWorkingDays (5 per day
short), CurriculumCompactness (2 per isolated lecture), RoomStability (1 per extra room).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from accord.contract import Measure
from accord.domains.university.instance import Instance, Lecture

MIN_WORKING_DAYS_COST = 5
CURRICULUM_COMPACTNESS_COST = 2
ROOM_STABILITY_COST = 1


Report = Measure
"""Hard violations and weighted soft costs by the validator's names."""


def _by_course(lectures: Iterable[Lecture], inst: Instance) -> dict[str, dict[int, str]]:
    """course -> period -> room, as the validator's ``tt``."""
    tt: dict[str, dict[int, str]] = defaultdict(dict)
    for lec in lectures:
        tt[lec.course][inst.period(lec.day, lec.slot)] = lec.room
    return tt


def lectures_cost(inst: Instance, tt: dict[str, dict[int, str]]) -> int:
    """Lectures: missing or extra lectures of each course."""
    return sum(abs(len(tt.get(c.id, {})) - c.lectures) for c in inst.courses)


def conflicts_cost(inst: Instance, tt: dict[str, dict[int, str]]) -> int:
    """Conflicts: per period in which two conflicting courses both have a lecture."""
    return sum(len(tt.get(a, {}).keys() & tt.get(b, {}).keys()) for a, b in inst.conflicts())


def availability_cost(inst: Instance, tt: dict[str, dict[int, str]]) -> int:
    """Availability: lectures at periods their course is unavailable."""
    return sum(1 for c, ps in tt.items() for p in ps if (c, p) in inst.unavailable)


def room_occupation_cost(tt: dict[str, dict[int, str]]) -> int:
    """RoomOccupation: for each room and period, the lectures beyond the first."""
    use = Counter((r, p) for ps in tt.values() for p, r in ps.items())
    return sum(n - 1 for n in use.values() if n > 1)


def room_capacity_cost(inst: Instance, tt: dict[str, dict[int, str]]) -> int:
    """RoomCapacity: students above the room's capacity, per lecture."""
    cap = {r.id: r.capacity for r in inst.rooms}
    return sum(max(0, inst.course(c).students - cap[r]) for c, ps in tt.items()
               for r in ps.values())


def min_working_days_cost(inst: Instance, tt: dict[str, dict[int, str]]) -> int:
    """MinWorkingDays: days short of each course's minimum, times 5."""
    short = 0
    for c in inst.courses:
        days = {p // inst.periods_per_day for p in tt.get(c.id, {})}
        short += max(0, c.min_working_days - len(days))
    return MIN_WORKING_DAYS_COST * short


def is_isolated(load: Counter[int], p: int, ppd: int) -> bool:
    """Whether the curriculum's lectures at period ``p`` (``load``: lectures per period)
    have no lecture of it in an adjacent period of the same day, as the validator tests."""
    first, last = p % ppd == 0, p % ppd == ppd - 1
    before, after = load.get(p - 1, 0), load.get(p + 1, 0)
    return (first and after == 0) or (not first and last and before == 0) or (
        not first and not last and after == 0 and before == 0)


def isolated(load: Counter[int], ppd: int) -> int:
    """Lectures of one curriculum (``load``: lectures per period) with no lecture of it in
    an adjacent period of the same day (an isolated period counts all its lectures, as
    the validator does)."""
    return sum(n for p, n in load.items() if is_isolated(load, p, ppd))


def curriculum_compactness_cost(inst: Instance, tt: dict[str, dict[int, str]]) -> int:
    """CurriculumCompactness: each curriculum's isolated lectures, times 2."""
    return CURRICULUM_COMPACTNESS_COST * sum(
        isolated(Counter(p for c in q.courses for p in tt.get(c, {})), inst.periods_per_day)
        for q in inst.curricula)


def room_stability_cost(tt: dict[str, dict[int, str]]) -> int:
    """RoomStability: rooms used by a course beyond the first."""
    return ROOM_STABILITY_COST * sum(max(0, len(set(ps.values())) - 1) for ps in tt.values())


def validate(inst: Instance, lectures: Iterable[Lecture]) -> Report:
    """Validate a timetable; lectures repeating a course's period count once, as in the
    validator (use ``itc2007.parse_sol`` to read a file with its warnings)."""
    tt = _by_course(lectures, inst)
    return Report(
        hard={"Lectures": lectures_cost(inst, tt), "Conflicts": conflicts_cost(inst, tt),
              "Availability": availability_cost(inst, tt),
              "RoomOccupation": room_occupation_cost(tt)},
        soft={"RoomCapacity": room_capacity_cost(inst, tt),
              "MinWorkingDays": min_working_days_cost(inst, tt),
              "CurriculumCompactness": curriculum_compactness_cost(inst, tt),
              "RoomStability": room_stability_cost(tt)})
