"""One process's connection to the NATS server for a run: reconnects, refusals, failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Coroutine
from contextlib import suppress
from typing import Any, TypeVar

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import AuthorizationError
from nats.errors import Error as NatsClientError

from accord.runtime.agent import cancel
from accord.runtime.nats.server import NatsError
from accord.runtime.nats.subjects import reply_prefix, subject, token
from accord.runtime.nats.tls import client_context

T = TypeVar("T")
log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0  # seconds to reach the server at start; then a one-line error
RECONNECT_WAIT = 0.5  # seconds between reconnect attempts once connected
RECONNECT_ATTEMPTS = 60  # about 30 s of server outage survived
PERMISSION_DENIED = "permissions violation"  # in the server's error for a refused subject
AUTH_REFUSED = "authorization violation"  # the server's error for a wrong user or password


class Connection:
    """A client of run ``run_id``'s server that survives a short outage and keeps the first
    failure (a refusal, the server lost for good, or one given to ``fail``): every wait
    here raises it."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.nc = Client()
        self.url = ""
        self._at = ""  # the server of ``url`` connected to (the last one)
        self.reconnects = 0
        """How often the server came back; a request sent meanwhile may have been lost."""
        self.ended = asyncio.Event()
        """Set when the run ends, or the server is lost or refuses this process."""
        self.refusal: NatsError | None = None
        """The server's first refusal of a publish or a subscription."""
        self.failure: BaseException | None = None
        self._failed = asyncio.Event()
        self._closing = False
        self._last_error: BaseException | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_reconnect: list[Callable[[], Coroutine[Any, Any, None]]] = []
        """Run (in the background) each time the connection is back, on any server."""

    async def open(self, url: str, timeout: float, user: str | None,
                   password: str | None) -> None:
        """Connect (as ``user`` where the server wants one) and hear the run's end; a
        server not there is a one-line NatsError. ``url`` may list a cluster's servers,
        comma-separated: the first that answers is used, the next ones when it is lost;
        ``tls://`` servers are verified against ``$ACCORD_NATS_CA`` (see ``tls``)."""
        self.url = url
        inbox = "_INBOX" if user is None else reply_prefix(self.run_id, token(user, "user"))
        servers = [u.strip() for u in url.split(",") if u.strip()]
        ctx = client_context()
        try:
            await asyncio.wait_for(self.nc.connect(
                servers, name=f"accord {self.run_id}", connect_timeout=max(1, round(timeout)),
                dont_randomize=True, tls=ctx,
                reconnect_time_wait=RECONNECT_WAIT,  # type: ignore[arg-type]  # float works
                max_reconnect_attempts=RECONNECT_ATTEMPTS,
                error_cb=self._on_error, disconnected_cb=self._on_disconnected,
                reconnected_cb=self._on_reconnected, closed_cb=self._on_closed,
                user=user, password=password, inbox_prefix=inbox), timeout)
        except (OSError, TimeoutError, NatsClientError, ValueError) as exc:
            self._closing = True
            await self.nc.close()
            why = str(self._last_error or exc) or f"no answer within {timeout:g} s"
            if isinstance(self._last_error or exc, AuthorizationError) or \
                    "authorization violation" in why.lower():
                who = (f"wrong password for user {user!r}, or no such user" if user else
                       "it wants a user and password (the credentials accord nats-config "
                       "writes: --creds)")
                raise NatsError(f"authorization failed at the NATS server {url}: {who}"
                                ) from None
            raise NatsError(f"cannot reach the NATS server at {url}: {why}") from None
        self._at = self._server()
        await self.nc.subscribe(self.subject("end"), cb=self._on_end)

    def subject(self, *parts: str) -> str:
        """A subject of this run."""
        return subject(self.run_id, *parts)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` in the background until it ends or ``close``."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def fail(self, exc: BaseException) -> None:
        """Make every wait here raise ``exc``; the first failure wins."""
        if self.failure is None:
            self.failure = exc
        self._failed.set()

    async def until(self, waits: Collection[asyncio.Future[Any]], timeout: float | None,
                    activity: asyncio.Event | None = None) -> bool:
        """Wait for any of ``waits`` (or ``activity``) until ``timeout``: False if none came.

        A failure meanwhile is raised."""
        extra = [asyncio.ensure_future(self._failed.wait())]
        if activity is not None:
            extra.append(asyncio.ensure_future(activity.wait()))
        try:
            done, _ = await asyncio.wait([*waits, *extra], timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            for e in extra:
                e.cancel()
        if self.failure is not None:
            raise self.failure
        return bool(done)

    async def api(self, call: Coroutine[Any, Any, T]) -> T:
        """Await ``call`` (a request), or a failure (a refusal) meanwhile."""
        fut = asyncio.ensure_future(call)
        try:
            await self.until({fut}, None)
        finally:
            if not fut.done():
                fut.cancel()
        return fut.result()

    async def acked(self, request: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Await ``request()``; if it timed out because the server was lost meanwhile (and
        the message perhaps with it), send it again: its receiver drops it if it came
        through after all."""
        while True:
            reconnects = self.reconnects
            try:
                await self.api(request())
                return
            except TimeoutError:
                if self.reconnects == reconnects:
                    raise

    async def close(self) -> None:
        """Stop the background tasks, then flush and close the connection."""
        for task in [*self._tasks]:
            await cancel(task)
        self._closing = True
        if not self.nc.is_closed:
            with suppress(NatsClientError, OSError, TimeoutError):
                await self.nc.flush(timeout=1)
            await self.nc.close()

    async def _on_error(self, exc: Exception) -> None:
        if AUTH_REFUSED not in str(self._last_error).lower():  # the server's word stays
            self._last_error = exc  # (not a reset that may follow it on the next attempt)
        if PERMISSION_DENIED in str(exc).lower():  # a publish or subscription refused
            log.error("nats %s refused: %s", self.url, exc)
            if self.refusal is None:
                self.refusal = NatsError(f"refused by the NATS server at {self.url}: "
                                         f"{str(exc).removeprefix('nats: ')}")
            self.fail(self.refusal)
            self.ended.set()  # an agent process ends: it is not who it claims to be
        elif self.nc.is_connected or self.nc.is_reconnecting:
            log.warning("nats %s: %s", self._at or self.url, exc)

    def _server(self) -> str:
        """The server connected to now (of the list in ``url``)."""
        at = self.nc.connected_url
        return self.url if at is None or "," not in self.url else f"{at.scheme}://{at.netloc}"

    async def _on_disconnected(self) -> None:
        if not self._closing:
            log.warning("lost the NATS server at %s; reconnecting", self._at)

    async def _on_reconnected(self) -> None:
        self.reconnects += 1
        self._at = self._server()
        log.warning("reconnected to the NATS server at %s", self._at)
        for again in self.on_reconnect:
            self.spawn(again())

    async def _on_closed(self) -> None:
        if not self._closing:
            self.fail(NatsError(f"lost the NATS server at {self.url}"))
        self.ended.set()

    async def _on_end(self, msg: Msg) -> None:
        self.ended.set()
