"""University domain: the department split, and import → run → export with official costs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from accord.app.registry import load_scenario
from accord.domains.university.itc2007 import parse_sol, read_ctt
from accord.domains.university.split import split
from accord.domains.university.validate import validate
from accord.model.errors import ScenarioError
from tests.conftest import ROOT
from tests.test_itc2007 import DATA


@pytest.mark.parametrize("k", [2, 4, 8])
@pytest.mark.slow
def test_split_keeps_teachers_whole_and_is_deterministic(k):
    inst = read_ctt(DATA / "comp04.ctt")
    a, crossing = split(inst, k)
    b, _ = split(inst, k)
    assert a == b
    owner = a.owner()
    for c in inst.courses:
        same_teacher = {owner[o.id] for o in inst.courses if o.teacher == c.teacher}
        assert same_teacher == {owner[c.id]}
    assert sorted(owner) == sorted(c.id for c in inst.courses)
    assert crossing == sum(1 for q in inst.curricula
                           if len({owner[c] for c in q.courses}) > 1)
    assert len(a.departments) == k
    merged = a.instance()
    assert merged.unavailable == inst.unavailable
    assert {c.id: c for c in merged.courses} == {c.id: c for c in inst.courses}


def _accord(*args, cwd):
    return subprocess.run([sys.executable, "-m", "accord.cli.main", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_import_run_export_round_trip(tmp_path):
    ctt = DATA / "comp01.ctt"
    scen = tmp_path / "comp01.yaml"
    imp = _accord("import", "itc2007", str(ctt), "--departments", "4", "-o", str(scen),
                  "--time-limit", "3", cwd=tmp_path)
    assert imp.returncode == 0, imp.stderr
    assert "curricula cross departments" in imp.stderr
    run = _accord("run", str(scen), "--protocol", "central", "--db", "u.db", "--report",
                  "r.json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    episode = report["episodes"][0]
    sol = tmp_path / "out.sol"
    exp = _accord("export", report["run_id"], "--db", "u.db", "-o", str(sol), cwd=tmp_path)
    assert exp.returncode == 0, exp.stderr
    inst = read_ctt(ctt)
    lectures, warnings = parse_sol(inst, sol.read_text())
    assert warnings == []
    official = validate(inst, lectures)
    assert official.violations == episode["hard_violations"] == 0
    assert official.soft == episode["cost_breakdown"]
    assert official.cost == episode["cost"]


def test_university_scenario_errors(tmp_path):
    inst = read_ctt(DATA / "toy.ctt")
    sc, _ = split(inst, 2)
    data = sc.model_dump(mode="json")
    data["departments"][0]["private"]["unavailability"][0]["course"] = "Elsewhere"
    path = tmp_path / "u.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match=r"unavailability\[0\]\.course: Elsewhere is not"):
        load_scenario(path)


def test_unknown_protocol_lists_the_university_protocols(tmp_path):
    sc, _ = split(read_ctt(DATA / "toy.ctt"), 2)
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(sc.model_dump(mode="json")))
    proc = _accord("run", str(path), "--protocol", "seed-offers", "--db", "x.db", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown protocol 'seed-offers' (known: central, first-commit, negotiate)" in (
        proc.stderr)


def test_malformed_ctt_on_the_command_line(tmp_path):
    bad = tmp_path / "bad.ctt"
    bad.write_text((DATA / "toy.ctt").read_text().replace("SceCosC Ocra 3 3 30",
                                                            "SceCosC Ocra 3 3"))
    proc = _accord("import", "itc2007", str(bad), "--departments", "2", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("got 'SceCosC Ocra 3 3'")
    assert f"{bad}: line 10:" in proc.stderr


@pytest.mark.slow
def test_benchmark_runs_central_once_per_instance(tmp_path):
    """The merged instance does not depend on K: the second split reuses central's row."""
    rows = tmp_path / "rows.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "university.py"), "--instances", "comp01",
         "--k", "2", "--k", "4", "--budget", "3", "--protocols", "negotiate,central",
         "--json", str(rows)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(rows.read_text())
    assert [(r["k"], r["protocol"]) for r in data] == [
        (2, "negotiate"), (2, "central"), (4, "negotiate"), (4, "central")]
    central = [r for r in data if r["protocol"] == "central"]
    assert not central[0].get("reused") and central[1]["reused"]
    assert central[1]["cost"] == central[0]["cost"] and central[1]["ratio_central"] == 1
    for r in data:
        assert r["hard_violations"] == 0 and r["ratio_best"] == r["cost"] / 5
        assert (r["sol_hard"], r["sol_cost"]) == (0, r["cost"])  # the .sol read back
        # the best cost over time: in time order, falling (central's), ending at the
        # official cost
        times, costs = zip(*r["trace"], strict=True)
        assert list(times) == sorted(times)
        assert list(costs) == sorted(costs, reverse=True) or r["protocol"] == "negotiate"
        assert costs[-1] == r["cost"]
    # central reused from that file without running it: the ratios still use its cost
    again = tmp_path / "again.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "university.py"), "--instances", "comp01",
         "--k", "4", "--budget", "3", "--protocols", "negotiate", "--central-from",
         str(rows), "--json", str(again)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    [neg] = json.loads(again.read_text())
    assert neg["ratio_central"] == neg["cost"] / central[0]["cost"]


@pytest.mark.slow
def test_benchmark_refuses_a_bad_rows_file_in_one_line(tmp_path):
    bad = tmp_path / "rows.json"
    bad.write_text("{not json")
    for flag in ("--from-json", "--central-from"):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "university.py"), flag, str(bad)],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "COLUMNS": "400"})  # the error on one line, unwrapped
        assert proc.returncode == 2
        assert f"Invalid value for {flag} {bad}: not JSON" in proc.stderr
        assert "Traceback" not in proc.stderr


def _row(instance: str, seed: int, trace: list[list[float]]) -> dict[str, object]:
    """A benchmark row of ``central`` at 60 s whose cost is its trace's last."""
    return {"instance": instance, "k": 4, "protocol": "central", "seed": seed, "budget": 60,
            "hard_violations": 0, "cost": trace[-1][1], "best_known": None,
            "wall_seconds": 60.0, "messages": 8, "trace": trace}


def test_benchmark_time_to_quality_curve(tmp_path):
    """The curve's medians over the seeds, at each twelfth of the budget: none while half
    of the seeds have no timetable yet, and the sum only once every instance has one."""
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps([
        _row("a", 0, [[5, 100], [20, 50], [50, 40]]), _row("a", 1, [[7, 90], [30, 45]]),
        _row("b", 0, [[10, 10]]), _row("b", 1, [[10, 20]])]))
    md, svg = tmp_path / "t.md", tmp_path / "curve.svg"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "university.py"), "--from-json", str(rows),
         "--markdown", str(md), "--curve", str(svg)], capture_output=True, text=True,
        timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = md.read_text().splitlines()
    assert "| instance | K | protocol | seeds | 5 s | 10 s | 15 s | 20 s | 25 s | 30 s " \
           "| 35 s | 40 s | 45 s | 50 s | 55 s | 60 s |" in lines
    assert "| a | 4 | central | 2 | - | 95 | 95 | 70 | 70 | 47.5 | 47.5 | 47.5 | 47.5 " \
           "| 42.5 | 42.5 | 42.5 |" in lines
    assert "| sum | 4 | central | 2 | - | 110 | 110 | 85 | 85 | 62.5 | 62.5 | 62.5 | " \
           "62.5 | 57.5 | 57.5 | 57.5 |" in lines
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()
