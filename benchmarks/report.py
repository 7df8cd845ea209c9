"""What every benchmark does with its rows: the printed and the Markdown table, and the
``--json`` and ``--markdown`` files."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

Cells = Callable[[dict[str, Any]], list[str]]
"""One row's cells, in the columns' order."""


def opt(value: float | None, fmt: str) -> str:
    """A number formatted, or ``-`` when there is none."""
    return "-" if value is None else fmt.format(value)


def table(title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]], cells: Cells,
          left: Sequence[str] = ("instance", "protocol")) -> Table:
    """The printed table; the ``left`` columns are left-aligned, the others right."""
    t = Table(title=title)
    for col in columns:
        t.add_column(col, justify="left" if col in left else "right")
    for r in rows:
        t.add_row(*cells(r))
    return t


def markdown(columns: Sequence[str], rows: Sequence[dict[str, Any]], cells: Cells) -> str:
    """The rows as a Markdown table."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def outputs(**paths: Path | None) -> None:
    """Before any work: make the directory of each output file (keyword: its option, e.g.
    ``json=``); a directory where a file is expected, or a directory that cannot be made,
    is a one-line error."""
    for flag, path in paths.items():
        if path is None:
            continue
        hint = f"--{flag.replace('_', '-')} {path}"
        if path.is_dir():
            _fail(f"{hint}: is a directory; a file is expected")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            _fail(f"{hint}: cannot make its directory ({e.strerror or e})")


def _fail(message: str) -> None:
    """One line on stderr, exit 2 (as the command line does)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def write(console: Console, rows: list[dict[str, Any]], json_out: Path | None,
          markdown_out: Path | None, table: str) -> None:
    """Write the rows as JSON and the table as Markdown, where asked."""
    if json_out:
        json_out.write_text(json.dumps(rows, indent=2) + "\n")
        console.print(f"wrote {json_out}")
    if markdown_out:
        markdown_out.write_text(table)
        console.print(f"wrote {markdown_out}")


def read_json(text: str, where: str) -> Any:
    """JSON from a file or an option, or a one-line error naming ``where`` (the file or
    the option) and what is wrong."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise typer.BadParameter(f"not JSON: {e}", param_hint=where) from None


def read_rows(path: Path, where: str) -> list[dict[str, Any]]:
    """The rows of an earlier ``--json`` file (``where``: its option), or a one-line error."""
    try:
        rows = read_json(path.read_text(), f"{where} {path}")
    except OSError as e:
        raise typer.BadParameter(e.strerror or str(e), param_hint=f"{where} {path}") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "protocol" in r
                                             for r in rows):
        raise typer.BadParameter("not a list of benchmark rows", param_hint=f"{where} {path}")
    return rows


def time_to_common(rows: list[dict[str, Any]], variants: Sequence[str], cost: str = "cost",
                   out: str = "common_seconds", since: str | None = None) -> None:
    """Set ``out`` on the rows of ``variants`` with a cost trace (when there are several):
    when each first reached the highest of their final costs (the ``cost`` key: time to
    target, which compares variants that end at different costs); counted from the row's
    ``since`` seconds (None: from the start)."""
    pair = [r for r in rows if r["protocol"] in variants and r["trace"]
            and r.get(cost) is not None]
    if len(pair) < 2:
        return
    target = max(r[cost] for r in pair)
    for r in pair:
        start = r[since] if since else 0.0
        r[out] = next(t for t, c in r["trace"] if c <= target) - start
