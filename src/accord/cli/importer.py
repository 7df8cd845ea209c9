"""``accord import FORMAT``: build a scenario from public benchmark files, with the
importers the domains declare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from accord.app.registry import DOMAINS
from accord.cli.options import command
from accord.cli.scenario_io import write_scenario
from accord.contract import Importer

app = typer.Typer(help="Import public benchmark formats as scenarios.", no_args_is_help=True)


def _act(imp: Importer) -> Any:
    def act(options: Any, output: Path | None) -> None:
        sc, note = imp.read(options)
        write_scenario(sc, output)
        typer.echo(note, err=True)
    return act


for _domain in DOMAINS.values():
    for _imp in _domain.formats.importers:
        app.command(_imp.name)(command(_imp.options, _imp.summary, f"import {_imp.name}",
                                       _act(_imp)))
