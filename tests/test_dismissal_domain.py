"""The dismissal domain: official cost and violations, local and central models."""

from __future__ import annotations

from accord.contract import SolveContext
from accord.domains.dismissal import DOMAIN
from accord.domains.dismissal.central import solve_central
from accord.domains.dismissal.evaluate import evaluate
from accord.domains.dismissal.generate import generate
from accord.domains.dismissal.local import ClassroomProblem
from accord.domains.dismissal.model import plan_of
from accord.domains.dismissal.scenario import (
    Bottleneck,
    Classroom,
    ClassroomPrivate,
    DismissalScenario,
)


def _sc(*rooms: tuple[int, ClassroomPrivate], per_minute: int = 40) -> DismissalScenario:
    return DismissalScenario(
        name="t", bottlenecks=[Bottleneck(id="B", capacity_per_minute=per_minute,
                                          batch_minutes=2)],
        classrooms=[Classroom(id=f"C{i}", attendance=a, private=p)
                    for i, (a, p) in enumerate(rooms, 1)])


def test_cost_is_student_minutes_displaced():
    sc = _sc((60, ClassroomPrivate()), (45, ClassroomPrivate()))
    plans = {"C1": plan_of(sc, sc.classrooms[0], {0: 20, -2: 40}),
             "C2": plan_of(sc, sc.classrooms[1], {6: 45})}
    ev = evaluate(sc, plans)
    assert ev.cost == 40 * 2 + 45 * 6
    assert ev.breakdown == {"student_minutes_displaced": 350}
    assert ev.hard_violations == 0


def test_violations_count_students_over_capacity_and_broken_private_limits():
    sc = _sc((60, ClassroomPrivate(may_split=False, acceptable_offsets=[0, 2])),
             (45, ClassroomPrivate()))
    plans = {"C1": plan_of(sc, sc.classrooms[0], {0: 50, -2: 10}),
             "C2": plan_of(sc, sc.classrooms[1], {0: 40})}
    ev = evaluate(sc, plans)
    assert ev.hard_breakdown == {"over_capacity": 10, "not_dismissed": 5,
                                 "unacceptable_offset": 10, "forbidden_split": 60}
    assert ev.hard_violations == 85


def test_local_problem_respects_caps_limits_and_split():
    sc = _sc((60, ClassroomPrivate(acceptable_offsets=[0, 2, 4])))
    p = ClassroomProblem(sc, sc.classrooms[0])
    plan = p.solve(SolveContext(caps={("B", 0): 25, ("B", 1): 30, ("B", 2): 80}))
    assert plan is not None
    assert plan.assignment == {"0": 25, "2": 30, "4": 5}
    assert plan.cost == 30 * 2 + 5 * 4
    nosplit = _sc((60, ClassroomPrivate(may_split=False)))
    q = ClassroomProblem(nosplit, nosplit.classrooms[0])
    assert q.solve(SolveContext(caps={("B", 0): 59, ("B", -1): 59, ("B", 1): 59,
                                      ("B", -2): 59, ("B", 2): 59, ("B", -3): 59,
                                      ("B", 3): 60})).assignment == {"6": 60}
    assert q.solve(SolveContext(caps={("B", 0): 10})) is None
    soft = q.solve(SolveContext(caps={("B", 0): 10}, soft_caps=True))
    assert soft is not None and soft.assignment == {"0": 60}


def test_anchor_breaks_ties_toward_last_plan():
    sc = _sc((40, ClassroomPrivate(reluctance=2.0)))
    p = ClassroomProblem(sc, sc.classrooms[0])
    caps = {("B", k): 80 for k in (-1, 1, 2, -2)}
    for side in (-2, 2):
        anchor = plan_of(sc, sc.classrooms[0], {side: 40})
        assert p.solve(SolveContext(caps=caps, anchor=anchor)).assignment == {str(side): 40}


def test_central_seed_optimum_is_520(seed_scenario):
    res = solve_central(seed_scenario, time_limit=10, seed=1, workers=1)
    assert res.optimal
    assert evaluate(seed_scenario, res.plans).cost == 520
    assert evaluate(seed_scenario, res.plans).hard_violations == 0


def test_generator_is_seeded_and_feasible():
    a, b = generate(50, 2, seed=7), generate(50, 2, seed=7)
    assert a == b and a != generate(50, 2, seed=8)
    res = DOMAIN.central(a, time_limit=20, seed=1, workers=1)
    assert DOMAIN.evaluate(a, res.plans).hard_violations == 0
    assert {c.bottleneck for c in a.classrooms} == {"B1", "B2"}
