"""Ctrl-C (SIGINT) and SIGTERM during a run: handled in the event loop, never inside a
solver. The first signal stops every solve (``solve.stop``) and cancels the run's task,
which stores nothing more, marks the run ``interrupted`` and raises ``Interrupted`` with the
episodes already finished; a second signal gives the process back its default handlers
(a third one ends it at once)."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from accord.solve.stop import resume, stop_all

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(Exception):
    """A run ended by a signal; ``result`` holds the episodes it finished."""

    def __init__(self, signum: int, result: Any = None) -> None:
        self.signum = signum
        self.result = result
        super().__init__(f"interrupted by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        """The shell's code for a process ended by this signal: 128 + its number."""
        return 128 + self.signum


@dataclass
class Caught:
    """The signal that interrupted the run, if one did."""

    signum: int | None = None


@contextmanager
def interruptible(task: asyncio.Task[Any] | None = None) -> Iterator[Caught]:
    """Within the block, SIGINT or SIGTERM stops the solves and cancels ``task`` (default:
    the current one). Off the main thread signals cannot be handled: the block then only
    reports none."""
    caught = Caught()
    resume()
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    loop = asyncio.get_running_loop()
    target = task or asyncio.current_task()

    def handle(signum: int) -> None:
        stop_all()
        if caught.signum is None:
            caught.signum = signum
            if target is not None:
                target.cancel()
        else:  # a second signal: the defaults again, should the shutdown hang
            _restore(loop)

    for s in SIGNALS:
        loop.add_signal_handler(s, handle, s)
    try:
        yield caught
    finally:  # the solves stay stopped: their threads end after the loop (``asyncio.run``);
        _restore(loop)  # the caller resumes them then


def _restore(loop: asyncio.AbstractEventLoop) -> None:
    for s in SIGNALS:
        loop.remove_signal_handler(s)
