"""What a domain provides so that the domain-neutral protocols can run it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from accord.model.errors import ProtocolError
from accord.model.plan import Key, Plan
from accord.model.scenario import ScenarioBase

if TYPE_CHECKING:
    from accord.protocols.base import Protocol


@dataclass(frozen=True)
class SolveContext:
    """What the negotiation imposes on one local solve.

    ``caps`` bounds the agent's usage per (resource, slot) (missing keys: no room at all
    when ``caps`` is given); with ``soft_caps`` an over-cap plan is allowed but its overflow
    is minimised first. ``anchor`` is the previous plan: changes from it are penalised.
    """

    caps: Mapping[Key, int] | None = None
    soft_caps: bool = False
    price: int | None = None
    """With ``soft_caps``: cost per unit above a cap (None: overflow is minimised first)."""
    anchor: Plan | None = None
    time_limit: float = 5.0
    seed: int = 0


class LocalProblem(ABC):
    """One agent's private problem. ``solve`` returns None when no plan fits the context."""

    agent_id: str
    manager: str

    @abstractmethod
    def solve(self, ctx: SolveContext) -> Plan | None:
        """Best plan under the context: official cost first, then stability."""

    def cost_in(self, plan: Plan, ctx: SolveContext) -> int:
        """The cost of ``plan`` under ``ctx`` (where it depends on what others hold)."""
        return plan.cost


@dataclass(frozen=True)
class ManagerSpec:
    """A resource manager: the capacity it guards per (resource, slot) and its members."""

    id: str
    capacity: dict[Key, int]
    members: tuple[str, ...]


@dataclass(frozen=True)
class Evaluation:
    """Validation of merged plans by the domain's official definition."""

    hard_violations: int
    cost: int
    breakdown: dict[str, int] = field(default_factory=dict)
    hard_breakdown: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Measure:
    """A benchmark's measure of a solution: hard violations and weighted soft costs, each
    by the benchmark's own names."""

    hard: dict[str, int]
    soft: dict[str, int]

    @property
    def violations(self) -> int:
        """All hard violations."""
        return sum(self.hard.values())

    @property
    def cost(self) -> int:
        """The total (soft) cost."""
        return sum(self.soft.values())


@dataclass(frozen=True)
class CentralResult:
    """The centralised solve: plans, whether proven optimal, and the solver's bound."""

    plans: dict[str, Plan]
    optimal: bool
    bound: float


class Domain(ABC):
    """A kind of organisation: its scenario type, local problems, managers and validator."""

    name: str
    scenario_type: type[ScenarioBase]
    generic_protocols: tuple[str, ...] = ("negotiate", "central")
    """The domain-neutral protocols this domain can run."""

    def extra_protocols(self) -> dict[str, Protocol]:
        """Protocols only this domain has (for example a reproduced baseline)."""
        return {}

    def local_problems(self, scenario: ScenarioBase) -> list[LocalProblem]:
        """One local problem per scheduling agent (for the negotiating protocols)."""
        raise ProtocolError(f"domain {self.name} has no local problems for negotiation")

    def managers(self, scenario: ScenarioBase) -> list[ManagerSpec]:
        """The resource managers and the agents each serves."""
        raise ProtocolError(f"domain {self.name} has no resource managers for negotiation")

    @abstractmethod
    def evaluate(self, scenario: ScenarioBase, plans: Mapping[str, Plan]) -> Evaluation:
        """Hard violations and official cost of the merged plans."""

    @abstractmethod
    def central(
        self, scenario: ScenarioBase, *, time_limit: float, seed: int, workers: int
    ) -> CentralResult:
        """The centralised optimum of one episode (the yardstick)."""
