"""University benchmark: ITC-2007 comp01–comp07 split into K departments.

For each instance and K, every protocol gets the same wall-time budget (central: its
solver time limit; negotiate: its time budget; first-commit runs to its end). Prints hard
violations, the official cost, the best known value, ratios to best known and to
central, refused room requests, messages, wall time, the time the last change was
applied (settled) and the members' mean utilisation (CPU time solving ÷ wall time);
writes JSON with each agent's utilisation and each negotiation's cost over time.
``negotiate-sync`` is the synchronized variant (one department changes at a time);
``negotiate`` is concurrent (all departments asked at once, round by round);
``negotiate-async`` is asynchronous (each department asked again as soon as its answer is
settled, while the others solve, as many solving at once as the machine has cores). When
several run, "to common s" is when each first reached the cost all reach (the highest of
their final costs): time to target. ".sol hard / cost" is the official measure of the
run's timetable written as a ``.sol`` file and read back as the validator reads it.

    python benchmarks/university.py                         # comp01–07, K = 2 4 8, 60 s
    python benchmarks/university.py --instances comp01 --k 4 --budget 20
    python benchmarks/university.py --k 4 --protocols first-commit,negotiate,negotiate-sync,central
    python benchmarks/university.py --from-json reports/university-k4.json --markdown k4.md
    python benchmarks/university.py --k 2 --k 8 --central-from reports/university-k4.json

``central`` solves the merged instance, which does not depend on K: it runs once per
instance, and ``--central-from`` takes its rows from an earlier run instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

import report
from accord.app.runner import run_scenario
from accord.domains.university import lectures_of, protocol_options
from accord.domains.university.instance import Instance
from accord.domains.university.itc2007 import format_sol, parse_sol, read_ctt
from accord.domains.university.local import AUTHORITY
from accord.domains.university.split import split
from accord.domains.university.validate import validate
from accord.protocols.trace import read_trace
from accord.store import Store

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "itc2007"
BEST_KNOWN = {"comp01": 5, "comp02": 24, "comp03": 66, "comp04": 35, "comp05": 290,
              "comp06": 27, "comp07": 6}
PROTOCOLS = ["first-commit", "negotiate", "central"]
VARIANTS = ["negotiate", "negotiate-sync", "negotiate-async"]
"""``negotiate`` and its synchronized and asynchronous modes."""

console = Console(width=200)


def measure(name: str, k: int, budget: float, protocols: list[str], workdir: Path,
            centrals: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Run every protocol on one split and return a row per protocol. ``central`` solves
    the merged instance, which is the same whatever K: a row for ``name`` already in
    ``centrals`` is reused (marked ``reused``), and a new one is put there."""
    inst = read_ctt(DATA / f"{name}.ctt")
    sc, crossing = split(inst, k)
    options = protocol_options(budget, k)
    centrals = {} if centrals is None else centrals
    rows: list[dict[str, Any]] = []
    for p in protocols:
        if p == "central" and name in centrals:
            rows.append(centrals[name] | {"k": k, "crossing_curricula": crossing,
                                          "reused": True})
            console.print(f"  {name} K={k} central      cost {rows[-1]['cost']} (reused)")
            continue
        protocol = "negotiate" if p in VARIANTS else p
        run = sc.model_copy(update={"protocol_options": {protocol: options[p]}})
        db = str(workdir / f"{name}-{k}-{p}.db")
        res = run_scenario(run, protocol=protocol, episodes=1, db=db)
        e = res.episodes[0]
        sol_hard, sol_cost = sol_check(inst, db, res.run_id)
        rows.append({"instance": name, "k": k, "crossing_curricula": crossing, "protocol": p,
                     "budget": budget,
                     "hard_violations": e.hard_violations, "cost": e.cost,
                     "sol_hard": sol_hard, "sol_cost": sol_cost,
                     "cost_breakdown": e.cost_breakdown, "best_known": BEST_KNOWN[name],
                     "refused_requests": e.metrics.get("refused_requests"),
                     "messages": e.messages, "wall_seconds": e.wall_seconds,
                     "granted_seconds": e.metrics.get("granted_seconds"),
                     "settled_seconds": e.metrics.get("settled_seconds"),
                     "trace": official_trace(e.metrics, e.cost),
                     "utilisation": e.metrics.get("utilisation"),
                     "utilisation_by_agent": {a.split(".", 1)[1]: v for a, v in e.metrics.items()
                                              if a.startswith("utilisation.")}})
        console.print(f"  {name} K={k} {p:12} cost {e.cost} ({e.hard_violations} hard) "
                      f"in {e.wall_seconds:.1f} s")
        if p == "central":
            centrals[name] = rows[-1]
    central = next((r["cost"] for r in rows if r["protocol"] == "central"),
                   centrals[name]["cost"] if name in centrals else None)
    for r in rows:
        r["ratio_best"] = r["cost"] / r["best_known"]
        r["ratio_central"] = r["cost"] / central if central else None
    report.time_to_common(rows, VARIANTS)
    return rows


