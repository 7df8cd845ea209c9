"""A department's own rules: each penalty counted exactly on a hand-made timetable, the
local solve avoiding it when it is free to (and paying the least when it is not), and
one-line errors for bad rules."""

from __future__ import annotations

import random

import numpy as np
import pytest
import yaml

from accord.app.registry import load_scenario
from accord.app.runner import run_scenario
from accord.contract import Budget, SolveContext
from accord.domains.university.anneal import anneal
from accord.domains.university.anneal.arrays import lectures_of, static_of
from accord.domains.university.anneal.construct import constructed
from accord.domains.university.anneal.cost import CLASH, PRIV, RC, RS, full_cost
from accord.domains.university.anneal.private import private_delta, private_tables
from accord.domains.university.anneal.search import MOVE_MIX, anneal_chunk, start_state
from accord.domains.university.instance import Lecture
from accord.domains.university.local import DepartmentProblem, department_instance
from accord.domains.university.penalties import private_penalty
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.validate import validate
from accord.model.errors import ScenarioError
from tests.conftest import ROOT


def _scenario(rules: list[dict[str, object]], lectures: tuple[int, int] = (2, 2),
              **extra: object) -> UniversityScenario:
    """One department, one room, 2 days × 4 periods; course A taught by T, B by U."""
    return UniversityScenario.model_validate({
        "name": "rules", "domain": "university", "days": 2, "periods_per_day": 4,
        "rooms": [{"id": "R", "capacity": 50}],
        "departments": [{"id": "D", "courses": [
            {"id": "A", "teacher": "T", "lectures": lectures[0], "min_working_days": 1,
             "students": 10},
            {"id": "B", "teacher": "U", "lectures": lectures[1], "min_working_days": 1,
             "students": 10}],
            "private": {"rules": rules}}], **extra})


def _private(sc: UniversityScenario, lectures: list[tuple[str, int, int]]) -> int:
    """The ``Private`` part of the department's cost of ``(course, day, period)``."""
    problem = DepartmentProblem(sc, "D")
    return problem.cost([Lecture(c, "R", d, s) for c, d, s in lectures], {})["Private"]


# rule, lectures per course, a hand-made timetable and its penalty, the least penalty
CASES = {
    "lunch_break": ({"kind": "lunch_break", "periods": [1, 2], "weight": 3}, (2, 2),
                    [("A", 0, 1), ("A", 1, 0), ("B", 0, 2), ("B", 1, 3)], 6, 0),
    "max_daily_lectures": ({"kind": "max_daily_lectures", "teacher": "T", "max": 1,
                            "weight": 5}, (3, 1),
                           [("A", 0, 0), ("A", 0, 1), ("A", 0, 3), ("B", 1, 0)], 10, 5),
    "finish_early": ({"kind": "finish_early", "day": 0, "last_period": 1, "weight": 4},
                     (2, 1), [("A", 0, 2), ("A", 1, 3), ("B", 0, 3)], 8, 0),
    "preparation_gap": ({"kind": "preparation_gap", "teacher": "T", "weight": 2}, (3, 1),
                        [("A", 0, 0), ("A", 0, 1), ("A", 0, 2), ("B", 1, 1)], 4, 0),
    "preferred_periods": ({"kind": "preferred_periods", "teacher": "T", "periods": [0, 1],
                           "weight": 1}, (3, 1),
                          [("A", 0, 2), ("A", 1, 0), ("A", 1, 3), ("B", 0, 0)], 2, 0),
}


@pytest.mark.parametrize("model", ["two-stage", "direct", "anneal"])
@pytest.mark.parametrize("kind", sorted(CASES))
def test_rule_penalty_is_exact_and_the_local_solve_pays_the_least(kind, model):
    """With each CP-SAT model alone (its budget's work 1), and with the two-stage one
    and the annealing (a quarter of it, then 375,000 moves)."""
    rule, lectures, timetable, penalty, least = CASES[kind]
    sc = _scenario([rule], lectures, local_model="direct" if model == "direct" else
                   "two-stage", local_anneal=model == "anneal")
    assert _private(sc, timetable) == penalty
    problem = DepartmentProblem(sc, "D")
    assert problem.anneal == (model == "anneal")
    plan = problem.solve(SolveContext(seed=1, budget=Budget(work=1.0)))
    assert plan is not None
    held = [(c, d * 4 + s) for c, _, d, s in plan.assignment["lectures"]]
    assert plan.breakdown["Private"] == private_penalty(problem.inst.private, held, 4) == least
    assert plan.cost == sum(plan.breakdown.values())
    official = {k: v for k, v in plan.breakdown.items() if k != "Private"}
    assert sum(official.values()) == 0  # the rules cost nothing official here


