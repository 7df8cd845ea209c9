"""Hall swaps between departments: each department's quoted change is exact, and the room
authority swaps halls where together the departments gain."""

from __future__ import annotations

import random

import pytest

from accord.app.registry import wire
from accord.app.runner import run_scenario
from accord.contract import Budget, SolveContext
from accord.domains.university.cpmodel import ROOM
from accord.domains.university.halls import Halls
from accord.domains.university.instance import Lecture
from accord.domains.university.itc2007 import read_ctt
from accord.domains.university.local import DepartmentProblem
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.split import split
from accord.domains.university.validate import validate
from accord.model.errors import ProtocolError
from accord.store import Store
from tests.conftest import ROOT


def _halls_cost(inst, lectures) -> int:
    soft = validate(inst, lectures).soft
    return soft["RoomCapacity"] + soft["RoomStability"]


def test_hall_moves_quote_exactly_the_official_change():
    """One lecture, or several of a course at once, to other halls: the quoted change is
    the official change of room capacity and stability; the wanted moves are exactly
    those that lower it, a course into one hall among them."""
    sc, _ = split(read_ctt(ROOT / "data" / "itc2007" / "comp01.ctt"), 2)
    problem = DepartmentProblem(sc, "D1")
    good = problem.solve(SolveContext(budget=Budget(work=0.5), seed=3))
    assert good is not None
    inst, rng = problem.inst, random.Random(0)
    rooms = [ROOM + r.id for r in inst.rooms]
    # its lectures in halls drawn at random among those free in their periods
    taken: dict[int, set[str]] = {}
    scramble = []
    for key in sorted(Halls(inst, [Lecture(*x) for x in good.assignment["lectures"]]).at):
        hall = rng.choice([h for h in rooms if h not in taken.setdefault(key[1], set())])
        taken[key[1]].add(hall)
        scramble.append((key, hall))
    plan = problem.substituted(good, tuple((k, h) for k, h in scramble if h != k[0]))
    lectures = [Lecture(*lec) for lec in plan.assignment["lectures"]]
    halls = Halls(inst, lectures)
    keys = sorted(halls.at)
    before = _halls_cost(inst, lectures)
    asked = []
    for _ in range(300):
        group = rng.sample(keys, rng.choice([1, 1, 2, 3]))
        asked.append(tuple((k, rng.choice([h for h in rooms if h != k[0]])) for k in group))
    for group, (moves, delta) in zip(asked, problem.substitutes(plan, asked), strict=True):
        assert moves == group  # nothing free: it leaves into the halls given
        assert delta == _halls_cost(inst, halls.moved(moves)) - before
    wanted = dict(problem.substitutes(plan))
    singles = {m: _halls_cost(inst, halls.moved(m)) - before
               for m in (halls.into(h, [k]) for k in keys for h in rooms if h != k[0])}
    assert {m: d for m, d in wanted.items() if m in singles} == {
        m: d for m, d in singles.items() if d < 0}
    assert any(len(m) == 2 for m in singles)  # its own lecture in the hall: they swap
    assert all(d < 0 for d in wanted.values())
    # a course spread over halls wants into each hall where that pays, whole
    assert any(m not in singles for m in wanted)
    for moves, d in wanted.items():
        if moves not in singles:
            hall = moves[0][1]
            assert len({halls.at[k].course for k, h in moves if h == hall}) == 1
            assert d == _halls_cost(inst, halls.moved(moves)) - before
    # a holder asked to leave a hall, given another: its cheapest way out, into the hall
    # given or free ones (its course whole into one hall among them), quoted exactly
    occupied = {(h, k[1]) for k in keys for h in rooms if (h, k[1]) in halls.at}
    free = {(h, p) for h in rooms for p in range(inst.periods)} - occupied
    free = set(rng.sample(sorted(free), len(free) // 2))
    free |= {("curr:q000", p) for p in range(inst.periods)}  # not halls: never moved into
    elsewhere = 0
    for key in keys:
        given = rng.choice([h for h in rooms if h != key[0]])
        (moves, delta), = problem.substitutes(plan, [((key, given),)], free)
        assert key in dict(moves)
        assert all((h, k[1]) in free or (k, h) == (key, given) for k, h in moves)
        assert delta == _halls_cost(inst, halls.moved(moves)) - before
        assert delta <= halls.delta(((key, given),))
        elsewhere += moves != ((key, given),)
    assert elsewhere > 0
    # the plan after moves: its cost is the quoted change on top, its usage follows
    moves, delta = problem.substitutes(plan, asked[:1])[0]
    after = problem.substituted(plan, moves)
    assert after.cost == plan.cost + delta
    (key, hall), = moves[:1]
    assert (hall, key[1]) in after.usage_map() and key not in after.usage_map()
    with pytest.raises(ProtocolError, match="no lecture of the department in room:"):
        problem.substitutes(plan, [(((rooms[0], 999), rooms[1]),)])
    with pytest.raises(ProtocolError, match="no hall 'curr:q000'"):
        problem.substitutes(plan, [((keys[0], "curr:q000"),)])


def _two_halls() -> UniversityScenario:
    """One period, a big and a small hall. D2, granted first, takes the big hall for its 6
    students (one too many for the small one); D1 then gets the small one for its 50 (45
    over capacity)."""
    def dept(d: str, course: str, students: int) -> dict:
        return {"id": d, "courses": [{"id": course, "teacher": f"t{course}", "lectures": 1,
                                      "min_working_days": 1, "students": students}]}
    return UniversityScenario.model_validate({
        "name": "two-halls", "domain": "university", "days": 1, "periods_per_day": 1,
        "rooms": [{"id": "Big", "capacity": 60}, {"id": "Small", "capacity": 5}],
        "curricula": [{"id": "Y1", "courses": ["A"]}, {"id": "Y2", "courses": ["B"]}],
        "departments": [dept("D2", "B", 6), dept("D1", "A", 50)]})


def test_the_authority_swaps_halls_where_both_departments_gain_together(tmp_path):
    options = {"solve_time_limit": 0.5, "grant_order": "listed", "exchange": False,
               "price_rounds": 0}
    costs = {}
    for swaps in (False, True):
        sc = _two_halls().model_copy(update={"protocol_options": {
            "negotiate": options | {"swaps": swaps}}})
        db = str(tmp_path / f"s{swaps}.db")
        res = run_scenario(sc, protocol="negotiate", episodes=1, db=db)
        e = res.episodes[0]
        costs[swaps] = (e.hard_violations, e.cost, e.metrics["swaps"])
        log = Store(db).messages(res.run_id, wire())
        kinds = [env.kind for env in log if env.kind.startswith("swap")]
        if swaps:
            # D1 wants the big hall (-45); D2, its holder, quotes taking the small one (+1)
            asked = [env.body.asked for env in log if env.kind == "swap_call"
                     and env.body.asked]
            assert [[(s.held, s.other) for s in g] for g in asked[0]] == [
                [("room:Big", "room:Small")]]
            assert "swap" in kinds
            assert e.plans["D1"].assignment["lectures"] == [["A", "Big", 0, 0]]
        else:
            assert kinds == []
    # each lecture isolated in its curriculum: 2 + 2; seats over capacity 45, then 1
    assert costs == {False: (0, 49, 0), True: (0, 5, 1)}
