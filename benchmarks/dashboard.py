"""The dashboard's speed: the run page of the largest run of the benchmarks (a generated
dismissal of 300 classrooms and 4 bottlenecks, one ``negotiate`` episode) served and
rendered, and the negotiation timeline at 100,000 messages, in Debian's chromium against a
real ``accord serve``.

The 100,000 messages are the large run's own messages repeated over episodes of a second
run, written through the store's own write path (``Store.save_episode``). Times are
wall seconds from navigation to the page's ``data-ready`` mark (the page's JSON fetched
and its DOM built), the median of ``--repeat`` visits, after one visit of the runs page
(the browser holds the page's script and style, as it does for a user); the first visit
of the timeline indexes the run's messages on the server (``cold``), later ones reuse the
index (opening a run's page starts that indexing in the background).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import chromium, serve  # noqa: E402

import report  # noqa: E402
from accord.app.registry import wire  # noqa: E402
from accord.app.runner import run_scenario  # noqa: E402
from accord.domains.dismissal.generate import generate  # noqa: E402
from accord.store import EpisodeRecord, RunRow, Store  # noqa: E402

console = Console(width=160)
COLUMNS = ("instance", "page", "messages", "reference s", "result s", "ratio", "time")


def synthesise(db: str, run_id: str, total: int) -> str:
    """A run of ``total`` messages: the run's messages repeated, episode after episode."""
    store = Store(db)
    try:
        src = store.run(run_id)
        msgs = store.messages(run_id, wire())
        plans = store.plans(run_id, src.first_episode)
        rid = f"{run_id}-x{total}"
        store.begin_run(RunRow(
            id=rid, ledger=f"{src.ledger}-x{total}", scenario_name=src.scenario_name,
            domain=src.domain, protocol=src.protocol, seed=src.seed, first_episode=1,
            episodes_requested=-(-total // len(msgs)), status="complete",
            started_at=src.started_at, finished_at=src.finished_at,
            scenario_json=src.scenario_json, options_json=src.options_json))
        written, ep = 0, 1
        while written < total:
            batch = [m.model_copy(update={
                "run": rid, "id": f"{m.id}@{ep}",
                "in_reply_to": f"{m.in_reply_to}@{ep}" if m.in_reply_to else None})
                for m in msgs[:total - written]]
            store.save_episode(rid, f"{src.ledger}-x{total}", EpisodeRecord(
                episode=ep, hard_violations=0, cost=0, cost_breakdown={}, hard_breakdown={},
                reference_cost=None, rounds=0, wall_seconds=0.0,
                messages=[m.to_json() for m in batch], plans=plans,
                ledger=[]))
            written += len(batch)
            ep += 1
        return rid
    finally:
        store.close()


def visit(page: Any, url: str) -> float:
    """Seconds from navigation to the page's ready mark."""
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    return time.perf_counter() - t0


def fetch(url: str) -> float:
    """Seconds to fetch one JSON document from the server (no browser)."""
    t0 = time.perf_counter()
    httpx.get(url, timeout=60).raise_for_status()
    return time.perf_counter() - t0


def main(
    classrooms: int = typer.Option(300, help="classrooms of the generated dismissal"),
    bottlenecks: int = typer.Option(4, help="its bottlenecks"),
    messages: int = typer.Option(100_000, help="messages of the timeline run"),
    repeat: int = typer.Option(3, min=1, help="visits per page (the median is reported)"),
    json_out: Path = typer.Option(None, "--json", help="write the rows as JSON"),
    markdown_out: Path = typer.Option(None, "--markdown", help="write the table as Markdown"),
) -> None:
    """Time the dashboard's pages on a large run and on a 100,000-message timeline."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        sc = generate(classrooms, bottlenecks, 1)
        t0 = time.perf_counter()
        result = run_scenario(sc, protocol="negotiate", episodes=1, db=db)
        ran = time.perf_counter() - t0
        n = result.episodes[0].messages
        console.print(f"{sc.name}: negotiate, 1 episode, {n} messages in {ran:.1f} s")
        t0 = time.perf_counter()
        big = synthesise(db, result.run_id, messages)
        console.print(f"{big}: {messages} messages written in {time.perf_counter() - t0:.1f} s")
        with serve(db) as served, chromium() as browser:
            page = browser.new_page(viewport={"width": 1300, "height": 900})

            def row(instance: str, name: str, count: int, target: float,
                    times: list[float]) -> None:
                t = statistics.median(times)
                rows.append({"instance": instance, "page": name, "messages": count,
                             "reference": target, "result": round(t, 3),
                             "ratio": round(t / target, 3),
                             "times": [round(x, 3) for x in times]})

            visit(page, served.url + "/")  # the browser has the page's script and style
            base = f"{served.url}/runs/{result.run_id}"
            row(sc.name, "run (first visit)", n, 1.0, [visit(page, base)])
            row(sc.name, "run", n, 1.0, [visit(page, base) for _ in range(repeat)])
            row(sc.name, "run: its JSON alone", n, 1.0,
                [fetch(f"{served.url}/api/runs/{result.run_id}") for _ in range(repeat)])
            row(sc.name, "timetables", n, 1.0,
                [visit(page, base + "/timetables") for _ in range(repeat)])
            tl = f"{served.url}/runs/{big}/timeline"
            row(big, "timeline (cold)", messages, 1.0, [visit(page, tl)])
            row(big, "timeline", messages, 1.0, [visit(page, tl) for _ in range(repeat)])
            row(big, "timeline: filter", messages, 1.0, [filter_time(page, tl)
                                                         for _ in range(repeat)])
            row(big, "timeline: scroll", messages, 0.1, [scroll_time(page)
                                                         for _ in range(repeat)])
            row(big, "privacy", messages, 1.0,
                [visit(page, f"{served.url}/runs/{big}/privacy") for _ in range(repeat)])
    console.print(report.table("dashboard: seconds to serve and render (reference: the "
                               "target)", COLUMNS, rows, cells, left=("instance", "page")))
    report.write(console, rows, json_out, markdown_out, report.markdown(COLUMNS, rows, cells))


def cells(r: dict[str, Any]) -> list[str]:
    """One row's cells."""
    return [r["instance"], r["page"], str(r["messages"]), f"{r['reference']:.2f}",
            f"{r['result']:.3f}", f"{r['ratio']:.2f}", " ".join(f"{x:.3f}" for x in r["times"])]


def filter_time(page: Any, url: str) -> float:
    """Seconds from choosing a kind to the filtered count shown."""
    visit(page, url)
    kinds = page.locator("#f-kind option").all_inner_texts()
    kind = kinds[len(kinds) // 2]
    t0 = time.perf_counter()
    page.select_option("#f-kind", kind)
    page.wait_for_function("document.querySelector('#count').textContent.split(' of ')[0] "
                           "!== document.querySelector('#count').textContent.split(' of ')[1]"
                           ".split(' ')[0]", timeout=60_000)
    return time.perf_counter() - t0


def scroll_time(page: Any) -> float:
    """Seconds from a jump to the middle of the timeline to its rows drawn."""
    t0 = time.perf_counter()
    page.evaluate("const v = document.querySelector('#viewport');"
                  "v.scrollTop = v.scrollHeight / 2")
    page.wait_for_function(
        "(() => { const v = document.querySelector('#viewport');"
        "const r = v.querySelector('.msg'); return r && Math.abs(parseInt(r.style.top) - "
        "v.scrollTop) < 100; })()", timeout=60_000)
    return time.perf_counter() - t0


if __name__ == "__main__":
    typer.run(main)
