"""The centralised model: every ward and line in one CP-SAT model (sees everything)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from accord.contract import CentralResult
from accord.domains.nursing.central_search import hospital_polish
from accord.domains.nursing.curtois_ward import CurtoisModel
from accord.domains.nursing.scenario import NursingScenario
from accord.domains.nursing.ward import add_ward
from accord.domains.nursing.ward_model import WardModel
from accord.model.errors import AccordError
from accord.solve.cpsat import deadline, solve_status
from accord.solve.lns import Guide, Polish, first_solution, improve

SEARCH_SHARE = 0.5
"""With Curtois wards, the share of the time limit one CP-SAT search gets before
large-neighbourhood search takes over from its solution (or, when it found none, from a
first feasible roster): the search proves the small hospitals' optima, the
neighbourhoods, alternating with the wards' compiled local search on the hospital's
cost (``central_search``), are what reaches good rosters of 30–40 nurses."""


def _grid(wards: list[WardModel]) -> list[list[list[int]]] | None:
    """Every ward's nurses as rows of one grid (days padded to the longest horizon);
    None when a ward has no grid."""
    grids = [v.grid() for v in wards]
    if not grids or any(g is None for g in grids):
        return None
    rows = [row for g in grids for row in g or []]
    width = max(len(r) for r in rows)
    return [row + [[]] * (width - len(row)) for row in rows]


def _polish(sc: NursingScenario, wards: list[WardModel]) -> Polish | None:
    """The wards' compiled local search on the hospital's cost (``central_search``) when
    every ward is a Curtois ward that has it; else None."""
    curtois = [v for v in wards if isinstance(v, CurtoisModel) and v.local_search]
    return hospital_polish(sc, curtois) if len(curtois) == len(wards) else None


def _guide(wards: list[WardModel]) -> Guide | None:
    """Every ward's relaxation (``WardModel.guide``) as one, each growing by an equal
    share of the units while it is not final; None unless every ward has one."""
    guides = [g for v in wards if (g := v.guide()) is not None]
    if not guides or len(guides) < len(wards):
        return None
    final = [False] * len(guides)

    def run(values: Sequence[int], work: float, seed: int
            ) -> tuple[dict[int, float] | None, float, bool]:
        share = work / max(1, final.count(False))
        cells: dict[int, float] = {}
        spent = 0.0
        for i, g in enumerate(guides):
            got, used, final[i] = g(values, 0.0 if final[i] else share, seed + i)
            spent += used
            cells.update(got or {})
        return cells, spent, all(final)

    return run


def central_model(sc: NursingScenario) -> tuple[cp_model.CpModel, list[WardModel]]:
    """The hospital in one model: cabs × cost per cab + penalty_weight × penalties
    minimised, with integer cabs per (line, shift) and cabs × capacity >= passengers;
    and the wards' models in it."""
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
    return m, wards


def solve_central(
    sc: NursingScenario, *, time_limit: float, seed: int, workers: int
) -> CentralResult:
    """Minimise the global cost (``central_model``)."""
    m, wards = central_model(sc)
    grid = _grid(wards)
    start = time.monotonic()
    solved, infeasible = solve_status(m, time_limit=time_limit * (SEARCH_SHARE if grid else 1),
                                      seed=seed, workers=workers,
                                      interleave=any(v.interleave for v in wards))
    if grid is not None and not (solved and solved.optimal):
        with deadline(time_limit - (time.monotonic() - start)):
            first = (list(solved.solver.response_proto.solution),
                     round(solved.solver.objective_value)) if solved else None
            if first is None and (found := first_solution(m, grid, work=1e9, seed=seed)):
                first = found[0], found[1]
            if first is not None:
                better = improve(m, grid, *first, work=1e9, seed=seed,
                                 polish=_polish(sc, wards), guide=_guide(wards))
                plans = {w.id: v.plan_from(better.values)
                         for w, v in zip(sc.wards, wards, strict=True)}
                return CentralResult(plans=plans, optimal=False,
                                     bound=solved.bound if solved else 0.0)
    if solved is None:
        if infeasible:
            raise AccordError("central: proven infeasible: no roster meets every hard "
                              "constraint")
        raise AccordError(f"central: no roster found within {time_limit:g} s (not proven "
                          "infeasible: a longer time_limit may find one)")
    plans = {w.id: v.plan(solved.solver) for w, v in zip(sc.wards, wards, strict=True)}
    return CentralResult(plans=plans, optimal=solved.optimal, bound=solved.bound)
