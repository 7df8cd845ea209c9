"""The university benchmark's time-to-quality curve: the best official cost each run had
reached at each moment, median over the seeds, per instance, K and protocol, and the
sum over the instances once every one of them has a timetable.

A run's trace holds a point each time its timetable got better: ``central`` from
CP-SAT's first timetable on, ``negotiate`` from the first requests that fit together
(the end of a priced round, or the grants). Before its first point a run has no
feasible merged timetable, and the curve has no value there. ``central``'s points are
its official cost; ``negotiate``'s are the departments' summed cost shifted so that the
last is the official cost: each department counts a shared curriculum's compactness
over all its lectures, so a point before the last is near the official cost, not
exactly it."""

from __future__ import annotations

from statistics import median
from typing import Any

from rich.console import Console

import report

POINTS = 12
"""Moments on the curve: the budget in twelfths."""

INF = float("inf")


def cost_at(trace: list[list[float]] | None, at: float) -> float | None:
    """The cost a run's ``trace`` had reached by ``at`` seconds (None before its first
    point or without a trace)."""
    got = [c for t, c in trace or [] if t <= at]
    return min(got) if got else None


def curve(rows: list[dict[str, Any]]) -> tuple[list[float], list[dict[str, Any]]]:
    """The moments and, per (K, protocol), the sum over the instances of the median cost
    at each moment (None while some instance's median has no value), with the rows of
    every instance (``instance``, ``k``, ``protocol``, ``costs``); nothing without
    traces."""
    traced = [r for r in rows if r.get("trace")]
    if not traced:
        return [], []
    budget = max(r["budget"] for r in traced)
    moments = [round(budget * i / POINTS, 1) for i in range(1, POINTS + 1)]
    groups: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for r in traced:
        groups.setdefault((r["instance"], r["k"], r["protocol"]), []).append(r)
    out: list[dict[str, Any]] = []
    for (name, k, p), rs in sorted(groups.items(), key=lambda g: (g[0][1], g[0][2], g[0][0])):
        costs = []
        for t in moments:
            # a seed without a timetable yet counts as costlier than any: the median has
            # a value once more than half of the seeds have one
            m = median(INF if c is None else c for c in (cost_at(r["trace"], t) for r in rs))
            costs.append(None if m == INF else m)
        out.append({"instance": name, "k": k, "protocol": p, "seeds": len(rs),
                    "costs": costs})
    sums: dict[tuple[int, str], dict[str, Any]] = {}
    for row in out:
        s = sums.setdefault((row["k"], row["protocol"]), {
            "instance": "sum", "k": row["k"], "protocol": row["protocol"],
            "seeds": row["seeds"], "costs": [0.0] * POINTS})
        s["costs"] = [None if a is None or b is None else a + b
                      for a, b in zip(s["costs"], row["costs"], strict=True)]
    return moments, out + list(sums.values())


def curve_columns(moments: list[float]) -> list[str]:
    """The curve table's columns."""
    return ["instance", "K", "protocol", "seeds", *(f"{t:g} s" for t in moments)]


def curve_cells(row: dict[str, Any]) -> list[str]:
    """One curve row's cells ("-" before a timetable)."""
    return [row["instance"], str(row["k"]), row["protocol"], str(row["seeds"]),
            *(report.opt(c, "{:g}") for c in row["costs"])]


def show(console: Console, moments: list[float], table: list[dict[str, Any]]) -> str:
    """Print the curve's table (``curve``'s) and return it as Markdown ("" when empty)."""
    if not table:
        return ""
    columns = curve_columns(moments)
    console.print(report.table("university: median cost reached by each moment (time to "
                               "quality)", columns, table, curve_cells))
    return report.markdown(columns, table, curve_cells)


def plot(moments: list[float], table: list[dict[str, Any]], path: Any) -> None:
    """Draw the sums' curves of ``curve``'s table (cost against seconds, one line per K
    and protocol) as an image (SVG or PNG by the file's name)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first_k = min((r["k"] for r in table), default=0)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for row in table:
        central = row["protocol"].startswith("central")
        if row["instance"] != "sum" or (central and row["k"] != first_k):
            continue  # central does not depend on K: drawn once
        pts = [(t, c) for t, c in zip(moments, row["costs"], strict=True) if c is not None]
        if pts:
            label = row["protocol"] if central else f"{row['protocol']} K = {row['k']}"
            ax.plot([t for t, _ in pts], [c for _, c in pts], "o-" if central else "s--",
                    label=label)
    ax.set_xlabel("seconds")
    ax.set_ylabel("sum of median official costs")
    ax.set_title("Time to quality (once every instance has a timetable)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
