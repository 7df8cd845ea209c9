"""Tutorial domain ``meetings``: teams book one-hour meetings in a week of slots.

Rooms are the shared capacity resource: each building has so many rooms per slot, and its
manager guards them. Each team books ``meetings`` distinct slots and privately prefers
some; the official cost is the meetings outside the preferred slots. A hard violation is a
meeting without a room, or a team with the wrong number of meetings. See docs/extending.md.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Literal

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field, model_validator

from accord.contract import (
    Capability,
    CentralResult,
    Domain,
    Evaluation,
    Formats,
    Generator,
    LocalProblem,
    ManagerSpec,
    SolveContext,
)
from accord.model.errors import AccordError
from accord.model.plan import Plan, to_entries
from accord.model.scenario import ScenarioBase
from accord.solve.cpsat import solve_model, solve_within

OUTSIDE = "outside_preferred"
"""The one soft constraint, by the name it has in every plan's and episode's breakdown."""


class Team(BaseModel):
    """A team agent: its building, its meetings, and its preferred slots (private)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    building: str
    meetings: int = Field(ge=0)
    preferred: list[int] = Field(default_factory=list)


class MeetingsScenario(ScenarioBase):
    """``slots`` one-hour slots, rooms per slot in each building, and the teams."""

    domain: Literal["meetings"] = "meetings"
    slots: int = Field(default=40, ge=1)
    buildings: dict[str, int] = Field(min_length=1, description="rooms per slot, by building")
    teams: list[Team] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> MeetingsScenario:
        ids = [*self.buildings, *(t.id for t in self.teams)]  # every id is an agent's
        if len(set(ids)) != len(ids):
            raise ValueError("building and team ids must be unique")
        for t in self.teams:
            if t.building not in self.buildings or t.meetings > self.slots:
                raise ValueError(f"team {t.id}: unknown building or too many meetings")
        return self


def team_vars(m: cp_model.CpModel, sc: MeetingsScenario, t: Team) -> dict[int, cp_model.IntVar]:
    """One boolean per slot (the team meets then), exactly ``meetings`` of them true."""
    x = {s: m.new_bool_var(f"{t.id}_{s}") for s in range(sc.slots)}
    m.add(sum(x.values()) == t.meetings)
    return x


def outside(t: Team, x: Mapping[int, cp_model.IntVar]) -> cp_model.LinearExprT:
    """The official cost as a CP-SAT expression: meetings outside preferred slots."""
    return sum(v for s, v in x.items() if s not in t.preferred)


def plan_of(t: Team, slots: list[int]) -> Plan:
    """A team's plan: its slots, its cost, and one room per meeting as its usage."""
    cost = len([s for s in slots if s not in t.preferred])
    return Plan(agent=t.id, assignment={"slots": sorted(slots)}, cost=cost,
                breakdown={OUTSIDE: cost}, usage=to_entries({(t.building, s): 1 for s in slots}))


class TeamProblem(LocalProblem):
    """Minimise, in this order: meetings over the caps, meetings outside preferred slots,
    and moves from the anchor plan."""

    def __init__(self, sc: MeetingsScenario, team: Team) -> None:
        self.sc, self.team, self.agent_id, self.manager = sc, team, team.id, team.building

    def solve(self, ctx: SolveContext) -> Plan | None:
        t, m = self.team, cp_model.CpModel()
        x = team_vars(m, self.sc, t)
        over, caps = [], ctx.caps
        for s, v in x.items() if caps is not None else ():
            cap = max(0, caps.get((t.building, s), 0))  # missing key: no room
            if ctx.soft_caps:
                over.append(m.new_bool_var(f"over_{s}"))
                m.add(v <= cap + over[-1])
            elif cap == 0:
                m.add(v == 0)
        before = set(ctx.anchor.assignment.get("slots", [])) if ctx.anchor else set()
        moves = [1 - v if s in before else v for s, v in x.items()] if ctx.anchor else []
        cost_w = len(x) + 1  # one meeting outside outweighs any number of moves
        over_w = cost_w * (ctx.price if ctx.price is not None else t.meetings + 1)
        m.minimize(over_w * sum(over) + cost_w * outside(t, x) + sum(moves))
        solved = solve_within(m, ctx.budget, seed=ctx.seed)
        if solved is None:
            return None
        return plan_of(t, [s for s, v in x.items() if solved.solver.value(v)])


