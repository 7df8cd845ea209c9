"""The in-memory bus: request/reply, ordering, error replies, stalls, determinism."""

from __future__ import annotations

import asyncio
import time

import pytest

from accord.model.errors import ProtocolError
from accord.model.messages import Ack, ErrorReply
from accord.protocols.messages import Schedule, ScheduleQuery
from accord.runtime.agent import Agent, expect
from accord.runtime.memory import InMemoryBus


class Echo(Agent):
    """Replies to a schedule query with its own number, solving off the loop first."""

    def __init__(self, agent_id: str, n: int) -> None:
        super().__init__(agent_id)
        self.n = n

    async def on_schedule_query(self, msg, env):
        n = await self.think(lambda: self.n)
        return Schedule(slots=[(n, n)])


class Caller(Agent):
    async def ask(self, names):
        replies = await self.request_all([(n, ScheduleQuery()) for n in names])
        return [expect(r, Schedule).slots[0][0] for r in replies]


def _run(coro_factory):
    async def main():
        bus = InMemoryBus("run")
        caller = Caller("caller")
        bus.register(caller)
        for i in range(4):
            bus.register(Echo(f"e{i}", i))
        try:
            result = await bus.run_until(coro_factory(caller), caller)
        finally:
            await bus.close()
        return result, [(e.sender, e.recipient, e.kind, e.in_reply_to, e.sent_at)
                        for e in bus.trace]
    return asyncio.run(main())


def test_request_all_returns_replies_in_call_order():
    result, trace = _run(lambda c: c.ask(["e3", "e1", "e2"]))
    assert result == [3, 1, 2]
    assert trace == [
        ("caller", "e3", "schedule_query", None, 0.0),
        ("caller", "e1", "schedule_query", None, 0.0),
        ("caller", "e2", "schedule_query", None, 0.0),
        ("e1", "caller", "schedule", "caller:2", 0.001),
        ("e2", "caller", "schedule", "caller:3", 0.001),
        ("e3", "caller", "schedule", "caller:1", 0.001),
    ]


def test_same_program_same_trace():
    runs = [_run(lambda c: c.ask(["e0", "e1", "e2", "e3", "e1"]))[1] for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


def test_unknown_kind_gets_error_reply():
    async def poke(c):
        return (await c.request("e0", Ack())).body
    body, _ = _run(poke)
    assert isinstance(body, ErrorReply)
    assert "does not handle 'ack'" in body.reason


def test_error_reply_raises_in_expect():
    async def poke(c):
        return expect(await c.request("e0", Ack()), Schedule)
    with pytest.raises(ProtocolError, match="replied with an error"):
        _run(poke)


def test_unknown_recipient_is_refused():
    with pytest.raises(ProtocolError, match="unknown agent 'ghost'"):
        _run(lambda c: c.ask(["ghost"]))


def test_stall_is_detected():
    buses = []

    async def wait_forever(c):
        await c.send("e0", Ack(), in_reply_to="nothing")  # an answer nobody will reply to
        fut = asyncio.get_running_loop().create_future()
        buses.append(c.bus)
        await c._wait(fut)  # no reply can complete this future
    with pytest.raises(ProtocolError, match="stalled"):
        _run(wait_forever)
    # called a stall only once nothing was in flight: the stray answer reached e0, e0's
    # error reply reached the caller, and neither woke it
    assert [(e.sender, e.recipient, e.kind, e.in_reply_to) for e in buses[0].trace] == [
        ("caller", "e0", "ack", "nothing"), ("e0", "caller", "error", "caller:1")]


class Sleeper(Agent):
    """Replies after thinking for ``seconds`` of wall time (a slow or a quick solve)."""

    def __init__(self, agent_id: str, seconds: float) -> None:
        super().__init__(agent_id)
        self.seconds = seconds

    async def on_schedule_query(self, msg, env):
        import time

        await self.think(time.sleep, self.seconds)
        return Schedule(slots=[(0, 0)])


def _conversations(overlap: bool) -> list[tuple[str, str]]:
    """A caller keeps asking a quick agent while a slow one solves, in two conversations."""
    async def main():
        bus = InMemoryBus("run", overlap=overlap)
        caller = Caller("caller")
        for a in (caller, Sleeper("slow", 0.6), Sleeper("quick", 0.01)):
            bus.register(a)
        done: list[tuple[str, str]] = []

        async def ask(name: str, times: int) -> None:
            for _ in range(times):
                expect(await caller.request(name, ScheduleQuery()), Schedule)
                done.append((name, f"{len(done)}"))

        try:
            await bus.run_until(caller.concurrently([ask("slow", 1), ask("quick", 3)]), caller)
        finally:
            await bus.close()
        return done
    return asyncio.run(main())


def test_overlap_lets_others_talk_while_one_solves():
    """Without overlap every hop waits for the slow solve (quick's 2nd and 3rd answers
    come after it); with overlap all three quick answers come before the slow one."""
    assert [n for n, _ in _conversations(overlap=False)] == ["quick", "slow", "quick", "quick"]
    assert [n for n, _ in _conversations(overlap=True)] == ["quick", "quick", "quick", "slow"]


@pytest.mark.parametrize("overlap", [False, True])
def test_turn_lets_one_conversation_at_a_time_hold_a_section(overlap):
    """Two conversations each ask inside the caller's Turn: the second waits its turn
    (visibly to the bus, so the first's reply is still delivered) and then runs."""
    from accord.runtime.agent import Turn

    async def main():
        bus = InMemoryBus("run", overlap=overlap)
        caller = Caller("caller")
        for a in (caller, Sleeper("slow", 0.2), Sleeper("quick", 0.01)):
            bus.register(a)
        turn, inside, log = Turn(caller), [], []

        async def section(name: str) -> None:
            async with turn:
                inside.append(name)
                assert len(inside) == 1
                expect(await caller.request(name, ScheduleQuery()), Schedule)
                log.append(name)
                inside.remove(name)

        try:
            await bus.run_until(caller.concurrently([section("slow"), section("quick")]),
                                caller)
        finally:
            await bus.close()
        return log
    assert asyncio.run(main()) == ["slow", "quick"]


class Slow(Agent):
    """Thinks 0.3 s per schedule query and answers with what remained of 1 s then."""

    async def on_schedule_query(self, msg, env):
        left = self.left(1.0)
        await self.think(time.sleep, 0.3)
        return Schedule(slots=[(round(10 * left), 0)])


def test_time_left_counts_from_arrival_not_from_handling():
    """Two queries queued at once: the second is handled after the first's 0.3 s of
    thinking, so 0.7 s of its second remain (an agent busy elsewhere answers late)."""
    async def main():
        bus = InMemoryBus("run")
        caller, slow = Caller("caller"), Slow("slow")
        bus.register(caller)
        bus.register(slow)
        try:
            replies = await bus.run_until(caller.request_all(
                [("slow", ScheduleQuery()), ("slow", ScheduleQuery())]), caller)
        finally:
            await bus.close()
        return [expect(r, Schedule).slots[0][0] for r in replies]
    first, second = asyncio.run(main())
    assert first == 10 and 5 <= second <= 7
