"""``classes`` over NATS, one process per agent, against the in-memory run of the fehu
example (issue 18).

The run works over NATS (every message kind declared, every agent its own user), but its
report is not the in-memory run's: ``classes`` has no synchronized mode. Ten groups
negotiate at once with the same professors and classrooms, and who gets a professor's
class, a time or a classroom depends on the order in which the groups' messages reach
it. The in-memory bus fixes that order (each tick's messages by sender and sequence);
NATS keeps each sender's order only, so a professor interleaves different groups'
``negotiation_proposition`` (its tie-break among equal priorities is the order they came
in), ``classes_proposal`` and ``classes_acceptance`` as they arrive, and so do the
classroom agents' ``book_classroom``. The plans, and so the message count, differ.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_bus_contract import _accord, _alive, _essentials

FEHU = ROOT / "examples" / "classes-fehu.yaml"

pytestmark = [pytest.mark.nats, pytest.mark.slow]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The in-memory run's report, the NATS run's, and the NATS run's stderr."""
    tmp = tmp_path_factory.mktemp("classes-nats")
    mem, net = tmp / "mem.json", tmp / "nats.json"
    one = _accord("run", str(FEHU), "-p", "classes", "--db", str(tmp / "m.db"), "--report",
                  str(mem))
    assert one.returncode == 0, one.stderr
    two = _accord("run", str(FEHU), "-p", "classes", "--db", str(tmp / "n.db"), "--report",
                  str(net), "--bus", "nats")
    assert two.returncode == 0, two.stderr
    return mem, net, two.stderr


def test_fehu_runs_over_nats_one_process_and_user_per_agent(both):
    mem, net, stderr = both
    assert "permissions violation" not in stderr.lower()
    started = re.search(r"(\d+) agents in their own processes on \S+, each its own user "
                        r"\(pids ([\d, ]+)\)", stderr)
    assert started is not None, stderr
    pids = [int(p) for p in started[2].split(", ")]
    # the coordinator, 9 professors, 4 classrooms, 10 groups
    assert int(started[1]) == len(set(pids)) == 24
    assert _alive(pids) == []
    (m,), (n,) = (json.loads(r.read_text())["episodes"] for r in (mem, net))
    assert m["hard_violations"] == n["hard_violations"] == 0  # every group reported
    assert sorted(n["plans"]) == sorted(m["plans"])


@pytest.mark.xfail(strict=False, reason="classes has no synchronized mode: concurrent groups "
                   "compete for professors and classrooms, and NATS delivers different "
                   "senders' messages in arrival order, not the in-memory bus's (sender, "
                   "sequence) order per tick (see the module's docstring)")
def test_fehu_over_nats_gives_the_in_memory_report(both):
    mem, net, _ = both
    assert _essentials(net) == _essentials(mem)
