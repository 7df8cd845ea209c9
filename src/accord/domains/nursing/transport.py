"""The hospital's transportation lines as priced resources: a line carries each shift's
passengers in cabs of fixed capacity, at a cost per cab and shift (the cab rule of
``accord.contract.resources``). Every count of cabs and transport cost in the domain
comes from here."""

from __future__ import annotations

from collections.abc import Mapping

from accord.contract import PricedMarket, PricedResource
from accord.domains.nursing.scenario import Line, NursingScenario
from accord.model.plan import Key


def priced_line(sc: NursingScenario, line: Line) -> PricedResource:
    """A line as a priced resource: cabs of ``capacity`` seats."""
    return PricedResource(id=line.id, unit=line.capacity, cost_per_unit=tuple(line.cost_per_cab),
                          members=tuple(sc.members(line.id)))


def market(sc: NursingScenario) -> PricedMarket:
    """Every line, each ward's (line, shift) keys, and the penalty's weight."""
    keys = {}
    for w in sc.wards:
        lines = sorted(set(w.home_lines().values()))
        keys[w.id] = tuple((ln, s) for ln in lines for s in range(sc.shifts))
    return PricedMarket(resources=tuple(priced_line(sc, ln) for ln in sc.lines), keys=keys,
                        penalty_weight=sc.penalty_weight)


def transport_cost(sc: NursingScenario, loads: Mapping[Key, int]) -> int:
    """Cost of every line given passengers per (line, shift)."""
    return market(sc).cost(loads)
