"""Curtois & Qu ward rosters: the parser's errors, each constraint of the measure, the model."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from accord.domains.nursing.curtois import WardInstance, parse_curtois, read_curtois
from accord.domains.nursing.roster import evaluate, solve_ward
from accord.model.errors import ScenarioError
from tests.conftest import ROOT

DATA = ROOT / "data" / "curtois"

# Seven days (Mon–Sun). A: at most 3 E, 960–1920 minutes, runs of 2–3 shifts, days off in
# runs of 2, one weekend. B: loose, but no weekend and day 3 off. L cannot be followed by E.
BASE = """\
# a hand-made ward
SECTION_HORIZON
7
SECTION_SHIFTS
E,480,
L,480,E
SECTION_STAFF
A,E=3|L=7,1920,960,3,2,2,1
B,E=7|L=7,3360,0,7,1,1,0
SECTION_DAYS_OFF
B,3
SECTION_SHIFT_ON_REQUESTS
A,0,E,2
A,1,L,3
B,2,E,1
SECTION_SHIFT_OFF_REQUESTS
A,4,L,4
B,0,E,5
SECTION_COVER
0,E,1,100,1
1,E,3,100,1
4,L,1,7,3
5,L,0,7,3
6,E,2,10,1
0,L,0,0,0
1,L,0,0,0
2,E,0,0,0
2,L,0,0,0
3,E,0,0,0
3,L,0,0,0
4,E,0,0,0
5,E,0,0,0
6,L,0,0,0
"""

# Three days; day 1 can be covered only by B, whose runs are 2 days long at most and least.
TINY = """\
SECTION_HORIZON
3
SECTION_SHIFTS
D,480,
SECTION_STAFF
A,D=3,1440,0,3,1,1,0
B,D=3,1440,0,2,2,2,0
SECTION_DAYS_OFF
A,1
SECTION_SHIFT_ON_REQUESTS
A,1,D,2
SECTION_SHIFT_OFF_REQUESTS
B,1,D,5
SECTION_COVER
0,D,1,10,1
1,D,1,10,1
2,D,1,10,1
"""


def _rows(**rows: str) -> dict[tuple[str, int], str]:
    """An assignment from one string per employee, a character per day ('.' = off)."""
    return {(e, d): s for e, row in rows.items() for d, s in enumerate(row) if s != "."}


def _base() -> WardInstance:
    return parse_curtois(BASE, "base.txt")


# --- the parser ---------------------------------------------------------------------------

def test_instance1_parses():
    inst = read_curtois(DATA / "Instance1.txt")
    assert inst.name == "Instance1"
    assert (inst.horizon, len(inst.shifts), len(inst.staff)) == (14, 1, 8)
    assert inst.shifts[0].id == "D" and inst.shifts[0].minutes == 480
    assert inst.shifts[0].cannot_follow == frozenset()
    a = inst.staff[0]
    assert (a.id, dict(a.max_shifts), a.max_minutes, a.min_minutes, a.max_consecutive,
            a.min_consecutive, a.min_days_off, a.max_weekends) == (
        "A", {"D": 14}, 4320, 3360, 5, 2, 2, 1)
    assert [c.requirement for c in inst.covers] == [5, 7, 6, 4, 5, 5, 5, 6, 7, 4, 2, 5, 6, 4]
    assert [c.day for c in inst.covers] == list(range(14))
    assert {(c.shift, c.under, c.over) for c in inst.covers} == {("D", 100, 1)}
    assert inst.days_off["A"] == frozenset({0}) and inst.days_off["H"] == frozenset({7})
    assert (len(inst.on_requests), len(inst.off_requests)) == (21, 5)
    assert inst.weekends == ((5, 6), (12, 13))


def test_first_ten_instances_parse_with_the_published_sizes():
    insts = {n: read_curtois(DATA / f"Instance{n}.txt") for n in range(1, 11)}
    sizes = {n: (i.horizon, len(i.shifts), len(i.staff)) for n, i in insts.items()}
    assert sizes == {1: (14, 1, 8), 2: (14, 2, 14), 3: (14, 3, 20), 4: (28, 2, 10),
                     5: (28, 2, 16), 6: (28, 3, 18), 7: (28, 3, 20), 8: (28, 4, 30),
                     9: (28, 4, 36), 10: (28, 5, 40)}


def _edited(old: str, new: str) -> tuple[str, int]:
    """BASE with its line ``old`` replaced, and that line's number."""
    lines = BASE.splitlines()
    n = lines.index(old)
    lines[n] = new
    return "\n".join(lines) + "\n", n + 1


