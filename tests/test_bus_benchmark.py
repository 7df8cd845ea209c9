"""``benchmarks/bus.py`` runs: its transport part, briefly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.nats, pytest.mark.slow]  # the benchmark starts a nats-server


def test_bus_benchmark_smoke(tmp_path):
    rows, md = tmp_path / "bus.json", tmp_path / "bus.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bus.py"), "--no-dismissal",
         "--no-university", "--round-trips", "50", "--messages", "100", "--json", str(rows),
         "--markdown", str(md)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [data] = json.loads(rows.read_text())
    assert data["runs"] == []
    assert [r["bus"] for r in data["transport"]] == ["memory", "NATS (2 processes)"]
    for r in data["transport"]:
        assert 0 < r["rtt_median_us"] <= r["rtt_p99_us"] and r["throughput"] > 0
    assert "| bus | round trip median µs |" in md.read_text()
