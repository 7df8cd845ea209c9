"""``classes`` over NATS, one process per agent, against the in-memory run of the fehu
example in the synchronized mode (issue 18): the same report.

In the concurrent mode the reports differ: ten groups negotiate at once with the same
professors and classrooms, and NATS keeps each sender's order only, so who gets a
professor's class, a time or a classroom depends on arrival order. The synchronized mode
gives one group a turn at a time and makes every message of a turn a request and its
reply, so nothing of one turn is in flight when the next starts, on any bus.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_bus_contract import _accord, _alive, _essentials

FEHU = ROOT / "examples" / "classes-fehu.yaml"

pytestmark = [pytest.mark.nats, pytest.mark.slow]


def _decisions(report: Path) -> list[dict[str, float]]:
    """Each episode's metrics but those that time solves (utilisation, solving)."""
    return [{k: v for k, v in e["metrics"].items()
             if not k.startswith(("utilisation", "solving."))}
            for e in json.loads(report.read_text())["episodes"]]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The synchronized fehu run's report in memory, over NATS, and the NATS run's stderr."""
    tmp = tmp_path_factory.mktemp("classes-nats")
    data = yaml.safe_load(FEHU.read_text())
    data.setdefault("protocol_options", {}).setdefault("classes", {})["mode"] = "synchronized"
    scenario = tmp / "fehu-sync.yaml"
    scenario.write_text(yaml.safe_dump(data))
    mem, net = tmp / "mem.json", tmp / "nats.json"
    one = _accord("run", str(scenario), "-p", "classes", "--db", str(tmp / "m.db"),
                  "--report", str(mem))
    assert one.returncode == 0, one.stderr
    two = _accord("run", str(scenario), "-p", "classes", "--db", str(tmp / "n.db"),
                  "--report", str(net), "--bus", "nats")
    assert two.returncode == 0, two.stderr
    return mem, net, two.stderr


def test_fehu_runs_over_nats_one_process_and_user_per_agent(both):
    _, _, stderr = both
    assert "permissions violation" not in stderr.lower()
    started = re.search(r"(\d+) agents in their own processes on \S+, each its own user "
                        r"\(pids ([\d, ]+)\)", stderr)
    assert started is not None, stderr
    pids = [int(p) for p in started[2].split(", ")]
    # the coordinator, 9 professors, 4 classrooms, 10 groups
    assert int(started[1]) == len(set(pids)) == 24
    assert _alive(pids) == []


def test_fehu_over_nats_gives_the_in_memory_report_in_the_synchronized_mode(both):
    mem, net, _ = both
    (m,) = json.loads(mem.read_text())["episodes"]
    assert m["hard_violations"] == 0 and m["rounds"] > 0  # turns were given
    assert _essentials(net) == _essentials(mem)
    assert _decisions(net) == _decisions(mem)
