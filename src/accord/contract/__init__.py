"""What plugs into accord: domains (local problems, shared resources, validators, central
models, formats) and protocols (agents over those). Imports only ``accord.model``."""

from accord.contract.budget import Budget
from accord.contract.domain import (
    CentralResult,
    Domain,
    Evaluation,
    LocalProblem,
    Measure,
    Moves,
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
    MemberChoice,
    OffersBottleneck,
    OffersMarket,
    OffersParty,
    PricedMarket,
    PricedResource,
    Timekeeper,
)
from accord.contract.views import COST, VIOLATION, Cell, Grid, usage_grids

__all__ = [
    "COST",
    "VIOLATION",
    "Budget",
    "Capability",
    "Cast",
    "Cell",
    "CentralResult",
    "Domain",
    "Evaluation",
    "Exporter",
    "Formats",
    "Generator",
    "Grid",
    "Importer",
    "LocalProblem",
    "ManagerSpec",
    "Measure",
    "Meeting",
    "MeetingHost",
    "MeetingNeed",
    "MeetingRoom",
    "MeetingsMarket",
    "MemberChoice",
    "Moves",
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
    "usage_grids",
]
