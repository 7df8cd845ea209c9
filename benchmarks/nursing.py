"""Nursing benchmark: the seed's toy hospital over seeds, and a hospital of Curtois wards.

For each scenario: stage 1 alone (``transport`` with ``stages: 1``), the three stages
synchronized, concurrent and asynchronous (concurrent with solves overlapping the
message flow), and ``central``, every run with the same wall-time budget
(``transport``'s time budget; central's solver time limit, 2 workers). Prints transport
cost, total ward penalty, global cost, ratio to central, improvement over stage 1, messages,
wall time, when the final cost was reached (settled), when each of the three modes first
reached the highest of their final costs ("to common s": time to a common target), and the
wards' utilisation (CPU time solving ÷ wall time); then the line managers' stage alone
(stage 2, the seed's slides 27–30): the cost it ends at, the seconds from its start to that
cost and to the highest of the three modes' stage-2 costs, and the wards' utilisation
during it. Writes the rows as JSON and Markdown.

It also writes the seed's two curves as data (JSON, CSV) and PNG plots in ``--plots``:
``cost-vs-quality`` (slide 26: stage 2 run with a range of ``penalty_slack`` thresholds on
the first toy seed, each point the resulting total penalty and transport cost) and
``cost-vs-time`` (slide 30: the global cost over time of synchronized and concurrent on
the first toy seed and on the Curtois hospital).

    python benchmarks/nursing.py                           # toy seeds 1..5 + Curtois, 60 s
    python benchmarks/nursing.py --seeds 1 --budget 10 --no-curtois
    python benchmarks/nursing.py --json reports/nursing.json --markdown reports/nursing.md
    python benchmarks/nursing.py --wards-alone --seeds 1,2,3 --seconds 60   # nursing_wards.py
    python benchmarks/nursing.py --seeds '' --slacks '' --curtois-wards 5,6,7,8 \
        --curtois-lines 8 --variants stage1,transport-concurrent,central  # larger wards
    python benchmarks/nursing.py --seeds 3 --no-curtois --slacks '' --plots /tmp/plots \
        --variants transport-sync --options '{"restarts": 0}'    # one run
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

import nursing_wards
import report
from accord.app.runner import EpisodeResult, run_scenario
from accord.domains.nursing.curtois_ward import CurtoisModel
from accord.domains.nursing.generate import generate
from accord.domains.nursing.hospital import curtois_hospital
from accord.domains.nursing.scenario import NursingScenario
from accord.protocols.trace import read_trace
from accord.protocols.transport import OFFICE

ROOT = Path(__file__).resolve().parents[1]
CURTOIS = ROOT / "data" / "curtois"
PROTOCOLS = {"stage1": {"stages": 1}, "transport-sync": {"mode": "synchronized"},
             "transport-concurrent": {"mode": "concurrent"},
             "transport-async": {"mode": "concurrent", "overlap": True}}
"""Each ``transport`` variant's options; ``central`` runs as well. ``transport-async`` is
concurrent with solves overlapping message flow (lines go on while wards solve)."""
MODES = [("transport-sync", "-"), ("transport-concurrent", "--"), ("transport-async", ":")]
"""The variants on the cost-over-time plot, with their line styles."""
SLACKS = [0, 10, 20, 40, 80, 160]

console = Console(width=200)


def _run(sc: NursingScenario, protocol: str, options: dict[str, Any], db: Path
         ) -> EpisodeResult:
    run = sc.model_copy(update={"protocol_options": {protocol: options}})
    return run_scenario(run, protocol=protocol, episodes=1, db=str(db)).episodes[0]


def _transport_options(sc: NursingScenario, budget: float) -> dict[str, Any]:
    """The scenario's own transport options (a Curtois hospital's solve budgets) with the
    time budget."""
    return sc.options_for("transport") | {"time_budget": budget}


def measure(label: str, sc: NursingScenario, budget: float, workdir: Path,
            variants: list[str] | None = None, extra: dict[str, Any] | None = None
            ) -> list[dict[str, Any]]:
    """Run stage 1, the modes and central (or only ``variants``) on one scenario, with
    ``extra`` transport options; a row per run."""
    rows: list[dict[str, Any]] = []
    base = _transport_options(sc, budget) | (extra or {})
    runs = {p: ("transport", base | o) for p, o in PROTOCOLS.items()}
    runs["central"] = ("central", {"time_limit": budget, "workers": 2})
    runs = {p: r for p, r in runs.items() if variants is None or p in variants}
    for p, (protocol, options) in runs.items():
        e = _run(sc, protocol, options, workdir / f"{label}-{p}.db")
        trace = read_trace(e.metrics, OFFICE)
        rows.append({"instance": label, "protocol": p, "hard_violations": e.hard_violations,
                     "transport": e.cost_breakdown["transport"],
                     "penalty": e.cost_breakdown["ward_penalty"], "cost": e.cost,
                     "messages": e.messages, "wall_seconds": e.wall_seconds,
                     "settled_seconds": next((t for t, c in trace if c <= e.cost), None),
                     "trace": [[t, c] for t, c in trace],
                     "utilisation": e.metrics.get("utilisation"),
                     "optimal": e.metrics.get("optimal"), "bound": e.metrics.get("bound"),
                     "stages": {k: v for k, v in e.metrics.items() if k.startswith("stage")}}
                    | managers(e, trace, len(sc.wards)))
        console.print(f"  {label} {p:22} cost {e.cost} ({e.hard_violations} hard) "
                      f"in {e.wall_seconds:.1f} s")
    central = next((r["cost"] for r in rows if r["protocol"] == "central"), None)
    first = next((r["cost"] for r in rows if r["protocol"] == "stage1"), None)
    for r in rows:
        r["ratio_central"] = r["cost"] / central if central else None
        r["improvement_pct"] = 100 * (first - r["cost"]) / first if first else None
    modes = [p for p, _ in MODES]
    report.time_to_common(rows, modes)
    report.time_to_common(rows, modes, cost="managers_cost", out="managers_common",
                          since="managers_from")
    return rows


def managers(e: EpisodeResult, trace: list[tuple[float, int]], wards: int
             ) -> dict[str, float | None]:
    """The line managers' stage (stage 2, slides 27–30): the cost it ends at, the seconds
    from its start until it reached that cost, and the wards' utilisation during it (CPU
    seconds solving the lines' proposals ÷ wards × the stage's wall time)."""
    begin, end = e.metrics.get("stage1.at_seconds"), e.metrics.get("stage2.at_seconds")
    if begin is None or end is None:
        return {}
    cost = e.metrics["stage2.cost"]
    reached = next(t for t, c in trace if c <= cost)
    solving = e.metrics.get("solving.release_request", 0.0)
    return {"managers_cost": cost, "managers_from": begin, "managers_seconds": reached - begin,
            "managers_utilisation": solving / (wards * (end - begin)) if end > begin else None}


def quality_curve(sc: NursingScenario, budget: float, slacks: list[int], workdir: Path,
                  extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Slide 26: stage 1, then stage 2 with each quality threshold; (label, slack,
    penalty, transport, global cost) per run."""
    out = []
    for slack in [None, *slacks]:
        opts = _transport_options(sc, budget) | (extra or {}) | (
            {"stages": 1} if slack is None else {"stages": 2, "penalty_slack": slack})
        e = _run(sc, "transport", opts, workdir / f"slack-{slack}.db")
        label = "stage 1" if slack is None else f"slack {slack}"
        out.append({"label": label, "slack": slack, "penalty": e.cost_breakdown["ward_penalty"],
                    "transport": e.cost_breakdown["transport"], "cost": e.cost})
        console.print(f"  {label:10}: penalty {out[-1]['penalty']}, "
                      f"transport {out[-1]['transport']}")
    return out


