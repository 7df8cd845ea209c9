"""``accord agent``: one agent of a scenario in its own process on NATS; and the launcher
that ``accord run --bus`` uses to start one such process per agent.

The launcher writes the run's scenario (seed applied) and the anchor plans as JSON into a
temporary directory and starts ``accord agent`` with the same Python for every agent of
the cast; each process casts the same agents and keeps the one named by ``--id``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from tempfile import TemporaryDirectory

import typer
from rich.console import Console

from accord.domains import check_protocol, get_domain, load_scenario, parse_scenario
from accord.model.errors import ProtocolError, ScenarioError, read_text_file
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.runtime.nats import NatsBus
from accord.runtime.runner import Crew, Stage, Staged, cast_agents

START_TIMEOUT = 120.0  # seconds for every agent process to start and listen
STOP_GRACE = 10.0  # seconds an agent process has to exit after the run's end


def agent(
    scenario: Path = typer.Argument(..., help="scenario YAML (or JSON) file"),
    agent_id: str = typer.Option(..., "--id", help="the agent of the cast to run"),
    nats_url: str = typer.Option(..., "--nats", help="NATS server, nats://HOST:PORT"),
    run: str = typer.Option(None, "--run", help="run id of the subjects (default: scenario name)"),
    protocol: str = typer.Option(None, "--protocol", "-p", help="override the scenario's"),
    anchors: Path = typer.Option(None, "--anchors", help="JSON plans of the last episode"),
) -> None:
    """Run one agent of SCENARIO on a NATS server until the run ends."""
    sc = _load(scenario)
    if protocol is not None:
        check_protocol(get_domain(sc.domain), sc, protocol, str(scenario), where="--protocol")
    plans = _read_anchors(anchors) if anchors is not None else {}
    asyncio.run(serve_agent(sc, protocol or sc.protocol, agent_id, nats_url, run or sc.name,
                            plans))


async def serve_agent(scenario: ScenarioBase, protocol: str, agent_id: str, url: str,
                      run_id: str, anchors: dict[str, Plan]) -> None:
    """Cast the scenario's agents, put the one named ``agent_id`` on the run, serve it."""
    crew = cast_agents(scenario, protocol, anchors)
    cast = {a.id: a for a in [*crew.managers, *crew.members]}
    if agent_id not in cast:
        raise ScenarioError(scenario.name, "--id",
                            f"no agent {agent_id!r} in the cast (agents: {', '.join(cast)})")
    me = cast[agent_id]
    bus = await NatsBus.connect(url, run_id)
    try:
        bus.register(me)
        await bus.serve()
    finally:
        await bus.close()
    if me.failure is not None:
        raise ProtocolError(f"agent {agent_id} failed: {me.failure}")


def _load(path: Path) -> ScenarioBase:
    if path.suffix == ".json":  # what the launcher writes: JSON parses faster than YAML
        try:
            data = json.loads(read_text_file(path))
        except ValueError as exc:
            raise ScenarioError(str(path), "", f"malformed JSON: {exc}") from None
        return parse_scenario(data, str(path))
    return load_scenario(path)


def _read_anchors(path: Path) -> dict[str, Plan]:
    try:
        data = json.loads(read_text_file(path))
        return {a: Plan.model_validate(p) for a, p in data.items()}
    except (ValueError, AttributeError) as exc:
        raise ScenarioError(str(path), "", f"not a JSON object of plans: {exc}") from None


# --- the launcher --------------------------------------------------------------------
def nats_stage(url: str, stall_timeout: float) -> Stage:
    """A stage that runs the director here and every other agent as its own process."""

    @asynccontextmanager
    async def stage(run_id: str, crew: Crew) -> AsyncIterator[Staged]:
        bus = await NatsBus.connect(url, run_id, stall_timeout=stall_timeout)
        procs: dict[str, asyncio.subprocess.Process] = {}
        watch: list[asyncio.Future[None]] = []
        try:
            bus.register(crew.director)
            with TemporaryDirectory(prefix="accord-run-") as tmp:
                argv = _agent_argv(Path(tmp), url, run_id, crew)
                try:
                    for a in crew.agents()[1:]:
                        procs[a.id] = await asyncio.create_subprocess_exec(
                            *argv, "--id", a.id, stdin=asyncio.subprocess.DEVNULL,
                            stdout=asyncio.subprocess.DEVNULL)
                        watch.append(asyncio.ensure_future(_watch(bus, a.id, procs[a.id])))
                    pids = ", ".join(str(p.pid) for p in procs.values())
                    Console(stderr=True).print(
                        f"{len(procs)} agents in their own processes on {url} (pids {pids})",
                        highlight=False, soft_wrap=True)
                    await bus.await_agents(list(procs), START_TIMEOUT)
                    yield bus, []
                finally:
                    for w in watch:
                        w.cancel()
                    await bus.end_run()
                    await _stop(procs.values())
        finally:
            await bus.close()

    return stage


def _agent_argv(tmp: Path, url: str, run_id: str, crew: Crew) -> list[str]:
    """``accord agent`` with this run's scenario and anchors, written as JSON files."""
    scenario, anchors = tmp / "scenario.json", tmp / "anchors.json"
    scenario.write_text(crew.scenario.model_dump_json())
    anchors.write_text(json.dumps({a: p.model_dump(mode="json")
                                   for a, p in crew.anchors.items()}))
    return [sys.executable, "-m", "accord.cli.main", "agent", str(scenario), "--nats", url,
            "--run", run_id, "--protocol", crew.protocol, "--anchors", str(anchors)]


async def _watch(bus: NatsBus, agent_id: str, proc: asyncio.subprocess.Process) -> None:
    code = await proc.wait()
    bus.fail(ProtocolError(f"the process of agent {agent_id} exited with code {code}"))


async def _stop(procs: Iterable[asyncio.subprocess.Process]) -> None:
    """Let each agent process exit after the run's end; terminate, then kill, laggards."""
    async def one(proc: asyncio.subprocess.Process) -> None:
        for signal in (None, proc.terminate, proc.kill):
            if signal is not None:
                with suppress(ProcessLookupError):
                    signal()
            try:
                await asyncio.wait_for(proc.wait(), STOP_GRACE)
                return
            except TimeoutError:
                continue
    await asyncio.gather(*(one(p) for p in procs))
