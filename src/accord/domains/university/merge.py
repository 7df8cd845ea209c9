"""Between departments' plans and the merged timetable."""

from __future__ import annotations

from collections.abc import Mapping

from accord.domains.university.instance import Lecture
from accord.domains.university.local import department_instance, usage_of
from accord.domains.university.penalties import private_penalty
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.validate import validate
from accord.model.plan import Plan


def lectures_of(plans: Mapping[str, Plan]) -> list[Lecture]:
    """Every lecture of the merged plans."""
    return sorted(Lecture(*lec) for p in plans.values() for lec in p.assignment["lectures"])


def department_plan(sc: UniversityScenario, dept: str, lectures: list[Lecture]) -> Plan:
    """A department's plan cut from a merged timetable: its lectures, the official cost of
    its part (shared curricula counted on its own lectures), and its usage."""
    local = department_instance(sc, dept)
    mine = {c.id for c in local.courses}
    own = [lec for lec in lectures if lec.course in mine]
    rep = validate(local, own)
    shared = sc.shared_curricula() & {q.id for q in local.curricula}
    return Plan(agent=dept, assignment={"lectures": [list(lec) for lec in own]}, cost=rep.cost,
                breakdown=rep.soft, usage=usage_of(local, shared, own))


def private_penalties(sc: UniversityScenario, plans: Mapping[str, Plan]) -> dict[str, float]:
    """``private.<department>.penalty`` of each department with rules: what its own rules
    charge its lectures (never part of the official cost)."""
    ppd = sc.periods_per_day
    out: dict[str, float] = {}
    for d in sc.departments:
        if d.private.rules and d.id in plans:
            held = [(c, int(day) * ppd + int(s))
                    for c, _, day, s in plans[d.id].assignment["lectures"]]
            out[f"private.{d.id}.penalty"] = float(
                private_penalty(sc.private_terms(d.id), held, ppd))
    return out
