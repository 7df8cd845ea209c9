"""One CP-SAT model of a whole ITC-2007 instance, with the official soft costs.

Variables: ``x[c, p, r]`` a lecture of course ``c`` in room ``r`` at period ``p`` (only at
available periods). Hard constraints are constraints; each soft constraint is a penalty
term with the validator's weight whose variables are pinned to their exact values, so the
objective of *any* solution (optimal or not) equals the validator's total cost.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from accord.domains.university.instance import Instance, Lecture
from accord.domains.university.validate import (
    CURRICULUM_COMPACTNESS_COST,
    MIN_WORKING_DAYS_COST,
    ROOM_STABILITY_COST,
)
from accord.solve.cpsat import Solved, solve_model


def build(inst: Instance, fixed: dict[tuple[str, int], str] | None = None):
    """The model, its ``x`` variables and its objective (the official total cost)."""
    m = cp_model.CpModel()
    ppd = inst.periods_per_day
    cap = {r.id: r.capacity for r in inst.rooms}
    x: dict[tuple[str, int, str], cp_model.IntVar] = {}
    y: dict[tuple[str, int], cp_model.IntVar] = {}
    for c in inst.courses:
        for p in range(inst.periods):
            if (c.id, p) in inst.unavailable:
                continue
            y[c.id, p] = m.new_bool_var(f"y_{c.id}_{p}")
            xs = []
            for r in inst.rooms:
                x[c.id, p, r.id] = m.new_bool_var(f"x_{c.id}_{p}_{r.id}")
                xs.append(x[c.id, p, r.id])
            m.add(cp_model.LinearExpr.sum(xs) == y[c.id, p])
        m.add(cp_model.LinearExpr.sum([y[c.id, p] for p in range(inst.periods)
                                       if (c.id, p) in y]) == c.lectures)
    for p in range(inst.periods):
        for r in inst.rooms:
            m.add_at_most_one(x[c.id, p, r.id] for c in inst.courses if (c.id, p, r.id) in x)
    groups: list[list[str]] = [list(q.courses) for q in inst.curricula]
    by_teacher: dict[str, list[str]] = defaultdict(list)
    for c in inst.courses:
        by_teacher[c.teacher].append(c.id)
    groups += [cs for cs in by_teacher.values() if len(cs) > 1]
    for cs in groups:
        for p in range(inst.periods):
            m.add_at_most_one(y[c, p] for c in cs if (c, p) in y)
    terms: dict[str, list[tuple[cp_model.LinearExprT, int]]] = defaultdict(list)
    for (cid, _, rid), v in x.items():
        over = inst.course(cid).students - cap[rid]
        if over > 0:
            terms["RoomCapacity"].append((v, over))
    for c in inst.courses:
        worked = []
        for d in range(inst.days):
            day_y = [y[c.id, p] for p in range(d * ppd, (d + 1) * ppd) if (c.id, p) in y]
            w = m.new_bool_var(f"w_{c.id}_{d}")
            m.add_max_equality(w, day_y) if day_y else m.add(w == 0)
            worked.append(w)
        short = m.new_int_var(0, c.min_working_days, f"short_{c.id}")
        m.add_max_equality(short, [0, c.min_working_days - cp_model.LinearExpr.sum(worked)])
        terms["MinWorkingDays"].append((short, MIN_WORKING_DAYS_COST))
        used = []
        for r in inst.rooms:
            u = m.new_bool_var(f"u_{c.id}_{r.id}")
            vs = [x[c.id, p, r.id] for p in range(inst.periods) if (c.id, p, r.id) in x]
            m.add_max_equality(u, vs) if vs else m.add(u == 0)
            used.append(u)
        terms["RoomStability"].append((cp_model.LinearExpr.sum(used) - 1, ROOM_STABILITY_COST))
    for q in inst.curricula:
        z = {p: cp_model.LinearExpr.sum([y[c, p] for c in q.courses if (c, p) in y])
             for p in range(inst.periods)}
        for p in range(inst.periods):
            nbrs = [z[p + k] for k in (-1, 1) if 0 <= (p % ppd) + k < ppd]
            # exact: a curriculum has at most one lecture per period, so z and nbrs are 0/1
            iso = m.new_bool_var(f"iso_{q.id}_{p}")
            m.add(iso >= z[p] - cp_model.LinearExpr.sum(nbrs))
            m.add(iso <= z[p])
            for n in nbrs:
                m.add(iso <= 1 - n)
            terms["CurriculumCompactness"].append((iso, CURRICULUM_COMPACTNESS_COST))
    if fixed:
        for (cid, p), rid in fixed.items():
            if (cid, p, rid) in x:
                m.add_hint(x[cid, p, rid], 1)
    exprs = [e for ts in terms.values() for e, _ in ts]
    weights = [w for ts in terms.values() for _, w in ts]
    objective = cp_model.LinearExpr.weighted_sum(exprs, weights)
    m.minimize(objective)
    return m, x, objective


def solve_instance(
    inst: Instance, *, time_limit: float, seed: int, workers: int
) -> tuple[list[Lecture], Solved, int] | None:
    """Solve the whole instance centrally: the lectures, the solve, and the objective of
    the returned solution (the solver's reported objective can lag it on a timed-out
    solve). None when nothing was found in time."""
    m, x, objective = build(inst)
    solved = solve_model(m, time_limit=time_limit, seed=seed, workers=workers)
    if solved is None:
        return None
    ppd = inst.periods_per_day
    lectures = [Lecture(cid, rid, p // ppd, p % ppd) for (cid, p, rid), v in x.items()
                if solved.solver.value(v)]
    return sorted(lectures), solved, int(solved.solver.value(objective))