def time_curves(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slide 30: global cost over time of each synchronized and concurrent run."""
    return [{"instance": r["instance"], "protocol": r["protocol"], "seconds": t, "cost": c}
            for r in rows if r["protocol"] in dict(MODES)
            for t, c in r["trace"]]


def write_curves(quality: list[dict[str, Any]], times: list[dict[str, Any]], plots: Path
                 ) -> list[Path]:
    """Both curves as JSON, CSV and PNG; returns the PNGs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots.mkdir(parents=True, exist_ok=True)
    (plots / "curves.json").write_text(json.dumps(
        {"cost_vs_quality": quality, "cost_vs_time": times}, indent=2) + "\n")
    for name, points in (("cost-vs-quality", quality), ("cost-vs-time", times)):
        if points:
            with (plots / f"{name}.csv").open("w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(points[0]))
                w.writeheader()
                w.writerows(points)
    fig, ax = plt.subplots(figsize=(5, 3.6), dpi=100)
    stage2 = [q for q in quality if q["slack"] is not None]
    ax.plot([q["penalty"] for q in stage2], [q["transport"] for q in stage2], "o-",
            label="stage 2 at each slack")
    ax.plot([q["penalty"] for q in quality if q["slack"] is None],
            [q["transport"] for q in quality if q["slack"] is None], "s", label="stage 1")
    labels: dict[tuple[int, int], list[str]] = {}
    for q in quality:
        labels.setdefault((q["penalty"], q["transport"]), []).append(q["label"])
    for at, names in labels.items():
        ax.annotate(", ".join(names).replace(", slack", ","), at, fontsize=7, xytext=(3, 3),
                    textcoords="offset points")
    ax.legend(fontsize=8)
    ax.set(xlabel="total ward penalty (schedule quality: lower is better)",
           ylabel="transport cost", title="Transportation cost vs quality of schedules")
    fig.tight_layout()
    fig.savefig(plots / "cost-vs-quality.png")
    plt.close(fig)
    instances = sorted({p["instance"] for p in times})
    fig, axes = plt.subplots(1, max(1, len(instances)), figsize=(5 * max(1, len(instances)), 3.6),
                             dpi=100, squeeze=False)
    for ax, inst in zip(axes[0], instances, strict=False):
        for protocol, style in MODES:
            pts = [(p["seconds"], p["cost"]) for p in times
                   if p["instance"] == inst and p["protocol"] == protocol]
            if pts:
                ax.step([t for t, _ in pts], [c for _, c in pts], style, where="post",
                        label=protocol.removeprefix("transport-"))
        ax.set(xlabel="seconds", ylabel="global cost", title=inst)
        ax.legend()
    fig.suptitle("Global cost over time: synchronized, concurrent, asynchronous")
    fig.tight_layout()
    fig.savefig(plots / "cost-vs-time.png")
    plt.close(fig)
    return [plots / "cost-vs-quality.png", plots / "cost-vs-time.png"]


COLUMNS = ["instance", "protocol", "hard", "transport", "penalty", "global cost", "÷ central",
           "vs stage 1", "messages", "wall s", "settled s", "to common s", "utilisation",
           "managers: cost", "s", "to common s", "utilisation"]


def _cells(r: dict[str, Any]) -> list[str]:
    """One row's cells, in ``COLUMNS`` order."""
    return [r["instance"], r["protocol"], str(r["hard_violations"]), str(r["transport"]),
            str(r["penalty"]), str(r["cost"]), report.opt(r["ratio_central"], "{:.3f}"),
            report.opt(r["improvement_pct"], "{:.1f} %"), str(r["messages"]),
            f"{r['wall_seconds']:.1f}", report.opt(r["settled_seconds"], "{:.1f}"),
            report.opt(r.get("common_seconds"), "{:.1f}"), report.opt(r["utilisation"], "{:.0%}"),
            report.opt(r.get("managers_cost"), "{:.0f}"),
            report.opt(r.get("managers_seconds"), "{:.1f}"),
            report.opt(r.get("managers_common"), "{:.1f}"),
            report.opt(r.get("managers_utilisation"), "{:.0%}")]


def main(
    seeds: str = typer.Option("1,2,3,4,5", help="toy seeds, comma-separated (empty: none)"),
    wards: int = typer.Option(4, min=1, help="toy wards"),
    nurses: int = typer.Option(30, min=1, help="toy nurses per ward"),
    lines: int = typer.Option(5, min=1, help="toy lines"),
    curtois: bool = typer.Option(True, help="also the hospital of Curtois Instance1–3"),
    curtois_lines: int = typer.Option(5, min=1, help="lines of the Curtois hospital"),
    curtois_wards: str = typer.Option("1,2,3", help="the Curtois hospital's instances "
                                                    "(numbers, comma-separated)"),
    curtois_seed: int = typer.Option(1, help="the Curtois hospital's seed (its lines and "
                                             "the nurses' home lines)"),
    budget: float = typer.Option(60.0, help="wall seconds per run"),
    slacks: str = typer.Option(",".join(map(str, SLACKS)),
                               help="stage-2 quality thresholds of the cost-vs-quality curve"),
    plots: Path = typer.Option(ROOT / "reports" / "nursing", help="curves' data and PNGs"),
    json_out: Path = typer.Option(None, "--json", help="write the rows as JSON"),
    markdown_out: Path = typer.Option(None, "--markdown", help="write the table as Markdown"),
    variants: str = typer.Option(",".join([*PROTOCOLS, "central"]),
                                 help="runs per scenario, comma-separated"),
    options: str = typer.Option("{}", help="JSON: more transport options for every variant "
                                           "(e.g. '{\"restarts\": 0}')"),
    wards_alone: bool = typer.Option(False, help="instead: each Curtois instance's ward "
                                                 "alone, over --seeds (nursing_wards.py)"),
    instances: str = typer.Option(",".join(f"Instance{i}" for i in range(1, 11)),
                                  help="--wards-alone: the instances"),
    seconds: float = typer.Option(60.0, help="--wards-alone: wall seconds per solve"),
    ward_search: str = typer.Option("ls", help="the Curtois ward solver, comma-separated "
                                               "(--wards-alone: each side by side): ls = "
                                               "neighbourhoods and compiled local search, "
                                               "lns = neighbourhoods alone"),
    priced_search: bool = typer.Option(True, help="with ls: the compiled local search also "
                                                  "in the Requests for Change (seats priced "
                                                  "as quoted), not only in stage 1"),
) -> None:
    """Run the benchmark, print the table, write the curves."""
    report.outputs(json=json_out, markdown=markdown_out)
    toys = [int(s) for s in seeds.split(",") if s.strip()]
    searches = tuple(v.strip() for v in ward_search.split(",") if v.strip())
    if unknown_search := set(searches) - set(nursing_wards.SEARCHES):
        raise typer.BadParameter(f"unknown solvers {sorted(unknown_search)}",
                                 param_hint="--ward-search")
    if wards_alone:
        nursing_wards.run([i for i in instances.split(",") if i.strip()], toys, seconds,
                          console, json_out, markdown_out, searches)
        return
    CurtoisModel.local_search = nursing_wards.SEARCHES[searches[0]]
    CurtoisModel.priced_search = priced_search
    only = [v for v in variants.split(",") if v.strip()]
    extra = report.read_json(options, "--options")
    if not isinstance(extra, dict):
        raise typer.BadParameter("expected a JSON object of transport options",
                                 param_hint="--options")
    if unknown := set(only) - {*PROTOCOLS, "central"}:
        raise typer.BadParameter(f"unknown variants {sorted(unknown)}", param_hint="--variants")
    rows: list[dict[str, Any]] = []
    quality: list[dict[str, Any]] = []
    hospital = "curtois-" + "-".join(n.strip() for n in curtois_wards.split(",") if n.strip())
    hospital += f"-s{curtois_seed}" if curtois_seed != 1 else ""
    with tempfile.TemporaryDirectory() as tmp:
        for seed in toys:
            sc = generate(wards, nurses, lines, seed)
            rows += measure(f"toy-s{seed}", sc, budget, Path(tmp), only, extra)
            if seed == toys[0] and slacks:
                quality = quality_curve(sc, budget, [int(s) for s in slacks.split(",")],
                                        Path(tmp), extra)
        if curtois:
            numbers = [n.strip() for n in curtois_wards.split(",") if n.strip()]
            sc = curtois_hospital([CURTOIS / f"Instance{n}.txt" for n in numbers],
                                  curtois_lines, seed=curtois_seed, budget=budget)
            rows += measure(hospital, sc, budget, Path(tmp), only, extra)
    console.print(report.table("nursing: same wall-time budget per run", COLUMNS, rows, _cells))
    first = toys[0] if toys else None
    times = [p for p in time_curves(rows)
             if p["instance"] in (f"toy-s{first}", hospital)]
    for png in write_curves(quality, times, plots):
        console.print(f"wrote {png}")
    report.write(console, rows, json_out, markdown_out, report.markdown(COLUMNS, rows, _cells))


if __name__ == "__main__":
    typer.run(main)
