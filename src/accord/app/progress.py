"""What a run is doing now, followed on its bus's trace (every message as it is delivered)
and the episodes it ended: for a live display (``cli.progress``).

The runner tells ``Watch`` when each episode starts; the watch then reads each message as
it passes: the phase (the kind of the last message), the round (the last ``round`` a
message carried), the global cost as the members reported it (the sum of each one's last
reported ``cost``) and the seconds left (the last ``seconds`` a manager granted, else the
protocol's time budget per episode less the time spent)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from accord.app.registry import resolve
from accord.model.messages import Envelope
from accord.model.scenario import ScenarioBase
from accord.runtime.trace import Trace


@dataclass(frozen=True)
class Snapshot:
    """A run at one moment."""

    episode: int | None
    done: int
    phase: str
    round: int | None
    cost: int | None
    seconds_left: float | None
    messages: int
    last_cost: int | None


@dataclass
class Watch:
    """Follows a run's episodes on its trace; ``budget``: the protocol's wall seconds per
    episode, if it has one."""

    budget: float | None = None
    done: int = 0
    phase: str = "starting"
    last_cost: int | None = None
    """The official global cost of the last episode evaluated."""
    _trace: Trace | None = None
    _episode: int | None = None
    _started: float = 0.0
    _round: int | None = None
    _costs: dict[str, int] = field(default_factory=dict)
    _deadline: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def waiting(self, holder: str) -> None:
        """The run waits for the ledger, held by ``holder``."""
        self.phase = f"waiting for the ledger: {holder}"

    def started(self, episode: int, trace: Trace) -> None:
        """Episode ``episode`` starts; its messages are traced on ``trace``."""
        with self._lock:
            if trace is not self._trace:
                self._trace = trace
                trace.follow(self._heard)
            self._episode = episode
            self._started, self._round, self._costs = time.monotonic(), None, {}
            self._deadline = None if self.budget is None else self._started + self.budget
            self.phase = "negotiating"

    def _heard(self, env: Envelope) -> None:
        """A message was delivered (called on the run's event loop)."""
        body = env.body
        with self._lock:
            self.phase = env.kind
            if isinstance(r := getattr(body, "round", None), int):
                self._round = r
            if isinstance(c := getattr(body, "cost", None), int):
                self._costs[env.sender] = c
            if isinstance(s := getattr(body, "seconds", None), float | int):
                self._deadline = time.monotonic() + s

    def ended(self, phase: str = "storing") -> None:
        """The episode's messages are all in; what the run does next."""
        self.done += 1
        self.phase = phase

    def evaluated(self, cost: int) -> None:
        """The episode's global cost, by the benchmark's definition."""
        self.last_cost = cost

    def snapshot(self) -> Snapshot:
        """The run now (safe to call from another thread)."""
        with self._lock:
            left = (None if self._deadline is None
                    else max(0.0, self._deadline - time.monotonic()))
            return Snapshot(self._episode, self.done, self.phase, self._round,
                            sum(self._costs.values()) if self._costs else None, left,
                            0 if self._trace is None else len(self._trace), self.last_cost)


def episode_budget(scenario: ScenarioBase, protocol: str) -> float | None:
    """The protocol's wall seconds per episode in this scenario, where it has such an
    option (``time_budget``, or a central solve's ``time_limit``)."""
    _, _, options = resolve(scenario, protocol)
    for name in ("time_budget", "time_limit"):
        value = getattr(options, name, None)
        if isinstance(value, int | float):
            return float(value)
    return None
