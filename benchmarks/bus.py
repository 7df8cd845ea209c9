"""Bus benchmark: the same runs on the in-memory bus and over NATS, and the raw transport.

Runs: the dismissal seed (5 episodes) and ITC-2007 comp01 in 8 departments (negotiate
synchronized, small solves, no time budget, so both are reproducible), each once in one
process on the in-memory bus and once over NATS with one process per agent on a local
``nats-server`` with per-agent permissions (``accord run --bus nats``). Prints whether the
results are identical (cost, violations, plans, messages, rounds of every episode),
messages, stored bytes, the episodes' wall time on each bus and their ratio (NATS ÷ memory),
and the whole run's wall time over NATS (starting the agent processes included).

The runs over NATS are durable (JetStream), as ``accord run --bus nats`` runs them.

Transport: two agents, the second in its own process on NATS; request/reply round trips
(median and p99 over ``--round-trips``) and one-way throughput (``--messages`` sent, then
one request that confirms they all arrived) of ``InMemoryBus`` and ``NatsBus`` (core NATS:
the receiving bus acks; with ``--jetstream`` also durable: the stream acks, the recipient
reads it through its consumer).

    python benchmarks/bus.py
    python benchmarks/bus.py --round-trips 500 --no-university
    python benchmarks/bus.py --no-dismissal --no-university   # the transport only
    python benchmarks/bus.py --jetstream --json reports/bus.json --markdown reports/bus.md
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

import report
from accord.app.launcher import nats_stage
from accord.app.registry import load_scenario, wire
from accord.app.runner import RunResult, Stage, in_memory, run_scenario
from accord.domains.university import protocol_options
from accord.domains.university.itc2007 import read_ctt
from accord.domains.university.split import split
from accord.model.scenario import ScenarioBase
from accord.protocols.messages import Schedule, ScheduleQuery
from accord.runtime.agent import Agent, expect
from accord.runtime.bus import Bus
from accord.runtime.memory import InMemoryBus
from accord.runtime.nats import STALL_TIMEOUT, NatsBus, local_server

WIRE = wire()
"""Every message kind the registered protocols speak."""

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "dismissal-seed.yaml"
DATA = ROOT / "data" / "itc2007"

console = Console(width=200)


# --- whole runs --------------------------------------------------------------------------
def university(k: int, solve: float) -> ScenarioBase:
    """comp01 in ``k`` departments: negotiate synchronized, ``solve`` units, no budget."""
    sc, _ = split(read_ctt(DATA / "comp01.ctt"), k)
    options = protocol_options(60.0, k)["negotiate-sync"] | {"solve_time_limit": solve}
    del options["time_budget"]
    return sc.model_copy(update={"protocol": "negotiate", "episodes": 1,
                                 "protocol_options": {"negotiate": options}})


def essentials(result: RunResult) -> list[tuple[Any, ...]]:
    """What must be equal on any bus: every episode's outcome and message count."""
    return [(e.episode, e.hard_violations, e.hard_breakdown, e.cost, e.cost_breakdown,
             {a: p.assignment for a, p in sorted(e.plans.items())}, e.messages, e.rounds)
            for e in result.episodes]


def _timed(sc: ScenarioBase, stage: Stage, db: Path) -> tuple[RunResult, float]:
    t0 = time.perf_counter()
    result = run_scenario(sc, db=str(db), stage=stage)
    return result, time.perf_counter() - t0


