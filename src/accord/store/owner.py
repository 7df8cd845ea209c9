"""Which process runs a run, and whether it still lives.

An owner is ``host:pid:start`` (``start``: the process's start time in clock ticks since
boot, from /proc, so a reused pid is not taken for the dead one). On the same host a run
lives while its process does; from another host, while its heartbeat is recent."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

HEARTBEAT_SECONDS = 10.0
"""How often a running run writes its heartbeat."""

STALE_SECONDS = 60.0
"""A heartbeat older than this, from another host: the run's process is gone."""


def _start(pid: int) -> str:
    """The process's start time from /proc ('' where there is none, or no such process)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def me() -> str:
    """This process as an owner."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start(os.getpid())}"


def describe(owner: str | None) -> str:
    """``pid N on HOST`` for messages."""
    if not owner:
        return "an unknown process"
    host, pid, _ = owner.rsplit(":", 2)
    return f"pid {pid} on {host}"


def _process_lives(pid: int, start: str) -> bool:
    if start and os.path.isdir("/proc"):
        return _start(pid) == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def alive(owner: str | None, heartbeat_at: str | None) -> bool:
    """Whether the owner process still runs (None: a run of an accord without owners)."""
    if not owner:
        return False
    host, pid, start = owner.rsplit(":", 2)
    if host == socket.gethostname():
        return _process_lives(int(pid), start)
    if heartbeat_at is None:
        return False
    beat = datetime.fromisoformat(heartbeat_at)
    return datetime.now(UTC) - beat < timedelta(seconds=STALE_SECONDS)


def shown_status(status: str, owner: str | None, heartbeat_at: str | None) -> str:
    """A run's status as it is: ``running`` with its process gone is ``interrupted``."""
    return "interrupted" if status == "running" and not alive(owner, heartbeat_at) else status
