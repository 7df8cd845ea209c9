"""``central``: one model of the merged problem, the yardstick for every protocol.

A solver agent solves the domain's central model each episode (it may see every agent's
private data) and hands each scheduling agent its plan, which the agent then reports like
any other protocol's member. No negotiation: the runner treats it as any protocol.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import Capability, Cast, CentralResult, Domain, Protocol
from accord.model.errors import ProtocolError
from accord.model.messages import Ack, Body, EpisodeDone, EpisodeStart, PlanQuery, PlanReport
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.trace import trace_metrics
from accord.runtime.agent import Agent, expect

SOLVER = "central"


class CentralOptions(BaseModel):
    """Budget of the centralised solve."""

    model_config = ConfigDict(extra="forbid")
    time_limit: float = Field(default=60.0, gt=0, description="wall seconds of the solve")
    workers: int = Field(default=1, ge=1, le=64, description="CP-SAT workers (1: "
                                                             "reproducible)")


class HoldPlan(Body):
    """Solver to a scheduling agent: the plan of the central solution that is yours."""

    kind: Literal["hold_plan"] = "hold_plan"
    plan: Plan


class CentralSolver(Agent):
    """Solves the whole episode at once and hands out the plans."""

    role = "manager"

    def __init__(self, domain: Domain[Any], scenario: ScenarioBase, options: CentralOptions,
                 holders: list[str]) -> None:
        super().__init__(SOLVER)
        self.domain, self.scenario, self.options, self.holders = (
            domain, scenario, options, holders)

    async def on_episode_start(self, msg: EpisodeStart, env: object) -> EpisodeDone:
        solve = partial(self.domain.central, self.scenario, time_limit=self.options.time_limit,
                        seed=self.scenario.seed, workers=self.options.workers)
        solved: CentralResult = await self.think(solve)
        if set(solved.plans) != set(self.holders):
            raise ProtocolError(f"central: plans for {sorted(solved.plans)}, agents "
                                f"{sorted(self.holders)}")
        for r in await self.request_all([(a, HoldPlan(plan=solved.plans[a]))
                                         for a in self.holders]):
            expect(r, Ack)
        # whether the solver proved the plans optimal, its bound on the cost, and the
        # best cost over time
        return EpisodeDone(episode=msg.episode, rounds=0,
                           metrics={"optimal": float(solved.optimal), "bound": solved.bound,
                                    **trace_metrics(self.id, solved.trace)})


class PlanHolder(Agent):
    """A scheduling agent under ``central``: it holds the plan it was given."""

    role = "member"

    def __init__(self, agent_id: str) -> None:
        super().__init__(agent_id)
        self.plan: Plan | None = None

    async def on_hold_plan(self, msg: HoldPlan, env: object) -> Ack:
        self.plan = msg.plan
        return Ack()

    async def on_plan_query(self, msg: PlanQuery, env: object) -> PlanReport:
        if self.plan is None:
            raise ProtocolError(f"{self.id} was given no plan")
        p = self.plan
        return PlanReport(episode=msg.episode, assignment=p.assignment, cost=p.cost,
                          usage=p.usage)


class CentralProtocol(Protocol[CentralOptions]):
    """Solve everything at once; it may see every agent's private data."""

    name = "central"
    summary = "centralised CP-SAT optimum of each episode (sees everything)"
    options_type = CentralOptions
    requires = frozenset({Capability.CENTRAL})
    messages = (HoldPlan,)
    centralised = True

    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: CentralOptions,
             anchors: dict[str, Plan]) -> Cast:
        agents = domain.agents(scenario)
        return Cast(managers=[CentralSolver(domain, scenario, options, agents)],
                    members=[PlanHolder(a) for a in agents])
