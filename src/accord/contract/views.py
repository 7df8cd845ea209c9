"""Timetables as grids, for people: a domain's plans laid out per agent and per shared
resource, with hard violations marked and soft-cost items explained where they sit.

``usage_grids`` derives them from what every plan reveals (its usage per resource and
slot), so every domain has them; a domain may lay out its own (a department's week)
by overriding ``Domain.grids``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from accord.contract.resources import units
from accord.model.plan import Key, Plan

VIOLATION = "violation"
"""A cell's mark: a hard constraint is broken there."""
COST = "cost"
"""A cell's mark: a soft cost is paid there."""


@dataclass(frozen=True)
class Cell:
    """What sits at (row, col) of a grid: its text, a mark and the reasons for it."""

    row: str
    col: str
    text: str
    mark: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grid:
    """One timetable: ``kind`` is ``agent`` or ``resource``, ``name`` whose it is."""

    kind: str
    name: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[Cell, ...] = ()
    caption: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def _slot_label(slot: int) -> str:
    return str(slot)


def usage_grids(
    plans: Mapping[str, Plan],
    capacity: Mapping[Key, int] | None = None,
    slot_label: Callable[[int], str] = _slot_label,
    unit: Callable[[str], int] | None = None,
) -> list[Grid]:
    """Grids from the plans' usage: per agent (resource × slot: its amount) and per
    resource (agent × slot: each agent's amount, a total row, capacity exceeded marked).
    ``unit`` gives a priced resource's unit size: the total row then counts units too."""
    loads: dict[Key, int] = {}
    by_res: dict[str, dict[tuple[str, int], int]] = {}
    slots: set[int] = set()
    grids: list[Grid] = []
    for agent, plan in sorted(plans.items()):
        usage = plan.usage_map()
        cells = [Cell(r, slot_label(s), str(a)) for (r, s), a in sorted(usage.items())]
        for (r, s), a in usage.items():
            loads[(r, s)] = loads.get((r, s), 0) + a
            by_res.setdefault(r, {})[(agent, s)] = a
            slots.add(s)
        grids.append(Grid("agent", agent, tuple(sorted({r for r, _ in usage})),
                          tuple(slot_label(s) for s in sorted({s for _, s in usage})),
                          tuple(cells),
                          caption=f"cost {plan.cost}" + _parts(plan.breakdown)))
    for res, amounts in sorted(by_res.items()):
        res_slots = sorted({s for _, s in amounts} | {s for (r, s) in (capacity or {})
                                                      if r == res and s in slots})
        cells = [Cell(a, slot_label(s), str(n)) for (a, s), n in sorted(amounts.items())]
        for s in res_slots:
            load = loads.get((res, s), 0)
            cap = None if capacity is None else capacity.get((res, s), 0)
            text = str(load) if cap is None else f"{load}/{cap}"
            notes: tuple[str, ...] = ()
            if unit is not None and load:
                size = unit(res)
                text += f" ({units(load, size)}×{size})"
            mark = ""
            if cap is not None and load > cap:
                mark, notes = VIOLATION, (f"{res} at {slot_label(s)}: {load} > capacity {cap}",)
            cells.append(Cell("total", slot_label(s), text, mark, notes))
        rows = (*sorted({a for a, _ in amounts}), "total")
        grids.append(Grid("resource", res, rows, tuple(slot_label(s) for s in res_slots),
                          tuple(cells)))
    return grids


def _parts(breakdown: Mapping[str, int]) -> str:
    items = [f"{k} {v}" for k, v in sorted(breakdown.items()) if v]
    return f" ({', '.join(items)})" if items else ""
