"""The CP-SAT model of ITC-2007 timetabling, for the whole instance or one department.

Variables: ``x[c, p, r]`` a lecture of course ``c`` in room ``r`` at period ``p`` (only at
available periods). Hard constraints are constraints; each soft constraint is a penalty
term with the validator's weight whose variables are pinned to their exact values, so the
objective of *any* solution (optimal or not) equals the validator's total cost.

A department's model is the same on its own courses, under ``Limits``: caps on its usage
of ``("room:R", period)`` and ``("curr:Q", period)`` keys (shared curricula), the periods
where other departments hold a shared curriculum (neighbours for compactness), and an
anchor timetable whose changes are penalised below one unit of official cost. A
department's own rules (``inst.private``) are terms of the same objective, under
``Private``, in official cost units; they are never in the official cost itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from accord.domains.university.instance import Instance, Lecture
from accord.domains.university.penalties import DailyCap, PerLecture, penalty_bound
from accord.domains.university.validate import (
    CURRICULUM_COMPACTNESS_COST,
    MIN_WORKING_DAYS_COST,
    ROOM_STABILITY_COST,
)
from accord.solve.cpsat import Solved, hint_completely, solve_or_explain

ROOM, CURR = "room:", "curr:"
CHANGE_SCALE = 1000
"""Official cost is scaled by this; each changed anchor lecture costs 1: stability breaks
ties but never outweighs a unit of official cost (while fewer than 1000 lectures move)."""


def room_key(room: str, period: int) -> tuple[str, int]:
    """The usage key of a room in a period."""
    return (ROOM + room, period)


def curr_key(curriculum: str, period: int) -> tuple[str, int]:
    """The usage key of a shared curriculum in a period."""
    return (CURR + curriculum, period)


@dataclass(frozen=True)
class Limits:
    """What the negotiation imposes on a department's model (see the module doc)."""

    caps: Mapping[tuple[str, int], int] | None = None
    soft: bool = False
    shared: frozenset[str] = frozenset()
    foreign: Mapping[str, frozenset[int]] = field(default_factory=dict)
    anchor: frozenset[tuple[str, int, str]] = frozenset()
    price: int | None = None
    """With ``soft``: official cost per unit above a cap (None: overflow comes first)."""
    dear: Mapping[tuple[str, int], int] = field(default_factory=dict)
    """With ``price``: a dearer price per unit above the cap at these keys."""


@dataclass
class Built:
    """A built model: lecture variables, the cost (official, plus the ``Private`` terms
    of a department's own rules) and the overflow variables."""

    model: cp_model.CpModel
    x: dict[tuple[str, int, str], cp_model.IntVar]
    cost: cp_model.LinearExprT
    overflow: list[cp_model.IntVar]
    hinted: bool = False
    """Whether every variable is hinted with the anchor timetable (it is feasible)."""


Terms = dict[str, list[tuple[cp_model.LinearExprT, int]]]


@dataclass
class Layer:
    """Period-level variables and terms shared by the direct and the two-stage models."""

    y: dict[tuple[str, int], cp_model.IntVar]
    terms: Terms
    overflow: list[cp_model.IntVar]
    soft: bool
    price: int | None = None
    dear: Mapping[tuple[str, int], int] = field(default_factory=dict)
    bound: int = 0
    """An upper bound of the private terms (overflow without a price outweighs it)."""
    prices: list[int | None] = field(default_factory=list)
    """Per overflow variable: its price (None: ``price``, or overflow first)."""

    def cap(self, m: cp_model.CpModel, expr: cp_model.LinearExprT, limit: int,
            name: str, key: tuple[str, int] | None = None) -> None:
        """``expr <= limit``, or with soft limits ``expr <= limit + overflow`` (the
        overflow at usage ``key`` when it has one)."""
        if self.soft:
            ov = m.new_int_var(0, 10_000, f"ov_{name}")
            m.add(expr <= limit + ov)
            self.charge(ov, key)
        else:
            m.add(expr <= limit)

    def charge(self, ov: cp_model.IntVar, key: tuple[str, int] | None = None) -> None:
        """Count ``ov`` as overflow, at ``key``'s dearer price where it has one."""
        self.overflow.append(ov)
        self.prices.append(None if key is None or self.price is None
                           else self.dear.get(key))


