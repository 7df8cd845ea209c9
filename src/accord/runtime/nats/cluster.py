"""A NATS cluster for a run: N ``nats-server`` nodes joined by routes, each with its own
client port and JetStream store; the run's stream is replicated on up to three of them.

``node_configs`` writes one configuration per node from a single server's (the users and
permissions of ``auth``), adding ``server_name``, ``listen``, a ``cluster { name, listen,
routes }`` block naming every other node, ``jetstream { store_dir }`` of its own, and,
with certificates (``tls``), ``tls { cert_file, key_file, ca_file }`` for clients and for
routes (the nodes verify each other). ``local_cluster`` starts such nodes on loopback
ports and waits until JetStream has a leader; ``spread`` orders a server list so that
agent ``i`` connects first to node ``i % N`` and fails over to the next ones.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from accord.runtime.nats.server import NatsError, start_server, stop_server
from accord.runtime.nats.tls import Certificates

CLUSTER = "accord"  # the cluster's name
MAX_REPLICAS = 3  # JetStream replicates a stream on at most this many nodes
READY_TIMEOUT = 60.0  # seconds for a cluster's JetStream leader (slow on a loaded host)


def replicas(nodes: int) -> int:
    """How many copies of a stream a cluster of ``nodes`` keeps."""
    return max(1, min(MAX_REPLICAS, nodes))


@dataclass(frozen=True)
class Node:
    """One node of a cluster: its name, client and route ports, and store."""

    name: str
    port: int
    route_port: int
    store: Path
    host: str = "127.0.0.1"

    def url(self, tls: bool = False) -> str:
        """The node's client URL."""
        return f"{'tls' if tls else 'nats'}://{self.host}:{self.port}"


def plan_nodes(count: int, port: int, route_port: int, store: Path,
               host: str = "127.0.0.1") -> list[Node]:
    """``count`` nodes named node-1..node-N, client ports from ``port`` and route ports from
    ``route_port`` on, each storing its streams in ``store``/node-i."""
    if count < 1:
        raise NatsError(f"a cluster needs at least one node, not {count}")
    return [Node(f"node-{i}", port + i - 1, route_port + i - 1, store / f"node-{i}", host)
            for i in range(1, count + 1)]


def node_configs(base: str, nodes: Sequence[Node], tls: Certificates | None = None
                 ) -> dict[str, str]:
    """Each node's configuration by name: ``base`` (a single server's users and
    permissions, without JetStream) plus the node's listen address, routes, store and TLS."""
    out = {}
    for node in nodes:
        cluster: dict[str, object] = {
            "name": CLUSTER, "listen": f"{node.host}:{node.route_port}",
            "routes": [f"nats-route://{n.host}:{n.route_port}" for n in nodes if n != node]}
        if tls is not None:
            cluster["tls"] = tls.block(verify=True)
        lines = [base.rstrip("\n"),
                 f"server_name: {json.dumps(node.name)}",
                 f"listen: {json.dumps(f'{node.host}:{node.port}')}",
                 "jetstream " + json.dumps({"store_dir": str(node.store)}),
                 "cluster " + json.dumps(cluster, indent=2)]
        if tls is not None:
            lines.append("tls " + json.dumps(tls.block()))
        out[node.name] = "\n".join(lines) + "\n"
    return out


def spread(urls: str, index: int) -> str:
    """The comma-separated server list ``urls`` rotated to start at ``index % N``."""
    parts = [u for u in urls.split(",") if u]
    k = index % len(parts) if parts else 0
    return ",".join(parts[k:] + parts[:k])


def free_block(count: int, tries: int = 200) -> int:
    """A port from which ``count`` consecutive loopback ports are free right now."""
    for _ in range(tries):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base: int = s.getsockname()[1]
        if base + count < 65536 and all(_free(p) for p in range(base, base + count)):
            return base
    raise NatsError(f"no {count} consecutive free ports on 127.0.0.1")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class Cluster:
    """A running local cluster: its nodes, their URLs, and the processes behind them."""

    nodes: list[Node]
    tls: bool
    procs: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    @property
    def urls(self) -> str:
        """Every node's client URL, comma-separated (as ``--bus`` takes them)."""
        return ",".join(n.url(self.tls) for n in self.nodes)

    def kill(self, index: int) -> int:
        """SIGKILL node ``index`` (0-based); its pid."""
        proc = self.procs[self.nodes[index].name]
        proc.kill()
        proc.wait()
        return proc.pid


@contextmanager
def local_cluster(configs: dict[str, Path], nodes: Sequence[Node], tls: bool = False
                  ) -> Iterator[Cluster]:
    """Run one ``nats-server`` per node with its configuration (``node_configs`` written to
    files); yield the cluster once every node knows JetStream's leader."""
    cluster = Cluster(list(nodes), tls)
    led = {n.name: threading.Event() for n in nodes}

    def watch(name: str) -> Callable[[str], None]:
        def on_line(line: str) -> None:
            if "metadata leader" in line and "no metadata leader" not in line:
                led[name].set()
        return on_line
    try:
        for node in nodes:
            cluster.procs[node.name] = start_server(["-c", str(configs[node.name])],
                                                    node.name, watch(node.name))
        deadline = time.monotonic() + READY_TIMEOUT
        for name, event in led.items():
            if not event.wait(max(0.0, deadline - time.monotonic())):
                raise NatsError(f"{name} of cluster {CLUSTER}: no JetStream leader after "
                                f"{READY_TIMEOUT:g} s")
        yield cluster
    finally:
        for proc in cluster.procs.values():
            if proc.poll() is None:
                stop_server(proc)
