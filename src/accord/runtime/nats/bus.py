"""The NATS bus: agents of one run in separate processes (or machines), found by subject
(see ``subjects``); durable on JetStream (see ``durable``)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Collection, Coroutine
from contextlib import suppress
from typing import Any, TypeVar

from nats.aio.msg import Msg
from nats.errors import Error as NatsClientError
from nats.errors import NoRespondersError
from nats.js import JetStreamContext

from accord.model.errors import ProtocolError
from accord.model.messages import (
    CommitmentRecord,
    Envelope,
    ErrorReply,
    MalformedMessage,
    Wire,
)
from accord.runtime.agent import cancel
from accord.runtime.bus import Bus, Mailbox
from accord.runtime.nats.connection import CONNECT_TIMEOUT, Connection
from accord.runtime.nats.durable import Stream
from accord.runtime.nats.observer import STALL_TIMEOUT, Observer
from accord.runtime.nats.subjects import ROLE, stream_name, token

T = TypeVar("T")
log = logging.getLogger(__name__)

ACK_TIMEOUT = 10.0  # seconds a recipient's bus has to acknowledge a message
RETRACE = 2.0  # seconds of traces published again after a reconnect (lost with a server)
HEARTBEAT = 1.0  # seconds between "busy" heartbeats of a process whose agents run


def _msg_id(data: bytes) -> str | None:
    """The message id of raw wire data, where it can be read."""
    try:
        raw = json.loads(data)
    except ValueError:
        return None
    msg_id = raw.get("id") if isinstance(raw, dict) else None
    return msg_id if isinstance(msg_id, str) else None


class _Recent:
    """The ids of the last messages delivered to an agent, to drop one sent twice (every
    id when ``size`` is None)."""

    def __init__(self, size: int | None = 1024) -> None:
        self._order: deque[str] = deque()
        self._ids: set[str] = set()
        self._size = size

    def first(self, msg_id: str) -> bool:
        """Whether ``msg_id`` is new; it is remembered either way."""
        if msg_id in self._ids:
            return False
        self._order.append(msg_id)
        self._ids.add(msg_id)
        if self._size is not None and len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


class NatsBus(Bus):
    """One process's end of a run on NATS; open it with ``await NatsBus.connect(...)``."""

    def __init__(self, run_id: str, *, wire: Wire, stall_timeout: float = STALL_TIMEOUT,
                 heartbeat: float = HEARTBEAT, ack_timeout: float = ACK_TIMEOUT,
                 peers: Collection[str] | None = None, durable: bool = False) -> None:
        self.run_id = token(run_id, "run id")
        self.wire = wire
        """The run's message kinds: what arrives is parsed, and rejected, against them."""
        self.peers = None if peers is None else frozenset(peers)
        """The agents of the run; a message from anyone else is dropped (None: anyone)."""
        self.stream = stream_name(self.run_id)
        self._conn = Connection(self.run_id)
        self._jetstream = Stream(self._conn, self.stream, ack_timeout) if durable else None
        self._observer = Observer(self._conn, wire, stall_timeout, ack_timeout)
        self.trace = self._observer.trace
        self._heartbeat, self._ack = heartbeat, ack_timeout
        self._agents: dict[str, Mailbox] = {}
        self._seen: dict[str, _Recent] = {}
        self._subscribing: list[asyncio.Task[None]] = []
        self._active = 0
        self._busy = asyncio.Event()
        self._idle = asyncio.Event()
        self._recent: deque[tuple[float, str, bytes]] = deque()
        self._conn.on_reconnect.append(self._retrace)

    @classmethod
    async def connect(cls, url: str, run_id: str, *, wire: Wire, user: str | None = None,
                      password: str | None = None, peers: Collection[str] | None = None,
                      connect_timeout: float = CONNECT_TIMEOUT, durable: bool = False,
                      **options: float) -> NatsBus:
        """Connect to the server at ``url`` (as ``user`` where the server wants one); a server
        not there is a one-line NatsError. ``durable``: use the run's stream if the server
        has JetStream (else warn and go on without). ``wire``: the run's message kinds."""
        bus = cls(run_id, wire=wire, peers=peers, durable=durable, **options)
        await bus._conn.open(url, connect_timeout, user, password)
        bus._conn.spawn(bus._beat())
        if bus._jetstream is not None and not await bus._jetstream.available():
            bus._jetstream = None
        return bus

    @property
    def durable(self) -> bool:
        """Whether inboxes go through the run's JetStream stream (see ``durable``)."""
        return self._jetstream is not None

    @property
    def resumed(self) -> dict[str, int]:
        """Agents that resumed here, and how many stream messages they had been delivered."""
        return {} if self._jetstream is None else self._jetstream.resumed

    @property
    def js(self) -> JetStreamContext:
        """The JetStream context of a durable bus."""
        if self._jetstream is None:
            raise ProtocolError(f"run {self.run_id} is not durable")
        return self._jetstream.js

    async def create_stream(self) -> None:
        """(The director, before any agent starts) a new stream for the run: an older
        stream of the same run id is deleted. Nothing on a bus that is not durable."""
        if self._jetstream is not None:
            await self._jetstream.create()

    async def keep_ledger(self, episode: int, ledger: list[CommitmentRecord]) -> None:
        """(Durable) one stream message per episode with its ledger changes, id
        ``ledger:<episode>``: kept once however often it is sent."""
        if self._jetstream is not None:
            await self._jetstream.keep_ledger(episode, ledger)

    # --- the bus contract -----------------------------------------------------------
    def register(self, agent: Mailbox) -> None:
        token(agent.id, "agent id")
        if agent.id in self._agents:
            raise ProtocolError(f"two agents named {agent.id!r}")
        self._agents[agent.id] = agent
        self._seen[agent.id] = _Recent(None if self.durable else 1024)
        self._subscribing.append(asyncio.get_running_loop().create_task(self._listen(agent)))
        agent.attach(self)

    async def _listen(self, agent: Mailbox) -> None:
        async def inbox(msg: Msg) -> None:
            await self._receive(agent, msg)

        async def take(subject: str, data: bytes) -> None:
            await self._take(agent, subject, data)
        inbox_subject = self._conn.subject("agent", agent.id, "from", "*")
        stream = self._jetstream
        if stream is not None and not await stream.consume(agent.id, inbox_subject, take,
                                                           self._idle):
            # no stream: nor is this bus durable (it has not published yet: publishing
            # waits for the subscriptions)
            self._jetstream = stream = None
        if stream is None:
            await self._conn.nc.subscribe(inbox_subject, cb=inbox)
        role = self._conn.subject("role", token(agent.role, "role"), "from", "*")
        await self._conn.nc.subscribe(role, cb=inbox)

    async def _settle(self) -> None:
        """Wait until every registered agent's subscriptions are at the server."""
        if self._subscribing:
            pending, self._subscribing = self._subscribing, []
            await asyncio.gather(*pending)
            await self._conn.nc.flush()

    def now(self) -> float:
        return round(time.time(), 6)

    async def publish(self, envelope: Envelope) -> None:
        await self._settle()
        data = envelope.to_json().encode()
        sender = token(envelope.sender, "agent id")
        if envelope.recipient.startswith(ROLE):
            role = token(envelope.recipient.removeprefix(ROLE), "role")
            await self._conn.nc.publish(self._conn.subject("role", role, "from", sender), data)
            return
        inbox = self._conn.subject("agent", token(envelope.recipient, "agent id"), "from",
                                   sender)
        unknown = ProtocolError(f"{envelope.sender} sent {envelope.kind!r} to unknown agent "
                                f"{envelope.recipient!r}")
        if self.durable and self.peers is not None and envelope.recipient not in self.peers:
            raise unknown
        try:
            if self._jetstream is not None:
                await self._jetstream.publish(inbox, data, envelope.id)
            else:
                await self._conn.acked(lambda: self._conn.nc.request(inbox, data,
                                                                     timeout=self._ack))
        except NoRespondersError:
            raise unknown from None
        except TimeoutError:
            taker = f"the stream {self.stream}" if self.durable else envelope.recipient
            raise ProtocolError(f"{taker} did not take {envelope.kind!r} from "
                                f"{envelope.sender} within {self._ack:g} s") from None

    async def _receive(self, agent: Mailbox, msg: Msg) -> None:
        """Ack, validate, trace and deliver one message; reject what is malformed or
        claims another sender than the subject's (who sent it, as the server knows)."""
        if msg.reply:
            await msg.respond(b"")
        await self._take(agent, msg.subject, msg.data)

    async def _take(self, agent: Mailbox, subject: str, data: bytes) -> None:
        """Validate, trace and deliver one message to ``agent``."""
        sender = subject.rsplit(".", 1)[1]
        if self.peers is not None and sender not in self.peers:
            log.warning("%s dropped a message from %s, not an agent of run %s", agent.id,
                        sender, self.run_id)
            return
        try:
            env = self.wire.parse(data)
            if env.run != self.run_id:
                raise MalformedMessage(f"run: {env.run!r} is not this run ({self.run_id!r})")
            if env.sender != sender:
                raise MalformedMessage(f"sender: {env.sender!r} but it came from {sender!r}")
        except MalformedMessage as exc:
            await self._reject(agent, sender, data, str(exc))
            return
        if not self._seen[agent.id].first(env.id):
            return  # sent again after a reconnect, but it had come through
        trace = self._conn.subject("trace", agent.id)
        await self._conn.nc.publish(trace, data)  # before it acts
        now = time.monotonic()
        self._recent.append((now, trace, data))
        while self._recent[0][0] < now - RETRACE:
            self._recent.popleft()
        agent.deliver(env)

    async def _retrace(self) -> None:
        """Publish again the traces of the last ``RETRACE`` seconds: those a lost server had
        not passed on yet (the observer drops a trace it already has); the observer, back
        itself, calls the roll for that, which agents answer so."""
        if self._observer.observing:
            with suppress(NatsClientError):
                await self._conn.nc.publish(self._conn.subject("roll"), b"")
        for _, trace, data in [*self._recent]:
            with suppress(NatsClientError):
                await self._conn.nc.publish(trace, data)

    async def _reject(self, agent: Mailbox, sender: str, data: bytes, reason: str) -> None:
        log.warning("%s rejected a malformed message from %s: %s", agent.id, sender, reason)
        try:
            await agent.send(sender, ErrorReply(reason=f"malformed message: {reason}"),
                             in_reply_to=_msg_id(data))
        except ProtocolError as exc:
            log.warning("%s could not answer it: %s", agent.id, exc)

    def wake(self, agent: Mailbox) -> None:
        self._active += 1
        self._busy.set()
        self._idle.clear()

    def block(self, agent: Mailbox) -> None:
        self._active -= 1
        if self._active <= 0:
            self._busy.clear()
            self._idle.set()
        if agent.failure is not None:
            self.fail(agent.failure)
            reason = json.dumps({"reason": str(agent.failure)})
            failed = self._conn.subject("failed", agent.id)
            self._conn.spawn(self._conn.nc.publish(failed, reason.encode()))

    def fail(self, exc: BaseException) -> None:
        """Make ``run_until`` (and ``await_agents``) raise ``exc``; the first failure wins."""
        self._conn.fail(exc)

    async def _beat(self) -> None:
        while True:
            await self._busy.wait()
            with suppress(NatsClientError):  # in the name of this process's (first) agent
                busy = self._conn.subject("busy", next(iter(self._agents)))
                await self._conn.nc.publish(busy, b"")
            await asyncio.sleep(self._heartbeat)

    # --- the negotiating process ----------------------------------------------------
    async def run_until(self, coro: Coroutine[Any, Any, T], owner: Mailbox) -> T:
        await self._settle()
        await self._observer.listen()
        task = self.start(coro, owner)
        try:
            return await self._observer.follow(task)
        finally:
            await cancel(task)

    async def await_agents(self, ids: Collection[str], timeout: float) -> None:
        """Wait until every agent in ``ids`` listens (a roll call, then their announcements)."""
        await self._observer.roll_call(ids, timeout)

    async def end_run(self) -> None:
        """Tell every agent process of the run that it is over."""
        with suppress(NatsClientError):
            await self._conn.nc.publish(self._conn.subject("end"), b"")
            await self._conn.nc.flush()

    # --- an agent process -----------------------------------------------------------
    async def serve(self) -> None:
        """Deliver to this process's agents until the run ends (or the server is lost, or
        refuses a subscription or a message: then that is raised)."""
        await self._settle()

        async def roll(msg: Msg) -> None:  # also after the observer's reconnect
            await self._announce()
            await self._retrace()
        await self._conn.nc.subscribe(self._conn.subject("roll"), cb=roll)
        await self._announce()
        await self._conn.ended.wait()
        if self._conn.refusal is not None:
            raise self._conn.refusal

    async def _announce(self) -> None:
        for agent_id in sorted(self._agents):
            await self._conn.nc.publish(self._conn.subject("ready", agent_id), b"")

    async def close(self) -> None:
        for agent in self._agents.values():
            await agent.stop()
        for task in self._subscribing:
            await cancel(task)
        await self._conn.close()
        self.trace.close()
