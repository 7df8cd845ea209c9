"""The document's utility and acceptance threshold, shared by groups and professors."""

from __future__ import annotations

from accord.protocols.classes.options import ClassesOptions

EPS = 1e-9


def utility(fits: bool, delta_goal: float, weighted_priority: float, preference: float,
            options: ClassesOptions) -> float:
    """The document's utility: 0 when the proposal breaks the timetable; else Δgoal ×
    (weighted priority + preference), each weighted, when Δgoal > 0; else 0."""
    if not fits or delta_goal <= 0:
        return 0.0
    return delta_goal * (options.priority_weight * weighted_priority
                         + options.preference_weight * preference)


def threshold(options: ClassesOptions, rnd: int) -> float:
    """The acceptance threshold in round ``rnd``: it concedes with negotiation time."""
    return options.acceptance_threshold * (1 - options.concession) ** rnd
