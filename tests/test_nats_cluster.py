"""A NATS cluster and TLS on three real nodes: a run with its agents spread over them
loses the director's node (SIGKILL) mid-run and ends as the in-memory run, every message
and ledger record kept once; on ``accord nats-config --cluster 3 --tls`` nodes a plaintext
client is refused and a ``tls://`` client that trusts the generated CA runs."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg

from accord.app.registry import wire
from accord.runtime.nats import NatsBus, NatsError, stream_name
from accord.runtime.nats.auth import Credentials
from accord.runtime.nats.cluster import (
    Cluster,
    free_block,
    local_cluster,
    node_configs,
    plan_nodes,
)
from accord.runtime.nats.tls import CA_ENV
from tests.conftest import SEED_EXAMPLE
from tests.test_bus_contract import _accord, _essentials, check_durable_log

pytestmark = [pytest.mark.nats, pytest.mark.slow]

NODES = 3
KILL_AT = 200  # of the dismissal seed's 498 messages: in episode 3 of 5


@contextmanager
def _configured(tmp_path: Path, scenario: Path, tls: bool) -> Iterator[tuple[Cluster, Path]]:
    """``accord nats-config --cluster 3`` for ``scenario`` on free ports, its nodes running;
    the cluster and the credentials directory."""
    base = free_block(2 * NODES)
    cfg, creds = tmp_path / "cfg", tmp_path / "creds"
    args = ["nats-config", str(scenario), "--cluster", str(NODES), "-o", str(cfg), "--creds",
            str(creds), "--port", str(base), "--cluster-port", str(base + NODES)]
    made = _accord(*args, *(["--tls", str(tmp_path / "tls")] if tls else []))
    assert made.returncode == 0, made.stderr
    nodes = plan_nodes(NODES, base, base + NODES, (cfg / "jetstream").resolve())
    assert f"--bus {','.join(n.url(tls) for n in nodes)}" in made.stderr
    for n in nodes:
        text = (cfg / f"{n.name}.conf").read_text()
        routes = re.findall(r"nats-route://127\.0\.0\.1:(\d+)", text)
        assert sorted(map(int, routes)) == [m.route_port for m in nodes if m != n]
        assert ("tls {" in text) is tls
    with local_cluster({n.name: cfg / f"{n.name}.conf" for n in nodes}, nodes, tls) as c:
        yield c, creds


@contextmanager
def _anonymous(tmp_path: Path) -> Iterator[Cluster]:
    """Three nodes without users (so that the test may read the run's stream)."""
    base = free_block(2 * NODES)
    nodes = plan_nodes(NODES, base, base + NODES, tmp_path / "jetstream")
    paths = {}
    for name, text in node_configs("", nodes).items():
        paths[name] = tmp_path / f"{name}.conf"
        paths[name].write_text(text)
    with local_cluster(paths, nodes) as cluster:
        yield cluster


async def _stream_replicas(url: str, run_id: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(stream_name(run_id))
        return info.config.num_replicas or 1
    finally:
        await nc.close()


async def _kill_at(cluster: Cluster, url: str, count: int, done: asyncio.Event) -> int:
    """SIGKILL node 1 once ``count`` messages have been delivered (traced) on the run; how
    many had been when the run ended."""
    nc = await nats.connect(url)
    seen = 0

    async def traced(msg: Msg) -> None:
        nonlocal seen
        seen += 1
        if seen == count:
            cluster.kill(0)
    await nc.subscribe("accord.*.trace.*", cb=traced)
    await nc.flush()
    await done.wait()
    await nc.close()
    return seen


def test_a_run_survives_the_loss_of_a_cluster_node(tmp_path):
    mem = tmp_path / "mem.json"
    one = _accord("run", str(SEED_EXAMPLE), "--db", str(tmp_path / "m.db"), "--report", str(mem))
    assert one.returncode == 0, one.stderr
    net = tmp_path / "nats.json"
    with _anonymous(tmp_path) as cluster:
        url = cluster.nodes[1].url()  # node-1 dies (the director's, C2's, C5's): watch on 2

        async def main() -> tuple[subprocess.CompletedProcess[str], int]:
            done = asyncio.Event()
            killer = asyncio.create_task(_kill_at(cluster, url, KILL_AT, done))
            await asyncio.sleep(0.5)  # subscribed before the run starts
            proc = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "accord.cli.main", "run", str(SEED_EXAMPLE), "--db",
                 str(tmp_path / "n.db"), "--report", str(net), "--bus", cluster.urls,
                 "--stall-timeout", "30"],
                capture_output=True, text=True, timeout=300)
            done.set()
            return proc, await killer
        proc, traced = asyncio.run(main())
        assert proc.returncode == 0, proc.stderr
        assert traced > KILL_AT and cluster.procs["node-1"].returncode == -9
        lost = cluster.nodes[0].url()  # agent i (the director is 0) on node i % 3 first
        assert len(re.findall(f"lost the NATS server at {lost}; reconnecting", proc.stderr)) \
            == 3, proc.stderr
        assert _essentials(net) == _essentials(mem)
        run_id = json.loads(net.read_text())["run_id"]
        assert asyncio.run(_stream_replicas(url, run_id)) == NODES
        check_durable_log(url, tmp_path / "n.db", tmp_path / "m.db")


def _plaintext_answer(port: int) -> str:
    """What a server says to a client that speaks plain NATS (CONNECT, PING) to it."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        info = s.recv(4096).decode()
        s.sendall(b'CONNECT {"verbose":false}\r\nPING\r\n')
        try:
            answer = s.recv(4096).decode()
        except (ConnectionResetError, TimeoutError):
            answer = ""
    return info.split(" ", 1)[0] + " " + str(json.loads(info.split(" ", 1)[1])
                                               .get("tls_required")) + " | " + answer


def test_with_tls_plaintext_is_refused_and_a_client_trusting_the_ca_runs(tmp_path,
                                                                        monkeypatch):
    scenario = tmp_path / "small.yaml"
    assert _accord("generate", "dismissal", "--classrooms", "2", "--seed", "5",
                   "-o", str(scenario)).returncode == 0
    with _configured(tmp_path, scenario, tls=True) as (cluster, creds):
        node = cluster.nodes[0]
        said = _plaintext_answer(node.port)
        assert said.startswith("INFO True") and "PONG" not in said, said
        login = Credentials.read(creds / "director.json")
        monkeypatch.delenv(CA_ENV, raising=False)
        with pytest.raises(NatsError, match="cannot reach the NATS server"):  # no CA: untrusted
            asyncio.run(NatsBus.connect(node.url(tls=True), "t", wire=wire(), user=login.user,
                                        password=login.password))
        ca = tmp_path / "tls" / "ca.pem"
        proc = _accord("run", str(scenario), "-n", "1", "--db", str(tmp_path / "s.db"),
                       "--report", str(tmp_path / "s.json"), "--bus", cluster.urls,
                       "--creds", str(creds), "--tls-ca", str(ca))
        assert proc.returncode == 0, proc.stderr
        assert f"3 agents in their own processes on {cluster.urls}, each its own user" \
            in proc.stderr
        assert "eof_received" not in proc.stderr  # asyncio's noise at each TLS close
        report = json.loads((tmp_path / "s.json").read_text())
        assert report["episodes"][0]["hard_violations"] == 0
