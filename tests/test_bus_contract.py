"""One contract, every bus (in memory, NATS, NATS with JetStream): delivery, order,
request/reply, errors, stalls; then what only a wire has (malformed data, broadcasts, a lost
server) and ``accord run --bus``."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path

import nats
import pytest

from accord.app.registry import wire
from accord.model.errors import ProtocolError
from accord.model.messages import Ack, Envelope, ErrorReply
from accord.protocols.messages import Schedule, ScheduleQuery
from accord.protocols.seed_offers.messages import CapacityBroadcast
from accord.runtime.agent import Agent, expect
from accord.runtime.bus import Bus
from accord.runtime.memory import InMemoryBus
from accord.runtime.nats import NatsBus, NatsError, free_port, local_server, stream_name
from accord.store import Store
from tests import test_bus
from tests.conftest import SEED_EXAMPLE

WIRE = wire()
"""Every message kind the registered protocols speak."""

OpenBus = Callable[[], Awaitable[Bus]]


class Echo(test_bus.Echo):
    """Replies to a schedule query with its own number; role ``echo``."""

    role = "echo"


class Caller(Agent):
    """Asks echoes; keeps the schedules and errors it is sent unasked."""

    def __init__(self, agent_id: str) -> None:
        super().__init__(agent_id)
        self.kept: list[Envelope] = []
        self.all_kept: asyncio.Future[None] | None = None
        self.keep = 0

    async def ask(self, names):
        replies = await self.request_all([(n, ScheduleQuery()) for n in names])
        return [expect(r, Schedule).slots[0][0] for r in replies]

    async def until_kept(self, n: int) -> list[Envelope]:
        """Wait until ``n`` unasked messages are kept; they come to the inbox."""
        self.keep, self.all_kept = n, asyncio.get_running_loop().create_future()
        if len(self.kept) < n:
            await self.all_kept
        return sorted(self.kept, key=lambda e: (e.sender, e.in_reply_to or ""))

    async def on_schedule(self, msg, env):
        self._keep(env)

    async def on_error(self, msg, env):
        self._keep(env)

    def _keep(self, env: Envelope) -> None:
        self.kept.append(env)
        if len(self.kept) == self.keep and self.all_kept is not None:
            self.all_kept.set_result(None)


class Sender(Agent):
    """On a broadcast, sends ``count`` numbered schedules to the recorder, then acks."""

    async def on_capacity_broadcast(self, msg, env):
        for i in range(msg.per_batch):
            await self.send("rec", Schedule(slots=[(i, 0)]))
        return Ack()


class Recorder(Agent):
    """Records (sender, number) of every schedule; reports them on a query."""

    def __init__(self, agent_id: str) -> None:
        super().__init__(agent_id)
        self.got: list[tuple[str, int]] = []

    async def on_schedule(self, msg, env):
        self.got.append((env.sender, msg.slots[0][0]))

    async def on_schedule_query(self, msg, env):
        return Schedule(slots=[(len(self.got), 0)])


class Crash(Agent):
    async def on_schedule_query(self, msg, env):
        raise ValueError("crashed on purpose")


CAST = ["caller", "e0", "e1", "e2", "e3", "s1", "s2", "rec", "crash"]  # of these tests


@pytest.fixture(params=["memory", pytest.param("nats", marks=pytest.mark.nats),
                        pytest.param("jetstream", marks=pytest.mark.nats)])
def open_bus(request) -> OpenBus:
    """Opens a fresh bus of each kind (NATS: a new run on the session's server; JetStream:
    durable, on a new stream, knowing the cast)."""
    if request.param == "memory":
        async def memory() -> Bus:
            return InMemoryBus("run")
        return memory
    url = request.getfixturevalue("nats_url")
    durable = request.param == "jetstream"

    async def on_nats() -> Bus:
        bus = await NatsBus.connect(url, f"t{uuid.uuid4().hex[:10]}", wire=WIRE, stall_timeout=1.0,
                                    heartbeat=0.2, durable=durable,
                                    peers=CAST if durable else None)
        await bus.create_stream()
        assert bus.durable == durable
        return bus
    return on_nats


def play(open_bus: OpenBus, script, extra: tuple[Agent, ...] = ()):
    """Run ``script(caller)`` on a bus with a caller, echoes e0..e3 and ``extra``."""
    async def main():
        bus = await open_bus()
        caller = Caller("caller")
        for a in [caller, *(Echo(f"e{i}", i) for i in range(4)), *extra]:
            bus.register(a)
        try:
            result = await bus.run_until(script(caller), caller)
        finally:
            await bus.close()
        return result, sorted((e.sender, e.recipient, e.kind, e.in_reply_to or "")
                              for e in bus.trace)
    return asyncio.run(main())


# --- the contract ------------------------------------------------------------------------
def test_request_all_returns_replies_in_call_order(open_bus):
    result, trace = play(open_bus, lambda c: c.ask(["e3", "e1", "e2"]))
    assert result == [3, 1, 2]
    assert trace == [
        ("caller", "e1", "schedule_query", ""),
        ("caller", "e2", "schedule_query", ""),
        ("caller", "e3", "schedule_query", ""),
        ("e1", "caller", "schedule", "caller:2"),
        ("e2", "caller", "schedule", "caller:3"),
        ("e3", "caller", "schedule", "caller:1"),
    ]


def test_each_sender_keeps_its_order(open_bus):
    rec = Recorder("rec")

    async def script(c):
        go = CapacityBroadcast(episode_tag="", cap_per_min=0, per_batch=15, total_estimate=0)
        await c.request_all([("s1", go), ("s2", go)])
        return expect(await c.request("rec", ScheduleQuery()), Schedule).slots[0][0]
    count, _ = play(open_bus, script, (Sender("s1"), Sender("s2"), rec))
    assert count == 30
    for s in ("s1", "s2"):
        assert [n for who, n in rec.got if who == s] == list(range(15))


def test_unknown_kind_gets_error_reply(open_bus):
    async def poke(c):
        return (await c.request("e0", Ack())).body
    body, _ = play(open_bus, poke)
    assert isinstance(body, ErrorReply)
    assert "does not handle 'ack'" in body.reason


def test_error_reply_raises_in_expect(open_bus):
    async def poke(c):
        return expect(await c.request("e0", Ack()), Schedule)
    with pytest.raises(ProtocolError, match="replied with an error"):
        play(open_bus, poke)


def test_unknown_recipient_is_refused(open_bus):
    with pytest.raises(ProtocolError, match="unknown agent 'ghost'"):
        play(open_bus, lambda c: c.ask(["ghost"]))


def test_a_failing_handler_fails_the_run(open_bus):
    with pytest.raises(ValueError, match="crashed on purpose"):
        play(open_bus, lambda c: c.ask(["crash"]), (Crash("crash"),))


def test_stall_is_detected(open_bus):
    async def wait_forever(c):  # the recorder never answers a schedule
        await c.request("rec", Schedule(slots=[(0, 0)]))
    t0 = time.monotonic()
    with pytest.raises(ProtocolError, match="stalled") as err:
        play(open_bus, wait_forever, (Recorder("rec"),))
    assert "\n" not in str(err.value)
    assert time.monotonic() - t0 < 10


# --- what only a wire has ----------------------------------------------------------------
def _nats_play(url: str, script, extra: tuple[Agent, ...] = ()):
    async def open_nats() -> Bus:
        return await NatsBus.connect(url, f"w{uuid.uuid4().hex[:10]}", wire=WIRE, stall_timeout=2.0,
                                     heartbeat=0.2)
    return play(open_nats, script, extra)


@pytest.mark.nats
def test_malformed_messages_are_rejected_and_the_run_goes_on(nats_url, caplog):
    def wire(**change) -> bytes:
        env = Envelope(run="", id="caller:x", sender="caller", recipient="e0", kind="ack",
                       body=Ack(), sent_at=0.0).model_dump(mode="json")
        return json.dumps(env | change).encode()

    async def script(c):
        run = c.bus.run_id
        env = {"v": 2, "run": run, "id": "caller:x1"}
        kind = {"run": run, "id": "caller:x2", "kind": "teleport", "body": {"kind": "teleport"}}
        forged = {"run": run, "id": "caller:x3", "sender": "e1"}
        raw = await nats.connect(nats_url)
        for data in (b"not json", wire(**env), wire(**kind), wire(**forged)):
            await raw.request(f"accord.{run}.agent.e0.from.caller", data, timeout=5)
        await raw.close()
        errors = await c.until_kept(4)  # the error replies come unasked, to the subject's sender
        return [(e.in_reply_to, e.body) for e in errors], await c.ask(["e0"])

    with caplog.at_level(logging.WARNING, logger="accord.runtime.nats"):
        ([(none, junk), (x1, v2), (x2, teleport), (x3, forged)], after), _ = _nats_play(
            nats_url, script)
    assert none is None and junk.reason.startswith("malformed message: ")
    assert x1 == "caller:x1" and v2.reason.startswith("malformed message: v: Input should be 1")
    assert x2 == "caller:x2" and "teleport" in teleport.reason
    assert x3 == "caller:x3" and forged.reason.endswith("sender: 'e1' but it came from 'caller'")
    assert after == [0]
    assert "e0 rejected a malformed message from caller" in caplog.text


@pytest.mark.nats
def test_a_message_from_outside_the_run_is_dropped_and_the_run_goes_on(nats_url, caplog):
    async def main():
        bus = await NatsBus.connect(nats_url, f"p{uuid.uuid4().hex[:10]}", wire=WIRE,
                                    stall_timeout=2.0, peers=["caller", "e0"])
        caller, echo = Caller("caller"), Echo("e0", 5)
        bus.register(caller)
        bus.register(echo)

        async def script(c):
            await c.bus._settle()
            ghost = Envelope(run=bus.run_id, id="ghost:1", sender="ghost", recipient="e0",
                             kind="schedule_query", body=ScheduleQuery(), sent_at=0.0)
            raw = await nats.connect(nats_url)
            await raw.request(f"accord.{bus.run_id}.agent.e0.from.ghost",
                              ghost.to_json().encode(), timeout=5)
            await raw.close()
            return await c.ask(["e0"])
        try:
            return await bus.run_until(script(caller), caller), bus.trace
        finally:
            await bus.close()
    with caplog.at_level(logging.WARNING, logger="accord.runtime.nats"):
        answer, trace = asyncio.run(main())
    assert answer == [5]
    assert "ghost" not in {e.sender for e in trace}
    assert "e0 dropped a message from ghost, not an agent of run" in caplog.text


@pytest.mark.nats
def test_a_role_broadcast_reaches_every_agent_of_the_role(nats_url):
    async def script(c):
        await c.send("role:echo", ScheduleQuery())
        return [e.sender for e in await c.until_kept(4)]
    senders, _ = _nats_play(nats_url, script)
    assert senders == ["e0", "e1", "e2", "e3"]


@pytest.mark.slow
def test_an_unreachable_server_is_one_line_and_quick():
    url = f"nats://127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    with pytest.raises(NatsError, match=f"cannot reach the NATS server at {re.escape(url)}") as e:
        asyncio.run(NatsBus.connect(url, "nobody", wire=WIRE))
    assert time.monotonic() - t0 < 5
    assert "\n" not in str(e.value)


@pytest.mark.nats
@pytest.mark.slow
def test_the_bus_reconnects_after_a_server_restart():
    port = free_port()

    async def main():
        with local_server(port) as url:
            bus = await NatsBus.connect(url, "restart", wire=WIRE, stall_timeout=20, ack_timeout=2)
            caller = Caller("caller")
            bus.register(caller)
            bus.register(Echo("e0", 7))
            before = await bus.run_until(caller.ask(["e0"]), caller)
        # the same address, a new server; the first request may be lost with the old one
        with local_server(port):
            try:
                after = await bus.run_until(caller.ask(["e0"]), caller)
            finally:
                await bus.close()
        return before, after
    assert asyncio.run(main()) == ([7], [7])


# --- accord run --bus: one process per agent ---------------------------------------------
def _accord(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accord.cli.main", *args], capture_output=True,
                          text=True, timeout=300)


def _alive(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        with suppress(OSError):
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z":
                out.append(pid)
    return out


def _essentials(report: Path) -> list[tuple]:
    data = json.loads(report.read_text())
    return [(e["episode"], e["cost"], e["hard_violations"], e["hard_breakdown"],
             e["cost_breakdown"], e["plans"], e["messages"], e["rounds"])
            for e in data["episodes"]]


def run_on_both(scenario: Path, tmp_path: Path) -> tuple[Path, Path, str]:
    """``accord run`` in memory and with ``--bus nats``: both reports, the second's stderr."""
    mem, net = tmp_path / "mem.json", tmp_path / "nats.json"
    one = _accord("run", str(scenario), "--db", str(tmp_path / "m.db"), "--report", str(mem))
    assert one.returncode == 0, one.stderr
    two = _accord("run", str(scenario), "--db", str(tmp_path / "n.db"), "--report", str(net),
                  "--bus", "nats")
    assert two.returncode == 0, two.stderr
    assert "permissions violation" not in two.stderr.lower()
    return mem, net, two.stderr


