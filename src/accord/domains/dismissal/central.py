"""The centralised dismissal model: every classroom and bottleneck in one CP-SAT model."""

from __future__ import annotations

from ortools.sat.python import cp_model

from accord.contract import CentralResult
from accord.domains.dismissal.model import add_classroom, read_plan, usage_key
from accord.domains.dismissal.scenario import DismissalScenario
from accord.model.plan import Key
from accord.solve.cpsat import solve_or_explain


def solve_central(
    sc: DismissalScenario, *, time_limit: float, seed: int, workers: int
) -> CentralResult:
    """Minimise students over capacity first (zero when feasible), then student-minutes."""
    m = cp_model.CpModel()
    rooms = [add_classroom(m, sc, c) for c in sc.classrooms]
    loads: dict[Key, list[cp_model.IntVar]] = {}
    for v in rooms:
        for o, x in v.count.items():
            loads.setdefault(usage_key(sc, v.classroom, o), []).append(x)
    per_batch = {b.id: b.per_batch for b in sc.bottlenecks}
    overflow = []
    for (b, batch), xs in sorted(loads.items()):
        ov = m.new_int_var(0, sum(v.classroom.attendance for v in rooms), f"over_{b}_{batch}")
        m.add(sum(xs) <= per_batch[b] + ov)
        overflow.append(ov)
    displacement = cp_model.LinearExpr.sum([v.displacement() for v in rooms])
    big = max(abs(o) for o in sc.offsets) * sum(c.attendance for c in sc.classrooms) + 1
    m.minimize(big * cp_model.LinearExpr.sum(overflow) + displacement)
    solved = solve_or_explain(m, "dismissal", time_limit=time_limit, seed=seed, workers=workers)
    plans = {v.classroom.id: read_plan(sc, v, solved.solver) for v in rooms}
    return CentralResult(plans=plans, optimal=solved.optimal, bound=solved.bound)
