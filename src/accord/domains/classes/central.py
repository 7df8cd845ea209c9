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

The solve has two stages. The professors' minimums make an empty timetable infeasible,
and on a large faculty (2,000 students) a single solve finds no timetable at all within a
minute; so the first stage minimises only the classes professors lack of their minimum
(an empty timetable is a start), and once none lacks any the second minimises the cost
with the minimums hard, from the first stage's timetable.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from ortools.sat.python import cp_model

from accord.contract import CentralResult
from accord.domains.classes.evaluate import outside_preferred, plan_of, unplaced_weight
from accord.domains.classes.greedy import first_fit
from accord.domains.classes.scenario import ClassesScenario, Group, Kind
from accord.domains.classes.timetable import Lesson, lesson_at
from accord.model.errors import AccordError
from accord.solve.cpsat import Solved, hint_completely, hint_solution, solve_model

QUICK = 0.2
"""The share of the time left that a solve of the whole portfolio gets before large
neighbourhood search from the best timetable takes the rest."""
FIRST_STAGE = 0.3
"""The share of the time limit the first stage may take (it usually ends far sooner: at
the first timetable where no professor lacks a class)."""


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
    placed, start = [], []
    x: dict[tuple[int, str], cp_model.IntVar] = {}
    z: dict[tuple[int, str], cp_model.IntVar] = {}
    busy: dict[str, list[cp_model.IntervalVar]] = {}  # by group, professor or classroom
    cost: list[tuple[cp_model.LinearExprT, int]] = []
    weight = unplaced_weight(sc)
    allowed: list[list[int]] = []
    for c, w in enumerate(classes):
        on = m.new_bool_var(f"placed_{c}")
        starts = [d * n + t for d in range(days) for t in range(n - w.steps + 1)]
        allowed.append(starts)
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
    lacking: list[cp_model.IntVar] = []
    for p in sc.professors:
        for first, length in _runs(sc.unavailable_steps(p)):
            busy.setdefault("professor:" + p.id, []).append(
                m.new_fixed_size_interval_var(first, length, f"away_{p.id}_{first}"))
        taught = [v for (_, i), v in x.items() if i == p.id]
        if p.min_classes:
            short = m.new_int_var(0, p.min_classes, f"short_{p.id}")
            m.add(cp_model.LinearExpr.sum(taught) + short >= p.min_classes)
            lacking.append(short)
        if p.max_classes is not None:
            m.add(cp_model.LinearExpr.sum(taught) <= p.max_classes)
    for intervals in busy.values():
        m.add_no_overlap(intervals)
    fit = first_fit(sc, classes, allowed)
    start_from: list[tuple[cp_model.IntVar, int]] = []
    for c, f in enumerate(fit):
        start_from += [(placed[c], int(f is not None)),
                       (start[c], f.start if f else allowed[c][0])]
        start_from += [(b, int(f is not None and i == f.professor)) for (k, i), b in x.items()
                       if k == c]
        start_from += [(b, int(f is not None and i == f.classroom)) for (k, i), b in z.items()
                       if k == c]
    held = Counter(f.professor for f in fit if f is not None)
    fit_short = sum(max(0, p.min_classes - held[p.id]) for p in sc.professors)
    solved = _stages(m, lacking, cost, start_from, fit_short, time_limit=time_limit,
                     seed=seed, workers=workers)
    lessons: dict[str, list[Lesson]] = {g.id: [] for g in sc.groups}
    if solved is not None:
        v = solved.solver.value
        for c, w in enumerate(classes):
            if v(placed[c]):
                prof = next(i for (k, i), b in x.items() if k == c and v(b))
                room = next(i for (k, i), b in z.items() if k == c and v(b))
                lessons[w.group.id].append(lesson_at(sc, w.discipline, w.kind, prof, room,
                                                     v(start[c]), w.minutes))
    elif fit_short == 0:  # CP-SAT found nothing better in time: the first fit stands
        for w, f in zip(classes, fit, strict=True):
            if f is not None:
                lessons[w.group.id].append(lesson_at(sc, w.discipline, w.kind, f.professor,
                                                     f.classroom, f.start, w.minutes))
    else:
        raise AccordError(f"central: no timetable of {sc.name} found within {time_limit:g} s")
    plans = {g: plan_of(sc, g, xs) for g, xs in lessons.items()}
    return CentralResult(plans=plans, optimal=solved is not None and solved.optimal,
                         bound=solved.bound if solved is not None else 0.0)


def _stages(m: cp_model.CpModel, lacking: list[cp_model.IntVar],
            cost: list[tuple[cp_model.LinearExprT, int]],
            start_from: list[tuple[cp_model.IntVar, int]], fit_short: int, *,
            time_limit: float, seed: int, workers: int) -> Solved | None:
    """Where the first fit leaves a professor short of its minimum, a first stage
    minimises only that shortfall (proven unreachable minimums are an error; where time
    runs out first, that stage's timetable is the answer, its shortfall counted as hard
    violations). Then the cost, with the minimums hard: a short solve of the whole
    portfolio (it proves small faculties optimal), then large neighbourhood search from
    its best timetable or from the first fit for the time left."""
    t0 = time.monotonic()
    first: Solved | None = None
    if fit_short:
        m.minimize(cp_model.LinearExpr.sum(lacking))
        hint_completely(m, start_from)
        first = solve_model(m, time_limit=FIRST_STAGE * time_limit, seed=seed,
                            workers=workers, interleave=True)
        if first is None:
            return None
        if first.solver.objective_value > 0:
            if first.optimal:
                raise AccordError(
                    f"central: no timetable meets every professor's min_classes (proven: at "
                    f"best {first.solver.objective_value:.0f} classes short)")
            return first
    for short in lacking:
        m.add(short == 0)
    m.minimize(cp_model.LinearExpr.weighted_sum([e for e, _ in cost], [k for _, k in cost]))
    left = max(1.0, time_limit - (time.monotonic() - t0))
    quick = solve_model(m, time_limit=QUICK * left, seed=seed, workers=workers,
                        interleave=True)
    if quick is not None and quick.optimal:
        return quick
    best = quick or first
    if best is not None:
        hint_solution(m, best)
        hinted = True
    else:
        hinted = hint_completely(m, start_from)
    left = max(1.0, time_limit - (time.monotonic() - t0))
    rest = solve_model(m, time_limit=left, seed=seed, workers=workers, interleave=True,
                       lns_only=hinted)
    if rest is None or (best is not None
                        and best.solver.objective_value < rest.solver.objective_value):
        return best
    return rest


def _order(m: cp_model.CpModel, classes: list[Wanted], placed: list[cp_model.IntVar],
           start: list[cp_model.IntVar]) -> None:
    """Classes of one group, discipline and kind are interchangeable: place them in order
    (the first ones first, each starting after the one before ends)."""
    for c in range(1, len(classes)):
        a, b = classes[c - 1], classes[c]
        if (a.group.id, a.discipline, a.kind) == (b.group.id, b.discipline, b.kind):
            m.add_implication(placed[c], placed[c - 1])
            m.add(start[c - 1] + a.steps <= start[c]).only_enforce_if(placed[c])
