"""Agent base: a mailbox, typed ``on_<kind>`` handlers, and request/reply over any bus."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from accord.model.errors import ProtocolError
from accord.model.messages import Body, Envelope, ErrorReply
from accord.runtime.bus import Bus

B = TypeVar("B", bound=Body)
R = TypeVar("R")


class Agent:
    """An autonomous participant. Subclasses define ``async def on_<kind>(msg, env)``.

    A handler may return a body, sent back as the reply. Handlers run one at a time, in
    arrival order; a handler that needs answers calls ``request`` or ``request_all`` and
    waits. A message without a handler gets an ``error`` reply.
    """

    role = "agent"

    def __init__(self, agent_id: str) -> None:
        self.id = agent_id
        self._bus: Bus | None = None
        self._seq = 0
        self._inbox: deque[Envelope] = deque()
        self._inbox_waiter: asyncio.Future[None] | None = None
        self._reply_waiter: tuple[set[str], dict[str, Envelope], asyncio.Future[None]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self.failure: BaseException | None = None
        self.solve_seconds = 0.0

    # --- wiring ---------------------------------------------------------------------
    @property
    def bus(self) -> Bus:
        if self._bus is None:
            raise ProtocolError(f"agent {self.id} is not on a bus")
        return self._bus

    def attach(self, bus: Bus) -> None:
        """Join a bus and start the mailbox worker."""
        self._bus = bus
        bus.wake(self)
        self._worker = asyncio.get_running_loop().create_task(self._work(), name=self.id)

    async def stop(self) -> None:
        """Cancel the mailbox worker."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None

    # --- sending --------------------------------------------------------------------
    def _envelope(self, recipient: str, body: Body, in_reply_to: str | None) -> Envelope:
        self._seq += 1
        return Envelope(
            run=self.bus.run_id,
            id=f"{self.id}:{self._seq}",
            sender=self.id,
            recipient=recipient,
            kind=body.kind,  # type: ignore[attr-defined]
            body=body,  # type: ignore[arg-type]
            in_reply_to=in_reply_to,
            sent_at=self.bus.now(),
        )

    async def send(self, recipient: str, body: Body, in_reply_to: str | None = None) -> str:
        """Send a message; returns its id."""
        env = self._envelope(recipient, body, in_reply_to)
        await self.bus.publish(env)
        return env.id

    async def request_all(self, calls: Sequence[tuple[str, Body]]) -> list[Envelope]:
        """Send several requests and wait for every reply; replies come back in call order."""
        if not calls:
            return []
        ids = [await self.send(r, b) for r, b in calls]
        got: dict[str, Envelope] = {}
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reply_waiter = (set(ids), got, fut)
        await self._wait(fut)
        self._reply_waiter = None
        return [got[i] for i in ids]

    async def request(self, recipient: str, body: Body) -> Envelope:
        """Send one request and wait for its reply."""
        return (await self.request_all([(recipient, body)]))[0]

    # --- receiving ------------------------------------------------------------------
    def deliver(self, env: Envelope) -> None:
        """Called by the bus: a reply completes a waiting request, anything else queues."""
        waiter = self._reply_waiter
        if waiter is not None and env.in_reply_to in waiter[0]:
            pending, got, fut = waiter
            pending.discard(env.in_reply_to)  # type: ignore[arg-type]
            got[env.in_reply_to] = env  # type: ignore[index]
            if not pending and not fut.done():
                self.bus.wake(self)
                fut.set_result(None)
            return
        self._inbox.append(env)
        if self._inbox_waiter is not None and not self._inbox_waiter.done():
            self.bus.wake(self)
            self._inbox_waiter.set_result(None)

    async def _wait(self, fut: asyncio.Future[None]) -> None:
        self.bus.block(self)
        await fut

    async def _work(self) -> None:
        while True:
            if not self._inbox:
                self._inbox_waiter = asyncio.get_running_loop().create_future()
                await self._wait(self._inbox_waiter)
                self._inbox_waiter = None
            env = self._inbox.popleft()
            try:
                await self._dispatch(env)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # surfaced by the bus's run_until
                self.failure = exc
                self.bus.block(self)
                return

    async def _dispatch(self, env: Envelope) -> None:
        handler: Callable[[Any, Envelope], Coroutine[Any, Any, Body | None]] | None = getattr(
            self, f"on_{env.kind}", None
        )
        if handler is None:
            if env.kind != "error":
                await self.send(
                    env.sender,
                    ErrorReply(reason=f"{self.id} ({self.role}) does not handle {env.kind!r}"),
                    in_reply_to=env.id,
                )
            return
        reply = await handler(env.body, env)
        if reply is not None:
            await self.send(env.sender, reply, in_reply_to=env.id)

    # --- helpers --------------------------------------------------------------------
    async def think(self, fn: Callable[..., R], *args: Any) -> R:
        """Run a CPU-bound local solve off the event loop (CP-SAT releases the GIL); its
        CPU time is added to ``solve_seconds``."""
        def timed() -> R:
            t0 = time.thread_time()
            try:
                return fn(*args)
            finally:
                self.solve_seconds += time.thread_time() - t0
        return await asyncio.to_thread(timed)


def expect(env: Envelope, body_type: type[B]) -> B:
    """The reply's body if it has the expected type, else a ProtocolError naming it."""
    if isinstance(env.body, body_type):
        return env.body
    if isinstance(env.body, ErrorReply):
        raise ProtocolError(f"{env.sender} replied with an error: {env.body.reason}")
    raise ProtocolError(f"{env.sender} replied {env.kind!r}, expected {body_type.__name__}")
