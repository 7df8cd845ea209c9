"""``seed-random``: the source project's class scheduler, reproduced as a baseline.

The source (``fehu/schedule-negotiation``, ``../shared/data/fehu/SOURCE.md``) never
finished; what it did, this does. The coordinator starts every group's search
(``StartSearchingProfessors``, the full-time professors); a group asks every professor in
scope (``NegotiationProposition`` → ``NegotiationAcceptance`` / ``NegotiationRejection``),
the part-time ones when all refuse (``ExtraScopeRequest``), and reports
``NoCounterpartFound`` when none can teach a discipline; ``CounterpartsFound(n)`` follows,
and each professor sends its discipline priorities (``DisciplinePriorityEstablished``:
its negotiations of the discipline / the professors able to teach it, fixed once every
group has searched: the source never re-established them).

Then **rounds** stand in for the source's 30-minute timer: in each, every group, for each
class it still lacks, proposes to each of its counterparts in a random order a **random
time** (``ClassesProposal``; a start drawn uniformly among those that fit its own
timetable, from a generator seeded by the scenario's seed and the group's id). The
professor answers by the document's utility, Δgoal × (0.5 × weighted priority + 0.5 ×
preference), with the **fixed threshold** 0.7 (no concession): ``ClassesAcceptance``
(the class goes into both timetables) or ``ClassesRejection``; the source's professor
never counter-proposes. There is **no termination**: the coordinator runs all
``rounds`` rounds (``ProposalRound``), each group answering with its ``GoalReport``, and
ends the episode after the last, whatever the groups reached.

There are **no classrooms**, as in the source: an agreed class names no classroom
(``classroom: ""``). The official evaluation counts such a class as ``unknown`` (a hard
violation) and leaves it out of every other count, placed minutes included, so this
baseline's official goal achievement is 0 whatever it agreed; the minutes the groups and
professors agreed are in the metrics (``placed_minutes`` of ``required_minutes``). The
episode's metrics hold ``unassigned.<group>.<discipline>`` = 1 and
``reason.<group>.<discipline>: <reason>`` = 1 for each class not agreed, as ``classes``'.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import (
    Capability,
    Cast,
    Domain,
    Meeting,
    MeetingHost,
    MeetingNeed,
    MeetingsMarket,
    Protocol,
    Timekeeper,
)
from accord.model.messages import Ack, Body, EpisodeDone, EpisodeStart, PlanQuery, PlanReport
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.capacity import member_seed
from accord.protocols.classes.coordinator import COORDINATOR, subject
from accord.protocols.classes.messages import (
    ClassesAcceptance,
    ClassesProposal,
    ClassesRejection,
    CounterpartsFound,
    DisciplinePriorityEstablished,
    ExtraScope,
    ExtraScopeRequest,
    GoalReport,
    NegotiationAcceptance,
    NegotiationProposition,
    NegotiationRejection,
    NoCounterpartFound,
    StartSearchingProfessors,
)
from accord.protocols.classes.options import ClassesOptions
from accord.protocols.classes.utility import EPS, utility
from accord.protocols.seed_random.messages import KINDS, ProposalRound
from accord.runtime.agent import Agent, expect

NO_ROOM = ""
"""The classroom of an agreed class: none (the source booked none)."""


class SeedRandomOptions(BaseModel):
    """Options of ``seed-random``: its round budget and its fixed threshold."""

    model_config = ConfigDict(extra="forbid")
    rounds: int = Field(default=50, ge=0, description="proposal rounds before the episode "
                        "ends (the source's timer)")
    acceptance_threshold: float = Field(default=0.7, ge=0, le=1, description="utility at "
                                        "or above which a professor accepts (fixed)")

    def utility_options(self) -> ClassesOptions:
        """The document's utility weights (0.5 each) and this threshold, no concession."""
        return ClassesOptions(acceptance_threshold=self.acceptance_threshold, concession=0)


