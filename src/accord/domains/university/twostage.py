"""A department's timetable in two stages: periods with room counts, then rooms.

Stage 1 chooses periods only. In each period the lectures may not outnumber the rooms the
department may use, and RoomCapacity is counted exactly as if rooms were then assigned
optimally: sorting lectures by students and rooms by capacity, the cost of the best
assignment is the sum over thresholds t of max(0, lectures with >= t students − rooms
with capacity >= t), which is linear in the period variables. Stage 2 assigns rooms to
the chosen lectures, minimising RoomCapacity and RoomStability, then changes, then the
larger rooms taken where smaller ones would do (leaving them to others). Far fewer variables than
one per course, period and room, so a department solves well in a short budget.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from itertools import pairwise

from ortools.sat.python import cp_model

from accord.domains.university.cpmodel import (
    ROOM_STABILITY_COST,
    Layer,
    Limits,
    Terms,
    objective,
    period_layer,
    read_lectures,
    room_key,
    total,
)
from accord.domains.university.instance import Instance, Lecture, Room
from accord.domains.university.validate import room_capacity_cost, room_stability_cost
from accord.solve.cpsat import hint_completely, solve_model

POLISH = 0.5
"""Share of stage 1's work that goes to large neighbourhood search from its first solution.
The largest department of comp06 at K = 2, 12 units: 325 with none, 140 with 0.25, 94
with 0.5, 87 with 0.75; comp07's second at K = 2: 97 up to 0.5, 113 with 0.75; smaller
departments (K = 4) unchanged."""


PERIOD_SHARE = {False: 0.7, True: 0.5}
"""Share of a solve's work for stage 1, without and with an anchor. A re-solve from an
anchor improves its periods quickly by neighbourhood search, and the rooms of the moved
lectures then need the work: the largest department of comp06 at K = 2, re-solved with
12 units, gains 18 in its periods and loses 21 in RoomStability with 3.6 units of room
work, 0 with 5."""


def open_rooms(inst: Instance, lim: Limits, p: int) -> list[Room]:
    """Rooms the department may use in period ``p``."""
    if lim.caps is None:
        return list(inst.rooms)
    return [r for r in inst.rooms if lim.caps.get(room_key(r.id, p), 0) >= 1]


def _skipped(capacities: list[int], students: int, cap: int) -> int:
    """Rooms smaller than one of ``cap`` seats that would still seat ``students``."""
    return sum(1 for c in capacities if students <= c < cap)


def homeless(lim: Limits, layer: Layer) -> None:
    """With an anchor, an estimate of RoomStability in stage 1: a lecture moved to a period
    where none of its course's anchor rooms is open will need another room (the comp06
    department of ``PERIOD_SHARE``, in the others' company, gained 20 in its periods and
    lost 35 in RoomStability)."""
    if lim.caps is None:
        return
    homes: dict[str, set[str]] = defaultdict(set)
    for c, _, r in lim.anchor:
        homes[c].add(r)
    for (c, p), v in layer.y.items():
        if homes[c] and not any(lim.caps.get(room_key(r, p), 0) >= 1 for r in homes[c]):
            layer.terms["RoomStability"].append((v, ROOM_STABILITY_COST))


def solve_periods(inst: Instance, lim: Limits, *, work: float, seed: int
                  ) -> tuple[list[tuple[str, int]], int, set[tuple[str, int]]] | None:
    """Stage 1: the (course, period) of every lecture, the cost of its period terms, and
    the closed (room, period) pairs it buys at ``lim.price`` (priced soft caps only)."""
    m = cp_model.CpModel()
    layer = period_layer(m, inst, lim)
    students = {c.id: c.students for c in inst.courses}
    in_period: dict[int, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    for (c, p), v in layer.y.items():
        in_period[p].append((c, v))
    priced = lim.soft and lim.price is not None
    buy: dict[tuple[str, int], cp_model.IntVar] = {}
    for p, here in sorted(in_period.items()):
        rooms = open_rooms(inst, lim, p)
        count = cp_model.LinearExpr.sum([v for _, v in here])
        m.add(count <= len(inst.rooms))
        if priced:  # a closed room may be bought: it then counts as open
            for r in inst.rooms:
                if r not in rooms:
                    buy[r.id, p] = b = m.new_bool_var(f"buy_{r.id}_{p}")
                    layer.charge(b, room_key(r.id, p))
            bought = [(r, buy[r.id, p]) for r in inst.rooms if (r.id, p) in buy]
            m.add(count <= len(rooms) + cp_model.LinearExpr.sum([b for _, b in bought]))
        else:
            bought = []
            layer.cap(m, count, len(rooms), f"rooms_{p}")
        levels = sorted({0} | {students[c] for c, _ in here}
                        | {r.capacity for r in rooms} | {r.capacity for r, _ in bought})
        for lo, hi in pairwise(levels):
            need = [v for c, v in here if students[c] >= hi]
            have = sum(1 for r in rooms if r.capacity >= hi)
            if len(need) > have:
                extra = [b for r, b in bought if r.capacity >= hi]
                ex = m.new_int_var(0, len(need), f"ex_{p}_{hi}")
                m.add(ex >= cp_model.LinearExpr.sum(need) - have
                      - cp_model.LinearExpr.sum(extra))
                layer.terms["RoomCapacity"].append((ex, hi - lo))
    homeless(lim, layer)
    kept = []
    for c, p, _ in sorted(lim.anchor):
        if (c, p) in layer.y:
            m.add_hint(layer.y[c, p], 1)
            kept.append(layer.y[c, p])
    objective(m, layer, total(layer.terms), kept, sum(c.lectures for c in inst.courses))
    held = {(c, p) for c, p, _ in lim.anchor}
    hinted = bool(kept) and hint_completely(m, [(v, int(k in held)) for k, v in layer.y.items()])
    solved = solve_model(m, time_limit=10 * work + 10, seed=seed, workers=1,
                         deterministic_limit=work, interleave=True, lns_only=hinted,
                         polish=POLISH)
    if solved is None:
        return None
    slots = sorted(k for k, v in layer.y.items() if solved.solver.value(v))
    period_terms = {k: v for k, v in layer.terms.items()
                    if k not in ("RoomCapacity", "RoomStability")}
    return (slots, int(solved.solver.value(total(period_terms))),
            {k for k, b in buy.items() if solved.solver.value(b)})


def _room_cost(inst: Instance, rooms: dict[tuple[str, int], str]) -> int:
    """RoomCapacity plus RoomStability of a room per lecture."""
    tt: dict[str, dict[int, str]] = defaultdict(dict)
    for (c, p), r in rooms.items():
        tt[c][p] = r
    return room_capacity_cost(inst, tt) + room_stability_cost(tt)


def best_fit(inst: Instance, lim: Limits, slots: list[tuple[str, int]], *, homes: bool = False,
             keep: bool = False) -> dict[tuple[str, int], str]:
    """A room per lecture, best fit decreasing in each period: the largest lecture first,
    into a free room that seats it — one the course already has, else the anchor's, else
    the smallest — or else the largest free room. ``keep``: first, lectures the anchor
    holds keep its room. ``homes``: then, largest course first, a course whose lectures
    all fit one free room (the smallest) gets it for all of them (no RoomStability)."""
    by_period: dict[int, list[str]] = defaultdict(list)
    periods: dict[str, list[int]] = defaultdict(list)
    for c, p in slots:
        by_period[p].append(c)
        periods[c].append(p)
    allowed = {p: {r.id for r in open_rooms(inst, lim, p)} for p in by_period}
    anchored = {(c, p): r for c, p, r in lim.anchor}
    out: dict[tuple[str, int], str] = {}
    if keep:
        out |= {s: anchored[s] for s in slots if anchored.get(s) in allowed[s[1]]}
    busy = {(r, p) for (_, p), r in out.items()}
    largest_first = sorted(periods, key=lambda c: (-inst.course(c).students, c))
    rank = {c: i for i, c in enumerate(largest_first)}
    for c in largest_first if homes else []:
        left = [p for p in periods[c] if (c, p) not in out]
        fit = [r for r in inst.rooms if r.capacity >= inst.course(c).students
               and all(r.id in allowed[p] and (r.id, p) not in busy for p in left)]
        if left and fit:
            room = min(fit, key=lambda r: (r.capacity, r.id))
            for p in left:
                out[c, p] = room.id
                busy.add((room.id, p))
    taken: dict[str, set[str]] = defaultdict(set)  # rooms each course already has
    for (c, _), r in out.items():
        taken[c].add(r)
    for p, courses in sorted(by_period.items()):
        free = [r for r in inst.rooms if (r.id, p) not in busy]
        for c in sorted(courses, key=rank.__getitem__):
            if (c, p) in out:
                continue
            pool = [r for r in free if r.id in allowed[p]] or free
            if not pool:
                break
            fit = [r for r in pool if r.capacity >= inst.course(c).students]
            room = min(fit, key=lambda r: (r.id not in taken[c], anchored.get((c, p)) != r.id,
                                           r.capacity, r.id)
                       ) if fit else max(pool, key=lambda r: (r.capacity, r.id))
            out[c, p] = room.id
            taken[c].add(room.id)
            free.remove(room)
    return out


def first_rooms(inst: Instance, lim: Limits, slots: list[tuple[str, int]]
                ) -> dict[tuple[str, int], str]:
    """The cheapest of the ``best_fit`` variants: the room stage's starting point."""
    tries = [best_fit(inst, lim, slots, homes=h, keep=k)
             for k in ((False, True) if lim.anchor else (False,)) for h in (False, True)]
    return min(tries, key=lambda t: _room_cost(inst, t))


