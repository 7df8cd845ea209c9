"""What the negotiating process (the director's) hears of a run: the trace, heartbeats,
failures and the agents' roll call.

A negotiation stalls when nothing (no trace, no heartbeat) is heard for ``stall_timeout``
seconds: the distributed form of "every agent waits and nothing is in flight".
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Collection
from contextlib import suppress
from typing import TypeVar

from nats.aio.msg import Msg

from accord.model.errors import ProtocolError
from accord.model.messages import MalformedMessage, Wire
from accord.runtime.nats.connection import Connection
from accord.runtime.nats.subjects import ROLE
from accord.runtime.trace import Trace

T = TypeVar("T")
log = logging.getLogger(__name__)

STALL_TIMEOUT = 60.0  # seconds of silence before a negotiation counts as stalled


class Observer:
    """Collects the run's trace over ``conn`` and tells when a negotiation stalls or an
    agent fails."""

    def __init__(self, conn: Connection, wire: Wire, stall_timeout: float,
                 ack_timeout: float) -> None:
        self.wire = wire
        self.conn = conn
        self.trace = Trace()
        self._traced: set[tuple[str, str]] = set()
        self._stall, self._ack = stall_timeout, ack_timeout
        self._activity = asyncio.Event()
        self._marks: dict[str, asyncio.Future[None]] = {}
        self._observing = False

    @property
    def observing(self) -> bool:
        """Whether this process collects the run's trace (the director's does)."""
        return self._observing

    async def listen(self) -> None:
        """Subscribe (once) to every agent's trace, heartbeat and failure."""
        if not self._observing:
            self._observing = True
            for what in ("trace.*", "busy.*", "failed.*", "mark"):
                await self.conn.nc.subscribe(self.conn.subject(*what.split(".")),
                                             cb=self._observe)
            await self.conn.nc.flush()

    async def follow(self, task: asyncio.Task[T]) -> T:
        """``task``'s result once every trace published before its end is in; a
        ProtocolError if nothing is heard on the run for the stall timeout first."""
        while not task.done():
            self._activity.clear()
            if not await self.conn.until({task}, self._stall, self._activity):
                raise ProtocolError(
                    f"negotiation stalled: nothing heard on run {self.conn.run_id} for "
                    f"{self._stall:g} s (every agent waits and no message is in flight)")
        result = task.result()
        await self._mark()
        return result

    async def roll_call(self, ids: Collection[str], timeout: float) -> None:
        """Wait until every agent in ``ids`` listens (a roll call, then their announcements)."""
        missing = set(ids)
        here = asyncio.Event()

        async def ready(msg: Msg) -> None:
            missing.discard(msg.subject.rsplit(".", 1)[1])
            if not missing:
                here.set()
        sub = await self.conn.nc.subscribe(self.conn.subject("ready", "*"), cb=ready)
        try:
            await self.conn.nc.flush()
            await self.conn.nc.publish(self.conn.subject("roll"), b"")
            waiter = asyncio.ensure_future(here.wait())
            try:
                if not await self.conn.until({waiter}, timeout):
                    raise ProtocolError(f"agents not on run {self.conn.run_id} after "
                                        f"{timeout:g} s: {', '.join(sorted(missing))}")
            finally:
                waiter.cancel()
        finally:
            await sub.unsubscribe()

    async def _observe(self, msg: Msg) -> None:
        self._activity.set()
        kind, who = [*msg.subject.split(".")[2:], ""][:2]  # accord.<run>.<kind>[.<who>]
        if kind == "trace":
            with suppress(MalformedMessage):
                env = self.wire.parse(msg.data)
                first = (who, env.id) not in self._traced  # a resumed agent traces again
                if first and (env.recipient == who or env.recipient.startswith(ROLE)):
                    self._traced.add((who, env.id))
                    self.trace.append(env, msg.data.decode())  # only what was delivered
                    # to the publisher, as it was sent
        elif kind == "mark":
            fut = self._marks.pop(msg.data.decode(), None)
            if fut is not None and not fut.done():
                fut.set_result(None)
        elif kind == "failed" and self.conn.failure is None:
            try:
                reason = json.loads(msg.data)["reason"]
                self.conn.fail(ProtocolError(f"agent {who} failed: {reason}"))
            except (ValueError, KeyError, TypeError):
                log.warning("unreadable failure notice on run %s", self.conn.run_id)

    async def _mark(self) -> None:
        """Barrier: return once every trace published before now has been collected."""
        token = uuid.uuid4().hex
        fut = self._marks[token] = asyncio.get_running_loop().create_future()
        await self.conn.nc.publish(self.conn.subject("mark"), token.encode())
        await asyncio.wait_for(fut, self._ack)