class GenerateOptions(BaseModel):
    """``accord generate meetings``: each option becomes a ``--flag``."""

    model_config = ConfigDict(extra="forbid")
    teams: int = Field(default=8, ge=1, description="teams")
    rooms: int = Field(default=2, ge=1, description="rooms per slot (one building)")
    seed: int = Field(default=1, description="seed of the draw")


def generate(o: GenerateOptions) -> MeetingsScenario:
    """Teams with 1–4 meetings in 20 slots, each preferring 5 of them."""
    rng, slots = random.Random(o.seed), 20
    teams = [Team(id=f"T{i}", building="main", meetings=rng.randint(1, 4),
                  preferred=sorted(rng.sample(range(slots), 5))) for i in range(1, o.teams + 1)]
    return MeetingsScenario(name=f"meetings-{o.teams}-{o.seed}", slots=slots, seed=o.seed,
                            buildings={"main": max(o.rooms, -(-4 * o.teams // slots))},
                            teams=teams, description=f"{o.teams} teams, seed {o.seed}")


FORMATS = Formats(generators=(Generator(
    name="meetings", summary="A seeded meetings scenario.", options=GenerateOptions,
    make=generate),))
"""What ``accord generate/import/export`` find for this domain through the registry."""


class MeetingsDomain(Domain[MeetingsScenario]):
    """The meetings domain: one manager per building, one member per team."""

    name = "meetings"
    summary = "teams booking meeting rooms (the tutorial domain)"
    scenario_type = MeetingsScenario
    capabilities = frozenset({Capability.CAPACITY, Capability.CENTRAL})
    formats = FORMATS

    def local_problems(self, scenario: MeetingsScenario) -> list[LocalProblem]:
        return [TeamProblem(scenario, t) for t in scenario.teams]

    def managers(self, scenario: MeetingsScenario) -> list[ManagerSpec]:
        return [ManagerSpec(id=b, capacity={(b, s): rooms for s in range(scenario.slots)},
                            members=tuple(t.id for t in scenario.teams if t.building == b))
                for b, rooms in scenario.buildings.items()]

    def evaluate(self, scenario: MeetingsScenario, plans: Mapping[str, Plan]) -> Evaluation:
        hard, cost, load = {"over_capacity": 0, "wrong_meetings": 0}, 0, {}
        for t in scenario.teams:
            slots = plans[t.id].assignment["slots"] if t.id in plans else []
            booked = {s for s in slots if 0 <= s < scenario.slots}
            hard["wrong_meetings"] += abs(len(booked) - t.meetings) + len(slots) - len(booked)
            cost += len(booked - set(t.preferred))
            for s in booked:
                load[t.building, s] = load.get((t.building, s), 0) + 1
        hard["over_capacity"] = sum(max(0, n - scenario.buildings[b])
                                    for (b, _), n in load.items())
        return Evaluation(hard_violations=sum(hard.values()), cost=cost,
                          breakdown={OUTSIDE: cost}, hard_breakdown=hard)

    def central(self, scenario: MeetingsScenario, *, time_limit: float, seed: int,
                workers: int) -> CentralResult:
        sc, m = scenario, cp_model.CpModel()
        xs = {t.id: team_vars(m, sc, t) for t in sc.teams}
        over = []
        for b, rooms in sc.buildings.items():
            for s in range(sc.slots):
                over.append(m.new_int_var(0, len(sc.teams), f"over_{b}_{s}"))
                m.add(sum(xs[t.id][s] for t in sc.teams if t.building == b) <= rooms + over[-1])
        big = sum(t.meetings for t in sc.teams) + 1  # no saving is worth a meeting roomless
        m.minimize(big * sum(over) + sum(outside(t, xs[t.id]) for t in sc.teams))
        solved = solve_model(m, time_limit=time_limit, seed=seed, workers=workers)
        if solved is None:
            raise AccordError(f"central: no solution within {time_limit:g} s")
        plans = {t.id: plan_of(t, [s for s, v in xs[t.id].items() if solved.solver.value(v)])
                 for t in sc.teams}
        return CentralResult(plans=plans, optimal=solved.optimal, bound=solved.bound)


DOMAIN = MeetingsDomain()
