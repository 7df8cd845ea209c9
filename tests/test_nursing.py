"""The nursing domain (the seed's toy hospital): cab rule, ward rules, generator, the three
stages of ``transport``, central, privacy of the message log."""

from __future__ import annotations

import itertools
import re

import pytest
import yaml

from accord.app.registry import load_scenario, wire
from accord.app.runner import EpisodeResult, run_scenario
from accord.contract import Budget, SolveContext
from accord.contract.resources import free_places as free_seats
from accord.contract.resources import others_on_board, ride_cost
from accord.contract.resources import resource_cost as line_cost
from accord.contract.resources import unit_price as seat_price
from accord.contract.resources import units as cabs
from accord.domains.nursing.central import solve_central
from accord.domains.nursing.evaluate import evaluate
from accord.domains.nursing.generate import generate
from accord.domains.nursing.rules import (
    cover_short,
    forbidden_worked,
    plan_of,
    shifts_off_target,
    unpreferred,
)
from accord.domains.nursing.scenario import Line, Nurse, NursePrivate, NursingScenario, Ward
from accord.domains.nursing.transport import priced_line, transport_cost
from accord.domains.nursing.ward import WardProblem
from accord.model.errors import ScenarioError
from accord.protocols.trace import read_trace
from accord.protocols.transport import OFFICE
from accord.store import Store

WIRE = wire()
"""Every message kind the registered protocols speak."""


def _toy(penalty_weight: int = 1) -> NursingScenario:
    """One day of three shifts, lines A (cabs of 2) and B (cabs of 1), one ward."""
    return NursingScenario(
        name="toy", days=1, shifts_per_day=3, levels=1, penalty_weight=penalty_weight,
        lines=[Line(id="A", capacity=2, cost_per_cab=[10, 20, 30]),
               Line(id="B", capacity=1, cost_per_cab=[1, 2, 3])],
        wards=[Ward(id="W", cover=[[1], [1], [1]], nurses=[
            Nurse(id="N1", line="A", level=1, shifts=1,
                  private=NursePrivate(preferred=[0], forbidden=[2], weight=5)),
            Nurse(id="N2", line="A", level=1, shifts=2,
                  private=NursePrivate(preferred=[1, 2], weight=3)),
            Nurse(id="N3", line="B", level=1, shifts=1)])])


# --- the cab rule --------------------------------------------------------------------------


def test_cabs_round_up_and_cost_per_line_and_shift():
    assert [cabs(p, 3) for p in (0, 1, 3, 4, 7)] == [0, 1, 1, 2, 3]
    assert [free_seats(p, 3) for p in (0, 1, 3, 4)] == [0, 2, 0, 2]
    sc = _toy()
    assert line_cost(priced_line(sc, sc.lines[0]), {0: 2, 1: 3, 2: 0}) == 10 + 2 * 20
    assert transport_cost(sc, {("A", 2): 1, ("B", 1): 2, ("B", 2): 1}) == 30 + 2 * 2 + 3


def test_a_ward_counts_cost_changes_from_the_free_seats_alone():
    for capacity, others, own, new in itertools.product(range(1, 5), range(9), range(4),
                                                        range(5)):
        free = free_seats(others + own, capacity)
        seen = {("L", 0): (capacity, 7, others_on_board(capacity, free, own))}
        true = {("L", 0): (capacity, 7, others)}
        change = ride_cost(seen, {("L", 0): new}) - ride_cost(seen, {("L", 0): own})
        assert change == ride_cost(true, {("L", 0): new}) - ride_cost(true, {("L", 0): own})


# --- the ward's rules, one at a time ---------------------------------------------------------


def test_cover_counts_each_missing_nurse_per_level():
    sc = _toy()
    w = sc.wards[0].model_copy(update={"cover": [[2], [0], [1]]})
    assert cover_short(w, {"N1": [0], "N2": [1], "N3": []}) == 1 + 1


def test_shifts_per_week_counts_over_and_under():
    w = _toy().wards[0]
    assert shifts_off_target(w, {"N1": [0, 1], "N2": [1], "N3": [2]}) == 1 + 1


def test_forbidden_shift_worked():
    w = _toy().wards[0]
    assert forbidden_worked(w, {"N1": [2], "N2": [2], "N3": [2]}) == 1


def test_penalty_weighs_each_unpreferred_shift_and_ignores_no_preference():
    w = _toy().wards[0]
    assert unpreferred(w, {"N1": [1], "N2": [0, 2], "N3": [0]}) == 5 + 3


