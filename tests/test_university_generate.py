"""The scale university: faculties copied from ITC-2007, one pool of halls, official sum."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import replace

import pytest

from accord.app.registry import load_scenario
from accord.domains.university import DOMAIN, department_plan, lectures_of
from accord.domains.university.central import solve_central
from accord.domains.university.generate import generate_university, read_sources
from accord.domains.university.instance import Instance, Lecture
from accord.domains.university.validate import validate
from accord.model.errors import AccordError
from tests.conftest import ROOT
from tests.test_itc2007 import DATA


@pytest.fixture(scope="module")
def sources() -> dict[str, Instance]:
    return read_sources(DATA)


@pytest.fixture(scope="module")
def two(sources):
    """comp01 (6 rooms, 5 × 6) and comp02 (16 rooms, 5 × 5) in 22 + 3 halls."""
    return generate_university(sources, departments=2, halls=25, seed=0)


def _random_own(inst: Instance, rng: random.Random) -> list[Lecture]:
    """Every lecture of ``inst`` at a random period in one of its own rooms."""
    return [Lecture(c.id, rng.choice(inst.rooms).id, *divmod(rng.randrange(inst.periods),
                                                             inst.periods_per_day))
            for c in inst.courses for _ in range(c.lectures)]


def test_faculties_are_renamed_copies_in_one_week_and_one_pool(sources, two):
    sc, faculties = two
    assert [(f.prefix, f.source, f.departments) for f in faculties] == [
        ("F01", "comp01", 1), ("F02", "comp02", 1)]
    assert (sc.days, sc.periods_per_day) == (5, 6)
    assert [r.id for r in sc.rooms][-3:] == ["H001", "H002", "H003"] and len(sc.rooms) == 25
    comp02 = sources["comp02"]
    f02 = faculties[1].instance
    assert len(f02.courses) == len(comp02.courses) and all(
        c.id.startswith("F02_") and c.teacher.startswith("F02_") for c in f02.courses)
    # comp02's week has 5 periods a day: the sixth is unavailable to all its courses
    outside = {(c.id, d * 6 + 5) for c in f02.courses for d in range(5)}
    assert outside <= f02.unavailable
    assert len(f02.unavailable) == len(outside) + len(comp02.unavailable)
    assert {d.id for d in sc.departments} == {"F01-D1", "F02-D1"}
    merged = sc.instance()
    assert len(merged.courses) == len(sources["comp01"].courses) + len(comp02.courses)


def test_official_cost_is_the_sum_over_faculties(two):
    sc, faculties = two
    rng = random.Random(7)
    per = [(f.instance, _random_own(f.instance, rng)) for f in faculties]
    whole = validate(sc.instance(), [lec for _, lecs in per for lec in lecs])
    parts = [validate(inst, lecs) for inst, lecs in per]
    for key in whole.soft:
        assert whole.soft[key] == sum(p.soft[key] for p in parts), key
    for key in whole.hard:
        assert whole.hard[key] == sum(p.hard[key] for p in parts), key
    assert whole.cost > 0 and whole.violations > 0  # random: the sums are not 0 = 0


def test_bad_sizes_are_one_line(sources):
    with pytest.raises(AccordError, match="--halls must hold one faculty's rooms"):
        generate_university(sources, departments=2, halls=3, seed=0)
    with pytest.raises(AccordError, match=r"--departments must be between 2 \(one per "):
        generate_university(sources, departments=1, halls=25, seed=0)


@pytest.mark.slow
def test_generated_university_is_feasible_and_measured_officially(tmp_path, two):
    """The command line writes it; central finds a timetable with no hard violation whose
    official cost is the sum of the faculties' measures."""
    out = tmp_path / "u.yaml"
    done = subprocess.run([sys.executable, "-m", "accord.cli.main", "generate", "university",
                           "--departments", "2", "--halls", "25", "--instances", str(DATA),
                           "-o", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    sc = load_scenario(out)
    assert sc.instance().courses == two[0].instance().courses
    found = solve_central(sc.instance(), time_limit=8, seed=0, workers=1, model="anneal")
    plans = {d.id: department_plan(sc, d.id, found.lectures) for d in sc.departments}
    ev = DOMAIN.evaluate(sc, plans)
    assert ev.hard_violations == 0
    lectures = lectures_of(plans)
    pool = sc.instance().rooms  # a faculty's lectures may sit in any hall of the pool
    parts = [validate(replace(f.instance, rooms=pool),
                      [x for x in lectures if x.course.startswith(f.prefix + "_")])
             for f in two[1]]
    assert ev.cost == sum(p.cost for p in parts) and all(p.violations == 0 for p in parts)
