"""What plugs into accord: domains (local problems, shared resources, validators, central
models, formats) and protocols (agents over those). Imports only ``accord.model``."""

from accord.contract.budget import Budget
from accord.contract.domain import (
    CentralResult,
    Domain,
    Evaluation,
    LocalProblem,
    Measure,
    Rides,
    SolveContext,
)
from accord.contract.formats import Exporter, Formats, Generator, Importer
from accord.contract.protocol import Cast, NoOptions, Participant, Protocol
from accord.contract.resources import (
    Capability,
    ManagerSpec,
    OffersBottleneck,
    OffersMarket,
    OffersParty,
    PricedMarket,
    PricedResource,
)

__all__ = [
    "Budget",
    "Capability",
    "Cast",
    "CentralResult",
    "Domain",
    "Evaluation",
    "Exporter",
    "Formats",
    "Generator",
    "Importer",
    "LocalProblem",
    "ManagerSpec",
    "Measure",
    "NoOptions",
    "OffersBottleneck",
    "OffersMarket",
    "OffersParty",
    "Participant",
    "PricedMarket",
    "PricedResource",
    "Protocol",
    "Rides",
    "SolveContext",
]
