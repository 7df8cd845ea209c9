"""The buses a run can be staged on, by the scheme of ``--bus``: none for the embedded
in-memory bus, ``nats`` for a local server started for the run, ``nats://`` or ``tls://``
for a given server. Adding a bus is one entry in ``BUSES``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from accord.app.launcher import nats_stage
from accord.app.runner import Stage, in_memory
from accord.model.errors import AccordError

StageFactory = Callable[[str, float, Path | None, int | None], Stage]
"""Builds a stage from the ``--bus`` value, the stall timeout, a credentials directory and
the number of host processes (None: a process per agent)."""


def _memory(url: str, stall_timeout: float, creds: Path | None, hosts: int | None) -> Stage:
    if hosts is not None:
        raise AccordError("--hosts goes with --bus only")
    return in_memory


def _local_nats(url: str, stall_timeout: float, creds: Path | None,
                hosts: int | None) -> Stage:
    if creds is not None:
        raise AccordError("--creds goes with --bus nats://HOST:PORT only")
    return nats_stage(None, stall_timeout, hosts=hosts)


def _nats(url: str, stall_timeout: float, creds: Path | None, hosts: int | None) -> Stage:
    return nats_stage(url, stall_timeout, creds=creds, hosts=hosts)


BUSES: dict[str, StageFactory] = {"memory": _memory, "nats": _local_nats, "nats://": _nats,
                                  "tls://": _nats}
"""Each bus by the ``--bus`` value it answers: a name, or a URL scheme."""


def stage_for(bus: str | None, stall_timeout: float, creds: Path | None = None,
              hosts: int | None = None) -> Stage:
    """The stage ``--bus`` asks for (None: the embedded in-memory bus), its agents in
    ``hosts`` processes where given."""
    if creds is not None and not creds.is_dir():
        raise AccordError(f"--creds {creds}: no such directory")
    if bus is None and creds is not None:
        raise AccordError("--creds goes with --bus nats://HOST:PORT only")
    key = bus or "memory"
    factory = BUSES.get(key) or next(
        (f for scheme, f in BUSES.items() if scheme.endswith("://") and key.startswith(scheme)),
        None)
    if factory is None:
        known = ", ".join(b if not b.endswith("://") else b + "HOST:PORT" for b in BUSES)
        raise AccordError(f"--bus: unknown bus {bus!r} (known: {known})")
    return factory(key, stall_timeout, creds, hosts)
