"""Large-neighbourhood search over a CP-SAT model whose decisions form a grid.

The decisions of a roster are cells ``(row, column)`` (a nurse, a day), each holding a few
0-1 variables. From a solution, each step frees the cells of a neighbourhood — a few
rows whole, every row over a window of columns, or some rows over a wider window — fixes
every other decision variable to its value, and re-solves that sub-problem with CP-SAT
(one worker, the current solution as hint, the objective bounded by the current cost) on
a small work limit. A solution no worse is accepted (plateau moves keep the search
moving). Each kind of neighbourhood adapts its size: larger after its sub-problem was
solved to optimality, smaller after it ran out of work.

With a ``Polish`` (a local search of the model's own, e.g. a compiled one over the
roster), the steps alternate: ``polish`` a few units from the best solution, then
``LNS_WORK`` units of neighbourhoods; the polish's units double after a polish that
improved the solution and halve after one that did not. The
polished decisions are completed and priced by CP-SAT (every other variable optimised
around them) and kept when no worse.

With a ``Guide`` (a relaxation of the model's own, e.g. a ward's LP by column generation),
the relaxation grows between the neighbourhoods, and a fourth kind frees the variables
where the solution and the relaxation's optimum disagree (relaxation-induced
neighbourhood search): where the relaxation is tight, the best solutions agree with it
almost everywhere, and the sub-problem of the rest is small enough to solve.

Everything is drawn from ``random.Random(seed)`` and every limit is CP-SAT's
deterministic time, so a seed and a work budget give the same solution on any machine;
a wall deadline (``cpsat.deadline``) stops it early with the best so far.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from accord.contract.budget import Budget
from accord.solve.cpsat import deadline, time_left, wall_limit

Grid = Sequence[Sequence[Sequence[int]]]
"""``grid[row][column]``: the proto indices of a cell's decision variables."""

Polish = Callable[[Sequence[int], float, int], "list[int] | None"]
"""A local search from a solution: ``(values, work, seed)`` -> values whose grid decisions
are a solution no worse on the search's own measure (the other variables are ignored), or
None; it spends about ``work`` units (the caller counts them) and stops at the wall
deadline."""

Guide = Callable[[Sequence[int], float, int], "tuple[dict[int, float] | None, float, bool]"]
"""A relaxation of the model grown alongside the search: ``(values, work, seed)`` adds
the solution to it and improves it for ``work`` units at most (stopping at the wall
deadline); returns the grid variables' values in its optimum (proto index -> value in
[0, 1]; None: none yet), the units spent, and whether it is final (no call can change
it)."""

KINDS = ("rows", "window", "block")
GUIDED_WORK = 10.0
"""The first guided sub-solve's limit in ``step_work``s (3 units); the limit doubles after
a sub-solve of every disagreeing row cut short (≤ 16 ×). Freeing every cell where the
solution and the relaxation disagree (a few hundred of a 30-nurse ward's 2,500 variables)
may need tens of units: Instance8 from 1331, 1309 after 12 units and 1305, proven, after
55."""
POLISH_WORK = 1.0
"""The first polish's units; the next one has twice as many after a polish that improved
the solution, half as many (a quarter of the first at least) after one that did not."""
LNS_WORK = 2.0
"""Units of neighbourhoods between two polishes."""
GUIDED = "guided"
ALL_KINDS = (*KINDS, GUIDED)
GUIDE_WORK = LNS_WORK
"""Units of the relaxation's growth between two runs of neighbourhoods, until it is final:
as much as the neighbourhoods get, so a slow relaxation never starves the search."""
ADAPT = True
"""Whether the polish's units adapt as in ``POLISH_WORK`` (else they double every time).
Measured (60 s, seeds 1–3): where the neighbourhoods nearly solve the ward alone
(Curtois Instance4, 9), doubling took their time for polishes that found nothing."""
STEP_WORK = 0.3
"""Deterministic units of one sub-solve: enough to solve a few rows (3–5 nurses of a
30-nurse ward) to optimality most of the time. Measured on Curtois Instance8 at 60 s:
0.1 leaves the neighbourhoods too small (2277), 1.0 takes too few steps (2401), 0.3
reaches 1760."""
START_SIZE = 0.15
"""Every kind's first share of the grid; sizes then adapt (× 1.2 after a solved
neighbourhood, ÷ 1.2 after one cut short), so that about half the sub-solves finish."""