@pytest.mark.nats
@pytest.mark.slow
def test_run_with_permissions_over_nats_equals_the_in_memory_run(tmp_path):
    """On a local server where each agent is its own user and may speak only as itself."""
    mem, net, stderr = run_on_both(SEED_EXAMPLE, tmp_path)
    started = re.search(r"(\d+) agents in their own processes on \S+, each its own user "
                        r"\(pids ([\d, ]+)\)", stderr)
    assert started is not None, stderr
    pids = [int(p) for p in started[2].split(", ")]
    assert int(started[1]) == len(set(pids)) == 7  # six classrooms and the bottleneck
    assert _alive(pids) == []
    assert _essentials(net) == _essentials(mem)


@pytest.mark.nats
@pytest.mark.slow
def test_run_on_an_existing_server_and_agent_errors(nats_url, tmp_path):
    scenario = tmp_path / "small.yaml"
    assert _accord("generate", "dismissal", "--classrooms", "2", "--seed", "5",
                   "-o", str(scenario)).returncode == 0
    proc = _accord("run", str(scenario), "-n", "1", "--db", str(tmp_path / "s.db"),
                   "--report", str(tmp_path / "s.json"), "--bus", nats_url)
    assert proc.returncode == 0, proc.stderr
    assert f"3 agents in their own processes on {nats_url} (pids" in proc.stderr
    assert json.loads((tmp_path / "s.json").read_text())["episodes"][0]["hard_violations"] == 0
    bad = _accord("run", str(scenario), "--bus", "http://x")
    assert bad.returncode == 2 and "--bus: unknown bus 'http://x'" in bad.stderr
    url = f"nats://127.0.0.1:{free_port()}"
    ghost = _accord("agent", str(scenario), "--id", "ghost", "--nats", url)
    assert ghost.returncode == 2 and "no agent 'ghost' in the cast" in ghost.stderr
    away = _accord("agent", str(scenario), "--id", "B1", "--nats", url)
    assert away.returncode == 2, away.stderr
    assert f"cannot reach the NATS server at {url}" in away.stderr


