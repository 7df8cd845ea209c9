"""Split one instance into departments that share every room.

Deterministic and realistic: all courses of a teacher stay in one department, department
sizes (in weekly lectures) stay within ±40 % of the mean, and the number of curricula
whose courses fall in several departments is minimised (CP-SAT, one worker, a
deterministic work limit, so the split is the same on every machine).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from accord.domains.university.instance import Instance
from accord.domains.university.scenario import (
    CourseSpec,
    CurriculumSpec,
    Department,
    DepartmentPrivate,
    RoomSpec,
    Unavailable,
    UniversityScenario,
)
from accord.model.errors import AccordError
from accord.solve.cpsat import solve_model


def teacher_groups(inst: Instance) -> list[list[str]]:
    """Courses grouped by teacher, in the order of first appearance."""
    groups: dict[str, list[str]] = {}
    for c in inst.courses:
        groups.setdefault(c.teacher, []).append(c.id)
    return list(groups.values())


def split(inst: Instance, k: int, *, name: str | None = None, seed: int = 0,
          work: float = 5.0) -> tuple[UniversityScenario, int]:
    """A scenario of ``k`` departments, and how many curricula cross departments."""
    groups = teacher_groups(inst)
    if not 1 <= k <= len(groups):
        raise AccordError(f"--departments must be between 1 and {len(groups)} (the number "
                          f"of teachers) for {inst.name}, got {k}")
    group_of = {c: g for g, cs in enumerate(groups) for c in cs}
    size = [sum(inst.course(c).lectures for c in cs) for cs in groups]
    mean = sum(size) / k
    m = cp_model.CpModel()
    a = {(g, d): m.new_bool_var(f"a{g}_{d}") for g in range(len(groups)) for d in range(k)}
    for g in range(len(groups)):
        m.add_exactly_one(a[g, d] for d in range(k))
    m.add(a[0, 0] == 1)
    lo, hi = int(0.6 * mean), int(1.4 * mean) + max(size)
    for d in range(k):
        load = cp_model.LinearExpr.weighted_sum([a[g, d] for g in range(len(groups))], size)
        m.add(load >= lo)
        m.add(load <= hi)
    spans = []
    for qi, q in enumerate(inst.curricula):
        touched = sorted({group_of[c] for c in q.courses})
        for d in range(k):
            s = m.new_bool_var(f"s{qi}_{d}")
            for g in touched:
                m.add(s >= a[g, d])
            spans.append(s)
    m.minimize(cp_model.LinearExpr.sum(spans))
    solved = solve_model(m, time_limit=60, seed=seed, workers=1, deterministic_limit=work)
    if solved is None:
        raise AccordError(f"cannot split {inst.name} into {k} balanced departments")
    dept = {g: next(d for d in range(k) if solved.solver.value(a[g, d])) for g in
            range(len(groups))}
    owner = {c: dept[group_of[c.id]] for c in inst.courses}
    ppd = inst.periods_per_day
    departments = []
    for d in range(k):
        mine = [c for c in inst.courses if owner[c] == d]
        ids = {c.id for c in mine}
        departments.append(Department(
            id=f"D{d + 1}",
            courses=[CourseSpec(id=c.id, teacher=c.teacher, lectures=c.lectures,
                                min_working_days=c.min_working_days, students=c.students)
                     for c in mine],
            private=DepartmentPrivate(unavailability=[
                Unavailable(course=c, day=p // ppd, period=p % ppd)
                for c, p in sorted(inst.unavailable) if c in ids])))
    crossing = sum(1 for q in inst.curricula
                   if len({owner[inst.course(c)] for c in q.courses}) > 1)
    scenario = UniversityScenario(
        name=name or f"{inst.name}-k{k}", domain="university",
        description=f"{inst.name} split into {k} departments sharing all rooms; "
                    f"{crossing} of {len(inst.curricula)} curricula cross departments",
        source=inst.name, seed=seed, days=inst.days, periods_per_day=ppd,
        rooms=[RoomSpec(id=r.id, capacity=r.capacity) for r in inst.rooms],
        curricula=[CurriculumSpec(id=q.id, courses=list(q.courses)) for q in inst.curricula],
        departments=[d for d in departments if d.courses])
    return scenario, crossing
