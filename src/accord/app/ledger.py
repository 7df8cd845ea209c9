"""Which ledger a run writes, and that it is its one writer.

A ledger belongs to a scenario and a protocol (``name/protocol``; ``--fresh`` starts
``name/protocol#2``, ``#3``, …). A run continues the ledger of the latest run of its
family, if the scenario's content is the same (``store.identity``): a changed scenario is
refused, naming what changed, unless ``changed`` allows it. Holding the ledger, the run
writes a heartbeat; another run is refused, naming it, or waits (``wait``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from accord.model.errors import AccordError, StoreError
from accord.store import Store
from accord.store.identity import scenario_changes, scenario_hash
from accord.store.lock import beat, reap, try_lock, unlock
from accord.store.owner import HEARTBEAT_SECONDS

WAIT_POLL = 0.5
"""Seconds between two looks at a held ledger, with ``wait``."""


@dataclass(frozen=True)
class LedgerOptions:
    """How a run treats its ledger: ``fresh`` starts a new one, ``changed`` continues it
    with a changed scenario, ``wait`` waits for another run writing it."""

    fresh: bool = False
    changed: bool = False
    wait: bool = False


class ScenarioChanged(AccordError):
    """The scenario's content differs from the ledger's."""


def choose(store: Store, name: str, protocol: str, fresh: bool) -> str:
    """The ledger this run writes: the family's latest, or (``fresh``) a new one."""
    base = f"{name}/{protocol}"
    runs = store.family(base)
    if not fresh:
        return runs[-1].ledger if runs else base
    taken = {r.ledger for r in runs}
    k = 2
    while f"{base}#{k}" in taken:
        k += 1
    return f"{base}#{k}" if runs else base


def check_same(store: Store, ledger: str, scenario: dict[str, Any], changed: bool) -> None:
    """ScenarioChanged (one line, what changed) if the ledger's last run had other content."""
    runs = [r for r in store.runs() if r.ledger == ledger]
    if not runs or changed:
        return
    last = runs[-1]
    old = json.loads(last.scenario_json)
    if scenario_hash(old) == scenario_hash(scenario):
        return
    what = "; ".join(scenario_changes(old, scenario))
    raise ScenarioChanged(
        f"scenario {scenario.get('name')} changed since run {last.id} on ledger {ledger}: "
        f"{what}. Continue that ledger anyway with --continue-changed, or start a new one "
        f"with --fresh")


@asynccontextmanager
async def holding(store: Store, ledger: str, owner: str, wait: bool,
                  waiting: Callable[[str], None] | None = None) -> AsyncIterator[None]:
    """Hold the ledger for the block (waiting for it with ``wait``, told to ``waiting``
    with the holder, else StoreError naming the holder); runs whose process died are
    marked interrupted first."""
    reap(store)
    while (holder := try_lock(store, ledger, owner)) is not None:
        if not wait:
            raise StoreError(f"ledger {ledger} is being written by {holder}: wait for it "
                             f"with --wait, or use another --db")
        if waiting is not None:
            waiting(holder)
        await asyncio.sleep(WAIT_POLL)
    try:
        yield
    finally:
        unlock(store, ledger, owner)


@asynccontextmanager
async def heartbeat(store: Store, ledger: str, owner: str, run_id: str) -> AsyncIterator[None]:
    """Write the run's heartbeat every ``HEARTBEAT_SECONDS`` during the block."""
    async def beating() -> None:
        while True:
            beat(store, ledger, owner, run_id)
            await asyncio.sleep(HEARTBEAT_SECONDS)
    task = asyncio.create_task(beating(), name="heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