@pytest.mark.parametrize(("weight", "private", "short"), [(4, 4, 0), (6, 0, 5)])
def test_rule_trades_official_cost_by_its_weight(weight, private, short):
    """A (T) should work both days (MinWorkingDays: 5 a day short) but cannot teach at
    period 0 of day 1, and T would finish on day 1 after period 0: a lecture of A on day
    1 costs ``weight``, skipping day 1 costs 5. The department takes the cheaper."""
    data = _scenario([], (2, 4)).model_dump(mode="json")
    data["departments"][0]["courses"][0]["min_working_days"] = 2
    data["departments"][0]["private"] = {
        "unavailability": [{"course": "A", "day": 1, "period": 0}],
        "rules": [{"kind": "finish_early", "teacher": "T", "day": 1, "last_period": 0,
                   "weight": weight}]}
    plan = DepartmentProblem(UniversityScenario.model_validate(data), "D").solve(
        SolveContext(seed=1))
    assert plan is not None
    assert (plan.breakdown["Private"], plan.breakdown["MinWorkingDays"]) == (private, short)


ERRORS = [
    ({"kind": "lunch_break", "teacher": "Nobody", "periods": [1], "weight": 1},
     r"rules\[1\]\.teacher: department D: Nobody teaches none of its courses"),
    ({"kind": "finish_early", "day": 2, "last_period": 1, "weight": 1},
     r"rules\[1\]\.day: department D: day 2 is outside 0–1"),
    ({"kind": "preferred_periods", "teacher": "T", "periods": [4], "weight": 1},
     r"rules\[1\]\.periods: department D: period 4 is outside 0–3"),
    ({"kind": "preparation_gap", "teacher": "T", "weight": -2},
     r"rules\[1\]\.weight: department D: -2 is negative"),
    ({"kind": "lunch_break", "periods": [0], "weight": 10**12},
     r"rules\[1\]\.weight: department D: 1000000000000 is above 1000000000"),
    ({"kind": "max_daily_lectures", "teacher": "T", "max": -1, "weight": 1},
     r"rules\[1\]\.max: department D: -1 is negative"),
]


@pytest.mark.parametrize(("rule", "message"), ERRORS,
                         ids=[f"{i}-{e[0]['kind']}" for i, e in enumerate(ERRORS)])
def test_bad_rule_is_one_line_naming_department_rule_and_field(rule, message, tmp_path):
    ok = {"kind": "preparation_gap", "teacher": "U", "weight": 1}
    path = tmp_path / "r.yaml"
    data = _scenario([ok]).model_dump(mode="json")
    data["departments"][0]["private"]["rules"] = [ok, rule]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(path)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_annealing_pays_the_least_penalty_from_a_costly_start(kind):
    """From the hand-made timetable, the annealing alone reaches the least penalty: its
    objective counts the rules, exactly (``PRIV`` is ``private_penalty``)."""
    rule, lectures, timetable, penalty, least = CASES[kind]
    inst = department_instance(_scenario([rule], lectures), "D")
    start = [Lecture(c, "R", d, s) for c, d, s in timetable]
    got = anneal(inst, start, seed=0, moves=20_000)
    ppd = inst.periods_per_day
    held = [(lec.course, inst.period(lec.day, lec.slot)) for lec in got.lectures]
    assert got.comp[PRIV] == private_penalty(inst.private, held, ppd) == least < penalty
    assert validate(inst, got.lectures).cost == got.comp[RC:RS + 1].sum() == 0


RULES = [{"kind": "lunch_break", "periods": [1], "weight": 3},
         {"kind": "max_daily_lectures", "teacher": "T", "max": 1, "weight": 5},
         {"kind": "max_daily_lectures", "teacher": "U", "max": 2, "weight": 7},
         {"kind": "finish_early", "teacher": "U", "day": 1, "last_period": 1, "weight": 4},
         {"kind": "preparation_gap", "teacher": "T", "weight": 2},
         {"kind": "preparation_gap", "teacher": "U", "weight": 11},
         {"kind": "preferred_periods", "teacher": "T", "periods": [0, 3], "weight": 1}]
"""Every kind of rule, two teachers with several."""


