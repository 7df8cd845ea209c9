"""``first-commit``: today's practice, as the baseline of the negotiating protocols.

Every member solves alone and submits a complete plan; the manager takes the members in a
fixed order and grants each plan if everything it asks for is still free. A member whose
request collides with what earlier members committed is refused (the refused units are
counted, e.g. room requests), re-plans around everything already committed, and commits.
Nothing is renegotiated afterwards.

A member that cannot fit even then commits over capacity (hard violations), unless
``by_hand``: then, as offices do by hand, it asks those who committed first to move out of
its way at whatever cost they quote (the grant phase of ``negotiate`` in the fixed order,
without its Requests for Change).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import Capability, Cast, Domain, ManagerSpec, Protocol
from accord.model.messages import Ack, EpisodeDone, EpisodeStart
from accord.model.plan import Key, Plan, add_usage, from_entries, to_entries
from accord.model.scenario import ScenarioBase
from accord.protocols.capacity import fits, overflow
from accord.protocols.messages import KINDS, CallForPlans, Grant, PlanRequest, Refusal
from accord.protocols.negotiate import Manager, NegotiateOptions, members
from accord.protocols.negotiate.budget import TimeBudget
from accord.runtime.agent import Agent, expect


class FirstCommitOptions(BaseModel):
    """Options of ``first-commit``."""

    model_config = ConfigDict(extra="forbid")
    solve_time_limit: float = Field(default=5.0, gt=0)
    by_hand: bool = Field(default=False, description="a member that cannot fit asks those "
                                                     "who committed first to move")
    time_budget: float | None = Field(
        default=None, gt=0, description="wall seconds for the episode: every call for plans "
                                        "and re-plan carries the seconds left (None: no limit)")


class FirstCommitManager(Agent):
    """Grants whole plans first come, first served, in the members' fixed order."""

    role = "manager"

    def __init__(self, spec: ManagerSpec, time_budget: float | None = None) -> None:
        super().__init__(spec.id)
        self.spec = spec
        self.budget = TimeBudget(time_budget, self.clock)

    async def on_episode_start(self, msg: EpisodeStart, env: object) -> EpisodeDone:
        self.budget.start()
        members = list(self.spec.members)
        free: dict[Key, int] = dict(self.spec.capacity)
        everything = to_entries(free)
        replies = await self.request_all(
            [(m, CallForPlans(episode=msg.episode, free=self.spec.usable(m, everything),
                              seconds=self.budget.seconds_left())) for m in members])
        refused_units = refused_members = 0
        for m, r in zip(members, replies, strict=True):
            usage = from_entries(expect(r, PlanRequest).usage)
            if not fits(usage, free):
                refused_units += overflow(usage, free)
                refused_members += 1
                again = await self.request(m, Refusal(
                    reason="taken by members who committed first",
                    free=self.spec.usable(m, to_entries({k: max(0, v)
                                                          for k, v in free.items()})),
                    seconds=self.budget.last_chance()))
                usage = from_entries(expect(again, PlanRequest).usage)
            add_usage(free, usage, -1)
            expect(await self.request(m, Grant(usage=to_entries(usage))), Ack)
        return EpisodeDone(episode=msg.episode, rounds=0, metrics={
            "refused_requests": float(refused_units), "refused_members": float(refused_members)})


class FirstCommitProtocol(Protocol[FirstCommitOptions]):
    """The protocol object registered as ``first-commit``."""

    name = "first-commit"
    summary = "fixed order, first come first served, refused members re-plan (today's practice)"
    options_type = FirstCommitOptions
    requires = frozenset({Capability.CAPACITY})
    messages = KINDS

    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: FirstCommitOptions,
             anchors: dict[str, Plan]) -> Cast:
        by_hand = NegotiateOptions(max_rounds=0, refusal_batch=1, grant_order="listed",
                                   solve_time_limit=options.solve_time_limit,
                                   time_budget=options.time_budget)
        managers: list[Agent] = [
            Manager(s, by_hand, scenario.seed) if options.by_hand
            else FirstCommitManager(s, options.time_budget)
            for s in domain.managers(scenario)]
        return Cast(managers=managers, members=members(
            domain.local_problems(scenario), scenario.seed, anchors, options.solve_time_limit))
