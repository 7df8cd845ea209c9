"""The coordinator of ``classes``: seats the students' choices in the groups
(``enrolment``), starts the groups' searches, widens scopes, records disciplines no
professor can teach and, once every group has reported, asks each professor for its own
goal (the classes it holds against its minimum) and re-opens negotiations for the classes
left and the professors short of their minimum (``repair``) before it ends the episode.

In the synchronized mode it also gives the turns: one group at a time searches its
professors, then the groups negotiate one class each in rounds, in the scenario's order,
each turn ending with ``TurnEnded`` (or the group's ``GoalReport``). After a round in which
no group placed, closed or failed anything, the next round is ``final``: every group places
what it can and gives up the rest, so the episode ends."""

from __future__ import annotations

from typing import Any

from accord.contract import MeetingsMarket
from accord.model.errors import ProtocolError
from accord.model.messages import Ack, EpisodeDone, EpisodeStart
from accord.protocols.classes.enrolment import enrol
from accord.protocols.classes.messages import (
    ExtraScope,
    ExtraScopeRequest,
    GoalReport,
    HeldClass,
    NegotiationReopened,
    NegotiationTurn,
    NoCounterpartFound,
    ProfessorGoalQuery,
    ProfessorGoalReport,
    ReopenNegotiation,
    StartSearchingProfessors,
    TurnEnded,
)
from accord.protocols.classes.options import ClassesOptions
from accord.protocols.classes.repair import Staff, settle
from accord.runtime.agent import Agent, expect

COORDINATOR = "coordinator"


def subject(discipline: str, lesson: str) -> str:
    """A discipline's name in reports: its code, with ``/lab`` for its labs."""
    return discipline if lesson == "lecture" else f"{discipline}/{lesson}"


class Coordinator(Agent):
    """Starts the groups' searches, widens a group's scope to the part-time professors,
    records disciplines no professor can teach, and ends the episode once every group
    has reported."""

    role = "manager"

    def __init__(self, market: MeetingsMarket, options: ClassesOptions | None = None) -> None:
        super().__init__(COORDINATOR)
        self.synchronized = options is not None and options.mode == "synchronized"
        self.market = market
        self.parties = list(market.parties)
        self.full_time = [h.id for h in market.hosts if h.first_scope]
        self.part_time = [h.id for h in market.hosts if not h.first_scope]
        self._start: Any = None
        self._episode = 0
        self.reports: dict[str, GoalReport] = {}
        self.enrolment: dict[str, float] = {}
        self.no_counterpart: dict[tuple[str, str], str] = {}
        self.extra = 0

    async def on_episode_start(self, msg: EpisodeStart, env: Any) -> EpisodeDone | None:
        self._start, self._episode = env, msg.episode
        self.reports, self.no_counterpart, self.extra = {}, {}, 0
        self._scoping: list[str] = list(self.parties)
        self._round: list[str] = []
        self._moved, self._final = True, False
        self.rounds = 0
        if not self.parties:
            return EpisodeDone(episode=msg.episode, rounds=0)
        self.enrolment = await enrol(self, self.market, msg.episode)
        if self.synchronized:
            await self._next_turn()
            return None
        for g in self.parties:
            await self.send(g, StartSearchingProfessors(scope=self.full_time))
        return None

    async def _next_turn(self) -> None:
        """Synchronized mode: start the next group's search, or give the next turn."""
        if self._scoping:
            await self.send(self._scoping.pop(0), StartSearchingProfessors(scope=self.full_time))
            return
        if len(self.reports) == len(self.parties):
            return
        if not self._round:
            if self._final:
                raise ProtocolError("classes: groups still negotiate after a final round")
            self._final, self._moved = not self._moved, False
            self._round = [g for g in self.parties if g not in self.reports]
            self.rounds += 1
        await self.send(self._round.pop(0), NegotiationTurn(final=self._final))

    async def on_turn_ended(self, msg: TurnEnded, env: Any) -> None:
        self._moved |= msg.progress
        await self._next_turn()

    async def on_extra_scope_request(self, msg: ExtraScopeRequest, env: Any) -> ExtraScope:
        self.extra += 1
        return ExtraScope(scope=self.part_time)

    async def on_no_counterpart_found(self, msg: NoCounterpartFound, env: Any) -> Ack:
        self.no_counterpart[env.sender, subject(msg.discipline, msg.lesson)] = msg.reason
        return Ack()

    async def on_goal_report(self, msg: GoalReport, env: Any) -> None:
        self.reports[env.sender] = msg
        self._moved = True
        if len(self.reports) < len(self.parties):
            if self.synchronized:
                await self._next_turn()
            return
        profs = self.full_time + self.part_time
        replies = await self.request_all([(p, ProfessorGoalQuery()) for p in profs])
        goals = {p: expect(r, ProfessorGoalReport) for p, r in zip(profs, replies, strict=True)}
        staff = Staff(self.market.hosts, goals)
        placed, moved = await settle(staff, self._lacking(staff), self._reopen)
        metrics = self.group_metrics() | {"classes_placed_by_moves": float(placed),
                                          "classes_moved": float(moved)}
        metrics["professors_achieved"] = float(sum(not staff.short(p) for p in profs))
        for p in profs:
            metrics[f"professor.{p}.held"] = float(len(staff.held[p]))
            if staff.short(p):
                metrics[f"professor.{p}.short"] = float(staff.short(p))
        await self.end(self.rounds, metrics)

    def group_metrics(self) -> dict[str, float]:
        """What the groups' goal reports say: goals achieved, minutes placed and required,
        escalations, each class left unassigned with its reason; and the enrolment's."""
        reports = self.reports.values()
        metrics = {"groups_achieved": float(sum(r.achieved for r in reports)),
                   "placed_minutes": float(sum(r.placed_minutes for r in reports)),
                   "required_minutes": float(sum(r.required_minutes for r in reports)),
                   "extra_scope_requests": float(self.extra),
                   "no_counterpart_found": float(len(self.no_counterpart))} | self.enrolment
        for g, r in sorted(self.reports.items()):
            for s, reason in sorted(r.unassigned.items()):
                metrics[f"unassigned.{g}.{s}"] = 1.0
                metrics[f"reason.{g}.{s}: {reason}"] = 1.0
        return metrics

    async def end(self, rounds: int, metrics: dict[str, float]) -> None:
        """The episode is over: tell the runner, with the metrics."""
        await self.send(self._start.sender, EpisodeDone(episode=self._episode, rounds=rounds,
                                                        metrics=metrics),
                        in_reply_to=self._start.id)

    def _lacking(self, staff: Staff) -> list[HeldClass]:
        """One entry per class a group lacks of a discipline some professor can teach."""
        out = []
        for n in self.market.needs:
            r = self.reports.get(n.party)
            if r is None or subject(n.subject, n.kind) not in r.unassigned \
                    or (n.party, subject(n.subject, n.kind)) in self.no_counterpart:
                continue
            c = HeldClass(group=n.party, discipline=n.subject, lesson=n.kind)
            held = sum(x == c for p in staff.order for x in staff.held[p])
            out += [c] * (n.count - held)
        return out

    async def _reopen(self, c: HeldClass, professor: str, release: str) -> bool:
        r = expect(await self.request(c.group, ReopenNegotiation(
            discipline=c.discipline, lesson=c.lesson, professor=professor, release=release)),
            NegotiationReopened)
        self.reports[c.group] = r.goal
        return r.placed
