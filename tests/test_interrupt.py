"""Ctrl-C and SIGTERM during ``accord run``: the solvers stop cleanly, the finished
episodes stay stored and are printed, the run is marked interrupted, exit 130 (143); a run
whose process was killed is shown interrupted and marked so by the next run."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from accord.app.runner import run_scenario
from accord.domains.nursing.generate import generate
from accord.store import Store
from accord.store.owner import shown_status
from tests.conftest import ROOT

UNIVERSITY = ROOT / "examples" / "university-small.yaml"


def _nursing(tmp_path: Path) -> Path:
    path = tmp_path / "nursing.yaml"
    path.write_text(yaml.safe_dump(generate(2, 4, 1, seed=1).model_dump(mode="json")))
    return path


def _stored(db: Path) -> tuple[int, int]:
    """(runs, episodes) in the database so far."""
    try:
        with sqlite3.connect(db) as con:
            return (con.execute("select count(*) from runs").fetchone()[0],
                    con.execute("select count(*) from episodes").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0, 0


def _start(scenario: Path, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "accord.cli.main", "run", str(scenario),
                             "--episodes", "60", "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _interrupt(proc: subprocess.Popen[str], db: Path, after: int, signum: int
               ) -> tuple[str, str]:
    """Send ``signum`` once ``after`` episodes are stored, in the middle of the next."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        runs, episodes = _stored(db)
        if runs and episodes >= after:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signum)
    return proc.communicate(timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize(("domain", "after", "signum"), [
    ("university", 0, signal.SIGINT), ("university", 2, signal.SIGTERM),
    ("nursing", 1, signal.SIGINT),
    ("nursing", 0, signal.SIGTERM)])
def test_a_signal_ends_the_run_cleanly(tmp_path, domain, after, signum):
    scenario = UNIVERSITY if domain == "university" else _nursing(tmp_path)
    db = tmp_path / "i.db"
    out, err = _interrupt(_start(scenario, db), db, after, signum)
    (run,) = Store(str(db)).runs()
    assert "terminate called" not in err and "Traceback" not in err, err
    stored = [e.episode for e in Store(str(db)).episodes(run.id)]
    assert run.status == "interrupted"
    assert len(stored) >= after and stored == list(range(1, len(stored) + 1))
    assert f"run {run.id} marked interrupted, {len(stored)} episode(s) stored" in err
    assert f"interrupted by {signal.Signals(signum).name}" in err
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert [int(r.split("│")[1]) for r in rows] == stored  # the table of finished episodes


@pytest.mark.slow
def test_a_killed_run_is_shown_interrupted_and_marked_by_the_next(tmp_path, seed_scenario):
    db = tmp_path / "k.db"
    proc = _start(ROOT / "examples" / "dismissal-seed.yaml", db)
    while _stored(db)[1] < 1:
        time.sleep(0.05)
    proc.kill()
    proc.communicate()
    (run,) = Store(str(db)).runs()
    assert run.status == "running"  # nobody said otherwise
    assert shown_status(run.status, run.owner, run.heartbeat_at) == "interrupted"
    listing = subprocess.run([sys.executable, "-m", "accord.cli.main", "show", "--db",
                              str(db)], capture_output=True, text=True, timeout=60)
    assert "interrupted" in listing.stdout and "running" not in listing.stdout
    more = run_scenario(seed_scenario, protocol="negotiate", episodes=1, db=str(db))
    old, new = Store(str(db)).runs()
    assert (old.status, new.status) == ("interrupted", "complete")
    assert more.episodes[0].episode == len(Store(str(db)).episodes(old.id)) + 1
