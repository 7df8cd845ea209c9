"""Curtois & Qu wards alone: each instance's ward solved by its local problem (the solver
the negotiations use), one wall-time budget per solve, over seeds; the median cost of the
seeds against the best known value (``data/curtois/SOURCE.md``).

    python benchmarks/nursing.py --wards-alone --seeds 1,2,3 --seconds 60 \\
        --json reports/wards-60.json --markdown reports/wards-60.md
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from rich.console import Console

import report
from accord.contract import Budget, SolveContext
from accord.domains.nursing import roster_search
from accord.domains.nursing.curtois_ward import CurtoisModel, measure
from accord.domains.nursing.hospital import curtois_hospital
from accord.domains.nursing.ward import WardProblem

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "curtois"
WORK = 1e6
"""The solves' work budget: high enough that the wall seconds end every solve."""


def best_known() -> dict[str, int]:
    """The best known values of ``SOURCE.md``'s table (instance -> value)."""
    rows = re.findall(r"^\| (Instance\d+) \|.*\| (\d+) \|$", (DATA / "SOURCE.md").read_text(),
                      re.MULTILINE)
    return {name: int(value) for name, value in rows}


SEARCHES = {"ls": True, "lns": False}
"""The ward solver's variants: neighbourhoods alternating with the compiled local search
(the default), or neighbourhoods alone."""


def solve_alone(name: str, seed: int, seconds: float, search: str = "ls") -> dict[str, Any]:
    """One ward solved alone: its cost, hard violations and breakdown (the benchmark's
    measure of the plan), and the wall seconds."""
    CurtoisModel.local_search = SEARCHES[search]
    roster_search.warm_up()
    sc = curtois_hospital([DATA / f"{name}.txt"], 0, seed=1, budget=seconds)
    ward = sc.wards[0]
    start = time.monotonic()
    plan = WardProblem(sc, ward).solve(
        SolveContext(budget=Budget(work=WORK, seconds=seconds), seed=seed))
    wall = time.monotonic() - start
    if plan is None:
        return {"instance": name, "seed": seed, "cost": None, "hard": None, "wall": wall}
    m = measure(ward, plan)  # type: ignore[arg-type]
    return {"instance": name, "seed": seed, "solver": search, "cost": m.cost,
            "hard": m.violations, "breakdown": m.soft, "wall": wall}


def wards_alone(instances: list[str], seeds: list[int], seconds: float, console: Console,
                json_out: Path | None = None, searches: tuple[str, ...] = ("ls",)
                ) -> list[dict[str, Any]]:
    """One summary row per instance and solver variant (``SEARCHES``): best known, the
    seeds' costs, their median and its ratio to the best known, the most hard violations
    of a seed, the median wall time. The rows so far are written to ``json_out`` after
    each."""
    best = best_known()
    rows = []
    for name, search in ((n, s) for n in instances for s in searches):
        runs = []
        for seed in seeds:
            runs.append(solve_alone(name, seed, seconds, search))
            console.print(f"  {name} {search} seed {seed}: cost {runs[-1]['cost']} "
                          f"({runs[-1]['hard']} hard) in {runs[-1]['wall']:.1f} s")
        costs = [r["cost"] for r in runs if r["cost"] is not None]
        med = statistics.median(costs) if len(costs) == len(runs) else None
        rows.append({"instance": name, "solver": search, "best_known": best[name],
                     "seconds": seconds,
                     "costs": [r["cost"] for r in runs], "median": med,
                     "ratio": med / best[name] if med is not None else None,
                     "hard": max((r["hard"] or 0) for r in runs),
                     "wall": statistics.median(r["wall"] for r in runs), "runs": runs})
        if json_out:
            json_out.write_text(json.dumps(rows, indent=2) + "\n")
    return rows


COLUMNS = ["instance", "solver", "best known", "costs (seeds)", "median", "ratio", "hard", "wall s"]


def cells(r: dict[str, Any]) -> list[str]:
    """One summary row's cells, in ``COLUMNS`` order."""
    return [r["instance"], r["solver"], str(r["best_known"]), " ".join(map(str, r["costs"])),
            report.opt(r["median"], "{:g}"), report.opt(r["ratio"], "{:.3f}"),
            str(r["hard"]), f"{r['wall']:.1f}"]


def run(instances: list[str], seeds: list[int], seconds: float, console: Console,
        json_out: Path | None, markdown_out: Path | None, searches: tuple[str, ...] = ("ls",)
        ) -> None:
    """Measure, print the table and write the files."""
    rows = wards_alone(instances, seeds, seconds, console, json_out, searches)
    console.print(report.table(f"Curtois wards alone, {seconds:g} s a solve, seeds "
                               f"{','.join(map(str, seeds))}", COLUMNS, rows, cells,
                               left=("instance", "costs (seeds)")))
    report.write(console, rows, json_out, markdown_out, report.markdown(COLUMNS, rows, cells))
