"""The official measure of merged class plans: one function per constraint.

Hard violations are counted in classes, except clashes and excess minutes, counted in
steps. The cost has two parts: ``preferences`` (each step of a class outside its
professor's preferred times costs the professor's weight) and ``unplaced`` (each step of
a required class left unplaced costs ``unplaced_weight``: more than preferences can ever
cost, so a plan that places more always costs less). A group short of its required
minutes is thus not a hard violation but the goal left unachieved, reported by
``goal_achievement`` (the share of required minutes placed) and priced first in the cost:
the fehu scenario cannot reach it (docs/classes.md), and the measure must still say which
plan comes closest. A group given more than it needs is a hard violation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass

from accord.contract import Evaluation
from accord.domains.classes.scenario import ClassesScenario, Kind
from accord.domains.classes.timetable import Booked, Lesson, assignment, booked, usage_of
from accord.model.plan import Plan

Goal = tuple[str, str, Kind]
"""(group, discipline, kind)."""


def known(sc: ClassesScenario, bs: Iterable[Booked]) -> list[Booked]:
    """The classes of a known group naming a known discipline, professor and classroom."""
    groups, codes = {g.id for g in sc.groups}, {d.code for d in sc.disciplines}
    profs, rooms = {p.id for p in sc.professors}, {r.id for r in sc.classrooms}
    return [b for b in bs if b.group in groups and b.lesson.discipline in codes
            and b.lesson.professor in profs and b.lesson.classroom in rooms]


def unknown(sc: ClassesScenario, bs: list[Booked]) -> int:
    """Every class belongs to a known group and names a known discipline, professor and
    classroom: classes that do not (they are left out of every other count)."""
    return len(bs) - len(known(sc, bs))


def _clash(bs: Iterable[Booked], who: Callable[[Lesson, str], Hashable]) -> int:
    at = Counter((who(b.lesson, b.group), s) for b in bs for s in b.steps or ())
    return sum(n - 1 for n in at.values() if n > 1)


def group_clash(bs: list[Booked]) -> int:
    """No group is in two classes at once: per group and step, classes beyond the first."""
    return _clash(bs, lambda x, g: g)


def professor_clash(bs: list[Booked]) -> int:
    """No professor is in two classes at once: per professor and step, classes beyond the
    first."""
    return _clash(bs, lambda x, g: x.professor)


def classroom_clash(bs: list[Booked]) -> int:
    """No classroom holds two classes at once: per classroom and step, classes beyond the
    first."""
    return _clash(bs, lambda x, g: x.classroom)


def classroom_too_small(sc: ClassesScenario, bs: list[Booked]) -> int:
    """A classroom seats the whole group: classes in a room with fewer seats than the
    group has students."""
    seats = {r.id: r.capacity for r in sc.classrooms}
    students = {g.id: g.students for g in sc.groups}
    return sum(1 for b in bs if seats[b.lesson.classroom] < students[b.group])


def classroom_kind(sc: ClassesScenario, bs: list[Booked]) -> int:
    """Lectures are held in lecture rooms and labs in labs: classes in a room of the other
    kind."""
    kind = {r.id: r.kind for r in sc.classrooms}
    return sum(1 for b in bs if kind[b.lesson.classroom] != b.lesson.kind)


def outside_hours(bs: list[Booked]) -> int:
    """Every class lies within opening hours on a day of the week and starts on a step:
    classes that do not."""
    return sum(1 for b in bs if b.steps is None)


def class_length(sc: ClassesScenario, bs: list[Booked]) -> int:
    """Every class lasts its discipline's class length: classes that do not."""
    return sum(1 for b in bs
               if b.lesson.minutes != sc.length_of(sc.discipline(b.lesson.discipline)))


def cannot_teach(sc: ClassesScenario, bs: list[Booked]) -> int:
    """A professor teaches only the disciplines it can: classes of another discipline."""
    can = {p.id: set(p.can_teach) for p in sc.professors}
    return sum(1 for b in bs if b.lesson.discipline not in can[b.lesson.professor])


