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
    python benchmarks/university.py --instance ~/ctt/ --k 4 --seeds 3   # any .ctt files

``central`` solves the merged instance, which does not depend on K: it runs once per
instance and seed, and ``--central-from`` takes its rows from an earlier run instead.
``central-cpsat`` is the CP-SAT model alone (``central_model: cpsat``). With several
seeds a second table gives, per instance, K and protocol, the median and best cost over
the seeds, the ratios of the median to the best known and to ``central``'s median, the
median and longest wall time and overrun past the budget, and the median messages; then
the sums of the medians over the instances. A third table is the time-to-quality curve:
the median cost each protocol had reached at each twelfth of the budget (from the
runs' traces: ``central`` from its first timetable, ``negotiate`` from its first
requests that fit together), and ``--curve FILE.svg`` draws its sums.

    python benchmarks/university.py --k 4 --seeds 3 --protocols central,negotiate --curve c.svg
"""

from __future__ import annotations

import json
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
from accord.protocols.central.protocol import SOLVER
from accord.protocols.trace import read_trace
from accord.store import Store
from university_curve import curve, plot, show
from university_summary import SUMMARY_COLUMNS, summarise, summary_cells

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "itc2007"
BEST_KNOWN = {"comp01": 5, "comp02": 24, "comp03": 66, "comp04": 35, "comp05": 290,
              "comp06": 27, "comp07": 6, "comp08": 37, "comp09": 96, "comp10": 4, "comp11": 0,
              "comp12": 300, "comp13": 59, "comp14": 51}
"""Best known UD2 costs (the ITC-2007 track 3 site's records)."""
PROTOCOLS = ["first-commit", "negotiate", "central"]
CENTRALS = ["central", "central-cpsat"]
"""``central`` (annealing from CP-SAT's first timetable) and the CP-SAT model alone."""
VARIANTS = ["negotiate", "negotiate-sync", "negotiate-async"]
"""``negotiate`` and its synchronized and asynchronous modes."""

console = Console(width=200)


def measure(path: Path, k: int, budget: float, protocols: list[str], workdir: Path,
            centrals: dict[tuple[str, int, str], dict[str, Any]] | None = None, seed: int = 0
            ) -> list[dict[str, Any]]:
    """Run every protocol on one split of the instance at ``path`` with ``seed`` and
    return a row per protocol. ``central`` solves the merged instance, which is the same
    whatever K: a row already in ``centrals`` is reused (marked ``reused``), and a new one
    is put there."""
    inst = read_ctt(path)
    name = path.stem
    sc, crossing = split(inst, k)
    sc = sc.model_copy(update={"seed": seed})
    options = protocol_options(budget, k)
    centrals = {} if centrals is None else centrals
    best = BEST_KNOWN.get(name)
    rows: list[dict[str, Any]] = []
    for p in protocols:
        if p in CENTRALS and (name, seed, p) in centrals:
            rows.append(centrals[name, seed, p] | {"k": k, "crossing_curricula": crossing,
                                                   "reused": True})
            console.print(f"  {name} K={k} seed {seed} {p} cost {rows[-1]['cost']} (reused)")
            continue
        protocol = "negotiate" if p in VARIANTS else "central" if p in CENTRALS else p
        update: dict[str, Any] = {"protocol_options": {
            protocol: options["central" if p in CENTRALS else p]}}
        if p == "central-cpsat":
            update["central_model"] = "cpsat"
        run = sc.model_copy(update=update)
        db = str(workdir / f"{name}-{k}-{p}-{seed}.db")
        res = run_scenario(run, protocol=protocol, episodes=1, db=db)
        e = res.episodes[0]
        sol_hard, sol_cost = sol_check(inst, db, res.run_id)
        rows.append({"instance": name, "k": k, "crossing_curricula": crossing, "protocol": p,
                     "budget": budget, "seed": seed,
                     "hard_violations": e.hard_violations, "cost": e.cost,
                     "sol_hard": sol_hard, "sol_cost": sol_cost,
                     "cost_breakdown": e.cost_breakdown, "best_known": best,
                     "refused_requests": e.metrics.get("refused_requests"),
                     "messages": e.messages, "wall_seconds": e.wall_seconds,
                     "granted_seconds": e.metrics.get("granted_seconds"),
                     "settled_seconds": e.metrics.get("settled_seconds"),
                     "trace": official_trace(e.metrics, e.cost,
                                             SOLVER if p in CENTRALS else AUTHORITY),
                     "utilisation": e.metrics.get("utilisation"),
                     "utilisation_by_agent": {a.split(".", 1)[1]: v for a, v in e.metrics.items()
                                              if a.startswith("utilisation.")}})
        console.print(f"  {name} K={k} seed {seed} {p:12} cost {e.cost} "
                      f"({e.hard_violations} hard) in {e.wall_seconds:.1f} s")
        if p in CENTRALS:
            centrals[name, seed, p] = rows[-1]
    central = next((r["cost"] for r in rows if r["protocol"] == "central"),
                   centrals[name, seed, "central"]["cost"] if (name, seed, "central") in centrals
                   else None)
    for r in rows:
        r["ratio_best"] = r["cost"] / r["best_known"] if r["best_known"] else None
        r["ratio_central"] = r["cost"] / central if central else None
    report.time_to_common(rows, VARIANTS)
    return rows


def instance_files(names: str, paths: list[Path]) -> list[Path]:
    """The ``.ctt`` files to run: each ``--instance`` file, every ``.ctt`` in each
    ``--instance`` directory, else the named instances of data/itc2007."""
    if not paths:
        return [DATA / f"{n}.ctt" for n in names.split(",")]
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.glob("*.ctt"))
            if not found:
                raise typer.BadParameter(f"no .ctt file in {p}", param_hint="--instance")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise typer.BadParameter(f"{p}: no such file or directory",
                                     param_hint="--instance")
    return out


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


