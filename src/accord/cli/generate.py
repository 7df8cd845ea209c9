"""``accord generate``: seeded scenario generators, one subcommand per domain."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from accord.domains.dismissal.generate import generate as generate_dismissal
from accord.domains.nursing.generate import generate as generate_nursing
from accord.model.scenario import ScenarioBase

app = typer.Typer(help="Generate seeded scenarios.", no_args_is_help=True)


@app.command("dismissal")
def dismissal(
    classrooms: int = typer.Option(30, "--classrooms", min=1),
    bottlenecks: int = typer.Option(1, "--bottlenecks", min=1),
    seed: int = typer.Option(1, "--seed"),
    load: float = typer.Option(0.7, "--load", min=0.05, max=1.0,
                               help="share of batch capacity the students fill"),
    output: Path = typer.Option(None, "--output", "-o", help="YAML file (default: stdout)"),
) -> None:
    """A dismissal scenario that is feasible by construction."""
    _write(generate_dismissal(classrooms, bottlenecks, seed, load=load), output)


@app.command("nursing")
def nursing(
    wards: int = typer.Option(4, "--wards", min=1),
    nurses: int = typer.Option(30, "--nurses", min=1, help="nurses per ward"),
    lines: int = typer.Option(5, "--lines", min=1),
    seed: int = typer.Option(1, "--seed"),
    output: Path = typer.Option(None, "--output", "-o", help="YAML file (default: stdout)"),
) -> None:
    """The seed's toy hospital: wards, nurses, 21 shifts, transportation lines."""
    _write(generate_nursing(wards, nurses, lines, seed), output)


def _write(sc: ScenarioBase, output: Path | None) -> None:
    text = yaml.safe_dump(sc.model_dump(mode="json", exclude_defaults=False), sort_keys=False)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        typer.echo(f"wrote {output}: {sc.description}")