def test_global_cost_is_transport_plus_weighted_penalty():
    sc = _toy(penalty_weight=2)
    plan = plan_of(sc.wards[0], {"N1": [0], "N2": [0, 2], "N3": [2]})
    ev = evaluate(sc, {"W": plan})
    assert ev.breakdown == {"transport": 10 + 30 + 3, "ward_penalty": 3}
    assert ev.cost == 43 + 2 * 3
    assert ev.hard_breakdown == {"cover_short": 1, "shifts_per_week": 0, "forbidden_shift": 0}
    assert evaluate(sc, {}).hard_breakdown["cover_short"] == 3


def test_ward_solves_alone_then_under_caps():
    sc = _toy()
    problem = WardProblem(sc, sc.wards[0])
    alone = problem.solve(SolveContext(budget=Budget(work=1.0)))
    assert alone is not None and alone.cost == 0
    assert alone.assignment["shifts"]["N1"] == [0] and alone.assignment["shifts"]["N2"] == [1, 2]
    caps = {("A", 0): 0, ("A", 1): 2, ("A", 2): 1, ("B", 0): 1, ("B", 1): 1, ("B", 2): 1}
    capped = problem.solve(SolveContext(caps=caps, budget=Budget(work=1.0)))
    assert capped is not None and capped.cost == 5  # N1 must work shift 1
    assert capped.usage_map()[("B", 0)] == 1  # N3 covers shift 0
    assert problem.solve(SolveContext(caps={**caps, ("B", 0): 0}, budget=Budget(work=1.0))) is None


def test_ward_paying_a_full_cabs_cost_per_seat():
    sc = _toy()
    line = priced_line(sc, sc.lines[0])
    assert [seat_price(line, s) for s in range(3)] == [5, 10, 15]
    problem = WardProblem(sc, sc.wards[0])
    prices = {("A", s): seat_price(line, s) for s in range(3)}
    priced = problem.solve(SolveContext(budget=Budget(work=1.0), prices=prices))
    # N2 works 0 and 1 (seats 5 + 10, one unpreferred shift: 3) rather than 1 and 2 (10 + 15)
    assert priced is not None and priced.cost == 3
    assert priced.assignment["shifts"] == {"N1": [0], "N2": [0, 1], "N3": [2]}


# --- the generator ---------------------------------------------------------------------------


def test_generator_is_deterministic_and_has_the_seed_shape():
    a, b = generate(4, 30, 5, seed=7), generate(4, 30, 5, seed=7)
    assert a == b and a != generate(4, 30, 5, seed=8)
    assert a.shifts == 21 and len(a.lines) == 5 and len(a.wards) == 4
    assert all(len(w.nurses) == 30 for w in a.wards)
    assert all(1 <= ln.capacity <= 7 for ln in a.lines)
    assert len({ln.capacity for ln in a.lines}) == 5
    assert len({tuple(ln.cost_per_cab) for ln in a.lines}) == 5
    assert all(len(set(ln.cost_per_cab)) > 1 for ln in a.lines)
    assert all(3 <= n.shifts <= 5 for w in a.wards for n in w.nurses)
    assert all(ln.host_ward == a.host_ward(ln.id) for ln in a.lines)


def test_malformed_scenario_is_a_one_line_error(tmp_path):
    data = generate(1, 3, 1, seed=1).model_dump(mode="json")
    data["wards"][0]["nurses"][0]["line"] = "nowhere"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert "\n" not in str(exc.value)
    assert "wards[0].nurses[0].line: unknown line 'nowhere'" in str(exc.value)


# --- the three stages on a small hospital -----------------------------------------------------


SMALL = generate(2, 8, 2, seed=6)
SLACK = 40


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("n") / "n.db")
    out = {}
    for key, opts in {"stage1": {"stages": 1}, "stage2": {"stages": 2},
                      "concurrent": {}, "synchronized": {"mode": "synchronized"},
                      "concurrent-no-restart": {"restarts": 0},
                      "synchronized-no-restart": {"mode": "synchronized", "restarts": 0}
                      }.items():
        sc = SMALL.model_copy(update={"name": f"small-{key}", "protocol_options": {
            "transport": {**opts, "penalty_slack": SLACK}}})
        out[key] = run_scenario(sc, protocol="transport", db=db)
    out["central"] = run_scenario(SMALL.model_copy(update={
        "name": "small-central", "protocol_options": {"central": {"time_limit": 10}}}),
        protocol="central", db=db)
    return db, out


def _ep(runs, key):
    return runs[1][key].episodes[0]


@pytest.mark.slow
def test_stage1_rosters_alone_without_hard_violations(runs):
    ep = _ep(runs, "stage1")
    assert ep.hard_violations == 0
    assert ep.cost == ep.metrics["stage1.cost"]
    assert len(read_trace(ep.metrics, OFFICE)) == 1


