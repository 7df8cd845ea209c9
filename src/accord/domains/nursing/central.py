"""The centralised model: every ward and line in one CP-SAT model (sees everything)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from accord.contract import CentralResult
from accord.domains.nursing.scenario import NursingScenario
from accord.domains.nursing.ward import add_ward
from accord.solve.cpsat import solve_or_explain


def solve_central(
    sc: NursingScenario, *, time_limit: float, seed: int, workers: int
) -> CentralResult:
    """Minimise the global cost: cabs × cost per cab + penalty_weight × penalties, with
    integer cabs per (line, shift) and cabs × capacity >= passengers."""
    m = cp_model.CpModel()
    wards = [add_ward(m, sc, w) for w in sc.wards]
    terms = [sc.penalty_weight * v.penalty() for v in wards]
    for ln in sc.lines:
        riders = sc.riders(None, ln.id)
        for s in range(sc.shifts):
            seats = [v.seats((ln.id, s)) for v in wards]
            cabs = m.new_int_var(0, riders, f"cabs_{ln.id}_{s}")
            m.add(cabs * ln.capacity >= sum(seats))
            terms.append(ln.cost_per_cab[s] * cabs)
    m.minimize(cp_model.LinearExpr.sum(terms))
    solved = solve_or_explain(m, "roster", time_limit=time_limit, seed=seed, workers=workers,
                           interleave=any(v.interleave for v in wards))
    plans = {w.id: v.plan(solved.solver) for w, v in zip(sc.wards, wards, strict=True)}
    return CentralResult(plans=plans, optimal=solved.optimal, bound=solved.bound)