class RandomCoordinator(Agent):
    """Starts the searches, widens scopes, records disciplines no professor can teach,
    and runs the round budget: the episode ends after the last round, not on the goal."""

    role = "manager"

    def __init__(self, market: MeetingsMarket, options: SeedRandomOptions) -> None:
        super().__init__(COORDINATOR)
        self.options = options
        self.parties = list(market.parties)
        self.full_time = [h.id for h in market.hosts if h.first_scope]
        self.part_time = [h.id for h in market.hosts if not h.first_scope]
        self._start: Any = None
        self._episode = 0
        self.round = 0
        self.reports: dict[str, GoalReport] = {}
        self.extra = 0
        self.no_counterpart = 0

    async def on_episode_start(self, msg: EpisodeStart, env: Any) -> EpisodeDone | None:
        self._start, self._episode = env, msg.episode
        self.round, self.reports, self.extra, self.no_counterpart = 0, {}, 0, 0
        if not self.parties:
            return EpisodeDone(episode=msg.episode, rounds=0)
        for g in self.parties:
            await self.send(g, StartSearchingProfessors(scope=self.full_time))
        return None

    async def on_extra_scope_request(self, msg: ExtraScopeRequest, env: Any) -> ExtraScope:
        self.extra += 1
        return ExtraScope(scope=self.part_time)

    async def on_no_counterpart_found(self, msg: NoCounterpartFound, env: Any) -> Ack:
        self.no_counterpart += 1
        return Ack()

    async def on_goal_report(self, msg: GoalReport, env: Any) -> None:
        self.reports[env.sender] = msg
        if len(self.reports) < len(self.parties):
            return
        if self.round < self.options.rounds:
            self.round += 1
            self.reports = {}
            for g in self.parties:
                await self.send(g, ProposalRound(round=self.round))
            return
        rs = self.reports.values()
        metrics = {"groups_achieved": float(sum(r.achieved for r in rs)),
                   "placed_minutes": float(sum(r.placed_minutes for r in rs)),
                   "required_minutes": float(sum(r.required_minutes for r in rs)),
                   "proposal_rounds": float(self.round),
                   "extra_scope_requests": float(self.extra),
                   "no_counterpart_found": float(self.no_counterpart)}
        for g, r in sorted(self.reports.items()):
            for s, reason in sorted(r.unassigned.items()):
                metrics[f"unassigned.{g}.{s}"] = 1.0
                metrics[f"reason.{g}.{s}: {reason}"] = 1.0
        await self.send(self._start.sender, EpisodeDone(
            episode=self._episode, rounds=self.round, metrics=metrics),
            in_reply_to=self._start.id)


