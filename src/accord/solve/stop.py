"""Stopping every solve of the process at once, for an interrupt (Ctrl-C, SIGTERM).

CP-SAT's own SIGINT handler is off in every solve (``catch_sigint_signal``): it is one
process-wide C++ handler that each solve installs and its end removes, so with solves in
several threads a Ctrl-C could call a removed one and abort the process
(``std::bad_function_call``). The application handles the signal instead and calls
``stop_all``: each running solve stops with the best it has, and later ones return at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ortools.sat.python import cp_model

_lock = threading.Lock()
_running: set[cp_model.CpSolver] = set()
_stopped = threading.Event()


RETRY_SECONDS = 0.05
"""How often the running solves are told again to stop, until ``resume``."""


def _keep_stopping() -> None:
    """A solve's stop request is lost when it comes before the search begins (``stop_search``
    reaches only a search under way): tell every registered solve again until ``resume``."""
    while _stopped.is_set():
        with _lock:
            for solver in _running:
                solver.stop_search()
        time.sleep(RETRY_SECONDS)


def stop_all() -> None:
    """Stop every running solve; solves started until ``resume`` return at once."""
    if _stopped.is_set():
        return
    _stopped.set()
    threading.Thread(target=_keep_stopping, name="stop-solves", daemon=True).start()


def resume() -> None:
    """Let solves run again (a new run in the same process)."""
    _stopped.clear()


def stopped() -> bool:
    """Whether ``stop_all`` was called since the last ``resume``."""
    return _stopped.is_set()


@contextmanager
def stoppable(solver: cp_model.CpSolver) -> Iterator[bool]:
    """Within the block, ``stop_all`` stops ``solver``'s search; yields False when the
    solves are already stopped (the block should not start it)."""
    solver.parameters.catch_sigint_signal = False
    with _lock:
        _running.add(solver)
    try:
        yield not _stopped.is_set()
    finally:
        with _lock:
            _running.discard(solver)