def compare(name: str, sc: ScenarioBase, workdir: Path) -> dict[str, Any]:
    """One scenario on both buses: a row."""
    mem, _ = _timed(sc, in_memory, workdir / f"{name}-memory.db")
    net, total = _timed(sc, nats_stage(None, STALL_TIMEOUT), workdir / f"{name}-nats.db")
    mem_wall = sum(e.wall_seconds for e in mem.episodes)
    net_wall = sum(e.wall_seconds for e in net.episodes)
    row = {"scenario": name, "episodes": len(mem.episodes),
           "identical": essentials(mem) == essentials(net),
           "cost": [e.cost for e in mem.episodes],
           "messages_memory": sum(e.messages for e in mem.episodes),
           "messages_nats": sum(e.messages for e in net.episodes),
           "bytes_memory": sum(e.bytes for e in mem.episodes),
           "bytes_nats": sum(e.bytes for e in net.episodes),
           "wall_memory": mem_wall, "wall_nats": net_wall,
           "overhead": net_wall / mem_wall if mem_wall else None, "total_nats": total}
    console.print(f"  {name}: identical {row['identical']}, memory {mem_wall:.2f} s, "
                  f"NATS {net_wall:.2f} s ({total:.1f} s with process start)")
    return row


RUN_COLUMNS = ["scenario", "episodes", "identical", "cost", "messages", "bytes memory",
               "bytes NATS", "memory s", "NATS s", "NATS ÷ memory", "NATS run s"]


def _run_cells(r: dict[str, Any]) -> list[str]:
    same = r["messages_memory"] == r["messages_nats"]
    messages = str(r["messages_memory"]) if same else \
        f"{r['messages_memory']} / {r['messages_nats']}"
    return [r["scenario"], str(r["episodes"]), "yes" if r["identical"] else "NO",
            " ".join(map(str, r["cost"])), messages, str(r["bytes_memory"]),
            str(r["bytes_nats"]), f"{r['wall_memory']:.2f}", f"{r['wall_nats']:.2f}",
            report.opt(r["overhead"], "{:.2f}"), f"{r['total_nats']:.1f}"]


# --- the transport -----------------------------------------------------------------------
class Peer(Agent):
    """Counts the schedules it is sent; answers a query with the count so far."""

    def __init__(self, agent_id: str) -> None:
        super().__init__(agent_id)
        self.count = 0

    async def on_schedule(self, msg: Schedule, env: Any) -> None:
        self.count += 1

    async def on_schedule_query(self, msg: ScheduleQuery, env: Any) -> Schedule:
        return Schedule(slots=[(self.count, 0)])


class Driver(Agent):
    """Measures round trips and one-way throughput to ``peer``."""

    async def measure(self, round_trips: int, messages: int) -> dict[str, float]:
        for _ in range(min(100, round_trips)):  # warm up
            await self.request("peer", ScheduleQuery())
        rtts = []
        for _ in range(round_trips):
            t0 = time.perf_counter()
            await self.request("peer", ScheduleQuery())
            rtts.append(time.perf_counter() - t0)
        before = expect(await self.request("peer", ScheduleQuery()), Schedule).slots[0][0]
        t0 = time.perf_counter()
        for i in range(messages):
            await self.send("peer", Schedule(slots=[(i, 0)]))
        got = expect(await self.request("peer", ScheduleQuery()), Schedule).slots[0][0]
        seconds = time.perf_counter() - t0
        if got - before != messages:
            raise RuntimeError(f"peer got {got - before} of {messages} messages")
        rtts.sort()
        return {"rtt_median_us": statistics.median(rtts) * 1e6,
                "rtt_p99_us": rtts[min(len(rtts) - 1, int(0.99 * len(rtts)))] * 1e6,
                "throughput": messages / seconds}


async def _drive(bus: Bus, round_trips: int, messages: int) -> dict[str, float]:
    driver = Driver("driver")
    bus.register(driver)
    return await bus.run_until(driver.measure(round_trips, messages), driver)


async def _memory(round_trips: int, messages: int) -> dict[str, float]:
    bus = InMemoryBus("bench")
    bus.register(Peer("peer"))
    try:
        return await _drive(bus, round_trips, messages)
    finally:
        await bus.close()


CAST = ["driver", "peer"]


def _peer_process(url: str, durable: bool) -> None:
    """The peer's process: on the run until it ends."""
    async def main() -> None:
        bus = await NatsBus.connect(url, "bench", wire=WIRE, durable=durable, peers=CAST)
        bus.register(Peer("peer"))
        try:
            await bus.serve()
        finally:
            await bus.close()
    asyncio.run(main())


