"""University protocols on the small native scenario: feasible, measured, private."""

from __future__ import annotations

import pytest

from accord.domains import load_scenario
from accord.runtime.runner import run_scenario
from accord.store import Store
from tests.conftest import ROOT

SMALL = ROOT / "examples" / "university-small.yaml"
DEPARTMENT_KINDS = {"plan_request", "change_request", "wishes", "no_change", "release_quote",
                    "decline", "ack", "plan_report", "error"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    sc = load_scenario(SMALL)
    db = str(tmp_path_factory.mktemp("u") / "u.db")
    return db, {p: run_scenario(sc, protocol=p, episodes=1, db=db)
                for p in ("first-commit", "negotiate", "central")}


def test_every_protocol_is_feasible(runs):
    _, results = runs
    for protocol, res in results.items():
        e = res.episodes[0]
        assert e.hard_violations == 0, protocol
        lectures = sum(len(p.assignment["lectures"]) for p in e.plans.values())
        assert lectures == 25, protocol
        assert sum(e.cost_breakdown.values()) == e.cost


def test_first_commit_reports_refused_room_requests(runs):
    _, results = runs
    metrics = results["first-commit"].episodes[0].metrics
    assert {"refused_requests", "refused_members", "utilisation"} <= set(metrics)
    assert metrics["refused_requests"] >= metrics["refused_members"] >= 1
    shares = [v for k, v in metrics.items() if k.startswith("utilisation.")]
    assert len(shares) == 3 and all(0 < v <= 1 for v in shares)


def test_message_log_holds_no_unavailability_or_cost_detail(runs):
    db, results = runs
    sc = load_scenario(SMALL)
    store = Store(db)
    for protocol in ("first-commit", "negotiate"):
        log = store.messages(results[protocol].run_id)
        assert log
        departments = {d.id for d in sc.departments}
        for env in log:
            text = env.to_json()
            assert "unavailab" not in text and "private" not in text
            for name in ("RoomCapacity", "MinWorkingDays", "CurriculumCompactness",
                         "RoomStability", "breakdown"):
                assert name not in text
            if env.sender in departments:
                assert env.kind in DEPARTMENT_KINDS
