"""``accord export``: write a stored run's timetable in a standard format, with the
exporters the run's domain declares (university: ``itc2007`` writes one ``.sol`` file;
``csv`` and ``ics`` a file per department into a directory)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from accord.app.registry import get_domain
from accord.cli.scenario_io import write_text
from accord.model.errors import AccordError
from accord.store import Store


def export(
    run_id: str = typer.Argument(..., help="run id (see accord show)"),
    db: str = typer.Option("accord.db", "--db", help="SQLite file or SQLAlchemy URL"),
    fmt: str = typer.Option("itc2007", "--format",
                            help="a format of the run's domain (university: itc2007, one "
                                 ".sol file; csv or ics, a file per department)"),
    output: Path = typer.Option(..., "--output", "-o",
                                help="file to write, or directory for a file per agent"),
    episode: int = typer.Option(None, "--episode", help="default: the run's last"),
) -> None:
    """Export the timetable of one episode of a run."""
    store = Store(db)
    try:
        run = store.run(run_id)
        domain = get_domain(run.domain)
        formats = {e.name: e for e in domain.formats.exporters}
        if fmt not in formats:
            known = ", ".join(formats) or "none"
            raise AccordError(f"--format: unknown format {fmt!r} for a {run.domain} run "
                              f"(known: {known})")
        episodes = [e.episode for e in store.episodes(run_id)]
        if not episodes:
            raise AccordError(f"run {run_id} has no stored episode")
        ep = episode if episode is not None else episodes[-1]
        if ep not in episodes:
            raise AccordError(f"--episode: run {run_id} has episodes {episodes}, not {ep}")
        plans = store.plans(run_id, ep)
    finally:
        store.close()
    exporter = formats[fmt]
    sc = domain.scenario_type.model_validate_json(run.scenario_json)
    stamp = datetime.fromisoformat(run.started_at).replace(tzinfo=None)
    files = exporter.write(sc, plans, stamp)
    if not exporter.directory:
        write_text(output, files[""])
        typer.echo(f"wrote {output}: {files[''].count(chr(10))} lines of run {run_id} "
                   f"episode {ep}")
        return
    if output.exists() and not output.is_dir():
        raise AccordError(f"--output: {output} is a file; {fmt} export writes a directory")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AccordError(f"--output {output}: {exc.strerror or exc}") from None
    for name, text in files.items():
        write_text(output / name, text)
    typer.echo(f"wrote {len(files)} {fmt} files to {output} (run {run_id} episode {ep})")
