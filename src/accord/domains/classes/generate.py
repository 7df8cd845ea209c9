"""``accord generate classes``: a seeded faculty, feasible by construction.

Students choose disciplines; groups are formed from their choices as the importer forms
them (``students.py``); then a timetable is **planted**: every class of every group on a
two-hour slot of the week (08:00, 10:00, ... 18:00, Monday to Friday), with a professor
able to teach it (when all are full, a full-time professor with classes to spare learns
it), free, within its maximum and available, in a free classroom of the
right kind that seats the group. A group whose classes cannot all be planted is left out
with its students' choice of that discipline. The scenario is derived from what was
planted: each professor's minimum of classes is at most what it was given, its maximum at
least, its unavailable days avoid its classes; so a timetable meeting every hard
constraint and every group's goal exists (``central`` can reach goal achievement 1).

A quarter of the professors are part-time: at most 8 classes and two days a week away.
Every professor prefers the mornings (08:00-14:00) or the afternoons (14:00-20:00).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from accord.domains.classes.scenario import (
    ClassesScenario,
    Classroom,
    Discipline,
    Group,
    Kind,
    Professor,
    ProfessorPrivate,
    Week,
    Window,
)
from accord.domains.classes.students import Choice, form_groups, students_of
from accord.domains.classes.timetable import Lesson, lesson_at
from accord.model.errors import AccordError

LENGTH = 120
FULL_MAX, PART_MAX = 20, 8


@dataclass(frozen=True)
class Faculty:
    """A generated scenario and the timetable planted in it (each group's lessons)."""

    scenario: ClassesScenario
    planted: dict[str, list[Lesson]]


def faculty(students: int = 200, disciplines: int = 20, professors: int = 10,
            classrooms: int = 6, seed: int = 1, group_size: int = 20, choices: int = 4,
            time_limit: float = 60.0, seat_at_run_time: bool = False) -> Faculty:
    """A seeded faculty and a timetable that meets every hard constraint and goal
    (``seat_at_run_time``: with the students' choices, for the coordinator of ``classes``
    to seat them in the groups at run time)."""
    rng = random.Random(seed)
    week = Week()
    per_day = week.steps_per_day
    slot_steps = LENGTH // week.step
    starts = [d * per_day + s for d in range(len(week.days))
              for s in range(0, per_day - slot_steps + 1, slot_steps)]
    labs = classrooms // 5 if classrooms >= 2 else 0
    rooms = ([Classroom(id=f"R{i + 1:02d}", capacity=rng.choice(
        (group_size, group_size + 10, 2 * group_size))) for i in range(classrooms - labs)]
        + [Classroom(id=f"L{i + 1:02d}", capacity=group_size, kind="lab")
           for i in range(labs)])
    codes = [f"D{i + 1:03d}" for i in range(disciplines)]
    discs = {c: Discipline(code=c, name=f"Discipline {c[1:]}",
                           class_minutes=rng.choice((LENGTH, LENGTH, 2 * LENGTH)),
                           lab_minutes=LENGTH if labs and rng.random() < 0.3 else 0)
             for c in codes}
    pids = [f"P{i + 1:02d}" for i in range(professors)]
    part = set(rng.sample(pids, professors // 4))
    teach: dict[str, list[str]] = {p: [] for p in pids}
    order = pids[:]
    rng.shuffle(order)
    for i, c in enumerate(codes):
        teach[order[i % professors]].append(c)
        if professors > 1 and rng.random() < 0.5:
            other = rng.choice([p for p in pids if c not in teach[p]])
            teach[other].append(c)
    for p in pids:
        if not teach[p]:
            teach[p].append(rng.choice(codes))
    away = {p: sorted(rng.sample(range(len(week.days)), min(2, len(week.days) - 1)))
            for p in sorted(part)}
    cap = {p: PART_MAX if p in part else FULL_MAX for p in pids}
    careers = [f"C{k + 1}" for k in range(max(1, disciplines // 10))]
    picks = min(choices, disciplines)
    chosen = [Choice(f"S{s + 1:04d}", careers[s % len(careers)], c)
              for s in range(students) for c in rng.sample(codes, picks)]
    groups = form_groups(chosen, group_size)
    teachers = {c: [p for p in pids if c in teach[p]] for c in codes}

    busy: set[tuple[str, int]] = set()
    given = dict.fromkeys(pids, 0)
    plant: dict[str, list[tuple[str, str, Kind, int]]] = {}
    kept: list[Group] = []
    rng.shuffle(groups)
    for g in groups:
        d = discs[g.disciplines[0]]
        lectures: list[Kind] = ["lecture"] * (d.class_minutes // LENGTH)
        labs_: list[Kind] = ["lab"] * (d.lab_minutes // LENGTH)
        need = lectures + labs_
        taken: list[tuple[str, str, Kind, int]] = []  # (professor, room, kind, start)
        for kind in need:
            spot = _spot(rng, starts, slot_steps, per_day, g, kind, teachers[d.code], rooms,
                         busy, given, cap, away)
            if spot is None:  # its teachers are full: one more professor learns it
                others = [p for p in pids if p not in teachers[d.code] and p not in part]
                spot = _spot(rng, starts, slot_steps, per_day, g, kind, others, rooms, busy,
                             given, cap, away)
                if spot is None:
                    break
                teach[spot[0]].append(d.code)
                teachers[d.code].append(spot[0])
            p, r, s = spot
            taken.append((p, r, kind, s))
            given[p] += 1
            for t in range(s, s + slot_steps):
                busy.update({(g.id, t), (p, t), (r, t)})
        if len(taken) < len(need):  # undo: the group is left out
            for p, r, _, s in taken:
                given[p] -= 1
                for t in range(s, s + slot_steps):
                    busy.difference_update({(g.id, t), (p, t), (r, t)})
            continue
        kept.append(g)
        plant[g.id] = taken
    if not kept:
        raise AccordError("generate classes: no group could be given its classes (more "
                          "professors or classrooms?)")
    kept.sort(key=lambda g: g.id)
    profs = []
    for p in pids:
        mornings = rng.random() < 0.5
        preferred = [Window(start=8 * 60 if mornings else 14 * 60,
                            end=14 * 60 if mornings else 20 * 60)]
        unavailable = [Window(day=week.days[d], start=week.opening, end=week.closing)
                       for d in away.get(p, [])]
        profs.append(Professor(
            id=p, full_time=p not in part, can_teach=teach[p],
            min_classes=min(2, given[p]) if p not in part else 0, max_classes=cap[p],
            private=ProfessorPrivate(preferred=preferred, unavailable=unavailable)))
    used = {c for g in kept for c in g.disciplines}
    sc = ClassesScenario(
        name=f"classes-{students}-{disciplines}-{professors}-{classrooms}-s{seed}",
        description=(f"generated faculty: {students} students, {len(kept)} groups of at "
                     f"most {group_size} ({len(groups) - len(kept)} left out), "
                     f"{disciplines} disciplines ({len(used)} chosen), "
                     f"{professors} professors ({len(part)} part-time), {classrooms} "
                     f"classrooms ({labs} labs); seed {seed}"),
        seed=seed, protocol="central",
        protocol_options={"central": {"time_limit": time_limit, "workers": 1}},
        week=week, class_length=LENGTH, disciplines=list(discs.values()),
        groups=kept, professors=profs, classrooms=rooms,
        students=students_of(c for c in chosen if c.discipline in used) if seat_at_run_time
        else [])
    code = {g.id: g.disciplines[0] for g in kept}
    return Faculty(sc, {g: [lesson_at(sc, code[g], k, p, r, s, LENGTH) for p, r, k, s in taken]
                        for g, taken in sorted(plant.items())})


def _spot(rng: random.Random, starts: list[int], slot_steps: int, per_day: int, g: Group,
          kind: Kind, teachers: list[str], rooms: list[Classroom],
          busy: set[tuple[str, int]], given: dict[str, int], cap: dict[str, int],
          away: dict[str, list[int]]) -> tuple[str, str, int] | None:
    """A free (professor, room, start) for one class of the group, or None."""
    fits = [r.id for r in sorted(rooms, key=lambda r: (r.capacity, r.id))
            if r.kind == kind and r.capacity >= g.students]
    order = starts[:]
    rng.shuffle(order)
    for s in order:
        span = range(s, s + slot_steps)
        if any((g.id, t) in busy for t in span):
            continue
        day = s // per_day
        for p in sorted(teachers, key=lambda q: (given[q], q)):
            if given[p] >= cap[p] or day in away.get(p, ()) or any(
                    (p, t) in busy for t in span):
                continue
            room = next((r for r in fits if not any((r, t) in busy for t in span)), None)
            if room is not None:
                return p, room, s
    return None


def generate(students: int = 200, disciplines: int = 20, professors: int = 10,
             classrooms: int = 6, seed: int = 1, group_size: int = 20, choices: int = 4,
             time_limit: float = 60.0, seat_at_run_time: bool = False) -> ClassesScenario:
    """A seeded faculty scenario, feasible by construction."""
    return faculty(students, disciplines, professors, classrooms, seed, group_size, choices,
                   time_limit, seat_at_run_time).scenario
