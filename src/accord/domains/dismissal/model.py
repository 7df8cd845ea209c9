"""CP-SAT variables of a classroom's dismissal, shared by the local and central models."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from accord.domains.dismissal.scenario import Classroom, DismissalScenario
from accord.model.plan import Key, Plan, UsageEntry


@dataclass
class ClassroomVars:
    """Students per acceptable offset (``count``) and whether each offset is used."""

    classroom: Classroom
    count: dict[int, cp_model.IntVar]
    used: dict[int, cp_model.IntVar]

    def displacement(self) -> cp_model.LinearExprT:
        """Student-minutes displaced: the official cost."""
        offsets = list(self.count)
        return cp_model.LinearExpr.weighted_sum([self.count[o] for o in offsets],
                                                [abs(o) for o in offsets])


def add_classroom(model: cp_model.CpModel, sc: DismissalScenario, c: Classroom) -> ClassroomVars:
    """Variables and local constraints of one classroom: all students leave, at acceptable
    offsets, in one group unless it may split."""
    a = c.attendance
    count, used = {}, {}
    for o in sc.acceptable(c):
        count[o] = model.new_int_var(0, a, f"{c.id}_n{o}")
        used[o] = model.new_bool_var(f"{c.id}_u{o}")
        model.add(count[o] <= a * used[o])
        if not c.private.may_split:
            model.add(count[o] == a * used[o])
    model.add(sum(count.values()) == a)
    if not c.private.may_split:
        model.add_exactly_one(used.values())
    return ClassroomVars(c, count, used)


def usage_key(sc: DismissalScenario, c: Classroom, offset: int) -> Key:
    """The (bottleneck, batch) an offset of this classroom uses."""
    b = sc.bottleneck_of(c)
    return (b.id, b.batch_of(offset))


def read_plan(
    sc: DismissalScenario, v: ClassroomVars, solver: cp_model.CpSolver
) -> Plan:
    """The solved plan of a classroom: students per offset, cost, usage per batch."""
    assignment = {str(o): int(solver.value(x)) for o, x in v.count.items() if solver.value(x)}
    return plan_of(sc, v.classroom, {int(o): n for o, n in assignment.items()})


def plan_of(sc: DismissalScenario, c: Classroom, students: dict[int, int]) -> Plan:
    """A plan from students per offset (the assignment of this domain)."""
    usage: dict[Key, int] = {}
    for o, n in students.items():
        if n:
            k = usage_key(sc, c, o)
            usage[k] = usage.get(k, 0) + n
    cost = sum(abs(o) * n for o, n in students.items())
    return Plan(
        agent=c.id,
        assignment={str(o): n for o, n in sorted(students.items()) if n},
        cost=cost,
        breakdown={"student_minutes_displaced": cost},
        usage=[UsageEntry(resource=r, slot=s, amount=a) for (r, s), a in sorted(usage.items())],
    )
