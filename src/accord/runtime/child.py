"""Child processes a run starts (the local nats-server, agent processes) in a session of
their own, so that a Ctrl-C at the terminal reaches the run's process alone and it stops
them in order; on Linux each also ends with its parent, should the parent die first."""

from __future__ import annotations

import ctypes
import signal
import sys
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def detached() -> dict[str, Any]:
    """Keyword arguments for ``subprocess.Popen`` or ``asyncio.create_subprocess_exec``."""
    if sys.platform.startswith("linux"):
        return {"start_new_session": True, "preexec_fn": _die_with_parent}
    return {"start_new_session": True}
