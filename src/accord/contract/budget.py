"""A local solve's budget: one meaning per field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """``work`` bounds a solve in its solver's deterministic work units (CP-SAT's
    deterministic time), so that the same seed gives the same plan on any machine;
    ``seconds``, when set, is the wall time left before the answer is due: the solve then
    stops with the best it has (a run so cut short is no longer reproducible)."""

    work: float = 5.0
    seconds: float | None = None

    def scaled(self, share: float) -> Budget:
        """The same budget with ``share`` of its work."""
        return Budget(work=share * self.work, seconds=self.seconds)
