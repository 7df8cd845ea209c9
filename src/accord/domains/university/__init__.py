"""University timetabling: departments share lecture halls and students (ITC-2007 track 3).

Departments own courses; rooms are pooled; curricula may span departments. The measure is
the competition's official one (``validate.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.contract import (
    Capability,
    CentralResult,
    Domain,
    Evaluation,
    Grid,
    LocalProblem,
    ManagerSpec,
)
from accord.domains.university.anneal import warm_up
from accord.domains.university.central import solve_central
from accord.domains.university.cpmodel import curr_key, room_key
from accord.domains.university.formats import FORMATS
from accord.domains.university.local import AUTHORITY, DepartmentProblem
from accord.domains.university.merge import department_plan, lectures_of, private_penalties
from accord.domains.university.options import protocol_options
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.validate import validate
from accord.domains.university.views import university_grids
from accord.model.plan import Plan

__all__ = ["DOMAIN", "department_plan", "lectures_of", "protocol_options"]


def uses(sc: UniversityScenario) -> dict[str, frozenset[str]]:
    """The resources each department can use: every hall, and the shared curricula it
    teaches (only those are its business; the others' free periods are not)."""
    halls = {room_key(r.id, 0)[0] for r in sc.rooms}
    owner = sc.owner()
    out = {d.id: set(halls) for d in sc.departments}
    shared = sc.shared_curricula()
    for q in sc.curricula:
        if q.id in shared:
            for c in q.courses:
                out[owner[c]].add(curr_key(q.id, 0)[0])
    return {d: frozenset(r) for d, r in out.items()}


class UniversityDomain(Domain[UniversityScenario]):
    """The university domain as the runtime sees it."""

    name = "university"
    summary = "departments sharing lecture halls and students (ITC-2007)"
    scenario_type = UniversityScenario
    capabilities = frozenset({Capability.CAPACITY, Capability.CENTRAL})
    formats = FORMATS

    def local_problems(self, scenario: UniversityScenario) -> list[LocalProblem]:
        warm_up()  # every protocol casts its agents from these: compile before the clock
        return [DepartmentProblem(scenario, d.id) for d in scenario.departments]

    def managers(self, scenario: UniversityScenario) -> list[ManagerSpec]:
        sc = scenario
        periods = sc.days * sc.periods_per_day
        capacity = {room_key(r.id, p): 1 for r in sc.rooms for p in range(periods)}
        capacity |= {curr_key(q, p): 1 for q in sorted(sc.shared_curricula())
                     for p in range(periods)}
        return [ManagerSpec(id=AUTHORITY, capacity=capacity,
                            members=tuple(d.id for d in sc.departments), uses=uses(sc))]

    def evaluate(self, scenario: UniversityScenario, plans: Mapping[str, Plan]) -> Evaluation:
        rep = validate(scenario.instance(), lectures_of(plans))
        return Evaluation(hard_violations=rep.violations, cost=rep.cost, breakdown=rep.soft,
                          hard_breakdown=rep.hard,
                          metrics=private_penalties(scenario, plans))

    def grids(self, scenario: UniversityScenario, plans: Mapping[str, Plan]) -> list[Grid]:
        return university_grids(scenario, plans)

    def central(self, scenario: UniversityScenario, *, time_limit: float, seed: int,
                workers: int) -> CentralResult:
        sc = scenario
        found = solve_central(sc.instance(), time_limit=time_limit, seed=seed,
                              workers=workers, model=sc.central_model)
        plans = {d.id: department_plan(sc, d.id, found.lectures) for d in sc.departments}
        return CentralResult(plans=plans, optimal=found.optimal, bound=found.bound,
                             trace=found.trace)

DOMAIN = UniversityDomain()
