"""Many agents per process: ``accord run --bus nats --hosts N`` runs the cast in N ``accord
host`` processes, each agent still its own NATS user, and gives the in-memory report in
the synchronized mode."""

from __future__ import annotations

import re

import pytest
import yaml

from accord.app.launcher import groups
from tests.conftest import ROOT
from tests.test_bus_contract import _accord, _alive, _essentials

SMALL = ROOT / "examples" / "university-small.yaml"


def test_groups_deal_agents_into_even_consecutive_hosts():
    assert groups(["a", "b", "c", "d", "e"], 2) == {"host-1": ["a", "b"],
                                                    "host-2": ["c", "d", "e"]}
    assert groups(["a", "b"], 5) == {"host-1": ["a"], "host-2": ["b"]}
    assert groups(["a", "b"], None) == {"a": ["a"], "b": ["b"]}


@pytest.mark.nats
@pytest.mark.slow
def test_two_hosts_over_nats_give_the_in_memory_report(tmp_path):
    data = yaml.safe_load(SMALL.read_text())
    data["protocol_options"]["negotiate"]["mode"] = "synchronized"
    scenario = tmp_path / "small-sync.yaml"
    scenario.write_text(yaml.safe_dump(data))
    mem, net = tmp_path / "mem.json", tmp_path / "nats.json"
    one = _accord("run", str(scenario), "--db", str(tmp_path / "m.db"), "--report", str(mem))
    assert one.returncode == 0, one.stderr
    two = _accord("run", str(scenario), "--db", str(tmp_path / "n.db"), "--report", str(net),
                  "--bus", "nats", "--hosts", "2")
    assert two.returncode == 0, two.stderr
    assert "permissions violation" not in two.stderr.lower()
    started = re.search(r"(\d+) agents in 2 host processes on \S+, each its own user "
                        r"\(pids ([\d, ]+)\)", two.stderr)
    assert started is not None, two.stderr
    pids = [int(p) for p in started[2].split(", ")]
    assert int(started[1]) == 4 and len(set(pids)) == 2  # three departments, the authority
    assert _alive(pids) == []
    assert _essentials(net) == _essentials(mem)
    bad = _accord("run", str(scenario), "--hosts", "2")
    assert bad.returncode == 2 and "--hosts goes with --bus only" in bad.stderr
