"""A department's local problem and the negotiation pieces it relies on, on tiny cases
with known answers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from itertools import permutations

import pytest
from ortools.sat.python import cp_model

from accord.app.registry import load_scenario
from accord.contract import Budget, SolveContext
from accord.domains.university import DOMAIN
from accord.domains.university.anneal.construct import constructed
from accord.domains.university.cpmodel import Limits, curr_key, room_key
from accord.domains.university.instance import Course, Instance, Lecture, Room
from accord.domains.university.itc2007 import read_ctt
from accord.domains.university.local import DepartmentProblem
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.split import split
from accord.domains.university.twostage import best_fit, first_rooms, solve_two_stage
from accord.domains.university.validate import room_capacity_cost, validate
from accord.model.plan import Plan, from_entries, to_entries
from accord.protocols.messages import ReleaseQuote, ReleaseRequest
from accord.protocols.negotiate import Member
from accord.solve.cpsat import LAST_WORDS, hint_completely, solve_model
from tests.conftest import ROOT


def test_best_fit_is_capacity_optimal_and_leaves_large_rooms():
    rooms = [Room("S", 10), Room("M", 20), Room("L", 50), Room("XL", 100)]
    courses = [Course("a", "t1", 1, 1, 45), Course("b", "t2", 1, 1, 15),
               Course("c", "t3", 1, 1, 25)]
    inst = Instance("t", 1, 1, courses, rooms, [])
    slots = [("a", 0), ("b", 0), ("c", 0)]
    got = best_fit(inst, Limits(), slots)
    cost = room_capacity_cost(inst, {c: {0: r} for (c, _), r in got.items()})
    brute = min(room_capacity_cost(inst, {c: {0: r.id} for (c, _), r in zip(slots, perm,
                                                                             strict=True)})
                for perm in permutations(rooms, 3))
    assert cost == brute == 0
    # largest first into the smallest room that seats it: 45 -> L, 25 -> XL, 15 -> M
    assert got == {("a", 0): "L", ("c", 0): "XL", ("b", 0): "M"}
    assert best_fit(inst, Limits(), [("b", 0)]) == {("b", 0): "M"}  # not the largest
    over = Instance("t", 1, 1, [Course("a", "t1", 1, 1, 60), Course("b", "t2", 1, 1, 30)],
                    [Room("S", 10), Room("M", 20)], [])
    got = best_fit(over, Limits(), [("a", 0), ("b", 0)])
    assert got == {("a", 0): "M", ("b", 0): "S"}  # 40 + 20 = 60: the least possible


def test_first_rooms_gives_a_course_one_room_where_one_is_free_throughout():
    """Per period, a (15 students) takes M at 0; at 1 the larger c takes M first and a
    moves to L (RoomStability 1). With home rooms, largest course first, c takes M and a
    takes L for both lectures: RoomStability 0, and no seat short either way."""
    rooms = [Room("S", 10), Room("M", 20), Room("L", 50)]
    inst = Instance("t", 1, 2, [Course("a", "t1", 2, 1, 15), Course("c", "t2", 1, 1, 18)],
                    rooms, [])
    slots = [("a", 0), ("a", 1), ("c", 1)]
    per_period = best_fit(inst, Limits(), slots)
    assert per_period == {("a", 0): "M", ("c", 1): "M", ("a", 1): "L"}
    got = first_rooms(inst, Limits(), slots)
    assert got == {("c", 1): "M", ("a", 0): "L", ("a", 1): "L"}
    lectures = [Lecture(c, r, 0, p) for (c, p), r in got.items()]
    assert validate(inst, lectures).soft["RoomStability"] == 0
    assert validate(inst, lectures).soft["RoomCapacity"] == 0


def test_a_resolve_moves_a_lecture_where_its_room_is_open():
    """Course a held R at periods 0 and 1; now R is taken at 1. Keeping period 1 (in Q)
    would cost RoomStability 1; stage 1 counts that and moves the lecture to period 2,
    where R is open: cost 0."""
    inst = Instance("t", 1, 3, [Course("a", "t", 2, 1, 10)], [Room("R", 10), Room("Q", 10)],
                    [])
    caps = {room_key("R", 0): 1, room_key("Q", 0): 0, room_key("R", 1): 0,
            room_key("Q", 1): 1, room_key("R", 2): 1, room_key("Q", 2): 1}
    lim = Limits(caps=caps, anchor=frozenset({("a", 0, "R"), ("a", 1, "R")}))
    found = solve_two_stage(inst, lim, work=1.0, seed=1)
    assert found is not None
    lectures, cost = found
    assert sorted(lectures) == [Lecture("a", "R", 0, 0), Lecture("a", "R", 0, 2)]
    assert cost == validate(inst, lectures).cost == 0


def _two_departments() -> UniversityScenario:
    return UniversityScenario.model_validate({
        "name": "pair", "domain": "university", "days": 1, "periods_per_day": 4,
        "rooms": [{"id": "R", "capacity": 100}, {"id": "Q", "capacity": 100}],
        "curricula": [{"id": "Y1", "courses": ["A", "B"]}],
        "departments": [
            {"id": "D1", "courses": [{"id": "A", "teacher": "t", "lectures": 1,
                                      "min_working_days": 1, "students": 10}]},
            {"id": "D2", "courses": [{"id": "B", "teacher": "u", "lectures": 1,
                                      "min_working_days": 1, "students": 10}]}]})


def test_department_cost_counts_a_shared_curriculum_whole():
    sc = _two_departments()
    d1 = DepartmentProblem(sc, "D1")
    caps = dict(DOMAIN.managers(sc)[0].capacity)
    caps[curr_key("Y1", 2)] = 0  # D2 holds Y1 in period 2
    # next to D2's lecture: neither is isolated; at period 0, both are (2 × 2)
    assert sum(d1.cost([Lecture("A", "R", 0, 1)], {"Y1": frozenset({2})}).values()) == 0
    assert sum(d1.cost([Lecture("A", "R", 0, 0)], {"Y1": frozenset({2})}).values()) == 4
    plan = d1.solve(SolveContext(caps=caps, budget=Budget(work=1.0), seed=1))
    assert plan is not None and plan.cost == 0
    assert plan.assignment["lectures"][0][3] in (1, 3)


def test_release_request_frees_every_listed_slot_at_once():
    sc = load_scenario(ROOT / "examples" / "university-small.yaml")
    problem = next(p for p in DOMAIN.local_problems(sc) if p.agent_id == "Maths")
    cap = DOMAIN.managers(sc)[0].capacity
    member = Member(problem, None, seed=1, limit=1.0)
    member.plan = problem.solve(SolveContext(caps=dict(cap), budget=Budget(work=1.0), seed=1))
    assert member.plan is not None
    held = sorted(k for k in member.plan.usage_map() if k[0].startswith("room:"))[:3]
    free = {k: v for k, v in cap.items() if k not in member.plan.usage_map()}
    msg = ReleaseRequest(release=to_entries({k: 1 for k in held}), free=to_entries(free))
    quote = asyncio.run(member.on_release_request(msg, None))
    assert isinstance(quote, ReleaseQuote)
    after = from_entries(quote.usage)
    assert all(after.get(k, 0) == 0 for k in held)
    assert all(a <= cap[k] for k, a in after.items())
    assert quote.cost_delta >= 0  # the plan was best under full capacity


def test_priced_caps_buy_a_closed_room_only_when_it_pays():
    sc = _two_departments()
    d1 = DepartmentProblem(sc, "D1")
    caps = {room_key("Q", p): 1 for p in range(4)} | {curr_key("Y1", p): 1 for p in range(4)}
    caps |= {room_key("R", p): 0 for p in range(4)}
    small = sc.model_copy(update={"rooms": [r.model_copy(update={"capacity": 5})
                                            if r.id == "Q" else r for r in sc.rooms]})
    d1_small = DepartmentProblem(small, "D1")
    # Q seats 5 of 10 students (cost 5 a lecture): R at price 2 pays, at price 9 it does not
    # (a lone lecture of Y1 is isolated either way: 2)
    one = Budget(work=1.0)
    cheap = d1_small.solve(SolveContext(caps=caps, soft_caps=True, price=2, budget=one))
    dear = d1_small.solve(SolveContext(caps=caps, soft_caps=True, price=9, budget=one))
    assert cheap is not None and dear is not None
    assert cheap.assignment["lectures"][0][1] == "R" and cheap.cost == 2
    assert dear.assignment["lectures"][0][1] == "Q" and dear.cost == 2 + 5
    same = d1.solve(SolveContext(caps=caps, soft_caps=True, price=2, budget=Budget(work=1.0)))
    assert same is not None and same.assignment["lectures"][0][1] == "Q"


@pytest.mark.parametrize("anneal", [True, False])
@pytest.mark.parametrize("model", ["two-stage", "direct"])
def test_dearer_keys_send_an_over_cap_lecture_where_it_is_cheaper(anneal, model):
    """R is closed in every period at price 2 (it pays against Q's 5 seats for 10
    students), and dearer (9) in periods 0-2: the lecture buys R in period 3, by
    annealing and by CP-SAT alike."""
    sc = _two_departments()
    sc = sc.model_copy(update={"local_anneal": anneal, "local_model": model, "rooms": [
        r.model_copy(update={"capacity": 5}) if r.id == "Q" else r for r in sc.rooms]})
    caps = {room_key("Q", p): 1 for p in range(4)} | {curr_key("Y1", p): 1 for p in range(4)}
    caps |= {room_key("R", p): 0 for p in range(4)}
    plan = DepartmentProblem(sc, "D1").solve(SolveContext(
        caps=caps, soft_caps=True, price=2, dear={room_key("R", p): 9 for p in range(3)},
        budget=Budget(work=1.0), seed=1))
    assert plan is not None and plan.cost == 2
    assert plan.assignment["lectures"] == [["A", "R", 0, 3]]


def test_complete_hint_starts_the_search_from_the_anchor():
    """A hint fixed by the decisions is completed (every variable), and a search of large
    neighbourhoods only starts from it: with almost no work it returns the hinted solution
    or a better one. An impossible hint leaves the model as it was."""
    m = cp_model.CpModel()
    xs = [m.new_bool_var(f"x{i}") for i in range(6)]
    m.add(sum(xs) == 3)
    pairs = [m.new_bool_var(f"p{i}") for i in range(5)]
    for i, p in enumerate(pairs):  # p_i = x_i and x_{i+1}
        m.add_multiplication_equality(p, [xs[i], xs[i + 1]])
    m.maximize(sum(pairs))  # optimum 2: three in a row
    fixed = [(x, v) for x, v in zip(xs, [1, 0, 1, 0, 1, 0], strict=True)]  # objective 0
    assert hint_completely(m, fixed)
    assert len(m.proto.solution_hint.vars) == len(m.proto.variables)
    solved = solve_model(m, time_limit=10, seed=1, deterministic_limit=10, lns_only=True)
    assert solved is not None and solved.solver.objective_value >= 0
    assert not hint_completely(m, [(x, 1) for x in xs])  # four or more: impossible
    assert len(m.proto.solution_hint.vars) == len(m.proto.variables)


def test_department_resolve_is_no_worse_than_its_anchor():
    """Re-solving under the same caps from its own timetable never gives a worse one,
    even with a sliver of work (the search starts from the anchor)."""
    sc = load_scenario(ROOT / "examples" / "university-small.yaml")
    assert isinstance(sc, UniversityScenario)
    caps = dict(DOMAIN.managers(sc)[0].capacity)
    for prob in DOMAIN.local_problems(sc):
        first = prob.solve(SolveContext(caps=caps, budget=Budget(work=0.05), seed=3))
        assert first is not None
        again = prob.solve(SolveContext(caps=caps, anchor=first, budget=Budget(work=0.01), seed=4))
        assert again is not None and again.cost <= first.cost


@pytest.mark.slow
def test_a_deadline_cuts_a_long_resolve_short_with_a_plan_no_worse():
    """With a budget of wall ``seconds``, a re-solve asked for far more work than the time
    left returns near the deadline, from its anchor, no worse than it (so much work takes the direct
    model, ``DIRECT_FROM``, which returns the anchor when cut short before its start)."""
    sc, _ = split(read_ctt(ROOT / "data" / "itc2007" / "comp06.ctt"), 4)
    caps = dict(DOMAIN.managers(sc)[0].capacity)
    prob = max(DOMAIN.local_problems(sc), key=lambda p: len(p.inst.courses))
    first = prob.solve(SolveContext(caps=caps, budget=Budget(work=0.5), seed=3))
    assert first is not None
    started = time.monotonic()
    again = prob.solve(SolveContext(caps=caps, anchor=first,
                                    budget=Budget(work=10_000, seconds=1.0), seed=4))
    took = time.monotonic() - started
    assert again is not None and again.cost <= first.cost
    assert took < 1.0 + 4 * LAST_WORDS + 3  # the stages cut to their last words


def test_a_department_cpsat_cannot_fit_is_repaired_from_its_last_plan():
    """What ended comp12 (K = 4) with two lectures of one curriculum in one period: a
    department whose solver finds no timetable within its caps in its budget is granted
    beyond capacity. Here D1's last plan has A where D2 now holds Y1 (period 2); the
    repair anneals from it with the caps soft and ends within them."""
    sc = _two_departments()
    d1 = DepartmentProblem(sc, "D1")
    caps = dict(DOMAIN.managers(sc)[0].capacity)
    caps[curr_key("Y1", 2)] = 0
    anchor = Plan(agent="D1", assignment={"lectures": [["A", "R", 0, 2]]}, cost=0)
    ctx = SolveContext(caps=caps, anchor=anchor, budget=Budget(work=1.0), seed=1)
    lim = Limits(caps=caps, shared=frozenset(d1.shared), foreign=d1._foreign(caps),
                 anchor=frozenset({("A", 2, "R")}))
    got = d1._repaired(lim, ctx, time.monotonic())
    assert got is not None and got[0].slot != 2
    # without an anchor, from a greedy timetable
    got = d1._repaired(replace(lim, anchor=frozenset()), ctx, time.monotonic())
    assert got is not None and got[0].slot != 2


def test_greedy_timetables_are_complete_and_within_the_caps():
    inst = read_ctt(ROOT / "data" / "itc2007" / "comp01.ctt")
    lectures = constructed(inst, seed=0)
    assert lectures is not None
    rep = validate(inst, lectures)
    assert rep.violations == 0 and len(lectures) == sum(c.lectures for c in inst.courses)
    closed = {room_key(inst.rooms[0].id, p) for p in range(10)}  # 170 of 180 left
    caps = {room_key(r.id, p): 1 for r in inst.rooms for p in range(inst.periods)}
    lectures = constructed(inst, Limits(caps={k: v for k, v in caps.items()
                                               if k not in closed}), seed=1)
    assert lectures is not None and validate(inst, lectures).violations == 0
    assert all(room_key(lec.room, inst.period(lec.day, lec.slot)) not in closed
               for lec in lectures)


def test_a_department_anneals_its_last_plan_within_the_caps():
    """A department anneals from its anchor with its move budget: the same plan for the
    same seed, no worse than the anchor, within the caps (a room closed in every period
    is never used); an anchor over a hard cap is repaired into the caps."""
    sc, _ = split(read_ctt(ROOT / "data" / "itc2007" / "comp01.ctt"), 4)
    sc = sc.model_copy(update={"local_anneal": True})
    prob = max(DOMAIN.local_problems(sc), key=lambda p: len(p.inst.courses))
    assert isinstance(prob, DepartmentProblem) and prob.anneal
    caps = dict(DOMAIN.managers(sc)[0].capacity)
    closed = sc.rooms[0].id
    caps |= {room_key(closed, p): 0 for p in range(prob.inst.periods)}
    first = prob.solve(SolveContext(caps=caps, budget=Budget(work=0.2), seed=3))
    assert first is not None

    def within(plan: Plan, caps: dict[tuple[str, int], int]) -> bool:
        return all(e.amount <= caps.get((e.resource, e.slot), 0) for e in plan.usage)

    assert within(first, caps)
    ctx = SolveContext(caps=caps, anchor=first, budget=Budget(work=0.5), seed=4)
    one, two = prob.solve(ctx), prob.solve(ctx)
    assert one is not None and two is not None
    assert one.assignment == two.assignment and one.cost <= first.cost
    assert all(lec[1] != closed for lec in one.assignment["lectures"]) and within(one, caps)
    _, room, day, slot = first.assignment["lectures"][0]
    over = caps | {room_key(room, prob.inst.period(day, slot)): 0}
    repaired = prob.solve(replace(ctx, caps=over))
    assert repaired is not None and within(repaired, over)
    # past its deadline (a last chance): a bounded repair, up to its first fit
    late = prob.solve(replace(ctx, caps=over, budget=Budget(work=0.5, seconds=0.0)))
    assert late is not None and within(late, over)
