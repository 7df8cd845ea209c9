"""A bus's trace: every envelope it delivered, in order, without keeping the envelopes.

Each envelope is written as one line of JSON (``Envelope.to_json``) to a spool file as it
passes, and only its header (addresses, kind, ids, time) stays in memory: a run's memory
no longer grows with the bytes it sends (an envelope held as objects takes about 11 times
its JSON; at 80 departments a 10-minute episode sent about 1 GB). The runner stores an
episode's lines from the spool and then lets them go (``stored``). Listeners (a live
display) see each envelope as it is traced.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import IO, NamedTuple

from accord.model.messages import Envelope


class Header(NamedTuple):
    """What a trace keeps in memory of a delivered envelope."""

    sender: str
    recipient: str
    kind: str
    id: str
    in_reply_to: str | None
    sent_at: float


class Trace:
    """Delivered envelopes in order: headers in memory, JSON text in a spool file."""

    def __init__(self) -> None:
        self.headers: list[Header] = []
        self.bytes = 0
        """Bytes of JSON traced so far (stored or not)."""
        self._file: IO[bytes] | None = None
        self._offsets: list[int] = []
        """Where each envelope still spooled starts in the spool file."""
        self._first = 0
        """The index (in the whole trace) of the first envelope still spooled."""
        self._end = 0
        self._listeners: list[Callable[[Envelope], None]] = []

    @property
    def _spool(self) -> IO[bytes]:
        if self._file is None:  # made on first use: most buses of a host never trace
            self._file = tempfile.TemporaryFile(prefix="accord-trace-")  # noqa: SIM115 - closed by close()
        return self._file

    def __len__(self) -> int:
        return len(self.headers)

    def __iter__(self) -> Iterator[Header]:
        return iter(list(self.headers))

    def append(self, env: Envelope, text: str | None = None) -> None:
        """Trace ``env`` (``text``: its JSON text, where already at hand)."""
        data = (text if text is not None else env.to_json()).encode()
        self._spool.seek(self._end)
        self._spool.write(data + b"\n")
        self._offsets.append(self._end)
        self._end += len(data) + 1
        self.bytes += len(data)
        self.headers.append(Header(env.sender, env.recipient, env.kind, env.id,
                                   env.in_reply_to, env.sent_at))
        for listener in self._listeners:
            listener(env)

    def texts(self, start: int = 0) -> Iterator[str]:
        """The JSON text of each envelope from index ``start`` on, in order (only what is
        still spooled: not what ``stored`` let go)."""
        if start < self._first:
            raise ValueError(f"trace entries before {self._first} were stored and dropped")
        end = len(self._offsets)
        i = start - self._first
        while i < end:
            self._spool.flush()
            self._spool.seek(self._offsets[i])
            line = self._spool.readline()
            i += 1
            yield line[:-1].decode()

    def stored(self) -> None:
        """Everything traced so far is stored elsewhere: drop it from the spool."""
        if self._file is not None:
            self._file.truncate(0)
        self._first, self._offsets, self._end = len(self.headers), [], 0

    def follow(self, listener: Callable[[Envelope], None]) -> None:
        """Call ``listener`` with every envelope traced from now on."""
        self._listeners.append(listener)

    def close(self) -> None:
        """Remove the spool file."""
        if self._file is not None:
            self._file.close()
            self._file = None