def period_layer(m: cp_model.CpModel, inst: Instance, lim: Limits) -> Layer:
    """Lectures per period (``y``), every lecture scheduled, no clash of a curriculum or a
    teacher, caps on shared curricula, and the MinWorkingDays and CurriculumCompactness
    terms. Compactness of a shared curriculum is its whole cost: other departments'
    lectures of it are neighbours of ours, and theirs are isolated unless ours are near,
    so a department's change of cost is the change of the merged timetable's cost."""
    ppd = inst.periods_per_day
    layer = Layer({}, defaultdict(list), [], lim.soft, lim.price, lim.dear)
    y = layer.y
    for c in inst.courses:
        for p in range(inst.periods):
            if (c.id, p) not in inst.unavailable:
                y[c.id, p] = m.new_bool_var(f"y_{c.id}_{p}")
        m.add(cp_model.LinearExpr.sum([y[c.id, p] for p in range(inst.periods)
                                       if (c.id, p) in y]) == c.lectures)
    groups: list[list[str]] = [list(q.courses) for q in inst.curricula]
    by_teacher: dict[str, list[str]] = defaultdict(list)
    for c in inst.courses:
        by_teacher[c.teacher].append(c.id)
    groups += [cs for cs in by_teacher.values() if len(cs) > 1]
    for cs in groups:
        for p in range(inst.periods):
            m.add_at_most_one(y[c, p] for c in cs if (c, p) in y)
    if lim.caps is not None:
        for q in inst.curricula:
            if q.id in lim.shared:
                for p in range(inst.periods):
                    ys = [y[c, p] for c in q.courses if (c, p) in y]
                    key = curr_key(q.id, p)
                    layer.cap(m, cp_model.LinearExpr.sum(ys), min(1, lim.caps.get(key, 0)),
                              f"{q.id}_{p}", key)
    for c in inst.courses:
        worked = []
        for d in range(inst.days):
            day_y = [y[c.id, p] for p in range(d * ppd, (d + 1) * ppd) if (c.id, p) in y]
            w = m.new_bool_var(f"w_{c.id}_{d}")
            m.add_max_equality(w, day_y) if day_y else m.add(w == 0)
            worked.append(w)
        short = m.new_int_var(0, c.min_working_days, f"short_{c.id}")
        m.add_max_equality(short, [0, c.min_working_days - cp_model.LinearExpr.sum(worked)])
        layer.terms["MinWorkingDays"].append((short, MIN_WORKING_DAYS_COST))
    for q in inst.curricula:
        z = {p: cp_model.LinearExpr.sum([y[c, p] for c in q.courses if (c, p) in y])
             for p in range(inst.periods)}
        away = lim.foreign.get(q.id, frozenset())
        for p in range(inst.periods):
            near = [p + k for k in (-1, 1) if 0 <= (p % ppd) + k < ppd]
            if any(n in away for n in near):
                continue  # a lecture of another department is adjacent: never isolated
            nbrs = [z[n] for n in near]
            # exact: a curriculum has at most one lecture per period, so z and nbrs are 0/1
            iso = m.new_bool_var(f"iso_{q.id}_{p}")
            m.add(iso >= z[p] - cp_model.LinearExpr.sum(nbrs))
            m.add(iso <= z[p])
            for n in nbrs:
                m.add(iso <= 1 - n)
            layer.terms["CurriculumCompactness"].append((iso, CURRICULUM_COMPACTNESS_COST))
        for f in sorted(away):
            # another department's lecture at f: isolated unless one of ours is adjacent
            adjacent = [f + k for k in (-1, 1) if 0 <= (f % ppd) + k < ppd]
            if not adjacent or any(a in away for a in adjacent):
                continue  # constant: nothing this department does changes it
            iso = m.new_bool_var(f"iso_away_{q.id}_{f}")
            m.add(iso >= 1 - cp_model.LinearExpr.sum([z[a] for a in adjacent]))
            for a in adjacent:
                m.add(iso <= 1 - z[a])
            layer.terms["CurriculumCompactness"].append((iso, CURRICULUM_COMPACTNESS_COST))
    private_terms(m, inst, layer)
    return layer


def private_terms(m: cp_model.CpModel, inst: Instance, layer: Layer) -> None:
    """The department's own rules as ``Private`` terms, each exact (``penalties.py``)."""
    if not inst.private:
        return
    y, ppd, out = layer.y, inst.periods_per_day, layer.terms["Private"]
    for t in inst.private:
        if isinstance(t, PerLecture):
            out += [(y[k], w) for k, w in sorted(t.weights.items()) if w and k in y]
            continue
        if t.weight == 0:
            continue
        # a teacher teaches at most one lecture a period, so taught[p] is 0 or 1
        taught = {p: [y[c, p] for c in sorted(t.courses) if (c, p) in y]
                  for p in range(inst.periods)}
        for d in range(inst.days):
            day = range(d * ppd, (d + 1) * ppd)
            if isinstance(t, DailyCap):
                n = [v for p in day for v in taught[p]]
                if len(n) > t.limit:
                    over = m.new_int_var(0, len(n) - t.limit, f"over_{t.kind}_{d}")
                    m.add_max_equality(over, [0, cp_model.LinearExpr.sum(n) - t.limit])
                    out.append((over, t.weight))
                continue
            for p in day[:-1]:
                if taught[p] and taught[p + 1]:
                    a, b = (cp_model.LinearExpr.sum(taught[q]) for q in (p, p + 1))
                    both = m.new_bool_var(f"adj_{p}")
                    m.add(both >= a + b - 1)
                    m.add(both <= a)
                    m.add(both <= b)
                    out.append((both, t.weight))
    lectures = {c.id: c.lectures for c in inst.courses}
    layer.bound = penalty_bound(inst.private, lectures)


