"""Durability on JetStream: agent processes SIGKILLed mid-negotiation are started again by
the launcher, resume from their durable consumer and the run's stream, and the run ends as
the uninterrupted one, with every message and ledger record kept once; a server without
JetStream runs on, not durable, with a warning."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys

from accord.cli.agent import KILL_AFTER
from accord.runtime.nats import NatsBus, local_server
from tests.conftest import SEED_EXAMPLE
from tests.test_bus_contract import Caller, Echo, _accord, _essentials, check_durable_log

# the bottleneck in episode 3 of 5 (it gets about 45 messages an episode), a classroom in 2
KILLS = {"B": 110, "C4": 15}


def test_agents_killed_mid_negotiation_resume_and_nothing_is_lost_or_doubled(tmp_path):
    mem = tmp_path / "mem.json"
    one = _accord("run", str(SEED_EXAMPLE), "--db", str(tmp_path / "m.db"), "--report", str(mem))
    assert one.returncode == 0, one.stderr
    net = tmp_path / "nats.json"
    with local_server(store=tmp_path / "jetstream") as url:
        kill = ",".join(f"{a}:{n}" for a, n in KILLS.items())
        proc = subprocess.run(
            [sys.executable, "-m", "accord.cli.main", "run", str(SEED_EXAMPLE), "--db",
             str(tmp_path / "n.db"), "--report", str(net), "--bus", url, "--stall-timeout", "30"],
            capture_output=True, text=True, timeout=300, env=os.environ | {KILL_AFTER: kill})
        assert proc.returncode == 0, proc.stderr
        for agent in KILLS:  # killed once, started again once, and it replayed its inbox
            assert len(re.findall(rf"agent {agent} \(pid \d+\) was killed by signal 9; started "
                                  r"again as pid \d+", proc.stderr)) == 1, proc.stderr
            assert re.search(rf"{agent} resumes on run \S+: its inbox again from the stream's "
                             r"start \([1-9]\d* stream messages", proc.stderr), proc.stderr
        assert _essentials(net) == _essentials(mem)
        check_durable_log(url, tmp_path / "n.db", tmp_path / "m.db")


def test_without_jetstream_a_run_goes_on_not_durable(caplog):
    async def main() -> tuple[bool, list[int]]:
        with local_server(jetstream=False) as url:
            bus = await NatsBus.connect(url, "plain", durable=True, stall_timeout=5.0)
            caller = Caller("caller")
            bus.register(caller)
            bus.register(Echo("e0", 3))
            try:
                await bus.create_stream()  # nothing to create
                return bus.durable, await bus.run_until(caller.ask(["e0"]), caller)
            finally:
                await bus.close()
    with caplog.at_level(logging.WARNING, logger="accord.runtime.nats"):
        durable, answer = asyncio.run(main())
    assert not durable and answer == [3]
    assert "has no JetStream: run plain is not durable" in caplog.text
