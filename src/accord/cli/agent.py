"""``accord agent``: one agent of a scenario in its own process on a NATS server;
``accord host``: several agents in one process, each its own NATS user."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from accord.app.launcher import load_agent_scenario, read_anchors, serve_agent, serve_agents
from accord.app.registry import resolve
from accord.cli.usage import PROTOCOL_HELP
from accord.model.errors import AccordError
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.runtime.nats.auth import Credentials
from accord.runtime.nats.tls import trust


def agent(
    scenario: Path = typer.Argument(..., help="scenario YAML (or JSON) file"),
    agent_id: str = typer.Option(..., "--id", help="the agent of the cast to run"),
    nats_url: str = typer.Option(..., "--nats", help="NATS server, nats://HOST:PORT (or "
                                 "tls://), or a cluster's, comma-separated"),
    run: str = typer.Option(None, "--run", help="run id of the subjects (default: scenario name)"),
    protocol: str = typer.Option(None, "--protocol", "-p", help=PROTOCOL_HELP),
    anchors: Path = typer.Option(None, "--anchors", help="JSON plans of the last episode"),
    creds: Path = typer.Option(None, "--creds", help="credentials file (accord nats-config)"),
    user: str = typer.Option(None, "--user", help="NATS user (instead of --creds)"),
    password: str = typer.Option(None, "--password", help="NATS password of --user"),
    tls_ca: Path = typer.Option(None, "--tls-ca", help="verify tls:// servers against this "
                                "CA file (accord nats-config --tls DIR: DIR/ca.pem)"),
) -> None:
    """Run one agent of SCENARIO on a NATS server until the run ends (started again after a
    crash, on a durable run, it resumes where it was)."""
    sc, protocol_name, plans = _cast(scenario, protocol, anchors, tls_ca)
    login = Credentials.read(creds) if creds is not None else (
        None if user is None else Credentials(user, password or ""))
    asyncio.run(serve_agent(sc, protocol_name, agent_id, nats_url, run or sc.name, plans,
                            login))


def host(
    scenario: Path = typer.Argument(..., help="scenario YAML (or JSON) file"),
    agent_ids: str = typer.Option(..., "--ids", help="the agents of the cast to run, "
                                  "comma-separated"),
    nats_url: str = typer.Option(..., "--nats", help="NATS server, nats://HOST:PORT (or "
                                 "tls://), or a cluster's, comma-separated"),
    run: str = typer.Option(None, "--run", help="run id of the subjects (default: scenario name)"),
    protocol: str = typer.Option(None, "--protocol", "-p", help=PROTOCOL_HELP),
    anchors: Path = typer.Option(None, "--anchors", help="JSON plans of the last episode"),
    creds: Path = typer.Option(None, "--creds", help="credentials directory (accord "
                               "nats-config --creds DIR): each agent logs in as DIR/<id>.json"),
    tls_ca: Path = typer.Option(None, "--tls-ca", help="verify tls:// servers against this "
                                "CA file (accord nats-config --tls DIR: DIR/ca.pem)"),
) -> None:
    """Run several agents of SCENARIO in this one process on a NATS server until the run
    ends, each with its own connection and, with --creds, its own user and permissions
    (accord run --hosts N starts N of these)."""
    ids = [a.strip() for a in agent_ids.split(",") if a.strip()]
    if not ids:
        raise AccordError("--ids: no agent named")
    if creds is not None and not creds.is_dir():
        raise AccordError(f"--creds {creds}: no such directory")
    sc, protocol_name, plans = _cast(scenario, protocol, anchors, tls_ca)
    logins = {a: None if creds is None else Credentials.read(creds / f"{a}.json")
              for a in ids}
    asyncio.run(serve_agents(sc, protocol_name, ids, nats_url, run or sc.name, plans,
                             logins))


def _cast(scenario: Path, protocol: str | None, anchors: Path | None, tls_ca: Path | None
          ) -> tuple[ScenarioBase, str, dict[str, Plan]]:
    """What ``agent`` and ``host`` share: the CA trusted, the scenario read, the protocol
    checked against it (default: the scenario's), the last episode's plans."""
    if tls_ca is not None:
        trust(tls_ca)
    sc = load_agent_scenario(scenario)
    if protocol is not None:
        resolve(sc, protocol, str(scenario), where="--protocol")
    plans = read_anchors(anchors) if anchors is not None else {}
    return sc, protocol or sc.protocol, plans
