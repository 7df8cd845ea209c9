"""A department's local problem: its own courses in CP-SAT, then simulated annealing, under
the authority's grants.

What the department reveals is its usage: ``("room:R", period)`` per lecture and
``("curr:Q", period)`` for lectures of curricula shared with other departments. Where a
shared curriculum's cap is 0, another department holds that period: the department keeps
its own lectures of that curriculum away from it, and counts it as a neighbour for
curriculum compactness. Teacher unavailabilities and the department's own rules
(``rules.py``) never leave the department; a plan's cost is its objective, the official
cost of its part plus the penalty of its rules (``Private`` in its breakdown).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import replace

from accord.contract import LocalProblem, Moves, SolveContext
from accord.domains.university.anneal import anneal
from accord.domains.university.anneal.arrays import overflow_price
from accord.domains.university.anneal.construct import constructed
from accord.domains.university.anneal.cost import PEN, PRIV
from accord.domains.university.cpmodel import (
    Limits,
    build,
    curr_key,
    lectures_at,
    read_lectures,
    room_key,
)
from accord.domains.university.halls import Halls
from accord.domains.university.instance import Curriculum, Instance, Lecture
from accord.domains.university.penalties import private_penalty
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.twostage import solve_two_stage
from accord.domains.university.validate import CURRICULUM_COMPACTNESS_COST, isolated, validate
from accord.model.errors import AccordError
from accord.model.plan import Key, Plan, UsageEntry
from accord.solve.cpsat import deadline, solve_model

AUTHORITY = "authority"

CPSAT_SHARE = 0.25
"""With ``local_anneal``: the share of a solve's work for CP-SAT (a feasible timetable
under the caps, or the anchor's repair); the rest goes to simulated annealing from it."""

CPSAT_MIN_SECONDS = 0.5
"""Wall seconds below which CP-SAT is not started (building and presolving a department's
model takes about that long here): the repair by annealing alone answers in time."""

REPAIR_MOVES = 100_000
"""Moves a repair by annealing makes, stopping at the first timetable within the caps,
where the wall seconds left would not cover them (past the budget: a refused
department's last chance of a plan that fits, a tenth of a second here); a repair that
can fit finds one in far fewer."""

MOVES_PER_WORK = 500_000
"""Annealing moves per unit of work: about the wall time of a unit of CP-SAT's
deterministic time (a unit is about a second; a move about a microsecond here)."""

MOVES_PER_LECTURE = 40_000
"""The most annealing moves a solve makes per lecture of the department, whatever its work:
about what `central` makes per lecture in a minute here (6–16 M moves for comp01–07's
160–434 lectures); a small department's search is done long before its work is spent."""

DIRECT_FROM = 10.0
"""Units of work from which the two-stage model's re-solve from a timetable that is still
feasible searches the direct model instead, by neighbourhood search from that timetable:
its rooms move with its periods. Re-solves at 12 units (K = 2), two-stage against
direct: comp06 80 / 75 and 40 / 35, comp07 13 / 11 and 70 / 57, in 1.5–1.7 times the wall
time; at 6 units (K = 4) comp06's largest department 111 / 115."""


def _seconds_left(ctx: SolveContext, began: float) -> float | None:
    """Wall seconds of the solve's budget left since ``began`` (None: no wall budget)."""
    return None if ctx.budget.seconds is None else (
        ctx.budget.seconds - (time.monotonic() - began))


def _short(left: float | None) -> bool:
    """Whether ``left`` wall seconds would not cover ``REPAIR_MOVES``: a repair then makes
    those moves whatever the clock says (a last chance, past the budget)."""
    return left is not None and left * MOVES_PER_WORK < REPAIR_MOVES


