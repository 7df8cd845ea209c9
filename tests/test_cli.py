"""The command line: run with a report, show, schema, generate."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import SEED_EXAMPLE


def _accord(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accord.cli.main", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


@pytest.mark.slow
def test_run_report_show_and_schema(tmp_path):
    db, report = str(tmp_path / "a.db"), tmp_path / "r.json"
    proc = _accord("run", str(SEED_EXAMPLE), "--episodes", "2", "--db", db, "--report",
                   str(report), "--reference")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(report.read_text())
    assert {"run_id", "scenario", "protocol", "seed", "episodes"} <= set(data)
    assert (data["scenario"], data["protocol"], data["seed"]) == ("dismissal-seed",
                                                                   "negotiate", 42)
    for e in data["episodes"]:
        assert {"episode", "hard_violations", "cost", "cost_breakdown", "reference_cost",
                "messages", "wall_seconds", "plans"} <= set(e)
        assert e["reference_cost"] == e["cost"] == 520
        assert sum(sum(p.values()) for p in e["plans"].values()) == 290
    shown = _accord("show", data["run_id"], "--db", db)
    assert shown.returncode == 0, shown.stderr
    assert data["run_id"] in shown.stdout and "call_for_plans" in shown.stdout
    listing = _accord("show", "--db", db)
    assert data["run_id"] in listing.stdout
    missing = _accord("show", "nope", "--db", db)
    assert missing.returncode == 2 and "no run 'nope'" in missing.stderr
    schema = _accord("schema")
    assert json.loads(schema.stdout)["title"].startswith("accord message envelope")


def test_protocol_and_seed_flags(tmp_path):
    report = tmp_path / "r.json"
    proc = _accord("run", str(SEED_EXAMPLE), "--protocol", "seed-offers", "--seed", "7",
                   "--episodes", "1", "--db", str(tmp_path / "b.db"), "--report", str(report))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(report.read_text())
    assert (data["protocol"], data["seed"]) == ("seed-offers", 7)


@pytest.mark.slow
def test_generate_then_run(tmp_path):
    out = tmp_path / "g.yaml"
    assert _accord("generate", "dismissal", "--classrooms", "12", "--bottlenecks", "2",
                   "--seed", "3", "-o", str(out)).returncode == 0
    proc = _accord("run", str(out), "--db", str(tmp_path / "g.db"), "--protocol", "central")
    assert proc.returncode == 0, proc.stderr


def test_format_options_are_checked_by_their_model_and_outputs_before_writing(tmp_path):
    """A generator's option out of range and an output in a missing directory are one
    line each, exit 2, and nothing is written."""
    low = _accord("generate", "dismissal", "--classrooms", "0")
    assert low.returncode == 2
    assert "generate dismissal: classrooms: Input should be greater than or equal to 1" \
        in low.stderr
    missing = tmp_path / "no" / "g.yaml"
    nowhere = _accord("generate", "nursing", "--wards", "1", "--nurses", "3", "--lines", "1",
                      "-o", str(missing))
    assert nowhere.returncode == 2 and f"--output {missing}" in nowhere.stderr
    assert len(nowhere.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "no").exists()
