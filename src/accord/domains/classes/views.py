"""The classes' timetables for people: a week grid (start time × day) per student group,
and per professor and classroom (the shared resources), every class where it sits and a
clash (two classes of one group, professor or classroom at once) marked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from accord.contract import VIOLATION, Cell, Grid
from accord.domains.classes.scenario import ClassesScenario, hhmm
from accord.domains.classes.timetable import Booked, booked
from accord.model.plan import Plan


def classes_grids(sc: ClassesScenario, plans: Mapping[str, Plan]) -> list[Grid]:
    """Each group's week, then each professor's and each classroom's."""
    wk = sc.week
    rows = tuple(hhmm(wk.opening + k * wk.step) for k in range(wk.steps_per_day))
    cols = tuple(wk.days)
    classes = booked(sc, plans)
    owners: dict[tuple[str, str], list[Booked]] = defaultdict(list)
    for b in classes:
        for who in (("agent", b.group), ("professor", b.lesson.professor),
                    ("classroom", b.lesson.classroom)):
            owners[who].append(b)

    def grid(kind: str, name: str, text: str, caption: str) -> Grid:
        at: dict[int, list[Booked]] = defaultdict(list)
        outside = []
        for b in owners.get((kind, name), []):
            for s in b.steps or ():
                at[s].append(b)
            if b.steps is None:
                outside.append(b.lesson.discipline)
        cells = []
        for s, here in sorted(at.items()):
            day, k = divmod(s, wk.steps_per_day)
            clash = len(here) > 1
            notes = (f"{name}: {len(here)} classes at once, {cols[day]} {rows[k]}",) if clash \
                else ()
            for b in here:
                cells.append(Cell(rows[k], cols[day], text.format(
                    d=b.lesson.discipline, k=b.lesson.kind, p=b.lesson.professor,
                    r=b.lesson.classroom, g=b.group), VIOLATION if clash else "", notes))
        if outside:
            caption += f"; outside the week: {', '.join(outside)}"
        return Grid("agent" if kind == "agent" else "resource",
                    name if kind == "agent" else f"{kind} {name}", rows, cols, tuple(cells),
                    caption)

    out = [grid("agent", g, "{d} {k} · {p} @{r}",
                f"cost {plans[g].cost}" if g in plans else "") for g in sorted(plans)]
    out += [grid("professor", p, "{d} {k} · {g} @{r}", "")
            for p in sorted({b.lesson.professor for b in classes})]
    out += [grid("classroom", r, "{d} {k} · {g} · {p}", "")
            for r in sorted({b.lesson.classroom for b in classes})]
    return out
