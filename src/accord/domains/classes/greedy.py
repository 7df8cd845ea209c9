"""A central first-fit timetable: the start the central model searches from.

Classes are taken most constrained first (fewest professors and classrooms that fit, then
longest); each goes to the professor able to teach it who lacks most of its minimum (then
the one teaching least), at the first start of the week, from a day that turns with the
class, where its group, that professor and a fitting classroom are all free. Classes of
one group, discipline and kind are then renumbered in the order of their starts, as the
central model wants them. A class that fits nowhere stays unplaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accord.domains.classes.scenario import ClassesScenario, Professor

if TYPE_CHECKING:
    from accord.domains.classes.central import Wanted


@dataclass(frozen=True)
class Placed:
    """Where the first fit put a class: professor, classroom and start step."""

    professor: str
    classroom: str
    start: int


def first_fit(sc: ClassesScenario, classes: list[Wanted],
              starts: list[list[int]]) -> list[Placed | None]:
    """One placement (or None) per class of ``classes`` (the central model's ``Wanted``),
    each start taken from ``starts[c]`` (the starts the model allows it)."""
    busy: dict[str, set[int]] = {f"professor:{p.id}": set(sc.unavailable_steps(p))
                                 for p in sc.professors}
    taught = {p.id: 0 for p in sc.professors}
    profs = {c: [p for p in sc.professors if w.discipline in p.can_teach]
             for c, w in enumerate(classes)}
    rooms = {c: [r.id for r in sc.classrooms
                 if r.kind == w.kind and r.capacity >= w.group.students]
             for c, w in enumerate(classes)}
    order = sorted(range(len(classes)), key=lambda c: (len(profs[c]) * len(rooms[c]),
                                                        -classes[c].steps, c))
    out: list[Placed | None] = [None] * len(classes)
    days = len(sc.week.days)
    for c in order:
        w = classes[c]
        group = busy.setdefault(f"group:{w.group.id}", set())
        open_profs = sorted((p for p in profs[c]
                             if p.max_classes is None or taught[p.id] < p.max_classes),
                            key=lambda p: (-(p.min_classes - taught[p.id]), taught[p.id],
                                           p.id))
        cands = starts[c]
        turn = (c * sc.week.steps_per_day) % max(1, days * sc.week.steps_per_day)
        cands = [t for t in cands if t >= turn] + [t for t in cands if t < turn]
        got = out[c] = _fit(busy, group, open_profs, rooms[c], cands, w.steps)
        if got is not None:
            taught[got.professor] += 1
    return _renumber(classes, out)


def _fit(busy: dict[str, set[int]], group: set[int], profs: list[Professor],
         rooms: list[str],
         starts: list[int], steps: int) -> Placed | None:
    for p in profs:
        mine = busy[f"professor:{p.id}"]
        for t in starts:
            span = set(range(t, t + steps))
            if span & group or span & mine:
                continue
            room = next((r for r in rooms
                         if not span & busy.setdefault(f"classroom:{r}", set())), None)
            if room is None:
                continue
            for taken in (group, mine, busy[f"classroom:{room}"]):
                taken |= span
            return Placed(p.id, room, t)
    return None


def _renumber(classes: list[Wanted], out: list[Placed | None]) -> list[Placed | None]:
    """Within each group, discipline and kind: the placed classes first, by start."""
    runs: dict[tuple[str, str, str], list[int]] = {}
    for c, w in enumerate(classes):
        runs.setdefault((w.group.id, w.discipline, w.kind), []).append(c)
    fixed = list(out)
    for idx in runs.values():
        got = sorted((p for p in (out[c] for c in idx) if p is not None), key=lambda p: p.start)
        for k, c in enumerate(idx):
            fixed[c] = got[k] if k < len(got) else None
    return fixed
