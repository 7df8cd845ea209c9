"""The tutorial of docs/extending.md runs: the ``meetings`` domain and the ``round-robin``
protocol of examples/tutorial/, registered for these tests only, run with the shipped
protocols (and round-robin on a shipped domain) and give feasible, reproducible results
whose cost is the domain's own evaluation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from examples.tutorial import meetings, round_robin

from accord.app import registry
from accord.app.registry import load_scenario, parse_scenario
from accord.app.runner import RunResult, run_scenario
from accord.store import Store

ROOT = Path(__file__).resolve().parents[1]
SEED_EXAMPLE = ROOT / "examples" / "dismissal-seed.yaml"
TUTORIAL = ROOT / "examples" / "tutorial"
MEETINGS = TUTORIAL / "meetings.yaml"


@pytest.fixture(autouse=True)
def tutorial(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the one registry line of each would do, undone after the test."""
    monkeypatch.setitem(registry.DOMAINS, meetings.DOMAIN.name, meetings.DOMAIN)
    monkeypatch.setitem(registry.PROTOCOLS, "round-robin", round_robin.RoundRobinProtocol())


def run(protocol: str, db: Path, path: Path = MEETINGS) -> RunResult:
    return run_scenario(load_scenario(path), protocol=protocol, db=str(db))


def test_the_registry_sees_the_tutorial() -> None:
    domain = registry.get_domain("meetings")
    assert registry.protocol_names(domain) == ["central", "first-commit", "negotiate",
                                               "round-robin"]
    # the run's closed union of kinds takes round-robin's (a clash of names would raise)
    assert set(round_robin.RoundRobinProtocol.messages) <= set(registry.wire().kinds)
    sc = load_scenario(MEETINGS)
    assert isinstance(sc, meetings.MeetingsScenario)
    assert [m.id for m in domain.managers(sc)] == ["north", "south"]


@pytest.mark.parametrize(("name", "allowed"), [
    ("meetings.py", ("accord.contract", "accord.model", "accord.solve")),
    ("round_robin.py", ("accord.contract", "accord.model", "accord.runtime",
                        "accord.protocols.capacity", "accord.protocols.messages")),
])
def test_the_tutorial_keeps_to_its_layer(name: str, allowed: tuple[str, ...]) -> None:
    """What the import-linter contracts would ask of it inside ``accord``."""
    tree = ast.parse((TUTORIAL / name).read_text())
    used = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not [m for m in used if m.startswith("accord") and not m.startswith(allowed)]


def test_meetings_runs_on_every_protocol(tmp_path: Path) -> None:
    sc = load_scenario(MEETINGS)
    costs: dict[str, list[int]] = {}
    for protocol in ("round-robin", "negotiate", "central"):
        db = tmp_path / f"{protocol}.db"
        res = run(protocol, db)
        assert len(res.episodes) == sc.episodes == 2
        stored = Store(str(db))
        try:
            for e in res.episodes:
                assert e.hard_violations == 0, (protocol, e.hard_breakdown)
                # what the members reported adds up to the domain's own evaluation, and
                # so do the plans as stored
                again = meetings.DOMAIN.evaluate(sc, e.plans)
                assert (again.hard_violations, again.cost) == (0, e.cost)
                assert sum(p.cost for p in e.plans.values()) == e.cost, protocol
                assert e.cost_breakdown == {meetings.OUTSIDE: e.cost}
                kept = stored.plans(res.run_id, e.episode)
                assert meetings.DOMAIN.evaluate(sc, kept).cost == e.cost
        finally:
            stored.close()
        costs[protocol] = [e.cost for e in res.episodes]
        if protocol == "central":  # a yardstick only if proven optimal
            assert all(e.metrics["optimal"] == 1.0 for e in res.episodes)
    central = costs.pop("central")
    for protocol, cost in costs.items():
        assert all(c <= o for c, o in zip(central, cost, strict=True)), (protocol, costs)
    # the preferred mornings cannot all be had: even the optimum pays something
    assert min(central) > 0


def test_round_robin_is_reproducible(tmp_path: Path) -> None:
    first, second = run("round-robin", tmp_path / "a.db"), run("round-robin", tmp_path / "b.db")
    assert [(e.cost, e.messages) for e in first.episodes] == [
        (e.cost, e.messages) for e in second.episodes]
    assert first.report()["episodes"][0]["plans"] == second.report()["episodes"][0]["plans"]
    # two managers: 2 messages to start and end each, 4 per team (call, plan, grant,
    # ack) and 2 per team to report its plan
    assert first.episodes[0].messages == 2 * 2 + 6 * 4 + 6 * 2


def test_round_robin_runs_dismissal(tmp_path: Path) -> None:
    res = run_scenario(load_scenario(SEED_EXAMPLE), protocol="round-robin", episodes=2,
                       db=str(tmp_path / "d.db"))
    assert [e.hard_violations for e in res.episodes] == [0, 0]
    assert all(e.cost == sum(p.cost for p in e.plans.values()) for e in res.episodes)


def test_the_generator_writes_a_valid_scenario() -> None:
    (gen,) = meetings.DOMAIN.formats.generators
    sc = gen.make(gen.options(teams=12, rooms=1, seed=3))
    again = parse_scenario(sc.model_dump(mode="json"), "generated")
    assert again == sc
    assert sum(t.meetings for t in sc.teams) <= sc.slots * sc.buildings["main"]
