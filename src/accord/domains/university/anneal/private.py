"""A department's own rules (``penalties.py``) as arrays the annealing keeps exactly.

``Static`` carries the tables (``private_tables``; empty without rules). The search's
objective is the official cost plus the rules' penalty (``cost.PRIV``), as in the
department's CP-SAT model: ``cost.fill`` and ``cost.full_cost`` count it from scratch
(``private_count``), and after each move made the search adds ``private_moved``, built
from ``private_delta`` (one lecture added or taken away), only when the department has
rules, so a search without them pays nothing. Every count equals
``penalties.private_penalty`` (the tests check it on random moves).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from accord.domains.university.instance import Instance
from accord.domains.university.penalties import DailyCap, PerLecture

IntArray = NDArray[np.int64]


class PrivateTables(NamedTuple):
    """``cp_w[c, p]``: the per-lecture weights of a lecture of course ``c`` at ``p`` (no
    rows without such rules); ``g_*``: one row per daily cap (``g_limit`` ≥ 0) or
    preparation gap (``g_limit`` −1) of a teacher (an index of ``c_teacher``)."""

    cp_w: IntArray
    g_teacher: IntArray
    g_limit: IntArray
    g_weight: IntArray


def private_tables(inst: Instance, c_teacher: IntArray) -> PrivateTables:
    """The tables of ``inst.private``; course indices are positions in ``inst.courses``."""
    index = {c.id: i for i, c in enumerate(inst.courses)}
    per_lecture = any(isinstance(t, PerLecture) for t in inst.private)
    cp_w = np.zeros((len(inst.courses) if per_lecture else 0, inst.periods), np.int64)
    rows: list[tuple[int, int, int]] = []
    for t in inst.private:
        if isinstance(t, PerLecture):
            for (c, p), w in t.weights.items():
                cp_w[index[c], p] += w
            continue
        if t.courses:
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
    d = sign * cp_w[c, p] if cp_w.shape[0] > 0 else 0
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


@njit(cache=True)
def private_moved(cp_w: IntArray, g_teacher: IntArray, g_limit: IntArray,
                  g_weight: IntArray, teach_p: IntArray, ppd: int, l_course: IntArray,
                  c_teacher: IntArray, lecs: IntArray, old_p: IntArray, ps: IntArray,
                  k: int) -> int:
    """The change of the rules' penalty by a move just made: lectures ``lecs[:k]`` from
    periods ``old_p`` to ``ps`` (``teach_p`` already updated). Counted back to the state
    before it and forward again, so ``teach_p`` ends as it was."""
    d = 0
    for i in range(k):
        t = c_teacher[l_course[lecs[i]]]
        d -= private_delta(cp_w, g_teacher, g_limit, g_weight, teach_p, ppd,
                           l_course[lecs[i]], t, ps[i], -1)
        teach_p[t, ps[i]] -= 1
    for i in range(k):
        t = c_teacher[l_course[lecs[i]]]
        d -= private_delta(cp_w, g_teacher, g_limit, g_weight, teach_p, ppd,
                           l_course[lecs[i]], t, old_p[i], 1)
        teach_p[t, old_p[i]] += 1
    for i in range(k):
        t = c_teacher[l_course[lecs[i]]]
        teach_p[t, old_p[i]] -= 1
        teach_p[t, ps[i]] += 1
    return d


@njit(cache=True)
def private_count(cp_w: IntArray, g_teacher: IntArray, g_limit: IntArray,
                  g_weight: IntArray, teach: IntArray, ppd: int, l_course: IntArray,
                  period: IntArray) -> int:
    """The rules' penalty of a timetable counted from scratch, as ``private_penalty``
    counts it (``teach[t, p]``: lectures of teacher ``t`` at ``p``)."""
    out = 0
    if cp_w.shape[0] > 0:
        for lec in range(period.shape[0]):
            out += cp_w[l_course[lec], period[lec]]
    periods = teach.shape[1]
    for g in range(g_teacher.shape[0]):
        t = g_teacher[g]
        for first in range(0, periods, ppd):
            if g_limit[g] >= 0:
                out += g_weight[g] * max(0, teach[t, first:first + ppd].sum() - g_limit[g])
                continue
            for p in range(first, first + ppd - 1):
                if teach[t, p] > 0 and teach[t, p + 1] > 0:
                    out += g_weight[g]
    return out
