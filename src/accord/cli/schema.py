"""``accord schema``: print the JSON Schema of the message envelope."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from accord.app.registry import wire
from accord.cli.outputs import check_file, write_text


def schema(
    output: Path = typer.Option(None, "--output", "-o", help="write to a file instead"),
) -> None:
    """Print the JSON Schema of the versioned message envelope and every message kind."""
    check_file(output)
    text = json.dumps(wire().schema(), indent=2, sort_keys=True) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_text(output, text)
