"""A professor agent of ``classes``: accepts the negotiations of disciplines it teaches,
establishes their priorities, and answers class proposals by its utility."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accord.contract import MeetingHost, MeetingsMarket, Timekeeper
from accord.model.messages import Ack, Body, EpisodeDone, EpisodeStart
from accord.protocols.classes.messages import (
    ClassesAcceptance,
    ClassesCounterProposal,
    ClassesProposal,
    ClassesRejection,
    ClassReleased,
    CounterpartsFound,
    DisciplinePriorityEstablished,
    DisciplinePriorityRequest,
    HeldClass,
    NegotiationAcceptance,
    NegotiationClosed,
    NegotiationProposition,
    NegotiationRejection,
    ProfessorGoalQuery,
    ProfessorGoalReport,
)
from accord.protocols.classes.options import ClassesOptions
from accord.protocols.classes.utility import EPS, threshold, utility
from accord.runtime.agent import Agent

Key = tuple[str, str, str]
"""(group, discipline, lesson)."""


@dataclass
class Negotiation:
    """A professor's negotiation with a group over a discipline."""

    want: int
    order: int
    n: int | None = None
    offered: int | None = None
    refused: set[int] = field(default_factory=set)


class ProfessorAgent(Agent):
    """Teaches what it can, keeps its free classes for the disciplines of highest
    priority, and answers proposals by its utility."""

    role = "manager"
    closes = True
    """Whether a negotiation ends with its last class (the source's professor keeps
    them all, and their weight in its priorities, to the end)."""

    def __init__(self, host: MeetingHost, keeper: Timekeeper, market: MeetingsMarket,
                 options: ClassesOptions, seed: int) -> None:
        super().__init__(host.id)
        self.host, self.keeper, self.options, self.seed = host, keeper, options, seed
        self.step = market.step_minutes
        self.synchronized = options.mode == "synchronized"
        self._reset()

    def _reset(self) -> None:
        self.busy: set[int] = set()
        self.classes: list[tuple[HeldClass, int, int]] = []
        """The classes it holds: each with its start and steps."""
        self.negs: dict[Key, Negotiation] = {}
        self.announced: dict[Key, tuple[Any, ...]] = {}
        self.order = 0

    async def on_episode_start(self, msg: EpisodeStart, env: Any) -> EpisodeDone:
        self._reset()
        return EpisodeDone(episode=msg.episode, rounds=0)

    # handleNewNegotiation
    async def on_negotiation_proposition(self, msg: NegotiationProposition, env: Any) -> Body:
        if msg.discipline not in self.host.subjects:
            return NegotiationRejection(discipline=msg.discipline, lesson=msg.lesson,
                                        reason=f"{self.id} cannot teach {msg.discipline}")
        self.order += 1
        self.negs[env.sender, msg.discipline, msg.lesson] = Negotiation(
            msg.count, self.order, msg.counterparts)
        return NegotiationAcceptance(discipline=msg.discipline, lesson=msg.lesson)

    # handleNegotiationStart
    async def on_counterparts_found(self, msg: CounterpartsFound, env: Any) -> Ack | None:
        neg = self.negs.get((env.sender, msg.discipline, msg.lesson))
        if neg is not None:
            neg.n = msg.n
        await self.announce()
        return Ack() if self.synchronized else None

    async def on_negotiation_closed(self, msg: NegotiationClosed, env: Any) -> Ack | None:
        key = (env.sender, msg.discipline, msg.lesson)
        self.negs.pop(key, None)
        self.announced.pop(key, None)
        await self.announce()
        return Ack() if self.synchronized else None

    async def on_discipline_priority_request(self, msg: DisciplinePriorityRequest,
                                             env: Any) -> DisciplinePriorityEstablished:
        """Synchronized mode: the state of one negotiation, asked for at a group's turn."""
        key = (env.sender, msg.discipline, msg.lesson)
        if key not in self.negs:
            return DisciplinePriorityEstablished(
                discipline=msg.discipline, lesson=msg.lesson, priority=0.0, open=False,
                closed=True, reason=self._closed_reason(), short=self._short(),
                free=self.free)
        return self._established(key, self.reserved())

    @property
    def held(self) -> int:
        """The classes it holds."""
        return len(self.classes)

    @property
    def free(self) -> int | None:
        m = self.host.max_meetings
        return None if m is None else max(0, m - self.held)

    def priority(self, discipline: str, lesson: str) -> float:
        """Open negotiations of the discipline / professors able to teach it (as the
        groups reported them)."""
        ns = [g.n for (_, d, k), g in self.negs.items()
              if (d, k) == (discipline, lesson) and g.n]
        return len(ns) / (sum(ns) / len(ns)) if ns else 0.0

    def reserved(self) -> set[Key]:
        """The open negotiations its free classes are kept for: highest priority first."""
        units = sorted(((-self.priority(k[1], k[2]), g.order, k) for k, g in self.negs.items()
                        for _ in range(g.want)))
        free = self.free
        return {k for _, _, k in (units if free is None else units[:free])}

    async def announce(self) -> None:
        """(Re-)establish the priority of every negotiation whose state changed, once
        every negotiation has reported its counterparts."""
        if any(g.n is None for g in self.negs.values()):
            return
        full = self.free == 0
        if not self.synchronized:  # synchronized: asked for at each turn instead
            keep = self.reserved()
            for key in sorted(self.negs):
                msg = self._established(key, keep)
                state = (msg.priority, msg.open, msg.closed, msg.short, msg.free)
                if self.announced.get(key) == state:
                    continue
                self.announced[key] = state
                await self.send(key[0], msg)
        if full:
            self.negs.clear()

    def _short(self) -> int:
        return max(0, self.host.min_meetings - self.held)

    def _closed_reason(self) -> str:
        if self.free == 0:
            return f"{self.id} holds its maximum of {self.host.max_meetings} classes"
        return f"{self.id} has no open negotiation of it"

    def _established(self, key: Key, keep: set[Key]) -> DisciplinePriorityEstablished:
        """The discipline's priority and the negotiation's state, as sent to its group."""
        _, d, k = key
        full = self.free == 0
        return DisciplinePriorityEstablished(
            discipline=d, lesson=k, priority=round(self.priority(d, k), 6),
            open=key in keep and not full, closed=full,
            reason=self._closed_reason() if full else "", short=self._short(),
            free=self.free)

    def utility_of(self, key: Key, start: int, steps: int) -> float:
        top = max((self.priority(d, k) for _, d, k in self.negs), default=0.0)
        wp = self.priority(key[1], key[2]) / top if top else 0.0
        fits = self.keeper.fits(start, steps, frozenset(self.busy))
        delta = 1.0 if self.free is None or self.free > 0 else 0.0
        return utility(fits, delta, wp, self.keeper.preference(start, steps), self.options)

    # handleNegotiation
    async def on_classes_proposal(self, msg: ClassesProposal, env: Any) -> Body:
        return await self._answer(env.sender, msg.discipline, msg.lesson, msg.start,
                                  msg.minutes, msg.round)

    async def on_classes_counter_proposal(self, msg: ClassesCounterProposal, env: Any) -> Body:
        neg = self.negs.get((env.sender, msg.discipline, msg.lesson))
        if neg is not None and neg.offered is not None:
            neg.refused.add(neg.offered)
        return await self._answer(env.sender, msg.discipline, msg.lesson, msg.start,
                                  msg.minutes, msg.round)

    def _reject(self, d: str, k: str, reason: str, final: bool) -> ClassesRejection:
        return ClassesRejection(discipline=d, lesson=k, reason=reason, final=final)

    async def _answer(self, group: str, d: str, k: str, start: int, minutes: int,
                      rnd: int) -> Body:
        key = (group, d, k)
        neg = self.negs.get(key)
        if neg is None:
            return self._reject(d, k, f"{self.id} has no open negotiation of {d} with "
                                f"{group}", True)
        if key not in self.reserved():
            self.announced.pop(key, None)  # announce it again when it is kept
            return self._reject(d, k, f"{self.id} keeps its classes for disciplines of "
                                "higher priority", False)
        steps = -(-minutes // self.step)
        u = self.utility_of(key, start, steps)
        fits = self.keeper.fits(start, steps, frozenset(self.busy))
        if fits and u >= threshold(self.options, rnd) - EPS:
            return ClassesAcceptance(discipline=d, lesson=k, start=start, minutes=minutes)
        best = await self.think(self.keeper.best_start, steps, frozenset(self.busy),
                                frozenset(neg.refused | {start}), self.seed)
        if best is None or (fits and self.utility_of(key, best, steps) <= u + EPS):
            if fits:
                return ClassesAcceptance(discipline=d, lesson=k, start=start, minutes=minutes)
            return await self._give_up(key, f"{self.id} has no time left for {d}")
        neg.offered = best
        return ClassesCounterProposal(discipline=d, lesson=k, start=best, minutes=minutes,
                                      round=rnd + 1)

    async def _give_up(self, key: Key, reason: str) -> ClassesRejection:
        self.negs.pop(key, None)
        self.announced.pop(key, None)
        await self.announce()
        return self._reject(key[1], key[2], reason, True)

    async def on_classes_acceptance(self, msg: ClassesAcceptance, env: Any) -> Body:
        """The group confirms a class it booked a classroom for: put it in the timetable,
        or counter-propose if the time was taken meanwhile."""
        key = (env.sender, msg.discipline, msg.lesson)
        neg = self.negs.get(key)
        steps = -(-msg.minutes // self.step)
        if neg is None or self.free == 0:
            return self._reject(msg.discipline, msg.lesson, f"{self.id} is full", True)
        if not self.keeper.fits(msg.start, steps, frozenset(self.busy)):
            best = await self.think(self.keeper.best_start, steps, frozenset(self.busy),
                                    frozenset(neg.refused), self.seed)
            if best is None:
                return await self._give_up(key, f"{self.id} has no time left")
            neg.offered = best
            return ClassesCounterProposal(discipline=msg.discipline, lesson=msg.lesson,
                                          start=best, minutes=msg.minutes)
        await self.take(key, neg, msg.start, steps)
        return Ack()

    async def take(self, key: Key, neg: Negotiation, start: int, steps: int) -> None:
        """Put a class of a negotiation in the timetable (the negotiation ends with its
        last class) and re-establish the priorities."""
        self.busy |= set(range(start, start + steps))
        self.classes.append((HeldClass(group=key[0], discipline=key[1], lesson=key[2]),
                             start, steps))
        neg.want -= 1
        if neg.want <= 0 and self.closes:
            self.negs.pop(key)
            self.announced.pop(key, None)
        await self.announce()

    async def on_class_released(self, msg: ClassReleased, env: Any) -> Ack:
        """A group moved a class of this professor to another: free its time."""
        held = HeldClass(group=env.sender, discipline=msg.discipline, lesson=msg.lesson)
        one = next(c for c in self.classes if (c[0], c[1]) == (held, msg.start))
        self.classes.remove(one)
        self.busy -= set(range(one[1], one[1] + one[2]))
        await self.announce()
        return Ack()

    async def on_professor_goal_query(self, msg: ProfessorGoalQuery,
                                      env: Any) -> ProfessorGoalReport:
        return ProfessorGoalReport(held=self.held, min_classes=self.host.min_meetings,
                                   max_classes=self.host.max_meetings,
                                   achieved=self.held >= self.host.min_meetings,
                                   classes=[c for c, _, _ in self.classes])