async def _nats(url: str, round_trips: int, messages: int, durable: bool
                ) -> dict[str, float]:
    bus = await NatsBus.connect(url, "bench", wire=WIRE, durable=durable, peers=CAST)
    await bus.create_stream()
    peer = multiprocessing.get_context("spawn").Process(target=_peer_process,
                                                        args=(url, durable))
    peer.start()
    try:
        await bus.await_agents(["peer"], 60)
        return await _drive(bus, round_trips, messages)
    finally:
        await bus.end_run()
        await bus.close()
        await asyncio.to_thread(peer.join, 10)
        if peer.is_alive():
            peer.terminate()


def transport(round_trips: int, messages: int, jetstream: bool) -> list[dict[str, Any]]:
    """Both buses (NATS: core, and durable if ``jetstream``), two agents: a row each."""
    rows = [{"bus": "memory"} | asyncio.run(_memory(round_trips, messages))]
    for name, durable in [("NATS (2 processes)", False),
                          *([("NATS JetStream (2 processes)", True)] if jetstream else [])]:
        with local_server() as url:
            rows.append({"bus": name} | asyncio.run(_nats(url, round_trips, messages,
                                                          durable)))
    for r in rows:
        console.print(f"  {r['bus']}: round trip {r['rtt_median_us']:.0f} µs median, "
                      f"{r['throughput']:.0f} messages/s")
    return rows


TRANSPORT_COLUMNS = ["bus", "round trip median µs", "round trip p99 µs", "messages/s"]


def _transport_cells(r: dict[str, Any]) -> list[str]:
    return [r["bus"], f"{r['rtt_median_us']:.0f}", f"{r['rtt_p99_us']:.0f}",
            f"{r['throughput']:.0f}"]


def main(
    university_k: int = typer.Option(8, "--k", min=1, help="departments of comp01"),
    solve: float = typer.Option(1.0, help="a department's solve, CP-SAT deterministic units"),
    with_dismissal: bool = typer.Option(True, "--dismissal/--no-dismissal"),
    with_university: bool = typer.Option(True, "--university/--no-university"),
    round_trips: int = typer.Option(2000, min=1, help="request/reply round trips"),
    messages: int = typer.Option(5000, min=1, help="one-way messages for the throughput"),
    jetstream: bool = typer.Option(False, help="also measure the durable NATS bus"),
    json_out: Path = typer.Option(None, "--json", help="write the rows as JSON"),
    markdown_out: Path = typer.Option(None, "--markdown", help="write the tables as Markdown"),
) -> None:
    """Run the benchmark and print both tables."""
    report.outputs(json=json_out, markdown=markdown_out)
    runs = [("dismissal-seed", load_scenario(SEED))] if with_dismissal else []
    if with_university:
        runs.append((f"comp01 K={university_k} sync", university(university_k, solve)))
    with tempfile.TemporaryDirectory() as tmp:
        run_rows = [compare(name, sc, Path(tmp)) for name, sc in runs]
    transport_rows = transport(round_trips, messages, jetstream)
    title = ("bus: the same runs in memory and over NATS (one process per agent, "
             "permissions, JetStream)")
    console.print(report.table(title, RUN_COLUMNS, run_rows, _run_cells, left=["scenario"]))
    console.print(report.table(f"bus: two agents, {round_trips} round trips, {messages} "
                               "one-way messages", TRANSPORT_COLUMNS, transport_rows,
                               _transport_cells, left=["bus"]))
    text = (report.markdown(RUN_COLUMNS, run_rows, _run_cells) + "\n"
            + report.markdown(TRANSPORT_COLUMNS, transport_rows, _transport_cells))
    report.write(console, [{"runs": run_rows, "transport": transport_rows}], json_out,
                 markdown_out, text)


if __name__ == "__main__":
    typer.run(main)
