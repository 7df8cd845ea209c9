"""``accord export``: write a stored run's timetable in a standard format.

``itc2007`` writes the merged timetable as one competition ``.sol`` file; ``csv`` and
``ics`` write one file per department (``DIR/<department>.csv`` or ``.ics``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from accord.domains.university import lectures_of
from accord.domains.university.calendar import sessions, to_csv, to_ics
from accord.domains.university.itc2007 import format_sol
from accord.domains.university.scenario import UniversityScenario
from accord.model.errors import AccordError
from accord.store import Store

FORMATS = ("itc2007", "csv", "ics")


def export(
    run_id: str = typer.Argument(..., help="run id (see accord show)"),
    db: str = typer.Option("accord.db", "--db", help="SQLite file or SQLAlchemy URL"),
    fmt: str = typer.Option("itc2007", "--format",
                            help="itc2007 (one .sol file), csv or ics (a file per department)"),
    output: Path = typer.Option(..., "--output", "-o",
                                help="file to write (itc2007) or directory (csv, ics)"),
    episode: int = typer.Option(None, "--episode", help="default: the run's last"),
) -> None:
    """Export the timetable of one episode of a run."""
    if fmt not in FORMATS:
        raise AccordError(f"--format: unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    store = Store(db)
    try:
        run = store.run(run_id)
        if run.domain != "university":
            raise AccordError(f"run {run_id} is a {run.domain} run; {fmt} export needs a "
                              "university run")
        episodes = [e.episode for e in store.episodes(run_id)]
        if not episodes:
            raise AccordError(f"run {run_id} has no stored episode")
        ep = episode if episode is not None else episodes[-1]
        if ep not in episodes:
            raise AccordError(f"--episode: run {run_id} has episodes {episodes}, not {ep}")
        plans = store.plans(run_id, ep)
    finally:
        store.close()
    if fmt == "itc2007":
        text = format_sol(lectures_of(plans))
        _write(output, text)
        typer.echo(f"wrote {output}: {text.count(chr(10))} lectures of run {run_id} "
                   f"episode {ep}")
        return
    sc = UniversityScenario.model_validate_json(run.scenario_json)
    stamp = datetime.fromisoformat(run.started_at).replace(tzinfo=None)
    if output.exists() and not output.is_dir():
        raise AccordError(f"--output: {output} is a file; {fmt} export writes a directory")
    output.mkdir(parents=True, exist_ok=True)
    for d in sc.departments:
        rows = sessions(sc, d.id, lectures_of({d.id: plans[d.id]}) if d.id in plans else [])
        text = to_csv(rows) if fmt == "csv" else to_ics(sc, d.id, rows, stamp)
        _write(output / f"{d.id}.{fmt}", text)
    typer.echo(f"wrote {len(sc.departments)} {fmt} files to {output} (run {run_id} "
               f"episode {ep})")


def _write(path: Path, text: str) -> None:
    """Write whole or not at all."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, newline="")
    tmp.replace(path)
