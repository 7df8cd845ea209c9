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
    Meeting,
    MeetingHost,
    MeetingNeed,
    MeetingRoom,
    MeetingsMarket,
    OffersBottleneck,
    OffersMarket,
    OffersParty,
    PricedMarket,
    PricedResource,
    Timekeeper,
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
    "Meeting",
    "MeetingHost",
    "MeetingNeed",
    "MeetingRoom",
    "MeetingsMarket",
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
    "Timekeeper",
]
