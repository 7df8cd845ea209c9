"""Runs a scenario: agents on a bus, episode after episode, each stored as it ends."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from accord.app.interrupt import Caught, Interrupted, interruptible
from accord.app.ledger import LedgerOptions, check_same, choose, heartbeat, holding
from accord.app.progress import Watch
from accord.app.registry import resolve
from accord.contract import Cast, CentralResult
from accord.model.errors import ProtocolError
from accord.model.messages import (
    CommitmentRecord,
    EpisodeDone,
    EpisodeStart,
    PlanQuery,
    PlanReport,
)
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.central import CentralOptions
from accord.runtime.agent import Agent, expect
from accord.runtime.bus import Bus
from accord.runtime.memory import InMemoryBus
from accord.solve.stop import resume
from accord.store import EpisodeRecord, RunRow, Store
from accord.store.identity import scenario_hash
from accord.store.lock import claim, now
from accord.store.owner import me

DIRECTOR = "director"


def merge_metrics(reports: list[dict[str, float]]) -> dict[str, float]:
    """Managers' metrics together: counts add up, ``*_seconds`` take the latest."""
    out: dict[str, float] = {}
    for metrics in reports:
        for name, value in metrics.items():
            if name.endswith("_seconds"):
                out[name] = max(out.get(name, 0.0), value)
            else:
                out[name] = out.get(name, 0.0) + value
    return out


def utilisation(solving: dict[str, float], wall: float) -> dict[str, float]:
    """Each member's share of the episode's wall time spent solving, and their mean."""
    shares = {f"utilisation.{a}": round(s / wall, 4) for a, s in solving.items()}
    mean = sum(solving.values()) / len(solving) / wall if solving else 0.0
    return shares | {"utilisation": round(mean, 4)}


def solving_by_kind(agents: Iterable[Agent], before: dict[str, dict[str, float]]
                    ) -> dict[str, float]:
    """CPU seconds the agents spent solving since ``before``, summed by the kind of message
    they answered (``solving.<kind>``: e.g. a stage of a protocol)."""
    out: dict[str, float] = {}
    for a in agents:
        for kind, spent in a.solving.items():
            name = f"solving.{kind}"
            out[name] = out.get(name, 0.0) + spent - before[a.id].get(kind, 0.0)
    return {k: round(v, 4) for k, v in out.items()}


class Director(Agent):
    """Starts each episode at the managers and collects the agreed plans."""

    role = "director"

    async def episode(
        self, episode: int, managers: list[str], members: list[str],
        ledger: list[CommitmentRecord],
    ) -> tuple[list[EpisodeDone], dict[str, Plan]]:
        """Run one episode to its end; returns the managers' reports and the plans."""
        replies = await self.request_all(
            [(m, EpisodeStart(episode=episode, ledger=ledger)) for m in managers])
        done = [expect(r, EpisodeDone) for r in replies]
        reports = await self.request_all([(a, PlanQuery(episode=episode)) for a in members])
        plans = {}
        for a, r in zip(members, reports, strict=True):
            rep = expect(r, PlanReport)
            plans[a] = Plan(agent=a, assignment=rep.assignment, cost=rep.cost, usage=rep.usage)
        return done, plans


@dataclass
class Crew:
    """A run's agents: the director and the protocol's cast, as cast from these inputs."""

    scenario: ScenarioBase
    protocol: str
    anchors: dict[str, Plan]
    director: Director
    cast: Troupe

    def agents(self) -> list[Agent]:
        """Every agent, the director first."""
        return [self.director, *self.cast.managers, *self.cast.members]


Staged = tuple[Bus, list[Agent]]
"""A crew on a bus, and the members whose solve time this process can see."""

Stage = Callable[[str, Crew], AbstractAsyncContextManager[Staged]]
"""Puts a run's crew on a bus for the run's duration: in memory, or on NATS."""


@asynccontextmanager
async def in_memory(run_id: str, crew: Crew) -> AsyncIterator[Staged]:
    """The embedded default: every agent on one deterministic in-memory bus."""
    bus = InMemoryBus(run_id, overlap=crew.cast.asynchronous)
    for a in crew.agents():
        bus.register(a)
    try:
        yield bus, crew.cast.members
    finally:
        await bus.close()


@dataclass
class Troupe:
    """A protocol's cast, checked to be runtime agents."""

    managers: list[Agent]
    members: list[Agent]
    asynchronous: bool


def _agents(protocol: str, cast: Sequence[object]) -> list[Agent]:
    out = [a for a in cast if isinstance(a, Agent)]
    if len(out) != len(cast):
        raise ProtocolError(f"protocol {protocol} cast something that is not an agent")
    return out


def cast_agents(scenario: ScenarioBase, protocol_name: str, anchors: dict[str, Plan]
                ) -> Troupe:
    """The protocol's agents for a scenario; every process of a run casts the same ones."""
    domain, protocol, options = resolve(scenario, protocol_name)
    cast: Cast = protocol.cast(domain, scenario, options, anchors)
    troupe = Troupe(_agents(protocol_name, cast.managers), _agents(protocol_name, cast.members),
                    cast.asynchronous)
    if DIRECTOR in {a.id for a in troupe.managers + troupe.members}:
        raise ProtocolError(f"agent id {DIRECTOR!r} is reserved")
    return troupe


