"""The compiled annealing of university timetables: its incremental cost against the
official validator on random moves (clashes allowed or not), each move on a tiny case, the
negotiation's limits (refused rooms, held periods), reproducibility from a seed and a move
budget, and ``central``'s wall budget."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import numpy as np
import pytest

from accord.app.registry import load_scenario
from accord.domains.university.anneal import Schedule, anneal, warm_up
from accord.domains.university.anneal.arrays import lectures_of, overflow_price, static_of
from accord.domains.university.anneal.cost import CLASH, PEN, RC, RS, full_cost, objective
from accord.domains.university.anneal.moves import (
    compact,
    kempe,
    move_or_swap,
    relocate_in,
    room_stability,
    working_day,
)
from accord.domains.university.anneal.search import (
    MOVE_MIX,
    anneal_chunk,
    most_clash_price,
    start_state,
)
from accord.domains.university.central import solve_central
from accord.domains.university.cpmodel import Limits, build, curr_key, read_lectures, room_key
from accord.domains.university.instance import Course, Curriculum, Instance, Lecture, Room
from accord.domains.university.itc2007 import read_ctt
from accord.domains.university.validate import validate
from accord.solve.cpsat import solve_model
from tests.conftest import ROOT

COMP01 = ROOT / "data" / "itc2007" / "comp01.ctt"


@pytest.fixture(scope="module")
def comp01() -> tuple[Instance, list[Lecture]]:
    inst = read_ctt(COMP01)
    built = build(inst)
    solved = solve_model(built.model, time_limit=30, seed=0, workers=1,
                         deterministic_limit=1.0)
    assert solved is not None
    return inst, read_lectures(inst, built.x, solved.solver)


def limits_around(inst: Instance, start: list[Lecture], seed: int, soft: bool) -> Limits:
    """Caps that keep ``start`` feasible but refuse half the other (room, period) pairs,
    three shared curricula held by others in a third of their free periods, and an
    anchor that is ``start`` with a few lectures moved."""
    rnd = random.Random(seed)
    used = {(lec.room, inst.period(lec.day, lec.slot)) for lec in start}
    caps = {room_key(r.id, p): 1 for r in inst.rooms for p in range(inst.periods)
            if (r.id, p) in used or rnd.random() < 0.5}
    shared = [q.id for q in inst.curricula[:3]]
    foreign: dict[str, frozenset[int]] = {}
    for q in inst.curricula[:3]:
        mine = {inst.period(lec.day, lec.slot) for lec in start if lec.course in q.courses}
        held = {p for p in range(inst.periods) if p not in mine and rnd.random() < 0.33}
        foreign[q.id] = frozenset(held)
        caps |= {curr_key(q.id, p): 1 for p in range(inst.periods) if p not in held}
    anchor = {(lec.course, inst.period(lec.day, lec.slot), lec.room) for lec in start[5:]}
    return Limits(caps=caps, soft=soft, shared=frozenset(shared), foreign=foreign,
                  anchor=frozenset(anchor), price=3 if soft else None)


def official(inst: Instance, lectures: list[Lecture], lim: Limits) -> int:
    """The validator's cost, with other departments' lectures of shared curricula as
    neighbours (the department's cost): counted on an instance holding them too."""
    extra = [Course(f"_f_{q}", f"_t_{q}", len(ps), 0, 0) for q, ps in lim.foreign.items()
             if ps]
    curricula = [Curriculum(q.id, q.courses + ((f"_f_{q.id}",) if lim.foreign.get(q.id)
                                               else ())) for q in inst.curricula]
    merged = Instance(inst.name, inst.days, inst.periods_per_day, inst.courses + extra,
                      [*inst.rooms, Room("_far", 10 ** 6)], curricula, inst.unavailable)
    ppd = inst.periods_per_day
    away = [Lecture(f"_f_{q}", "_far", p // ppd, p % ppd)
            for q, ps in lim.foreign.items() for p in ps]
    return validate(merged, lectures + away).cost


@pytest.mark.slow
@pytest.mark.parametrize(("soft", "clash_w"), [(False, 0), (True, 0), (False, 20)])
def test_incremental_cost_equals_the_official_one_on_random_moves(comp01, soft, clash_w):
    inst, start = comp01
    lim = limits_around(inst, start, 1, soft)
    st = static_of(inst, lim)
    s = start_state(inst, st, start)
    best_p, best_r = s.l_period.copy(), s.l_room.copy()
    changed = clashes = 0
    for i in range(5000):  # one move per call, at a temperature that takes most of them
        before = s.l_period.copy(), s.l_room.copy()
        anneal_chunk(st, s, best_p, best_r, -1, 1, 50.0, 50.0, i, MOVE_MIX, clash_w)
        changed += int((before[0] != s.l_period).any() or (before[1] != s.l_room).any())
        assert (s.comp == full_cost(st, s.l_period, s.l_room)).all(), i
        clashes = max(clashes, int(s.comp[CLASH]))
        if i % 250 == 0:
            lectures = lectures_of(inst, st, s.l_period, s.l_room)
            assert (validate(inst, lectures).violations == 0) == (s.comp[CLASH] == 0)
            if s.comp[CLASH] == 0:  # the validator counts a course twice in a period once
                assert s.comp[RC:RS + 1].sum() == official(inst, lectures, lim)
    assert changed > 1000  # the moves did move lectures (many are refused: caps)
    assert (clashes > 0) == (clash_w > 0)  # clashes happen only where allowed


def tiny() -> Instance:
    """Two days of two periods, rooms S (10) and L (30); a (2 lectures, 2 days, 20
    students) and b (1 lecture, 10 students) in curriculum Q; c alone, same teacher as b."""
    return Instance("tiny", 2, 2,
                    [Course("a", "ta", 2, 2, 20), Course("b", "tb", 1, 1, 10),
                     Course("c", "tb", 1, 1, 10)],
                    [Room("S", 10), Room("L", 30)], [Curriculum("Q", ("a", "b"))])


def _moved(inst: Instance, start: list[Lecture], move, lim: Limits | None = None):
    """Apply one move (``move(st, s, bufs)`` writes it; a random one is drawn again
    until it proposes a feasible one) and return the new timetable."""
    st = static_of(inst, lim)
    s = start_state(inst, st, start)
    bufs = [np.empty(8, np.int64) for _ in range(5)]
    assert any((k := move(st, s, *bufs[:3])) > 0
               and relocate_in(st, s, *bufs[:3], k, *bufs[3:]) for _ in range(200))
    assert (s.comp == full_cost(st, s.l_period, s.l_room)).all()
    return lectures_of(inst, st, s.l_period, s.l_room)


def _where(st, s):
    """The arrays ``move_or_swap`` reads, in its order."""
    return st.cp_ok, st.rp_ok, st.l_course, s.l_period, s.l_room, s.room_lec


def test_each_move_on_a_tiny_case():
    inst = tiny()
    L = Lecture
    # a's two lectures on day 0 in two rooms, b isolated on day 1
    start = [L("a", "L", 0, 0), L("a", "S", 0, 1), L("b", "S", 1, 1), L("c", "L", 1, 0)]
    assert validate(inst, start).soft == {"RoomCapacity": 10, "MinWorkingDays": 5,
                                          "CurriculumCompactness": 2, "RoomStability": 1}
    # working day: a lecture of a to day 1, in its room, swapping with what is there
    got = _moved(inst, start, lambda st, s, *b: working_day(
        st.ppd, st.days, st.c_mwd, st.c_lec_ptr, s.c_day, s.c_ndays, *_where(st, s), 0, *b))
    assert validate(inst, got).violations == 0
    assert len({x.day for x in got if x.course == "a"}) == 2
    assert validate(inst, got).soft["MinWorkingDays"] == 0
    # room stability: a's lectures into L (its first lecture's room), c swapping rooms
    got = _moved(inst, start, lambda st, s, *b: room_stability(
        st.c_lec_ptr, st.rp_ok, s.l_period, s.l_room, s.room_lec, 0, 1, *b))
    assert {x.room for x in got if x.course == "a"} == {"L"}
    assert validate(inst, got).soft["RoomStability"] == 0
    # move or swap: b to day 0, slot 1, room S: a's lecture there goes to b's place
    got = _moved(inst, start, lambda st, s, *b: move_or_swap(*_where(st, s), 2, 1, 0, *b))
    assert L("b", "S", 0, 1) in got and L("a", "S", 1, 1) in got
    # compact: in one day of three periods, b (alone at 2) next to a (alone at 0)
    line = Instance("line", 1, 3, [Course("a", "ta", 1, 1, 5), Course("b", "tb", 1, 1, 5)],
                    [Room("S", 10)], [Curriculum("Q", ("a", "b"))])
    spread = [L("a", "S", 0, 0), L("b", "S", 0, 2)]
    assert validate(line, spread).soft["CurriculumCompactness"] == 4
    got = _moved(line, spread, lambda st, s, *b: compact(
        st.ppd, st.cq_ptr, st.cq_idx, st.q_ptr, st.q_idx, st.c_lec_ptr, *_where(st, s), 1, *b))
    assert got == [L("a", "S", 0, 0), L("b", "S", 0, 1)]
    assert validate(line, got).cost == 0
    # Kempe chains: b to period 0 takes a's lecture there (curriculum Q) to b's period;
    # c to period 3 takes b (one teacher) to c's; rooms kept where free
    chain = lambda lec, p: lambda st, s, *b: kempe(  # noqa: E731
        st.c_teacher, st.cq_ptr, st.cq_idx, st.l_course, s.l_period, s.l_room, s.room_lec,
        lec, p, *b)
    got = _moved(inst, start, chain(2, 0))
    assert sorted(got) == sorted([L("b", "S", 0, 0), L("a", "L", 1, 1), L("a", "S", 0, 1),
                                  L("c", "L", 1, 0)])
    got = _moved(inst, start, chain(3, 3))
    assert sorted(got) == sorted([L("a", "L", 0, 0), L("a", "S", 0, 1), L("b", "S", 1, 0),
                                  L("c", "L", 1, 1)])
    assert all(validate(inst, g).violations == 0 for g in [got])


@pytest.mark.slow
def test_a_refused_room_and_a_held_period_are_never_taken(comp01):
    inst, start = comp01
    lim = limits_around(inst, start, 2, soft=False)
    got = anneal(inst, start, lim=lim, seed=3, moves=200_000)
    ppd = inst.periods_per_day
    assert validate(inst, got.lectures).violations == 0
    assert lim.caps is not None
    for lec in got.lectures:
        p = lec.day * ppd + lec.slot
        assert lim.caps.get(room_key(lec.room, p), 0) >= 1, lec
        for q in inst.curricula[:3]:
            if lec.course in q.courses:
                assert p not in lim.foreign[q.id], lec
    assert objective(got.comp) <= objective(start_state(inst, static_of(inst, lim), start).comp)


@pytest.mark.slow
def test_same_seed_and_move_budget_give_the_same_timetable(comp01):
    inst, start = comp01
    a = anneal(inst, start, seed=7, moves=150_000)
    b = anneal(inst, start, seed=7, moves=150_000)
    c = anneal(inst, start, seed=8, moves=150_000)
    assert a.lectures == b.lectures and (a.comp == b.comp).all()
    assert a.lectures != c.lectures
    assert validate(inst, a.lectures).cost == a.comp[RC:RS + 1].sum()
    assert a.comp[RC:RS + 1].sum() < validate(inst, start).cost


@pytest.mark.slow
def test_central_keeps_its_budget_and_a_move_budget_repeats():
    inst = read_ctt(COMP01)
    warm_up()  # as every protocol does before its clock starts
    began = time.monotonic()
    timed = solve_central(inst, time_limit=3.0, seed=0, workers=1)
    assert time.monotonic() - began <= 3.5
    assert timed.moves > 0 and validate(inst, timed.lectures).violations == 0
    a, b = (solve_central(inst, time_limit=60.0, seed=5, workers=1, moves=200_000)
            for _ in range(2))
    assert a.moves == b.moves == 200_000
    assert a.lectures == b.lectures
    assert validate(inst, a.lectures).violations == 0


@pytest.mark.slow
def test_clashes_are_crossed_but_never_kept(comp01):
    inst, start = comp01
    feasible = anneal(inst, start, seed=4, moves=300_000, schedule=Schedule(clash_weight=0))
    crossing = anneal(inst, start, seed=4, moves=300_000, schedule=Schedule(clash_weight=20))
    for got in (feasible, crossing):
        assert got.comp[CLASH] == 0
        assert validate(inst, got.lectures).violations == 0
        assert validate(inst, got.lectures).cost == got.comp[RC:RS + 1].sum()
    assert feasible.lectures != crossing.lectures


def test_a_clash_may_cost_more_than_a_unit_over_a_soft_cap(comp01):
    """Both break a hard rule: a repair that may keep a clash where it saves overflow
    never gets back to a timetable without clashes that is better than its start."""
    inst, start = comp01
    unpriced = replace(limits_around(inst, start, 2, soft=True), price=None)
    hard = limits_around(inst, start, 2, soft=False)
    assert overflow_price(inst, unpriced) > most_clash_price(inst, hard, 20)
    assert most_clash_price(inst, unpriced, 20) > overflow_price(inst, unpriced)


def test_a_repair_stops_at_the_first_timetable_within_the_caps(comp01):
    """``stop_at`` below a unit over a cap: from a start five lectures over its caps
    (their halls refused), the search stops within a few chunks of moves with a
    timetable that fits, far short of its move budget."""
    inst, start = comp01
    lim = replace(limits_around(inst, start, 2, soft=True), price=None)
    assert lim.caps is not None
    ppd = inst.periods_per_day
    refused = [room_key(lec.room, lec.day * ppd + lec.slot) for lec in start[:5]]
    caps = {k: a for k, a in lim.caps.items() if k not in refused}
    lim = replace(lim, caps=caps)
    got = anneal(inst, start, lim=lim, seed=1, moves=5_000_000,
                 stop_at=overflow_price(inst, lim) - 1)
    assert got.comp[PEN] == 0 and got.moves < 200_000
    assert all(caps.get(room_key(lec.room, lec.day * ppd + lec.slot), 0) >= 1
               for lec in got.lectures)
    assert validate(inst, got.lectures).violations == 0


def test_central_stops_at_a_proven_lower_bound():
    """The small example's timetable reaches cost 0, CP-SAT's bound: the annealing stops
    there, proven optimal, long before its move budget (it had run its whole time)."""
    inst = load_scenario(ROOT / "examples" / "university-small.yaml").instance()
    got = solve_central(inst, time_limit=60.0, seed=0, workers=1, moves=20_000_000)
    assert validate(inst, got.lectures).cost == 0 == got.bound
    assert got.optimal and 0 < got.moves < 5_000_000
