"""The one registry: every domain, protocol and bus accord knows, and the scenario loader
that checks a scenario against them. Adding a domain or a protocol is one line here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from accord.contract import Domain, Protocol
from accord.domains.classes import DOMAIN as CLASSES
from accord.domains.dismissal import DOMAIN as DISMISSAL
from accord.domains.nursing import DOMAIN as NURSING
from accord.domains.university import DOMAIN as UNIVERSITY
from accord.model.errors import ScenarioError, read_text_file
from accord.model.messages import Wire
from accord.model.scenario import ScenarioBase, validation_error
from accord.protocols.central import CentralProtocol
from accord.protocols.classes import ClassesProtocol
from accord.protocols.first_commit import FirstCommitProtocol
from accord.protocols.negotiate import NegotiateProtocol
from accord.protocols.seed_offers import SeedOffersProtocol
from accord.protocols.seed_random import SeedRandomProtocol
from accord.protocols.transport import TransportProtocol

DOMAINS: dict[str, Domain[Any]] = {d.name: d for d in (DISMISSAL, UNIVERSITY, NURSING, CLASSES)}
"""Every domain, by name."""

PROTOCOLS: dict[str, Protocol[Any]] = {p.name: p for p in (
    NegotiateProtocol(), FirstCommitProtocol(), CentralProtocol(), TransportProtocol(),
    SeedOffersProtocol(), ClassesProtocol(), SeedRandomProtocol())}
"""Every protocol, by name; a protocol runs every domain that offers what it requires."""


def get_domain(name: str) -> Domain[Any]:
    """The registered domain of that name, or KeyError."""
    return DOMAINS[name]


def domain_names() -> list[str]:
    """Names of every registered domain."""
    return sorted(DOMAINS)


def protocols_for(domain: Domain[Any]) -> dict[str, Protocol[Any]]:
    """Every protocol that can run the domain."""
    return {n: p for n, p in sorted(PROTOCOLS.items()) if p.runs(domain)}


def protocol_names(domain: Domain[Any]) -> list[str]:
    """Names of every protocol that can run the domain."""
    return list(protocols_for(domain))


def get_protocol(domain: Domain[Any], name: str) -> Protocol[Any]:
    """The named protocol for this domain, or KeyError."""
    return protocols_for(domain)[name]


def wire() -> Wire:
    """The closed union of every message kind: the core kinds and those the registered
    protocols declare."""
    return Wire(k for p in PROTOCOLS.values() for k in p.messages)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning any problem into a one-line ScenarioError."""
    return parse_yaml(read_text_file(path), str(path))


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; malformed or pathologically nested text is a one-line
    ScenarioError naming ``source`` (and the line where the parser stopped)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(source, where, f"malformed YAML: {problem}") from None
    except RecursionError:
        raise ScenarioError(source, "", "malformed YAML: nested too deeply (a scenario "
                            "nests a few levels)") from None


def parse_scenario(data: Any, source: str) -> ScenarioBase:
    """Validate a scenario mapping for its domain, protocol and protocol options."""
    if not isinstance(data, dict):
        raise ScenarioError(source, "", "a scenario must be a YAML mapping")
    name = data.get("domain")
    if not isinstance(name, str) or name not in DOMAINS:
        raise ScenarioError(
            source, "domain", f"unknown domain {name!r} (known: {', '.join(domain_names())})")
    domain = DOMAINS[name]
    try:
        scenario = domain.scenario_type.model_validate(data)
    except ValidationError as exc:
        raise validation_error(source, exc) from None
    resolve(scenario, scenario.protocol, source)
    for proto in scenario.protocol_options:
        resolve(scenario, proto, source, where=f"protocol_options.{proto}")
    return scenario


def resolve(scenario: ScenarioBase, protocol: str, source: str = "scenario",
            where: str = "protocol") -> tuple[Domain[Any], Protocol[Any], BaseModel]:
    """The scenario's domain, the named protocol and the scenario's options for it,
    validated: a ScenarioError naming ``source`` and ``where`` if the domain does not run
    that protocol or an option is bad. The one place options are validated."""
    domain = DOMAINS[scenario.domain]
    known = protocols_for(domain)
    if protocol not in known:
        raise ScenarioError(
            source, where, f"unknown protocol {protocol!r} (known: {', '.join(known)})")
    try:
        return domain, known[protocol], known[protocol].options(scenario)
    except ValidationError as exc:
        raise validation_error(source, exc, prefix=f"protocol_options.{protocol}") from None


def load_scenario(path: str | Path) -> ScenarioBase:
    """Read and validate a scenario file; errors are one-line ScenarioErrors. A file whose
    last line has no line end was cut short (every editor and ``accord generate`` end it):
    it is refused at that line."""
    p = Path(path)
    text = read_text_file(p)
    if text and not text.endswith(("\n", "\r")):
        raise ScenarioError(str(p), f"line {len(text.splitlines())}", "the file ends inside "
                            "this line, with no line end: cut short? (end the line to accept "
                            "it)")
    return parse_scenario(parse_yaml(text, str(p)), str(p))
