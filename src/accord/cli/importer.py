"""``accord import``: build a scenario from a public benchmark file."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from accord.domains.nursing.hospital import curtois_hospital
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
    _emit(yaml.safe_dump(sc.model_dump(mode="json"), sort_keys=False), output)
    typer.echo(f"{inst.name}: {len(inst.courses)} courses in {len(sc.departments)} "
               f"departments; {crossing} of {len(inst.curricula)} curricula cross "
               "departments", err=True)


@app.command("curtois")
def curtois(
    files: list[Path] = typer.Argument(..., help="Curtois & Qu instance(s); one ward each"),
    output: Path = typer.Option(None, "--output", "-o", help="scenario YAML (default: stdout)"),
    lines: int = typer.Option(0, "--lines", min=0,
                              help="transportation lines (0: nobody rides, the cost is the "
                                   "benchmark's)"),
    seed: int = typer.Option(1, "--seed", help="draws the lines and each nurse's home line"),
    time_limit: float = typer.Option(60.0, "--time-limit", min=1.0,
                                     help="wall seconds of transport and central (stored)"),
) -> None:
    """A nursing scenario whose wards are benchmark instances, sharing seeded lines."""
    sc = curtois_hospital(files, lines, seed, budget=time_limit)
    _emit(yaml.dump(sc.model_dump(mode="json"), Dumper=_BlockDumper, sort_keys=False), output)
    typer.echo(f"{sc.description}: {sum(len(w.home_lines()) for w in sc.wards)} nurses ride",
               err=True)


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings (an embedded benchmark file) as literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def _emit(text: str, output: Path | None) -> None:
    """The scenario's YAML to the file, or to stdout."""
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
