"""A group agent of ``classes``: finds professors for its disciplines, proposes its
classes, books their classrooms, and reports its goal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accord.contract import Meeting, MeetingNeed, MeetingsMarket
from accord.model.messages import Ack, PlanQuery, PlanReport
from accord.protocols.classes.coordinator import COORDINATOR, subject
from accord.protocols.classes.messages import (
    AddStudent,
    BookClassroom,
    ClassesAcceptance,
    ClassesCounterProposal,
    ClassesProposal,
    ClassesRejection,
    ClassReleased,
    ClassroomBooked,
    CounterpartsFound,
    DisciplinePriorityEstablished,
    DisciplinePriorityRequest,
    ExtraScope,
    ExtraScopeRequest,
    GoalReport,
    GroupIsFull,
    NegotiationAcceptance,
    NegotiationClosed,
    NegotiationProposition,
    NegotiationReopened,
    NegotiationTurn,
    NoCounterpartFound,
    ReleaseClassroom,
    RemoveStudent,
    ReopenNegotiation,
    StartSearchingProfessors,
    StudentAdded,
    TurnEnded,
)
from accord.protocols.classes.options import ClassesOptions
from accord.protocols.classes.utility import EPS, threshold, utility
from accord.runtime.agent import Agent, expect


@dataclass
class Counterpart:
    """What a group knows of a professor it negotiates with."""

    priority: float | None = None
    open: bool = False
    closed: bool = False
    reason: str = ""
    short: int = 0
    free: int | None = None


@dataclass
class Need:
    """A group's negotiation of one discipline (and kind)."""

    need: MeetingNeed
    counterparts: dict[str, Counterpart] = field(default_factory=dict)
    placed: int = 0
    failed: str | None = None

    @property
    def done(self) -> bool:
        return self.failed is not None or self.placed >= self.need.count


