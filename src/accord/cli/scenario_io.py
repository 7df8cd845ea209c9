"""Writing a scenario as YAML, whole or not at all."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from accord.cli.outputs import write_text
from accord.model.scenario import ScenarioBase


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings (an embedded benchmark file) as literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def write_scenario(sc: ScenarioBase, output: Path | None, note: str | None = None) -> None:
    """The scenario's YAML to ``output``, or to stdout; ``note`` is echoed once written."""
    text = yaml.dump(sc.model_dump(mode="json"), Dumper=_BlockDumper, sort_keys=False)
    if output is None:
        typer.echo(text, nl=False)
        return
    write_text(output, text)
    if note:
        typer.echo(note)
