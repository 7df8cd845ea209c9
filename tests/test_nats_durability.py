"""Durability on JetStream: agent processes SIGKILLed mid-negotiation are started again by
the launcher, resume from their durable consumer and the run's stream, and the run ends as
the uninterrupted one, with every message and ledger record kept once; a server without
JetStream runs on, not durable, with a warning."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg

from accord.app.registry import wire
from accord.runtime.nats import NatsBus, local_server
from tests.conftest import SEED_EXAMPLE
from tests.test_bus_contract import Caller, Echo, _accord, _essentials, check_durable_log

WIRE = wire()
"""Every message kind the registered protocols speak."""

pytestmark = pytest.mark.nats

# the bottleneck in episode 3 of 5 (it gets about 45 messages an episode), a classroom in 2
KILLS = {"B": 110, "C4": 15}


def _agent_pid(agent: str, url: str) -> int | None:
    """The pid of the ``accord agent --id AGENT`` process on the server at ``url`` running
    now, if any (not another run's agent of the same name)."""
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"agent" in argv and b"--id" in argv and argv.index(b"--id") + 1 < len(argv) \
                and argv[argv.index(b"--id") + 1] == agent.encode() \
                and any(url.encode() in a for a in argv):
            return int(proc.name)
    return None


async def _kill_at(url: str, kills: dict[str, int], done: asyncio.Event) -> dict[str, int]:
    """Count the messages published to each agent's inbox; SIGKILL the agent's process
    once, when its count reaches the given number. Returns the pids killed."""
    nc = await nats.connect(url)
    seen = dict.fromkeys(kills, 0)
    killed: dict[str, int] = {}

    async def count(msg: Msg) -> None:
        agent = msg.subject.split(".")[3]
        seen[agent] += 1
        if seen[agent] == kills[agent] and agent not in killed:
            pid = _agent_pid(agent, url)
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                killed[agent] = pid

    for agent in kills:
        await nc.subscribe(f"accord.*.agent.{agent}.from.*", cb=count)
    await done.wait()
    await nc.close()
    return killed


@pytest.mark.slow
def test_agents_killed_mid_negotiation_resume_and_nothing_is_lost_or_doubled(tmp_path):
    mem = tmp_path / "mem.json"
    one = _accord("run", str(SEED_EXAMPLE), "--db", str(tmp_path / "m.db"), "--report", str(mem))
    assert one.returncode == 0, one.stderr
    net = tmp_path / "nats.json"
    with local_server(store=tmp_path / "jetstream") as url:
        async def main() -> tuple[subprocess.CompletedProcess[str], dict[str, int]]:
            done = asyncio.Event()
            killer = asyncio.create_task(_kill_at(url, KILLS, done))
            await asyncio.sleep(0.5)  # subscribed before the run starts
            proc = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "accord.cli.main", "run", str(SEED_EXAMPLE), "--db",
                 str(tmp_path / "n.db"), "--report", str(net), "--bus", url,
                 "--stall-timeout", "30"], capture_output=True, text=True, timeout=300)
            done.set()
            return proc, await killer
        proc, killed = asyncio.run(main())
        assert proc.returncode == 0, proc.stderr
        assert set(killed) == set(KILLS), (killed, proc.stderr)
        for agent, pid in killed.items():  # killed once, started again once, replayed
            assert len(re.findall(rf"agent {agent} \(pid {pid}\) was killed by signal 9; "
                                  r"started again as pid \d+", proc.stderr)) == 1, proc.stderr
            assert re.search(rf"{agent} resumes on run \S+: its inbox again from the stream's "
                             r"start \([1-9]\d* stream messages", proc.stderr), proc.stderr
        assert _essentials(net) == _essentials(mem)
        check_durable_log(url, tmp_path / "n.db", tmp_path / "m.db")


def test_without_jetstream_a_run_goes_on_not_durable(caplog):
    async def main() -> tuple[bool, list[int]]:
        with local_server(jetstream=False) as url:
            bus = await NatsBus.connect(url, "plain", wire=WIRE, durable=True, stall_timeout=5.0)
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
