"""University protocols on the small native scenario: feasible, measured, private."""

from __future__ import annotations

import pytest

from accord.app.registry import load_scenario, wire
from accord.app.runner import run_scenario
from accord.domains.university.itc2007 import read_ctt
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.split import split
from accord.protocols.negotiate.budget import GRACE
from accord.store import Store
from tests.conftest import ROOT

WIRE = wire()
"""Every message kind the registered protocols speak."""

SMALL = ROOT / "examples" / "university-small.yaml"
DEPARTMENT_KINDS = {"plan_request", "change_request", "wishes", "no_change", "release_quote",
                    "decline", "swap_offers", "ack", "plan_report", "error"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    sc = load_scenario(SMALL)
    db = str(tmp_path_factory.mktemp("u") / "u.db")
    return db, {p: run_scenario(sc, protocol=p, episodes=1, db=db)
                for p in ("first-commit", "negotiate", "central")}


@pytest.mark.slow
def test_every_protocol_is_feasible(runs):
    _, results = runs
    for protocol, res in results.items():
        e = res.episodes[0]
        assert e.hard_violations == 0, protocol
        lectures = sum(len(p.assignment["lectures"]) for p in e.plans.values())
        assert lectures == 25, protocol
        assert sum(e.cost_breakdown.values()) == e.cost


@pytest.mark.slow
def test_first_commit_reports_refused_room_requests(runs):
    _, results = runs
    metrics = results["first-commit"].episodes[0].metrics
    assert {"refused_requests", "refused_members", "utilisation"} <= set(metrics)
    assert metrics["refused_requests"] >= metrics["refused_members"] >= 1
    shares = [v for k, v in metrics.items() if k.startswith("utilisation.")]
    assert len(shares) == 3 and all(0 < v <= 1 for v in shares)


@pytest.mark.slow
def test_message_log_holds_no_unavailability_or_cost_detail(runs):
    db, results = runs
    sc = load_scenario(SMALL)
    store = Store(db)
    for protocol in ("first-commit", "negotiate"):
        log = store.messages(results[protocol].run_id, WIRE)
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


@pytest.mark.slow
def test_a_department_hears_of_the_halls_and_of_its_own_shared_curricula_only(runs):
    db, results = runs
    store = Store(db)
    for protocol in ("first-commit", "negotiate"):
        heard: dict[str, set[str]] = {}
        for env in store.messages(results[protocol].run_id, WIRE):
            for field in ("free", "capacity"):
                for e in getattr(env.body, field, []):
                    heard.setdefault(env.recipient, set()).add(e.resource)
        halls = {"room:Aula", "room:B1", "room:B2"}
        assert heard["Maths"] == halls | {"curr:Phys1", "curr:Chem1"}, protocol
        assert heard["Physics"] == halls | {"curr:Phys1"}, protocol
        assert heard["Chemistry"] == halls | {"curr:Chem1"}, protocol


@pytest.mark.slow
def test_export_csv_and_ics_per_department(runs, tmp_path):
    import csv as csvmod

    from accord.cli.export import export

    db, results = runs
    run_id = results["negotiate"].run_id
    plans = results["negotiate"].episodes[0].plans
    export(run_id=run_id, db=db, fmt="csv", output=tmp_path / "csv", episode=None)
    export(run_id=run_id, db=db, fmt="ics", output=tmp_path / "ics", episode=None)
    sc = load_scenario(SMALL)
    for d in sc.departments:
        lectures = sorted(tuple(x) for x in plans[d.id].assignment["lectures"])
        with open(tmp_path / "csv" / f"{d.id}.csv", newline="") as f:
            rows = list(csvmod.DictReader(f))
        assert sorted((r["course"], r["room"], int(r["day"]), int(r["period"]))
                      for r in rows) == lectures
        for r in rows:  # default calendar: day 0 is 2027-01-04, 08:00 + 60 min a period
            day, period = int(r["day"]), int(r["period"])
            assert r["start"] == f"2027-01-{4 + day:02d}T{8 + period:02d}:00"
            assert r["department"] == d.id
        ics = (tmp_path / "ics" / f"{d.id}.ics").read_bytes().decode()
        assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
        assert ics.count("BEGIN:VEVENT") == ics.count("END:VEVENT") == len(lectures)
        assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
        for course, _, day, period in lectures:
            assert f"UID:university-small-{d.id}-{course}-{day}-{period}@accord" in ics
            assert f"DTSTART:202701{4 + day:02d}T{8 + period:02d}0000" in ics


@pytest.mark.slow
def test_export_rejects_unknown_format(runs, tmp_path):
    from accord.cli.export import export
    from accord.model.errors import AccordError

    db, results = runs
    with pytest.raises(AccordError, match="unknown format 'xls'"):
        export(run_id=results["negotiate"].run_id, db=db, fmt="xls", output=tmp_path / "x",
               episode=None)
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_synchronized_asks_one_department_at_a_time(runs, tmp_path):
    sc = load_scenario(SMALL)
    opts = dict(sc.protocol_options)
    opts["negotiate"] = {**opts["negotiate"], "mode": "synchronized"}
    res = run_scenario(sc.model_copy(update={"protocol_options": opts}), protocol="negotiate",
                       episodes=1, db=str(tmp_path / "s.db"))
    assert res.episodes[0].hard_violations == 0
    log = Store(str(tmp_path / "s.db")).messages(res.run_id, WIRE)
    calls = [e for e in log if e.kind == "call_for_changes"]
    assert calls
    open_calls = 0
    for env in log:
        if env.kind == "call_for_changes":
            open_calls += 1
            assert open_calls == 1, "a second department was asked before the first replied"
        elif env.kind in ("change_request", "wishes", "no_change"):
            open_calls -= 1
    concurrent = Store(runs[0]).messages(runs[1]["negotiate"].run_id, WIRE)
    at = [i for i, e in enumerate(concurrent) if e.kind == "call_for_changes"][:3]
    assert at == [at[0], at[0] + 1, at[0] + 2]  # concurrent: all asked before any reply
    assert len({concurrent[i].recipient for i in at}) == 3


@pytest.mark.parametrize(("solvers", "at_once"), [(None, 3), (1, 1)])
@pytest.mark.slow
def test_asynchronous_settles_each_department_on_its_own(runs, tmp_path, solvers, at_once):
    """Asynchronous: a department is asked again as soon as its answer is settled, so
    calls for changes to one department follow each other without waiting for the others;
    ``solvers`` bounds how many are solving at once. The result is feasible and no worse
    than first-commit's."""
    sc = load_scenario(SMALL)
    opts = dict(sc.protocol_options)
    opts["negotiate"] = {**opts["negotiate"], "mode": "asynchronous", "time_budget": 8,
                         "solvers": solvers}
    res = run_scenario(sc.model_copy(update={"protocol_options": opts}), protocol="negotiate",
                       episodes=1, db=str(tmp_path / "a.db"))
    e = res.episodes[0]
    assert e.hard_violations == 0
    assert e.cost <= runs[1]["first-commit"].episodes[0].cost
    log = Store(str(tmp_path / "a.db")).messages(res.run_id, WIRE)
    calls = [env.recipient for env in log if env.kind == "call_for_changes"]
    assert len(set(calls)) == 3
    assert len(calls) > 3 * 2  # several per department within the budget
    assert e.wall_seconds < 8 + 5
    outstanding: set[str] = set()
    most = 0
    for env in log:
        if env.kind == "call_for_changes":
            outstanding.add(env.id)
            most = max(most, len(outstanding))
        outstanding.discard(env.in_reply_to or "")
    assert most == at_once
    # a department wishes only when no plan changed since its last call for changes
    last: dict[str, int] = {}
    wishes = 0
    for i, env in enumerate(log):
        if env.kind != "call_for_changes":
            continue
        if env.body.wish:
            wishes += 1
            between = log[last[env.recipient]:i]
            assert not [g for g in between if g.kind == "grant"], env.id
        last[env.recipient] = i
    assert wishes


def _blocked_pair() -> UniversityScenario:
    """One room, three periods. D1's two lectures of one curriculum want to be adjacent,
    so alone it always takes the middle period; D2's only lecture can go nowhere else."""
    return UniversityScenario.model_validate({
        "name": "blocked", "domain": "university", "days": 1, "periods_per_day": 3,
        "rooms": [{"id": "R", "capacity": 50}],
        "curricula": [{"id": "Y", "courses": ["A1", "A2"]}],
        "departments": [
            {"id": "D1", "courses": [
                {"id": "A1", "teacher": "t1", "lectures": 1, "min_working_days": 1,
                 "students": 10},
                {"id": "A2", "teacher": "t2", "lectures": 1, "min_working_days": 1,
                 "students": 10}]},
            {"id": "D2", "courses": [{"id": "B", "teacher": "u", "lectures": 1,
                                      "min_working_days": 1, "students": 10}],
             "private": {"unavailability": [{"course": "B", "day": 0, "period": 0},
                                            {"course": "B", "day": 0, "period": 2}]}}]})


@pytest.mark.parametrize(("by_hand", "hard", "cost"), [(False, 1, 0), (True, 0, 4)])
def test_first_commit_by_hand_moves_those_who_committed_first(tmp_path, by_hand, hard, cost):
    sc = _blocked_pair().model_copy(update={"protocol_options": {
        "first-commit": {"solve_time_limit": 1.0, "by_hand": by_hand}}})
    e = run_scenario(sc, protocol="first-commit", episodes=1,
                     db=str(tmp_path / "b.db")).episodes[0]
    assert (e.hard_violations, e.cost) == (hard, cost)
    assert e.metrics["refused_members"] == 1
    if by_hand:  # D1 moved apart to periods 0 and 2 (both isolated: 2 × 2) for D2
        assert sorted(lec[3] for lec in e.plans["D1"].assignment["lectures"]) == [0, 2]
        assert e.plans["D2"].assignment["lectures"] == [["B", "R", 0, 1]]


def test_central_reports_optimality_and_its_bound_in_official_units(tmp_path):
    """The pair's optimum is 4 (proven in well under a second); the bound is in official
    cost units, not the solver's scaled objective."""
    e = run_scenario(_blocked_pair(), protocol="central", episodes=1,
                     db=str(tmp_path / "c.db")).episodes[0]
    assert (e.cost, e.metrics["optimal"], e.metrics["bound"]) == (4, 1.0, 4.0)


@pytest.mark.parametrize("by_hand", [True, False])
@pytest.mark.slow
def test_first_commit_keeps_its_time_budget(tmp_path, by_hand):
    """first-commit with a time budget far below its departments' solver work: every call
    for plans carries the seconds left, a re-plan those and the grace of the last chances
    of a fit (``GRACE``), and the run ends by the budget, the grace and the writing of
    its results, with 0 hard violations."""
    sc, _ = split(read_ctt(ROOT / "data" / "itc2007" / "comp01.ctt"), 4)
    opts = {"first-commit": {"solve_time_limit": 1000.0, "by_hand": by_hand, "time_budget": 3}}
    res = run_scenario(sc.model_copy(update={"protocol_options": opts}),
                       protocol="first-commit", episodes=1, db=str(tmp_path / "f.db"))
    e = res.episodes[0]
    assert e.hard_violations == 0
    assert e.wall_seconds < 3 + GRACE + 1.0  # and a loaded machine's slack
    log = Store(str(tmp_path / "f.db")).messages(res.run_id, WIRE)
    asks = [env.body.seconds for env in log if env.kind == "call_for_plans"]
    assert asks and all(s is not None and s <= 3 for s in asks)
    again = [env.body.seconds for env in log if env.kind == "refusal"]
    assert all(s is not None and s <= 3 + GRACE for s in again)


@pytest.mark.slow
def test_the_grant_phase_leaves_half_the_budget_to_requests_for_change(tmp_path):
    """Departments whose solver work would outlast the whole budget: negotiate with a
    ``grant_share`` of one half grants within it, then asks for changes, and ends by the
    budget with every department's plan granted."""
    sc, _ = split(read_ctt(ROOT / "data" / "itc2007" / "comp01.ctt"), 4)
    opts = {"negotiate": {"solve_time_limit": 1000.0, "time_budget": 10,
                          "grant_order": "listed", "refusal_batch": 1, "grant_share": 0.5}}
    res = run_scenario(sc.model_copy(update={"protocol_options": opts}),
                       protocol="negotiate", episodes=1, db=str(tmp_path / "n.db"))
    e = res.episodes[0]
    assert e.hard_violations == 0
    # half the budget, and the last refused department's repair (a second) past it
    assert e.metrics["granted_seconds"] <= 0.5 * 10 + 2.5
    assert e.wall_seconds < 10 + 2
    log = Store(str(tmp_path / "n.db")).messages(res.run_id, WIRE)
    assert any(env.kind == "call_for_changes" for env in log)


def test_priced_rounds_move_the_department_with_the_cheaper_way_out(tmp_path):
    """The blocked pair collide in the middle period. In priced rounds D2, which has no
    other period, pays; D1 keeps the middle period while its price is at most what moving
    apart costs it (4) and moves at the first price above that: the price doubles each
    round that ends with collisions, and a unit of a key that collided in every round so
    far costs the price times one more than those rounds (2 × 2 = 4, then 4 × 3 = 12); a
    round without collisions sets both back. The requests that fit together are kept and
    granted: nobody is refused, 0 hard violations, cost 4."""
    sc = _blocked_pair().model_copy(update={"protocol_options": {"negotiate": {
        "solve_time_limit": 1.0, "price_rounds": 6, "price_start": 1}}})
    res = run_scenario(sc, protocol="negotiate", episodes=1, db=str(tmp_path / "p.db"))
    e = res.episodes[0]
    assert (e.hard_violations, e.cost, e.metrics["refused_members"]) == (0, 4, 0)
    assert e.metrics["priced_rounds"] == 6
    assert [e.metrics[f"priced_overflow.{i}"] for i in range(7)] == [1, 1, 1, 0, 1, 1, 0]
    log = Store(str(tmp_path / "p.db")).messages(res.run_id, WIRE)
    calls = [(env.recipient, env.body.price, [(d.resource, d.slot, d.amount)
                                              for d in env.body.dear])
             for env in log if env.kind == "priced_call"]
    dearer = {1: [], 2: [("room:R", 1, 4)], 4: [("room:R", 1, 12)]}
    assert calls == [(m, p, dearer[p]) for p in (1, 2, 4, 1, 2, 4) for m in ("D1", "D2")]
    assert not [env for env in log if env.kind == "refusal"]
