"""What the dashboard's pages show, as JSON-ready dicts read from the store through the
contract: runs, one run, its timetables, its report and its exports."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict
from datetime import datetime
from typing import Any

from accord.app.registry import get_domain
from accord.app.runner import EpisodeResult, RunResult
from accord.model.errors import AccordError
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.store import RunRow, Store
from accord.store.reading import last_episodes


def _ratio(cost: int | None, reference: int | None) -> float | None:
    if cost is None or reference is None:
        return None
    return round(cost / reference, 4) if reference else (1.0 if cost == 0 else None)


def runs_list(store: Store) -> list[dict[str, Any]]:
    """Every run with its last episode's figures, oldest first."""
    last = last_episodes(store)
    out = []
    for r in store.runs():
        e = last.get(r.id)
        out.append({
            "id": r.id, "scenario": r.scenario_name, "domain": r.domain,
            "protocol": r.protocol, "seed": r.seed, "status": r.status,
            "started_at": r.started_at, "finished_at": r.finished_at,
            "episodes": e.episodes if e else 0, "episodes_requested": r.episodes_requested,
            "hard_violations": e.hard_violations if e else None,
            "cost": e.cost if e else None, "reference": e.reference_cost if e else None,
            "ratio": _ratio(e.cost, e.reference_cost) if e else None,
        })
    return out


def scenario_of(run: RunRow) -> ScenarioBase:
    """The run's scenario, as stored."""
    return get_domain(run.domain).scenario_type.model_validate_json(run.scenario_json)


def _burden(ledger: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for c in ledger:
        for who, side in ((c["debtor"], "owes"), (c["creditor"], "owed")):
            d = out.setdefault(who, {"owes": 0, "owed": 0, "open": 0})
            d[side] += c["amount"]
            if side == "owes" and c["status"] != "fulfilled":
                d["open"] += c["amount"]
    return dict(sorted(out.items()))


def run_detail(store: Store, run_id: str) -> dict[str, Any]:
    """One run: its row, episodes with breakdowns, metrics, utilisation, ledger, exports."""
    run = store.run(run_id)
    metrics = store.metrics(run_id)
    episodes = []
    for e in store.episodes(run_id):
        m = metrics.get(e.episode, {})
        episodes.append({
            "episode": e.episode, "hard_violations": e.hard_violations, "cost": e.cost,
            "cost_breakdown": json.loads(e.cost_breakdown),
            "hard_breakdown": json.loads(e.hard_breakdown),
            "reference_cost": e.reference_cost, "ratio": _ratio(e.cost, e.reference_cost),
            "messages": e.messages, "bytes": e.bytes, "rounds": e.rounds,
            "wall_seconds": e.wall_seconds,
            "utilisation": {k.removeprefix("utilisation."): v for k, v in sorted(m.items())
                            if k.startswith("utilisation.")},
            "agent_costs": {k.removeprefix("cost."): v for k, v in sorted(m.items())
                            if k.startswith("cost.")},
        })
    ledger = [c.model_dump(mode="json") for c in store.ledger(run.ledger)]
    domain = get_domain(run.domain)
    return {
        "id": run.id, "scenario": run.scenario_name, "domain": run.domain,
        "protocol": run.protocol, "seed": run.seed, "status": run.status,
        "started_at": run.started_at, "finished_at": run.finished_at,
        "first_episode": run.first_episode, "episodes_requested": run.episodes_requested,
        "options": json.loads(run.options_json), "ledger_name": run.ledger,
        "episodes": episodes, "ledger": ledger, "burden": _burden(ledger),
        "exports": [{"name": x.name, "summary": x.summary, "directory": x.directory}
                    for x in domain.formats.exporters],
    }


def _episode(store: Store, run_id: str, episode: int | None) -> int:
    stored = [e.episode for e in store.episodes(run_id)]
    if not stored:
        raise AccordError(f"run {run_id} has no stored episode yet")
    if episode is None:
        return stored[-1]
    if episode not in stored:
        raise AccordError(f"run {run_id} has episodes {stored[0]}..{stored[-1]}, not {episode}")
    return episode


def grids(store: Store, run_id: str, episode: int | None = None) -> dict[str, Any]:
    """The episode's timetables as the run's domain lays them out."""
    run = store.run(run_id)
    ep = _episode(store, run_id, episode)
    domain = get_domain(run.domain)
    laid = domain.grids(scenario_of(run), store.plans(run_id, ep))
    return {"episode": ep, "episodes": [e.episode for e in store.episodes(run_id)],
            "grids": [asdict(g) for g in laid]}


def report(store: Store, run_id: str) -> dict[str, Any]:
    """The run's JSON report, as ``accord run --report`` writes it, from the store."""
    run = store.run(run_id)
    metrics = store.metrics(run_id)
    result = RunResult(run.id, run.scenario_name, run.domain, run.protocol, run.seed,
                       store.url)
    for e in store.episodes(run_id):
        plans: dict[str, Plan] = store.plans(run_id, e.episode)
        own = {f"cost.{a}" for a in plans}
        result.episodes.append(EpisodeResult(
            episode=e.episode, hard_violations=e.hard_violations,
            hard_breakdown=json.loads(e.hard_breakdown), cost=e.cost,
            cost_breakdown=json.loads(e.cost_breakdown), reference_cost=e.reference_cost,
            messages=e.messages, bytes=e.bytes, rounds=e.rounds, wall_seconds=e.wall_seconds,
            plans=plans, metrics={k: v for k, v in metrics.get(e.episode, {}).items()
                                  if k not in own}))
    return result.report()


def export(store: Store, run_id: str, fmt: str, episode: int | None = None
           ) -> tuple[str, bytes, str]:
    """A domain export of an episode: (file name, content, media type); a directory export
    comes as a zip of its files."""
    run = store.run(run_id)
    formats = {x.name: x for x in get_domain(run.domain).formats.exporters}
    if fmt not in formats:
        raise AccordError(f"unknown format {fmt!r} for a {run.domain} run "
                          f"(known: {', '.join(formats) or 'none'})")
    ep = _episode(store, run_id, episode)
    stamp = datetime.fromisoformat(run.started_at).replace(tzinfo=None)
    files = formats[fmt].write(scenario_of(run), store.plans(run_id, ep), stamp)
    base = f"{run_id}-e{ep}"
    if not formats[fmt].directory:
        return f"{base}.{formats[fmt].suffix}", files[""].encode(), "text/plain; charset=utf-8"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in sorted(files.items()):
            z.writestr(name, text)
    return f"{base}-{fmt}.zip", buf.getvalue(), "application/zip"
