"""Typer commands made from a format's pydantic options: each field a ``--flag`` (or a
positional argument), validated by the model into a one-line error."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from accord.cli.outputs import check_file
from accord.model.scenario import validation_error

OUTPUT = "output"


def _help(info: FieldInfo) -> str | None:
    """The field's description with its range, e.g. ``classrooms (1 to 2000)``."""
    low = next((getattr(m, a) for m in info.metadata for a in ("ge", "gt") if hasattr(m, a)),
               None)
    high = next((getattr(m, a) for m in info.metadata for a in ("le", "lt") if hasattr(m, a)),
                None)
    if high is not None and abs(high) > 10**12:  # a seed's 64 bits go without saying
        high = low = None
    span = (f"{low} to {high}" if low is not None and high is not None else
            f"at least {low}" if low is not None else
            f"at most {high}" if high is not None else "")
    if not span:
        return info.description
    return f"{info.description} ({span})" if info.description else span


def _parameter(name: str, info: FieldInfo) -> inspect.Parameter:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    required = info.default is PydanticUndefined and info.default_factory is None
    default = ... if required else info.get_default(call_default_factory=True)
    if extra.get("argument"):
        spec = typer.Argument(default, help=_help(info), show_default=False)
    else:
        flags = [f"--{name.replace('_', '-')}", *([str(extra["flag"])] if "flag" in extra else [])]
        spec = typer.Option(default, *flags, help=_help(info))
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=spec,
                             annotation=info.annotation)


def command(options: type[BaseModel], summary: str, source: str,
            act: Callable[[BaseModel, Path | None], None]) -> Callable[..., None]:
    """A typer command with a parameter per field of ``options`` and ``-o/--output``;
    ``act`` gets the validated options and the output path."""
    output = inspect.Parameter(OUTPUT, inspect.Parameter.KEYWORD_ONLY, annotation=Path,
                               default=typer.Option(None, "--output", "-o",
                                                    help="file to write (default: stdout)"))

    def run(**values: Any) -> None:
        out = values.pop(OUTPUT)
        try:
            parsed = options.model_validate(values)
        except ValidationError as exc:
            raise validation_error(source, exc) from None
        check_file(out)
        try:
            act(parsed, out)
        except ValidationError as exc:  # what the options make is checked by its model too
            raise validation_error(source, exc) from None

    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [_parameter(n, f) for n, f in options.model_fields.items()] + [output])
    run.__doc__ = summary
    return run
