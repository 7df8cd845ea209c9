"""Domains: local problems, resource models and formats of each kind of organisation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from accord.domains.base import Domain
from accord.model.errors import ScenarioError, read_text_file
from accord.model.scenario import ScenarioBase, validation_error


def _registry() -> dict[str, Domain]:
    from accord.domains.dismissal import DOMAIN as dismissal
    from accord.domains.nursing import DOMAIN as nursing
    from accord.domains.university import DOMAIN as university

    return {d.name: d for d in (dismissal, nursing, university)}


def get_domain(name: str) -> Domain:
    """The registered domain of that name, or KeyError."""
    return _registry()[name]


def domain_names() -> list[str]:
    """Names of every registered domain."""
    return sorted(_registry())


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning any problem into a one-line ScenarioError."""
    text = read_text_file(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(str(path), where, f"malformed YAML: {problem}") from None


def parse_scenario(data: Any, source: str) -> ScenarioBase:
    """Validate a scenario mapping for its domain, protocol and protocol options."""
    if not isinstance(data, dict):
        raise ScenarioError(source, "", "a scenario must be a YAML mapping")
    name = data.get("domain")
    registry = _registry()
    if name not in registry:
        raise ScenarioError(
            source, "domain", f"unknown domain {name!r} (known: {', '.join(sorted(registry))})"
        )
    domain = registry[name]
    try:
        scenario = domain.scenario_type.model_validate(data)
    except ValidationError as exc:
        raise validation_error(source, exc) from None
    check_protocol(domain, scenario, scenario.protocol, source)
    for proto in scenario.protocol_options:
        check_protocol(domain, scenario, proto, source, where=f"protocol_options.{proto}")
    return scenario


def check_protocol(
    domain: Domain, scenario: ScenarioBase, protocol: str, source: str, where: str = "protocol"
) -> None:
    """Raise a ScenarioError unless the domain knows the protocol and its options are valid."""
    from accord.protocols import protocol_names

    known = protocol_names(domain)
    if protocol not in known:
        raise ScenarioError(
            source, where, f"unknown protocol {protocol!r} (known: {', '.join(known)})"
        )
    from accord.protocols import get_protocol

    options_type = get_protocol(domain, protocol).options_type
    try:
        options_type.model_validate(scenario.options_for(protocol))
    except ValidationError as exc:
        raise validation_error(source, exc, prefix=f"protocol_options.{protocol}") from None


def load_scenario(path: str | Path) -> ScenarioBase:
    """Read and validate a scenario file; errors are one-line ScenarioErrors."""
    p = Path(path)
    return parse_scenario(read_yaml(p), str(p))
