"""The NATS launcher: one agent of a scenario served in its own process (``accord
agent``) or several (``accord host``), and what ``accord run --bus`` uses to start one
such process per agent (or ``--hosts N`` host processes).

The launcher writes the run's scenario (seed applied) and the anchor plans as JSON into a
temporary directory and starts ``accord agent`` with the same Python for every agent of
the cast; each process casts the same agents and keeps the one named by ``--id``. Without
a server given, it starts a local ``nats-server`` (with JetStream) with one user per agent
(``natsauth``) and hands each process its own credentials; on a given server, each agent
logs in with the credentials ``accord nats-config --creds DIR`` wrote, where DIR is given
(``$ACCORD_NATS_CREDS`` for ``accord run``), else anonymously.

On a durable run (the server has JetStream; see ``runtime.nats``) the launcher creates the
run's stream first, and starts again an agent process killed by a signal: it resumes from
its durable consumer and the stream.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from pathlib import Path
from tempfile import TemporaryDirectory

from rich.console import Console

from accord.app.interrupt import SIGNALS, Interrupted, interruptible
from accord.app.registry import load_scenario, parse_scenario, wire
from accord.app.runner import DIRECTOR, Crew, Stage, Staged, cast_agents
from accord.model.errors import ProtocolError, ScenarioError, read_text_file
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.runtime.agent import Agent
from accord.runtime.child import detached
from accord.runtime.nats import NatsBus, local_server
from accord.runtime.nats.auth import Credentials, server_config, write_server_config
from accord.runtime.nats.cluster import spread

START_TIMEOUT = 300.0  # seconds for every agent process to start and listen (a process that
# exits meanwhile fails the run at once; a host casting 80 departments takes a minute)
STOP_GRACE = 10.0  # seconds an agent process has to exit after the run's end
RESTARTS = 3  # times the launcher starts again an agent process killed by a signal
SIGNALLED = {Interrupted(s).exit_code for s in SIGNALS}
"""Exit codes of an agent process that a signal stopped (it handles SIGINT and SIGTERM)."""
CREDS = "ACCORD_NATS_CREDS"  # accord run --bus nats://HOST:PORT: the agents' credentials DIR


async def serve_agent(scenario: ScenarioBase, protocol: str, agent_id: str, url: str,
                      run_id: str, anchors: dict[str, Plan], login: Credentials | None = None
                      ) -> None:
    """Cast the scenario's agents, put the one named ``agent_id`` on the run (as ``login``'s
    user if given), serve it; messages from outside the cast are dropped. Durable if the
    run has a stream; started again, the agent resumes from it (see ``runtime.nats``).
    SIGINT or SIGTERM stops its solves and ends the process (exit 130, 143)."""
    await serve_agents(scenario, protocol, [agent_id], url, run_id, anchors,
                       {agent_id: login})


async def serve_agents(scenario: ScenarioBase, protocol: str, agent_ids: Sequence[str],
                       url: str, run_id: str, anchors: dict[str, Plan],
                       logins: Mapping[str, Credentials | None]) -> None:
    """``serve_agent`` for several agents in this process (``accord host``): the cast is
    made once, and each agent has its own connection as its own user (``logins``), so
    the server grants it what it grants that agent alone."""
    cast, mine = _mine(scenario, protocol, anchors, agent_ids)
    with interruptible() as caught:
        buses: list[NatsBus] = []
        try:
            for me in mine:
                user, password = _as(logins.get(me.id))
                bus = await NatsBus.connect(url, run_id, wire=wire(),
                                            peers=[DIRECTOR, *cast], user=user,
                                            password=password, durable=True)
                buses.append(bus)
                bus.register(me)
            await _serve_all(buses)
        except asyncio.CancelledError:
            if caught.signum is None:
                raise
            raise SystemExit(Interrupted(caught.signum).exit_code) from None
        finally:
            for bus in buses:
                await bus.close()
    for me in mine:
        if me.failure is not None:
            raise ProtocolError(f"agent {me.id} failed: {me.failure}")


def _mine(scenario: ScenarioBase, protocol: str, anchors: dict[str, Plan],
          agent_ids: Sequence[str]) -> tuple[list[str], list[Agent]]:
    """The ids of the whole cast, and the agents of ``agent_ids`` (only these are kept:
    the rest of the cast, every other department's problem, is let go)."""
    crew = cast_agents(scenario, protocol, anchors)
    cast = {a.id: a for a in [*crew.managers, *crew.members]}
    for agent_id in agent_ids:
        if agent_id not in cast:
            raise ScenarioError(scenario.name, "--id", f"no agent {agent_id!r} in the cast "
                                f"(agents: {', '.join(cast)})")
    if len(set(agent_ids)) != len(agent_ids):
        raise ScenarioError(scenario.name, "--ids", "an agent is named twice")
    return list(cast), [cast[a] for a in agent_ids]


async def _serve_all(buses: Sequence[NatsBus]) -> None:
    """Serve every bus until the run ends for all; the first that fails ends them all."""
    tasks = [asyncio.ensure_future(b.serve()) for b in buses]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for t in done:
            t.result()
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _as(login: Credentials | None) -> tuple[str | None, str | None]:
    """The user and password of ``login`` (None: anonymous)."""
    return (None, None) if login is None else (login.user, login.password)


def load_agent_scenario(path: Path) -> ScenarioBase:
    """A scenario file as the launcher writes it (JSON) or as a user gives it (YAML)."""
    if path.suffix == ".json":  # what the launcher writes: JSON parses faster than YAML
        try:
            data = json.loads(read_text_file(path))
        except (ValueError, RecursionError) as exc:
            raise ScenarioError(str(path), "", f"malformed JSON: {exc}") from None
        return parse_scenario(data, str(path))
    return load_scenario(path)


def read_anchors(path: Path) -> dict[str, Plan]:
    """The anchor plans the launcher wrote, by agent."""
    try:
        data = json.loads(read_text_file(path))
        return {a: Plan.model_validate(p) for a, p in data.items()}
    except (ValueError, AttributeError, RecursionError) as exc:
        raise ScenarioError(str(path), "", f"not a JSON object of plans: {exc}") from None


# --- the launcher --------------------------------------------------------------------
def nats_stage(url: str | None, stall_timeout: float, durable: bool = True,
               creds: Path | None = None, hosts: int | None = None) -> Stage:
    """A stage that runs the director here and every other agent as its own process: on
    the server at ``url``, each agent as the user whose credentials are in ``creds`` (a
    directory of ``accord nats-config --creds``; default ``$ACCORD_NATS_CREDS``, else
    anonymous), or (``url`` None) on a local server where each agent has its own user;
    ``durable``: on JetStream where the server has it. ``hosts``: the agents run in that
    many processes (``accord host``), each agent still its own user."""
    if creds is None and url is not None and os.environ.get(CREDS):
        creds = Path(os.environ[CREDS])

    @asynccontextmanager
    async def stage(run_id: str, crew: Crew) -> AsyncIterator[Staged]:
        async with AsyncExitStack() as stack:
            tmp = Path(stack.enter_context(TemporaryDirectory(prefix="accord-run-")))
            there, logins = url, creds
            if there is None:
                config, users = server_config(run_id, crew.agents(), DIRECTOR)
                write_server_config(config, users, tmp / "nats.conf", tmp)
                there = stack.enter_context(local_server(config=tmp / "nats.conf",
                                                         store=tmp / "jetstream"))
                logins = tmp
            known = {} if logins is None else {  # every agent's: a missing file is one line
                a.id: Credentials.read(logins / f"{a.id}.json") for a in crew.agents()}
            user, password = _as(known.get(DIRECTOR))
            bus = await NatsBus.connect(
                there, run_id, wire=wire(), stall_timeout=stall_timeout,
                peers=[a.id for a in crew.agents()], user=user, password=password, durable=durable)
            stack.push_async_callback(bus.close)
            await bus.create_stream()
            yield await stack.enter_async_context(_agents(bus, tmp, there, run_id, crew,
                                                          logins, hosts))

    return stage


def groups(ids: Sequence[str], hosts: int | None) -> dict[str, list[str]]:
    """Agents by the process that runs them: each its own (``hosts`` None), or ``hosts``
    processes ``host-1``… of consecutive agents, as even as can be."""
    if hosts is None:
        return {a: [a] for a in ids}
    n = min(hosts, len(ids))
    cuts = [len(ids) * i // n for i in range(n + 1)]
    return {f"host-{i + 1}": list(ids[cuts[i]:cuts[i + 1]]) for i in range(n)}


@asynccontextmanager
async def _agents(bus: NatsBus, tmp: Path, url: str, run_id: str, crew: Crew,
                  logins: Path | None, hosts: int | None = None) -> AsyncIterator[Staged]:
    """Start one ``accord agent`` process per agent but the director (as the user of
    ``logins``/<agent>.json if given), or ``hosts`` processes of ``accord host`` that run
    several agents each, every agent as its own user; end them after."""
    procs: dict[str, asyncio.subprocess.Process] = {}
    watch: list[asyncio.Future[None]] = []
    bus.register(crew.director)
    scenario, anchors = _write_run(tmp, crew)
    base = [sys.executable, "-m", "accord.cli.main", "agent" if hosts is None else "host",
            str(scenario), "--run", run_id, "--protocol", crew.protocol, "--anchors",
            str(anchors)]
    members = groups([a.id for a in crew.agents()[1:]], hosts)
    index = {name: i + 1 for i, name in enumerate(members)}  # a cluster: process i on node i

    async def start(name: str) -> asyncio.subprocess.Process:
        ids = members[name]
        if hosts is None:
            who = ["--id", name] + ([] if logins is None else
                                    ["--creds", str(logins / f"{name}.json")])
        else:
            who = ["--ids", ",".join(ids)] + ([] if logins is None else
                                              ["--creds", str(logins)])
        procs[name] = await asyncio.create_subprocess_exec(
            *base, "--nats", spread(url, index[name]), *who,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, **detached())
        return procs[name]
    try:
        for name in members:
            await start(name)
            watch.append(asyncio.ensure_future(_watch(bus, name, procs[name], start)))
        pids = ", ".join(str(p.pid) for p in procs.values())
        users = "" if logins is None else ", each its own user"
        where = ("in their own processes" if hosts is None else
                 f"in {len(procs)} host processes")
        Console(stderr=True).print(
            f"{len(crew.agents()) - 1} agents {where} on {url}{users} (pids {pids})",
            highlight=False, soft_wrap=True)
        await bus.await_agents([a for ids in members.values() for a in ids], START_TIMEOUT)
        yield bus, []
    finally:
        for w in watch:
            w.cancel()
        await bus.end_run()
        await _stop(procs.values())


def _write_run(tmp: Path, crew: Crew) -> tuple[Path, Path]:
    """This run's scenario and anchors, written as JSON files for the agent processes."""
    scenario, anchors = tmp / "scenario.json", tmp / "anchors.json"
    scenario.write_text(crew.scenario.model_dump_json())
    anchors.write_text(json.dumps({a: p.model_dump(mode="json")
                                   for a, p in crew.anchors.items()}))
    return scenario, anchors


async def _watch(bus: NatsBus, agent_id: str, proc: asyncio.subprocess.Process,
                 start: Callable[[str], Awaitable[asyncio.subprocess.Process]]) -> None:
    """Fail the run when an agent (or host) process exits; on a durable run, start one
    killed by a signal again (up to RESTARTS times): it resumes where it was."""
    for _ in range(RESTARTS if bus.durable else 0):
        code = await proc.wait()
        if code >= 0 and code not in SIGNALLED:
            break
        old, proc = proc.pid, await start(agent_id)
        signum = -code if code < 0 else code - 128
        Console(stderr=True).print(
            f"agent {agent_id} (pid {old}) was killed by signal {signum}; started again as pid "
            f"{proc.pid}, it resumes from the stream", highlight=False, soft_wrap=True)
    code = await proc.wait()
    bus.fail(ProtocolError(f"the process of agent {agent_id} exited with code {code}"))


async def _stop(procs: Iterable[asyncio.subprocess.Process]) -> None:
    """Let each agent process exit after the run's end; terminate, then kill, laggards."""
    async def one(proc: asyncio.subprocess.Process) -> None:
        for stop in (None, proc.terminate, proc.kill):
            if stop is not None:
                with suppress(ProcessLookupError):
                    stop()
            try:
                await asyncio.wait_for(proc.wait(), STOP_GRACE)
                return
            except TimeoutError:
                continue
    await asyncio.gather(*(one(p) for p in procs))