@pytest.mark.parametrize(("old", "new", "what"), [
    ("B,2,E,1", "B,2,X,1", "unknown shift 'X'"),
    ("A,4,L,4", "Z,4,L,4", "unknown employee 'Z'"),
    ("A,E=3|L=7,1920,960,3,2,2,1", "A,E=3|L=7,1920,-960,3,2,2,1", "MinTotalMinutes: -960 is "
     "below 0"),
    ("A,E=3|L=7,1920,960,3,2,2,1", "A,E=3|X=7,1920,960,3,2,2,1", "unknown shift 'X'"),
    ("A,E=3|L=7,1920,960,3,2,2,1", "A,E=3|L=7,1920,960,3,2,2", "expected 'ID,Shift=max"),
    ("B,E=7|L=7,3360,0,7,1,1,0", "A,E=7|L=7,3360,0,7,1,1,0", "employee A is listed twice"),
    ("L,480,E", "E,480,", "shift E is listed twice"),
    ("L,480,E", "L,480,E|N", "unknown shift 'N'"),
    ("L,480,E", "L,eight,E", "'eight' is not a whole number"),
    ("6,E,2,10,1", "7,E,2,10,1", "day 7 is outside the horizon of 7 days"),
    ("A,0,E,2", "A,9,E,2", "day 9 is outside the horizon"),
    ("B,3", "B,3,12", "day 12 is outside the horizon"),
    ("5,L,0,7,3", "4,L,0,7,3", "cover of day 4 shift L is listed twice"),
    ("B,0,E,5", "B,0,E,-5", "weight: -5 is below 0"),
    ("7", "0", "horizon: 0 is below 1"),
])
def test_malformed_input_names_the_line(old, new, what):
    text, line = _edited(old, new)
    with pytest.raises(ScenarioError) as info:
        parse_curtois(text, "bad.txt")
    msg = str(info.value)
    assert msg.startswith(f"bad.txt: line {line}: "), msg
    assert what in msg and "\n" not in msg


@pytest.mark.parametrize(("cut", "line", "what"), [
    ("SECTION_COVER", 18, "file ends without SECTION_COVER"),
    ("0,E,1,100", 20, "expected 'Day,ShiftID,Requirement,WeightUnder,WeightOver'"),
    ("SECTION_SHIFTS", 3, "file ends without SECTION_SHIFTS"),
])
def test_truncated_file_names_the_line(cut, line, what):
    text = BASE[:BASE.index(cut) + (len(cut) if "," in cut else 0)]
    with pytest.raises(ScenarioError) as info:
        parse_curtois(text, "cut.txt")
    msg = str(info.value)
    assert msg.startswith(f"cut.txt: line {line}: ") and what in msg, msg


def test_truncated_benchmark_file_is_refused():
    text = (DATA / "Instance1.txt").read_text()
    with pytest.raises(ScenarioError, match=r"line 64: file ends without SECTION_COVER"):
        parse_curtois(text[:text.index("SECTION_COVER")], "Instance1.txt")


def test_unreadable_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read file"):
        read_curtois(tmp_path / "missing.txt")


# --- the measure ----------------------------------------------------------------------------

def test_a_valid_roster_has_no_hard_violation():
    ev = evaluate(_base(), _rows(A="EE..LL.", B="EEE...."))
    assert ev.feasible and ev.details == ()


@pytest.mark.parametrize(("a", "b", "name"), [
    ("LE...EE", ".......", "ForbiddenSuccession"),
    ("EE..EE.", ".......", "MaxShifts"),
    ("LLL..LL", ".......", "MaxTotalMinutes"),
    ("E......", ".......", "MinTotalMinutes"),
    ("LLLL...", ".......", "MaxConsecutiveShifts"),
    ("EE..L..", ".......", "MinConsecutiveShifts"),
    ("EE.LL..", ".......", "MinConsecutiveDaysOff"),
    ("EE..LL.", "......E", "MaxWeekends"),
    ("EE..LL.", "...E...", "DaysOff"),
])
def test_each_hard_constraint_is_detected_alone(a, b, name):
    ev = evaluate(_base(), _rows(A=a, B=b))
    assert {k: v for k, v in ev.hard.items() if v} == {name: 1}, ev.details
    assert ev.details[0].startswith(f"{name}: ")


