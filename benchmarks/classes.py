"""Classes benchmark: the source scheduler's baseline, the document's protocol and the
central optimum, side by side.

Scenarios: the source project's test scenario (examples/classes-fehu.yaml), generated
faculties of growing size (the domain's generator, as ``accord generate classes``; feasible
by construction) and any ``--scenario FILE`` (an imported faculty, say). For each scenario
and protocol it prints hard violations (with the kinds that occur), goal achievement by the official
measure (share of required minutes placed), the minutes the protocol agreed by its own
report (``seed-random`` books no classroom, so its classes do not count officially), the
official cost, ratios of goal and cost to ``central``, the disciplines left unassigned,
messages and wall time; the reasons for each discipline left are listed below the table
and kept in the JSON.

    python benchmarks/classes.py                              # fehu and every size
    python benchmarks/classes.py --fehu-only                  # fehu alone
    python benchmarks/classes.py --size 500,40,20,10 --size 1000,80,40,20
    python benchmarks/classes.py --scenario faculty.yaml --json out.json --markdown out.md
    python benchmarks/classes.py --from-json out.json         # the table of an earlier run
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

import report
from accord.app.registry import load_scenario
from accord.app.runner import run_scenario
from accord.domains.classes import goal_achievement
from accord.domains.classes.evaluate import missing_minutes, total_utility
from accord.domains.classes.scenario import ClassesScenario

ROOT = Path(__file__).resolve().parents[1]
FEHU = ROOT / "examples" / "classes-fehu.yaml"
PROTOCOLS = ["seed-random", "classes", "central"]
SIZES = ["200,20,10,6", "500,40,20,10", "1000,80,40,20", "2000,150,80,40"]
"""Generated faculties: students, disciplines, professors (a quarter part-time),
classrooms."""

console = Console(width=200)


def unassigned(metrics: dict[str, float]) -> dict[str, str]:
    """``group.discipline`` → reason, from the metrics ``reason.<group>.<discipline>:
    <reason>`` (``unassigned.<group>.<discipline>`` without a reason: ``-``)."""
    out = {k.removeprefix("unassigned."): "-" for k, v in metrics.items()
           if k.startswith("unassigned.") and v}
    for k, v in metrics.items():
        if k.startswith("reason.") and v:
            who, _, why = k.removeprefix("reason.").partition(": ")
            out[who] = why
    return dict(sorted(out.items()))


def measure(label: str, sc: ClassesScenario, protocols: list[str],
            workdir: Path) -> list[dict[str, Any]]:
    """Run every protocol on one scenario and return a row per protocol."""
    rows: list[dict[str, Any]] = []
    for p in protocols:
        res = run_scenario(sc, protocol=p, episodes=1, db=str(workdir / f"{len(rows)}.db"))
        e = res.episodes[0]
        left = unassigned(e.metrics)
        if not left and "required_minutes" not in e.metrics:  # central reports no reasons
            left = {f"{g}.{d}" + ("" if k == "lecture" else f"/{k}"): f"{n} minutes missing"
                    for (g, d, k), n in missing_minutes(sc, e.plans).items()}
        required = e.metrics.get("required_minutes")
        agreed = e.metrics["placed_minutes"] / required if required else None
        rows.append({
            "scenario": label, "protocol": p, "hard_violations": e.hard_violations,
            "hard_breakdown": {k: v for k, v in e.hard_breakdown.items() if v},
            "goal": goal_achievement(sc, e.plans), "agreed": agreed, "cost": e.cost,
            "utility": total_utility(sc, e.plans),
            "cost_breakdown": e.cost_breakdown, "unassigned": left,
            "messages": e.messages, "wall_seconds": e.wall_seconds, "rounds": e.rounds})
        console.print(f"  {label} {p:12} goal {rows[-1]['goal']:.3f}, cost {e.cost} "
                      f"({e.hard_violations} hard) in {e.wall_seconds:.2f} s")
    central = next((r for r in rows if r["protocol"] == "central"), None)
    for r in rows:
        r["goal_ratio_central"] = r["goal"] / central["goal"] if central and central["goal"] \
            else None
        r["cost_ratio_central"] = r["cost"] / central["cost"] if central and central["cost"] \
            else None
        r["utility_ratio_central"] = r["utility"] / central["utility"] \
            if central and central["utility"] else None
    return rows


COLUMNS = ["scenario", "protocol", "hard", "hard kinds", "goal", "agreed", "cost", "utility",
           "goal ÷ central", "cost ÷ central", "utility ÷ central", "unassigned", "messages",
           "wall s"]


def _cells(r: dict[str, Any]) -> list[str]:
    """One row's cells, in ``COLUMNS`` order."""
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["hard_breakdown"].items())) or "-"
    return [r["scenario"], r["protocol"], str(r["hard_violations"]), kinds,
            f"{r['goal']:.3f}", report.opt(r["agreed"], "{:.3f}"), str(r["cost"]),
            report.opt(r.get("utility"), "{:.3f}"),
            report.opt(r["goal_ratio_central"], "{:.2f}"),
            report.opt(r["cost_ratio_central"], "{:.2f}"),
            report.opt(r.get("utility_ratio_central"), "{:.3f}"), str(len(r["unassigned"])),
            str(r["messages"]), f"{r['wall_seconds']:.2f}"]


