"""The centralised timetable, the yardstick: CP-SAT's first timetable of the merged
instance, annealed for the rest of the time (``central_model: anneal``), or the CP-SAT
model alone for the whole time (``cpsat``).

CP-SAT finds a feasible timetable in seconds but improves it slowly; simulated annealing
makes about a million moves a second from it (comp01–07: see
benchmarks/results/university.md). The greedy timetable (``constructed``) is quicker but
a worse start at the same moves (comp02, 4 M moves: 123 from it, 101 from CP-SAT's), so
it serves only where CP-SAT finds nothing in its share.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from accord.domains.university.anneal import anneal
from accord.domains.university.anneal.construct import constructed
from accord.domains.university.anneal.cost import SCALE, objective
from accord.domains.university.cpmodel import CHANGE_SCALE, build, read_lectures, solve_instance
from accord.domains.university.instance import Instance, Lecture
from accord.domains.university.validate import validate
from accord.model.errors import AccordError
from accord.solve.cpsat import solve_model

MARGIN = 0.3
"""Wall seconds left at the end for building and handing out the plans."""

START_SHARE = 0.25
"""Share of the time CP-SAT may take to find its first timetable; past it, a greedy
timetable (``constructed``) is the start (comp12 is tight: CP-SAT may need long)."""


@dataclass(frozen=True)
class Central:
    """The timetable, whether it is proven optimal, a lower bound on its cost, the
    annealing's moves, and the best cost over time (wall seconds since the solve began;
    from the first timetable on)."""

    lectures: list[Lecture]
    optimal: bool
    bound: float
    moves: int = 0
    trace: tuple[tuple[float, int], ...] = ()


def solve_central(inst: Instance, *, time_limit: float, seed: int, workers: int,
                  model: str = "anneal", moves: int | None = None) -> Central:
    """The best timetable of ``inst`` found within ``time_limit`` wall seconds; with
    ``moves``, the annealing cools over that many moves (the same timetable for the same
    seed, when CP-SAT's first timetable is the same) and stops by the time limit too."""
    began = time.monotonic()
    if model == "cpsat":
        res = solve_instance(inst, time_limit=time_limit, seed=seed, workers=workers)
        if res is None:
            raise AccordError(f"central: no timetable found for {inst.name} within "
                              f"{time_limit:g} s")
        lectures, solved, _ = res
        # the objective is the official cost times CHANGE_SCALE (no anchor, no caps here)
        return Central(lectures, solved.optimal, solved.bound / CHANGE_SCALE)
    built = build(inst)
    first = solve_model(built.model, time_limit=max(0.1, START_SHARE * time_limit), seed=seed,
                        workers=workers, first_only=True)
    if first is None:  # CP-SAT found nothing in its share: a greedy timetable
        start = constructed(inst, seed=seed)
        if start is None:
            raise AccordError(f"central: no timetable found for {inst.name} within "
                              f"{time_limit:g} s")
        bound = 0.0
    else:
        start = read_lectures(inst, built.x, first.solver)
        bound = max(0.0, first.bound / CHANGE_SCALE)
    optimal = first is not None and first.optimal
    at = time.monotonic() - began
    left = time_limit - MARGIN - at
    if optimal or left <= 0:
        return Central(start, optimal, bound, trace=((round(at, 3), validate(inst, start).cost),))
    # no timetable costs less than CP-SAT's bound: the annealing stops once it is reached
    floor = math.ceil(bound)
    done = anneal(inst, start, seed=seed, seconds=left, moves=moves, stop_at=floor)
    reached = objective(done.comp) // SCALE <= floor  # as the stop counts
    return Central(done.lectures, reached, bound, done.moves,
                   tuple((round(at + t, 3), c) for t, c in done.trace))
