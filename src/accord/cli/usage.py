"""How the command line words its help and its usage errors: paragraphs that wrap to the
terminal, and a bad flag or value as one line."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import typer

from accord.app.registry import DOMAINS, protocol_names
from accord.contract import Domain


def paragraphs(doc: str | None) -> str:
    """A docstring as help text: the lines of each paragraph joined, so the terminal
    wraps them, never the source's line breaks."""
    text = inspect.cleandoc(doc or "")
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))


def usage_line(exc: typer.TyperException) -> str:
    """One line for a usage error: the command, what is wrong, where help is."""
    ctx = getattr(exc, "ctx", None)
    message = " ".join(exc.format_message().split())
    if ctx is None:
        return message
    return f"{ctx.command_path}: {message} (see {ctx.command_path} --help)"


def by_domain(names: Callable[[Domain[Any]], Iterable[str]]) -> str:
    """Each domain's choices, ``domain: a, b; domain: c``."""
    return "; ".join(f"{d.name}: {', '.join(names(d)) or 'none'}" for d in DOMAINS.values())


PROTOCOL_HELP = "override the scenario's (" + by_domain(protocol_names) + ")"
"""The ``--protocol`` help: the protocols each domain runs."""

FORMAT_HELP = "a format of the run's domain (" + by_domain(
    lambda d: (e.name for e in d.formats.exporters)) + ")"
"""The ``export --format`` help: the exporters each domain declares."""
