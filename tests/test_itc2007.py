"""ITC-2007 track 3: the parser's errors, each official constraint, the .sol round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.domains.university.cpmodel import solve_instance
from accord.domains.university.instance import Course, Curriculum, Instance, Lecture, Room
from accord.domains.university.itc2007 import format_sol, parse_ctt, parse_sol, read_ctt
from accord.domains.university.validate import validate
from accord.model.errors import ScenarioError

DATA = Path(__file__).resolve().parents[1] / "data" / "itc2007"
TOY = DATA / "toy.ctt"


def _inst(**over) -> Instance:
    """Two days of three periods; courses A (curriculum Q with B), B, C (teacher of A)."""
    base = dict(
        name="t", days=2, periods_per_day=3,
        courses=[Course("A", "t1", 2, 2, 30), Course("B", "t2", 1, 1, 10),
                 Course("C", "t1", 1, 1, 50)],
        rooms=[Room("R1", 40), Room("R2", 20)],
        curricula=[Curriculum("Q", ("A", "B"))], unavailable={("B", 5)})
    base.update(over)
    return Instance(**base)


def test_all_public_instances_parse():
    sizes = {}
    for n in ["toy", *[f"comp0{i}" for i in range(1, 8)]]:
        inst = read_ctt(DATA / f"{n}.ctt")
        sizes[n] = (len(inst.courses), len(inst.rooms), len(inst.curricula))
    assert sizes["comp01"] == (30, 6, 14)
    assert sizes["comp07"] == (131, 20, 77)


@pytest.mark.parametrize(("edit", "line", "what"), [
    (lambda t: t.replace("TecCos Rosa 5 4 40", "TecCos Rosa -5 4 40"), 12, "lectures: -5"),
    (lambda t: t.replace("Cur2 2 TecCos Geotec", "Cur2 2 TecCos Nowhere"), 21,
     "unknown course Nowhere"),
    (lambda t: t.split("ROOMS:")[0], 14, "file ends before section ROOMS"),
    (lambda t: t.replace("B 50", "B fifty"), 17, "'fifty' is not a whole number"),
    (lambda t: t.replace("ArcTec   4  3", "ArcTec   9  3"), 31, "outside 5 days"),
    (lambda t: t.replace("Rooms: 2", "Rooms 2"), 3, "expected 'Rooms: value'"),
])
def test_malformed_ctt_names_the_line(edit, line, what):
    text = edit(TOY.read_text())
    with pytest.raises(ScenarioError) as info:
        parse_ctt(text, "bad.ctt")
    msg = str(info.value)
    assert msg.startswith(f"bad.ctt: line {line}: "), msg
    assert what in msg and "\n" not in msg


def test_room_capacity_counts_students_above_capacity_per_lecture():
    inst = _inst()
    tt = [Lecture("A", "R2", 0, 0), Lecture("A", "R2", 1, 0), Lecture("B", "R1", 0, 1),
          Lecture("C", "R1", 1, 2)]
    assert validate(inst, tt).soft["RoomCapacity"] == 10 + 10 + 10


def test_min_working_days_costs_5_per_missing_day():
    inst = _inst()
    same_day = [Lecture("A", "R1", 0, 0), Lecture("A", "R1", 0, 1), Lecture("B", "R1", 1, 0),
                Lecture("C", "R1", 1, 1)]
    assert validate(inst, same_day).soft["MinWorkingDays"] == 5
    assert validate(inst, [Lecture("A", "R1", 0, 0), Lecture("A", "R1", 1, 0)]).soft[
        "MinWorkingDays"] == 5 * (1 + 1)  # B and C unscheduled: one day short each


def test_curriculum_compactness_costs_2_per_isolated_lecture():
    inst = _inst()
    adjacent = [Lecture("A", "R1", 0, 0), Lecture("B", "R2", 0, 1)]
    assert validate(inst, adjacent).soft["CurriculumCompactness"] == 0
    apart = [Lecture("A", "R1", 0, 0), Lecture("B", "R2", 0, 2), Lecture("A", "R1", 1, 1)]
    assert validate(inst, apart).soft["CurriculumCompactness"] == 2 * 3
    # the last period of day 0 and the first of day 1 are not adjacent
    across = [Lecture("A", "R1", 0, 2), Lecture("B", "R2", 1, 0)]
    assert validate(inst, across).soft["CurriculumCompactness"] == 2 * 2


def test_room_stability_costs_1_per_extra_room():
    inst = _inst()
    assert validate(inst, [Lecture("A", "R1", 0, 0), Lecture("A", "R2", 1, 0)]).soft[
        "RoomStability"] == 1


def test_hard_constraints():
    inst = _inst()
    tt = [Lecture("A", "R1", 0, 0), Lecture("B", "R1", 0, 0),  # curriculum clash, same room
          Lecture("C", "R2", 0, 0),                            # teacher clash with A
          Lecture("B", "R2", 1, 2)]                            # B twice; (B, 5) unavailable
    rep = validate(inst, tt)
    assert rep.hard == {"Lectures": 1 + 1, "Conflicts": 2, "Availability": 1,
                        "RoomOccupation": 1}


def test_sol_round_trip_and_validator_warnings():
    inst = read_ctt(TOY)
    lectures, _, _ = solve_instance(inst, time_limit=10, seed=1, workers=1)
    text = format_sol(lectures)
    again, warnings = parse_sol(inst, text)
    assert warnings == [] and sorted(again) == sorted(lectures)
    assert validate(inst, again) == validate(inst, lectures)
    bad = text + "Nope A 0 0\nGeotec Z 0 0\nGeotec A 7 0\n" + text.splitlines()[0] + "\n"
    again, warnings = parse_sol(inst, bad)
    assert sorted(again) == sorted(lectures)
    assert [w.split()[0] for w in warnings] == ["Nonexisting", "Nonexisting", "Nonexisting",
                                                "Repeated"]


@pytest.mark.slow
def test_central_objective_is_the_validator_cost():
    inst = read_ctt(DATA / "comp01.ctt")
    lectures, _, objective = solve_instance(inst, time_limit=8, seed=1, workers=1)
    rep = validate(inst, lectures)
    assert rep.violations == 0
    assert rep.cost == objective


@pytest.mark.slow
def test_two_stage_cost_is_official_and_beats_direct_at_equal_work():
    from accord.domains.university.cpmodel import Limits, build
    from accord.domains.university.twostage import solve_two_stage
    from accord.solve.cpsat import solve_model

    inst = read_ctt(DATA / "comp01.ctt")
    lectures, cost = solve_two_stage(inst, Limits(), work=2.0, seed=1)
    rep = validate(inst, lectures)
    assert rep.violations == 0
    assert rep.cost == cost
    built = build(inst)
    solved = solve_model(built.model, time_limit=60, seed=1, deterministic_limit=2.0)
    direct = int(solved.solver.value(built.cost)) if solved else None
    assert direct is None or cost < direct


def test_exact_room_capacity_count_in_one_period():
    from accord.domains.university.cpmodel import Limits
    from accord.domains.university.twostage import solve_two_stage

    inst = Instance("one", 1, 1, [Course("A", "a", 1, 0, 50), Course("B", "b", 1, 0, 30)],
                    [Room("R40", 40), Room("R20", 20)], [], set())
    lectures, cost = solve_two_stage(inst, Limits(), work=1.0, seed=1)
    # best assignment: A in R40 (10 over), B in R20 (10 over)
    assert sorted(lectures) == [Lecture("A", "R40", 0, 0), Lecture("B", "R20", 0, 0)]
    assert cost == 20 == validate(inst, lectures).cost