class RandomGroup(Agent):
    """A group as the source's: finds its counterparts, then proposes random times."""

    role = "member"

    def __init__(self, party: str, market: MeetingsMarket, seed: int) -> None:
        super().__init__(party)
        self.market, self.seed = market, seed
        self.keeper = market.timekeepers[party]
        self.wanted = [n for n in market.needs if n.party == party]
        self._reset()

    def _reset(self) -> None:
        self.rng = random.Random(self.seed)
        self.counterparts: list[list[str]] = [[] for _ in self.wanted]
        self.placed = [0] * len(self.wanted)
        self.failed: list[str | None] = [None] * len(self.wanted)
        self.refusals: list[dict[str, str]] = [{} for _ in self.wanted]
        self.priority: dict[tuple[str, str, str], float] = {}
        self.meetings: list[Meeting] = []
        self.busy: set[int] = set()

    async def on_start_searching_professors(self, msg: StartSearchingProfessors,
                                            env: Any) -> None:
        self._reset()
        await self._propose_negotiations(range(len(self.wanted)), msg.scope)
        for i, n in enumerate(self.wanted):
            if self.counterparts[i]:
                continue
            extra = expect(await self.request(COORDINATOR, ExtraScopeRequest(
                discipline=n.subject, lesson=n.kind)), ExtraScope)
            await self._propose_negotiations([i], extra.scope)
            if not self.counterparts[i]:
                reason = f"no professor in scope or extra scope can teach {n.subject}"
                self.failed[i] = reason
                expect(await self.request(COORDINATOR, NoCounterpartFound(
                    discipline=n.subject, lesson=n.kind, reason=reason)), Ack)
        for r in await self.request_all([
                (p, CounterpartsFound(discipline=n.subject, lesson=n.kind, n=len(ps)))
                for n, ps in zip(self.wanted, self.counterparts, strict=True) for p in ps]):
            expect(r, Ack)
        await self.send(COORDINATOR, self._report())

    async def _propose_negotiations(self, needs: Any, scope: list[str]) -> None:
        calls = [(i, p) for i in needs for p in scope]
        replies = await self.request_all([(p, NegotiationProposition(
            discipline=self.wanted[i].subject, lesson=self.wanted[i].kind,
            count=self.wanted[i].count)) for i, p in calls])
        for (i, p), r in zip(calls, replies, strict=True):
            if isinstance(r.body, NegotiationAcceptance):
                self.counterparts[i].append(p)

    async def on_discipline_priority_established(self, msg: DisciplinePriorityEstablished,
                                                 env: Any) -> None:
        self.priority[env.sender, msg.discipline, msg.lesson] = msg.priority

    async def on_proposal_round(self, msg: ProposalRound, env: Any) -> None:
        for i, n in enumerate(self.wanted):
            ps = list(self.counterparts[i])
            self.rng.shuffle(ps)
            for p in ps:
                if self.placed[i] >= n.count or self.failed[i] is not None:
                    break
                await self._propose(i, n, p, msg.round)
        await self.send(COORDINATOR, self._report())

    async def _propose(self, i: int, n: MeetingNeed, p: str, rnd: int) -> None:
        starts = [t for t in self.market.starts(n.steps)
                  if self.keeper.fits(t, n.steps, frozenset(self.busy))]
        if not starts:
            self.failed[i] = f"{self.id} has no time left for {n.subject}"
            return
        at = self.rng.choice(starts)
        reply = (await self.request(p, ClassesProposal(
            discipline=n.subject, lesson=n.kind, start=at, minutes=n.minutes,
            round=rnd))).body
        if isinstance(reply, ClassesAcceptance):
            self.meetings.append(Meeting(subject=n.subject, kind=n.kind, host=p, room=NO_ROOM,
                                         start=at, minutes=n.minutes))
            self.busy |= set(range(at, at + n.steps))
            self.placed[i] += 1
        elif isinstance(reply, ClassesRejection):
            self.refusals[i][p] = reply.reason
        else:
            raise TypeError(f"{self.id}: unexpected {type(reply).__name__} from {p}")

    def _reason(self, i: int) -> str:
        failed = self.failed[i]
        if failed is not None:
            return failed
        last = "; ".join(f"{p}: {r}" for p, r in sorted(self.refusals[i].items()))
        return f"not agreed within the rounds' budget ({last or 'no refusal'})"

    def _report(self) -> GoalReport:
        required = sum(n.count * n.minutes for n in self.wanted)
        placed = sum(m.minutes for m in self.meetings)
        return GoalReport(
            achieved=placed >= required, placed_minutes=placed, required_minutes=required,
            unassigned={subject(n.subject, n.kind): self._reason(i)
                        for i, n in enumerate(self.wanted) if self.placed[i] < n.count})

    async def on_plan_query(self, msg: PlanQuery, env: Any) -> PlanReport:
        p = self.market.plan(self.id, self.meetings)
        return PlanReport(episode=msg.episode, assignment=p.assignment, cost=p.cost,
                          usage=p.usage)


