"""Kinds of shared resources a domain can offer protocols, and what each kind's protocols
need to know of them.

- **capacity** (``ManagerSpec``): a manager guards a fixed amount per (resource, slot):
  lecture halls per period, an exit's batches.
- **priced** (``PricedMarket``): any amount can be had, in units of a fixed size, each
  unit at a cost per slot: a transport line's cabs. Usage costs what its units cost.
- **offers** (``OffersMarket``): the source notebook's bottleneck, where parties trade
  shifts of their students pairwise (the ``seed-offers`` baseline).
- **meetings** (``MeetingsMarket``): parties (student groups) meet hosts (professors)
  able to serve their needs (disciplines) in rooms guarded by room agents, over a week of
  steps: the public facts of the class scheduler of the source documents (``classes``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from accord.model.plan import Key, Plan, UsageEntry


class Capability(StrEnum):
    """What a domain offers and a protocol requires."""

    CAPACITY = "capacity"
    """``Domain.local_problems`` and ``Domain.managers``; each agent's usage lies within
    the resources of one manager (``LocalProblem.manager``), whose free capacity is the
    ``caps`` of its solves."""
    PRICED = "priced"
    """``Domain.local_problems`` (solving under ``SolveContext.rides`` and ``prices``) and
    ``Domain.priced``."""
    OFFERS = "offers"
    """``Domain.offers``."""
    CENTRAL = "central"
    """``Domain.central``."""
    MEETINGS = "meetings"
    """``Domain.meetings``."""


@dataclass(frozen=True)
class ManagerSpec:
    """A capacity resource's manager: the capacity it guards per (resource, slot) and the
    agents it serves."""

    id: str
    capacity: dict[Key, int]
    members: tuple[str, ...]
    uses: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """The resources each member can use, where the domain knows (a member not listed
    may use any): a member's messages carry the free capacity of its own resources only
    (a university's department: every hall, but only the curricula it teaches)."""

    def usable(self, member: str, entries: Sequence[UsageEntry]) -> list[UsageEntry]:
        """``entries`` on the resources ``member`` can use."""
        mine = self.uses.get(member)
        return list(entries) if mine is None else [e for e in entries if e.resource in mine]


@dataclass(frozen=True)
class PricedResource:
    """A priced resource (a transport line): units of ``unit`` places (a cab's seats), each
    costing ``cost_per_unit[slot]``; ``members`` use it."""

    id: str
    unit: int
    cost_per_unit: tuple[int, ...]
    members: tuple[str, ...]


@dataclass(frozen=True)
class PricedMarket:
    """A domain's priced resources, the keys each agent may use, and the weight of an
    agent's local cost (its penalty) against the resources' cost in the global cost."""

    resources: tuple[PricedResource, ...]
    keys: Mapping[str, tuple[Key, ...]]
    penalty_weight: int

    def resource(self, resource_id: str) -> PricedResource:
        """The resource of that id."""
        return next(r for r in self.resources if r.id == resource_id)

    def cost(self, loads: Mapping[Key, int]) -> int:
        """The resources' cost given the usage per (resource, slot)."""
        return sum(units(a, r.unit) * r.cost_per_unit[s]
                   for (rid, s), a in loads.items() if a for r in (self.resource(rid),))


def units(amount: int, unit: int) -> int:
    """Units needed for ``amount``: ceil(amount / unit)."""
    return -(-amount // unit)


def free_places(amount: int, unit: int) -> int:
    """Empty places in the units already needed."""
    return units(amount, unit) * unit - amount


def resource_cost(resource: PricedResource, loads: Mapping[int, int]) -> int:
    """Cost of one resource given its usage per slot."""
    return sum(units(a, resource.unit) * resource.cost_per_unit[s] for s, a in loads.items() if a)


def unit_price(resource: PricedResource, slot: int) -> float:
    """A full unit's cost per place: what a place costs on average once units are shared."""
    return resource.cost_per_unit[slot] / resource.unit


def others_on_board(unit: int, free: int, own: int) -> int:
    """Others' usage as one agent can count it from the free places: right up to whole
    units (the true count less a multiple of the unit, which changes no difference of
    cost), and at least zero."""
    last = (unit - free) % unit
    return last + units(own, unit) * unit - own


def ride_cost(fares: Mapping[Key, tuple[int, int, int]], usage: Mapping[Key, int]) -> int:
    """Cost of the units of each (resource, slot) given (unit, cost per unit, others'
    usage) and one agent's usage."""
    return sum(cost * units(others + usage.get(k, 0), unit)
               for k, (unit, cost, others) in fares.items())


@dataclass(frozen=True)
class OffersParty:
    """A party of the offers market: its students, its professor's willingness to accept
    an offer (private: only its own agent reads it), and its plan for students per
    offset."""

    id: str
    attendance: int
    willingness: float
    plan: Callable[[dict[int, int]], Plan]


@dataclass(frozen=True)
class OffersBottleneck:
    """A bottleneck of the offers market and the parties behind it."""

    id: str
    capacity_per_minute: int
    per_batch: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class OffersMarket:
    """What ``seed-offers`` trades: offsets, bottlenecks and parties."""

    episode_name: str
    seed: int
    offsets: tuple[int, ...]
    bottlenecks: tuple[OffersBottleneck, ...]
    parties: Mapping[str, OffersParty]


@dataclass(frozen=True)
class MeetingNeed:
    """What a party needs of one subject (a group's lectures or labs of a discipline):
    ``count`` meetings of ``steps`` steps (``minutes`` each), in a room of ``kind``
    seating ``size``."""

    party: str
    subject: str
    kind: str
    count: int
    steps: int
    minutes: int
    size: int


@dataclass(frozen=True)
class MeetingHost:
    """A host (a professor): the subjects it can serve, whether it is asked first
    (full-time) or only when the first asked all refuse, and how many meetings it holds."""

    id: str
    subjects: tuple[str, ...]
    first_scope: bool
    min_meetings: int
    max_meetings: int | None


@dataclass(frozen=True)
class MeetingRoom:
    """A room guarded by its own agent: its seats and kind."""

    id: str
    capacity: int
    kind: str


@dataclass(frozen=True)
class Meeting:
    """One agreed meeting: a party's subject (and kind) with a host in a room, from the
    week's step ``start`` for ``minutes``."""

    subject: str
    kind: str
    host: str
    room: str
    start: int
    minutes: int


class Timekeeper(ABC):
    """One agent's own small model of its time (a group's or a professor's): private
    preferences and unavailable times stay inside it; only proposals come out."""

    agent_id: str

    @abstractmethod
    def fits(self, start: int, steps: int, busy: frozenset[int]) -> bool:
        """Whether a meeting there fits the agent's timetable (``busy``: the steps it
        already holds) and its own constraints (unavailable times)."""

    @abstractmethod
    def preference(self, start: int, steps: int) -> float:
        """How much the agent likes a meeting there, in [0, 1] (1: no preference)."""

    @abstractmethod
    def best_start(self, steps: int, busy: frozenset[int], exclude: frozenset[int],
                   seed: int) -> int | None:
        """The agent's best start for a meeting of ``steps`` steps that fits, other than
        the starts in ``exclude`` (its own model); None when none is left."""


@dataclass(frozen=True)
class MemberChoice:
    """A member's (a student's) choice of a subject, as the office's coordinator hears it:
    ``dropped`` when it was chosen and then given up during enrolment."""

    member: str
    subject: str
    dropped: bool = False


@dataclass(frozen=True)
class MeetingsMarket:
    """The public facts of a meetings market and each agent's own time model: the week
    (``days`` × ``steps_per_day`` steps of ``step_minutes``), the parties' needs, the
    hosts and the rooms; ``timekeepers`` by agent id (each handed only to its own agent);
    ``plan`` builds a party's plan from its agreed meetings."""

    days: int
    steps_per_day: int
    step_minutes: int
    parties: tuple[str, ...]
    needs: tuple[MeetingNeed, ...]
    hosts: tuple[MeetingHost, ...]
    rooms: tuple[MeetingRoom, ...]
    timekeepers: Mapping[str, Timekeeper]
    plan: Callable[[str, Sequence[Meeting]], Plan]
    choices: tuple[MemberChoice, ...] = ()
    """Members' choices for the coordinator to form the parties from at run time, each
    party seating at most its needs' ``size`` (none: the parties are formed already)."""

    def starts(self, steps: int) -> list[int]:
        """Every start of a meeting of ``steps`` steps that ends on its own day."""
        n = self.steps_per_day
        return [d * n + t for d in range(self.days) for t in range(n - steps + 1)]
