"""``accord export``: write a stored run's timetable in a standard format, with the
exporters the run's domain declares (university: ``itc2007`` writes one ``.sol`` file,
``csv`` and ``ics`` a file per department; classes a file per group, professor and
classroom; dismissal a CSV per classroom; nursing a CSV or iCalendar roster per ward)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from accord.app.registry import get_domain
from accord.cli.outputs import check_directory, check_file, write_text
from accord.cli.usage import FORMAT_HELP
from accord.model.errors import AccordError
from accord.store import Store


def export(
    run_id: str = typer.Argument(..., help="run id (see accord show)"),
    db: str = typer.Option("accord.db", "--db", help="SQLite file or SQLAlchemy URL"),
    fmt: str = typer.Option(None, "--format",
                            help=FORMAT_HELP + "; default: the domain's first"),
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
        fmt = fmt or next(iter(formats), "")
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
        if formats[fmt].directory:
            check_directory(output)
        else:
            check_file(output)
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
    for name, text in files.items():
        write_text(output / name, text)
    typer.echo(f"wrote {len(files)} {fmt} files to {output} (run {run_id} episode {ep})")
