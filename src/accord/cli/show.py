"""``accord show``: a readable summary of a stored run."""

from __future__ import annotations

import json
import sys
from collections import Counter

import typer
from rich.console import Console
from rich.table import Table

from accord.app.registry import wire
from accord.store import Store
from accord.store.owner import describe, shown_status

console = Console(width=None if sys.stdout.isatty() else 160)
HASH_SHOWN = 12
"""Hex digits of the scenario hash in the list of runs (``show RUN`` prints all)."""


def show(
    run_id: str = typer.Argument(None, help="run id (omit to list the runs)"),
    db: str = typer.Option("accord.db", "--db", help="SQLite file or SQLAlchemy URL"),
) -> None:
    """Summarise a stored run: episodes, message kinds, ledger; or list the runs."""
    store = Store(db)
    try:
        if run_id is None:
            t = Table(title=f"runs in {store.url}")
            t.add_column("run", no_wrap=True)
            for col in ("scenario", "hash", "protocol", "seed", "episodes", "status",
                        "started"):
                t.add_column(col)
            for r in store.runs():
                n = len(store.episodes(r.id))
                t.add_row(r.id, r.scenario_name, (r.scenario_hash or "-")[:HASH_SHOWN],
                          r.protocol, str(r.seed),
                          f"{r.first_episode}..{r.first_episode + n - 1}" if n else "-",
                          shown_status(r.status, r.owner, r.heartbeat_at), r.started_at)
            console.print(t)
            return
        run = store.run(run_id)
        status = shown_status(run.status, run.owner, run.heartbeat_at)
        console.print(f"[bold]{run.id}[/]: {run.scenario_name} ({run.domain}), protocol "
                      f"{run.protocol}, seed {run.seed}, {status}, started {run.started_at}")
        console.print(f"scenario hash {run.scenario_hash or '-'}, ledger {run.ledger}"
                      + (f", run by {describe(run.owner)}" if run.owner else ""),
                      highlight=False)
        t = Table(title="episodes")
        for col in ("episode", "hard violations", "cost", "breakdown", "reference", "messages",
                    "bytes", "rounds", "wall s"):
            t.add_column(col, justify="right")
        for e in store.episodes(run.id):
            ref = "-" if e.reference_cost is None else str(e.reference_cost)
            breakdown = ", ".join(f"{k} {v}" for k, v in json.loads(e.cost_breakdown).items())
            t.add_row(str(e.episode), str(e.hard_violations), str(e.cost), breakdown, ref,
                      str(e.messages), str(e.bytes), str(e.rounds), f"{e.wall_seconds:.2f}")
        console.print(t)
        kinds = Counter(m.kind for m in store.messages(run.id, wire()))
        if kinds:
            console.print("messages by kind: " + ", ".join(f"{k} {n}" for k, n in
                                                           sorted(kinds.items())))
        ledger = store.ledger(run.ledger)
        counts = Counter(c.status for c in ledger)
        console.print(f"ledger {run.ledger}: {len(ledger)} commitments ("
                      + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())) + ")")
    finally:
        store.close()
