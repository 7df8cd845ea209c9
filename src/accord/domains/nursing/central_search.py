"""The compiled local search of every Curtois ward at once, on the hospital's cost, for
``central``: it sees every ward and line, as ``central`` does.

A polish takes the wards one after the other (in an order drawn from its seed), each for
an equal share of its units: that ward's roster is annealed (``roster_search.search``
with ``Fares``) on ``penalty_weight`` × its benchmark cost plus the cabs of every line,
every other ward's passengers held where they are. A ward's better roster is kept and its
passengers moved before the next ward's turn. The large-neighbourhood search it
alternates with (``solve.lns``) completes and prices the result with CP-SAT and keeps it
when the global cost is no worse.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from accord.domains.nursing import roster_search
from accord.domains.nursing.curtois_ward import MOVES_PER_UNIT, CurtoisModel
from accord.domains.nursing.roster_arrays import add_riders
from accord.domains.nursing.scenario import NursingScenario
from accord.solve.lns import Polish


def hospital_polish(sc: NursingScenario, wards: Sequence[CurtoisModel]) -> Polish:
    """The polish of ``central``'s model whose wards are ``wards`` (see the module)."""
    lines = {ln.id: i for i, ln in enumerate(sc.lines)}
    fare = np.array([ln.cost_per_cab for ln in sc.lines] or [[0] * sc.shifts],
                    dtype=np.int64).reshape(max(1, len(sc.lines)), sc.shifts)
    cap = np.repeat(np.array([ln.capacity for ln in sc.lines] or [1], dtype=np.int64),
                    sc.shifts).reshape(fare.shape)
    roster_search.warm_up()

    def run(values: Sequence[int], work: float, seed: int) -> list[int] | None:
        rosters = [v.roster(values) for v in wards]
        loads = np.zeros_like(fare)
        fares = [v.fares(lines, loads, cap, fare) for v in wards]
        for R, f in zip(rosters, fares, strict=True):
            add_riders(loads, R, f)
        out: list[int] | None = None
        order = list(range(len(wards)))
        random.Random(seed).shuffle(order)
        moves = round(work * MOVES_PER_UNIT / max(1, len(wards)))
        for k, w in enumerate(order):
            R, f = rosters[w], fares[w]
            found = roster_search.improved(wards[w].arrays(), R, moves=moves, seed=seed + k,
                                           fares=f)
            if found is not None:
                add_riders(loads, R, f, -1)
                add_riders(loads, found, f)
                rosters[w] = found
                out = list(values) if out is None else out
                wards[w].write(out, found)
        return out

    return run
