"""The linear relaxation of a Curtois ward (``roster_lp``) and the neighbourhood it guides
(``solve.lns``): every column keeps its nurse's rules, the bound never exceeds a proven
optimum, the relaxation is reproducible, and the guided search frees exactly where the
roster and the relaxation disagree; ``central`` joins every ward's relaxation."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from accord.domains.nursing.central import _grid, _guide, central_model
from accord.domains.nursing.curtois import parse_curtois
from accord.domains.nursing.hospital import curtois_hospital
from accord.domains.nursing.roster import build_model, evaluate, solve_ward
from accord.domains.nursing.roster_lp import Relaxation
from accord.model.errors import read_text_file
from accord.solve import lns
from tests.conftest import ROOT

DATA = ROOT / "data" / "curtois"
OPTIMA = {"Instance1": 607, "Instance2": 828}
"""Proven optima (``data/curtois/SOURCE.md``)."""


def _instance(name: str):  # type: ignore[no-untyped-def]
    path = DATA / f"{name}.txt"
    return parse_curtois(read_text_file(path), str(path))


def _relaxed(name: str, work: float = 100.0, seed: int = 1):  # type: ignore[no-untyped-def]
    inst = _instance(name)
    first = solve_ward(inst, time_limit=30, seed=1, deterministic_limit=0.2)
    assert first is not None
    rows = {e.id: tuple(first.assignment.get((e.id, d)) for d in range(inst.horizon))
            for e in inst.staff}
    r = Relaxation(inst)
    r.add_rows(rows)
    start = r.value
    assert start == first.cost  # one column per nurse: the roster itself
    r.generate(work, seed)
    return inst, r, first.cost


def test_the_relaxation_bounds_the_optimum_from_below():
    for name, optimum in OPTIMA.items():
        _, r, first = _relaxed(name)
        assert r.converged and r.bound is not None
        assert r.bound <= optimum + 1e-6 and r.bound <= r.value <= first
        assert r.value - r.bound < 1
        assert r.value > 0.9 * optimum  # and close to it


def _requests(inst, nurse, row) -> int:  # type: ignore[no-untyped-def]
    on = sum(q.weight for q in inst.on_requests if q.employee == nurse and row[q.day] != q.shift)
    off = sum(q.weight for q in inst.off_requests if q.employee == nurse and row[q.day] == q.shift)
    return on + off


def test_every_column_keeps_its_nurses_rules_and_costs_her_requests():
    inst, r, _ = _relaxed("Instance2")
    for nurse, rows in r.master.columns.items():
        staff = next(e for e in inst.staff if e.id == nurse)
        own = replace(inst, staff=(staff,), covers=(),
                      on_requests=tuple(q for q in inst.on_requests if q.employee == nurse),
                      off_requests=tuple(q for q in inst.off_requests if q.employee == nurse),
                      days_off={nurse: inst.days_off.get(nurse, frozenset())})
        for row in rows:
            ev = evaluate(own, {(nurse, d): s for d, s in enumerate(row) if s is not None})
            assert ev.violations == 0, ev.details
            assert ev.cost == _requests(inst, nurse, row)
            assert r.master.lp.Objective().GetCoefficient(rows[row]) == ev.cost


def test_the_cells_are_shares_of_each_nurses_day():
    _, r, _ = _relaxed("Instance2")
    days: dict[tuple[str, int], float] = {}
    for (nurse, day, _), share in r.cells().items():
        assert 0 < share <= 1 + 1e-6
        days[nurse, day] = days.get((nurse, day), 0.0) + share
    assert max(days.values()) <= 1 + 1e-6


@pytest.mark.slow
def test_a_seed_and_a_work_budget_give_one_relaxation():
    a, b = _relaxed("Instance2", work=0.5, seed=3)[1], _relaxed("Instance2", work=0.5, seed=3)[1]
    assert a.rounds == b.rounds and a.value == b.value and a.cells() == b.cells()


def test_the_guided_neighbourhood_frees_where_roster_and_relaxation_disagree():
    grid = [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]
    best = [1, 0, 0, 1, 0, 0, 1, 0]
    guide = {0: 1.0, 1: 0.0, 2: 0.5, 3: 0.5, 4: 0.0, 5: 0.0, 6: 1.0, 7: 0.0}
    free, whole = lns._guided(random.Random(1), grid, best, guide, 1.0)
    assert free == {2, 3} and whole
    free, whole = lns._guided(random.Random(1), grid, best, dict.fromkeys(range(8), 0.0), 0.5)
    assert free in ({0}, {3}, {6}) or len(free) == 2
    assert not whole
    assert lns._guided(random.Random(1), grid, best, dict(enumerate(map(float, best))),
                       0.5) == (set(), True)  # agreeing everywhere: nothing to free


def test_centrals_guide_joins_every_wards_relaxation():
    sc = curtois_hospital([DATA / "Instance1.txt", DATA / "Instance2.txt"], 2, seed=1,
                          budget=60)
    m, wards = central_model(sc)
    grid = _grid(wards)
    guide = _guide(wards)
    assert grid is not None and guide is not None
    first = lns.first_solution(m, grid, work=5.0, seed=1)
    assert first is not None
    cells, spent, final = guide(first[0], 100.0, 1)
    assert cells is not None and final and spent > 0
    assert set(cells) == {x.index for v in wards for x in v.cells.values()}
    assert all(-1e-6 <= c <= 1 + 1e-6 for c in cells.values())


def _guide_of(inst, x):  # type: ignore[no-untyped-def]
    relaxation = Relaxation(inst)

    def run(values, work, seed):  # type: ignore[no-untyped-def]
        relaxation.add_rows({e.id: tuple(next((s.id for s in inst.shifts if (
            v := x.get((e.id, d, s.id))) is not None and values[v.index]), None)
            for d in range(inst.horizon)) for e in inst.staff})
        spent = relaxation.generate(work, seed)
        cells = relaxation.cells()
        return {v.index: cells.get(k, 0.0) for k, v in x.items()}, spent, relaxation.converged

    return run


@pytest.mark.slow
def test_the_guided_search_is_reproducible_and_keeps_rosters_feasible():
    inst = _instance("Instance2")
    m, x = build_model(inst)
    grid = [[[x[k].index for s in inst.shifts if (k := (e.id, d, s.id)) in x]
             for d in range(inst.horizon)] for e in inst.staff]
    first = lns.first_solution(m, grid, work=5.0, seed=1)
    assert first is not None
    runs = [lns.improve(m, grid, first[0], first[1], work=3.0, seed=5,
                        guide=_guide_of(inst, x)) for _ in range(2)]
    assert runs[0].values == runs[1].values and runs[0].stats.steps == runs[1].stats.steps
    assert runs[0].stats.steps["guided"] > 0
    roster = {(e, d): s for (e, d, s), v in x.items() if runs[0].values[v.index]}
    ev = evaluate(inst, roster)
    assert ev.violations == 0 and ev.cost == runs[0].cost < first[1]
