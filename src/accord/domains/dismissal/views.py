"""The dismissal's timetables for people: each exit's batches with every classroom's
students in them (the generic usage grids), each displaced group explained where it
leaves ("C1: 35 students 2 min early, +70") and a group at an offset its classroom does
not accept marked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from accord.contract import COST, VIOLATION, Cell, Grid
from accord.domains.dismissal.model import usage_key
from accord.domains.dismissal.scenario import DismissalScenario
from accord.model.plan import Plan


def batch_label(slot: int) -> str:
    """A batch of an exit, counted from the bell."""
    return f"batch {slot}"


def explain(sc: DismissalScenario, plans: Mapping[str, Plan], grids: list[Grid]) -> list[Grid]:
    """The grids with each classroom's displaced students noted on the batch they use."""
    notes: dict[tuple[str, str, str], tuple[str, list[str]]] = {}
    for c in sc.classrooms:
        plan = plans.get(c.id)
        ok = set(sc.acceptable(c))
        for o, n in (plan.assignment.items() if plan else ()):
            offset = int(o)
            res, slot = usage_key(sc, c, offset)
            mark, items = notes.setdefault((res, c.id, batch_label(slot)), ("", []))
            when = f"{abs(offset)} min {'early' if offset < 0 else 'late'}" if offset else \
                "at the bell"
            if offset not in ok:
                items.append(f"{c.id}: {n} students {when}, an offset it does not accept")
                mark = VIOLATION
            elif offset:
                items.append(f"{c.id}: {n} students {when}, +{abs(offset) * n}")
                mark = mark or COST
            notes[(res, c.id, batch_label(slot))] = (mark, items)

    def note(g: Grid, cell: Cell) -> Cell:
        mark, items = notes.get((g.name, cell.row, cell.col), ("", []))
        if not items:
            return cell
        return replace(cell, mark=VIOLATION if VIOLATION in (mark, cell.mark) else mark,
                       notes=cell.notes + tuple(items))

    return [replace(g, cells=tuple(note(g, c) for c in g.cells)) if g.kind == "resource"
            else g for g in grids]
