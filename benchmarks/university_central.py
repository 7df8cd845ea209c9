"""The yardstick alone: ``central`` (CP-SAT's first timetable, then simulated annealing) on
ITC-2007 instances, per seed, with a wall-time budget and optionally a move budget.

Prints, per instance and seed, the official cost of the timetable (measured by the
validator), its hard violations, the best known cost and the ratio to it, the wall
seconds, the annealing's moves and moves per second; then per instance the median and
best over the seeds, and the sum of the medians. On a loaded machine a wall budget buys
fewer moves: the moves column says how much search a row had, and a ``--moves`` run (the
cooling spread over that many moves, the wall budget only a cap) gives figures that do
not depend on the load.

    python benchmarks/university_central.py --budget 60 --seeds 3
    python benchmarks/university_central.py --budget 600 --moves 60000000 --seeds 3
    python benchmarks/university_central.py --instance ~/ctt/ --budget 60
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

import report
from accord.domains.university.anneal import warm_up
from accord.domains.university.central import solve_central
from accord.domains.university.itc2007 import read_ctt
from accord.domains.university.validate import validate
from university import BEST_KNOWN, instance_files

console = Console(width=160)

COLUMNS = ["instance", "seed", "hard", "cost", "best known", "÷ best", "wall s", "moves",
           "M moves/s"]
SUMMARY = ["instance", "median", "best", "best known", "÷ best (median)", "longest wall s",
           "median moves"]


def measure(path: Path, budget: float, seed: int, moves: int | None) -> dict[str, Any]:
    """One run of ``central`` on the instance at ``path``."""
    inst = read_ctt(path)
    began = time.monotonic()
    found = solve_central(inst, time_limit=budget, seed=seed, workers=1, moves=moves)
    wall = time.monotonic() - began
    rep = validate(inst, found.lectures)
    best = BEST_KNOWN.get(path.stem)
    return {"instance": path.stem, "protocol": "central", "seed": seed, "budget": budget,
            "move_budget": moves, "hard_violations": rep.violations, "cost": rep.cost,
            "best_known": best, "ratio_best": rep.cost / best if best else None,
            "wall_seconds": wall, "moves": found.moves}


def _cells(r: dict[str, Any]) -> list[str]:
    return [r["instance"], str(r["seed"]), str(r["hard_violations"]), str(r["cost"]),
            report.opt(r["best_known"], "{}"), report.opt(r["ratio_best"], "{:.2f}"),
            f"{r['wall_seconds']:.1f}", f"{r['moves']:,}",
            f"{r['moves'] / max(r['wall_seconds'], 1e-9) / 1e6:.2f}"]


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per instance: the median and best cost over the seeds; then the sums."""
    out: list[dict[str, Any]] = []
    for name in dict.fromkeys(r["instance"] for r in rows):
        mine = [r for r in rows if r["instance"] == name]
        costs = [r["cost"] for r in mine]
        best = mine[0]["best_known"]
        out.append({"instance": name, "median": statistics.median_low(costs),
                    "best": min(costs), "best_known": best,
                    "longest": max(r["wall_seconds"] for r in mine),
                    "moves": statistics.median_low([r["moves"] for r in mine])})
        out[-1]["ratio"] = out[-1]["median"] / best if best else None
    known = [s["best_known"] for s in out]
    out.append({"instance": "sum", "median": sum(s["median"] for s in out),
                "best": sum(s["best"] for s in out),
                "best_known": sum(known) if None not in known else None, "ratio": None,
                "longest": max(s["longest"] for s in out), "moves": None})
    return out


def _summary_cells(s: dict[str, Any]) -> list[str]:
    return [s["instance"], str(s["median"]), str(s["best"]), report.opt(s["best_known"], "{}"),
            report.opt(s["ratio"], "{:.2f}"), f"{s['longest']:.1f}",
            report.opt(s["moves"], "{:,}")]


def main(
    instances: str = typer.Option(",".join(list(BEST_KNOWN)[:7]), help="comma-separated, "
                                  "from data/itc2007"),
    instance: list[Path] = typer.Option([], "--instance", help="a .ctt file or a directory "
                                        "of them (repeatable; replaces --instances)"),
    budget: float = typer.Option(60.0, help="wall seconds per run"),
    moves: int = typer.Option(None, help="the annealing's move budget (default: the wall "
                                         "budget alone)"),
    seeds: int = typer.Option(1, min=1, help="runs per instance (seeds 0, 1, ...)"),
    json_out: Path = typer.Option(None, "--json", help="write the rows as JSON"),
    markdown_out: Path = typer.Option(None, "--markdown", help="write the tables as Markdown"),
) -> None:
    """Run ``central`` and print the tables."""
    report.outputs(json=json_out, markdown=markdown_out)
    warm_up()
    rows: list[dict[str, Any]] = []
    for path in instance_files(instances, instance):
        for seed in range(seeds):
            rows.append(measure(path, budget, seed, moves))
            console.print("  " + " ".join(_cells(rows[-1])))
    summary = summarise(rows)
    title = f"university central, {budget:g} s" + (f", {moves:,} moves" if moves else "")
    console.print(report.table(title, COLUMNS, rows, _cells, left=("instance",)))
    console.print(report.table(title + ", over the seeds", SUMMARY, summary, _summary_cells,
                               left=("instance",)))
    report.write(console, rows, json_out, markdown_out,
                 report.markdown(COLUMNS, rows, _cells) + "\n"
                 + report.markdown(SUMMARY, summary, _summary_cells))


if __name__ == "__main__":
    typer.run(main)