@dataclass
class LnsStats:
    """What a search did: steps by kind, improving steps, work spent, the cost over
    work (``trace``: (work, cost) at each improvement)."""

    steps: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_KINDS, 0))
    solved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_KINDS, 0))
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ALL_KINDS, 0.0))
    improved: int = 0
    polished: int = 0
    """Polishes run, and those that improved the solution (``polish_gains``)."""
    polish_gains: int = 0
    work: float = 0.0
    trace: list[tuple[float, int]] = field(default_factory=list)


@dataclass(frozen=True)
class LnsResult:
    """The best solution found (every variable's value, in proto order) and its cost."""

    values: list[int]
    cost: int
    stats: LnsStats


def _pick(rng: random.Random, kind: str, size: float, rows: int, cols: int
          ) -> tuple[list[int], range]:
    """The rows and the column window a neighbourhood of ``kind`` frees at ``size`` (its
    share of the grid, in (0, 1])."""
    if kind == "rows":
        k = max(1, min(rows, round(size * rows)))
        return sorted(rng.sample(range(rows), k)), range(cols)
    if kind == "window":
        w = max(1, min(cols, round(size * cols)))
        start = rng.randrange(cols - w + 1)
        return list(range(rows)), range(start, start + w)
    # block: twice the rows of a ``rows`` move over half the days
    k = max(1, min(rows, round(2 * size * rows)))
    w = max(1, (cols + 1) // 2)
    start = rng.randrange(cols - w + 1)
    return sorted(rng.sample(range(rows), k)), range(start, start + w)


def _guided(rng: random.Random, grid: Grid, best: Sequence[int], guide: dict[int, float],
            size: float) -> tuple[set[int], bool]:
    """The variables a guided neighbourhood frees: where the solution and the relaxation
    disagree, in a share ``size`` of the rows that hold such a variable; and whether
    that is every such row."""
    rows = [[i for cell in row for i in cell if abs(guide.get(i, 0.0) - best[i]) > 1e-6]
            for row in grid]
    holding = [r for r, apart in enumerate(rows) if apart]
    if not holding:
        return set(), True
    k = max(1, min(len(holding), round(size * len(holding))))
    return {i for r in rng.sample(holding, k) for i in rows[r]}, k >= len(holding)


def improve(model: cp_model.CpModel, grid: Grid, values: Sequence[int], cost: int, *,
            work: float, seed: int, step_work: float = STEP_WORK, start_size: float = START_SIZE,
            polish: Polish | None = None, guide: Guide | None = None) -> LnsResult:
    """Improve the solution ``values`` (of cost ``cost``) of ``model`` for ``work``
    deterministic units. ``step_work`` bounds one sub-solve; ``start_size`` is every
    kind's first share of the grid; ``polish`` alternates with the neighbourhoods (see
    the module); ``guide`` grows a relaxation ``GUIDE_WORK`` units at a time between
    them (with a polish, from its first polish that finds nothing: while the polish
    pays, the relaxation's work would be taken from it) and adds the guided
    neighbourhood to the kinds. ``model`` is left unchanged."""
    rng = random.Random(seed)
    base = model.proto
    rows, cols = len(grid), len(grid[0]) if grid else 0
    best, best_cost = list(values), cost
    stats = LnsStats(trace=[(0.0, cost)])
    if not rows or not cols:
        return LnsResult(best, best_cost, stats)
    size = dict.fromkeys(ALL_KINDS, start_size)
    relaxed: dict[int, float] | None = None
    final = guide is None
    guiding = polish is None  # with a polish: from its first polish that finds nothing
    guided_from: int | None = None  # the cost a guided step was solved from at full size
    guided_work = GUIDED_WORK * step_work
    offset = round(base.objective.offset) if base.has_objective() else 0
    polish_work, polish_at, guide_at = POLISH_WORK, 0.0, 0.0
    while stats.work < work:
        if (left_s := time_left()) is not None and left_s <= 0:
            break
        if guide is not None and guiding and not final and stats.work >= guide_at:
            relaxed, spent, final = guide(best, min(GUIDE_WORK, work - stats.work),
                                          rng.randrange(2**31))
            stats.work += spent
            guided_from, guide_at = None, stats.work + LNS_WORK
            continue
        kinds = KINDS if relaxed is None else ALL_KINDS
        if polish is not None and stats.work >= polish_at:
            spend, before = min(polish_work, work - stats.work), best_cost
            got = polish(best, spend, rng.randrange(2**31))
            stats.work += spend
            stats.polished += 1
            done = None if got is None else _fixed(model, grid, got, max(
                0.1, min(step_work, work - stats.work)), seed)
            if done is not None:
                stats.work += done[2]
                if done[1] < best_cost:
                    stats.polish_gains += 1
                    stats.improved += 1
                    stats.trace.append((stats.work, done[1]))
                if done[1] <= best_cost:
                    best, best_cost = done[0], done[1]
            gained = done is not None and done[1] < before
            guiding = guiding or not gained  # once the polish stops paying
            if ADAPT and not gained:
                polish_work = max(POLISH_WORK / 4, polish_work / 2)
            else:
                polish_work *= 2
            polish_at = stats.work + LNS_WORK
            continue
        kind = kinds[rng.randrange(len(kinds))]
        if kind == GUIDED:
            if guided_from == best_cost:
                continue  # solved from this cost already: nothing new to find
            assert relaxed is not None
            free, whole = _guided(rng, grid, best, relaxed, size[GUIDED])
            limit = guided_work
        else:
            free_rows, window = _pick(rng, kind, size[kind], rows, cols)
            free = {i for r in free_rows for c in window for i in grid[r][c]}
            whole, limit = len(free_rows) == rows and len(window) == cols, step_work
        sub = cp_model.CpModel()
        sub.proto.copy_from(base)
        p = sub.proto
        for r in range(rows):
            for c in range(cols):
                for i in grid[r][c]:
                    if i not in free:
                        dom = p.variables[i].domain
                        dom.clear()
                        dom.extend([best[i], best[i]])
        p.clear_solution_hint()
        p.solution_hint.vars.extend(range(len(best)))
        p.solution_hint.values.extend(best)
        p.objective.domain.clear()
        p.objective.domain.extend([-(2**62), best_cost - offset])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = rng.randrange(2**31)
        solver.parameters.linearization_level = 2
        solver.parameters.max_deterministic_time = min(limit, work - stats.work)
        solver.parameters.max_time_in_seconds = wall_limit(100 * limit + 10)
        status = solver.solve(sub)
        stats.seconds[kind] += solver.wall_time
        stats.work += solver.deterministic_time
        stats.steps[kind] += 1
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            new_cost = round(solver.objective_value)
            if new_cost <= best_cost:
                if new_cost < best_cost:
                    stats.improved += 1
                    stats.trace.append((stats.work, new_cost))
                best, best_cost = list(solver.response_proto.solution), new_cost
        if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
            if whole and kind != GUIDED:
                break  # the whole problem solved: nothing left to improve
            if whole:
                # a guided step from the new solution frees a subset of what this one
                # freed: none can gain until another kind moves the solution
                guided_from = best_cost
            stats.solved[kind] += 1
            size[kind] = min(1.0, size[kind] * 1.2)
        else:
            size[kind] = max(0.5 / max(rows, cols), size[kind] / 1.2)
            if kind == GUIDED and whole:
                guided_work = min(16 * GUIDED_WORK * step_work, 2 * guided_work)
    return LnsResult(best, best_cost, stats)


def _solve(model: cp_model.CpModel, work: float, seed: int, **params: int | bool
           ) -> tuple[cp_model.CpSolver, bool]:
    """One worker's solve of ``model`` within ``work`` units: the solver, and whether it
    holds a solution."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % 2**31
    solver.parameters.max_deterministic_time = work
    solver.parameters.max_time_in_seconds = wall_limit(100 * work + 10)
    for name, value in params.items():
        setattr(solver.parameters, name, value)
    status = solver.solve(model)
    return solver, status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def first_solution(model: cp_model.CpModel, grid: Grid, *, work: float, seed: int
                   ) -> tuple[list[int], int, float] | None:
    """A first solution of ``model``: the hint's decisions when it sets every one and
    they fit (a re-solve starts from the roster it had), else the decisions of a search
    for any feasible one (the hints followed where they fit); every other variable
    then optimised around them. Returns the values, their cost and the work spent;
    None when none was found."""
    proto = model.proto
    # reading an absent hint would add an empty one, which CP-SAT does not ignore: a
    # feasibility search on a 45-nurse ward then ran 60 s for nothing, 0.6 s without it
    hint = (dict(zip(proto.solution_hint.vars, proto.solution_hint.values, strict=True))
            if proto.has_solution_hint() else {})
    decisions = [i for row in grid for cell in row for i in cell]
    spent = 0.0
    if decisions and all(i in hint for i in decisions):
        values = [0] * len(model.proto.variables)
        for i in decisions:
            values[i] = hint[i]
        solver, ok = _solve(_around(model, grid, values), work, seed)
        if ok:
            return (list(solver.response_proto.solution), round(solver.objective_value),
                    solver.deterministic_time)
        spent = solver.deterministic_time
    feasible = cp_model.CpModel()
    feasible.proto.copy_from(model.proto)
    feasible.clear_objective()
    found, ok = _solve(feasible, max(work - spent, 0.1), seed, linearization_level=0)
    if not ok:
        return None
    spent += found.deterministic_time
    done = _fixed(model, grid, found.response_proto.solution, max(work - spent, 0.1), seed)
    return None if done is None else (done[0], done[1], spent + done[2])


def _fixed(model: cp_model.CpModel, grid: Grid, values: Sequence[int], work: float, seed: int
           ) -> tuple[list[int], int, float] | None:
    """The grid's decisions of ``values`` fixed, every other variable of ``model``
    optimised around them: all the values, their cost and the work spent (None: none
    found within ``work``)."""
    best, ok = _solve(_around(model, grid, values), work, seed)
    if not ok:
        return None
    return (list(best.response_proto.solution), round(best.objective_value),
            best.deterministic_time)


def _around(model: cp_model.CpModel, grid: Grid, values: Sequence[int]) -> cp_model.CpModel:
    """A copy of ``model`` with the grid's decisions fixed to ``values``."""
    around = cp_model.CpModel()
    around.proto.copy_from(model.proto)
    for i in (i for row in grid for cell in row for i in cell):
        dom = around.proto.variables[i].domain
        dom.clear()
        dom.extend([values[i], values[i]])
    return around


def solve_lns(model: cp_model.CpModel, grid: Grid, budget: Budget, *, seed: int,
              step_work: float = STEP_WORK, polish: Polish | None = None,
              guide: Guide | None = None) -> LnsResult | None:
    """A first solution, then ``improve`` from it (with ``polish`` and ``guide`` if
    given), all within ``budget`` (its work in deterministic units, its wall seconds if
    set); None when no solution was found."""
    with deadline(budget.seconds):
        first = first_solution(model, grid, work=budget.work, seed=seed)
        if first is None:
            return None
        values, cost, spent = first
        result = improve(model, grid, values, cost, work=budget.work - spent, seed=seed,
                         step_work=step_work, polish=polish, guide=guide)
    result.stats.work += spent
    return result
