"""Solving a CP-SAT model reproducibly."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ortools.sat.python import cp_model

from accord.contract.budget import Budget
from accord.model.errors import AccordError
from accord.solve.stop import stoppable

_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Within the block (and the threads it starts with ``asyncio.to_thread``), every solve
    stops ``seconds`` of wall time from now at the latest, with the best it has found
    (None: no cap beyond an enclosing block's). A local problem enters it with its
    budget's ``seconds``: a time budget then bounds the answer to a message even where a
    solve's wall time is not proportional to its deterministic work."""
    outer = _deadline.get()
    at = None if seconds is None else time.monotonic() + seconds
    token = _deadline.set(at if outer is None else outer if at is None else min(outer, at))
    try:
        yield
    finally:
        _deadline.reset(token)


LAST_WORDS = 0.5
"""Wall seconds a solve still gets past its deadline: enough to return a solution from a
complete hint (a room stage after a period stage that took all the time)."""


def wall_limit(seconds: float) -> float:
    """``seconds``, cut to what the current ``deadline`` leaves (``LAST_WORDS`` at least)."""
    at = _deadline.get()
    return seconds if at is None else min(seconds, max(LAST_WORDS, at - time.monotonic()))


def time_left() -> float | None:
    """Wall seconds until the current ``deadline`` (None: no deadline)."""
    at = _deadline.get()
    return None if at is None else at - time.monotonic()


@dataclass(frozen=True)
class Solved:
    """A solver holding a solution, whether it is proven optimal, and the bound."""

    solver: cp_model.CpSolver
    optimal: bool
    bound: float


def solve_within(model: cp_model.CpModel, budget: Budget, *, seed: int,
                 interleave: bool = False) -> Solved | None:
    """Solve a local problem's model within its budget: ``budget.work`` deterministic
    units on one worker (reproducible from the seed), stopped early by ``budget.seconds``
    of wall time if given."""
    with deadline(budget.seconds):
        return solve_model(model, time_limit=10 * budget.work + 10, seed=seed, workers=1,
                           deterministic_limit=budget.work, interleave=interleave)


def solve_model(
    model: cp_model.CpModel, *, time_limit: float, seed: int, workers: int = 1,
    deterministic_limit: float | None = None, interleave: bool = False, lns_only: bool = False,
    polish: float = 0.0, probing: bool = True, first_only: bool = False,
) -> Solved | None:
    """Solve with a time limit; one worker and a fixed seed give a reproducible result.

    ``deterministic_limit`` bounds the work in CP-SAT's deterministic time units instead of
    seconds, so that a limited solve gives the same answer on any machine.
    ``interleave`` (one worker): CP-SAT's whole portfolio, large neighbourhood search
    included, takes turns on the one worker, still deterministically. ``lns_only``: only
    large neighbourhood search, from a complete hint (see ``hint_completely``). ``polish``:
    the share of ``deterministic_limit`` that, once a first solution is found with the
    rest, goes to large neighbourhood search from it. ``probing=False`` skips presolve's
    probing, which on models with many optional intervals over long domains (the classes'
    timetables) can take seconds before the search starts. A plain single
    worker runs one search only: on the largest department of comp07 (K = 4) its period
    stage ends at cost 295 with 2 units of work where the interleaved portfolio reaches 86.
    Returns the solution when a solution was found, None when the model is infeasible or
    nothing was found in time.
    """
    if polish and deterministic_limit is not None and not lns_only:
        first = solve_model(model, time_limit=time_limit, seed=seed, workers=workers,
                            deterministic_limit=(1 - polish) * deterministic_limit,
                            interleave=interleave)
        if first is None or first.optimal:
            return first
        _hint_all(model, first.solver.response_proto.solution)
        return solve_model(model, time_limit=time_limit, seed=seed, workers=workers,
                           deterministic_limit=polish * deterministic_limit,
                           interleave=interleave, lns_only=True) or first
    return solve_status(model, time_limit=time_limit, seed=seed, workers=workers,
                        deterministic_limit=deterministic_limit, interleave=interleave,
                        lns_only=lns_only, probing=probing, first_only=first_only)[0]


