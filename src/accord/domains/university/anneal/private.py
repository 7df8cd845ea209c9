"""A department's own rules (``penalties.py``) as arrays the annealing can keep exactly.

Not wired into the search yet (a department with rules solves with CP-SAT): the search
needs, where it adds or takes away a lecture of course ``c`` (teacher ``t``) at period
``p`` and before it updates ``teach_p``, one more term of its penalty part::

    comp[PEN] += private_delta(pt.cp_w, pt.g_teacher, pt.g_limit, pt.g_weight,
                               teach_p, ppd, c, t, p, sign)   # sign: +1 add, -1 remove

with ``pt = private_tables(inst, st.c_teacher)``. The delta is exact (the tests check
it against ``penalties.private_penalty`` on random additions and removals).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from accord.domains.university.anneal.arrays import IntArray
from accord.domains.university.instance import Instance
from accord.domains.university.penalties import DailyCap, PerLecture


class PrivateTables(NamedTuple):
    """``cp_w[c, p]``: the per-lecture weights of a lecture of course ``c`` at ``p``;
    ``g_*``: one row per daily cap (``g_limit`` ≥ 0) or preparation gap (``g_limit``
    −1) of a teacher (an index of ``c_teacher``)."""

    cp_w: IntArray
    g_teacher: IntArray
    g_limit: IntArray
    g_weight: IntArray


def private_tables(inst: Instance, c_teacher: IntArray) -> PrivateTables:
    """The tables of ``inst.private``; course indices are positions in ``inst.courses``."""
    index = {c.id: i for i, c in enumerate(inst.courses)}
    cp_w = np.zeros((len(inst.courses), inst.periods), np.int64)
    rows: list[tuple[int, int, int]] = []
    for t in inst.private:
        if isinstance(t, PerLecture):
            for (c, p), w in t.weights.items():
                cp_w[index[c], p] += w
            continue
        teacher = int(c_teacher[index[min(t.courses)]])
        rows.append((teacher, t.limit if isinstance(t, DailyCap) else -1, t.weight))
    g = np.array(rows, np.int64).reshape(-1, 3)
    return PrivateTables(cp_w, g[:, 0].copy(), g[:, 1].copy(), g[:, 2].copy())


@njit(cache=True)
def private_delta(cp_w: IntArray, g_teacher: IntArray, g_limit: IntArray,
                  g_weight: IntArray, teach_p: IntArray, ppd: int, c: int, t: int, p: int,
                  sign: int) -> int:
    """The change of the rules' penalty when a lecture of course ``c`` (teacher ``t``) is
    added at ``p`` (``sign`` 1) or taken away (−1), ``teach_p`` not yet updated."""
    d = sign * cp_w[c, p]
    first = (p // ppd) * ppd
    for g in range(g_teacher.shape[0]):
        if g_teacher[g] != t:
            continue
        if g_limit[g] >= 0:
            n = 0
            for q in range(first, first + ppd):
                n += teach_p[t, q]
            d += g_weight[g] * (max(0, n + sign - g_limit[g]) - max(0, n - g_limit[g]))
            continue
        before, after = teach_p[t, p] > 0, teach_p[t, p] + sign > 0
        if before != after:
            near = 0
            if p > first and teach_p[t, p - 1] > 0:
                near += 1
            if p + 1 < first + ppd and teach_p[t, p + 1] > 0:
                near += 1
            d += g_weight[g] * near * (1 if after else -1)
    return d
