"""``accord import``: build a scenario from a public benchmark file."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from accord.domains.university import protocol_options
from accord.domains.university.itc2007 import read_ctt
from accord.domains.university.split import split

app = typer.Typer(help="Import public benchmark formats as scenarios.", no_args_is_help=True)


@app.command("itc2007")
def itc2007(
    ctt: Path = typer.Argument(..., help="ITC-2007 track 3 instance (.ctt)"),
    departments: int = typer.Option(..., "--departments", "-k", min=1,
                                    help="departments to split the courses into"),
    output: Path = typer.Option(None, "--output", "-o", help="scenario YAML (default: stdout)"),
    seed: int = typer.Option(0, "--seed"),
    time_limit: float = typer.Option(60.0, "--time-limit", min=1.0,
                                     help="wall seconds of central and negotiate (stored)"),
) -> None:
    """Split an ITC-2007 instance into departments that share all rooms."""
    inst = read_ctt(ctt)
    sc, crossing = split(inst, departments, seed=seed)
    options = protocol_options(time_limit, departments)
    sc = sc.model_copy(update={"protocol": "negotiate", "protocol_options": {
        p: options[p] for p in ("central", "negotiate", "first-commit")}})
    text = yaml.safe_dump(sc.model_dump(mode="json"), sort_keys=False)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
    typer.echo(f"{inst.name}: {len(inst.courses)} courses in {len(sc.departments)} "
               f"departments; {crossing} of {len(inst.curricula)} curricula cross "
               "departments", err=True)