def solve_status(
    model: cp_model.CpModel, *, time_limit: float, seed: int, workers: int = 1,
    deterministic_limit: float | None = None, interleave: bool = False, lns_only: bool = False,
    probing: bool = True, first_only: bool = False,
) -> tuple[Solved | None, bool]:
    """One solve as ``solve_model`` runs it: the solution (None: none found) and whether
    CP-SAT proved that the model has none (rather than running out of time)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = wall_limit(time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed % 2**31
    solver.parameters.interleave_search = interleave and workers == 1
    solver.parameters.use_lns_only = lns_only
    if not probing:
        solver.parameters.cp_model_probing_level = 0
    solver.parameters.stop_after_first_solution = first_only
    if deterministic_limit is not None:
        solver.parameters.max_deterministic_time = deterministic_limit
    with stoppable(solver) as go:
        status = solver.solve(model) if go else cp_model.UNKNOWN
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solved(solver, status == cp_model.OPTIMAL, solver.best_objective_bound), False
    return None, status == cp_model.INFEASIBLE


def solve_or_explain(model: cp_model.CpModel, what: str, *, time_limit: float, seed: int,
                  workers: int, interleave: bool = False) -> Solved:
    """A central solve's solution, or a one-line AccordError saying whether no ``what``
    exists (proven infeasible), the numbers are beyond CP-SAT's 64-bit range, or none was
    found within ``time_limit`` seconds."""
    solved, infeasible = solve_status(model, time_limit=time_limit, seed=seed,
                                      workers=workers, interleave=interleave)
    if solved is not None:
        return solved
    invalid = model.validate()
    if invalid:
        raise AccordError(f"central: the {what} model is beyond CP-SAT's 64-bit integers "
                          f"(counts too large together): {invalid.splitlines()[0][:160]}")
    if infeasible:
        raise AccordError(f"central: proven infeasible: no {what} meets every hard "
                          "constraint")
    raise AccordError(f"central: no {what} found within {time_limit:g} s (not proven "
                      "infeasible: a longer time_limit may find one)")


def hint_completely(model: cp_model.CpModel, fixed: Iterable[tuple[cp_model.IntVar, int]],
                    work: float = 5.0) -> bool:
    """Hint every variable of ``model`` with the solution that ``fixed`` determines.

    Found by a solve of a copy with ``fixed`` imposed (propagation alone, when they fix
    the decisions), within ``work`` deterministic units. Whether such a solution exists;
    when not, the model's hints are left as they were. A re-solve from a complete hint can
    then search its neighbourhoods only (``solve_model(lns_only=True)``): CP-SAT's
    interleaved portfolio spends a short budget on full-problem searches (on a comp06
    department at K = 2, 12 units went to four of them and the hinted cost 440 stayed),
    where large neighbourhood search alone improves it (to 110).
    """
    copy = model.clone()
    for var, value in fixed:
        copy.add(copy.get_int_var_from_proto_index(var.index) == value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = work
    solver.parameters.max_time_in_seconds = wall_limit(10 * work + 10)
    with stoppable(solver) as go:
        status = solver.solve(copy) if go else cp_model.UNKNOWN
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    _hint_all(model, solver.response_proto.solution)
    return True


def _hint_all(model: cp_model.CpModel, solution: Iterable[int]) -> None:
    """Replace the model's hints by a value for every variable, in proto order."""
    model.clear_hints()
    for i, value in enumerate(solution):
        model.add_hint(model.get_int_var_from_proto_index(i), value)


def hint_solution(model: cp_model.CpModel, solved: Solved) -> None:
    """Hint every variable of ``model`` with the solution ``solved`` holds (of this model)."""
    _hint_all(model, solved.solver.response_proto.solution)
