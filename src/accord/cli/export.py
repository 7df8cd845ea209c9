"""``accord export``: write a stored run's merged timetable in a standard format."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.domains.university import lectures_of
from accord.domains.university.itc2007 import format_sol
from accord.model.errors import AccordError
from accord.store import Store


def export(
    run_id: str = typer.Argument(..., help="run id (see accord show)"),
    db: str = typer.Option("accord.db", "--db", help="SQLite file or SQLAlchemy URL"),
    fmt: str = typer.Option("itc2007", "--format", help="itc2007 (.sol)"),
    output: Path = typer.Option(..., "--output", "-o", help="file to write"),
    episode: int = typer.Option(None, "--episode", help="default: the run's last"),
) -> None:
    """Export the merged timetable of one episode of a run."""
    store = Store(db)
    try:
        run = store.run(run_id)
        if fmt != "itc2007":
            raise AccordError(f"--format: unknown format {fmt!r} (known: itc2007)")
        if run.domain != "university":
            raise AccordError(f"run {run_id} is a {run.domain} run; itc2007 export needs a "
                              "university run")
        episodes = [e.episode for e in store.episodes(run_id)]
        if not episodes:
            raise AccordError(f"run {run_id} has no stored episode")
        ep = episode if episode is not None else episodes[-1]
        if ep not in episodes:
            raise AccordError(f"--episode: run {run_id} has episodes {episodes}, not {ep}")
        text = format_sol(lectures_of(store.plans(run_id, ep)))
    finally:
        store.close()
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(output)
    typer.echo(f"wrote {output}: {text.count(chr(10))} lectures of run {run_id} episode {ep}")