def official_trace(metrics: dict[str, float], final: int, agent: str
                   ) -> list[list[float]] | None:
    """The cost over time ``agent`` recorded (the authority's, or the central solver's),
    shifted so that it ends at the official cost (a department's change of cost is the
    merged timetable's, so only the offset differs)."""
    trace = read_trace(metrics, agent)
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
    return [r["instance"], str(r.get("k", "-")), str(r.get("crossing_curricula", "-")),
            r["protocol"], str(r["hard_violations"]), str(r["cost"]),
            f"{r['sol_hard']} / {r['sol_cost']}" if "sol_cost" in r else "-",
            report.opt(r.get("best_known"), "{}"),
            report.opt(r.get("ratio_best"), best_fmt),
            report.opt(r.get("ratio_central"), "{:.2f}"),
            report.opt(r.get("refused_requests"), "{:.0f}"), str(r.get("messages", "-")),
            f"{r['wall_seconds']:.1f}", report.opt(r.get("granted_seconds"), "{:.1f}"),
            report.opt(r.get("settled_seconds"), "{:.1f}"),
            report.opt(r.get("common_seconds"), "{:.1f}"),
            report.opt(r.get("utilisation"), "{:.0%}")]


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table as Markdown (ratios to best known with two decimals)."""
    return report.markdown(COLUMNS, rows, lambda r: _cells(r, "{:.2f}"))


def main(
    instances: str = typer.Option(",".join(list(BEST_KNOWN)[:7]), help="comma-separated, "
                                  "from data/itc2007"),
    instance: list[Path] = typer.Option([], "--instance", help="a .ctt file or a directory "
                                        "of them (repeatable; replaces --instances)"),
    k: list[int] = typer.Option([2, 4, 8], "--k", help="departments (repeatable)"),
    budget: float = typer.Option(60.0, help="wall seconds per protocol run"),
    seeds: int = typer.Option(1, min=1, help="runs per instance, K and protocol (seeds 0, "
                                             "1, ...)"),
    protocols: str = typer.Option(",".join(PROTOCOLS)),
    json_out: Path = typer.Option(None, "--json", help="write the rows as JSON"),
    markdown_out: Path = typer.Option(None, "--markdown", help="write the table as Markdown"),
    from_json: list[Path] = typer.Option(
        [], "--from-json", help="print the table of earlier --json files instead of running"),
    central_from: list[Path] = typer.Option(
        [], "--central-from", help="reuse the central rows of earlier --json files (same "
                                   "budget) instead of running central again"),
    curve_out: Path = typer.Option(None, "--curve", help="draw the time-to-quality curve "
                                                         "(.svg or .png)"),
) -> None:
    """Run the benchmark and print the tables."""
    report.outputs(json=json_out, markdown=markdown_out, curve=curve_out)
    rows: list[dict[str, Any]] = []
    centrals = {(r["instance"], r.get("seed", 0), r["protocol"]): r
                for f in central_from for r in report.read_rows(f, "--central-from")
                if r["protocol"] in CENTRALS and r.get("budget", budget) == budget}
    unknown = set(protocols.split(",")) - {*PROTOCOLS, *VARIANTS, *CENTRALS}
    if unknown:
        raise typer.BadParameter(f"unknown protocol(s) {', '.join(sorted(unknown))}",
                                 param_hint="--protocols")
    if from_json:
        for f in from_json:
            rows += report.read_rows(f, "--from-json")
    else:
        files = instance_files(instances, instance)
        with tempfile.TemporaryDirectory() as tmp:
            for path in files:
                for kk in k:
                    for seed in range(seeds):
                        rows += measure(path, kk, budget, protocols.split(","), Path(tmp),
                                        centrals, seed)
                        if json_out:  # kept as the runs go: a long sweep loses nothing
                            json_out.write_text(json.dumps(rows, indent=2) + "\n")
    console.print(report.table("university: ITC-2007 splits, same wall-time budget per protocol",
                               COLUMNS, rows, lambda r: _cells(r, "{:.1f}")))
    summary = summarise(rows)
    console.print(report.table("university: per instance, K and protocol over the seeds",
                               SUMMARY_COLUMNS, summary, summary_cells))
    moments, table = curve(rows)
    curve_md = show(console, moments, table)
    report.write(console, rows, json_out, markdown_out,
                 markdown(rows) + "\n" + report.markdown(SUMMARY_COLUMNS, summary,
                                                         summary_cells)
                 + ("\n" + curve_md if curve_md else ""))
    if curve_out:
        plot(moments, table, curve_out)
        console.print(f"curve: {curve_out}")


if __name__ == "__main__":
    typer.run(main)
