"""``accord generate DOMAIN``: the seeded scenario generators the domains declare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from accord.app.registry import DOMAINS
from accord.cli.options import command
from accord.cli.scenario_io import write_scenario
from accord.contract import Generator

app = typer.Typer(help="Generate seeded scenarios.", no_args_is_help=True)


def _act(gen: Generator) -> Any:
    def act(options: Any, output: Path | None) -> None:
        sc = gen.make(options)
        write_scenario(sc, output, note=f"wrote {output}: {sc.description}")
    return act


for _domain in DOMAINS.values():
    for _gen in _domain.formats.generators:
        app.command(_gen.name)(command(_gen.options, _gen.summary, f"generate {_gen.name}",
                                       _act(_gen)))
