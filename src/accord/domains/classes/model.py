"""The classes' CP-SAT model: for every class each group needs, whether it is placed and,
if so, its professor, start and classroom — over all classes, or over some of them with
the others fixed where they are (a neighbourhood of the central search).

Hard constraints are constraints: a class gets only a professor who can teach its
discipline and a classroom of its kind that seats its group, starts on a step and ends by
closing on the same day; no group, professor or classroom holds two classes at once; no
professor teaches at its unavailable times, nor more classes than its maximum; the classes
a professor lacks of its minimum are ``lacking`` (the caller makes them 0 or minimises
them). The objective terms are exactly the official cost (``evaluate``) of the free
classes: ``unplaced`` (each step of a class left unplaced at ``unplaced_weight``, more
than preferences can ever cost) plus ``preferences``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from accord.domains.classes.evaluate import outside_preferred, unplaced_weight
from accord.domains.classes.scenario import ClassesScenario, Group, Kind


@dataclass(frozen=True)
class Wanted:
    """The ``index``-th class of a group's discipline and kind, of ``steps`` steps."""

    group: Group
    discipline: str
    kind: Kind
    index: int
    steps: int
    minutes: int


@dataclass(frozen=True)
class Placed:
    """Where a class is: professor, classroom and start step."""

    professor: str
    classroom: str
    start: int