def sol_check(inst: Instance, db: str, run_id: str) -> tuple[int, int]:
    """Hard violations and cost of the run's stored timetable written as a ``.sol`` file
    (as ``accord export`` does) and read back against the original ``.ctt`` as the
    official validator reads it."""
    store = Store(db)
    try:
        plans = store.plans(run_id, store.episodes(run_id)[-1].episode)
    finally:
        store.close()
    lectures, warnings = parse_sol(inst, format_sol(lectures_of(plans)))
    if warnings:
        raise RuntimeError(f"{inst.name}: exported .sol read with warnings: {warnings[0]}")
    rep = validate(inst, lectures)
    return rep.violations, rep.cost


def official_trace(metrics: dict[str, float], final: int) -> list[list[float]] | None:
    """The authority's cost over time, shifted so that it ends at the official cost (a
    department's change of cost is the merged timetable's, so only the offset differs)."""
    trace = read_trace(metrics, AUTHORITY)
    if not trace:
        return None
    offset = final - trace[-1][1]
    return [[t, c + offset] for t, c in trace]


COLUMNS = ["instance", "K", "crossing", "protocol", "hard", "cost", ".sol hard / cost",
           "best known", "÷ best",
           "÷ central", "refused rooms", "messages", "wall s", "granted s", "settled s",
           "to common s", "utilisation"]


def _cells(r: dict[str, Any], best_fmt: str) -> list[str]:
    """One row's cells, in ``COLUMNS`` order (``best_fmt``: the ratio to best known)."""
    return [r["instance"], str(r["k"]), str(r["crossing_curricula"]), r["protocol"],
            str(r["hard_violations"]), str(r["cost"]),
            f"{r['sol_hard']} / {r['sol_cost']}" if "sol_cost" in r else "-",
            str(r["best_known"]),
            best_fmt.format(r["ratio_best"]), report.opt(r["ratio_central"], "{:.2f}"),
            report.opt(r["refused_requests"], "{:.0f}"), str(r["messages"]),
            f"{r['wall_seconds']:.1f}", report.opt(r.get("granted_seconds"), "{:.1f}"),
            report.opt(r["settled_seconds"], "{:.1f}"),
            report.opt(r.get("common_seconds"), "{:.1f}"),
            report.opt(r["utilisation"], "{:.0%}")]


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table as Markdown (ratios to best known with two decimals)."""
    return report.markdown(COLUMNS, rows, lambda r: _cells(r, "{:.2f}"))


def main(
    instances: str = typer.Option(",".join(BEST_KNOWN), help="comma-separated"),
    k: list[int] = typer.Option([2, 4, 8], "--k", help="departments (repeatable)"),
    budget: float = typer.Option(60.0, help="wall seconds per protocol run"),
    protocols: str = typer.Option(",".join(PROTOCOLS)),
    json_out: Path = typer.Option(None, "--json", help="write the rows as JSON"),
    markdown_out: Path = typer.Option(None, "--markdown", help="write the table as Markdown"),
    from_json: list[Path] = typer.Option(
        [], "--from-json", help="print the table of earlier --json files instead of running"),
    central_from: list[Path] = typer.Option(
        [], "--central-from", help="reuse the central rows of earlier --json files (same "
                                   "budget) instead of running central again"),
) -> None:
    """Run the benchmark and print the table."""
    report.outputs(json=json_out, markdown=markdown_out)
    rows: list[dict[str, Any]] = []
    centrals = {r["instance"]: {**r, "trace": None} for f in central_from
                for r in report.read_rows(f, "--central-from")
                if r["protocol"] == "central" and r.get("budget", budget) == budget}
    unknown = set(protocols.split(",")) - {*PROTOCOLS, *VARIANTS}
    if unknown:
        raise typer.BadParameter(f"unknown protocol(s) {', '.join(sorted(unknown))}",
                                 param_hint="--protocols")
    if from_json:
        for f in from_json:
            rows += report.read_rows(f, "--from-json")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for name in instances.split(","):
                for kk in k:
                    rows += measure(name, kk, budget, protocols.split(","), Path(tmp),
                                    centrals)
    console.print(report.table("university: ITC-2007 splits, same wall-time budget per protocol",
                               COLUMNS, rows, lambda r: _cells(r, "{:.1f}")))
    report.write(console, rows, json_out, markdown_out, markdown(rows))


if __name__ == "__main__":
    typer.run(main)
