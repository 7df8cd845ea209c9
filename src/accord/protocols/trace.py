"""Cost over time, carried in an episode's metrics: ``trace.<agent>.<i>.at_seconds`` (since
the episode began) and ``trace.<agent>.<i>.cost``, one trace per recording agent."""

from __future__ import annotations

from collections.abc import Sequence


def trace_metrics(agent: str, trace: Sequence[tuple[float, int]]) -> dict[str, float]:
    """An agent's (seconds, cost) trace as episode metrics."""
    out: dict[str, float] = {}
    for i, (seconds, cost) in enumerate(trace):
        out[f"trace.{agent}.{i}.at_seconds"] = round(seconds, 4)
        out[f"trace.{agent}.{i}.cost"] = float(cost)
    return out


def read_trace(metrics: dict[str, float], agent: str) -> list[tuple[float, int]]:
    """The trace ``trace_metrics`` wrote for ``agent``, in time order."""
    out: list[tuple[float, int]] = []
    while (at := f"trace.{agent}.{len(out)}.at_seconds") in metrics:
        out.append((metrics[at], int(metrics[f"trace.{agent}.{len(out)}.cost"])))
    return out
