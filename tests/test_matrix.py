"""Every (domain, protocol) pair the registry says is compatible runs a small scenario to
0 hard violations at the domain's own cost; the synchronized protocols replay exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from accord.app.registry import DOMAINS, PROTOCOLS, load_scenario, protocols_for, wire
from accord.app.runner import RunResult, run_scenario
from accord.domains.nursing.generate import generate
from accord.model.scenario import ScenarioBase
from accord.store import Store
from tests.conftest import ROOT

WIRE = wire()
"""Every message kind the registered protocols speak."""

QUICK = {"central": {"time_limit": 10, "workers": 1},
         "negotiate": {"solve_time_limit": 1.0, "max_rounds": 3},
         "first-commit": {"solve_time_limit": 1.0},
         "transport": {"solve_work": 0.5, "restarts": 1, "stage3_rounds": 3}}
"""Small budgets: the matrix checks that pairs run right, not how well."""


def small(domain: str, **options: dict[str, Any]) -> ScenarioBase:
    """A small scenario of the domain, with the quick options."""
    if domain == "nursing":
        sc: ScenarioBase = generate(wards=2, nurses=6, lines=2, seed=1)
    else:
        name = {"dismissal": "dismissal-seed.yaml", "university": "university-small.yaml",
                "classes": "classes-fehu.yaml"}
        sc = load_scenario(ROOT / "examples" / name[domain])
    merged = {p: QUICK.get(p, {}) | sc.options_for(p) | options.get(p, {}) for p in QUICK}
    return sc.model_copy(update={"protocol_options": merged | {
        p: o for p, o in sc.protocol_options.items() if p not in merged}})


PAIRS = [(d, p) for d, dom in sorted(DOMAINS.items()) for p in protocols_for(dom)]


def test_the_matrix_covers_every_protocol_and_domain():
    assert {p for _, p in PAIRS} == {"central", "classes", "first-commit", "negotiate",
                                     "seed-offers", "seed-random", "transport"}
    assert {d for d, _ in PAIRS} == set(DOMAINS)
    assert ("nursing", "negotiate") in PAIRS and ("university", "transport") not in PAIRS


@pytest.mark.slow
@pytest.mark.parametrize(("domain", "protocol"), PAIRS)
def test_every_compatible_pair_runs_to_its_domains_cost(domain, protocol, tmp_path):
    sc = small(domain)
    db = str(tmp_path / "m.db")
    result = run_scenario(sc, protocol=protocol, episodes=1, db=db)
    ep = result.episodes[0]
    assert ep.hard_violations == 0 or not PROTOCOLS[protocol].feasible
    stored = Store(db).plans(result.run_id, ep.episode)
    own = DOMAINS[domain].evaluate(sc, stored)
    assert (own.hard_violations, own.cost, own.breakdown) == (
        ep.hard_violations, ep.cost, ep.cost_breakdown)
    assert ep.cost == sum(ep.cost_breakdown.values())


def _untimed(result: RunResult, db: str) -> tuple[list[Any], list[str]]:
    """The report's episodes and the message trace, without wall-clock figures."""
    episodes = []
    for e in result.report()["episodes"]:
        e = {k: v for k, v in e.items() if k not in ("wall_seconds", "bytes")}
        e["metrics"] = {k: v for k, v in e["metrics"].items() if not _timing(k)}
        episodes.append(e)
    trace = [json.dumps(_drop_timings(env.model_dump(mode="json")), sort_keys=True)
             for env in Store(db).messages(result.run_id, WIRE)]
    return episodes, trace


def _timing(name: str) -> bool:
    return name.startswith(("utilisation", "solving.")) or name.endswith("seconds")


def _drop_timings(data: Any) -> Any:
    """``data`` without the wall-clock figures anywhere in it (when a line's move happened,
    how long a manager took)."""
    if isinstance(data, dict):
        return {k: _drop_timings(v) for k, v in data.items() if not _timing(k)}
    if isinstance(data, list):
        return [_drop_timings(v) for v in data]
    return data


SYNCHRONIZED = [("dismissal", "negotiate", {"negotiate": {"mode": "synchronized"}}),
                ("university", "negotiate", {"negotiate": {"mode": "synchronized"}}),
                ("nursing", "transport", {"transport": {"mode": "synchronized"}}),
                ("classes", "classes", {})]


@pytest.mark.slow
@pytest.mark.parametrize(("domain", "protocol", "options"), SYNCHRONIZED)
def test_a_synchronized_run_in_work_units_replays_exactly(domain, protocol, options,
                                                          tmp_path: Path):
    sc = small(domain, **options)
    runs = []
    for name in ("a", "b"):
        db = str(tmp_path / f"{name}.db")
        runs.append(_untimed(run_scenario(sc, protocol=protocol, episodes=2, db=db), db))
    (report_a, trace_a), (report_b, trace_b) = runs
    assert report_a == report_b
    assert trace_a == trace_b and len(trace_a) > 20
