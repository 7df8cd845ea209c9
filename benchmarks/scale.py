"""Scale benchmark: the generated university from 10 to 80 departments (and the
300-classroom dismissal, the 40-ward hospital), every protocol at the same budget, in
memory and over NATS with the agents in N host processes.

Each run is its own process (``accord run``'s code, called in it), so that its peak
memory is its own: "peak MB" is the run's process (the director, the store and, in
memory, every agent), "host MB" the largest child process (over NATS: the largest host
process with its agents; ``nats-server`` is smaller). "first feasible s" is when the
merged timetable first had no conflict between agents (none where it ends with hard
violations): `negotiate`'s end of the grant
phase, `first-commit`'s end, and for `central` the time CP-SAT takes to find its first
timetable of the merged instance (its first stage, timed apart with the same workers).

    python benchmarks/scale.py --departments 10,20,40 --budget 60          # in memory
    python benchmarks/scale.py --departments 20 --bus nats --hosts 2 --protocols negotiate
    python benchmarks/scale.py --departments 80 --budget 600 --protocols negotiate
    python benchmarks/scale.py --others --budget 60      # dismissal 300 × 4, hospital 40 × 30
    python benchmarks/scale.py --from-json a.json --from-json b.json --markdown t.md --plot g.svg

The university of N departments has round(2.25 N) halls (the source's 180 for 80).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

import report
from accord.app.buses import stage_for
from accord.app.registry import get_domain, load_scenario
from accord.app.runner import run_scenario
from accord.domains.university.anneal.construct import constructed
from accord.domains.university.central import START_SHARE
from accord.domains.university.cpmodel import build
from accord.domains.university.scenario import UniversityScenario
from accord.solve.cpsat import solve_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "itc2007"
HALLS_PER_DEPARTMENT = 180 / 80
"""The source's university: 180 lecture halls for 80 departments."""
PROTOCOLS = ["negotiate", "first-commit", "central"]
OTHERS = {"dismissal-300x4": ["dismissal", "--classrooms", "300", "--bottlenecks", "4"],
          "hospital-40x30": ["nursing", "--wards", "40", "--nurses", "30", "--lines", "12"]}
"""The other large scenarios: their ``accord generate`` arguments."""

PHASES = {"granted_seconds", "settled_seconds", "changes_applied", "swaps", "refused_members",
          "refused_requests"}
"""The protocol's metrics kept in a row (with ``solving.*`` and ``utilisation``): where
the episode's time went."""

console = Console(width=200)


def _accord(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "accord.cli.main", *args], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"accord {' '.join(args)}: {done.stderr.strip()}")


def scenario_file(name: str, budget: float, workdir: Path, seed: int) -> tuple[Path, int]:
    """The generated scenario of ``name`` (``university-N`` or one of ``OTHERS``), with
    every protocol's budget ``budget``, and its number of scheduling agents."""
    out = workdir / f"{name}-{budget:g}-{seed}.yaml"
    if name.startswith("university-"):
        n = int(name.removeprefix("university-"))
        args = ["university", "--departments", str(n), "--halls",
                str(round(HALLS_PER_DEPARTMENT * n)), "--instances", str(DATA)]
    else:
        args, n = OTHERS[name], 0
    if not out.exists():
        _accord("generate", *args, "--seed", str(seed), "--time-limit", f"{budget:g}",
                "-o", str(out))
    sc = load_scenario(out)
    return out, n or len(get_domain(sc.domain).agents(sc))


def first_central(path: Path, budget: float) -> float | None:
    """Seconds central takes to its first timetable of the merged university: CP-SAT's
    first (with central's workers, within its share of the budget), else the greedy
    timetable central starts from then; None if neither has one."""
    sc = load_scenario(path)
    assert isinstance(sc, UniversityScenario)
    workers = int(sc.protocol_options.get("central", {}).get("workers", 1))
    t0 = time.monotonic()
    first = solve_model(build(sc.instance()).model, time_limit=START_SHARE * budget,
                        seed=sc.seed, workers=workers, first_only=True)
    if first is None and constructed(sc.instance(), seed=sc.seed) is None:
        return None
    return round(time.monotonic() - t0, 2)


def one(path: Path, protocol: str, bus: str | None, hosts: int | None, out: Path) -> None:
    """(In the child process) run ``protocol`` on the scenario and write its row."""
    sc = load_scenario(path)
    with tempfile.TemporaryDirectory() as tmp:
        res = run_scenario(sc, protocol=protocol, episodes=1, db=str(Path(tmp) / "s.db"),
                           stage=stage_for(bus, 60.0, None, hosts))
    e = res.episodes[0]
    first = (e.metrics.get("granted_seconds") if protocol == "negotiate" else
             e.wall_seconds if protocol == "first-commit" else None)
    row = {"hard_violations": e.hard_violations, "hard_breakdown": e.hard_breakdown,
           "cost": e.cost, "messages": e.messages,
           "bytes": e.bytes, "rounds": e.rounds, "wall_seconds": round(e.wall_seconds, 2),
           "first_feasible_seconds": first,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "host_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
           "metrics": {k: v for k, v in e.metrics.items() if k in PHASES
                       or k.startswith("solving.") or k == "utilisation"}}
    if protocol == "central" and sc.domain == "university":
        row["first_feasible_seconds"] = first_central(
            path, float(sc.protocol_options["central"]["time_limit"]))
    out.write_text(json.dumps(row))


