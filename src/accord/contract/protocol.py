"""What a protocol declares: its name, typed options, the capabilities it needs of a
domain, the message kinds it owns, and the agents it casts for a run."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from typing import Protocol as Structural

from pydantic import BaseModel, ConfigDict

from accord.contract.domain import Domain
from accord.contract.resources import Capability
from accord.model.messages import Body
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase


class NoOptions(BaseModel):
    """A protocol without options."""

    model_config = ConfigDict(extra="forbid")


Opts = TypeVar("Opts", bound=BaseModel)


class Participant(Structural):
    """What the runner needs of a cast agent (the runtime's ``Agent`` is one)."""

    id: str
    role: str
    solving: dict[str, float]


@dataclass
class Cast:
    """The agents of one run: managers lead each episode, members hold plans."""

    managers: Sequence[Participant]
    members: Sequence[Participant]
    asynchronous: bool = False
    """Whether agents act while others solve (the in-memory bus then overlaps solves
    with message delivery, giving up reproducibility)."""


class Protocol(ABC, Generic[Opts]):
    """A negotiation protocol: the agents it casts for a run. A ``centralised`` one solves
    the domain's central model (a run with it is its own reference)."""

    name: str
    summary: str
    options_type: type[Opts]
    requires: frozenset[Capability]
    """What a domain must offer for this protocol to run it."""
    messages: tuple[type[Body], ...] = ()
    """Every message kind this protocol's agents send beyond the core kinds of
    ``model.messages`` (a wire rejects any other)."""
    centralised: bool = False
    feasible: bool = True
    """Whether it ends with no hard violation wherever the domain has a feasible plan (a
    reproduced baseline may not)."""

    def runs(self, domain: Domain[Any]) -> bool:
        """Whether this protocol can run the domain."""
        return self.requires <= domain.capabilities

    def options(self, scenario: ScenarioBase) -> Opts:
        """The scenario's options for this protocol, validated."""
        return self.options_type.model_validate(scenario.options_for(self.name))

    @abstractmethod
    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: Opts,
             anchors: dict[str, Plan]) -> Cast:
        """Create the run's agents; ``anchors`` are last episode's plans, if stored."""