def department_instance(sc: UniversityScenario, dept: str) -> Instance:
    """The department's part of the problem: its courses, all rooms, its curricula (shared
    ones restricted to its courses), its unavailabilities and its own rules."""
    full = sc.instance()
    mine = {c.id for d in sc.departments if d.id == dept for c in d.courses}
    return Instance(
        full.name, full.days, full.periods_per_day,
        [c for c in full.courses if c.id in mine], full.rooms,
        [Curriculum(q.id, tuple(c for c in q.courses if c in mine)) for q in full.curricula
         if mine & set(q.courses)],
        {u for u in full.unavailable if u[0] in mine}, sc.private_terms(dept))


def usage_of(inst: Instance, shared: set[str], lectures: list[Lecture]) -> list[UsageEntry]:
    """Rooms per period, and shared curricula per period, that the lectures take."""
    curricula = {c: [q.id for q in inst.curricula if c in q.courses and q.id in shared]
                 for c in {lec.course for lec in lectures}}
    keys: dict[tuple[str, int], int] = {}
    for lec in lectures:
        p = inst.period(lec.day, lec.slot)
        for k in [room_key(lec.room, p), *(curr_key(q, p) for q in curricula[lec.course])]:
            keys[k] = keys.get(k, 0) + 1
    return [UsageEntry(resource=r, slot=s, amount=a) for (r, s), a in sorted(keys.items())]


