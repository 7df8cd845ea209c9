"""``accord nats-config --cluster N --tls DIR`` without a server: one configuration per node
(its own ports, routes to every other node, its own store, the users of a single server),
a CA and a server certificate it signs, and a server list that puts agent i on node i % N."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess

import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from accord.model.errors import ScenarioError
from accord.runtime.nats.cluster import spread
from tests.conftest import SEED_EXAMPLE


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_cluster_configurations_with_tls(tmp_path):
    cfg, creds, tls = tmp_path / "cfg", tmp_path / "creds", tmp_path / "tls"
    out = CliRunner().invoke(app, ["nats-config", str(SEED_EXAMPLE), "--cluster", "3", "-o",
                                   str(cfg), "--creds", str(creds), "--tls", str(tls),
                                   "--port", "5000", "--cluster-port", "7000"])
    assert out.exit_code == 0, out.output
    assert "--bus tls://127.0.0.1:5000,tls://127.0.0.1:5001,tls://127.0.0.1:5002" in out.output
    users = None
    for i in range(3):
        text = (cfg / f"node-{i + 1}.conf").read_text()
        assert stat.S_IMODE((cfg / f"node-{i + 1}.conf").stat().st_mode) == 0o600
        assert f'server_name: "node-{i + 1}"' in text
        assert f'listen: "127.0.0.1:{5000 + i}"' in text
        assert f'"listen": "127.0.0.1:{7000 + i}"' in text
        routes = sorted(int(p) for p in re.findall(r"nats-route://127\.0\.0\.1:(\d+)", text))
        assert routes == [7000 + j for j in range(3) if j != i]
        assert str((cfg / "jetstream" / f"node-{i + 1}").resolve()) in text
        assert text.count(f'"ca_file": "{(tls / "ca.pem").resolve()}"') == 2  # clients, routes
        found = sorted(re.findall(r'"user": "(\w+)"', text))
        assert users in (None, found)
        users = found
    assert users == sorted(["director", "B", "C1", "C2", "C3", "C4", "C5", "C6"])
    assert sorted(p.name for p in creds.iterdir()) == [f"{u}.json" for u in users]
    assert stat.S_IMODE((tls / "server-key.pem").stat().st_mode) == 0o600
    check = subprocess.run(["openssl", "verify", "-CAfile", str(tls / "ca.pem"),
                            str(tls / "server.pem")], capture_output=True, text=True)
    assert check.returncode == 0 and "OK" in check.stdout, check.stderr
    names = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in",
                            str(tls / "server.pem")], capture_output=True, text=True).stdout
    assert "IP Address:127.0.0.1" in names and "DNS:localhost" in names


def test_a_cluster_needs_an_output_directory(tmp_path):
    out = CliRunner().invoke(app, ["nats-config", str(SEED_EXAMPLE), "--cluster", "3"])
    assert isinstance(out.exception, ScenarioError)  # main() prints it as one line, exit 2
    assert "--cluster: needs --output DIR" in str(out.exception)


def test_agent_i_connects_to_node_i_mod_n_first():
    urls = "nats://a:1,nats://b:2,nats://c:3"
    assert [spread(urls, i).split(",")[0] for i in range(5)] == [
        "nats://a:1", "nats://b:2", "nats://c:3", "nats://a:1", "nats://b:2"]
    assert spread(urls, 1) == "nats://b:2,nats://c:3,nats://a:1"
    assert spread("nats://x:4", 7) == "nats://x:4"


def test_a_configuration_that_cannot_be_written_leaves_no_certificates(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = CliRunner().invoke(app, ["nats-config", str(SEED_EXAMPLE), "--cluster", "3", "-o",
                                   str(blocker / "cfg"), "--tls", str(tmp_path / "tls")])
    assert isinstance(out.exception, ScenarioError)
    assert str(blocker) in str(out.exception) and "\n" not in str(out.exception)
    assert not (tmp_path / "tls").exists()
