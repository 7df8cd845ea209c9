"""What a protocol declares: its name, typed options, and the agents it puts on the bus."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.runtime.agent import Agent

if TYPE_CHECKING:
    from accord.domains.base import Domain


class NoOptions(BaseModel):
    """A protocol without options."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class Cast:
    """The agents of one run: managers lead each episode, members hold plans."""

    managers: list[Agent]
    members: list[Agent]
    asynchronous: bool = False
    """Whether agents act while others solve (the in-memory bus then overlaps solves
    with message delivery, giving up reproducibility)."""


class Protocol(ABC):
    """A negotiation protocol. ``centralised`` protocols solve without agents."""

    name: str
    summary: str
    options_type: type[BaseModel] = NoOptions
    centralised: bool = False

    @abstractmethod
    def cast(
        self,
        domain: Domain,
        scenario: ScenarioBase,
        options: BaseModel,
        anchors: dict[str, Plan],
    ) -> Cast:
        """Create the run's agents; ``anchors`` are last episode's plans, if stored."""