class DepartmentProblem(LocalProblem):
    """Minimise, in this order: overflow of soft caps, the department's cost (``cost``),
    and changes from its anchor timetable."""

    def __init__(self, sc: UniversityScenario, dept: str) -> None:
        self.agent_id, self.manager = dept, AUTHORITY
        self.inst = department_instance(sc, dept)
        self.shared = sc.shared_curricula() & {q.id for q in self.inst.curricula}
        self.two_stage = sc.local_model == "two-stage"
        self.anneal = sc.local_anneal

    def _foreign(self, caps: Mapping[Key, int] | None) -> dict[str, frozenset[int]]:
        """Periods of each shared curriculum that other departments hold."""
        if caps is None:
            return {}
        return {q: frozenset(p for p in range(self.inst.periods)
                             if caps.get(curr_key(q, p), 0) <= 0) for q in self.shared}

    def cost(self, lectures: list[Lecture], foreign: Mapping[str, frozenset[int]]
             ) -> dict[str, int]:
        """The department's cost by constraint: the official cost of its lectures, except
        that a shared curriculum's compactness is counted over all its lectures (others'
        held periods included), so that a change of this cost is the merged change; and
        the penalty of its own rules under ``Private`` (when it has rules)."""
        soft = dict(validate(self.inst, lectures).soft)
        ppd = self.inst.periods_per_day
        courses_at: dict[str, list[int]] = {}
        for lec in lectures:
            courses_at.setdefault(lec.course, []).append(self.inst.period(lec.day, lec.slot))
        soft["CurriculumCompactness"] = CURRICULUM_COMPACTNESS_COST * sum(
            isolated(Counter([p for c in q.courses for p in courses_at.get(c, [])]
                             + list(foreign.get(q.id, ()))), ppd)
            for q in self.inst.curricula)
        if self.inst.private:
            soft["Private"] = private_penalty(
                self.inst.private, [(lec.course, self.inst.period(lec.day, lec.slot))
                                    for lec in lectures], ppd)
        return soft

    def cost_in(self, plan: Plan, ctx: SolveContext) -> int:
        lectures = [Lecture(*lec) for lec in plan.assignment["lectures"]]
        return sum(self.cost(lectures, self._foreign(ctx.caps)).values())

    def substitutes(self, plan: Plan, asked: list[Moves] | None = None,
                    free: Collection[Key] = ()) -> list[tuple[Moves, int]]:
        """Lectures to other halls of their periods (``halls``)."""
        halls = Halls(self.inst, [Lecture(*lec) for lec in plan.assignment["lectures"]])
        return halls.wanted() if asked is None else [halls.leave(g, free) for g in asked]

    def substituted(self, plan: Plan, moves: Moves) -> Plan:
        lectures = Halls(self.inst, [Lecture(*lec) for lec in plan.assignment["lectures"]]
                         ).moved(moves)
        rooms = validate(self.inst, lectures).soft  # only the halls' terms change
        breakdown = {**plan.breakdown, **{t: rooms[t] for t in ("RoomCapacity",
                                                                "RoomStability")}}
        return Plan(agent=self.agent_id, assignment={"lectures": [list(x) for x in lectures]},
                    cost=sum(breakdown.values()), breakdown=breakdown,
                    usage=usage_of(self.inst, self.shared, lectures))

    def solve(self, ctx: SolveContext) -> Plan | None:
        ppd = self.inst.periods_per_day
        foreign = self._foreign(ctx.caps)
        anchor = frozenset(
            (c, int(d) * ppd + int(s), r)
            for c, r, d, s in (ctx.anchor.assignment["lectures"] if ctx.anchor else []))
        lim = Limits(caps=ctx.caps, soft=ctx.soft_caps, shared=frozenset(self.shared),
                     foreign=foreign, anchor=anchor, price=ctx.price,
                     dear=ctx.dear or {})
        began = time.monotonic()
        lectures = self._annealed(lim, ctx, began) if self.anneal else None
        left = _seconds_left(ctx, began)
        # past its deadline the annealing's repair was the last chance: not a second one
        if lectures is None and not (self.anneal and left is not None and left <= 0):
            lectures = self._by_cpsat(lim, ctx, began)
        if lectures is None:
            return None
        breakdown = self.cost(lectures, foreign)
        return Plan(agent=self.agent_id, assignment={"lectures": [list(x) for x in lectures]},
                    cost=sum(breakdown.values()), breakdown=breakdown,
                    usage=usage_of(self.inst, self.shared, lectures))

    def _annealed(self, lim: Limits, ctx: SolveContext, began: float) -> list[Lecture] | None:
        """The anchor, or else CP-SAT's timetable from ``CPSAT_SHARE`` of the work (a
        greedy one when it finds none), annealed with the rest at ``MOVES_PER_WORK``
        moves a unit, stopped by the wall seconds left: within the caps when the start
        fits them, else with them soft, a unit over a cap costing more than any timetable
        (a refused department's last request is its start) until a timetable fits them,
        then within them with what is left (a refused department past the budget has
        little time: the first fit is what counts). None when overflow is left and not
        priced: CP-SAT then minimises it exactly (comp02 at K = 8 had ended with 16 hard
        violations in 82 s when such plans were kept, 0 in 44 s now)."""
        work = ctx.budget.work
        if lim.anchor:
            start: list[Lecture] | None = lectures_at(self.inst, lim.anchor)
        else:
            with deadline(self._cpsat_seconds(ctx, began)):
                start = self._lectures(lim, CPSAT_SHARE * work, ctx.seed)
            start = start or constructed(self.inst, replace(lim, soft=True), seed=ctx.seed)
            work *= 1 - CPSAT_SHARE
        if start is None:
            return None
        caps = lim.caps
        fits = lim.soft or caps is None or all(
            e.amount <= caps.get((e.resource, e.slot), 0)
            for e in usage_of(self.inst, self.shared, start))
        left = _seconds_left(ctx, began)
        if fits and left is not None and left <= 0:
            return start
        try:
            moves = min(int(work * MOVES_PER_WORK), MOVES_PER_LECTURE * len(start))
            if not fits:
                short = _short(left)
                soft = replace(lim, soft=True)  # a unit over costs more than any timetable
                done = anneal(self.inst, start, lim=soft, seed=ctx.seed,
                              moves=REPAIR_MOVES if short else moves,
                              seconds=None if short else left,
                              stop_at=overflow_price(self.inst, soft) - 1)
                start, moves = done.lectures, moves - done.moves
                left = _seconds_left(ctx, began)
                if done.comp[PEN] or moves <= 0 or (left is not None and left <= 0):
                    return start if done.comp[PEN] == 0 else None
            done = anneal(self.inst, start, lim=lim, seed=ctx.seed, moves=moves, seconds=left)
        except AccordError:  # a start the annealing cannot hold (not expected)
            return None
        # overflow left where it comes first (not priced): CP-SAT minimises it exactly
        return done.lectures if done.comp[PEN] == 0 or lim.price is not None else None

    def _by_cpsat(self, lim: Limits, ctx: SolveContext, began: float) -> list[Lecture] | None:
        """CP-SAT's timetable with the whole work; where it finds none in its budget, a
        repair by annealing, then once more with four times the work."""
        for attempt, work in enumerate((ctx.budget.work, 4 * ctx.budget.work)):
            seconds = self._cpsat_seconds(ctx, began)
            if attempt and seconds is not None and seconds < CPSAT_MIN_SECONDS:
                break
            lectures = None
            if seconds is None or seconds >= CPSAT_MIN_SECONDS:  # else only a repair
                with deadline(seconds):
                    lectures = self._lectures(lim, work, ctx.seed)
            if lectures is None and attempt == 0:
                lectures = self._repaired(lim, ctx, began)
            if lectures is not None:
                return lectures
        return None

    def _cpsat_seconds(self, ctx: SolveContext, began: float) -> float | None:
        """Wall seconds CP-SAT may take: half of what is left with annealing, three
        quarters without, so that a repair by annealing still has time when CP-SAT finds
        nothing."""
        left = _seconds_left(ctx, began)
        if left is None:
            return None
        return left * (0.5 if self.anneal else 0.75)

    def _repaired(self, lim: Limits, ctx: SolveContext, began: float) -> list[Lecture] | None:
        """Where CP-SAT found no timetable in its budget: anneal from the anchor, and
        from a greedy timetable (``constructed``), with the caps soft, every unit over a
        cap costing more than any timetable (or its price), so over-cap lectures move out
        first; the one with the least overflow is kept (within hard caps, only without
        overflow). On a tight instance (comp12) CP-SAT may find no timetable at all in a
        short budget. (A refused department's re-plan is its last chance of a plan that
        fits: the manager gives it a little time past the budget for that.)"""
        soft = replace(lim, soft=True, price=lim.price if lim.soft else None)
        starts = [lectures_at(self.inst, lim.anchor)] if lim.anchor else []
        greedy = constructed(self.inst, soft, seed=ctx.seed)
        starts += [greedy] if greedy is not None else []
        left = _seconds_left(ctx, began)
        short = _short(left)
        best: tuple[int, int, list[Lecture]] | None = None
        for i, start in enumerate(starts):
            try:
                done = anneal(self.inst, start, lim=soft, seed=ctx.seed + i,
                              moves=(REPAIR_MOVES if short else int(
                                  ctx.budget.work * MOVES_PER_WORK)) // len(starts),
                              seconds=None if short or left is None else left / len(starts))
            except AccordError:
                continue
            found = (int(done.comp[PEN]), int(done.comp[:PEN].sum() + done.comp[PRIV]),
                     done.lectures)
            if best is None or found[:2] < best[:2]:
                best = found
        if best is None or (not lim.soft and best[0] > 0):
            return None
        return best[2]

    def _lectures(self, lim: Limits, work: float, seed: int) -> list[Lecture] | None:
        """The department's lectures from its chosen model (their cost is ``cost``'s)."""
        direct = not self.two_stage or (bool(lim.anchor) and work >= DIRECT_FROM)
        built = build(self.inst, lim) if direct else None
        if built is None or (self.two_stage and not built.hinted):
            found = solve_two_stage(self.inst, lim, work=work, seed=seed)
            return None if found is None else found[0]
        solved = solve_model(built.model, time_limit=10 * work + 10, seed=seed, workers=1,
                             deterministic_limit=work, interleave=True, lns_only=built.hinted)
        if solved is not None:
            return read_lectures(self.inst, built.x, solved.solver)
        if built.hinted:  # cut short before it took its start: that start is feasible
            return lectures_at(self.inst, lim.anchor)
        return None