async def _stream(url: str, run_id: str) -> list[tuple[str, str | None, bytes]]:
    """Every message of a run's stream, in order: (subject, Nats-Msg-Id, data)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        name = stream_name(run_id)
        last = (await js.stream_info(name)).state.last_seq
        msgs = [await js.get_msg(name, seq) for seq in range(1, last + 1)]
    finally:
        await nc.close()
    return [(m.subject or "", (m.headers or {}).get("Nats-Msg-Id"), m.data or b"")
            for m in msgs]


def check_durable_log(url: str, db: Path, reference_db: Path) -> None:
    """The run in ``db`` kept, in its store and in its stream at ``url``, the same messages
    and ledger as the uninterrupted in-memory run in ``reference_db``: no message or ledger
    record missing, none twice."""
    got, ref = Store(str(db)), Store(str(reference_db))
    try:
        (run,), (ref_run,) = got.runs(), ref.runs()
        assert got.ledger(run.ledger) == ref.ledger(ref_run.ledger) != []
        sent: list[str] = []
        for ep in ref.episodes(ref_run.id):
            ids = [(e.recipient, e.id) for e in got.messages(run.id, WIRE, ep.episode)]
            assert len(set(ids)) == len(ids)  # none stored twice
            assert sorted(ids) == sorted((e.recipient, e.id)
                                         for e in ref.messages(ref_run.id, WIRE, ep.episode))
            sent += [i for _, i in ids]
        log = asyncio.run(_stream(url, run.id))
        inbox = [(msg_id, json.loads(data)["id"]) for subject, msg_id, data in log
                 if ".agent." in subject]
        assert all(msg_id == env_id for msg_id, env_id in inbox)
        assert sorted(i for i, _ in inbox) == sorted(sent)  # each message once, none lost
        ledger = [json.loads(data) for subject, _, data in log if subject.endswith(".ledger")]
        assert [r["episode"] for r in ledger] == [ep.episode for ep in ref.episodes(ref_run.id)]
        final = {r["id"]: r for e in ledger for r in e["records"]}  # the last word on each
        assert [final[k] for k in sorted(final)] == [
            c.model_dump(mode="json") for c in ref.ledger(ref_run.ledger)]
    finally:
        got.close()
        ref.close()


@pytest.mark.nats
@pytest.mark.slow
def test_a_run_survives_a_server_restart(tmp_path):
    """The server is stopped and started again on the same address (and JetStream store)
    while the agents negotiate: they reconnect, unacknowledged messages are sent again (and
    dropped when they arrive twice), the report equals the in-memory run's, and the store
    and the stream hold every message and ledger record once."""
    mem = tmp_path / "mem.json"
    one = _accord("run", str(SEED_EXAMPLE), "--db", str(tmp_path / "m.db"), "--report", str(mem))
    assert one.returncode == 0, one.stderr
    net, port, store = tmp_path / "nats.json", free_port(), tmp_path / "jetstream"
    with local_server(port, store=store) as url:
        proc = subprocess.Popen(
            [sys.executable, "-m", "accord.cli.main", "run", str(SEED_EXAMPLE), "--db",
             str(tmp_path / "n.db"), "--report", str(net), "--bus", url, "--stall-timeout", "30"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:  # wait until every agent runs, then pull the server away
            seen.append(line)
            if "agents in their own processes" in line:
                break
        time.sleep(0.3)
    time.sleep(0.5)
    with local_server(port, store=store):
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, "".join(seen) + err
        assert "reconnected to the NATS server" in err  # the restart came during the run
        assert _essentials(net) == _essentials(mem)
        check_durable_log(url, tmp_path / "n.db", tmp_path / "m.db")