class RandomProfessor(Agent):
    """A professor as the source's: accepts a proposal whose utility reaches the fixed
    threshold, rejects any other; its priorities are fixed once every group searched."""

    role = "manager"

    def __init__(self, host: MeetingHost, keeper: Timekeeper, market: MeetingsMarket,
                 options: SeedRandomOptions) -> None:
        super().__init__(host.id)
        self.host, self.keeper, self.options = host, keeper, options
        self.weights = options.utility_options()
        self.step = market.step_minutes
        self._reset()

    def _reset(self) -> None:
        self.busy: set[int] = set()
        self.held = 0
        self.negs: dict[tuple[str, str, str], int | None] = {}
        self.announced: dict[tuple[str, str, str], float] = {}

    async def on_episode_start(self, msg: EpisodeStart, env: Any) -> EpisodeDone:
        self._reset()
        return EpisodeDone(episode=msg.episode, rounds=0)

    async def on_negotiation_proposition(self, msg: NegotiationProposition, env: Any) -> Body:
        if msg.discipline not in self.host.subjects:
            return NegotiationRejection(discipline=msg.discipline, lesson=msg.lesson,
                                        reason=f"{self.id} cannot teach {msg.discipline}")
        self.negs[env.sender, msg.discipline, msg.lesson] = None
        return NegotiationAcceptance(discipline=msg.discipline, lesson=msg.lesson)

    async def on_counterparts_found(self, msg: CounterpartsFound, env: Any) -> Ack:
        key = (env.sender, msg.discipline, msg.lesson)
        if key in self.negs:
            self.negs[key] = msg.n
        if all(n is not None for n in self.negs.values()):
            for k in sorted(self.negs):
                pr = self.priority(k[1], k[2])
                if self.announced.get(k) != pr:
                    self.announced[k] = pr
                    await self.send(k[0], DisciplinePriorityEstablished(
                        discipline=k[1], lesson=k[2], priority=pr, open=True))
        return Ack()

    def priority(self, discipline: str, lesson: str) -> float:
        """Its negotiations of the discipline / professors able to teach it."""
        ns = [n for (_, d, k), n in self.negs.items() if (d, k) == (discipline, lesson) and n]
        return len(ns) / (sum(ns) / len(ns)) if ns else 0.0

    async def on_classes_proposal(self, msg: ClassesProposal, env: Any) -> Body:
        d, k = msg.discipline, msg.lesson
        if (env.sender, d, k) not in self.negs:
            return ClassesRejection(discipline=d, lesson=k, final=True,
                                    reason=f"{self.id} has no negotiation of {d}")
        steps = -(-msg.minutes // self.step)
        top = max((self.priority(dd, kk) for _, dd, kk in self.negs), default=0.0)
        wp = self.priority(d, k) / top if top else 0.0
        fits = self.keeper.fits(msg.start, steps, frozenset(self.busy))
        m = self.host.max_meetings
        delta = 1.0 if m is None or self.held < m else 0.0
        u = utility(fits, delta, wp, self.keeper.preference(msg.start, steps), self.weights)
        if u >= self.options.acceptance_threshold - EPS:
            self.busy |= set(range(msg.start, msg.start + steps))
            self.held += 1
            return ClassesAcceptance(discipline=d, lesson=k, start=msg.start,
                                     minutes=msg.minutes)
        if delta <= 0:
            reason = f"{self.id} holds its maximum of {m} classes"
        elif not fits:
            reason = f"{self.id} is taken or unavailable then"
        else:
            reason = f"{self.id}'s utility {u:.2f} is below {self.options.acceptance_threshold}"
        return ClassesRejection(discipline=d, lesson=k, reason=reason, final=False)


class SeedRandomProtocol(Protocol[SeedRandomOptions]):
    """The protocol object registered as ``seed-random``."""

    name = "seed-random"
    summary = ("the source class scheduler: random proposals, fixed 0.7 threshold, no "
               "classrooms, a round budget instead of termination (baseline)")
    options_type = SeedRandomOptions
    requires = frozenset({Capability.MEETINGS})
    feasible = False  # it books no classroom and stops at its budget
    messages = KINDS

    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: SeedRandomOptions,
             anchors: dict[str, Plan]) -> Cast:
        market = domain.meetings(scenario)
        managers: list[Agent] = [RandomCoordinator(market, options)]
        managers += [RandomProfessor(h, market.timekeepers[h.id], market, options)
                     for h in market.hosts]
        members = [RandomGroup(g, market, member_seed(scenario.seed, g))
                   for g in market.parties]
        return Cast(managers=managers, members=members)