@dataclass
class EpisodeResult:
    """One episode as reported."""

    episode: int
    hard_violations: int
    hard_breakdown: dict[str, int]
    cost: int
    cost_breakdown: dict[str, int]
    reference_cost: int | None
    messages: int
    bytes: int
    rounds: int
    wall_seconds: float
    plans: dict[str, Plan]
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class RunResult:
    """A finished run: what ``--report`` writes."""

    run_id: str
    scenario: str
    domain: str
    protocol: str
    seed: int
    db: str
    episodes: list[EpisodeResult] = field(default_factory=list)

    def fairness(self) -> dict[str, Any]:
        """Per agent: total cost over the episodes and mean cost per unit of size."""
        per: dict[str, dict[str, float]] = {}
        for ep in self.episodes:
            for a, p in ep.plans.items():
                size = sum(u.amount for u in p.usage)
                d = per.setdefault(a, {"total_cost": 0, "per_unit": 0.0})
                d["total_cost"] += p.cost
                d["per_unit"] += p.cost / size / len(self.episodes) if size else 0.0
        units = [d["per_unit"] for d in per.values()]
        mean = sum(units) / len(units) if units else 0.0
        return {"agents": per, "max_per_unit": max(units, default=0.0), "mean_per_unit": mean,
                "max_over_mean": (max(units) / mean) if mean else 0.0}

    def report(self) -> dict[str, Any]:
        """The JSON report."""
        return {
            "run_id": self.run_id, "scenario": self.scenario, "domain": self.domain,
            "protocol": self.protocol, "seed": self.seed,
            "episodes": [{
                "episode": e.episode, "hard_violations": e.hard_violations,
                "hard_breakdown": e.hard_breakdown, "cost": e.cost,
                "cost_breakdown": e.cost_breakdown, "reference_cost": e.reference_cost,
                "messages": e.messages, "bytes": e.bytes, "rounds": e.rounds,
                "wall_seconds": e.wall_seconds, "metrics": e.metrics,
                "plans": {a: p.assignment for a, p in sorted(e.plans.items())},
            } for e in self.episodes],
            "fairness": self.fairness(),
        }


def _run_id(store: Store, scenario: ScenarioBase, protocol: str, first: int, n: int) -> str:
    text = json.dumps([scenario.model_dump(mode="json"), protocol, first, n], sort_keys=True)
    base = f"{scenario.name}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    taken = {r.id for r in store.runs()}
    rid, k = base, 1
    while rid in taken:
        k += 1
        rid = f"{base}-{k}"
    return rid


def _central_options(scenario: ScenarioBase) -> CentralOptions:
    return CentralOptions.model_validate(scenario.options_for("central"))


async def _run(
    scenario: ScenarioBase, protocol_name: str, episodes: int, store: Store, reference: bool,
    on_episode: Callable[[EpisodeResult], None] | None, stage: Stage, caught: Caught,
    how: LedgerOptions, watch: Watch | None,
) -> RunResult:
    """Hold the ledger, record the run, play its episodes, mark how it ended."""
    _, _, options = resolve(scenario, protocol_name)
    data = scenario.model_dump(mode="json")
    ledger_key = choose(store, scenario.name, protocol_name, how.fresh)
    owner = me()
    async with holding(store, ledger_key, owner, how.wait,
                       None if watch is None else watch.waiting):
        check_same(store, ledger_key, data, how.changed)
        first = store.next_episode(ledger_key)
        run_id = _run_id(store, scenario, protocol_name, first, episodes)
        store.begin_run(RunRow(
            id=run_id, ledger=ledger_key, scenario_name=scenario.name,
            domain=scenario.domain, protocol=protocol_name, seed=scenario.seed,
            first_episode=first, episodes_requested=episodes, status="running",
            started_at=now(), scenario_json=scenario.model_dump_json(),
            options_json=options.model_dump_json(), scenario_hash=scenario_hash(data),
            owner=owner, heartbeat_at=now()))
        claim(store, ledger_key, owner, run_id)
        result = RunResult(run_id, scenario.name, scenario.domain, protocol_name,
                           scenario.seed, store.url)
        try:
            async with heartbeat(store, ledger_key, owner, run_id):
                await _play(scenario, protocol_name, range(first, first + episodes),
                            ledger_key, store, reference, on_episode, stage, result, watch)
        except BaseException:
            if caught.signum is None:
                store.finish_run(run_id, "failed", now())
                raise
            store.finish_run(run_id, "interrupted", now())
            raise Interrupted(caught.signum, result) from None
        store.finish_run(run_id, "complete", now())
    return result


