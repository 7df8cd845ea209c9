"""The central model: one CP-SAT model choosing, for every class each group needs, whether
it is placed and, if so, its professor, start and classroom.

Hard constraints are constraints: a class gets only a professor who can teach its
discipline and a classroom of its kind that seats its group, starts on a step and ends by
closing on the same day; no group, professor or classroom holds two classes at once; no
professor teaches at its unavailable times, nor fewer or more classes than its minimum
and maximum. The objective is exactly the official cost (``evaluate``): ``unplaced`` (each
step of a class left unplaced at ``unplaced_weight``, more than preferences can ever cost)
plus ``preferences``. So where every class fits, the optimum places all of them at the
least preference cost; where they cannot all fit (the fehu scenario), it places as many
required minutes as possible first, then minimises the preference cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from accord.contract import CentralResult
from accord.domains.classes.evaluate import outside_preferred, plan_of, unplaced_weight
from accord.domains.classes.scenario import ClassesScenario, Group, Kind
from accord.domains.classes.timetable import Lesson, lesson_at
from accord.model.errors import AccordError
from accord.solve.cpsat import solve_or_explain


@dataclass(frozen=True)
class Wanted:
    """The ``index``-th class of a group's discipline and kind, of ``steps`` steps."""

    group: Group
    discipline: str
    kind: Kind
    index: int
    steps: int
    minutes: int


