"""``accord run``: run a scenario's protocol for some episodes and store them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accord.app.buses import stage_for
from accord.app.registry import load_scenario, resolve
from accord.app.runner import EpisodeResult, RunResult, run_scenario
from accord.runtime.nats import STALL_TIMEOUT
from accord.runtime.nats.tls import trust

console = Console(width=None if sys.stdout.isatty() else 160)


def episode_table(result: RunResult) -> Table:
    """The per-episode table printed after a run."""
    t = Table(title=f"run {result.run_id} · {result.scenario} · {result.protocol} · "
                    f"seed {result.seed}")
    for col in ("episode", "hard violations", "cost", "reference", "messages", "rounds",
                "wall s"):
        t.add_column(col, justify="right")
    for e in result.episodes:
        ref = "-" if e.reference_cost is None else str(e.reference_cost)
        t.add_row(str(e.episode), str(e.hard_violations), str(e.cost), ref, str(e.messages),
                  str(e.rounds), f"{e.wall_seconds:.2f}")
    return t


def run(
    scenario: Path = typer.Argument(..., help="scenario YAML file"),
    protocol: str = typer.Option(None, "--protocol", "-p", help="override the scenario's"),
    episodes: int = typer.Option(None, "--episodes", "-n", min=1, help="episodes to run"),
    seed: int = typer.Option(None, "--seed", help="override the scenario's seed"),
    db: str = typer.Option("accord.db", "--db", help="SQLite file or SQLAlchemy URL"),
    report: Path = typer.Option(None, "--report", help="write the JSON report here"),
    reference: bool = typer.Option(False, "--reference", help="also solve centrally"),
    bus: str = typer.Option(
        None, "--bus", help="nats://HOST:PORT: one process per agent on that NATS server "
                            "(tls://HOST:PORT; a cluster: its servers, comma-separated); "
                            "nats: on a local nats-server started for the run, one user "
                            "per agent that may publish only as itself"),
    stall_timeout: float = typer.Option(
        STALL_TIMEOUT, "--stall-timeout", min=3.0,
        help="with --bus: seconds of silence after which the negotiation has stalled"),
    creds: Path = typer.Option(
        None, "--creds", help="with --bus nats://HOST:PORT: the credentials directory of "
                              "accord nats-config (default $ACCORD_NATS_CREDS)"),
    tls_ca: Path = typer.Option(
        None, "--tls-ca", help="with --bus tls://HOST:PORT: verify the servers against this "
                               "CA file (accord nats-config --tls DIR: DIR/ca.pem)"),
) -> None:
    """Run SCENARIO; each episode is stored as it ends and continues the ledger."""
    if tls_ca is not None:
        trust(tls_ca)  # the agent processes inherit it
    sc = load_scenario(scenario)
    if protocol is not None:
        resolve(sc, protocol, str(scenario), where="--protocol")
    total = episodes or sc.episodes
    with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, transient=True) as bar:
        stage = stage_for(bus, stall_timeout, creds)
        task = bar.add_task(f"{sc.name} · {protocol or sc.protocol}", total=total)

        def tick(e: EpisodeResult) -> None:
            bar.update(task, advance=1,
                       description=f"episode {e.episode}: cost {e.cost}, "
                                   f"{e.hard_violations} violations")

        result = run_scenario(sc, protocol=protocol, episodes=total, seed=seed, db=db,
                              reference=reference, on_episode=tick, stage=stage)
    console.print(episode_table(result))
    if report is not None:
        tmp = report.with_name(report.name + ".tmp")
        tmp.write_text(json.dumps(result.report(), indent=2, sort_keys=True) + "\n")
        tmp.replace(report)
        console.print(f"report written to {report}")

