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

Its agents are ``classes``' own, subclassed where the source behaved otherwise: the
search and the enrolment are the same code; the proposals, the fixed threshold, the
priorities established once and the round budget are this module's.
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
    MeetingsMarket,
    Protocol,
    Timekeeper,
)
from accord.model.messages import Body, EpisodeDone, EpisodeStart
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.capacity import member_seed
from accord.protocols.classes.coordinator import COORDINATOR, Coordinator
from accord.protocols.classes.group import GroupAgent, Need
from accord.protocols.classes.messages import (
    ClassesAcceptance,
    ClassesProposal,
    ClassesRejection,
    DisciplinePriorityEstablished,
    GoalReport,
    StartSearchingProfessors,
)
from accord.protocols.classes.options import ClassesOptions
from accord.protocols.classes.professor import ProfessorAgent
from accord.protocols.classes.utility import EPS
from accord.protocols.seed_random.messages import KINDS, ProposalRound
from accord.runtime.agent import Agent

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
        """The document's utility weights (0.5 each) and this threshold, no concession;
        synchronized: the source's group waits for the answer to each of its messages."""
        return ClassesOptions(acceptance_threshold=self.acceptance_threshold, concession=0,
                              mode="synchronized")


class RandomCoordinator(Coordinator):
    """``classes``' coordinator (searches, scopes, disciplines no professor can teach),
    but it runs the round budget: the episode ends after the last round, not on the
    goal."""

    def __init__(self, market: MeetingsMarket, options: SeedRandomOptions) -> None:
        super().__init__(market)
        self.budget = options.rounds
        self.round = 0

    async def on_episode_start(self, msg: EpisodeStart, env: Any) -> EpisodeDone | None:
        self.round = 0
        return await super().on_episode_start(msg, env)

    async def on_goal_report(self, msg: GoalReport, env: Any) -> None:
        self.reports[env.sender] = msg
        if len(self.reports) < len(self.parties):
            return
        if self.round < self.budget:
            self.round += 1
            self.reports = {}
            for g in self.parties:
                await self.send(g, ProposalRound(round=self.round))
            return
        await self.end(self.round, self.group_metrics() | {"proposal_rounds": float(self.round)})


class RandomGroup(GroupAgent):
    """A group as the source's: ``classes``' search for counterparts, then random times
    proposed in each round, no classroom booked."""

    def __init__(self, party: str, index: int, market: MeetingsMarket,
                 options: SeedRandomOptions, seed: int) -> None:
        super().__init__(party, index, market, options.utility_options(), seed)

    def _reset(self) -> None:
        super()._reset()
        self.rng = random.Random(self.seed)
        self.refusals: dict[tuple[str, str], dict[str, str]] = {}

    async def on_start_searching_professors(self, msg: StartSearchingProfessors,
                                            env: Any) -> None:
        self._reset()
        await self.search(msg.scope)
        await self.send(COORDINATOR, self.goal())

    async def on_discipline_priority_established(self, msg: DisciplinePriorityEstablished,
                                                 env: Any) -> None:
        """Recorded, as the source's group did; it proposes at random all the same."""
        s = self._need(msg.discipline, msg.lesson)
        if s is not None and env.sender in s.counterparts:
            s.counterparts[env.sender].priority = msg.priority

    async def on_proposal_round(self, msg: ProposalRound, env: Any) -> None:
        for s in self.needs:
            ps = list(s.counterparts)
            self.rng.shuffle(ps)
            for p in ps:
                if s.placed >= s.need.count or s.failed is not None:
                    break
                await self._propose(s, p, msg.round)
        await self.send(COORDINATOR, self.goal())

    async def _propose(self, s: Need, p: str, rnd: int) -> None:
        n = s.need
        starts = [t for t in self.market.starts(n.steps)
                  if self.keeper.fits(t, n.steps, frozenset(self.busy))]
        if not starts:
            s.failed = f"{self.id} has no time left for {n.subject}"
            return
        at = self.rng.choice(starts)
        reply = (await self.request(p, ClassesProposal(
            discipline=n.subject, lesson=n.kind, start=at, minutes=n.minutes,
            round=rnd))).body
        if isinstance(reply, ClassesAcceptance):
            self.meetings.append(Meeting(subject=n.subject, kind=n.kind, host=p, room=NO_ROOM,
                                         start=at, minutes=n.minutes))
            self.busy |= set(range(at, at + n.steps))
            s.placed += 1
        elif isinstance(reply, ClassesRejection):
            self.refusals.setdefault((n.subject, n.kind), {})[p] = reply.reason
        else:
            raise TypeError(f"{self.id}: unexpected {type(reply).__name__} from {p}")

    def why_left(self, s: Need) -> str:
        if s.failed is not None:
            return s.failed
        last = "; ".join(f"{p}: {r}" for p, r in sorted(
            self.refusals.get((s.need.subject, s.need.kind), {}).items()))
        return f"not agreed within the rounds' budget ({last or 'no refusal'})"


class RandomProfessor(ProfessorAgent):
    """A professor as the source's: ``classes``' professor, but it establishes its
    priorities once, when every group has searched, and never again; it accepts a
    proposal whose utility reaches the fixed threshold (the class goes straight into its
    timetable) and rejects any other; it never counter-proposes nor keeps classes for
    others."""

    closes = False

    def __init__(self, host: MeetingHost, keeper: Timekeeper, market: MeetingsMarket,
                 options: SeedRandomOptions) -> None:
        super().__init__(host, keeper, market, options.utility_options(), seed=0)
        self.fixed = options.acceptance_threshold

    def _reset(self) -> None:
        super()._reset()
        self.established = False

    async def announce(self) -> None:
        """Every priority, once every negotiation has its counterparts; never again."""
        if self.established or any(g.n is None for g in self.negs.values()):
            return
        self.established = True
        for k in sorted(self.negs):
            await self.send(k[0], DisciplinePriorityEstablished(
                discipline=k[1], lesson=k[2], priority=self.priority(k[1], k[2]), open=True))

    async def on_classes_proposal(self, msg: ClassesProposal, env: Any) -> Body:
        d, k = msg.discipline, msg.lesson
        key = (env.sender, d, k)
        neg = self.negs.get(key)
        if neg is None:
            return ClassesRejection(discipline=d, lesson=k, final=True,
                                    reason=f"{self.id} has no negotiation of {d}")
        steps = -(-msg.minutes // self.step)
        u = self.utility_of(key, msg.start, steps)
        if u >= self.fixed - EPS:
            await self.take(key, neg, msg.start, steps)
            return ClassesAcceptance(discipline=d, lesson=k, start=msg.start,
                                     minutes=msg.minutes)
        if self.free == 0:
            reason = f"{self.id} holds its maximum of {self.host.max_meetings} classes"
        elif not self.keeper.fits(msg.start, steps, frozenset(self.busy)):
            reason = f"{self.id} is taken or unavailable then"
        else:
            reason = f"{self.id}'s utility {u:.2f} is below {self.fixed}"
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
        members = [RandomGroup(g, i, market, options, member_seed(scenario.seed, g))
                   for i, g in enumerate(market.parties)]
        return Cast(managers=managers, members=members)