async def _play(
    scenario: ScenarioBase, protocol_name: str, episodes: range, ledger_key: str,
    store: Store, reference: bool, on_episode: Callable[[EpisodeResult], None] | None,
    stage: Stage, result: RunResult, watch: Watch | None,
) -> None:
    """The run's episodes, each stored as it ends and added to ``result``."""
    domain, protocol, _ = resolve(scenario, protocol_name)
    run_id = result.run_id
    central_opts = _central_options(scenario)
    reference_cost: int | None = None

    def central() -> CentralResult:
        return domain.central(scenario, time_limit=central_opts.time_limit, seed=scenario.seed,
                              workers=central_opts.workers)

    director = Director(DIRECTOR)
    async with AsyncExitStack() as stack:
        anchors = store.last_plans(ledger_key)
        crew = Crew(scenario, protocol_name, anchors, director,
                    cast_agents(scenario, protocol_name, anchors))
        bus, here = await stack.enter_async_context(stage(run_id, crew))
        managers = [a.id for a in crew.cast.managers]
        members = [a.id for a in crew.cast.members]
        for ep in episodes:
            t0 = time.perf_counter()
            mark = len(bus.trace)
            if watch is not None:
                watch.started(ep, bus.trace)
            before = {a.id: dict(a.solving) for a in here}  # members seen here
            done, plans = await bus.run_until(director.episode(
                ep, managers, members, store.outstanding(ledger_key)), director)
            sent = len(bus.trace) - mark
            rounds = max((d.rounds for d in done), default=0)
            ledger_changes = [c for d in done for c in d.ledger]
            protocol_metrics = merge_metrics([d.metrics for d in done])
            wall = time.perf_counter() - t0
            if here and wall > 0:  # CPU seconds each member spent solving
                protocol_metrics |= utilisation(
                    {a.id: a.solve_seconds - sum(before[a.id].values()) for a in here}, wall)
                protocol_metrics |= solving_by_kind(here, before)
            if watch is not None:
                watch.ended("reference" if reference and reference_cost is None else "storing")
            ev = domain.evaluate(scenario, plans)
            if watch is not None:
                watch.evaluated(ev.cost)
            if reference and reference_cost is None:
                # a central run is its own reference: do not solve the same model twice
                reference_cost = ev.cost if protocol.centralised else domain.evaluate(
                    scenario, (await asyncio.to_thread(central)).plans).cost
            protocol_metrics |= ev.metrics
            metrics = {f"cost.{a}": float(p.cost) for a, p in plans.items()} | protocol_metrics
            rec = EpisodeRecord(
                episode=ep, hard_violations=ev.hard_violations, cost=ev.cost,
                cost_breakdown=ev.breakdown, hard_breakdown=ev.hard_breakdown,
                reference_cost=reference_cost if reference else None, rounds=rounds,
                wall_seconds=round(wall, 4), messages=bus.trace.texts(mark), plans=plans,
                ledger=ledger_changes, metrics=metrics)
            nbytes = store.save_episode(run_id, ledger_key, rec)
            bus.trace.stored()  # the store holds the episode's messages now
            await bus.keep_ledger(ep, ledger_changes)  # after the store of record
            res = EpisodeResult(
                episode=ep, hard_violations=ev.hard_violations,
                hard_breakdown=ev.hard_breakdown, cost=ev.cost, cost_breakdown=ev.breakdown,
                reference_cost=rec.reference_cost, messages=sent, bytes=nbytes,
                rounds=rounds, wall_seconds=rec.wall_seconds, plans=plans,
                metrics=protocol_metrics)
            result.episodes.append(res)
            if on_episode:
                on_episode(res)


def run_scenario(
    scenario: ScenarioBase,
    *,
    protocol: str | None = None,
    episodes: int | None = None,
    seed: int | None = None,
    db: str = "accord.db",
    reference: bool = False,
    on_episode: Callable[[EpisodeResult], None] | None = None,
    stage: Stage = in_memory,
    ledger: LedgerOptions = LedgerOptions(),
    watch: Watch | None = None,
) -> RunResult:
    """Run a scenario's protocol for some episodes, storing each episode as it ends.

    ``stage`` puts the agents on a bus: in memory by default (see ``cli.agent`` for NATS).
    ``ledger``: a fresh ledger, a changed scenario allowed, waiting for another writer
    (see ``app.ledger``). ``watch`` follows the episodes on the bus's trace (``app.progress``).
    SIGINT or SIGTERM (in the main thread) ends the run with ``Interrupted``, the run
    marked ``interrupted`` and its finished episodes stored (see ``app.interrupt``).
    """
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    store = Store(db, create=True)

    async def main() -> RunResult:
        # local solves hold the GIL while building models: more threads than cores only
        # adds contention (measured: 2 threads beat the default 6 on 2 cores)
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="solve"))
        with interruptible() as caught:
            try:
                return await _run(scenario, protocol or scenario.protocol,
                                  episodes or scenario.episodes, store, reference, on_episode,
                                  stage, caught, ledger, watch)
            except asyncio.CancelledError:
                if caught.signum is None:
                    raise
                raise Interrupted(caught.signum) from None  # before the run began

    try:
        return asyncio.run(main())
    finally:
        resume()  # after an interrupt, solves run again once its threads have ended
        store.close()
