"""The embedded bus: in one process, deterministic, on a virtual clock.

Messages sent during a tick are delivered at the next tick, ordered by (sender, sequence),
once every agent waits (for a message or for replies). Agents' handlers may run their
solves in threads meanwhile; the order of delivery never depends on thread timing, so the
same seed gives the same trace and the same result.

With ``overlap`` an agent that is solving counts as waiting: messages flow between the
others meanwhile, as on a real network, and the order of events then depends on how long
solves take (asynchronous protocols need this; results are no longer reproducible).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from accord.model.errors import ProtocolError
from accord.model.messages import Envelope
from accord.runtime.bus import Bus, Mailbox
from accord.runtime.trace import Trace

T = TypeVar("T")


class InMemoryBus(Bus):
    """Deterministic discrete-event bus; ``tick_seconds`` of virtual time per hop."""

    def __init__(self, run_id: str, tick_seconds: float = 0.001, overlap: bool = False) -> None:
        self.run_id = run_id
        self.overlap = overlap
        self._thinking = 0
        self._thought = asyncio.Event()
        self.trace = Trace()
        self._agents: dict[str, Mailbox] = {}
        self._outbox: list[Envelope] = []
        self._tick = 0
        self._tick_seconds = tick_seconds
        self._active = 0
        self._settled = asyncio.Event()

    def register(self, agent: Mailbox) -> None:
        if agent.id in self._agents:
            raise ProtocolError(f"two agents named {agent.id!r}")
        self._agents[agent.id] = agent
        agent.attach(self)

    def now(self) -> float:
        return round(self._tick * self._tick_seconds, 6)

    async def publish(self, envelope: Envelope) -> None:
        if envelope.recipient not in self._agents:
            raise ProtocolError(f"{envelope.sender} sent {envelope.kind!r} to unknown agent "
                                f"{envelope.recipient!r}")
        self._outbox.append(envelope)

    def block(self, agent: Mailbox) -> None:
        self._active -= 1
        if self._active <= 0:
            self._settled.set()

    def wake(self, agent: Mailbox) -> None:
        self._active += 1
        self._settled.clear()

    def thinking(self, agent: Mailbox, started: bool) -> None:
        if not self.overlap:
            return
        if started:
            self._thinking += 1
            self.block(agent)
        else:
            self._thinking -= 1
            self.wake(agent)
            self._thought.set()

    async def _quiesce(self) -> None:
        while self._active > 0:
            await self._settled.wait()
            if self._active > 0:
                self._settled.clear()
        for agent in self._agents.values():
            if agent.failure is not None:
                raise agent.failure

    async def run_until(self, coro: Coroutine[Any, Any, T], owner: Mailbox) -> T:
        task = self.start(coro, owner)
        while True:
            await self._quiesce()
            if task.done():
                return task.result()
            if not self._outbox and self._thinking:
                self._thought.clear()
                await self._thought.wait()  # a solve ends: its agent runs on
                continue
            if not self._outbox:
                task.cancel()
                raise ProtocolError("negotiation stalled: every agent waits and no message "
                                    "is in flight")
            batch = sorted(self._outbox, key=lambda e: (e.sender, int(e.id.rsplit(":", 1)[1])))
            self._outbox = []
            self._tick += 1
            for env in batch:
                self.trace.append(env)
                self._agents[env.recipient].deliver(env)

    async def close(self) -> None:
        for agent in self._agents.values():
            await agent.stop()
        self.trace.close()
