"""The live display of ``accord run``: read from the run's trace and episodes, shown on a
terminal, nothing of it in a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from accord.app.progress import Snapshot, Watch
from accord.app.runner import run_scenario
from accord.cli.progress import describe
from tests.conftest import ROOT

UNIVERSITY = ROOT / "examples" / "university-small.yaml"


def test_the_watch_follows_episodes_rounds_and_costs(seed_scenario, db):
    watch = Watch(budget=30.0)
    seen: list[Snapshot] = []
    res = run_scenario(seed_scenario, episodes=2, db=db, watch=watch,
                       on_episode=lambda _: seen.append(watch.snapshot()))
    assert [s.episode for s in seen] == [1, 2] and [s.done for s in seen] == [1, 2]
    assert [s.last_cost for s in seen] == [e.cost for e in res.episodes]
    assert seen[-1].messages == sum(e.messages for e in res.episodes)
    assert all(s.cost is not None and s.cost > 0 for s in seen)  # members' reported costs
    assert seen[0].seconds_left is not None and 0 < seen[0].seconds_left <= 30.0
    line = describe(seen[-1])
    assert line.startswith("episode 2 · ") and f"last episode cost {res.episodes[-1].cost}" in line


@pytest.mark.slow
def test_the_display_shows_on_a_terminal_only(tmp_path):
    argv = [sys.executable, "-m", "accord.cli.main", "run", str(UNIVERSITY), "--episodes", "1"]
    piped = subprocess.run([*argv, "--db", str(tmp_path / "a.db")], capture_output=True,
                           text=True, timeout=120)
    assert piped.returncode == 0 and "episode 1 ·" not in piped.stdout + piped.stderr
    main, tty = pty.openpty()
    proc = subprocess.Popen([*argv, "--db", str(tmp_path / "b.db")], stdout=tty, stderr=tty,
                            env=os.environ | {"COLUMNS": "200", "TERM": "xterm"})
    os.close(tty)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(timeout=120) == 0
    text = out.decode(errors="replace")
    assert "episode 1 · " in text and "messages" in text and "university-small · negotiate" in text
