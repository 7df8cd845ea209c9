"""The dashboard's JSON API in process (no browser): the report and grids from the store,
the start-a-run guard, one-line errors, the generic usage grids."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.app.runner import run_scenario
from accord.app.web import create_app
from accord.contract import VIOLATION, usage_grids
from accord.model.plan import Plan, UsageEntry
from accord.store import Store
from tests.conftest import SEED_EXAMPLE


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    from accord.app.registry import load_scenario

    db = str(tmp_path_factory.mktemp("web") / "runs.db")
    result = run_scenario(load_scenario(SEED_EXAMPLE), episodes=2, db=db, reference=True)
    return db, json.loads(json.dumps(result.report()))


def test_report_from_the_store_equals_the_runs_report(stored: tuple[str, dict]) -> None:
    db, report = stored
    with TestClient(create_app(db)) as client:
        assert client.get(f"/api/runs/{report['run_id']}/report.json").json() == report
        run = client.get(f"/api/runs/{report['run_id']}").json()
        assert [e["cost"] for e in run["episodes"]] == [e["cost"] for e in report["episodes"]]
        assert [e["cost_breakdown"] for e in run["episodes"]] == [
            e["cost_breakdown"] for e in report["episodes"]]
        listed = client.get("/api/runs").json()
        assert [(r["id"], r["episodes"], r["ratio"]) for r in listed] == [
            (report["run_id"], 2, 1.0)]


def test_dismissal_exit_grid_totals_are_the_plans_usage(stored: tuple[str, dict]) -> None:
    db, report = stored
    with TestClient(create_app(db)) as client:
        grids = client.get(f"/api/runs/{report['run_id']}/grids").json()["grids"]
    store = Store(db)
    try:
        plans = store.plans(report["run_id"], 2)
    finally:
        store.close()
    exits = [g for g in grids if g["kind"] == "resource"]
    assert exits and {g["name"] for g in grids if g["kind"] == "agent"} == set(plans)
    for g in exits:
        for cell in g["cells"]:
            if cell["row"] != "total":
                slot = int(cell["col"].removeprefix("batch "))
                assert cell["text"] == str(plans[cell["row"]].usage_map()[(g["name"], slot)])
    # every displaced group is explained where it leaves: the items add up to the cost
    items = [n for g in exits for c in g["cells"] for n in c["notes"] if c["mark"] == "cost"]
    assert sum(int(n.rsplit("+", 1)[1]) for n in items) == report["episodes"][-1]["cost"]


def test_starting_runs_needs_the_flag_and_the_token(stored: tuple[str, dict]) -> None:
    db, _ = stored
    before = [r.id for r in Store(db).runs()]
    body = {"scenario": SEED_EXAMPLE.read_text(), "episodes": 1}
    with TestClient(create_app(db)) as client:
        assert client.post("/api/runs", json=body).status_code == 403
        assert client.get("/start").status_code == 403
    app = create_app(db, allow_runs=True, token="secret")
    with TestClient(app) as client:
        assert client.post("/api/runs", json=body).status_code == 401
        assert client.post("/api/runs", json=body | {"token": "nope"}).status_code == 401
        bad = client.post("/api/runs", json={"scenario": "domain: [", "filename": "f.yaml"},
                          headers={"X-Accord-Token": "secret"})
        assert bad.status_code == 400
        assert bad.json()["error"].startswith("f.yaml: line") and "\n" not in bad.json()["error"]
        wrong = client.post("/api/runs", json={"scenario": "a: 1"},
                            headers={"X-Accord-Token": "secret"})
        assert wrong.status_code == 400 and "unknown domain" in wrong.json()["error"]
    assert [r.id for r in Store(db).runs()] == before


def test_missing_things_are_404_not_tracebacks(stored: tuple[str, dict]) -> None:
    db, report = stored
    with TestClient(create_app(db)) as client:
        page = client.get("/runs/nope/timeline")
        assert page.status_code == 404 and "no run &#x27;nope&#x27;" in page.text
        assert client.get("/nowhere").status_code == 404
        assert client.get("/api/runs/nope").json()["error"].startswith("no run 'nope'")
        bad = client.get(f"/api/runs/{report['run_id']}/export/itc2007")
        assert bad.status_code == 400 and "unknown format" in bad.json()["error"]
        assert client.get(f"/api/runs/{report['run_id']}/grids?episode=9").status_code == 400


def test_usage_grids_mark_capacity_exceeded() -> None:
    plans = {a: Plan(agent=a, assignment={}, cost=0,
                     usage=[UsageEntry(resource="exit", slot=1, amount=n)])
             for a, n in (("A", 30), ("B", 40))}
    grids = usage_grids(plans, capacity={("exit", 1): 60})
    total = next(c for g in grids if g.kind == "resource" for c in g.cells if c.row == "total")
    assert (total.text, total.mark) == ("70/60", VIOLATION)
    assert "70 > capacity 60" in total.notes[0]


def test_rounds_end_at_the_agents_reported_costs(stored: tuple[str, dict]) -> None:
    db, report = stored
    with TestClient(create_app(db)) as client:
        for e in report["episodes"]:
            points = client.get(f"/api/runs/{report['run_id']}/rounds",
                                params={"episode": e["episode"]}).json()["points"]
            assert points[-1][1] == e["cost"]  # dismissal: the plans' costs are the cost
            page = client.get(f"/api/runs/{report['run_id']}/messages",
                              params={"episode": e["episode"], "limit": 1000}).json()
            assert page["total"] == e["messages"] == len(page["rows"])


def test_university_cost_items_add_up_to_the_official_cost() -> None:
    import random

    from accord.app.registry import get_domain, load_scenario
    from accord.domains.university import department_plan
    from accord.domains.university.instance import Lecture

    sc: Any = load_scenario(SEED_EXAMPLE.parent / "university-small.yaml")
    domain = get_domain("university")
    rooms = [r.id for r in sc.rooms]
    for seed in range(5):  # random timetables: every soft constraint pays somewhere
        rng = random.Random(seed)
        lectures = []
        for d in sc.departments:
            for c in d.courses:
                periods = rng.sample(range(sc.days * sc.periods_per_day), c.lectures)
                lectures += [Lecture(c.id, rng.choice(rooms), *divmod(p, sc.periods_per_day))
                             for p in periods]
        plans = {d.id: department_plan(sc, d.id, lectures) for d in sc.departments}
        ev = domain.evaluate(sc, plans)
        items = [n for g in domain.grids(sc, plans) if g.kind == "agent" for c in g.cells
                 for n in c.notes if c.mark and "+" in n]
        assert sum(int(n.rsplit("+", 1)[1]) for n in items) == ev.cost, (seed, items)
        assert ev.cost > 0


def test_a_data_file_starts_a_run_through_its_importer(stored: tuple[str, dict]) -> None:
    import base64
    import time

    from tests.conftest import ROOT

    db, _ = stored
    ctt = ROOT / "data" / "itc2007" / "toy.ctt"
    body = {"importer": "itc2007", "options": {"departments": 2}, "episodes": 1,
            "protocol": "first-commit",
            "files": [{"name": "toy.ctt", "base64": base64.b64encode(ctt.read_bytes()).decode()}]}
    before = [r.id for r in Store(db).runs()]
    with TestClient(create_app(db, allow_runs=True, token="t")) as client:
        bad = client.post("/api/runs", json=body | {"options": {}},
                          headers={"X-Accord-Token": "t"})
        assert bad.status_code == 400 and bad.json()["error"].startswith("itc2007: departments")
        assert client.post("/api/runs", json=body, headers={"X-Accord-Token": "t"}
                           ).status_code == 202
        deadline = time.monotonic() + 30
        while len(Store(db).runs()) == len(before) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert len(Store(db).runs()) == len(before) + 1


def test_a_server_reachable_from_elsewhere_needs_the_token_to_read(
        stored: tuple[str, dict]) -> None:
    db, report = stored
    with TestClient(create_app(db, token="s3", read_token=True)) as client:
        assert client.get("/").status_code == 401
        assert client.get("/api/runs").status_code == 401
        assert client.get("/?token=nope").status_code == 401
        assert client.get("/?token=s3").status_code == 200  # then a cookie carries it
        assert client.get(f"/api/runs/{report['run_id']}").status_code == 200


@pytest.mark.postgres
@pytest.mark.slow
def test_the_dashboard_reads_a_postgresql_store() -> None:
    from accord.app.registry import load_scenario
    from tests import postgres

    if not postgres.available():
        pytest.skip("PostgreSQL not installed")
    with postgres.cluster() as url:
        result = run_scenario(load_scenario(SEED_EXAMPLE), episodes=1, db=url)
        report = json.loads(json.dumps(result.report()))
        with TestClient(create_app(url)) as client:
            rid = report["run_id"]
            assert client.get(f"/api/runs/{rid}/report.json").json() == report
            page = client.get(f"/api/runs/{rid}/messages", params={"limit": 1000}).json()
            assert page["total"] == report["episodes"][0]["messages"]
            assert {r["kind"] for r in page["rows"]} >= {"episode_start", "plan_report"}
            assert any(r["round"] is not None for r in page["rows"])
            assert client.get(f"/api/runs/{rid}/revealed").json()["director"]["messages"]
