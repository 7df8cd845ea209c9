"""The compiled local search of a Curtois ward's roster (``roster_search``): its running
cost equals the benchmark's full evaluation after any moves, a seed and a move budget give
one roster, it finds a small ward's optimum, and the ward solver alternating it with the
neighbourhoods stays reproducible and feasible."""

from __future__ import annotations

import numpy as np
import pytest

from accord.contract import Budget, SolveContext
from accord.domains.nursing.curtois import WardInstance, parse_curtois
from accord.domains.nursing.curtois_ward import measure
from accord.domains.nursing.hospital import curtois_hospital
from accord.domains.nursing.roster import evaluate
from accord.domains.nursing.roster_arrays import (
    Fares,
    WardArrays,
    add_riders,
    arrays_of,
    assignment_of,
    no_fares,
    roster_of,
)
from accord.domains.nursing.roster_search import (
    MIX,
    anneal,
    cost_of,
    row_hard,
    search,
    weights,
)
from accord.domains.nursing.ward import WardProblem
from accord.model.errors import read_text_file
from tests.conftest import ROOT

DATA = ROOT / "data" / "curtois"


def _inst(name: str) -> WardInstance:
    path = DATA / f"{name}.txt"
    return parse_curtois(read_text_file(path), str(path))


def _fares(arr: WardArrays, R: np.ndarray, rng: np.random.Generator) -> Fares:  # type: ignore[type-arg]
    """Three random lines (one-seat cabs among them) that some of the nurses ride, at
    the departure of each shift type, the roster's passengers loaded, weight 2."""
    E, S = arr.allowed.shape[0], arr.minutes.shape[0]
    T = arr.allowed.shape[1] * S
    f = Fares(np.array(rng.integers(-1, 3, size=E)), rng.permutation(S), S,
              np.zeros((3, T), dtype=np.int64), np.repeat([[1], [3], [4]], T, axis=1),
              np.array(rng.integers(0, 80, size=(3, T))), 2)
    add_riders(f.loads, R, f)
    return f


@pytest.mark.parametrize(("name", "lines"), [("Instance3", False), ("Instance8", False),
                                             ("Instance8", True)])
def test_the_running_cost_is_the_full_evaluation_after_random_moves(name: str,
                                                                    lines: bool) -> None:
    inst = _inst(name)
    arr = arrays_of(inst)
    rng = np.random.default_rng(3)
    E, H, S = len(inst.staff), inst.horizon, len(inst.shifts)
    R = np.full((E, H), S, dtype=np.int64)
    for e in range(E):  # a random roster within the model's cells (rules broken at will)
        for d in range(H):
            R[e, d] = rng.choice(np.flatnonzero(arr.allowed[e, d]))
    f = _fares(arr, R, rng) if lines else no_fares(arr)
    cnt, wk = np.zeros(S, dtype=np.int64), np.zeros(len(inst.weekends), dtype=np.int64)
    hard_rounds = 0
    for k in range(150):
        # hot enough to accept about every move, feasible or not
        out = anneal(R, arr.minutes, arr.forbid, arr.max_shifts, arr.limits, arr.days_off,
                     arr.allowed, arr.pref, arr.need, arr.weekend, arr.unit, 1 + k % 7, k,
                     1e9, 1e9, 2 * weights(arr), MIX, f.line_of, f.dep, f.per_day, f.loads,
                     f.cap, f.fare, f.weight)
        soft, hard = out[4], out[5]
        ev = evaluate(inst, assignment_of(inst, R))
        loads = np.zeros_like(f.loads)
        add_riders(loads, R, f)
        assert np.array_equal(loads, f.loads)  # the search's passengers follow the roster
        assert soft == cost_of(arr, R, f) == f.weight * ev.cost + int(
            ((loads + f.cap - 1) // f.cap * f.fare).sum())
        rows = [row_hard(R, e, arr.minutes, arr.forbid, arr.max_shifts, arr.limits,
                         arr.days_off, arr.weekend, arr.unit, cnt, wk) for e in range(E)]
        assert hard == sum(rows)
        broken = {line.split(": ")[1].split()[0] for line in ev.details}
        assert broken == {e.id for e, h in zip(inst.staff, rows, strict=True) if h}
        hard_rounds += hard > 0
    assert hard_rounds  # rules were broken and counted along the way
    assert not lines or f.loads.any()  # and seats moved


def test_a_seed_and_a_move_budget_give_one_roster() -> None:
    inst = _inst("Instance5")
    arr = arrays_of(inst)
    start = roster_of(inst, {})  # everybody off: breaks MinTotalMinutes
    runs = [search(arr, start, moves=300_000, seed=s) for s in (4, 4, 5)]
    assert np.array_equal(runs[0].roster, runs[1].roster) and runs[0].cost == runs[1].cost
    assert runs[0].accepted == runs[1].accepted != runs[2].accepted


def test_the_search_ends_near_a_small_wards_optimum() -> None:
    inst = _inst("Instance1")
    arr = arrays_of(inst)
    for seed in (1, 2):
        found = search(arr, roster_of(inst, {}), moves=3_000_000, seed=seed)
        ev = evaluate(inst, assignment_of(inst, found.roster))
        # 607 is the proven optimum: never below it, at most a request's weight or so above
        assert ev.violations == 0 and 607 <= ev.cost == found.cost <= 610


@pytest.mark.slow
def test_the_ward_solver_with_the_search_is_reproducible_and_feasible() -> None:
    sc = curtois_hospital([DATA / "Instance5.txt"], 0)
    ward = sc.wards[0]
    plans = [WardProblem(sc, ward).solve(SolveContext(budget=Budget(work=1.3), seed=2))
             for _ in range(2)]
    assert plans[0] is not None and plans[1] is not None
    assert plans[0].assignment == plans[1].assignment
    m = measure(ward, plans[0])  # type: ignore[arg-type]
    assert m.violations == 0 and m.cost == plans[0].cost < 1.25 * 1143
