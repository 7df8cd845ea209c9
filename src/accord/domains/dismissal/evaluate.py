"""The official measure of merged dismissal plans.

Cost: student-minutes displaced, the sum over classrooms and offsets of students × |offset|.
Hard violations, in students: over a batch's capacity, not dismissed, at an offset the
classroom cannot accept, or split when the classroom may not split.
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.contract import Evaluation
from accord.domains.dismissal.model import usage_key
from accord.domains.dismissal.scenario import DismissalScenario
from accord.model.plan import Key, Plan


def batch_loads(sc: DismissalScenario, plans: Mapping[str, Plan]) -> dict[Key, int]:
    """Students per (bottleneck, batch) in the merged plans."""
    loads: dict[Key, int] = {}
    for c in sc.classrooms:
        plan = plans.get(c.id)
        for o, n in (plan.assignment.items() if plan else ()):
            k = usage_key(sc, c, int(o))
            loads[k] = loads.get(k, 0) + n
    return loads


def evaluate(sc: DismissalScenario, plans: Mapping[str, Plan]) -> Evaluation:
    """Hard violations and official cost of the merged plans."""
    hard = {"over_capacity": 0, "not_dismissed": 0, "unacceptable_offset": 0, "forbidden_split": 0}
    cost = 0
    for c in sc.classrooms:
        plan = plans.get(c.id)
        students = {int(o): n for o, n in plan.assignment.items()} if plan else {}
        hard["not_dismissed"] += abs(c.attendance - sum(students.values()))
        ok = set(sc.acceptable(c))
        hard["unacceptable_offset"] += sum(n for o, n in students.items() if o not in ok)
        if not c.private.may_split and len([n for n in students.values() if n]) > 1:
            hard["forbidden_split"] += c.attendance
        cost += sum(abs(o) * n for o, n in students.items())
    per_batch = {b.id: b.per_batch for b in sc.bottlenecks}
    for (b, _), load in batch_loads(sc, plans).items():
        hard["over_capacity"] += max(0, load - per_batch[b])
    return Evaluation(
        hard_violations=sum(hard.values()),
        cost=cost,
        breakdown={"student_minutes_displaced": cost},
        hard_breakdown=hard,
    )
