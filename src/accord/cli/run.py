"""``accord run``: run a scenario's protocol for some episodes and store them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from accord.app.buses import stage_for
from accord.app.interrupt import Interrupted
from accord.app.ledger import LedgerOptions
from accord.app.progress import Watch, episode_budget
from accord.app.registry import load_scenario, resolve
from accord.app.runner import RunResult, run_scenario
from accord.cli.outputs import check_file, write_text
from accord.cli.progress import live
from accord.cli.usage import PROTOCOL_HELP
from accord.model.limits import SEED_MAX, SEED_MIN
from accord.runtime.nats import STALL_TIMEOUT
from accord.runtime.nats.tls import trust

console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


def episode_table(result: RunResult) -> Table:
    """The per-episode table printed after a run; with the agents' private penalties
    (``private.<agent>.penalty`` metrics, never in the cost) when there are any."""
    t = Table(title=f"run {result.run_id} · {result.scenario} · {result.protocol} · "
                    f"seed {result.seed}")
    private = any(k.startswith("private.") for e in result.episodes for k in e.metrics)
    for col in ("episode", "hard violations", "cost", "reference", "messages", "rounds",
                "wall s") + (("private penalty",) if private else ()):
        t.add_column(col, justify="right")
    for e in result.episodes:
        ref = "-" if e.reference_cost is None else str(e.reference_cost)
        penalty = sum(v for k, v in e.metrics.items()
                      if k.startswith("private.") and k.endswith(".penalty"))
        t.add_row(str(e.episode), str(e.hard_violations), str(e.cost), ref, str(e.messages),
                  str(e.rounds), f"{e.wall_seconds:.2f}",
                  *([f"{penalty:g}"] if private else []))
    return t


def run(
    scenario: Path = typer.Argument(..., help="scenario YAML file"),
    protocol: str = typer.Option(None, "--protocol", "-p", help=PROTOCOL_HELP),
    episodes: int = typer.Option(None, "--episodes", "-n", min=1, help="episodes to run"),
    seed: int = typer.Option(None, "--seed", min=SEED_MIN, max=SEED_MAX,
                             help="override the scenario's seed"),
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
    hosts: int = typer.Option(
        None, "--hosts", min=1, help="with --bus: run the agents in N processes (accord "
                                     "host), each agent still its own NATS user"),
    fresh: bool = typer.Option(False, "--fresh", help="start a new ledger instead of "
                                                      "continuing the scenario's last one"),
    continue_changed: bool = typer.Option(
        False, "--continue-changed",
        help="continue the ledger even though the scenario's content changed since"),
    wait: bool = typer.Option(False, "--wait", help="wait for another run writing the same "
                                                    "ledger to end instead of refusing"),
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
    check_file(report, "--report")
    total = episodes or sc.episodes
    stage = stage_for(bus, stall_timeout, creds, hosts)
    name = protocol or sc.protocol
    watch = Watch(budget=episode_budget(sc, name))
    interrupted: Interrupted | None = None
    with live(watch, f"{sc.name} · {name}", total, console):
        try:
            result = run_scenario(sc, protocol=protocol, episodes=total, seed=seed, db=db,
                                  reference=reference, stage=stage, watch=watch,
                                  ledger=LedgerOptions(fresh, continue_changed, wait))
        except Interrupted as stop:
            interrupted = stop
        except KeyboardInterrupt:  # outside the run's event loop: opening the database
            err.print("interrupted by SIGINT (what was stored stays stored)", highlight=False)
            raise typer.Exit(130) from None
    if interrupted is not None:
        done: RunResult | None = interrupted.result
        if done is None:
            err.print(f"{interrupted} before the run began", highlight=False)
        else:
            console.print(episode_table(done))
            err.print(f"{interrupted}: run {done.run_id} marked interrupted, "
                      f"{len(done.episodes)} episode(s) stored", highlight=False,
                      soft_wrap=True)
        raise typer.Exit(interrupted.exit_code)
    console.print(episode_table(result))
    if report is not None:
        write_text(report, json.dumps(result.report(), indent=2, sort_keys=True) + "\n",
                   "--report")
        console.print(f"report written to {report}")