@pytest.mark.parametrize(("a", "name"), [
    (".EE..LL", "MinConsecutiveDaysOff"),  # one day off on day 0
    ("E..LL..", "MinConsecutiveShifts"),   # one shift on day 0
])
def test_runs_touching_the_edges_are_exempt_unless_asked(a, name):
    inst = _base()
    assert evaluate(inst, _rows(A=a)).feasible
    held = evaluate(inst, _rows(A=a), exempt_edges=False)
    assert {k: v for k, v in held.hard.items() if v} == {name: 1}, held.details


def test_each_soft_term_costs_exactly_its_weights():
    ev = evaluate(_base(), _rows(A="EE..LL.", B="EEE...."))
    # on: A day 1 wants L, has E (3); off: A has L on day 4 (4), B has E on day 0 (5);
    # cover: day 0 E 2 of 1 (+1), day 1 E 2 of 3 (-1 × 100), day 5 L 1 of 0 (+1 × 3),
    # day 6 E 0 of 2 (-2 × 10); day 4 L 1 of 1.
    assert ev.soft == {"ShiftOnRequests": 3, "ShiftOffRequests": 9, "CoverUnder": 120,
                       "CoverOver": 4}
    assert ev.cost == 136


def test_unknown_ids_in_an_assignment_are_refused():
    with pytest.raises(ValueError, match="unknown"):
        evaluate(_base(), {("Z", 0): "E"})
    with pytest.raises(ValueError, match="unknown"):
        evaluate(_base(), {("A", 7): "E"})


# --- the model -------------------------------------------------------------------------------

def test_tiny_ward_solves_to_its_known_optimum():
    inst = parse_curtois(TINY, "tiny.txt")
    # B covers day 1 with a two-day run touching an edge (off-request 5), A works the
    # other end; A's on-request on its day off is lost (2).
    res = solve_ward(inst, time_limit=10, seed=0)
    assert res is not None and (res.cost, res.optimal) == (7, True)
    assert evaluate(inst, res.assignment).feasible
    # Held at the edges too, B cannot work at all: day 1 goes uncovered (10).
    strict = solve_ward(inst, time_limit=10, seed=0, exempt_edges=False)
    assert strict is not None and (strict.cost, strict.optimal) == (12, True)
    assert strict.assignment == {("A", 0): "D", ("A", 2): "D"}


def _brute_force(inst: WardInstance, exempt_edges: bool) -> int:
    """The least soft cost over every roster, employees' feasible rows enumerated apart."""
    options = [None, *(s.id for s in inst.shifts)]
    feasible = []
    for e in inst.staff:
        alone = replace(inst, staff=(e,))
        rows = []
        for row in itertools.product(options, repeat=inst.horizon):
            a = {(e.id, d): s for d, s in enumerate(row) if s is not None}
            if evaluate(alone, a, exempt_edges=exempt_edges).feasible:
                rows.append(a)
        feasible.append(rows)
    return min(evaluate(inst, a | b).cost for a, b in itertools.product(*feasible))


@pytest.mark.parametrize("exempt", [True, False])
def test_model_agrees_with_brute_force(exempt):
    inst = _base()
    res = solve_ward(inst, time_limit=10, seed=0, exempt_edges=exempt)
    assert res is not None and res.optimal
    ev = evaluate(inst, res.assignment, exempt_edges=exempt)
    assert ev.feasible and ev.cost == res.cost == _brute_force(inst, exempt)


def test_hint_is_accepted_and_infeasible_ward_gives_none():
    inst = _base()
    hint = _rows(A="EE..LL.", B="EEE....")
    res = solve_ward(inst, time_limit=10, seed=0, hint=hint)
    assert res is not None and res.optimal
    impossible = replace(inst, staff=tuple(replace(e, min_minutes=3360) if e.id == "A" else e
                                           for e in inst.staff))
    assert solve_ward(impossible, time_limit=10, seed=0) is None


def test_instance1_solves_to_its_proven_optimum_607():
    inst = read_curtois(DATA / "Instance1.txt")
    res = solve_ward(inst, time_limit=20, seed=0)
    assert res is not None and (res.cost, res.optimal) == (607, True)
    ev = evaluate(inst, res.assignment)
    assert ev.feasible and ev.cost == 607
    # Holding runs that touch the edges to the minimum makes 607 infeasible: this solution
    # has short runs of days off at day 0 or day 13.
    assert not evaluate(inst, res.assignment, exempt_edges=False).feasible
