"""The run store: continuation from a database, atomic episodes, kill safety, determinism."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import yaml

from accord.app.registry import wire
from accord.app.runner import run_scenario
from accord.domains.dismissal.generate import generate
from accord.model.errors import StoreError
from accord.model.messages import Envelope, EpisodeDone
from accord.store import Store

WIRE = wire()
"""Every message kind the registered protocols speak."""


def _strip_wall(report: dict) -> dict:
    for e in report["episodes"]:
        e.pop("wall_seconds")
        e.pop("bytes")  # the stored metrics hold timings, whose digits vary
        e["metrics"] = {k: v for k, v in e["metrics"].items()
                        if not (k.startswith(("utilisation", "solving."))
                                or k.endswith("_seconds"))}
    return report


@pytest.mark.parametrize("protocol", ["negotiate", "seed-offers"])
def test_same_seed_same_report(seed_scenario, tmp_path, protocol):
    a = run_scenario(seed_scenario, protocol=protocol, episodes=3, db=str(tmp_path / "a.db"))
    b = run_scenario(seed_scenario, protocol=protocol, episodes=3, db=str(tmp_path / "b.db"))
    ra, rb = _strip_wall(a.report()), _strip_wall(b.report())
    assert ra == rb
    ta = [_untimed(m) for m in Store(str(tmp_path / "a.db")).messages(a.run_id, WIRE)]
    tb = [_untimed(m) for m in Store(str(tmp_path / "b.db")).messages(b.run_id, WIRE)]
    assert ta == tb and len(ta) > 50


def _untimed(env: Envelope) -> str:
    """The message without the timings a manager reports at the end of an episode."""
    if isinstance(env.body, EpisodeDone):
        metrics = {k: v for k, v in env.body.metrics.items() if not k.endswith("_seconds")}
        env = env.model_copy(update={"body": env.body.model_copy(update={"metrics": metrics})})
    return env.to_json()


@pytest.mark.slow
def test_a_run_continues_the_ledger(seed_scenario, db, tmp_path):
    first = run_scenario(seed_scenario, protocol="negotiate", episodes=2, db=db)
    second = run_scenario(seed_scenario, protocol="negotiate", episodes=3, db=db)
    assert [e.episode for e in second.episodes] == [3, 4, 5]
    assert first.run_id != second.run_id
    straight = run_scenario(seed_scenario, protocol="negotiate", episodes=5,
                            db=str(tmp_path / "straight.db"))
    # continuing from the database gives the same episodes as one long run
    assert [e.plans for e in first.episodes + second.episodes] == [
        e.plans for e in straight.episodes]
    store = Store(db)
    ledger = store.ledger("dismissal-seed/negotiate")
    assert any(c.status == "fulfilled" and c.fulfilled_episode >= 3 for c in ledger)
    # another protocol keeps its own ledger and starts at episode 1
    other = run_scenario(seed_scenario, protocol="seed-offers", episodes=1, db=db)
    assert other.episodes[0].episode == 1


@pytest.mark.slow
def test_killed_run_loses_nothing_stored(tmp_path):
    sc = generate(120, 2, seed=11)
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(sc.model_dump(mode="json")))
    db = tmp_path / "kill.db"
    proc = subprocess.Popen([sys.executable, "-m", "accord.cli.main", "run", str(path),
                             "--episodes", "40", "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and stored < 2:
        time.sleep(0.2)
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    stored = con.execute("select count(*) from episodes").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
    assert stored >= 2, proc.stderr.read().decode() if proc.poll() is not None else "too slow"
    time.sleep(0.3)  # let it get into the middle of the next episode
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        episodes = [r[0] for r in con.execute("select episode from episodes order by episode")]
        assert episodes == list(range(1, len(episodes) + 1))
        for ep, n in con.execute("select episode, messages from episodes"):
            assert con.execute("select count(*) from messages where episode=?",
                               (ep,)).fetchone()[0] == n
            assert con.execute("select count(*) from plans where episode=?",
                               (ep,)).fetchone()[0] == 120
        status = con.execute("select status from runs").fetchone()[0]
    assert status == "running"  # killed: never marked complete
    res = run_scenario(sc, episodes=1, db=str(db))
    assert res.episodes[0].episode == len(episodes) + 1
    assert res.episodes[0].hard_violations == 0


def test_unusable_database_is_one_line(tmp_path):
    with pytest.raises(StoreError, match="cannot open database") as info:
        Store(str(tmp_path / "no" / "such" / "dir" / "x.db"))
    assert "\n" not in str(info.value)
    with pytest.raises(StoreError, match="cannot use database"):
        Store("nosuchdialect://x")
