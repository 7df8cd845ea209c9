"""Dismissal benchmark: every protocol against the central optimum, side by side.

Instances: the source notebook's configuration (examples/dismissal-seed.yaml) and seeded
generated instances up to 300 classrooms and 4 bottlenecks (feasible by construction).
For each instance and protocol it prints hard violations, cost, the central reference,
their ratio, messages, wall time per episode, and fairness (each classroom's total
displacement over the episodes; max/mean of minutes displaced per student).

    python benchmarks/dismissal.py                  # full table
    python benchmarks/dismissal.py --quick          # small instances only
    python benchmarks/dismissal.py --json out.json  # also write JSON (--markdown for docs)
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

import report
from accord.app.registry import load_scenario
from accord.app.runner import run_scenario
from accord.domains.dismissal.generate import generate
from accord.domains.dismissal.scenario import DismissalScenario

ROOT = Path(__file__).resolve().parents[1]
PROTOCOLS = ["negotiate", "seed-offers", "central"]
GENERATED = [(30, 1, 1), (100, 2, 1), (300, 4, 1), (300, 4, 2), (300, 4, 3)]

console = Console(width=180)


def instances(quick: bool) -> list[tuple[str, DismissalScenario, int]]:
    """(label, scenario, episodes) of the benchmark."""
    seed = load_scenario(ROOT / "examples" / "dismissal-seed.yaml")
    assert isinstance(seed, DismissalScenario)
    out = [("seed (notebook)", seed, 5)]
    for n, k, s in GENERATED:
        if quick and n > 100:
            continue
        out.append((f"gen {n}x{k} s{s}", generate(n, k, seed=s), 3))
    return out


def measure(label: str, sc: DismissalScenario, episodes: int, protocol: str,
            workdir: Path) -> dict[str, Any]:
    """Run one protocol on one instance and summarise it."""
    db = str(workdir / f"{abs(hash((label, protocol)))}.db")
    t0 = time.perf_counter()
    res = run_scenario(sc, protocol=protocol, episodes=episodes, db=db, reference=True)
    total = time.perf_counter() - t0
    eps = res.episodes
    ref = eps[0].reference_cost or 0
    size = {c.id: c.attendance for c in sc.classrooms}
    displaced = {a: sum(e.plans[a].cost for e in eps) for a in size}
    per_student = [displaced[a] / (len(eps) * size[a]) for a in size if size[a]]
    mean = sum(per_student) / len(per_student)
    return {
        "instance": label, "protocol": protocol, "classrooms": len(sc.classrooms),
        "bottlenecks": len(sc.bottlenecks), "episodes": len(eps),
        "hard_violations": [e.hard_violations for e in eps],
        "cost": [e.cost for e in eps], "reference_cost": ref,
        "ratio_max": max(e.cost / ref if ref else float(e.cost > 0) for e in eps),
        "messages_per_episode": sum(e.messages for e in eps) / len(eps),
        "wall_seconds_max": max(e.wall_seconds for e in eps),
        "wall_seconds_total": round(total, 3),
        "fairness_max_over_mean": max(per_student) / mean if mean else 0.0,
        "displacement_per_classroom": displaced,
    }


def table(rows: list[dict[str, Any]]) -> Table:
    """The printed table."""
    t = Table(title="dismissal: protocols against the central optimum (per episode)")
    for col in ("instance", "protocol", "eps", "hard viol. (max)", "cost (mean)",
                "reference", "ratio (max)", "messages", "wall s (max)", "fair max/mean"):
        t.add_column(col, justify="right" if col not in ("instance", "protocol") else "left")
    for r in rows:
        t.add_row(r["instance"], r["protocol"], str(r["episodes"]),
                  str(max(r["hard_violations"])), f"{sum(r['cost']) / len(r['cost']):.0f}",
                  str(r["reference_cost"]), f"{r['ratio_max']:.4f}",
                  f"{r['messages_per_episode']:.0f}", f"{r['wall_seconds_max']:.2f}",
                  f"{r['fairness_max_over_mean']:.2f}")
    return t


def markdown(rows: list[dict[str, Any]]) -> str:
    """The same table in Markdown, for the docs."""
    head = ("instance", "protocol", "episodes", "hard violations (max)", "cost (mean)",
            "reference", "ratio (max)", "messages", "wall s (max)", "fairness max/mean")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append(
            f"| {r['instance']} | {r['protocol']} | {r['episodes']} | "
            f"{max(r['hard_violations'])} | {sum(r['cost']) / len(r['cost']):.0f} | "
            f"{r['reference_cost']} | {r['ratio_max']:.4f} | "
            f"{r['messages_per_episode']:.0f} | {r['wall_seconds_max']:.2f} | "
            f"{r['fairness_max_over_mean']:.2f} |")
    return "\n".join(lines) + "\n"


def main(
    quick: bool = typer.Option(False, help="only instances up to 100 classrooms"),
    protocols: str = typer.Option(",".join(PROTOCOLS), help="comma-separated"),
    json_out: Path = typer.Option(None, "--json", help="write all rows as JSON"),
    md_out: Path = typer.Option(None, "--markdown", help="write the table as Markdown"),
) -> None:
    """Run the benchmark and print the table."""
    report.outputs(json=json_out, markdown=md_out)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, sc, episodes in instances(quick):
            for p in protocols.split(","):
                rows.append(measure(label, sc, episodes, p, Path(tmp)))
                console.print(f"  {label:16} {p:12} done in {rows[-1]['wall_seconds_total']} s")
    console.print(table(rows))
    seed_rows = [r for r in rows if r["instance"].startswith("seed")]
    if seed_rows:
        t = Table(title="seed example: minutes displaced per classroom over the episodes")
        t.add_column("protocol")
        names = list(seed_rows[0]["displacement_per_classroom"])
        for n in names:
            t.add_column(n, justify="right")
        for r in seed_rows:
            t.add_row(r["protocol"], *[str(r["displacement_per_classroom"][n]) for n in names])
        console.print(t)
    if md_out:
        md_out.write_text(markdown(rows))
        console.print(f"wrote {md_out}")
    if json_out:
        json_out.write_text(json.dumps(rows, indent=2) + "\n")
        console.print(f"wrote {json_out}")


if __name__ == "__main__":
    typer.run(main)
