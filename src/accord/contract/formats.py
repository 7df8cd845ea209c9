"""The formats a domain declares: generators, importers and exporters, found by the CLI's
``generate``, ``import`` and ``export`` verbs through the registry.

Each declares its options as a pydantic model: the CLI turns every field into a
``--flag`` (its description the help; a field with ``json_schema_extra={"argument":
True}`` is a positional argument) and validates the values with the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase


@dataclass(frozen=True)
class Generator:
    """``accord generate NAME``: a seeded scenario from options."""

    name: str
    summary: str
    options: type[BaseModel]
    make: Callable[[Any], ScenarioBase]


@dataclass(frozen=True)
class Importer:
    """``accord import NAME FILE...``: a scenario from public benchmark files; ``read``
    returns the scenario and a one-line note for the user."""

    name: str
    summary: str
    options: type[BaseModel]
    read: Callable[[Any], tuple[ScenarioBase, str]]


@dataclass(frozen=True)
class Exporter:
    """``accord export RUN --format NAME``: an episode's plans in a standard format;
    ``write`` returns the files' names and contents (``directory``: one per agent, into
    the output directory; else one file, the output, whose usual suffix is ``suffix``)."""

    name: str
    summary: str
    directory: bool
    write: Callable[[Any, Mapping[str, Plan], datetime], dict[str, str]]
    suffix: str = "txt"


@dataclass(frozen=True)
class Formats:
    """Everything a domain reads and writes besides its scenario YAML."""

    generators: tuple[Generator, ...] = field(default_factory=tuple)
    importers: tuple[Importer, ...] = field(default_factory=tuple)
    exporters: tuple[Exporter, ...] = field(default_factory=tuple)

