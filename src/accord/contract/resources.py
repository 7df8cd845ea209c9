"""Kinds of shared resources a domain can offer protocols, and what each kind's protocols
need to know of them.

- **capacity** (``ManagerSpec``): a manager guards a fixed amount per (resource, slot):
  lecture halls per period, an exit's batches.
- **priced** (``PricedMarket``): any amount can be had, in units of a fixed size, each
  unit at a cost per slot: a transport line's cabs. Usage costs what its units cost.
- **offers** (``OffersMarket``): the source notebook's bottleneck, where parties trade
  shifts of their students pairwise (the ``seed-offers`` baseline).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from accord.model.plan import Key, Plan


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


@dataclass(frozen=True)
class ManagerSpec:
    """A capacity resource's manager: the capacity it guards per (resource, slot) and the
    agents it serves."""

    id: str
    capacity: dict[Key, int]
    members: tuple[str, ...]


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