def wanted(sc: ClassesScenario) -> list[Wanted]:
    """Every class the groups need, in the scenario's order."""
    out = []
    for g in sc.groups:
        for (code, kind), minutes in sc.required(g).items():
            length = sc.length_of(sc.discipline(code))
            out += [Wanted(g, code, kind, i, length // sc.week.step, length)
                    for i in range(minutes // length)]
    return out


def meetable(sc: ClassesScenario, classes: list[Wanted]) -> None:
    """Cheap necessary conditions of a timetable with no hard violation, each a one-line
    AccordError naming what cannot be met: a professor's min_classes among the classes of
    the disciplines she teaches, and all professors' min_classes among all classes."""
    for p in sc.professors:
        mine = sum(w.discipline in p.can_teach for w in classes)
        if p.min_classes > mine:
            raise AccordError(f"professor {p.id}: min_classes {p.min_classes}, the groups "
                              f"need {mine} of the disciplines {p.id} teaches")
    least = sum(p.min_classes for p in sc.professors)
    if least > len(classes):
        raise AccordError(f"professors: min_classes add up to {least}, the groups need "
                          f"{len(classes)} in all")


def _runs(steps: set[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive steps as (first, length)."""
    out: list[tuple[int, int]] = []
    for s in sorted(steps):
        if out and out[-1][0] + out[-1][1] == s:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((s, 1))
    return out


def solve_central(sc: ClassesScenario, *, time_limit: float, seed: int,
                  workers: int) -> CentralResult:
    """The official optimum (or the best found within ``time_limit``).

    Per class: whether it is placed, its start (a step of the week from which it ends by
    closing on the same day), a professor ``x`` and a classroom ``z`` among those that
    fit, each an optional interval in that professor's or room's no-overlap (with the
    professor's unavailable times as fixed intervals there). Where a professor has
    preferred times, the class's start is also a set of booleans, and each (professor,
    start) that costs something is one more boolean, both or neither."""
    m = cp_model.CpModel()
    n, days = sc.week.steps_per_day, len(sc.week.days)
    away = outside_preferred(sc)
    classes = wanted(sc)
    meetable(sc, classes)
    placed, start = [], []
    x: dict[tuple[int, str], cp_model.IntVar] = {}
    z: dict[tuple[int, str], cp_model.IntVar] = {}
    busy: dict[str, list[cp_model.IntervalVar]] = {}  # by group, professor or classroom
    cost: list[tuple[cp_model.LinearExprT, int]] = []
    weight = unplaced_weight(sc)
    for c, w in enumerate(classes):
        on = m.new_bool_var(f"placed_{c}")
        starts = [d * n + t for d in range(days) for t in range(n - w.steps + 1)]
        s = m.new_int_var_from_domain(cp_model.Domain.from_values(starts), f"start_{c}")
        placed.append(on)
        start.append(s)
        busy.setdefault("group:" + w.group.id, []).append(
            m.new_optional_fixed_size_interval_var(s, w.steps, on, f"g_{c}"))
        cost.append((1 - on, weight * w.steps))
        profs = [p.id for p in sc.professors if w.discipline in p.can_teach]
        rooms = [r.id for r in sc.classrooms
                 if r.kind == w.kind and r.capacity >= w.group.students]
        for key, ids, var in (("professor:", profs, x), ("classroom:", rooms, z)):
            for i in ids:
                var[c, i] = m.new_bool_var(f"{key}{c}_{i}")
                busy.setdefault(key + i, []).append(
                    m.new_optional_fixed_size_interval_var(s, w.steps, var[c, i], f"{i}_{c}"))
            m.add(cp_model.LinearExpr.sum([var[c, i] for i in ids]) == on)
        priced = [p for p in profs if p in away]
        if priced:
            at = {t: m.new_bool_var(f"at_{c}_{t}") for t in starts}
            m.add(cp_model.LinearExpr.sum(list(at.values())) == on)
            m.add(s == cp_model.LinearExpr.weighted_sum(list(at.values()), list(at)))
            for pid in priced:
                wt, out = away[pid]
                for t, b in at.items():
                    if price := wt * len(out.intersection(range(t, t + w.steps))):
                        both = m.new_bool_var(f"pref_{c}_{pid}_{t}")
                        m.add_bool_and([x[c, pid], b]).only_enforce_if(both)
                        m.add_bool_or([x[c, pid].Not(), b.Not(), both])
                        cost.append((both, price))
    _order(m, classes, placed, start)
    for p in sc.professors:
        for first, length in _runs(sc.unavailable_steps(p)):
            busy.setdefault("professor:" + p.id, []).append(
                m.new_fixed_size_interval_var(first, length, f"away_{p.id}_{first}"))
        taught = [v for (_, i), v in x.items() if i == p.id]
        m.add(cp_model.LinearExpr.sum(taught) >= p.min_classes)
        if p.max_classes is not None:
            m.add(cp_model.LinearExpr.sum(taught) <= p.max_classes)
    for intervals in busy.values():
        m.add_no_overlap(intervals)
    m.minimize(cp_model.LinearExpr.weighted_sum([e for e, _ in cost], [k for _, k in cost]))
    solved = solve_or_explain(m, "timetable", time_limit=time_limit, seed=seed, workers=workers)
    v = solved.solver.value
    lessons: dict[str, list[Lesson]] = {g.id: [] for g in sc.groups}
    for c, w in enumerate(classes):
        if v(placed[c]):
            prof = next(i for (k, i), b in x.items() if k == c and v(b))
            room = next(i for (k, i), b in z.items() if k == c and v(b))
            lessons[w.group.id].append(lesson_at(sc, w.discipline, w.kind, prof, room,
                                                 v(start[c]), w.minutes))
    plans = {g: plan_of(sc, g, xs) for g, xs in lessons.items()}
    return CentralResult(plans=plans, optimal=solved.optimal, bound=solved.bound)


def _order(m: cp_model.CpModel, classes: list[Wanted], placed: list[cp_model.IntVar],
           start: list[cp_model.IntVar]) -> None:
    """Classes of one group, discipline and kind are interchangeable: place them in order
    (the first ones first, each starting after the one before ends)."""
    for c in range(1, len(classes)):
        a, b = classes[c - 1], classes[c]
        if (a.group.id, a.discipline, a.kind) == (b.group.id, b.discipline, b.kind):
            m.add_implication(placed[c], placed[c - 1])
            m.add(start[c - 1] + a.steps <= start[c]).only_enforce_if(placed[c])