class GroupAgent(Agent):
    """A group of students: finds professors for its disciplines, proposes its classes,
    books their classrooms, and reports its goal."""

    role = "member"

    def __init__(self, party: str, index: int, market: MeetingsMarket,
                 options: ClassesOptions, seed: int) -> None:
        super().__init__(party)
        self.index, self.market, self.options, self.seed = index, market, options, seed
        self.keeper = market.timekeepers[party]
        self.hosts = [h.id for h in market.hosts]
        self.wanted = [n for n in market.needs if n.party == party]
        self.synchronized = options.mode == "synchronized"
        self.seats = max((n.size for n in self.wanted), default=0)
        self.roster: set[str] = set()
        self.roster_episode = -1
        self._reset()

    def _reset(self) -> None:
        self.needs = [Need(n) for n in self.wanted]
        self.meetings: list[Meeting] = []
        self.busy: set[int] = set()
        self.roomless: set[tuple[str, int]] = set()
        """(kind, start) where every classroom refused it."""
        self.reported = False

    def rooms(self, need: MeetingNeed) -> list[str]:
        ids = [r.id for r in self.market.rooms
               if r.kind == need.kind and r.capacity >= need.size]
        k = self.index % len(ids) if ids else 0
        return ids[k:] + ids[:k]

    # handleStudents: the coordinator seats and unseats students one at a time
    async def on_add_student(self, msg: AddStudent, env: Any) -> StudentAdded | GroupIsFull:
        if msg.episode != self.roster_episode:
            self.roster, self.roster_episode = set(), msg.episode
        if len(self.roster) >= self.seats:
            return GroupIsFull(seats=self.seats)
        self.roster.add(msg.student)
        return StudentAdded()

    async def on_remove_student(self, msg: RemoveStudent, env: Any) -> Ack:
        self.roster.discard(msg.student)
        return Ack()

    # handleNewNegotiations
    async def on_start_searching_professors(self, msg: StartSearchingProfessors,
                                            env: Any) -> None:
        self._reset()
        await self.search(msg.scope)
        if not await self._maybe_report() and self.synchronized:
            await self.send(COORDINATOR, TurnEnded(progress=True))

    async def search(self, scope: list[str]) -> None:
        """Find the professors of each discipline: ``scope`` first, else the extra scope
        the coordinator gives; tell each how many were found."""
        await self._propose_negotiations(self.needs, scope)
        for s in self.needs:
            if s.counterparts:
                continue
            d, k = s.need.subject, s.need.kind
            extra = expect(await self.request(COORDINATOR, ExtraScopeRequest(
                discipline=d, lesson=k)), ExtraScope)
            await self._propose_negotiations([s], extra.scope)
            if not s.counterparts:
                s.failed = f"no professor in scope or extra scope can teach {d}"
                expect(await self.request(COORDINATOR, NoCounterpartFound(
                    discipline=d, lesson=k, reason=s.failed)), Ack)
        for s in self.needs:
            for p in s.counterparts:
                await self._tell(p, CounterpartsFound(discipline=s.need.subject,
                                                      lesson=s.need.kind,
                                                      n=len(s.counterparts)))

    async def _tell(self, p: str, body: CounterpartsFound | NegotiationClosed) -> None:
        """Tell a professor (synchronized: and wait for its ``ack``, so that nothing of
        this turn is still in flight when the next group's turn starts)."""
        if self.synchronized:
            expect(await self.request(p, body), Ack)
        else:
            await self.send(p, body)

    # synchronized mode
    async def on_negotiation_turn(self, msg: NegotiationTurn, env: Any) -> None:
        """Ask each professor still in play for its priorities, negotiate one class (a
        final turn: every class it can), then end the turn or report."""
        calls = [(p, DisciplinePriorityRequest(discipline=s.need.subject, lesson=s.need.kind))
                 for s in self.needs if not s.done
                 for p, c in s.counterparts.items() if not c.closed]
        for (p, _), r in zip(calls, await self.request_all(calls), strict=True):
            state = expect(r, DisciplinePriorityEstablished)
            s = self._need(state.discipline, state.lesson)
            if s is not None:
                self._update(s.counterparts[p], state)
        progress = await self._negotiate(places=None if msg.final else 1, final=msg.final)
        if not await self._maybe_report():
            await self.send(COORDINATOR, TurnEnded(progress=progress))

    async def _propose_negotiations(self, needs: list[Need], scope: list[str]) -> None:
        calls = [(p, NegotiationProposition(discipline=s.need.subject, lesson=s.need.kind,
                                            count=s.need.count))
                 for s in needs for p in scope]
        replies = await self.request_all(calls)
        for (p, body), r in zip(calls, replies, strict=True):
            if isinstance(r.body, NegotiationAcceptance):
                s = next(s for s in needs if (s.need.subject, s.need.kind)
                         == (body.discipline, body.lesson))  # type: ignore[attr-defined]
                s.counterparts[p] = Counterpart()

    # handleMessage
    async def on_discipline_priority_established(self, msg: DisciplinePriorityEstablished,
                                                 env: Any) -> None:
        s = self._need(msg.discipline, msg.lesson)
        if s is None or env.sender not in s.counterparts:
            return
        self._update(s.counterparts[env.sender], msg)
        if all(c.priority is not None or c.closed for s in self.needs if not s.done
               for c in s.counterparts.values()):
            await self._negotiate()
            await self._maybe_report()

    @staticmethod
    def _update(c: Counterpart, msg: DisciplinePriorityEstablished) -> None:
        c.priority, c.open, c.short, c.free = msg.priority, msg.open, msg.short, msg.free
        if msg.closed:
            c.closed, c.reason = True, msg.reason

    def _need(self, discipline: str, lesson: str) -> Need | None:
        return next((s for s in self.needs
                     if (s.need.subject, s.need.kind) == (discipline, lesson)), None)

    def _rank(self, s: Need, p: str) -> tuple[Any, ...]:
        """Professors short of their minimum first, then those with most classes free,
        then in turns (each group and discipline starts at another professor)."""
        c = s.counterparts[p]
        ids = sorted(s.counterparts)
        rot = (ids.index(p) - self.index - self.needs.index(s)) % len(ids)
        return (-c.short, -(c.free if c.free is not None else 10**9), rot)

    async def _negotiate(self, places: int | None = None, final: bool = False) -> bool:
        """Negotiate the disciplines, highest priority first, until each is placed, failed
        or waits for a professor to keep a class for it (``final``: fails instead), or
        ``places`` classes are placed. Whether anything changed."""
        order = sorted(self.needs, key=lambda s: -max(
            (c.priority or 0.0 for c in s.counterparts.values()), default=0.0))
        changed = False
        for s in order:
            if s.done:
                continue
            while not s.done and (places is None or places > 0):
                live = [p for p, c in s.counterparts.items() if not c.closed]
                if not live:
                    s.failed = "; ".join(c.reason for c in s.counterparts.values()) or \
                        "no counterpart left"
                    break
                ready = sorted((p for p in live if s.counterparts[p].open),
                               key=lambda p: self._rank(s, p))
                if not ready:
                    if final:
                        s.failed = (f"every professor of {s.need.subject} keeps its classes "
                                    "for disciplines of higher priority")
                    break  # wait for a professor to keep a class for it
                for p in ready:
                    if await self._bargain(s, p):
                        changed = True
                        places = None if places is None else places - 1
                        break
                    changed |= s.counterparts[p].closed
            if s.done:
                for p, c in s.counterparts.items():
                    if not c.closed:
                        c.closed = True
                        await self._tell(p, NegotiationClosed(
                            discipline=s.need.subject, lesson=s.need.kind,
                            reason="placed" if s.failed is None else s.failed))
                changed = True
        return changed

    async def _bargain(self, s: Need, p: str) -> bool:
        """Negotiate one class of ``s`` with professor ``p``: True when it is placed."""
        n, c = s.need, s.counterparts[p]
        d, k = n.subject, n.kind
        tried = {t for kind, t in self.roomless if kind == k}
        own = await self.think(self.keeper.best_start, n.steps, frozenset(self.busy),
                               frozenset(tried), self.seed)
        if own is None:
            s.failed = f"{self.id} has no time left for {d}"
            return False
        reply = (await self.request(p, ClassesProposal(
            discipline=d, lesson=k, start=own, minutes=n.minutes))).body
        rounds = self.options.max_rounds or len(self.market.starts(n.steps))
        for rnd in range(1, rounds + 1):
            if isinstance(reply, ClassesRejection):
                if reply.final:
                    c.closed, c.reason = True, reply.reason
                else:
                    c.open = False
                return False
            if not isinstance(reply, ClassesAcceptance | ClassesCounterProposal):
                raise TypeError(f"{self.id}: unexpected {type(reply).__name__} from {p}")
            at = reply.start
            if (k, at) not in self.roomless and self._acceptable(
                    s, at, rnd, counter=isinstance(reply, ClassesCounterProposal)):
                room = await self._book(n, at)
                if room is not None:
                    conf = (await self.request(p, ClassesAcceptance(
                        discipline=d, lesson=k, start=at, minutes=n.minutes,
                        classroom=room))).body
                    if isinstance(conf, Ack):
                        self.meetings.append(Meeting(subject=d, kind=k, host=p, room=room,
                                                     start=at, minutes=n.minutes))
                        self.busy |= set(range(at, at + n.steps))
                        s.placed += 1
                        return True
                    expect_release = ReleaseClassroom(start=at, steps=n.steps)
                    expect(await self.request(room, expect_release), Ack)
                    reply = conf
                    tried.add(at)
                    continue
            tried.add(at)
            own = await self.think(self.keeper.best_start, n.steps, frozenset(self.busy),
                                   frozenset(tried), self.seed)
            if own is None:
                break
            reply = (await self.request(p, ClassesCounterProposal(
                discipline=d, lesson=k, start=own, minutes=n.minutes, round=rnd))).body
        c.closed, c.reason = True, f"no agreed time with {p}"
        await self._tell(p, NegotiationClosed(discipline=d, lesson=k, reason=c.reason))
        return False

    def _acceptable(self, s: Need, at: int, rnd: int, counter: bool) -> bool:
        """Whether the group takes a time: it fits its timetable and, for a
        counter-proposal, its utility reaches its threshold or no time of its own is
        better."""
        steps = s.need.steps
        fits = self.keeper.fits(at, steps, frozenset(self.busy))
        if not fits or not counter:
            return fits
        top = max((c.priority or 0.0 for t in self.needs for c in t.counterparts.values()),
                  default=0.0)
        mine = max((c.priority or 0.0 for c in s.counterparts.values()), default=0.0)
        wp = mine / top if top else 0.0
        u = utility(True, 1.0, wp, self.keeper.preference(at, steps), self.options)
        if u >= threshold(self.options, rnd) - EPS:
            return True
        best = max((self.keeper.preference(t, steps) for t in self.market.starts(steps)
                    if self.keeper.fits(t, steps, frozenset(self.busy))), default=0.0)
        return self.keeper.preference(at, steps) >= best - EPS

    async def _book(self, n: MeetingNeed, at: int) -> str | None:
        for room in self.rooms(n):
            r = (await self.request(room, BookClassroom(start=at, steps=n.steps, size=n.size,
                                                        lesson=n.kind))).body
            if isinstance(r, ClassroomBooked):
                return room
        self.roomless.add((n.kind, at))
        return None

    async def _maybe_report(self) -> bool:
        """Report the goal once nothing is left to negotiate: whether it has reported."""
        if self.reported or not all(s.done for s in self.needs):
            return self.reported
        self.reported = True
        await self.send(COORDINATOR, self.goal())
        return True

    def goal(self) -> GoalReport:
        required = sum(s.need.count * s.need.minutes for s in self.needs)
        placed = sum(m.minutes for m in self.meetings)
        return GoalReport(
            achieved=placed >= required, placed_minutes=placed, required_minutes=required,
            unassigned={subject(s.need.subject, s.need.kind): why for s in self.needs
                        if s.placed < s.need.count and (why := self.why_left(s)) is not None})

    def why_left(self, s: Need) -> str | None:
        """Why a discipline still lacks classes (None: it is still negotiated)."""
        return s.failed

    async def on_reopen_negotiation(self, msg: ReopenNegotiation,
                                    env: Any) -> NegotiationReopened:
        """Negotiate one class of a discipline with the professor the coordinator names,
        in place of one held by ``release`` (a move) or as one still lacking."""
        s = self._need(msg.discipline, msg.lesson)
        p = msg.professor
        old = None if s is None else next(
            (m for m in self.meetings if (m.subject, m.kind, m.host)
             == (msg.discipline, msg.lesson, msg.release)), None)
        if s is None or (msg.release and old is None):
            return NegotiationReopened(placed=False, goal=self.goal())
        n = s.need
        teachers = sum(n.subject in h.subjects for h in self.market.hosts)
        r = (await self.request(p, NegotiationProposition(
            discipline=n.subject, lesson=n.kind, count=1, counterparts=teachers))).body
        if not isinstance(r, NegotiationAcceptance):
            return NegotiationReopened(placed=False, goal=self.goal())
        placed = await self._bargain(Need(n, {p: Counterpart()}), p)
        if placed:
            if old is not None:
                await self._release(old)
            else:
                s.placed += 1
                if s.placed >= n.count:
                    s.failed = None
        return NegotiationReopened(placed=placed, goal=self.goal())

    async def _release(self, m: Meeting) -> None:
        """Give up a class that another professor took: tell its professor and classroom."""
        steps = -(-m.minutes // self.market.step_minutes)
        self.meetings.remove(m)
        self.busy -= set(range(m.start, m.start + steps))
        expect(await self.request(m.host, ClassReleased(
            discipline=m.subject, lesson=m.kind, start=m.start, minutes=m.minutes)), Ack)
        expect(await self.request(m.room, ReleaseClassroom(start=m.start, steps=steps)), Ack)

    async def on_plan_query(self, msg: PlanQuery, env: Any) -> PlanReport:
        p = self.market.plan(self.id, self.meetings)
        return PlanReport(episode=msg.episode, assignment=p.assignment, cost=p.cost,
                          usage=p.usage)
