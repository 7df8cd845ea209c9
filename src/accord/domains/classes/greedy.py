"""A central first-fit timetable: the start the central model searches from.

Classes are taken most constrained first (fewest professors and classrooms that fit, then
longest); each goes where its group, a professor able to teach it and a fitting classroom
are all free: to a professor still short of its minimum where one can take it, at the
start that costs that professor least (its preferred times), ties to the professor who
lacks most of its minimum, then teaches least, then to the first start from a day that
turns with the class. Classes of
one group, discipline and kind are then renumbered in the order of their starts, as the
central model wants them. A class that fits nowhere stays unplaced.
"""

from __future__ import annotations

from collections.abc import Callable

from accord.domains.classes.evaluate import outside_preferred
from accord.domains.classes.model import Placed, Wanted
from accord.domains.classes.scenario import ClassesScenario, Professor


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
    away = outside_preferred(sc)
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
        got = out[c] = _fit(busy, group, open_profs, rooms[c], cands, w.steps, away,
                            lambda p: p.min_classes > taught[p.id])
        if got is not None:
            taught[got.professor] += 1
    return _renumber(classes, out)


def _fit(busy: dict[str, set[int]], group: set[int], profs: list[Professor],
         rooms: list[str], starts: list[int], steps: int,
         away: dict[str, tuple[int, set[int]]],
         short: Callable[[Professor], bool]) -> Placed | None:
    """The cheapest free (professor, start, classroom), professors short of their minimum
    first, then in ``profs`` order, then starts in ``starts`` order."""
    best: tuple[tuple[int, int, int], Placed] | None = None
    for rank, p in enumerate(profs):
        mine = busy[f"professor:{p.id}"]
        wt, out = away.get(p.id, (0, set()))
        for k, t in enumerate(starts):
            span = set(range(t, t + steps))
            if span & group or span & mine:
                continue
            key = (0 if short(p) else 1, wt * len(out & span), rank * len(starts) + k)
            if best is not None and key >= best[0]:
                continue
            room = next((r for r in rooms
                         if not span & busy.setdefault(f"classroom:{r}", set())), None)
            if room is not None:
                best = (key, Placed(p.id, room, t))
    if best is None:
        return None
    got = best[1]
    span = set(range(got.start, got.start + steps))
    for taken in (group, busy[f"professor:{got.professor}"], busy[f"classroom:{got.classroom}"]):
        taken |= span
    return got


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
