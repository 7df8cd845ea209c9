"""One ward's Request-for-Change re-solve (``transport``'s stage 3) by solver variant.

The hospital of Curtois Instances 5–8 with 8 lines (seed 1): every ward's roster alone
(``--first-work`` units, seed 1) stands for stage 1; then each ward re-solves from it,
paying the cabs its seats need given the other three wards' passengers, as a call for
changes quotes them. Reported: the ward's objective there (weighted penalty plus cabs)
before and after, and its penalty, for the solver's variants: neighbourhoods and local
search in turn (``ls+lns``, the default), the local search alone for the whole budget
(``ls``), the neighbourhoods alone (``lns``). Deterministic for a seed and work budget
(no wall limit).

    PYTHONPATH=src python benchmarks/nursing_resolve.py --json reports/resolve.json
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

import report
from accord.contract import Budget, Rides, SolveContext
from accord.contract.resources import ride_cost
from accord.domains.nursing import roster_search
from accord.domains.nursing.curtois_ward import CurtoisModel
from accord.domains.nursing.hospital import curtois_hospital
from accord.domains.nursing.transport import market
from accord.domains.nursing.ward import WardProblem
from accord.model.plan import add_usage
from accord.solve import lns

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "curtois"
VARIANTS = {"ls+lns": (True, lns.POLISH_WORK), "ls": (True, float("inf")), "lns": (False, 0.0)}
"""Variant -> (local search in the re-solve, its first share of units: all of them for
``ls``)."""
COLUMNS = ["instance", "solver", "seed", "reference", "result", "ratio", "penalty", "time s"]


def cells(r: dict[str, Any]) -> list[str]:
    """One row's cells, in ``COLUMNS`` order."""
    return [r["instance"], r["solver"], str(r["seed"]), str(r["reference"]), str(r["result"]),
            f"{r['result'] / r['reference']:.3f}", f"{r['penalty_before']} → {r['penalty']}",
            f"{r['seconds']:.1f}"]


def main(instances: str = typer.Option("5,6,7,8", help="Curtois instances (numbers)"),
         lines: int = typer.Option(8, min=1), seeds: str = typer.Option("1,2"),
         first_work: float = typer.Option(4.0, help="units of each ward's roster alone"),
         work: float = typer.Option(2.0, help="units of a re-solve (`solve_work`)"),
         variants: str = typer.Option(",".join(VARIANTS)),
         json_out: Path = typer.Option(None, "--json"),
         markdown_out: Path = typer.Option(None, "--markdown")) -> None:
    """Run every ward's re-solve by variant and seed; print the table."""
    report.outputs(json=json_out, markdown=markdown_out)
    console = Console()
    roster_search.warm_up()
    sc = curtois_hospital([DATA / f"Instance{n.strip()}.txt" for n in instances.split(",")],
                          lines, seed=1)
    problems = [WardProblem(sc, w) for w in sc.wards]
    plans = [p.solve(SolveContext(budget=Budget(work=first_work), seed=1)) for p in problems]
    if any(p is None for p in plans):
        raise typer.BadParameter("a ward found no roster alone", param_hint="--first-work")
    loads: dict[Any, int] = {}
    for plan in plans:
        add_usage(loads, plan.usage_map())  # type: ignore[union-attr]
    mk, rows = market(sc), []
    for p, plan in zip(problems, plans, strict=True):
        assert plan is not None
        own = plan.usage_map()
        fares = {k: (mk.resource(k[0]).unit, mk.resource(k[0]).cost_per_unit[k[1]],
                     loads.get(k, 0) - own.get(k, 0)) for k in p.keys}
        before = sc.penalty_weight * plan.cost + ride_cost(fares, own)
        for name in variants.split(","):
            CurtoisModel.priced_search, lns.POLISH_WORK = VARIANTS[name]
            for seed in (int(s) for s in seeds.split(",")):
                t0 = time.monotonic()
                new = p.solve(SolveContext(anchor=plan, budget=Budget(work=work), seed=seed,
                                           rides=Rides(fares, None)))
                assert new is not None
                rows.append({"instance": p.agent_id, "solver": name, "seed": seed,
                             "reference": before, "penalty_before": plan.cost,
                             "result": sc.penalty_weight * new.cost
                             + ride_cost(fares, new.usage_map()),
                             "penalty": new.cost, "seconds": time.monotonic() - t0})
                console.print(cells(rows[-1]))
    console.print(report.table(f"A ward's re-solve, {work:g} units", COLUMNS, rows, cells,
                               left=("instance", "solver")))
    report.write(console, rows, json_out, markdown_out, report.markdown(COLUMNS, rows, cells))


if __name__ == "__main__":
    typer.run(main)
