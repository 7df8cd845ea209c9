"""The time budget of a ``negotiate`` episode: the solver work still worth asking for."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from accord.protocols.negotiate.options import MIN_WORK

GRACE = 1.0
"""Wall seconds past the budget that re-plans of refused members may take in all: their
last chance of a plan that fits. Each such re-plan gets what is left of it (a department
then repairs with a bounded number of moves), so a run ends by its budget plus this, the
last repairs and the writing of its results (comp05 at K = 8, seed 2: 62.1 s with 1.5 s,
61.7 s with 1 s; before, one repair of a second at least per refused department,
one after another, had ended 4–5 s late)."""


class TimeBudget:
    """An episode's wall seconds (None: no budget) on the manager's ``clock``, and how
    long each member's call for changes takes at full work (its longest so far)."""

    def __init__(self, seconds: float | None, clock: Callable[[], float]) -> None:
        self.seconds, self.clock = seconds, clock
        self.started = 0.0
        self.asked: dict[str, float] = {}
        """Wall seconds of each member's call for changes at full work."""

    def start(self) -> None:
        """The episode starts now."""
        self.started = self.clock()

    def elapsed(self) -> float:
        """Wall seconds since the episode started."""
        return self.clock() - self.started

    def expect(self, members: Iterable[str], seconds: float) -> None:
        """A first estimate: each of ``members``' calls for changes takes ``seconds``."""
        self.asked = dict.fromkeys(members, seconds)

    def note(self, members: Iterable[str], since: float, work: float) -> None:
        """``members`` answered a call for changes asked at ``since`` with ``work``."""
        for m in members:
            self.asked[m] = max(self.asked.get(m, 0.0), (self.clock() - since) / work)

    def seconds_left(self) -> float | None:
        """Wall seconds the time budget leaves (None: no budget)."""
        return None if self.seconds is None else max(0.0, self.seconds - self.elapsed())

    def within(self, share: float | None) -> float | None:
        """Wall seconds left, but at most ``share`` of the whole budget (None: no
        budget; ``share`` None: all that is left)."""
        left = self.seconds_left()
        if left is None or self.seconds is None or share is None:
            return left
        return min(left, share * self.seconds)

    def last_chance(self, share: float | None = None) -> float | None:
        """Wall seconds for a refused member's re-plan: the time left, at most ``share``
        of the whole budget; past the budget, what is left of ``GRACE`` (None: no
        budget)."""
        if self.seconds is None:
            return None
        left = self.seconds - self.elapsed()
        return self.within(share) if left > 0 else max(0.0, left + GRACE)

    def work_left(self, asking: Iterable[str] = ()) -> float:
        """The share of their usual solver work that the members ``asking`` can spend on
        one more call for changes (as long, at full work, as their longest so far) before
        the time budget is spent; at most 1."""
        left = self.seconds_left()
        if left is None:
            return 1.0
        ahead = max((self.asked.get(m, 0.0) for m in asking), default=0.0)
        return min(1.0, left / ahead) if ahead > 0 else float(left > 0)

    def out_of_time(self, asking: Iterable[str] = ()) -> bool:
        """Whether the time budget is spent, or leaves the members ``asking`` less than
        ``MIN_WORK`` of their usual work for one more call for changes."""
        return self.work_left(asking) < MIN_WORK