def total(terms: Terms) -> cp_model.LinearExprT:
    """The weighted sum of every term."""
    return cp_model.LinearExpr.weighted_sum([e for ts in terms.values() for e, _ in ts],
                                            [w for ts in terms.values() for _, w in ts])


def objective(m: cp_model.CpModel, layer: Layer, cost: cp_model.LinearExprT,
              kept: list[cp_model.IntVar], lectures: int) -> None:
    """Minimise overflow first (or at its price), then official cost, then changes."""
    big = layer.price if layer.price is not None else 1 + lectures * 60 + layer.bound
    m.minimize(cp_model.LinearExpr.weighted_sum(
        [*layer.overflow, cost, *kept],
        [CHANGE_SCALE * (big if p is None else p) for p in layer.prices]
        + [CHANGE_SCALE] + [-1] * len(kept)))


def build(inst: Instance, limits: Limits | None = None) -> Built:
    """The direct model of ``inst`` (whole, or one department's part): a variable per
    course, period and room."""
    lim = limits or Limits()
    m = cp_model.CpModel()
    layer = period_layer(m, inst, lim)
    capacity = {r.id: r.capacity for r in inst.rooms}
    x: dict[tuple[str, int, str], cp_model.IntVar] = {}
    for (cid, p), yv in layer.y.items():
        xs = []
        for r in inst.rooms:
            x[cid, p, r.id] = m.new_bool_var(f"x_{cid}_{p}_{r.id}")
            xs.append(x[cid, p, r.id])
        m.add(cp_model.LinearExpr.sum(xs) == yv)
    for p in range(inst.periods):
        for r in inst.rooms:
            xs = [x[c.id, p, r.id] for c in inst.courses if (c.id, p, r.id) in x]
            m.add_at_most_one(xs)
            if lim.caps is not None:
                rp = room_key(r.id, p)
                layer.cap(m, cp_model.LinearExpr.sum(xs), min(1, lim.caps.get(rp, 0)),
                          f"{r.id}_{p}", rp)
    terms = layer.terms
    for (cid, _, rid), v in x.items():
        over = inst.course(cid).students - capacity[rid]
        if over > 0:
            terms["RoomCapacity"].append((v, over))
    for c in inst.courses:
        used = []
        for r in inst.rooms:
            u = m.new_bool_var(f"u_{c.id}_{r.id}")
            vs = [x[c.id, p, r.id] for p in range(inst.periods) if (c.id, p, r.id) in x]
            m.add_max_equality(u, vs) if vs else m.add(u == 0)
            used.append(u)
        terms["RoomStability"].append((cp_model.LinearExpr.sum(used) - 1, ROOM_STABILITY_COST))
    cost = total(terms)
    kept = []
    for key in sorted(lim.anchor):
        if key in x:
            m.add_hint(x[key], 1)
            kept.append(x[key])
    objective(m, layer, cost, kept, sum(c.lectures for c in inst.courses))
    # start from the anchor timetable itself where it is still feasible
    hinted = bool(kept) and hint_completely(m, [(v, int(k in lim.anchor)) for k, v in x.items()])
    return Built(m, x, cost, layer.overflow, hinted)


def lectures_at(inst: Instance, keys: Iterable[tuple[str, int, str]]) -> list[Lecture]:
    """The lectures of ``(course, period, room)`` keys, sorted."""
    ppd = inst.periods_per_day
    return sorted(Lecture(c, r, p // ppd, p % ppd) for c, p, r in keys)


def read_lectures(inst: Instance, x: Mapping[tuple[str, int, str], cp_model.IntVar],
                  solver: cp_model.CpSolver) -> list[Lecture]:
    """The lectures whose ``x[course, period, room]`` the solver set, sorted."""
    return lectures_at(inst, (k for k, v in x.items() if solver.value(v)))


def solve_instance(
    inst: Instance, *, time_limit: float, seed: int, workers: int
) -> tuple[list[Lecture], Solved, int]:
    """Solve the whole instance centrally: the lectures, the solve, and the objective of
    the returned solution (the solver's reported objective can lag it on a timed-out
    solve). A one-line AccordError when it has none (proven) or none was found in time."""
    built = build(inst)
    solved = solve_or_explain(built.model, "timetable", time_limit=time_limit, seed=seed,
                           workers=workers)
    return (read_lectures(inst, built.x, solved.solver), solved,
            int(solved.solver.value(built.cost)))
