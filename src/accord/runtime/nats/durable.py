"""Durable runs: the run's JetStream stream keeps every inbox message and the ledger.

A sender publishes to it (``Nats-Msg-Id``: the envelope id, so a message sent twice is
stored once); each agent reads its inbox through a durable push consumer named after it.
An agent process that starts where its consumer already exists resumes: it reads its inbox
again from the stream's start, handing each message already delivered before only once the
agent waits (as it did the first time), so a deterministic agent rebuilds its state and
sends the same messages again, which the stream drops as duplicates.

On a cluster (the connection knows of more than one server) the stream is replicated on
up to three nodes, a publish is sent again while the cluster elects a new leader, and a
consumer pushes one message at a time, so that one lost with a node comes again first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress

from nats.aio.msg import Msg
from nats.errors import Error as NatsClientError
from nats.errors import NoRespondersError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NoStreamResponseError, NotFoundError, ServiceUnavailableError

from accord.model.messages import CommitmentRecord
from accord.runtime.nats.cluster import replicas
from accord.runtime.nats.connection import Connection
from accord.runtime.nats.server import NatsError
from accord.runtime.nats.subjects import deliver_subject

log = logging.getLogger(__name__)

ACK_WAIT = 5.0  # seconds before JetStream delivers again a message whose ack was lost
DUPLICATE_WINDOW = 24 * 3600.0  # seconds JetStream remembers message ids (drops repeats)
STREAM_NOT_FOUND = 10059  # JetStream's error code
FAILOVER = 30.0  # seconds a cluster has to take a message again after losing a node
FAILOVER_WAIT = 0.25  # seconds between attempts meanwhile

Take = Callable[[str, bytes], Awaitable[None]]
"""Hands one message (its subject and data) to an agent."""


class Stream:
    """The run's stream ``name``, as one bus uses it over ``conn``."""

    def __init__(self, conn: Connection, name: str, timeout: float) -> None:
        self.conn, self.name = conn, name
        self.js = conn.nc.jetstream(timeout=timeout)
        self.resumed: dict[str, int] = {}
        """Agents that resumed here, and how many stream messages they had been delivered."""

    async def available(self) -> bool:
        """Whether the server has JetStream (if not: a warning)."""
        try:
            await self.conn.api(self.js.account_info())
        except (ServiceUnavailableError, NoRespondersError, TimeoutError):
            log.warning("the NATS server at %s has no JetStream: run %s is not durable (an "
                        "agent process that dies fails the run)", self.conn.url,
                        self.conn.run_id)
            return False
        return True

    async def create(self) -> None:
        """A new stream for the run: an older stream of the same run id is deleted."""
        with suppress(NotFoundError):
            await self.conn.api(self.js.delete_stream(self.name))
        await self.conn.api(self.js.add_stream(StreamConfig(
            name=self.name, subjects=[self.conn.subject("agent", ">"),
                                      self.conn.subject("ledger")],
            storage=StorageType.FILE, duplicate_window=DUPLICATE_WINDOW,
            num_replicas=replicas(self.cluster_size()))))

    def cluster_size(self) -> int:
        """How many servers the connection knows of (given and discovered): 1 unless the
        server is one of a cluster."""
        return len({u.netloc for u in self.conn.nc.servers}) or 1

    async def publish(self, subject: str, data: bytes, msg_id: str) -> None:
        """Store a message (once per ``msg_id``) and wait for the stream's ack; in a
        cluster, for up to ``FAILOVER`` seconds while the stream elects a new leader."""
        deadline = time.monotonic() + (FAILOVER if self.cluster_size() > 1 else 0.0)
        while True:
            try:
                await self.conn.acked(lambda: self.js.publish(
                    subject, data, stream=self.name, headers={"Nats-Msg-Id": msg_id}))
                return
            except NoStreamResponseError:
                # in a cluster, a reply may come from a node whose stream lost its leader
                if time.monotonic() >= deadline:
                    raise NatsError(f"no stream of run {self.conn.run_id} at "
                                    f"{self.conn.url} takes {subject}") from None
                log.warning("no stream of run %s took %s; again (the cluster may be "
                            "electing its leader)", self.conn.run_id, msg_id)
                await asyncio.sleep(FAILOVER_WAIT)
            except (NoRespondersError, ServiceUnavailableError, TimeoutError):
                if time.monotonic() >= deadline:
                    raise
                log.warning("the stream of run %s did not take %s; again (the cluster "
                            "may be electing its leader)", self.conn.run_id, msg_id)
                await asyncio.sleep(FAILOVER_WAIT)

    async def keep_ledger(self, episode: int, ledger: list[CommitmentRecord]) -> None:
        """One message per episode with its ledger changes, id ``ledger:<episode>``: kept
        once however often it is sent."""
        data = json.dumps({"episode": episode,
                           "records": [c.model_dump(mode="json") for c in ledger]})
        await self.publish(self.conn.subject("ledger"), data.encode(), f"ledger:{episode}")

    async def consume(self, agent_id: str, inbox: str, take: Take,
                      idle: asyncio.Event) -> bool:
        """Hand ``agent_id``'s inbox to ``take`` through its durable consumer; where the
        consumer exists (the agent ran before), read the inbox again from the start of the
        stream, the messages delivered before only while ``idle`` is set. False if the run
        has no stream (its director is not durable)."""
        delivered = 0
        try:
            info = await self.conn.api(self.js.consumer_info(self.name, agent_id))
            delivered = info.delivered.stream_seq if info.delivered else 0
            await self.conn.api(self.js.delete_consumer(self.name, agent_id))
            self.resumed[agent_id] = delivered
            log.warning("%s resumes on run %s: its inbox again from the stream's start "
                        "(%d stream messages had been delivered)", agent_id,
                        self.conn.run_id, delivered)
        except NotFoundError as exc:
            if exc.err_code == STREAM_NOT_FOUND:
                log.info("run %s has no stream at %s: not durable", self.conn.run_id,
                         self.conn.url)
                return False
        queue: asyncio.Queue[Msg] = asyncio.Queue()

        async def ack(msg: Msg) -> None:
            await msg.ack()  # at once: what matters is in the stream, and is read again
            queue.put_nowait(msg)
        deliver = deliver_subject(self.conn.run_id, agent_id)
        await self.conn.nc.subscribe(deliver, cb=ack)
        await self.conn.api(self.js.add_consumer(self.name, ConsumerConfig(
            name=agent_id, durable_name=agent_id, filter_subject=inbox,
            deliver_subject=deliver, deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT,
            # in a cluster one at a time: a push lost with a node comes again before the next
            max_ack_pending=1 if self.cluster_size() > 1 else None)))
        self.conn.spawn(self._feed(agent_id, queue, delivered, take, idle))
        return True

    async def _feed(self, agent_id: str, queue: asyncio.Queue[Msg], replay: int, take: Take,
                    idle: asyncio.Event) -> None:
        """Hand the consumer's messages to ``take`` in stream order; those up to stream
        sequence ``replay`` (and the first after) only once ``idle`` is set."""
        while True:
            msg = await queue.get()
            if replay:
                await idle.wait()
                if msg.metadata.sequence.stream > replay:
                    replay = 0
            try:
                await take(msg.subject, msg.data)
            except NatsClientError as exc:  # as a subscription's callback would: logged
                log.warning("%s could not take a message: %s", agent_id, exc)
