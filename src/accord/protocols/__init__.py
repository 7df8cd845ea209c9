"""Negotiation protocols, written against plans and usage rather than a domain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.protocols.base import Protocol

if TYPE_CHECKING:
    from accord.domains.base import Domain


def _generic() -> dict[str, Protocol]:
    from accord.protocols.central import CentralProtocol
    from accord.protocols.first_commit import FirstCommitProtocol
    from accord.protocols.negotiate import NegotiateProtocol

    return {p.name: p for p in (NegotiateProtocol(), CentralProtocol(), FirstCommitProtocol())}


def _all(domain: Domain) -> dict[str, Protocol]:
    generic = {n: p for n, p in _generic().items() if n in domain.generic_protocols}
    return {**generic, **domain.extra_protocols()}


def protocol_names(domain: Domain) -> list[str]:
    """Every protocol that can run the domain."""
    return sorted(_all(domain))


def get_protocol(domain: Domain, name: str) -> Protocol:
    """The named protocol for this domain, or KeyError."""
    return _all(domain)[name]
