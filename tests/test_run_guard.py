"""One writer per ledger and run identity: a second writer is refused naming the holder or
waits; a dead holder's lock is taken over; several runs at once leave the ledger the
serial runs leave, on SQLite and PostgreSQL; a changed scenario does not continue a
ledger unless asked; --fresh starts a new one."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import pytest

from accord.app.ledger import LedgerOptions, ScenarioChanged
from accord.app.runner import run_scenario
from accord.model.errors import StoreError
from accord.store import Store
from accord.store.lock import try_lock, unlock
from accord.store.owner import me
from tests import postgres
from tests.conftest import SEED_EXAMPLE

LEDGER = "dismissal-seed/negotiate"
RUNS, EPISODES = 3, 1
"""Runs started at once, episodes each."""


def test_a_held_ledger_is_refused_naming_the_holder_or_waited_for(seed_scenario, db):
    store = Store(db, create=True)
    assert try_lock(store, LEDGER, me()) is None  # this process holds it: alive
    with pytest.raises(StoreError, match=r"ledger dismissal-seed/negotiate is being "
                                         r"written by a run starting \(pid \d+ on ") as info:
        run_scenario(seed_scenario, episodes=1, db=db)
    assert "--wait" in str(info.value) and "\n" not in str(info.value)
    assert store.runs() == []  # nothing recorded for the refused run
    threading.Timer(1.0, unlock, (store, LEDGER, me())).start()
    t0 = time.monotonic()
    res = run_scenario(seed_scenario, episodes=1, db=db, ledger=LedgerOptions(wait=True))
    assert time.monotonic() - t0 >= 1.0 and res.episodes[0].episode == 1


def test_the_lock_of_a_dead_process_is_taken_over(seed_scenario, db):
    store = Store(db, create=True)
    dead = f"{socket.gethostname()}:99999999:1"  # no such process on this host
    assert try_lock(store, LEDGER, dead) is None
    res = run_scenario(seed_scenario, episodes=1, db=db)
    assert res.episodes[0].episode == 1


@pytest.mark.slow
def test_a_changed_scenario_is_refused_unless_asked(seed_scenario, db):
    run_scenario(seed_scenario, episodes=1, db=db)
    rooms = [c.model_copy(update={"attendance": c.attendance + (c.id == "C2")})
             for c in seed_scenario.classrooms]
    changed = seed_scenario.model_copy(update={"classrooms": rooms})
    with pytest.raises(ScenarioChanged, match=r"classrooms \(C2 changed\)"):
        run_scenario(changed, episodes=1, db=db)
    with pytest.raises(ScenarioChanged, match="seed 42 → 7"):
        run_scenario(seed_scenario, episodes=1, db=db, seed=7)
    fresh = run_scenario(changed, episodes=1, db=db, ledger=LedgerOptions(fresh=True))
    assert fresh.episodes[0].episode == 1  # a new ledger
    on = run_scenario(changed, episodes=1, db=db)  # continues the fresh ledger
    back = run_scenario(seed_scenario, episodes=1, db=db, ledger=LedgerOptions(changed=True))
    assert (on.episodes[0].episode, back.episodes[0].episode) == (2, 3)
    ledgers = [(r.ledger, r.first_episode) for r in Store(db).runs()]
    assert ledgers == [(LEDGER, 1), (LEDGER + "#2", 1), (LEDGER + "#2", 2),
                       (LEDGER + "#2", 3)]


def _at_once(db: str, runs: int, episodes: int) -> None:
    procs = [subprocess.Popen([sys.executable, "-m", "accord.cli.main", "run",
                               str(SEED_EXAMPLE), "--episodes", str(episodes), "--db", db,
                               "--wait"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(runs)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err


def _check_like_serial(db: str, serial_db: str, runs: int, episodes: int) -> None:
    store, serial = Store(db), Store(serial_db)
    blocks = sorted([e.episode for e in store.episodes(r.id)] for r in store.runs())
    assert blocks == [list(range(1 + k * episodes, 1 + (k + 1) * episodes))
                      for k in range(runs)]  # each run a contiguous block, no overlap
    assert store.ledger(LEDGER) == serial.ledger(LEDGER)
    assert [r.status for r in store.runs()] == ["complete"] * runs


@pytest.fixture(scope="module")
def serial_db(tmp_path_factory, seed_scenario_module):
    db = str(tmp_path_factory.mktemp("serial") / "s.db")
    for _ in range(RUNS):
        run_scenario(seed_scenario_module, protocol="negotiate", episodes=EPISODES, db=db)
    return db


@pytest.fixture(scope="module")
def seed_scenario_module():
    from accord.app.registry import load_scenario
    return load_scenario(SEED_EXAMPLE)


@pytest.mark.slow
def test_runs_at_once_on_sqlite_write_what_serial_runs_write(tmp_path, serial_db):
    db = str(tmp_path / "c.db")
    _at_once(db, RUNS, EPISODES)
    _check_like_serial(db, serial_db, RUNS, EPISODES)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not postgres.available(), reason="PostgreSQL not installed")
def test_runs_at_once_on_postgres_write_what_serial_runs_write(serial_db):
    with postgres.cluster() as url:
        _at_once(url, RUNS, EPISODES)
        _check_like_serial(url, serial_db, RUNS, EPISODES)
