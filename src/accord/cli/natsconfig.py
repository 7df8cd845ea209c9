"""``accord nats-config``: a ``nats-server`` configuration in which each agent of a scenario
may publish only as itself and read only what is addressed to it (see ``natsauth``), with
JetStream on (durable runs)."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.app.registry import load_scenario, resolve
from accord.app.runner import DIRECTOR, Director, cast_agents
from accord.cli.usage import PROTOCOL_HELP
from accord.model.errors import ScenarioError
from accord.runtime.nats.auth import ANY_RUN, server_config, write_server_config


def nats_config(
    scenario: Path = typer.Argument(..., help="scenario YAML file"),
    output: Path = typer.Option(None, "--output", "-o", help="configuration (default: stdout)"),
    run: str = typer.Option(ANY_RUN, "--run", help="the run id the permissions are for "
                                                   "(default: any run)"),
    creds: Path = typer.Option(None, "--creds", help="write each agent's credentials here, "
                                                     "DIR/<agent>.json (for accord agent)"),
    protocol: str = typer.Option(None, "--protocol", "-p", help=PROTOCOL_HELP),
    store_dir: Path = typer.Option(None, "--store-dir", help="where JetStream keeps the runs' "
                                   "streams (default: jetstream/ beside the configuration)"),
) -> None:
    """Write a nats-server configuration: one user per agent of SCENARIO (the director too),
    each with a new password (the configuration holds its bcrypt hash) and the subjects it
    may publish and subscribe to. A path that cannot be written is a one-line error, and
    then nothing is written."""
    sc = load_scenario(scenario)
    if protocol is not None:
        resolve(sc, protocol, str(scenario), where="--protocol")
    cast = cast_agents(sc, protocol or sc.protocol, {})
    store = store_dir or (Path.cwd() if output is None else output.parent) / "jetstream"
    if store.exists() and not store.is_dir():
        raise ScenarioError(str(store), "--store-dir", "not a directory")
    text, users = server_config(run, [Director(DIRECTOR), *cast.managers, *cast.members],
                                DIRECTOR, store=str(store.resolve()))
    write_server_config(text, users, output, creds)  # mode 0600, all or nothing
    if output is None:
        typer.echo(text, nl=False)
    where = f"; credentials in {creds}/<agent>.json" if creds is not None else ""
    typer.echo(f"{len(users)} users ({', '.join(users)}){where}", err=True)
