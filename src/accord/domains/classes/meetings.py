"""What the ``classes`` protocol sees of the domain (``Capability.MEETINGS``): the public
facts of the market (groups' needs, who can teach what, full- or part-time, minimum and
maximum classes, classrooms, the week's steps) and each agent's own time model, its
``Timekeeper``: a professor's preferred and unavailable times stay inside its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from ortools.sat.python import cp_model

from accord.contract import (
    Budget,
    Meeting,
    MeetingHost,
    MeetingNeed,
    MeetingRoom,
    MeetingsMarket,
    MemberChoice,
    Timekeeper,
)
from accord.domains.classes.evaluate import plan_of, prices
from accord.domains.classes.scenario import ClassesScenario, Kind, Professor
from accord.domains.classes.timetable import lesson_at
from accord.model.plan import Plan
from accord.solve.cpsat import solve_within

WORK = 0.5
"""CP-SAT deterministic work of one choice of a start (a small model: one boolean per
start)."""


class WeekTime(Timekeeper):
    """An agent's timetable over the week's steps: a class fits where it ends on its own
    day and takes no step the agent holds or cannot teach; it is liked by the share of its
    steps inside the preferred times (no preferred times: all are)."""

    def __init__(self, agent_id: str, steps_per_day: int, days: int,
                 unavailable: frozenset[int] = frozenset(),
                 preferred: frozenset[int] | None = None) -> None:
        self.agent_id = agent_id
        self.n, self.days = steps_per_day, days
        self._unavailable, self._preferred = unavailable, preferred

    def fits(self, start: int, steps: int, busy: frozenset[int]) -> bool:
        if start < 0 or start // self.n >= self.days or start % self.n + steps > self.n:
            return False
        return not any(s in busy or s in self._unavailable for s in range(start, start + steps))

    def preference(self, start: int, steps: int) -> float:
        if self._preferred is None:
            return 1.0
        return sum(s in self._preferred for s in range(start, start + steps)) / steps

    def best_start(self, steps: int, busy: frozenset[int], exclude: frozenset[int],
                   seed: int) -> int | None:
        """One boolean per start that fits; minimise, in this order, the steps outside
        the preferred times, the steps already held that day (spread the week), then the
        time of day counted from a point the seed sets (so that agents that like every
        time equally do not all ask for the same one)."""
        starts = [d * self.n + t for d in range(self.days) for t in range(self.n - steps + 1)]
        ok = [t for t in starts if t not in exclude and self.fits(t, steps, busy)]
        if not ok:
            return None
        load = [sum(1 for s in busy if s // self.n == d) for d in range(self.days)]
        m = cp_model.CpModel()
        x = {t: m.new_bool_var(f"at_{t}") for t in ok}
        m.add_exactly_one(x.values())
        big = (self.n + 1) * (self.n * self.days + 1)
        cost = [round(steps * (1 - self.preference(t, steps))) * big
                + load[t // self.n] * (self.n + 1) + (t - seed) % self.n for t in ok]
        m.minimize(cp_model.LinearExpr.weighted_sum(list(x.values()), cost))
        solved = solve_within(m, Budget(work=WORK), seed=seed)
        if solved is None:
            return None
        return next(t for t, v in x.items() if solved.solver.boolean_value(v))


def professor_time(sc: ClassesScenario, p: Professor) -> WeekTime:
    """A professor's own model: its unavailable and preferred times."""
    preferred = sc.preferred_steps(p)
    return WeekTime(p.id, sc.week.steps_per_day, len(sc.week.days),
                    frozenset(sc.unavailable_steps(p)),
                    None if preferred is None else frozenset(preferred))


def market(sc: ClassesScenario) -> MeetingsMarket:
    """The classes market of a scenario."""
    needs = []
    for g in sc.groups:
        for (code, kind), minutes in sc.required(g).items():
            length = sc.length_of(sc.discipline(code))
            needs.append(MeetingNeed(party=g.id, subject=code, kind=kind,
                                     count=minutes // length, steps=length // sc.week.step,
                                     minutes=length, size=g.students))
    n, days = sc.week.steps_per_day, len(sc.week.days)
    keepers: dict[str, Timekeeper] = {g.id: WeekTime(g.id, n, days) for g in sc.groups}
    keepers |= {p.id: professor_time(sc, p) for p in sc.professors}

    priced = prices(sc)

    def plan(group: str, meetings: Sequence[Meeting]) -> Plan:
        return plan_of(sc, group, [lesson_at(sc, m.subject, cast(Kind, m.kind), m.host, m.room,
                                             m.start, m.minutes) for m in meetings], priced)

    return MeetingsMarket(
        days=days, steps_per_day=n, step_minutes=sc.week.step,
        parties=tuple(g.id for g in sc.groups), needs=tuple(needs),
        hosts=tuple(MeetingHost(id=p.id, subjects=tuple(p.can_teach), first_scope=p.full_time,
                                min_meetings=p.min_classes, max_meetings=p.max_classes)
                    for p in sc.professors),
        rooms=tuple(MeetingRoom(id=r.id, capacity=r.capacity, kind=r.kind)
                    for r in sc.classrooms),
        timekeepers=keepers, plan=plan,
        choices=tuple(MemberChoice(st.id, c, dropped=c in st.dropped)
                      for st in sc.students for c in dict.fromkeys(st.disciplines + st.dropped)))