def measure(name: str, protocols: list[str], buses: list[str], hosts: int, budget: float,
            seed: int, workdir: Path) -> list[dict[str, Any]]:
    """A row per protocol and bus on the scenario ``name``, each run in its own process."""
    path, size = scenario_file(name, budget, workdir, seed)
    rows: list[dict[str, Any]] = []
    for p in protocols:
        for bus in buses if p != "central" else ["memory"]:
            out = workdir / f"{name}-{p}-{bus}.json"
            argv = [sys.executable, __file__, "--one", str(path), "--protocols", p,
                    "--row", str(out)]
            if bus != "memory":
                argv += ["--bus", bus, "--hosts", str(hosts)]
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode != 0:
                console.print(f"  {name} {p} {bus}: failed: {done.stderr.strip()[-400:]}")
                continue
            row = json.loads(out.read_text()) | {
                "instance": name, "departments": size, "protocol": p, "budget": budget,
                "seed": seed, "bus": "memory" if bus == "memory" else f"nats ×{hosts} hosts",
                "hosts": None if bus == "memory" else hosts}
            rows.append(row)
            console.print(f"  {name} {p:12} {row['bus']:16} hard {row['hard_violations']} "
                          f"cost {row['cost']} in {row['wall_seconds']:.1f} s, "
                          f"{row['messages']} messages, peak {row['peak_mb']:.0f} MB, "
                          f"host {row['host_mb']:.0f} MB")
    return ratios(rows)


def ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's cost over ``central``'s on the same instance and budget (where run)."""
    central = {(r["instance"], r["budget"]): r["cost"] for r in rows
               if r["protocol"] == "central"}
    for r in rows:
        c = central.get((r["instance"], r["budget"]))
        r["ratio_central"] = r["cost"] / c if c else None
    return rows


COLUMNS = ["instance", "agents", "protocol", "bus", "budget s", "hard", "cost", "÷ central",
           "first feasible s", "messages", "MB sent", "wall s", "peak MB", "host MB"]


def _cells(r: dict[str, Any]) -> list[str]:
    return [r["instance"], str(r["departments"]), r["protocol"], r["bus"], f"{r['budget']:g}",
            str(r["hard_violations"]), str(r["cost"]),
            report.opt(r.get("ratio_central"), "{:.2f}"),
            report.opt(r.get("first_feasible_seconds") if not r["hard_violations"] else None,
                       "{:.1f}"), str(r["messages"]),
            f"{r['bytes'] / 1e6:.1f}", f"{r['wall_seconds']:.1f}", f"{r['peak_mb']:.0f}",
            report.opt(r["host_mb"] if r.get("hosts") else None, "{:.0f}")]


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Growth with the departments of the university: messages, MB sent, first feasible
    seconds and peak MB, one line per protocol and bus (log–log)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    uni = [r for r in rows if r["instance"].startswith("university-")]
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    keys = [("messages", "messages", 1), ("bytes", "MB sent", 1e6),
            ("first_feasible_seconds", "first feasible s", 1), ("peak_mb", "peak MB", 1)]
    for ax, (key, label, scale) in zip(axes, keys, strict=True):
        for line in sorted({(r["protocol"], r["bus"], r["budget"]) for r in uni}):
            pts = sorted((r["departments"], r[key] / scale) for r in uni
                         if (r["protocol"], r["bus"], r["budget"]) == line
                         and r.get(key) is not None)
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o",
                        label=f"{line[0]}, {line[1]}, {line[2]:g} s")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("departments")
        ax.set_title(label)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)


def main(
    departments: str = typer.Option("10,20,40", help="university sizes, comma-separated"),
    others: bool = typer.Option(False, "--others", help="the dismissal and hospital "
                                                       "scenarios instead"),
    protocols: str = typer.Option(",".join(PROTOCOLS)),
    bus: str = typer.Option("memory", help="memory, nats, or both (memory,nats)"),
    hosts: int = typer.Option(8, help="host processes over NATS"),
    budget: float = typer.Option(60.0, help="wall seconds of every protocol"),
    seed: int = typer.Option(0),
    json_out: Path = typer.Option(None, "--json"),
    markdown_out: Path = typer.Option(None, "--markdown"),
    plot_out: Path = typer.Option(None, "--plot", help="SVG or PNG of the growth"),
    from_json: list[Path] = typer.Option(None, "--from-json", help="rows of earlier runs"),
    workdir: Path = typer.Option(None, help="keep the generated scenarios here (and reuse "
                                 "them; default: a temporary directory)"),
    one_scenario: Path = typer.Option(None, "--one", hidden=True),
    row: Path = typer.Option(None, "--row", hidden=True),
) -> None:
    """Run the scale benchmark and print its table."""
    if one_scenario is not None:
        one(one_scenario, protocols, None if bus == "memory" else bus,
            hosts if bus != "memory" else None, row)
        return
    report.outputs(json=json_out, markdown=markdown_out, plot=plot_out)
    rows: list[dict[str, Any]] = []
    if from_json:
        for f in from_json:
            rows += report.read_json(f.read_text(), str(f))
        rows = ratios(rows)
    else:
        names = list(OTHERS) if others else [f"university-{n}" for n in departments.split(",")]
        with tempfile.TemporaryDirectory(prefix="accord-scale-") as tmp:
            where = workdir or Path(tmp)
            where.mkdir(parents=True, exist_ok=True)
            for name in names:
                rows += measure(name, protocols.split(","), bus.split(","), hosts, budget,
                                seed, where)
    console.print(report.table("scale", COLUMNS, rows, _cells,
                               left=("instance", "protocol", "bus")))
    report.write(console, rows, json_out, markdown_out, report.markdown(COLUMNS, rows, _cells))
    if plot_out is not None:
        plot(rows, plot_out)
        console.print(f"wrote {plot_out}")


if __name__ == "__main__":
    typer.run(main)