def assign_rooms(inst: Instance, lim: Limits, slots: list[tuple[str, int]], *, work: float,
                 seed: int) -> tuple[list[Lecture], int, int] | None:
    """Stage 2: a room for each lecture; returns the lectures, the RoomCapacity +
    RoomStability cost, and the lectures put in rooms the department may not use."""
    m = cp_model.CpModel()
    x: dict[tuple[str, int, str], cp_model.IntVar] = {}
    by_room_period: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    by_course_room: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
    terms: Terms = {"RoomCapacity": [], "RoomStability": []}
    outside = []
    for c, p in slots:
        allowed = {r.id for r in open_rooms(inst, lim, p)}
        mine = []
        for r in inst.rooms:
            if r.id not in allowed and not lim.soft:
                continue
            x[c, p, r.id] = v = m.new_bool_var(f"x_{c}_{p}_{r.id}")
            mine.append(v)
            by_room_period[r.id, p].append(v)
            by_course_room[c, r.id].append(v)
            if r.id not in allowed:
                outside.append(v)
            over = inst.course(c).students - r.capacity
            if over > 0:
                terms["RoomCapacity"].append((v, over))
        m.add_exactly_one(mine)
    for vs in by_room_period.values():
        m.add_at_most_one(vs)
    for c in sorted({c for c, _ in slots}):
        used = []
        for r in inst.rooms:
            if by_course_room[c, r.id]:
                u = m.new_bool_var(f"u_{c}_{r.id}")
                m.add_max_equality(u, by_course_room[c, r.id])
                used.append(u)
        terms["RoomStability"].append((cp_model.LinearExpr.sum(used) - 1, ROOM_STABILITY_COST))
    cost = total(terms)
    kept = [x[k] for k in sorted(lim.anchor) if k in x]
    start = first_rooms(inst, lim, slots)
    hints = [(v, int(start.get(k[:2]) == k[2])) for k, v in x.items()]
    for v, h in hints:
        m.add_hint(v, h)
    # last of all, economy: leave larger rooms to others (rooms skipped that would fit)
    seats = {r.id: r.capacity for r in inst.rooms}
    capacities = list(seats.values())
    waste = {k: _skipped(capacities, inst.course(k[0]).students, seats[k[2]]) for k in x}
    worst: dict[tuple[str, int], int] = defaultdict(int)  # most waste a lecture can take
    for k, w in waste.items():
        worst[k[:2]] = max(worst[k[:2]], w)
    keep_w = 1 + sum(worst[s] for s in slots)
    cost_w = keep_w * (1 + len(slots))
    big = cost_w * (1 + sum(inst.course(c).students for c, _ in slots))
    wasteful = [k for k in sorted(x) if waste[k] > 0]
    m.minimize(cp_model.LinearExpr.weighted_sum(
        [*outside, cost, *kept, *(x[k] for k in wasteful)],
        [big] * len(outside) + [cost_w] + [-keep_w] * len(kept)
        + [waste[k] for k in wasteful]))
    hint_completely(m, hints)
    solved = solve_model(m, time_limit=10 * work + 10, seed=seed, workers=1,
                         deterministic_limit=work, interleave=True)
    if solved is None:
        return None
    lectures = read_lectures(inst, x, solved.solver)
    return (lectures, int(solved.solver.value(cost)),
            sum(int(solved.solver.value(v)) for v in outside))


def solve_two_stage(inst: Instance, lim: Limits, *, work: float, seed: int
                    ) -> tuple[list[Lecture], int] | None:
    """Both stages (``PERIOD_SHARE`` of the work to periods, the rest to rooms); the
    lectures and their cost (official, plus a department's ``Private`` terms)."""
    share = PERIOD_SHARE[bool(lim.anchor)]
    first = solve_periods(inst, lim, work=share * work, seed=seed)
    if first is None:
        return None
    slots, period_cost, bought = first
    if lim.soft and lim.price is not None:  # the rooms bought are open, the rest closed
        caps = {**(lim.caps or {}), **{room_key(r, p): 1 for r, p in bought}}
        lim = replace(lim, caps=caps, soft=False)
    second = assign_rooms(inst, lim, slots, work=(1 - share) * work, seed=seed)
    if second is None:
        return None
    lectures, room_cost, _ = second
    return lectures, period_cost + room_cost