def professor_unavailable(sc: ClassesScenario, bs: list[Booked]) -> int:
    """No professor teaches at its unavailable times: classes that overlap them."""
    away = {p.id: sc.unavailable_steps(p) for p in sc.professors}
    return sum(1 for b in bs if away[b.lesson.professor] & set(b.steps or ()))


def placed_minutes(bs: Iterable[Booked]) -> Counter[Goal]:
    """Minutes placed per (group, discipline, kind)."""
    out: Counter[Goal] = Counter()
    for b in bs:
        out[b.group, b.lesson.discipline, b.lesson.kind] += b.lesson.minutes
    return out


def required_minutes(sc: ClassesScenario, groups: Iterable[str] | None = None) -> dict[Goal, int]:
    """Minutes required per (group, discipline, kind), of every group or of ``groups``."""
    wanted = None if groups is None else set(groups)
    return {(g.id, c, k): n for g in sc.groups if wanted is None or g.id in wanted
            for (c, k), n in sc.required(g).items()}


def over_goal(sc: ClassesScenario, bs: list[Booked]) -> int:
    """No group gets more minutes of a discipline and kind than it needs (none of a
    discipline it did not choose): steps beyond the requirement."""
    need = required_minutes(sc)
    return sum(-(-max(0, n - need.get(key, 0)) // sc.week.step)
               for key, n in placed_minutes(bs).items())


def below_min_classes(sc: ClassesScenario, bs: list[Booked]) -> int:
    """Every professor holds at least its minimum of classes: classes short of it."""
    n = Counter(b.lesson.professor for b in bs)
    return sum(max(0, p.min_classes - n[p.id]) for p in sc.professors)


def above_max_classes(sc: ClassesScenario, bs: list[Booked]) -> int:
    """No professor holds more than its maximum of classes: classes beyond it."""
    n = Counter(b.lesson.professor for b in bs)
    return sum(max(0, n[p.id] - p.max_classes) for p in sc.professors
               if p.max_classes is not None)


def outside_preferred(sc: ClassesScenario) -> dict[str, tuple[int, set[int]]]:
    """Per professor with preferred times and a weight: the weight and the steps of the
    week outside its preferred times (what a class there costs it per step)."""
    week = set(range(len(sc.week.days) * sc.week.steps_per_day))
    return {p.id: (p.private.weight, week - preferred) for p in sc.professors
            if (preferred := sc.preferred_steps(p)) is not None and p.private.weight}


def preferences(sc: ClassesScenario, bs: list[Booked],
                away: dict[str, tuple[int, set[int]]] | None = None) -> int:
    """Soft: classes at a professor's non-preferred times, per step, times its weight (a
    professor without preferred times prefers no time over another; ``away``: the
    scenario's ``outside_preferred``, when already at hand)."""
    away = outside_preferred(sc) if away is None else away
    return sum(w * len(out.intersection(b.steps or ())) for b in bs
               for w, out in [away.get(b.lesson.professor, (0, set()))])


def unplaced_weight(sc: ClassesScenario) -> int:
    """The cost of a step of a required class left unplaced: one more than preferences
    could ever cost (every required step at the highest weight of a professor with
    preferred times)."""
    weight = max((p.private.weight for p in sc.professors if p.private.preferred), default=0)
    steps = sum(required_minutes(sc).values()) // sc.week.step
    return 1 + weight * steps


def missing_minutes(sc: ClassesScenario, plans: Mapping[str, Plan],
                    groups: Iterable[str] | None = None) -> dict[Goal, int]:
    """Required minutes not placed, per (group, discipline, kind) still short."""
    placed = placed_minutes(known(sc, booked(sc, plans)))
    return {k: n - placed[k] for k, n in required_minutes(sc, groups).items() if placed[k] < n}


def unplaced(sc: ClassesScenario, plans: Mapping[str, Plan],
             groups: Iterable[str] | None = None, weight: int | None = None) -> int:
    """Soft, first: the required steps left unplaced, times ``unplaced_weight`` (``weight``,
    when already at hand)."""
    step = sc.week.step
    weight = unplaced_weight(sc) if weight is None else weight
    return weight * sum(-(-n // step) for n in missing_minutes(
        sc, plans, groups).values())


def goal_achievement(sc: ClassesScenario, plans: Mapping[str, Plan]) -> float:
    """The metric: the share of required minutes placed (1 when nothing is required)."""
    need = sum(required_minutes(sc).values())
    return 1 - sum(missing_minutes(sc, plans).values()) / need if need else 1.0


def total_utility(sc: ClassesScenario, plans: Mapping[str, Plan]) -> float:
    """The timetable's utility on the document's scale, in [0, 1]: the mean over required
    steps of the document's utility of a class to its professor, with Δgoal 1 and the
    weighted priority 1 (every required class counts alike), the weights 0.5 each: a step
    placed in its professor's preferred times (or of one without) is worth 1, one outside
    them 0.5, one unplaced 0. Only steps within the required minutes count."""
    step = sc.week.step
    need = sum(-(-n // step) for n in required_minutes(sc).values())
    if not need:
        return 1.0
    away = outside_preferred(sc)
    left = {k: -(-n // step) for k, n in required_minutes(sc).items()}
    worth = 0.0
    for b in known(sc, booked(sc, plans)):
        key = (b.group, b.lesson.discipline, b.lesson.kind)
        out = away.get(b.lesson.professor, (0, set()))[1]
        for s in b.steps or ():
            if left.get(key, 0) > 0:
                left[key] -= 1
                worth += 0.5 if s in out else 1.0
    return worth / need


def evaluate(sc: ClassesScenario, plans: Mapping[str, Plan]) -> Evaluation:
    """Hard violations and official cost of the merged plans."""
    every = booked(sc, plans)
    bs = known(sc, every)
    hard = {
        "unknown": unknown(sc, every), "group_clash": group_clash(bs),
        "professor_clash": professor_clash(bs), "classroom_clash": classroom_clash(bs),
        "classroom_too_small": classroom_too_small(sc, bs),
        "classroom_kind": classroom_kind(sc, bs), "outside_hours": outside_hours(bs),
        "class_length": class_length(sc, bs), "cannot_teach": cannot_teach(sc, bs),
        "professor_unavailable": professor_unavailable(sc, bs),
        "over_goal": over_goal(sc, bs), "below_min_classes": below_min_classes(sc, bs),
        "above_max_classes": above_max_classes(sc, bs)}
    soft = {"preferences": preferences(sc, bs), "unplaced": unplaced(sc, plans)}
    return Evaluation(hard_violations=sum(hard.values()), cost=sum(soft.values()),
                      breakdown=soft, hard_breakdown=hard)


@dataclass(frozen=True)
class Prices:
    """What the official cost reads of a whole scenario, worked out once for many plans:
    ``unplaced_weight`` and ``outside_preferred``."""

    unplaced: int
    away: dict[str, tuple[int, set[int]]]


def prices(sc: ClassesScenario) -> Prices:
    """The scenario's prices."""
    return Prices(unplaced_weight(sc), outside_preferred(sc))


def plan_of(sc: ClassesScenario, group: str, lessons: Iterable[Lesson],
            priced: Prices | None = None) -> Plan:
    """A group's plan holding ``lessons``: its share of the official cost (the preference
    cost of its classes and its own unplaced steps) and its usage (``priced``: the
    scenario's ``prices``, when pricing many plans)."""
    xs = list(lessons)
    priced = prices(sc) if priced is None else priced
    plan = Plan(agent=group, assignment=assignment(sc, xs), cost=0, usage=usage_of(sc, xs))
    bs = known(sc, booked(sc, {group: plan}))
    soft = {"preferences": preferences(sc, bs, priced.away),
            "unplaced": unplaced(sc, {group: plan}, [group], priced.unplaced)}
    return plan.model_copy(update={"cost": sum(soft.values()), "breakdown": soft})