def wanted(sc: ClassesScenario) -> list[Wanted]:
    """Every class the groups need, in the scenario's order."""
    out = []
    for g in sc.groups:
        for (code, kind), minutes in sc.required(g).items():
            length = sc.length_of(sc.discipline(code))
            out += [Wanted(g, code, kind, i, length // sc.week.step, length)
                    for i in range(minutes // length)]
    return out


def starts_of(sc: ClassesScenario, w: Wanted) -> list[int]:
    """Every start of the week from which the class ends by closing on its day."""
    n = sc.week.steps_per_day
    return [d * n + t for d in range(len(sc.week.days)) for t in range(n - w.steps + 1)]


@dataclass
class Model:
    """A built model and its variables, by class index (free classes only)."""

    m: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    placed: dict[int, cp_model.IntVar] = field(default_factory=dict)
    start: dict[int, cp_model.IntVar] = field(default_factory=dict)
    x: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    z: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    lacking: list[cp_model.IntVar] = field(default_factory=list)
    cost: list[tuple[cp_model.LinearExprT, int]] = field(default_factory=list)

    def objective(self) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.weighted_sum([e for e, _ in self.cost],
                                                [k for _, k in self.cost])

    def hints(self, at: Mapping[int, Placed | None]) -> list[tuple[cp_model.IntVar, int]]:
        """Values of the decisions that put each free class where ``at`` says."""
        out: list[tuple[cp_model.IntVar, int]] = []
        for c, on in self.placed.items():
            p = at.get(c)
            out.append((on, int(p is not None)))
            if p is not None:
                out.append((self.start[c], p.start))
        out += [(b, int((p := at.get(c)) is not None and p.professor == i))
                for (c, i), b in self.x.items()]
        out += [(b, int((p := at.get(c)) is not None and p.classroom == i))
                for (c, i), b in self.z.items()]
        return out

    def read(self, value: cp_model.CpSolver) -> dict[int, Placed | None]:
        """Where the solution puts each free class."""
        out: dict[int, Placed | None] = {}
        for c, on in self.placed.items():
            if not value.value(on):
                out[c] = None
                continue
            prof = next(i for (k, i), b in self.x.items() if k == c and value.value(b))
            room = next(i for (k, i), b in self.z.items() if k == c and value.value(b))
            out[c] = Placed(prof, room, value.value(self.start[c]))
        return out


def build(sc: ClassesScenario, classes: list[Wanted],
          fixed: Mapping[int, Placed | None] | None = None) -> Model:
    """The model of every class not in ``fixed``; those in it stay where they are."""
    fixed = fixed or {}
    md = Model()
    m = md.m
    away = outside_preferred(sc)
    busy: dict[str, list[cp_model.IntervalVar]] = {}  # by group, professor or classroom
    held: dict[str, int] = {}
    weight = unplaced_weight(sc)
    for c, w in enumerate(classes):
        if c in fixed:
            at = fixed[c]
            if at is not None:
                for key in ("group:" + w.group.id, "professor:" + at.professor,
                            "classroom:" + at.classroom):
                    busy.setdefault(key, []).append(
                        m.new_fixed_size_interval_var(at.start, w.steps, f"f{key}_{c}"))
                held[at.professor] = held.get(at.professor, 0) + 1
            continue
        starts = starts_of(sc, w)
        on = md.placed[c] = m.new_bool_var(f"placed_{c}")
        s = md.start[c] = m.new_int_var_from_domain(cp_model.Domain.from_values(starts),
                                                    f"start_{c}")
        busy.setdefault("group:" + w.group.id, []).append(
            m.new_optional_fixed_size_interval_var(s, w.steps, on, f"g_{c}"))
        md.cost.append((1 - on, weight * w.steps))
        profs = [p.id for p in sc.professors if w.discipline in p.can_teach]
        rooms = [r.id for r in sc.classrooms
                 if r.kind == w.kind and r.capacity >= w.group.students]
        for key, ids, var in (("professor:", profs, md.x), ("classroom:", rooms, md.z)):
            for i in ids:
                var[c, i] = m.new_bool_var(f"{key}{c}_{i}")
                busy.setdefault(key + i, []).append(
                    m.new_optional_fixed_size_interval_var(s, w.steps, var[c, i], f"{i}_{c}"))
            m.add(cp_model.LinearExpr.sum([var[c, i] for i in ids]) == on)
        _prices(md, c, w, starts, [p for p in profs if p in away], away)
    if not fixed:
        _order(m, classes, md.placed, md.start)
    for p in sc.professors:
        for first, length in _runs(sc.unavailable_steps(p)):
            busy.setdefault("professor:" + p.id, []).append(
                m.new_fixed_size_interval_var(first, length, f"away_{p.id}_{first}"))
        taught = [v for (_, i), v in md.x.items() if i == p.id]
        done = held.get(p.id, 0)
        if p.min_classes > done:
            short = m.new_int_var(0, p.min_classes - done, f"short_{p.id}")
            m.add(cp_model.LinearExpr.sum(taught) + short >= p.min_classes - done)
            md.lacking.append(short)
        if p.max_classes is not None:
            m.add(cp_model.LinearExpr.sum(taught) <= p.max_classes - done)
    for intervals in busy.values():
        m.add_no_overlap(intervals)
    return md


def _prices(md: Model, c: int, w: Wanted, starts: list[int], priced: list[str],
            away: dict[str, tuple[int, set[int]]]) -> None:
    """Where professors able to teach the class have preferred times: what the class
    costs its professor at its start, an element of that professor's price of each start
    of the week, counted when that professor teaches it."""
    m = md.m
    terms = []
    for pid in priced:
        wt, out = away[pid]
        table = [wt * len(out.intersection(range(t, t + w.steps)))
                 for t in range(max(starts) + 1)]
        if any(table[t] for t in starts):
            price = m.new_int_var(0, max(table), f"price_{c}_{pid}")
            m.add_element(md.start[c], table, price)
            terms.append((price, md.x[c, pid], max(table)))
    if not terms:
        return
    paid = m.new_int_var(0, max(top for _, _, top in terms), f"paid_{c}")
    for price, teaches, _ in terms:
        m.add(paid >= price).only_enforce_if(teaches)
    md.cost.append((paid, 1))


def _runs(steps: set[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive steps as (first, length)."""
    out: list[tuple[int, int]] = []
    for s in sorted(steps):
        if out and out[-1][0] + out[-1][1] == s:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((s, 1))
    return out


def _order(m: cp_model.CpModel, classes: list[Wanted], placed: dict[int, cp_model.IntVar],
           start: dict[int, cp_model.IntVar]) -> None:
    """Classes of one group, discipline and kind are interchangeable: place them in order
    (the first ones first, each starting after the one before ends)."""
    for c in range(1, len(classes)):
        a, b = classes[c - 1], classes[c]
        if (a.group.id, a.discipline, a.kind) == (b.group.id, b.discipline, b.kind):
            m.add_implication(placed[c], placed[c - 1])
            m.add(start[c - 1] + a.steps <= start[c]).only_enforce_if(placed[c])