@pytest.mark.parametrize("clash_w", [0, 20])
def test_incremental_cost_with_rules_equals_the_full_count_on_every_move_kind(clash_w):
    """Each of the six kinds of move alone, one move a call at a temperature that takes
    most: the kept cost parts equal ``full_cost`` after every move, the rules' part equals
    ``private_penalty`` and the official parts the validator's (without clashes)."""
    data = _scenario(RULES, (4, 3)).model_dump(mode="json")
    data["days"] = 3
    data["rooms"].append({"id": "S", "capacity": 12})
    data["departments"][0]["courses"] += [
        {"id": "C", "teacher": "T", "lectures": 2, "min_working_days": 2, "students": 30},
        {"id": "E", "teacher": "V", "lectures": 3, "min_working_days": 3, "students": 8}]
    data["departments"][0]["courses"][0]["min_working_days"] = 3
    data["curricula"] = [{"id": "Q1", "courses": ["A", "B"]}, {"id": "Q2", "courses": ["C", "E"]}]
    inst = department_instance(UniversityScenario.model_validate(data), "D")
    start = constructed(inst)
    assert start is not None
    st = static_of(inst)
    ppd = inst.periods_per_day
    s = start_state(inst, st, start)
    best_p, best_r = s.l_period.copy(), s.l_room.copy()
    for kind in range(len(MOVE_MIX)):  # one after the other, from where the last left
        mix = np.eye(len(MOVE_MIX))[kind]
        changed = 0
        for i in range(300):
            before = s.l_period.copy(), s.l_room.copy()
            anneal_chunk(st, s, best_p, best_r, -1, 1, 50.0, 50.0, i, mix, clash_w)
            changed += int((before[0] != s.l_period).any() or (before[1] != s.l_room).any())
            assert (s.comp == full_cost(st, s.l_period, s.l_room)).all(), (kind, i)
            lectures = lectures_of(inst, st, s.l_period, s.l_room)
            held = [(lec.course, inst.period(lec.day, lec.slot)) for lec in lectures]
            assert s.comp[PRIV] == private_penalty(inst.private, held, ppd), (kind, i)
            if s.comp[CLASH] == 0:
                assert validate(inst, lectures).cost == s.comp[RC:RS + 1].sum(), (kind, i)
        assert changed > 0, kind  # the kind of move did move lectures


@pytest.mark.parametrize("local_anneal", [False, pytest.param(True, marks=pytest.mark.slow)])
@pytest.mark.parametrize(("weight", "penalty", "room_capacity", "rooms", "periods"),
                         [(100, 0, 210, {"B"}, {0, 1}), (10, 30, 0, {"Aula"}, {2, 3})])
def test_example_department_trades_its_rule_against_the_authoritys_rooms(
        tmp_path, weight, penalty, room_capacity, rooms, periods, local_anneal):
    """examples/university-private.yaml: Maths holds the Aula every morning. Rossi's
    mornings at 100 a lecture: Physics keeps them in the small hall (RoomCapacity 3 × 70)
    and its wish for the Aula finds no release cheap enough; at 10 a lecture it takes the
    Aula in the afternoons and pays 3 × 10 in private penalty, none official. The same
    with the departments' annealing."""
    data = load_scenario(ROOT / "examples" / "university-private.yaml").model_dump(
        mode="json")
    data["departments"][1]["private"]["rules"][0]["weight"] = weight
    data["local_anneal"] = local_anneal
    e = run_scenario(UniversityScenario.model_validate(data), protocol="negotiate",
                     episodes=1, db=str(tmp_path / "p.db")).episodes[0]
    assert e.hard_violations == 0
    assert e.metrics["private.Physics.penalty"] == penalty
    assert e.cost == e.cost_breakdown["RoomCapacity"] == room_capacity
    mech = [lec for lec in e.plans["Physics"].assignment["lectures"] if lec[0] == "Mech"]
    assert {lec[1] for lec in mech} == rooms and {lec[3] for lec in mech} <= periods


def test_annealing_tables_keep_the_penalty_exactly_on_random_moves():
    """``anneal.private.private_delta`` summed over random additions and removals equals
    ``private_penalty`` of the lectures held, after every step."""
    inst = department_instance(_scenario(RULES, (4, 4)), "D")
    teachers = {t: i for i, t in enumerate(dict.fromkeys(c.teacher for c in inst.courses))}
    c_teacher = np.array([teachers[c.teacher] for c in inst.courses], np.int64)
    pt = private_tables(inst, c_teacher)
    teach_p = np.zeros((len(teachers), inst.periods), np.int64)
    held: list[tuple[int, int]] = []
    total, rng = 0, random.Random(3)
    for _ in range(400):
        if held and rng.random() < 0.45:
            c, p = held.pop(rng.randrange(len(held)))
            sign = -1
        else:
            c, p = rng.randrange(len(inst.courses)), rng.randrange(inst.periods)
            held.append((c, p))
            sign = 1
        t = int(c_teacher[c])
        total += private_delta(pt.cp_w, pt.g_teacher, pt.g_limit, pt.g_weight, teach_p,
                               inst.periods_per_day, c, t, p, sign)
        teach_p[t, p] += sign
        lectures = [(inst.courses[c].id, p) for c, p in held]
        assert total == private_penalty(inst.private, lectures, inst.periods_per_day)
