"""Ctrl-C and SIGTERM during ``accord run``: the solvers stop cleanly, the finished
episodes stay stored and are printed, the run is marked interrupted, exit 130 (143); a run
whose process was killed is shown interrupted and marked so by the next run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from accord.app.interrupt import Interrupted
from accord.app.ledger import LedgerOptions
from accord.app.runner import run_scenario
from accord.cli.main import app
from accord.domains.nursing.generate import generate
from accord.solve.stop import stopped
from accord.store import Store
from accord.store.lock import try_lock
from accord.store.owner import me, shown_status
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


def _interrupt(proc: subprocess.Popen[str], db: Path, after: int, signum: int,
               group: bool = False) -> tuple[str, str]:
    """Send ``signum`` (to the process group: as a terminal does) once ``after`` episodes
    are stored, in the middle of the next."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        runs, episodes = _stored(db)
        if runs and episodes >= after:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    if group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    return proc.communicate(timeout=120)


def _rows(out: str) -> list[int]:
    """The episodes of the table printed."""
    return [int(line.split("│")[1]) for line in out.splitlines() if line.startswith("│")]


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
    assert _rows(out) == stored  # the table of finished episodes


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
    listing = CliRunner().invoke(app, ["show", "--db", str(db)])
    assert "interrupted" in listing.stdout and "running" not in listing.stdout
    more = run_scenario(seed_scenario, protocol="negotiate", episodes=1, db=str(db))
    old, new = Store(str(db)).runs()
    assert (old.status, new.status) == ("interrupted", "complete")
    assert more.episodes[0].episode == len(Store(str(db)).episodes(old.id)) + 1


@pytest.mark.slow
@pytest.mark.nats
def test_ctrl_c_over_nats_stops_the_agents_and_keeps_the_episodes(tmp_path):
    """Ctrl-C at a terminal signals the whole process group: only the run's process is in
    it (the server and the agents have their own session), and it stops them in order."""
    db = tmp_path / "n.db"
    proc = subprocess.Popen([sys.executable, "-m", "accord.cli.main", "run", str(UNIVERSITY),
                             "--episodes", "60", "--db", str(db), "--bus", "nats"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    out, err = _interrupt(proc, db, 1, signal.SIGINT, group=True)
    assert proc.returncode == 130, err
    (run,) = Store(str(db)).runs()
    stored = [e.episode for e in Store(str(db)).episodes(run.id)]
    assert run.status == "interrupted" and len(stored) >= 1
    assert f"{len(stored)} episode(s) stored" in err and "Traceback" not in err
    assert _rows(out) == stored
    pids = [int(p) for p in err.split("(pids ")[1].split(")")[0].split(", ")]
    assert len(pids) == 4 and not any(Path(f"/proc/{p}").exists() for p in pids)


def test_a_signal_while_waiting_for_the_ledger_records_no_run(seed_scenario, db):
    store = Store(db, create=True)
    assert try_lock(store, "dismissal-seed/negotiate", me()) is None  # held: the run waits
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
    with pytest.raises(Interrupted) as info:
        run_scenario(seed_scenario, episodes=1, db=db, ledger=LedgerOptions(wait=True))
    assert (info.value.exit_code, info.value.result) == (143, None)
    assert store.runs() == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handlers are given back
    assert not stopped()  # and later solves in this process run
