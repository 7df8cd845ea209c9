"""The bus contract: what agents and protocols rely on, whatever carries the messages.

An agent sends envelopes with ``publish`` and is handed incoming ones by the bus through
``Agent.deliver``. Replies are matched by ``in_reply_to``. A bus also keeps the trace of
delivered envelopes (the negotiation log, spooled to a file: see ``trace``) and drives a
coroutine to completion with ``run_until``. ``block``/``wake`` let a bus observe when
agents wait for input: the in-memory bus uses them to advance its virtual clock only when
every agent is waiting.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

from accord.model.messages import Body, CommitmentRecord, Envelope
from accord.runtime.trace import Trace

T = TypeVar("T")


class Mailbox(Protocol):
    """What a bus needs of an agent (``runtime.agent.Agent`` is one)."""

    id: str
    role: str
    failure: BaseException | None

    def attach(self, bus: Bus) -> None:
        """Join the bus."""

    def deliver(self, env: Envelope) -> None:
        """Take an envelope addressed to it."""

    async def send(self, recipient: str, body: Body, in_reply_to: str | None = None) -> str:
        """Send a message; returns its id."""

    async def stop(self) -> None:
        """Stop handling messages."""


class Bus(ABC):
    """Delivers envelopes between registered agents of one run."""

    run_id: str
    trace: Trace

    @abstractmethod
    def register(self, agent: Mailbox) -> None:
        """Attach an agent; it receives what is addressed to its id."""

    @abstractmethod
    async def publish(self, envelope: Envelope) -> None:
        """Send an envelope to its recipient."""

    @abstractmethod
    def now(self) -> float:
        """The bus clock, stamped as ``sent_at``."""

    def clock(self) -> float:
        """Elapsed wall seconds as agents read them for budgets (monotonic; a test bus may
        replace it)."""
        return time.monotonic()

    @abstractmethod
    async def run_until(self, coro: Coroutine[Any, Any, T], owner: Mailbox) -> T:
        """Run ``coro`` as ``owner``'s work until it returns, delivering messages meanwhile."""

    def start(self, coro: Coroutine[Any, Any, T], owner: Mailbox) -> asyncio.Task[T]:
        """Start ``coro`` as ``owner``'s work: the owner runs until the coroutine ends."""
        self.wake(owner)

        async def owned() -> T:
            try:
                return await coro
            finally:
                self.block(owner)
        return asyncio.get_running_loop().create_task(owned())

    async def keep_ledger(self, episode: int, ledger: list[CommitmentRecord]) -> None:  # noqa: B027
        """Keep an episode's ledger changes where the bus keeps messages (optional: the
        store is the record)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Stop the agents' workers and release resources."""

    def block(self, agent: Mailbox) -> None:  # noqa: B027 - optional hook
        """The agent now waits for a message or a reply."""

    def wake(self, agent: Mailbox) -> None:  # noqa: B027 - optional hook
        """The agent can run again."""

    def thinking(self, agent: Mailbox, started: bool) -> None:  # noqa: B027 - optional hook
        """The agent started (or ended) a solve in a thread."""
