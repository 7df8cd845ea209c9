"""A university at scale from public data: ITC-2007 instances copied as faculties.

Every faculty is a copy of one public instance (comp01–comp07 by default) whose courses,
teachers, curricula and rooms are renamed with the faculty's prefix (``F03_``), so that
faculties share nothing but the lecture halls. Faculties are taken in the instances' order
(comp01, comp02, …, comp07, comp01, …) while their rooms fit in ``halls``, so a smaller
university's faculties are the first of a larger one's; the halls left over are
copies of the faculties' rooms (``H001``…). All halls form one pool the room authority
guards. The week is the largest of the faculties' (days × periods a day); a faculty's
courses are unavailable outside its own instance's week, so each faculty with its own
rooms is its instance again and the merged instance is feasible whenever they are. Each
faculty is split into departments (``split``, seeded), the departments dealt out over
the faculties in proportion to their weekly lectures.

The merged instance's official cost is the ITC-2007 measure over it; as faculties share
no course, teacher or curriculum, it is the sum of each faculty's measure over its own
lectures (``faculty_instances``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from accord.domains.university.instance import Course, Curriculum, Instance, Room
from accord.domains.university.itc2007 import read_ctt
from accord.domains.university.scenario import RoomSpec, UniversityScenario
from accord.domains.university.split import split, teacher_groups
from accord.model.errors import AccordError

SOURCES = tuple(f"comp0{i}" for i in range(1, 8))
"""The public instances a faculty is copied from, by file stem."""


@dataclass(frozen=True)
class Faculty:
    """One copy of a public instance: its prefix, source and instance in the common week."""

    prefix: str
    source: str
    instance: Instance
    departments: int


def read_sources(directory: Path, names: tuple[str, ...] = SOURCES) -> dict[str, Instance]:
    """The instances ``directory``/<name>.ctt; a missing file is one line naming it."""
    out = {}
    for name in names:
        path = directory / f"{name}.ctt"
        if not path.is_file():
            raise AccordError(f"--instances {directory}: no {name}.ctt there (the ITC-2007 "
                              "instances comp01–comp07 are in data/itc2007/)")
        out[name] = read_ctt(path)
    return out


def _renamed(inst: Instance, prefix: str, days: int, ppd: int) -> Instance:
    """``inst`` with every name prefixed, in a week of ``days`` × ``ppd``: its courses are
    unavailable in the periods outside its own week."""
    def p(name: str) -> str:
        return f"{prefix}_{name}"
    outside = [d * ppd + s for d in range(days) for s in range(ppd)
               if d >= inst.days or s >= inst.periods_per_day]
    unavailable = {(p(c), (q // inst.periods_per_day) * ppd + q % inst.periods_per_day)
                   for c, q in inst.unavailable}
    unavailable |= {(p(c.id), q) for c in inst.courses for q in outside}
    return Instance(
        name=prefix, days=days, periods_per_day=ppd,
        courses=[Course(p(c.id), p(c.teacher), c.lectures, c.min_working_days, c.students)
                 for c in inst.courses],
        rooms=[Room(p(r.id), r.capacity) for r in inst.rooms],
        curricula=[Curriculum(p(q.id), tuple(p(c) for c in q.courses))
                   for q in inst.curricula],
        unavailable=unavailable)


def _deal(total: int, weights: list[int], caps: list[int]) -> list[int]:
    """``total`` shared out in proportion to ``weights`` (largest remainder), each share
    at least 1 and at most its cap."""
    if not len(weights) <= total <= sum(caps):
        raise AccordError(f"--departments must be between {len(weights)} (one per faculty) "
                          f"and {sum(caps)} (one per teacher), got {total}")
    exact = [total * w / sum(weights) for w in weights]
    share = [min(c, max(1, int(e))) for e, c in zip(exact, caps, strict=True)]
    while sum(share) != total:
        step = 1 if sum(share) < total else -1
        room = [i for i, s in enumerate(share) if (s < caps[i] if step > 0 else s > 1)]
        i = max(room, key=lambda i: step * (exact[i] - share[i]))
        share[i] += step
    return share


def faculty_instances(sources: dict[str, Instance], departments: int,
                      halls: int) -> tuple[list[Faculty], list[Room]]:
    """The faculties (renamed, in the common week, with their department counts) and the
    pool of halls (their rooms, then copies up to ``halls``)."""
    order = sorted(sources)
    picked: list[str] = []
    while sum(len(sources[n].rooms) for n in picked) + \
            len(sources[order[len(picked) % len(order)]].rooms) <= halls:
        picked.append(order[len(picked) % len(order)])
    if not picked:
        least = min(len(i.rooms) for i in sources.values())
        raise AccordError(f"--halls must hold one faculty's rooms (at least {least}), "
                          f"got {halls}")
    days = max(sources[n].days for n in picked)
    ppd = max(sources[n].periods_per_day for n in picked)
    width = len(str(len(picked)))
    renamed = [(f"F{i + 1:0{max(2, width)}d}", n) for i, n in enumerate(picked)]
    insts = [_renamed(sources[n], f, days, ppd) for f, n in renamed]
    counts = _deal(departments, [sum(c.lectures for c in i.courses) for i in insts],
                   [len(teacher_groups(i)) for i in insts])
    faculties = [Faculty(f, n, i, k) for (f, n), i, k in zip(renamed, insts, counts,
                                                              strict=True)]
    rooms = [r for i in insts for r in i.rooms]
    rooms += [Room(f"H{j + 1:03d}", rooms[j % len(rooms)].capacity)
              for j in range(halls - len(rooms))]
    return faculties, rooms


def generate_university(sources: dict[str, Instance], departments: int, halls: int,
                        seed: int) -> tuple[UniversityScenario, list[Faculty]]:
    """The scale university and its faculties (see the module's docstring)."""
    faculties, rooms = faculty_instances(sources, departments, halls)
    parts = []
    crossing = 0
    for f in faculties:
        sc, n = split(f.instance, f.departments, seed=seed)
        crossing += n
        parts.append(sc.model_copy(update={"departments": [
            d.model_copy(update={"id": f"{f.prefix}-{d.id}"}) for d in sc.departments]}))
    first = faculties[0].instance
    made = [f"{f.prefix}={f.source}" for f in faculties]
    return UniversityScenario(
        name=f"university-d{departments}-h{halls}-s{seed}", domain="university",
        description=f"{len(faculties)} faculties copied from ITC-2007 ({', '.join(made)}) "
                    f"in {sum(len(p.departments) for p in parts)} departments sharing "
                    f"{len(rooms)} halls; {crossing} curricula cross departments",
        source="+".join(f.source for f in faculties), seed=seed, days=first.days,
        periods_per_day=first.periods_per_day,
        rooms=[RoomSpec(id=r.id, capacity=r.capacity) for r in rooms],
        curricula=[q for p in parts for q in p.curricula],
        departments=[d for p in parts for d in p.departments]), faculties
