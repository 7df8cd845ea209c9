"""The central yardstick: the best timetable of every class that one solver finds within
the time limit, by the official cost (``evaluate``; the model in ``model``).

It starts from a first-fit timetable (``greedy``). Where that leaves a professor short of
its minimum, a first stage minimises only the shortfall over the whole model. Then a solve
of the whole model with CP-SAT's full portfolio, for a share of the time (it proves the
fehu scenario and small faculties optimal), and, for the time left, large neighbourhood
search: the classes of a few professors, or of a few groups, are freed and re-solved with
every other class fixed where it is, and the result kept when it costs less. A model of
the whole of a large faculty (2,000 students: 170,000 variables) is more than CP-SAT on
one worker finds a timetable in within a minute, even from a complete hint; its
neighbourhoods are small models it solves in a fraction of a second.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable

from ortools.sat.python import cp_model

from accord.contract import CentralResult
from accord.domains.classes.evaluate import outside_preferred, plan_of, prices, unplaced_weight
from accord.domains.classes.greedy import first_fit
from accord.domains.classes.model import Model, Placed, Wanted, build, starts_of, wanted
from accord.domains.classes.scenario import ClassesScenario
from accord.domains.classes.timetable import Lesson, lesson_at
from accord.model.errors import AccordError
from accord.solve.cpsat import deadline, hint_completely, solve_model

__all__ = ["Wanted", "solve_central", "wanted"]

WHOLE = 0.25
"""The share of the time limit a solve of the whole model gets (the first stage, where
needed, as much again)."""
NEIGHBOURHOOD = 40
"""Classes freed at once: a model CP-SAT solves in well under a second."""
PART_SECONDS = 2.0
"""Wall seconds at most for one neighbourhood."""
FINISH = 0.02
"""The share of the time limit kept for writing the plans after the search (half a
second at 2,000 students)."""

At = dict[int, Placed | None]
Cost = Callable[[int, Placed | None], int]


def solve_central(sc: ClassesScenario, *, time_limit: float, seed: int,
                  workers: int) -> CentralResult:
    """The best timetable found within ``time_limit`` (``optimal`` when proven)."""
    with deadline(time_limit):
        return _solve(sc, time_limit=time_limit, seed=seed, workers=workers)


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


def _solve(sc: ClassesScenario, *, time_limit: float, seed: int,
           workers: int) -> CentralResult:
    t0 = time.monotonic()
    classes = wanted(sc)
    meetable(sc, classes)
    weight, away = unplaced_weight(sc), outside_preferred(sc)

    def cost(c: int, p: Placed | None) -> int:
        w = classes[c]
        if p is None:
            return weight * w.steps
        wt, out = away.get(p.professor, (0, set()))
        return wt * len(out.intersection(range(p.start, p.start + w.steps)))

    at: At = dict(enumerate(first_fit(sc, classes, [starts_of(sc, w) for w in classes])))
    whole = build(sc, classes)
    held = Counter(p.professor for p in at.values() if p is not None)
    if any(held[p.id] < p.min_classes for p in sc.professors):
        at = _meet_minimums(sc, whole, at, WHOLE * time_limit, seed, workers)
    for short in whole.lacking:
        whole.m.add(short == 0)
    whole.m.minimize(whole.objective())
    hint_completely(whole.m, whole.hints(at))
    left = time_limit - (time.monotonic() - t0)
    solved = solve_model(whole.m, time_limit=max(0.5, WHOLE * left), seed=seed,
                         workers=workers, interleave=True, probing=False)
    if solved is not None:
        found = whole.read(solved.solver)
        if sum(cost(c, p) for c, p in found.items()) <= sum(cost(c, p) for c, p in at.items()):
            at = found
        if solved.optimal:
            return _result(sc, classes, at, optimal=True, bound=solved.bound)
    _improve(sc, classes, at, cost, t0 + (1 - FINISH) * time_limit, seed, workers)
    bound = solved.bound if solved is not None else 0.0
    return _result(sc, classes, at, optimal=False, bound=bound)


def _meet_minimums(sc: ClassesScenario, whole: Model, at: At, seconds: float, seed: int,
                   workers: int) -> At:
    """A timetable where no professor lacks a class of its minimum, or an error."""
    whole.m.minimize(cp_model.LinearExpr.sum(whole.lacking))
    hint_completely(whole.m, whole.hints(at))
    first = solve_model(whole.m, time_limit=seconds, seed=seed, workers=workers,
                        interleave=True)
    if first is None or first.solver.objective_value > 0:
        why = "proven" if first is not None and first.optimal else f"none found in {seconds:g} s"
        raise AccordError(f"central: no timetable of {sc.name} meets every professor's "
                          f"min_classes ({why})")
    return whole.read(first.solver)


def _improve(sc: ClassesScenario, classes: list[Wanted], at: At, cost: Cost,
             until: float, seed: int, workers: int) -> None:
    """Large neighbourhood search in place until ``until`` (``time.monotonic``), each
    neighbourhood started only while the time left exceeds what building the last one
    took. A neighbourhood with a class left unplaced is first solved for the classes
    placed alone (CP-SAT proves that in a fraction of the time the whole objective
    takes), then for the official cost with at least as many placed."""
    rng = random.Random(seed)
    turn = 0
    overhead = 0.2
    while (left := until - time.monotonic()) > overhead:
        t = time.monotonic()
        free = _neighbourhood(sc, classes, at, rng, turn)
        turn += 1
        part = build(sc, classes, {c: p for c, p in at.items() if c not in free})
        for short in part.lacking:
            part.m.add(short == 0)
        hints = part.hints({c: at[c] for c in free})
        for var, value in hints:
            part.m.add_hint(var, value)
        overhead = max(0.2, time.monotonic() - t)
        found: At = {}
        if any(at[c] is None for c in free):
            placed = cp_model.LinearExpr.weighted_sum(
                [part.placed[c] for c in free], [classes[c].steps for c in free])
            part.m.maximize(placed)
            solved = solve_model(part.m, time_limit=min(PART_SECONDS, left),
                                 seed=rng.randrange(2**31), workers=workers, probing=False)
            if solved is None:
                continue
            found = part.read(solved.solver)
            part.m.add(placed >= round(solved.solver.objective_value))
            part.m.clear_hints()
            for var, value in part.hints(found):
                part.m.add_hint(var, value)
            left = until - time.monotonic()
        part.m.minimize(part.objective())
        solved = solve_model(part.m, time_limit=max(0.1, min(PART_SECONDS, left)),
                             seed=rng.randrange(2**31), workers=workers, probing=False)
        if solved is not None:
            found = part.read(solved.solver)
        if found and sum(cost(c, p) for c, p in found.items()) < sum(cost(c, at[c])
                                                                     for c in found):
            at.update(found)


def _neighbourhood(sc: ClassesScenario, classes: list[Wanted], at: At, rng: random.Random,
                   turn: int) -> set[int]:
    """About ``NEIGHBOURHOOD`` classes to free: every class left unplaced with the
    classes of its group and of the professors able to teach it (one such class a turn,
    in turns), then the classes of professors (even turns) or groups (odd turns) drawn at
    random."""
    by_prof: dict[str, list[int]] = {}
    by_group: dict[str, list[int]] = {}
    for c, p in at.items():
        by_prof.setdefault(p.professor if p is not None else "", []).append(c)
        by_group.setdefault(classes[c].group.id, []).append(c)
    left = by_prof.get("", [])
    free: set[int] = set(left)
    if left:
        w = classes[left[turn % len(left)]]
        free.update(by_group[w.group.id])
        for prof in _chain(sc, classes, by_prof, w.discipline, rng):
            free.update(by_prof.get(prof, []))
    pools, keys = ((by_prof, [p.id for p in sc.professors]) if turn % 2 == 0
                   else (by_group, sorted(by_group)))
    for k in rng.sample(keys, len(keys)):
        if len(free) >= NEIGHBOURHOOD:
            break
        free.update(pools.get(k, []))
    return free


def _chain(sc: ClassesScenario, classes: list[Wanted], by_prof: dict[str, list[int]],
           discipline: str, rng: random.Random) -> list[str]:
    """Professors whose classes to free for a class of ``discipline`` left unplaced: those
    able to teach it and, where all are at their maximum, a shortest chain (breadth first,
    ties at random) of professors each able to take a class of the one before, to one
    with a class to spare (an augmenting path, as in a matching)."""
    profs = rng.sample(sc.professors, len(sc.professors))
    spare = {p.id: p.max_classes is None or len(by_prof.get(p.id, [])) < p.max_classes
             for p in profs}
    first = [p.id for p in profs if discipline in p.can_teach]
    parent: dict[str, str | None] = dict.fromkeys(first)
    queue = list(first)
    for p in queue:
        if spare[p]:
            chain = [p]
            while (back := parent[chain[-1]]) is not None:
                chain.append(back)
            return first + chain
        for d in dict.fromkeys(classes[c].discipline for c in by_prof.get(p, [])):
            for prof in profs:
                if prof.id not in parent and d in prof.can_teach:
                    parent[prof.id] = p
                    queue.append(prof.id)
    return first


def _result(sc: ClassesScenario, classes: list[Wanted], at: At, *, optimal: bool,
            bound: float) -> CentralResult:
    lessons: dict[str, list[Lesson]] = {g.id: [] for g in sc.groups}
    for c, p in sorted(at.items()):
        if p is not None:
            w = classes[c]
            lessons[w.group.id].append(lesson_at(sc, w.discipline, w.kind, p.professor,
                                                 p.classroom, p.start, w.minutes))
    priced = prices(sc)
    return CentralResult(plans={g: plan_of(sc, g, xs, priced) for g, xs in lessons.items()},
                         optimal=optimal, bound=bound)
