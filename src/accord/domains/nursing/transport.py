"""The cab rule: a line carries each shift's passengers in cabs of fixed capacity.

Cost of a line in a shift = ceil(passengers / capacity) × the line's cost per cab in that
shift; the transport cost is the sum over lines and shifts. Every count of cabs, seats
and transport cost in the domain comes from here.
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.domains.nursing.scenario import Line, NursingScenario
from accord.model.plan import Key


def cabs(passengers: int, capacity: int) -> int:
    """Cabs needed for the passengers: ceil(passengers / capacity)."""
    return -(-passengers // capacity)


def free_seats(passengers: int, capacity: int) -> int:
    """Empty seats in the cabs already needed."""
    return cabs(passengers, capacity) * capacity - passengers


def line_cost(line: Line, loads: Mapping[int, int]) -> int:
    """Cost of one line given passengers per shift."""
    return sum(cabs(p, line.capacity) * line.cost_per_cab[s] for s, p in loads.items() if p)


def seat_price(line: Line, shift: int) -> float:
    """A full cab's cost per seat: what a seat costs on average once cabs are shared."""
    return line.cost_per_cab[shift] / line.capacity


def transport_cost(sc: NursingScenario, loads: Mapping[Key, int]) -> int:
    """Cost of every line given passengers per (line, shift)."""
    per_line: dict[str, dict[int, int]] = {}
    for (line, shift), p in loads.items():
        per_line.setdefault(line, {})[shift] = p
    return sum(line_cost(sc.line(ln), d) for ln, d in per_line.items())


def others_on_board(capacity: int, free: int, own: int) -> int:
    """Passengers of other wards as one ward can count them from the free seats: right up
    to whole cabs (the true count less a multiple of the capacity, which changes no
    difference of cost), and at least zero."""
    last = (capacity - free) % capacity
    return last + cabs(own, capacity) * capacity - own


def ride_cost(fares: Mapping[Key, tuple[int, int, int]], seats: Mapping[Key, int]) -> int:
    """Cost of the cabs of each (line, shift) given (capacity, cost per cab, others'
    passengers) and one ward's seats."""
    return sum(cost * cabs(others + seats.get(k, 0), cap)
               for k, (cap, cost, others) in fares.items())
