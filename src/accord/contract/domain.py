"""What a domain provides: its scenario type, local problems, shared resources, validator,
central model and formats. Protocols read a domain only through this."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from accord.contract.budget import Budget
from accord.contract.formats import Formats
from accord.contract.resources import (
    Capability,
    ManagerSpec,
    MeetingsMarket,
    OffersMarket,
    PricedMarket,
)
from accord.contract.views import Grid, usage_grids
from accord.model.errors import ProtocolError
from accord.model.plan import Key, Plan
from accord.model.scenario import ScenarioBase

S = TypeVar("S", bound=ScenarioBase)


@dataclass(frozen=True)
class Rides:
    """What a solve under priced resources sees: per (resource, slot) the unit size, the
    cost per unit and the others' usage (up to whole units); the penalty to beat (None:
    any); for a bid, the most that weighted penalty plus the units' cost may reach."""

    fares: Mapping[Key, tuple[int, int, int]]
    penalty_below: int | None
    limit: int | None = None


Moves = tuple[tuple[Key, str], ...]
"""Units moved within their slots: each a usage key and the resource it moves to."""


@dataclass(frozen=True)
class SolveContext:
    """What the negotiation imposes on one local solve.

    ``caps`` bounds the agent's usage per (resource, slot) (missing keys: no room at all
    when ``caps`` is given); with ``soft_caps`` an over-cap plan is allowed but its overflow
    is minimised first. ``anchor`` is the previous plan: changes from it are penalised.
    ``rides`` and ``prices`` are what priced resources charge (``PricedMarket``).
    """

    caps: Mapping[Key, int] | None = None
    soft_caps: bool = False
    price: int | None = None
    """With ``soft_caps``: cost per unit above a cap (None: overflow is minimised first)."""
    dear: Mapping[Key, int] | None = None
    """With ``price``: a dearer cost per unit above the cap at these keys (where plans
    kept colliding); a domain that does not price per key may charge ``price`` there."""
    anchor: Plan | None = None
    budget: Budget = field(default_factory=Budget)
    seed: int = 0
    rides: Rides | None = None
    prices: Mapping[Key, float] | None = None
    """Cost per unit of usage on each (resource, slot), paid on top of the local cost."""


class LocalProblem(ABC):
    """One agent's private problem. ``solve`` returns None when no plan fits the context.

    A plan's ``cost`` is the agent's share of the official cost: the domain's
    ``evaluate`` of merged plans that violate nothing is the sum of their costs plus what
    the shared resources cost (priced resources). An agent with private rules of its own
    adds their penalty to its plans' costs (what it minimises and negotiates with);
    ``evaluate`` reports that penalty apart, in its metrics, never in the cost."""

    agent_id: str
    manager: str

    @abstractmethod
    def solve(self, ctx: SolveContext) -> Plan | None:
        """Best plan under the context: official cost first, then stability."""

    def cost_in(self, plan: Plan, ctx: SolveContext) -> int:
        """The cost of ``plan`` under ``ctx`` (where it depends on what others hold)."""
        return plan.cost

    def substitutes(self, plan: Plan, asked: list[Moves] | None = None,
                    free: Collection[Key] = ()) -> list[tuple[Moves, int]]:
        """Groups of moves of units ``plan`` holds, each unit at a key to another resource
        of the same slot, with the change of the plan's cost if they were made together:
        without ``asked``, groups that lower it; else, for each group asked (units to
        leave, each with a resource given in exchange in its slot), in order, the
        cheapest moves that leave those units, into the resources given or ``free``
        keys. None in a domain without such substitutes."""
        return []

    def substituted(self, plan: Plan, moves: Moves) -> Plan:
        """``plan`` with ``moves`` made."""
        raise NotImplementedError(f"{type(self).__name__} has no substitutes")

    def caps_around(self, plan: Plan) -> dict[Key, int]:
        """Caps that hold ``plan``'s usage where it is, on every key the agent may use."""
        return dict(plan.usage_map())


@dataclass(frozen=True)
class Evaluation:
    """Validation of merged plans by the domain's official definition."""

    hard_violations: int
    cost: int
    breakdown: dict[str, int] = field(default_factory=dict)
    hard_breakdown: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    """Figures beside the official measure, never part of it (e.g. each agent's private
    penalty): the episode's metrics."""


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
    """The centralised solve: plans, whether proven optimal, the solver's bound, and the
    best cost over time where the domain records it (wall seconds since the solve began,
    cost)."""

    plans: dict[str, Plan]
    optimal: bool
    bound: float
    trace: tuple[tuple[float, int], ...] = ()


class Domain(ABC, Generic[S]):
    """A kind of organisation. It declares the ``capabilities`` it offers protocols (shared
    resources of a kind, a central model) and implements the matching methods."""

    name: str
    summary: str = ""
    scenario_type: type[S]
    capabilities: frozenset[Capability] = frozenset({Capability.CENTRAL})
    formats: Formats = Formats()

    def local_problems(self, scenario: S) -> list[LocalProblem]:
        """One local problem per scheduling agent."""
        raise ProtocolError(f"domain {self.name} has no local problems")

    def agents(self, scenario: S) -> list[str]:
        """The scheduling agents' ids, in the scenario's order."""
        return [p.agent_id for p in self.local_problems(scenario)]

    def managers(self, scenario: S) -> list[ManagerSpec]:
        """Capacity resources: their managers and the agents each serves."""
        raise ProtocolError(f"domain {self.name} shares no capacity resources")

    def priced(self, scenario: S) -> PricedMarket:
        """Priced resources: their units, costs and riders."""
        raise ProtocolError(f"domain {self.name} shares no priced resources")

    def offers(self, scenario: S) -> OffersMarket:
        """The source notebook's bottleneck market (``seed-offers``)."""
        raise ProtocolError(f"domain {self.name} has no offers market")

    def meetings(self, scenario: S) -> MeetingsMarket:
        """Parties meeting hosts in rooms over a week (``classes``)."""
        raise ProtocolError(f"domain {self.name} has no meetings market")

    @abstractmethod
    def evaluate(self, scenario: S, plans: Mapping[str, Plan]) -> Evaluation:
        """Hard violations and official cost of the merged plans."""

    def grids(self, scenario: S, plans: Mapping[str, Plan]) -> list[Grid]:
        """The plans as timetables for people, per agent and per shared resource; by
        default ``grids_from_usage``. A domain may lay out its own."""
        return self.grids_from_usage(scenario, plans)

    def grids_from_usage(self, scenario: S, plans: Mapping[str, Plan],
                         slot_label: Callable[[int], str] = str) -> list[Grid]:
        """Grids from the plans' usage, with the capacity a manager guards marked where
        exceeded and a priced resource's units counted; slots named by ``slot_label``."""
        capacity: dict[Key, int] | None = None
        unit = None
        if Capability.CAPACITY in self.capabilities:
            capacity = {k: c for m in self.managers(scenario) for k, c in m.capacity.items()}
        if Capability.PRICED in self.capabilities:
            market = self.priced(scenario)

            def unit(res: str) -> int:
                return market.resource(res).unit
        return usage_grids(plans, capacity, slot_label, unit)

    @abstractmethod
    def central(self, scenario: S, *, time_limit: float, seed: int,
                workers: int) -> CentralResult:
        """The centralised optimum of one episode (the yardstick)."""