@pytest.mark.slow
def test_stage2_lowers_transport_within_each_wards_threshold(runs):
    first, second = _ep(runs, "stage1"), _ep(runs, "stage2")
    assert second.hard_violations == 0
    assert second.cost_breakdown["transport"] < first.cost_breakdown["transport"]
    assert second.cost < first.cost
    for w in ("W1", "W2"):
        assert second.plans[w].cost <= first.plans[w].cost + SLACK
    trace = [c for _, c in read_trace(second.metrics, OFFICE)]
    assert trace == sorted(trace, reverse=True) and len(set(trace)) == len(trace)
    assert second.cost == second.metrics["stage2.cost"] == trace[-1]


@pytest.mark.slow
def test_solve_time_is_counted_by_the_stage_that_asked_for_it(runs):
    """Stage 1 solves answer calls for plans, stage 2 solves the lines' proposals; together
    they are the wards' utilisation."""
    first, second = _ep(runs, "stage1").metrics, _ep(runs, "stage2").metrics
    assert {k for k in first if k.startswith("solving.")} == {"solving.call_for_plans"}
    assert {k for k in second if k.startswith("solving.")} == {
        "solving.call_for_plans", "solving.release_request"}
    assert second["solving.release_request"] > 0
    wall = _ep(runs, "stage2").wall_seconds
    total = second["solving.call_for_plans"] + second["solving.release_request"]
    assert total == pytest.approx(second["utilisation"] * 2 * wall, abs=0.01)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["concurrent", "synchronized"])
def test_stage3_accepts_only_changes_that_lower_the_global_cost(runs, mode):
    ep = _ep(runs, mode)
    assert ep.hard_violations == 0
    assert ep.metrics["stage3.changes"] >= 1
    trace = read_trace(ep.metrics, OFFICE)
    costs = [c for _, c in trace]
    assert all(b < a for a, b in itertools.pairwise(costs))
    assert [t for t, _ in trace] == sorted(t for t, _ in trace)
    assert ep.cost == ep.metrics["stage3.cost"] == costs[-1]
    assert ep.cost < ep.metrics["stage2.cost"] <= ep.metrics["stage1.cost"]
    assert 0 < ep.metrics["utilisation"] <= 1


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["concurrent", "synchronized"])
def test_restarts_leave_the_optimum_of_one_ward_moves(runs, mode):
    """Requests for Change stop where no single ward can gain; a restart (every ward pricing
    one line's seats at a full cab's cost per seat, then Requests for Change) finds a
    lower global cost, and a restart that does not is undone."""
    ep, plain = _ep(runs, mode), _ep(runs, f"{mode}-no-restart")
    assert plain.metrics["stage3.restarts"] == 0
    assert ep.metrics["stage3.restarts"] > ep.metrics["stage3.restarts_kept"] >= 1
    assert ep.hard_violations == 0
    assert ep.cost < plain.cost
    assert ep.cost == evaluate(SMALL, ep.plans).cost == ep.metrics["stage3.cost"]


@pytest.mark.slow
def test_negotiated_beats_stage1_and_central_beats_negotiated(runs):
    best = _ep(runs, "central")
    assert best.hard_violations == 0
    assert best.cost <= _ep(runs, "concurrent").cost < _ep(runs, "stage1").cost
    direct = solve_central(SMALL, time_limit=10, seed=6, workers=1)
    assert direct.optimal and evaluate(SMALL, direct.plans).cost == direct.bound == best.cost


@pytest.mark.slow
def test_bidding_buys_roster_quality_with_a_fixed_number_of_tokens(runs, tmp_path):
    def run(**opts: int) -> EpisodeResult:
        sc = SMALL.model_copy(update={"protocol_options": {"transport": {
            "trade": False, "penalty_slack": SLACK, **opts}}})
        return run_scenario(sc, protocol="transport",
                            db=str(tmp_path / f"b{len(opts)}.db")).episodes[0]
    ep, plain = run(tokens=30), run()
    assert ep.hard_violations == 0
    assert 0 < ep.metrics["stage3.tokens_spent"] <= 2 * 30
    assert ep.cost_breakdown["ward_penalty"] < plain.cost_breakdown["ward_penalty"]
    assert ep.cost <= plain.cost + ep.metrics["stage3.tokens_spent"]


@pytest.mark.slow
def test_message_log_holds_seats_and_costs_only(runs):
    db, results = runs
    nurse = re.compile(r"W\dN\d")
    kinds = {"plan_request", "schedule", "release_quote", "decline", "busy", "change_request",
             "wishes", "no_change", "ack", "plan_report"}
    store = Store(db)
    for key in ("concurrent", "synchronized"):
        log = store.messages(results[key].run_id, WIRE)
        assert len(log) > 50
        for env in log:
            text = env.to_json()
            for word in ("preferred", "forbidden", "private", "weight", "level"):
                assert word not in text
            if env.recipient != "director":
                assert not nurse.search(text), text  # rosters go to the director only
            if env.sender in ("W1", "W2"):
                assert env.kind in kinds
