"""The centralised timetable, the yardstick: a greedy timetable of the merged instance
(``constructed``, a fraction of a second; CP-SAT's first timetable where it fails),
annealed for the rest of the time (``central_model: anneal``), or the CP-SAT model alone
for the whole time (``cpsat``).

CP-SAT finds a feasible timetable in seconds but improves it slowly; simulated annealing
makes about a million moves a second (comp01–07: see benchmarks/results/university.md).
The annealing makes up for a poor start within seconds, so the start is the quickest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from accord.domains.university.anneal import anneal
from accord.domains.university.anneal.construct import constructed
from accord.domains.university.cpmodel import CHANGE_SCALE, build, read_lectures, solve_instance
from accord.domains.university.instance import Instance, Lecture
from accord.model.errors import AccordError
from accord.solve.cpsat import solve_model

MARGIN = 0.3
"""Wall seconds left at the end for building and handing out the plans."""

START_SHARE = 0.25
"""Share of the time CP-SAT may take to find its first timetable, where the greedy one
fails."""


@dataclass(frozen=True)
class Central:
    """The timetable, whether it is proven optimal, a lower bound on its cost, and the
    annealing's moves."""

    lectures: list[Lecture]
    optimal: bool
    bound: float
    moves: int = 0


def solve_central(inst: Instance, *, time_limit: float, seed: int, workers: int,
                  model: str = "anneal", moves: int | None = None) -> Central:
    """The best timetable of ``inst`` found within ``time_limit`` wall seconds; with
    ``moves``, the annealing cools over that many moves (the same timetable for the same
    seed on any machine) and stops by the time limit too."""
    began = time.monotonic()
    if model == "cpsat":
        res = solve_instance(inst, time_limit=time_limit, seed=seed, workers=workers)
        if res is None:
            raise AccordError(f"central: no timetable found for {inst.name} within "
                              f"{time_limit:g} s")
        lectures, solved, _ = res
        # the objective is the official cost times CHANGE_SCALE (no anchor, no caps here)
        return Central(lectures, solved.optimal, solved.bound / CHANGE_SCALE)
    start, bound = constructed(inst, seed=seed), 0.0
    if start is None:  # the greedy timetable failed: CP-SAT's first one
        built = build(inst)
        first = solve_model(built.model, time_limit=max(0.1, START_SHARE * time_limit),
                            seed=seed, workers=workers, first_only=True)
        if first is None:
            raise AccordError(f"central: no timetable found for {inst.name} within "
                              f"{time_limit:g} s")
        start = read_lectures(inst, built.x, first.solver)
        bound = max(0.0, first.bound / CHANGE_SCALE)
        if first.optimal:
            return Central(start, True, bound)
    left = time_limit - MARGIN - (time.monotonic() - began)
    if left <= 0:
        return Central(start, False, bound)
    done = anneal(inst, start, seed=seed, seconds=left, moves=moves)
    return Central(done.lectures, False, bound, done.moves)
