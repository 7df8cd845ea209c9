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
        self._inbox: deque[tuple[Envelope, float]] = deque()
        self.arrived = 0.0
        """When the message being handled arrived (``clock``)."""
        self._inbox_waiter: asyncio.Future[None] | None = None
        self._reply_waiters: list[tuple[set[str], dict[str, Envelope], asyncio.Future[None]]] = []
        self._worker: asyncio.Task[None] | None = None
        self.failure: BaseException | None = None
        self.solving: dict[str, float] = {}
        """CPU seconds spent solving, by the kind of message being answered."""
        self.handling = ""
        """The kind of the message being handled."""

    @property
    def solve_seconds(self) -> float:
        """CPU seconds spent solving, whatever the message answered."""
        return sum(self.solving.values())

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
            await cancel(self._worker)
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
        # wait for the replies before sending: over a real transport one may come back
        # while later requests are still being sent
        envs = [self._envelope(r, b, None) for r, b in calls]
        got: dict[str, Envelope] = {}
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = ({e.id for e in envs}, got, fut)
        self._reply_waiters.append(waiter)
        try:
            for env in envs:
                await self.bus.publish(env)
            await self._wait(fut)
        finally:
            self._reply_waiters.remove(waiter)
        return [got[e.id] for e in envs]

    async def request(self, recipient: str, body: Body) -> Envelope:
        """Send one request and wait for its reply."""
        return (await self.request_all([(recipient, body)]))[0]

    # --- receiving ------------------------------------------------------------------
    def deliver(self, env: Envelope) -> None:
        """Called by the bus: a reply completes a waiting request, anything else queues."""
        key = env.in_reply_to
        for pending, got, fut in self._reply_waiters:
            if key is not None and key in pending:
                pending.discard(key)
                got[key] = env
                if not pending and not fut.done():
                    self.bus.wake(self)
                    fut.set_result(None)
                return
        self._inbox.append((env, self.clock()))
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
            env, self.arrived = self._inbox.popleft()
            self.handling = env.kind
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
    def clock(self) -> float:
        """Seconds on the bus's clock of elapsed wall time (off any bus, the machine's):
        the one way protocols read time."""
        return time.monotonic() if self._bus is None else self._bus.clock()

    def left(self, seconds: float | None) -> float | None:
        """What remains of ``seconds`` counted from the arrival of the message being
        handled (it may have queued while the agent answered another)."""
        return None if seconds is None else seconds - (self.clock() - self.arrived)

    async def think(self, fn: Callable[..., R], *args: Any) -> R:
        """Run a CPU-bound local solve off the event loop (CP-SAT releases the GIL); its
        CPU time is added to ``solving`` (``solve_seconds``). The bus hears when
        thinking starts and ends (an asynchronous bus delivers messages to others
        meanwhile)."""
        kind = self.handling

        def timed() -> R:
            t0 = time.thread_time()
            try:
                return fn(*args)
            finally:
                self.solving[kind] = self.solving.get(kind, 0.0) + time.thread_time() - t0
        bus = self._bus
        if bus is None:  # an agent used on its own, off any bus
            return await asyncio.to_thread(timed)
        bus.thinking(self, True)
        try:
            return await asyncio.to_thread(timed)
        finally:
            bus.thinking(self, False)

    async def concurrently(self, coros: Sequence[Coroutine[Any, Any, R]]) -> list[R]:
        """Run several conversations of this agent at once (each may wait for its own
        replies); their results in order. The bus counts each as running while it runs."""
        if not coros:
            return []
        for _ in coros[1:]:
            self.bus.wake(self)  # the first continues the caller's turn, the others are new
        left = len(coros)

        async def one(coro: Coroutine[Any, Any, R]) -> R:
            nonlocal left
            try:
                return await coro
            finally:
                left -= 1
                if left:
                    self.bus.block(self)  # the last hands the turn back to the caller
        return list(await asyncio.gather(*(one(c) for c in coros)))


async def cancel(task: asyncio.Task[Any]) -> None:
    """Cancel a task and wait for its end, cancelling again if the request was swallowed
    (Python 3.11's ``asyncio.wait_for`` drops it when the awaited future finishes then)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    if not task.cancelled():
        task.exception()  # retrieved: the caller cancelled, it does not want the outcome


class Turn:
    """Mutual exclusion between an agent's concurrent conversations (``Agent.concurrently``)
    that the bus sees, or with ``size`` more than 1, at most that many holding it at once:
    a conversation waiting for its turn counts as waiting, like one waiting for a reply,
    and the turn is handed straight to the next in line."""

    def __init__(self, agent: Agent, size: int = 1) -> None:
        self.agent = agent
        self.free = size
        self._line: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> None:
        if self.free:
            self.free -= 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._line.append(fut)
        await self.agent._wait(fut)  # woken (and counted running) by the releaser

    async def __aexit__(self, *exc: object) -> None:
        if self._line:
            self.agent.bus.wake(self.agent)
            self._line.popleft().set_result(None)
        else:
            self.free += 1


def expect(env: Envelope, body_type: type[B]) -> B:
    """The reply's body if it has the expected type, else a ProtocolError naming it."""
    if isinstance(env.body, body_type):
        return env.body
    if isinstance(env.body, ErrorReply):
        raise ProtocolError(f"{env.sender} replied with an error: {env.body.reason}")
    raise ProtocolError(f"{env.sender} replied {env.kind!r}, expected {body_type.__name__}")