def reasons(rows: list[dict[str, Any]]) -> list[str]:
    """One line per discipline left: scenario, protocol, group.discipline and reason."""
    return [f"{r['scenario']} {r['protocol']} {who}: {why}" for r in rows
            for who, why in r["unassigned"].items()]


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table as Markdown, then the reasons as a list."""
    lines = reasons(rows)
    return report.markdown(COLUMNS, rows, _cells) + ("\nUnassigned, with the reasons:\n\n"
                                                     + "".join(f"- {x}\n" for x in lines)
                                                     if lines else "")


def generated(size: str, seed: int) -> ClassesScenario:
    """The generated faculty of ``STUDENTS,DISCIPLINES,PROFESSORS,CLASSROOMS``."""
    from accord.domains.classes.generate import generate

    try:
        students, disciplines, professors, classrooms = (int(x) for x in size.split(","))
    except ValueError:
        raise typer.BadParameter("four integers, comma-separated",
                                 param_hint=f"--size {size}") from None
    return generate(students, disciplines, professors, classrooms, seed=seed)


def main(
    scenario: list[Path] = typer.Option(
        [], "--scenario", help="a classes scenario file to add (repeatable)"),
    no_fehu: bool = typer.Option(False, "--no-fehu", help="leave out the fehu scenario"),
    size: list[str] = typer.Option(
        SIZES, "--size", help="a generated faculty: STUDENTS,DISCIPLINES,PROFESSORS,"
                              "CLASSROOMS (repeatable)"),
    fehu_only: bool = typer.Option(False, "--fehu-only", help="no generated faculty"),
    seed: int = typer.Option(1, help="seed of the generated faculties"),
    protocols: str = typer.Option(",".join(PROTOCOLS)),
    json_out: Path = typer.Option(None, "--json", help="write the rows as JSON"),
    markdown_out: Path = typer.Option(None, "--markdown", help="write the table as Markdown"),
    from_json: list[Path] = typer.Option(
        [], "--from-json", help="print the table of earlier --json files instead of running"),
) -> None:
    """Run the benchmark and print the table."""
    report.outputs(json=json_out, markdown=markdown_out)
    rows: list[dict[str, Any]] = []
    if from_json:
        for f in from_json:
            rows += report.read_rows(f, "--from-json")
    else:
        files = ([] if no_fehu else [FEHU]) + list(scenario)
        scenarios: list[tuple[str, ClassesScenario]] = []
        for f in files:
            sc = load_scenario(f)
            if not isinstance(sc, ClassesScenario):
                raise typer.BadParameter(f"not a classes scenario ({sc.domain})",
                                         param_hint=f"--scenario {f}")
            scenarios.append(("fehu" if f == FEHU else f.stem, sc))
        for s in [] if fehu_only else size:
            scenarios.append((f"gen {s}", generated(s, seed)))
        with tempfile.TemporaryDirectory() as tmp:
            for label, sc in scenarios:
                rows += measure(label, sc, protocols.split(","), Path(tmp))
    console.print(report.table("classes: seed-random, classes and central", COLUMNS, rows,
                               _cells, left=("scenario", "protocol", "hard kinds")))
    for line in reasons(rows):
        console.print(f"  {line}", highlight=False)
    report.write(console, rows, json_out, markdown_out, markdown(rows))


if __name__ == "__main__":
    typer.run(main)
