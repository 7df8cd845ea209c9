"""Tutorial protocol ``round-robin``: each capacity resource's manager asks its members one
at a time, in a seeded order rotated every episode, for a plan within what is still free,
and grants it. Nothing is renegotiated; a member that cannot fit asks for the least
overflow (hard violations). Runs every domain that offers ``Capability.CAPACITY``.
See docs/extending.md."""

from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import (
    Budget,
    Capability,
    Cast,
    Domain,
    LocalProblem,
    ManagerSpec,
    Protocol,
    SolveContext,
)
from accord.model.errors import ProtocolError
from accord.model.messages import Ack, EpisodeDone, EpisodeStart, PlanQuery, PlanReport
from accord.model.plan import Key, Plan, add_usage, from_entries, to_entries
from accord.model.scenario import ScenarioBase
from accord.protocols.capacity import member_seed, overflow
from accord.protocols.messages import CallForPlans, Grant, PlanRequest
from accord.runtime.agent import Agent, expect


class RoundRobinOptions(BaseModel):
    """Options of ``round-robin`` (``protocol_options.round-robin`` in a scenario)."""

    model_config = ConfigDict(extra="forbid")
    work: float = Field(default=1.0, gt=0, description="CP-SAT work units per member solve")


class Member(Agent):
    """Solves its local problem within the free capacity; reveals usage and cost only."""

    role = "member"

    def __init__(self, problem: LocalProblem, anchor: Plan | None, seed: int, work: float):
        super().__init__(problem.agent_id)
        self.problem, self.anchor, self.seed, self.work = problem, anchor, seed, work
        self.plan: Plan | None = None
        self.offered: Plan | None = None

    async def on_call_for_plans(self, msg: CallForPlans, env: object) -> PlanRequest:
        self.anchor, self.plan = self.plan or self.anchor, None
        free = from_entries(msg.free)
        ctx = SolveContext(caps=free, soft_caps=True, anchor=self.anchor, seed=self.seed,
                           budget=Budget(work=msg.work * self.work))
        self.offered = await self.think(self.problem.solve, ctx)
        if self.offered is None:
            raise ProtocolError(f"{self.id}: no plan even with soft caps")
        usage = self.offered.usage_map()
        return PlanRequest(usage=to_entries(usage), cost=self.offered.cost,
                           overflow=overflow(usage, free) > 0)

    async def on_grant(self, msg: Grant, env: object) -> Ack:
        if self.offered is None or from_entries(msg.usage) != self.offered.usage_map():
            raise ProtocolError(f"{self.id}: granted usage it did not ask for")
        self.plan = self.offered
        return Ack()

    async def on_plan_query(self, msg: PlanQuery, env: object) -> PlanReport:
        if self.plan is None:
            raise ProtocolError(f"{self.id} holds no granted plan")
        return PlanReport(episode=msg.episode, assignment=self.plan.assignment,
                          cost=self.plan.cost, usage=self.plan.usage)


class Manager(Agent):
    """Guards one capacity resource; serves its members one at a time."""

    role = "manager"

    def __init__(self, spec: ManagerSpec, seed: int) -> None:
        super().__init__(spec.id)
        self.spec, self.order = spec, sorted(spec.members)
        random.Random(f"{seed}:{spec.id}").shuffle(self.order)

    async def on_episode_start(self, msg: EpisodeStart, env: object) -> EpisodeDone:
        k = msg.episode % len(self.order) if self.order else 0
        free: dict[Key, int] = dict(self.spec.capacity)
        over = 0
        for m in self.order[k:] + self.order[:k]:  # whoever went first goes last next time
            left = to_entries({key: max(0, n) for key, n in free.items()})
            ask = await self.request(m, CallForPlans(episode=msg.episode, free=left))
            usage = from_entries(expect(ask, PlanRequest).usage)
            over += overflow(usage, free)
            add_usage(free, usage, -1)
            expect(await self.request(m, Grant(usage=to_entries(usage))), Ack)
        return EpisodeDone(episode=msg.episode, rounds=1, metrics={"overflow": float(over)})


class RoundRobinProtocol(Protocol[RoundRobinOptions]):
    """The protocol object, registered as ``round-robin``."""

    name = "round-robin"
    summary = "one member at a time, in a rotating seeded order (the tutorial protocol)"
    options_type = RoundRobinOptions
    requires = frozenset({Capability.CAPACITY})
    messages = (CallForPlans, PlanRequest, Grant)

    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: RoundRobinOptions,
             anchors: dict[str, Plan]) -> Cast:
        return Cast(
            managers=[Manager(s, scenario.seed) for s in domain.managers(scenario)],
            members=[Member(p, anchors.get(p.agent_id), member_seed(scenario.seed, p.agent_id),
                            options.work) for p in domain.local_problems(scenario)])
