"""``accord nats-config``: a ``nats-server`` configuration in which each agent of a scenario
may publish only as itself and read only what is addressed to it (see ``natsauth``), with
JetStream on (durable runs); with ``--cluster N``, one configuration per node of an N-node
cluster, and with ``--tls DIR``, a CA and a server certificate that clients must verify."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from accord.app.registry import load_scenario, resolve
from accord.app.runner import DIRECTOR, Director, cast_agents
from accord.cli.usage import PROTOCOL_HELP
from accord.model.errors import ScenarioError
from accord.runtime.nats.auth import ANY_RUN, server_config, write_private, write_server_config
from accord.runtime.nats.cluster import node_configs, plan_nodes, replicas
from accord.runtime.nats.tls import Certificates, make_certificates


def nats_config(
    scenario: Path = typer.Argument(..., help="scenario YAML file"),
    output: Path = typer.Option(None, "--output", "-o", help="configuration (default: stdout); "
                                "with --cluster a directory, DIR/node-<i>.conf"),
    run: str = typer.Option(ANY_RUN, "--run", help="the run id the permissions are for "
                                                   "(default: any run)"),
    creds: Path = typer.Option(None, "--creds", help="write each agent's credentials here, "
                                                     "DIR/<agent>.json (for accord agent)"),
    protocol: str = typer.Option(None, "--protocol", "-p", help=PROTOCOL_HELP),
    store_dir: Path = typer.Option(None, "--store-dir", help="where JetStream keeps the runs' "
                                   "streams (default: jetstream/ beside the configuration; "
                                   "with --cluster, one node-<i>/ per node in it)"),
    cluster: int = typer.Option(None, "--cluster", min=1, help="write the configurations of "
                                "a cluster of N nodes (routes; streams replicated on up to 3)"),
    port: int = typer.Option(4222, "--port", help="with --cluster: node i listens to clients "
                             "on PORT+i-1"),
    cluster_port: int = typer.Option(6222, "--cluster-port", help="with --cluster: node i's "
                                     "routes on CLUSTER_PORT+i-1"),
    host: str = typer.Option("127.0.0.1", "--host", help="with --cluster: the nodes' address"),
    tls: Path = typer.Option(None, "--tls", help="make a CA and a server certificate in DIR "
                             "(openssl) and require TLS: clients connect with tls:// and "
                             "verify DIR/ca.pem"),
) -> None:
    """Write a nats-server configuration: one user per agent of SCENARIO (the director too),
    each with a new password (the configuration holds its bcrypt hash) and the subjects it
    may publish and subscribe to. A path that cannot be written is a one-line error, and
    then nothing is written."""
    sc = load_scenario(scenario)
    if protocol is not None:
        resolve(sc, protocol, str(scenario), where="--protocol")
    if cluster is not None and output is None:
        raise ScenarioError(str(scenario), "--cluster", "needs --output DIR (one file a node)")
    cast = cast_agents(sc, protocol or sc.protocol, {})
    beside = Path.cwd() if output is None else output if cluster else output.parent
    store = (store_dir or beside / "jetstream").resolve()
    if store.exists() and not store.is_dir():
        raise ScenarioError(str(store), "--store-dir", "not a directory")
    text, users = server_config(run, [Director(DIRECTOR), *cast.managers, *cast.members],
                                DIRECTOR, store=None if cluster else str(store))
    certs = None if tls is None else Certificates.at(tls.resolve())  # made once written
    if cluster is None:
        if certs is not None:
            text += "tls " + json.dumps(certs.block()) + "\n"
        write_server_config(text, users, output, creds)  # mode 0600, all or nothing
        if output is None:
            typer.echo(text, nl=False)
    else:
        nodes = plan_nodes(cluster, port, cluster_port, store, host)
        files = {output / f"{name}.conf": conf
                 for name, conf in node_configs(text, nodes, certs).items()}
        if creds is not None:
            files |= {creds / f"{a}.json": c.text() for a, c in users.items()}
        write_private(files, [output, *([] if creds is None else [creds])])
        urls = ",".join(n.url(certs is not None) for n in nodes)
        typer.echo(f"{cluster} nodes ({output}/node-1..{cluster}.conf, streams replicated "
                   f"on {replicas(cluster)}): --bus {urls}", err=True)
    if tls is not None:
        make_certificates(tls.resolve(), [host])
    where = f"; credentials in {creds}/<agent>.json" if creds is not None else ""
    secure = "" if certs is None else f"; TLS: clients verify {certs.ca} (--tls-ca)"
    typer.echo(f"{len(users)} users ({', '.join(users)}){where}{secure}", err=True)
