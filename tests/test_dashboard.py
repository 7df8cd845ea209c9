"""The dashboard: a real ``accord serve`` over a real SQLite store holding runs of every
domain, driven by Debian's chromium; what the pages show is checked against the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from accord.app.registry import load_scenario, wire
from accord.app.runner import run_scenario
from accord.cli.main import app as cli
from accord.domains.nursing.generate import generate
from accord.store import Store
from tests.browser import ROOT, Served, accord_env, chromium, chromium_available, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium")]

EXAMPLES = ROOT / "examples"
SHOTS = os.environ.get("ACCORD_SCREENSHOTS")
"""Set to a directory (e.g. docs/img) to save a screenshot of every page there."""


class World:
    """The store the server reads, the reports the runs wrote, the server, the browser."""

    db: str
    reports: dict[str, dict[str, Any]]
    sol: str
    served: Served
    browser: Any


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("dashboard")
    w = World()
    w.db = str(tmp / "runs.db")
    w.reports = {}
    seed = load_scenario(EXAMPLES / "dismissal-seed.yaml")
    university = load_scenario(EXAMPLES / "university-small.yaml")
    nursing = generate(wards=2, nurses=6, lines=2, seed=1)
    classes = load_scenario(EXAMPLES / "classes-fehu.yaml")
    for key, sc, protocol, n, ref in [("dismissal", seed, "negotiate", 2, True),
                                      ("dismissal-fc", seed, "first-commit", 2, False),
                                      ("university", university, "first-commit", 1, False),
                                      ("nursing", nursing, "transport", 1, False),
                                      ("classes", classes, None, 1, False)]:
        result = run_scenario(sc, protocol=protocol, episodes=n, db=w.db, reference=ref)
        w.reports[key] = json.loads(json.dumps(result.report()))
    sol = tmp / "u.sol"
    out = CliRunner().invoke(cli, ["export", w.reports["university"]["run_id"], "--db", w.db,
                                   "-o", str(sol)])
    assert out.exit_code == 0, out.output
    w.sol = sol.read_text()
    with serve(w.db, allow_runs=True) as served, chromium() as browser:
        w.served, w.browser = served, browser
        yield w


@pytest.fixture
def page(world: World) -> Iterator[Any]:
    pg = world.browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    pg.close()
    assert not errors, errors


def _open(page: Any, world: World, path: str, shot: str | None = None) -> Any:
    response = page.goto(world.served.url + path)
    page.wait_for_selector("body[data-ready]", timeout=10_000)
    if SHOTS and shot:
        page.screenshot(path=str(Path(SHOTS) / f"dashboard-{shot}.png"))
    return response


def _cell(page: Any, sel: str) -> str:
    return str(page.inner_text(sel)).strip()


def test_runs_page_lists_every_run_as_stored(world: World, page: Any) -> None:
    _open(page, world, "/", "runs")
    store = Store(world.db)
    try:
        for run in store.runs():
            row = f'tr[data-run="{run.id}"]'
            last = store.episodes(run.id)[-1]
            assert _cell(page, f'{row} td[data-col="status"]') == run.status
            assert _cell(page, f'{row} td[data-col="domain"]') == run.domain
            assert _cell(page, f'{row} td[data-col="cost"]') == str(last.cost)
            assert _cell(page, f'{row} td[data-col="hard_violations"]') == str(
                last.hard_violations)
    finally:
        store.close()
    page.fill("#filter", "nursing")
    assert page.locator("#runs tr[data-run]").count() == 1


@pytest.mark.parametrize("key", ["dismissal", "university", "nursing", "classes"])
def test_run_page_cost_and_breakdown_equal_the_report(world: World, page: Any,
                                                      key: str) -> None:
    report = world.reports[key]
    _open(page, world, f"/runs/{report['run_id']}", f"run-{key}" if key == "dismissal" else None)
    for e in report["episodes"]:
        row = f'#episodes tr[data-episode="{e["episode"]}"]'
        assert _cell(page, f'{row} td[data-col="cost"]') == str(e["cost"])
        assert _cell(page, f'{row} td[data-col="hard_violations"]') == str(e["hard_violations"])
        for name, value in e["cost_breakdown"].items():
            assert _cell(page, f'{row} td[data-col="soft:{name}"]') == str(value)
        for name, value in e["hard_breakdown"].items():
            assert _cell(page, f'{row} td[data-col="hard:{name}"]') == str(value)
        assert _cell(page, f'{row} td[data-col="messages"]') == str(e["messages"])
    # each agent's burden over the run is the report's fairness
    page.wait_for_selector("#fairness:not(:empty)")
    for agent, fair in report["fairness"]["agents"].items():
        row = f'#agents tr[data-agent="{agent}"]'
        assert _cell(page, f'{row} td[data-col="total_cost"]') == str(fair["total_cost"])
    # the report the page offers for download is the one the run wrote
    got = httpx.get(f"{world.served.url}/api/runs/{report['run_id']}/report.json").json()
    assert got == report


def test_lecture_hall_grid_puts_each_lecture_where_the_sol_does(world: World,
                                                                page: Any) -> None:
    run_id = world.reports["university"]["run_id"]
    _open(page, world, f"/runs/{run_id}/timetables", "timetables")
    days = ("Mon", "Tue", "Wed", "Thu", "Fri")
    lines = [ln.split() for ln in world.sol.splitlines() if ln.strip()]
    assert lines
    for course, room, day, period in lines:
        cell = (f'table[data-grid="resource:{room}"] td[data-row="period {period}"]'
                f'[data-col="{days[int(day)]}"]')
        assert course in _cell(page, cell).split("\n")[0].split(), (course, room, day, period)
    halls = {ln[1] for ln in lines}
    texts = [t for r in halls
             for t in page.locator(f'table[data-grid="resource:{r}"] td').all_inner_texts()]
    shown = sum(1 for t in texts if t.strip())
    assert shown == len(lines)  # no lecture shown where the .sol has none
    # every soft-cost item is explained on a lecture: the notes add up to the cost
    notes = page.locator("td.cost .note").all_inner_texts()
    assert sum(int(n.rsplit("+", 1)[1]) for n in notes) == world.reports["university"][
        "episodes"][-1]["cost"]


def test_timeline_filters_and_privacy_audit_match_the_store(world: World, page: Any) -> None:
    run_id = world.reports["nursing"]["run_id"]
    store = Store(world.db)
    try:
        messages = store.messages(run_id, wire())
    finally:
        store.close()
    _open(page, world, f"/runs/{run_id}/timeline", "timeline")
    assert _cell(page, "#count").startswith(f"{len(messages)} of {len(messages)}")
    kind = Counter(m.kind for m in messages).most_common(1)[0][0]
    page.select_option("#f-kind", kind)
    page.wait_for_function(f"document.querySelector('#count').textContent.startsWith("
                           f"'{sum(m.kind == kind for m in messages)} of')")
    first = page.locator(".msg").first
    first.click()
    page.wait_for_function("document.querySelector('#detail').textContent.includes('sender')")
    assert json.loads(page.inner_text("#detail"))["kind"] == kind
    _open(page, world, f"/runs/{run_id}/privacy", "privacy")
    for sender, kinds in _by_sender(messages).items():
        shown = page.locator(f'#revealed tr[data-agent="{sender}"] .kinds .pill').all_inner_texts()
        assert sorted(shown) == sorted(f"{k} ×{n}" for k, n in kinds.items())


def _by_sender(messages: list[Any]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for m in messages:
        out.setdefault(m.sender, Counter())[m.kind] += 1
    return out


def test_compare_shows_each_runs_cost(world: World, page: Any) -> None:
    a, b = world.reports["dismissal"], world.reports["dismissal-fc"]
    _open(page, world, f"/compare?runs={a['run_id']},{b['run_id']}", "compare")
    row = page.locator("#compare tr", has_text="cost").first.all_inner_texts()[0]
    assert str(a["episodes"][-1]["cost"]) in row and str(b["episodes"][-1]["cost"]) in row
    assert page.locator("#compare-grids table").count() == 2


def test_missing_run_is_a_404_page(world: World, page: Any) -> None:
    response = page.goto(world.served.url + "/runs/no-such-run")
    assert response.status == 404
    assert "no run 'no-such-run'" in page.inner_text("#error")
    assert "Traceback" not in page.content()
    assert httpx.get(world.served.url + "/api/runs/no-such-run").status_code == 404


def _run_ids(db: str) -> list[str]:
    store = Store(db)
    try:
        return [r.id for r in store.runs()]
    finally:
        store.close()


def test_a_write_without_the_token_is_refused(world: World) -> None:
    before = _run_ids(world.db)
    scenario = (EXAMPLES / "dismissal-seed.yaml").read_text()
    url = world.served.url + "/api/runs"
    assert httpx.post(url, json={"scenario": scenario}).status_code == 401
    assert httpx.post(url, json={"scenario": scenario},
                      headers={"X-Accord-Token": "wrong"}).status_code == 401
    assert httpx.post(url, content=b"not json").status_code == 401
    assert world.served.lines[0].endswith(f"on {world.served.url}/")  # 127.0.0.1 by default
    time.sleep(0.5)
    assert _run_ids(world.db) == before


def test_malformed_upload_is_one_line_and_stores_nothing(world: World, page: Any) -> None:
    before = _run_ids(world.db)
    _open(page, world, f"/start?token={world.served.token}")
    page.set_input_files("#file", files=[{"name": "bad.yaml", "mimeType": "text/yaml",
                                          "buffer": b"name: x\ndomain: [unclosed\n"}])
    page.click("#submit")
    page.wait_for_selector("#error:not(:empty)")
    text = page.inner_text("#error")
    assert "\n" not in text and "bad.yaml" in text and "malformed YAML" in text
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "dashboard-start.png"))
    page.set_input_files("#file", files=[{"name": "odd.yaml", "mimeType": "text/yaml",
                                          "buffer": b"name: x\ndomain: dismissal\n"}])
    page.click("#submit")
    page.wait_for_function("document.querySelector('#error').textContent.includes('odd.yaml')")
    assert "\n" not in page.inner_text("#error")
    time.sleep(0.5)
    assert _run_ids(world.db) == before
    # with the token a valid upload starts a run that appears in the store
    page.set_input_files("#file", str(EXAMPLES / "dismissal-seed.yaml"))
    page.fill("#episodes", "1")
    page.click("#submit")
    page.wait_for_selector("#started:not(:empty)")
    deadline = time.monotonic() + 30
    while len(_run_ids(world.db)) == len(before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_run_ids(world.db)) == len(before) + 1


@pytest.mark.slow
def test_a_live_run_appears_and_its_page_updates_without_reload(world: World,
                                                                page: Any) -> None:
    episodes = 200  # long enough (10 s or so) for the page to watch it run
    _open(page, world, "/")
    page.evaluate("window.__marker = 'same page'")
    known = set(_run_ids(world.db))
    proc = subprocess.Popen(
        [sys.executable, "-m", "accord.cli.main", "run", str(EXAMPLES / "dismissal-seed.yaml"),
         "-p", "first-commit", "-n", str(episodes), "--seed", "7", "--fresh", "--db", world.db],
        env=accord_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        new: list[str] = []
        while not new and time.monotonic() < deadline:
            new = [r for r in _run_ids(world.db) if r not in known]
            time.sleep(0.1)
        assert new, "the run did not start"
        run_id = new[0]
        page.wait_for_selector(f'tr[data-run="{run_id}"] a', timeout=10_000)
        assert page.evaluate("window.__marker") == "same page"  # appeared without a reload
        page.click(f'tr[data-run="{run_id}"] a')
        page.wait_for_selector("#episodes")
        page.evaluate("window.__marker = 'run page'")
        seen = []
        while time.monotonic() < deadline:
            seen.append(page.locator("#episodes tr[data-episode]").count())
            if seen[-1] == episodes and "complete" in page.inner_text('[data-figure="status"]'):
                break
            time.sleep(0.1)
        assert page.evaluate("window.__marker") == "run page"
        assert seen[-1] == episodes, seen
        assert min(seen) < episodes, "the run ended before the page could watch it"
    finally:
        proc.wait(timeout=60)
    store = Store(world.db)
    try:
        costs = [e.cost for e in store.episodes(run_id)]
    finally:
        store.close()
    shown = page.locator('#episodes td[data-col="cost"]').all_inner_texts()
    assert shown == [str(c) for c in costs]


def test_ward_rosters_and_line_grids_are_the_stored_plans(world: World, page: Any) -> None:
    from accord.domains.nursing.views import shift_label

    run_id = world.reports["nursing"]["run_id"]
    store = Store(world.db)
    try:
        sc = load_scenario_json(store, run_id)
        plans = store.plans(run_id, 1)
    finally:
        store.close()
    _open(page, world, f"/runs/{run_id}/timetables")
    page.select_option("#kind", "agent")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "dashboard-timetables-nursing.png"))
    for ward, plan in plans.items():
        grid = f'table[data-grid="agent:{ward}"]'
        want = {(n, shift_label(sc, s)) for n, ss in plan.assignment["shifts"].items()
                for s in ss}
        cells = page.locator(f"{grid} td").evaluate_all(
            "tds => tds.filter(t => t.textContent.trim()).map(t => [t.dataset.row, "
            "t.dataset.col])")
        assert {tuple(c) for c in cells} == want
    page.select_option("#kind", "resource")
    loads: Counter[tuple[str, int]] = Counter()
    for plan in plans.values():
        loads.update(plan.usage_map())
    for (line, s), n in loads.items():
        text = _cell(page, f'table[data-grid="resource:{line}"] td[data-row="total"]'
                           f'[data-col="{shift_label(sc, s)}"]')
        assert text.startswith(f"{n}/")


def load_scenario_json(store: Store, run_id: str) -> Any:
    from accord.app.registry import get_domain

    run = store.run(run_id)
    return get_domain(run.domain).scenario_type.model_validate_json(run.scenario_json)


def test_classes_grids_put_each_class_where_its_plan_does(world: World, page: Any) -> None:
    run_id = world.reports["classes"]["run_id"]
    _open(page, world, f"/runs/{run_id}/timetables")
    page.select_option("#kind", "agent")
    plans = world.reports["classes"]["episodes"][-1]["plans"]
    assert plans
    for group, plan in plans.items():
        for c in plan["classes"]:
            cell = (f'table[data-grid="agent:{group}"] td[data-row="{c["start"]}"]'
                    f'[data-col="{c["day"]}"]')
            assert f'{c["discipline"]} {c["kind"]} · {c["professor"]} @{c["classroom"]}' in \
                _cell(page, cell)


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "accord.cli.main", "serve", "--db", str(tmp_path / "x.db"),
             "--port", str(port)], capture_output=True, text=True, env=accord_env(), timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and f"--port {port}" in proc.stderr
