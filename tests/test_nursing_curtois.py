"""Curtois wards in the hospital: import, seats per departure, the benchmark's cost through
``transport`` and ``central``, the hospital of three wards negotiating, the benchmark."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from accord.app.registry import load_scenario
from accord.app.runner import run_scenario
from accord.contract import Budget, SolveContext
from accord.domains.nursing.curtois_ward import assignment_of, usage
from accord.domains.nursing.evaluate import evaluate
from accord.domains.nursing.hospital import curtois_hospital
from accord.domains.nursing.scenario import CurtoisWard, Line, NursingScenario
from accord.domains.nursing.ward import WardProblem
from tests.conftest import ROOT
from tests.test_curtois import TINY

DATA = ROOT / "data" / "curtois"
INSTANCE1 = {"transport": 0, "ward_penalty": 607, "ShiftOnRequests": 3,
             "ShiftOffRequests": 3, "CoverUnder": 600, "CoverOver": 1}
"""Instance1's proven optimum and a breakdown of it by the benchmark's terms (it has
others: 4 + 3 + 600 + 0 as well)."""
TERMS = ("ShiftOnRequests", "ShiftOffRequests", "CoverUnder", "CoverOver")


def _accord(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accord.cli.main", *args], capture_output=True,
                          text=True, timeout=120)


def _tiny(days: int = 3) -> NursingScenario:
    """TINY (3 days, one shift type D, A and B) as a ward; A lives on line L, B nowhere;
    D departs at the second of two departures a day."""
    return NursingScenario(
        name="tiny", days=days, shifts_per_day=2,
        lines=[Line(id="L", capacity=2, cost_per_cab=[5] * 2 * days)],
        wards=[CurtoisWard(id="W", curtois=TINY, departures={"D": 1}, homes={"A": "L"})])


def test_a_nurse_rides_her_line_at_her_shift_types_departure():
    sc = _tiny()
    ward = sc.wards[0]
    assert isinstance(ward, CurtoisWard)
    assert usage(sc, ward, {("A", 0): "D", ("B", 1): "D", ("A", 2): "D"}) == {
        ("L", 1): 1, ("L", 5): 1}


def test_curtois_ward_in_the_hospital_is_validated():
    with pytest.raises(ValueError, match="departures: need one per shift type"):
        CurtoisWard(id="W", curtois=TINY, departures={})
    with pytest.raises(ValueError, match="homes: unknown employee 'Z'"):
        CurtoisWard(id="W", curtois=TINY, departures={"D": 0}, homes={"Z": "L"})
    with pytest.raises(ValueError, match="benchmark text, line 2"):
        CurtoisWard(id="W", curtois="SECTION_HORIZON\nx\n", departures={})
    with pytest.raises(ValueError, match="the instance's 3 days exceed the scenario's 2"):
        _tiny(days=2)


def test_ward_plan_carries_the_benchmark_cost_and_its_seats():
    sc = _tiny()
    plan = WardProblem(sc, sc.wards[0]).solve(SolveContext(budget=Budget(work=1.0)))
    assert plan is not None
    ev = evaluate(sc, {"W": plan})
    assert ev.hard_violations == 0
    assert ev.breakdown["ward_penalty"] == plan.cost == sum(plan.breakdown.values())
    assert ev.breakdown["transport"] == 5 * sum(plan.usage_map().values())
    assert {s for (_, s) in plan.usage_map()} <= {1, 3, 5}
    assert all(e == "A" for e, _ in assignment_of(plan)) or ev.breakdown["CoverUnder"] == 0


@pytest.mark.slow
def test_import_round_trip_gives_instance1_optimum(tmp_path):
    out = tmp_path / "i1.yaml"
    proc = _accord("import", "curtois", str(DATA / "Instance1.txt"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    sc = load_scenario(out)
    assert isinstance(sc, NursingScenario) and not sc.lines
    for k, (protocol, options) in enumerate((("transport", {}), ("transport", {"stages": 1}),
                                             ("central", {"time_limit": 10}))):
        run = sc.model_copy(update={"protocol_options": {protocol: options}})
        e = run_scenario(run, protocol=protocol, db=str(tmp_path / f"i1-{k}.db")).episodes[0]
        assert (e.hard_violations, e.cost) == (0, 607)
        assert e.cost_breakdown.keys() == INSTANCE1.keys()
        assert e.cost_breakdown["ward_penalty"] == sum(e.cost_breakdown[t] for t in TERMS) == 607


def test_import_of_a_malformed_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text((DATA / "Instance1.txt").read_text().replace("SECTION_COVER", "SECTION_X"))
    proc = _accord("import", "curtois", str(bad))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert f"{bad}: line" in proc.stderr and "unknown section SECTION_X" in proc.stderr


def test_hospital_of_three_instances_is_seeded_and_round_trips(tmp_path):
    files = [DATA / f"Instance{i}.txt" for i in (1, 2, 3)]
    a, b = curtois_hospital(files, 5, seed=3), curtois_hospital(files, 5, seed=3)
    assert a == b and a != curtois_hospital(files, 5, seed=4)
    assert (a.days, a.shifts_per_day, len(a.lines)) == (14, 3, 5)
    assert [w.id for w in a.wards] == ["Instance1", "Instance2", "Instance3"]
    ward3 = a.wards[2]
    assert isinstance(ward3, CurtoisWard)
    assert ward3.departures == {"E": 0, "D": 1, "L": 2} and len(ward3.homes) == 20
    path = tmp_path / "h.yaml"
    path.write_text(yaml.safe_dump(a.model_dump(mode="json"), sort_keys=False))
    assert load_scenario(path) == a


@pytest.mark.slow
def test_hospital_negotiates_without_hard_violations_and_beats_stage1(tmp_path):
    sc = curtois_hospital([DATA / f"Instance{i}.txt" for i in (1, 2, 3)], 5, seed=1)
    fast = {"first_work": 1.5, "solve_work": 0.3, "time_budget": 4}
    run = sc.model_copy(update={"protocol_options": {"transport": fast}})
    ep = run_scenario(run, protocol="transport", db=str(tmp_path / "h.db")).episodes[0]
    assert ep.hard_violations == 0
    assert ep.cost == ep.metrics["stage3.cost"] <= ep.metrics["stage1.cost"]
    assert ep.cost_breakdown["ward_penalty"] == sum(
        ep.cost_breakdown[t] for t in ("ShiftOnRequests", "ShiftOffRequests", "CoverUnder",
                                       "CoverOver"))
    assert ep.cost == ep.cost_breakdown["transport"] + ep.cost_breakdown["ward_penalty"]


@pytest.mark.slow
def test_benchmark_smoke(tmp_path):
    rows, plots = tmp_path / "rows.json", tmp_path / "plots"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "nursing.py"), "--seeds", "6", "--wards",
         "2", "--nurses", "8", "--lines", "2", "--no-curtois", "--budget", "1.5",
         "--slacks", "0,40", "--plots", str(plots), "--json", str(rows)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(rows.read_text())
    assert [r["protocol"] for r in data] == ["stage1", "transport-sync",
                                             "transport-concurrent", "transport-async",
                                             "central"]
    central = data[-1]  # a lower bound on every cost; the least cost where proved optimal
    for r in data:
        assert r["instance"] == "toy-s6" and r["hard_violations"] == 0
        assert r["cost"] == r["transport"] + r["penalty"]
        assert r["cost"] >= central["bound"]
        assert r["ratio_central"] >= 1 - 1e-9 or not central["optimal"]
    assert data[0]["improvement_pct"] == 0
    modes = [r for r in data if r["protocol"].startswith("transport-")]
    target = max(r["cost"] for r in modes)  # each mode's time to the cost all reach
    assert all(r["common_seconds"] <= r["settled_seconds"] for r in modes)
    assert all(r["common_seconds"] == r["settled_seconds"] for r in modes if r["cost"] == target)
    for name in ("cost-vs-quality.png", "cost-vs-time.png"):
        assert (plots / name).stat().st_size > 1000
    curves = json.loads((plots / "curves.json").read_text())
    assert [q["slack"] for q in curves["cost_vs_quality"]] == [None, 0, 40]
    assert {p["protocol"] for p in curves["cost_vs_time"]} == {
        "transport-sync", "transport-concurrent", "transport-async"}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["concurrent", "synchronized"])
def test_stage1_ends_within_its_share_of_the_time_budget(tmp_path, mode):
    sc = curtois_hospital([DATA / f"Instance{i}.txt" for i in (2, 3)], 2, seed=1)
    slow = {"first_work": 1000.0, "stages": 1, "time_budget": 6, "mode": mode}  # cut
    run = sc.model_copy(update={"protocol_options": {"transport": slow}})
    ep = run_scenario(run, protocol="transport", db=str(tmp_path / "h.db")).episodes[0]
    assert ep.hard_violations == 0
    assert ep.wall_seconds < 6
