"""The classes domain: each hard constraint and the soft cost on tiny plans with known
answers, one-line scenario errors, and the central model's known optima."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from accord.app.registry import DOMAINS, load_scenario, parse_scenario
from accord.app.runner import run_scenario
from accord.domains.classes import DOMAIN, Lesson, goal_achievement, missing_minutes, plan_of
from accord.domains.classes.central import solve_central
from accord.domains.classes.evaluate import evaluate, unplaced_weight
from accord.domains.classes.scenario import ClassesScenario
from accord.model.errors import AccordError, ScenarioError
from tests.conftest import ROOT

FEHU = ROOT / "examples" / "classes-fehu.yaml"


def tiny_data() -> dict[str, Any]:
    """Two days of 08:00-12:00 in 30-minute steps, classes of 60 minutes. G needs two D
    lectures and one L lab, H two D lectures; P prefers Monday 08:00-10:00 (weight 3), Q
    holds at most 2 classes and is away on Tuesday, N teaches only labs."""
    return {
        "name": "tiny", "domain": "classes",
        "week": {"days": ["Mon", "Tue"], "opening": "08:00", "closing": "12:00", "step": 30},
        "class_length": 60,
        "disciplines": [{"code": "D", "class_minutes": 120},
                        {"code": "L", "class_minutes": 0, "lab_minutes": 60}],
        "groups": [{"id": "G", "students": 20, "disciplines": ["D", "L"]},
                   {"id": "H", "students": 10, "disciplines": ["D"]}],
        "professors": [
            {"id": "P", "can_teach": ["D", "L"], "private": {
                "preferred": [{"day": "Mon", "start": "08:00", "end": "10:00"}], "weight": 3}},
            {"id": "Q", "can_teach": ["D"], "max_classes": 2, "private": {
                "unavailable": [{"day": "Tue", "start": "08:00", "end": "12:00"}]}},
            {"id": "N", "can_teach": ["L"]}],
        "classrooms": [{"id": "R", "capacity": 30}, {"id": "S", "capacity": 15},
                       {"id": "T", "capacity": 40}, {"id": "Lab", "capacity": 20, "kind": "lab"}],
    }


def tiny(**update: Any) -> ClassesScenario:
    data = tiny_data() | update
    return ClassesScenario.model_validate(data)


def lesson(d: str, prof: str, room: str, day: str, start: str, minutes: int = 60,
           kind: str = "lecture") -> dict[str, Any]:
    return {"discipline": d, "kind": kind, "professor": prof, "classroom": room, "day": day,
            "start": start, "minutes": minutes}


def base() -> dict[str, list[dict[str, Any]]]:
    """A plan of tiny with no violation: only H's Monday 10:00 class lies outside P's
    preferred times (2 steps × weight 3)."""
    return {"G": [lesson("L", "P", "Lab", "Mon", "08:00", kind="lab"),
                  lesson("D", "P", "R", "Mon", "09:00"), lesson("D", "Q", "R", "Mon", "10:00")],
            "H": [lesson("D", "Q", "S", "Mon", "08:00"), lesson("D", "P", "S", "Mon", "10:00")]}


def plans(sc: ClassesScenario, lessons: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {g: plan_of(sc, g, [Lesson.model_validate(x) for x in xs])
            for g, xs in lessons.items()}


def test_the_base_plan_breaks_nothing_and_costs_its_preferences():
    sc = tiny()
    ps = plans(sc, base())
    ev = evaluate(sc, ps)
    assert ev.hard_violations == 0 and set(ev.hard_breakdown.values()) == {0}
    assert ev.breakdown == {"preferences": 6, "unplaced": 0}
    assert (ps["G"].cost, ps["H"].cost) == (0, 6)
    assert goal_achievement(sc, ps) == 1.0
    use = ps["H"].usage_map()
    assert use == {("classroom:S", 0): 1, ("classroom:S", 1): 1, ("professor:Q", 0): 1,
                   ("professor:Q", 1): 1, ("classroom:S", 4): 1, ("classroom:S", 5): 1,
                   ("professor:P", 4): 1, ("professor:P", 5): 1}


def _set(group: str, i: int, **fields: Any):
    def change(ls: dict[str, list[dict[str, Any]]]) -> None:
        ls[group][i].update(fields)
    return change


def _add(group: str, x: dict[str, Any]):
    def change(ls: dict[str, list[dict[str, Any]]]) -> None:
        ls[group].append(x)
    return change


HARD = [  # (name, change of the base plan, update of professor P, expected count)
    ("group_clash", _set("G", 2, start="09:30", classroom="T"), {}, 1),
    ("professor_clash", _set("G", 2, professor="P"), {}, 2),
    ("classroom_clash", _set("H", 1, classroom="R"), {}, 2),
    ("classroom_too_small", _set("G", 1, classroom="S"), {}, 1),
    ("classroom_kind", _set("G", 0, classroom="T"), {}, 1),
    ("outside_hours", _set("H", 1, start="11:30"), {}, 1),
    ("outside_hours", _set("H", 1, day="Sat"), {}, 1),
    ("outside_hours", _set("H", 1, start="10:15"), {}, 1),
    ("class_length", _set("H", 1, minutes=30), {}, 1),
    ("cannot_teach", _set("G", 2, professor="N"), {}, 1),
    ("professor_unavailable", _set("H", 0, day="Tue"), {}, 1),
    ("over_goal", _add("H", lesson("D", "P", "S", "Tue", "08:00")), {}, 2),
    ("over_goal", _add("H", lesson("L", "P", "Lab", "Tue", "08:00", kind="lab")), {}, 2),
    ("below_min_classes", lambda ls: None, {"min_classes": 4}, 1),
    ("above_max_classes", _set("H", 1, professor="Q", start="11:00"), {}, 1),
    ("unknown", _set("H", 1, professor="Z"), {}, 1),
]


@pytest.mark.parametrize(("name", "change", "q", "count"), HARD,
                         ids=[f"{h[0]}-{i}" for i, h in enumerate(HARD)])
def test_each_hard_constraint_counts_alone(name, change, q, count):
    data = tiny_data()
    data["professors"][0].update(q)
    sc = ClassesScenario.model_validate(data)
    ls = copy.deepcopy(base())
    change(ls)
    ev = evaluate(sc, plans(sc, ls))
    assert ev.hard_breakdown[name] == count
    assert ev.hard_violations == count, ev.hard_breakdown


def test_preferences_cost_the_steps_outside_at_the_professors_weight():
    sc = tiny()
    ls = base()
    ls["H"][1].update(start="09:30", classroom="T")  # 09:30 preferred, 10:00 not
    ls["G"][1].update(start="08:30", day="Tue", classroom="T")  # no clash with H at 09:30
    ev = evaluate(sc, plans(sc, ls))
    assert ev.hard_violations == 0, ev.hard_breakdown
    assert ev.breakdown["preferences"] == 3 * 1 + 3 * 2


def test_unplaced_steps_cost_more_than_preferences_ever_can():
    sc = tiny()
    assert unplaced_weight(sc) == 1 + 3 * 10  # weight 3 × 10 required steps
    ls = base()
    del ls["H"][1]
    ps = plans(sc, ls)
    ev = evaluate(sc, ps)
    assert ev.hard_violations == 0
    assert ev.breakdown == {"preferences": 0, "unplaced": 2 * 31}
    assert ps["H"].cost == 62 and sum(p.cost for p in ps.values()) == ev.cost
    assert goal_achievement(sc, ps) == pytest.approx(1 - 60 / 300)
    assert missing_minutes(sc, ps) == {("H", "D", "lecture"): 60}
    assert evaluate(sc, {}).breakdown["unplaced"] == 10 * 31  # no plan: nothing placed


def _err(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, "t.yaml")
    return str(info.value)


def _mut(path: str, value: Any):
    def change(d: dict[str, Any]) -> None:
        *head, last = path.split(".")
        node: Any = d
        for k in head:
            node = node[int(k)] if k.isdigit() else node[k]
        node[int(last) if last.isdigit() else last] = value
    return change


BAD = [
    (_mut("groups.0.disciplines", ["D", "X"]), "groups[0].disciplines", "unknown discipline X"),
    (_mut("professors.1.can_teach", ["Y"]), "professors[1].can_teach", "unknown discipline Y"),
    (_mut("disciplines.0.class_minutes", -60), "disciplines[0].class_minutes",
     "greater than or equal to 0"),
    (_mut("disciplines.1.lab_minutes", 90), "disciplines[1].lab_minutes",
     "not a multiple of the class length 60"),
    (_mut("professors.1.min_classes", 3), "professors[1].min_classes", "above max_classes 2"),
    (_mut("classrooms.0.id", "P"), "classrooms[0].id", "P repeats professors[0].id"),
    (_mut("disciplines.1.code", "D"), "disciplines[1].code", "D repeats disciplines[0]"),
    (_mut("professors.0.private.preferred.0.day", "Sun"), "professors[0].private.preferred[0]"
     ".day", "Sun is not a day of the week"),
    (_mut("professors.0.private.preferred.0.end", "07:00"), "professors[0].private."
     "preferred[0].end", "not after start"),
    (_mut("week.closing", "25:00"), "week.closing", "not a time of day"),
    (_mut("week.closing", "07:00"), "week.closing", "not after opening"),
    (_mut("week.step", 45), "week.step", "does not divide"),
    (_mut("class_length", 45), "class_length", "not a whole number of 30-minute steps"),
    (_mut("classrooms.3.kind", "gym"), "classrooms[3].kind", "'lecture' or 'lab'"),
    (_mut("groups.1.colour", "red"), "groups[1].colour", "unknown field"),
]


@pytest.mark.parametrize(("change", "where", "what"), BAD, ids=[b[1] for b in BAD])
def test_scenario_errors_are_one_line_naming_the_field(change, where, what):
    data = tiny_data()
    change(data)
    msg = _err(data)
    assert msg.startswith("t.yaml: ") and where in msg and what in msg, msg
    assert "\n" not in msg


def test_times_of_day_read_quoted_or_as_yaml_minutes_and_write_back():
    text = yaml.safe_dump(tiny_data()).replace("closing: '12:00'", "closing: 12:00")
    sc = parse_scenario(yaml.safe_load(text), "t.yaml")
    assert isinstance(sc, ClassesScenario) and sc.week.closing == 12 * 60
    again = ClassesScenario.model_validate(sc.model_dump(mode="json"))
    assert again.model_dump(mode="json")["week"]["closing"] == "12:00" and again == sc


def test_central_reaches_the_known_optimum():
    data = tiny_data()
    del data["professors"][2]  # without N, P teaches the lab
    sc = ClassesScenario.model_validate(data)
    res = solve_central(sc, time_limit=10, seed=1, workers=1)
    ev = evaluate(sc, res.plans)
    # Q holds 2 of the 4 D classes, so P holds 2 D and the lab: 3 classes, while its
    # preferred Monday morning holds 2: one class of 2 steps outside, at weight 3
    assert (ev.hard_violations, ev.cost, res.optimal, res.bound) == (0, 6, True, 6)
    assert goal_achievement(sc, res.plans) == 1.0
    assert sum(p.cost for p in res.plans.values()) == ev.cost


def test_central_places_the_most_it_can_first_then_prefers():
    data = tiny_data()
    data["groups"] = [data["groups"][1]]  # H alone: two D classes
    data["professors"] = [data["professors"][0] | {"max_classes": 1, "can_teach": ["D"]}]
    data["disciplines"] = data["disciplines"][:1]
    sc = ClassesScenario.model_validate(data)
    res = solve_central(sc, time_limit=10, seed=1, workers=1)
    ev = evaluate(sc, res.plans)
    # one class fits (inside P's preferred times); the other's 2 steps are unplaced
    assert (ev.hard_violations, res.optimal) == (0, True)
    assert ev.breakdown == {"preferences": 0, "unplaced": 2 * (1 + 3 * 4)}
    assert goal_achievement(sc, res.plans) == 0.5


def test_central_says_in_one_line_when_no_timetable_meets_the_hard_constraints():
    data = tiny_data()
    data["professors"][2]["min_classes"] = 2  # N teaches labs: only one is needed
    with pytest.raises(AccordError, match="professor N: min_classes 2, the groups need 1 of "
                                          "the disciplines N teaches") as info:
        solve_central(ClassesScenario.model_validate(data), time_limit=5, seed=1, workers=1)
    assert "\n" not in str(info.value)


def test_the_domain_is_registered_and_runs_central(tmp_path):
    assert DOMAINS["classes"] is DOMAIN and DOMAIN.agents(tiny()) == ["G", "H"]
    sc = parse_scenario(tiny_data(), "t.yaml")
    res = run_scenario(sc, episodes=1, db=str(tmp_path / "c.db"))
    ep = res.episodes[0]
    assert (res.protocol, ep.hard_violations, ep.cost) == ("central", 0, 0)  # N has the lab


def test_central_on_fehu_places_every_class_the_data_allow():
    sc = load_scenario(FEHU)
    assert isinstance(sc, ClassesScenario)
    res = DOMAIN.central(sc, time_limit=20, seed=1, workers=1)
    ev = evaluate(sc, res.plans)
    # at most 38 of the 45 classes fit (the example's comment): 7 × 4 steps unplaced
    assert (ev.hard_violations, ev.cost, res.optimal) == (0, 28, True)
    assert goal_achievement(sc, res.plans) == pytest.approx(38 / 45)


def test_central_on_fehu_reaches_the_full_goal_without_the_five_class_cap():
    sc = load_scenario(FEHU)
    assert isinstance(sc, ClassesScenario)
    loose = sc.model_copy(update={"professors": [p.model_copy(update={"max_classes": 20})
                                                 for p in sc.professors]})
    res = DOMAIN.central(loose, time_limit=20, seed=1, workers=1)
    ev = evaluate(loose, res.plans)
    assert (ev.hard_violations, ev.cost, res.optimal) == (0, 0, True)
    assert goal_achievement(loose, res.plans) == 1.0


def test_central_falls_back_on_its_first_fit_which_breaks_no_hard_constraint(monkeypatch):
    """Where CP-SAT finds nothing in time (a 2,000-student faculty at 60 s), the first-fit
    timetable central starts from is its answer: it must be a valid one."""
    import accord.domains.classes.central as central
    from accord.domains.classes.generate import generate

    sc = generate(200, 20, 10, 6, seed=2)
    monkeypatch.setattr(central, "solve_model", lambda *a, **k: None)
    monkeypatch.setattr(central, "hint_completely", lambda *a, **k: False)
    res = central.solve_central(sc, time_limit=5, seed=1, workers=1)
    ev = evaluate(sc, res.plans)
    assert ev.hard_violations == 0 and not res.optimal
    assert goal_achievement(sc, res.plans) > 0.95
