"""The university benchmark's summary: per instance, K and protocol over the seeds, and
the sums of the medians over the instances."""

from __future__ import annotations

from statistics import median
from typing import Any

import report

SUMMARY_COLUMNS = ["instance", "K", "protocol", "seeds", "hard (max)", "median cost",
                   "best cost", "best known", "median ÷ best known", "median ÷ central",
                   "median wall s", "max overrun s", "median messages"]


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (instance, K, protocol) over its seeds, then per (K, protocol) the sum
    over the instances (instance ``sum``; ratios of the sums)."""
    groups: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["instance"], r["k"], r["protocol"]), []).append(r)
    out = []
    for (name, k, p), rs in groups.items():
        out.append({"instance": name, "k": k, "protocol": p, "seeds": len(rs),
                    "hard": max(r["hard_violations"] for r in rs),
                    "median": median(r["cost"] for r in rs),
                    "best": min(r["cost"] for r in rs), "best_known": rs[0]["best_known"],
                    "wall": median(r["wall_seconds"] for r in rs),
                    "overrun": max(r["wall_seconds"] - r["budget"] for r in rs),
                    "messages": median(r.get("messages", 0) for r in rs)})
    central: dict[tuple[str, int], float] = {}
    for s in out:
        if s["protocol"] == "central":
            for k in {t["k"] for t in out}:
                central[s["instance"], k] = s["median"]
    for s in out:
        c = central.get((s["instance"], s["k"]))
        s["ratio_central"] = s["median"] / c if c else None
        s["ratio_best"] = s["median"] / s["best_known"] if s["best_known"] else None
    sums = {}
    for s in out:
        key = (s["k"], s["protocol"])
        t = sums.setdefault(key, {"instance": "sum", "k": s["k"], "protocol": s["protocol"],
                                  "seeds": s["seeds"], "hard": 0, "median": 0, "best": 0,
                                  "best_known": 0, "wall": 0.0, "overrun": s["overrun"],
                                  "messages": 0, "central": 0, "complete": True})
        t["hard"] = max(t["hard"], s["hard"])
        for f in ("median", "best", "wall", "messages"):
            t[f] += s[f]
        t["overrun"] = max(t["overrun"], s["overrun"])
        if s["best_known"] is None or (s["instance"], s["k"]) not in central:
            t["complete"] = False
        else:
            t["best_known"] += s["best_known"]
            t["central"] += central[s["instance"], s["k"]]
    for t in sums.values():
        ok = t.pop("complete")
        c = t.pop("central")
        t["ratio_central"] = t["median"] / c if ok and c else None
        t["ratio_best"] = t["median"] / t["best_known"] if ok and t["best_known"] else None
        if not ok:
            t["best_known"] = None
    return sorted(out, key=lambda s: (s["k"], s["instance"], s["protocol"])) + sorted(
        sums.values(), key=lambda s: (s["k"], s["protocol"]))


def summary_cells(s: dict[str, Any]) -> list[str]:
    """One summary row's cells, in ``SUMMARY_COLUMNS`` order."""
    return [s["instance"], str(s["k"]), s["protocol"], str(s["seeds"]), str(s["hard"]),
            f"{s['median']:g}", f"{s['best']:g}", report.opt(s["best_known"], "{}"),
            report.opt(s["ratio_best"], "{:.2f}"), report.opt(s["ratio_central"], "{:.2f}"),
            f"{s['wall']:.1f}", f"{s['overrun']:+.1f}", f"{s['messages']:g}"]
