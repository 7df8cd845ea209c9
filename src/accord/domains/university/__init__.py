"""University timetabling: departments share lecture halls and students (ITC-2007 track 3).

Departments own courses; rooms are pooled; curricula may span departments. The measure is
the competition's official one (``validate.py``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from accord.domains.base import CentralResult, Domain, Evaluation, LocalProblem, ManagerSpec
from accord.domains.university.cpmodel import (
    CHANGE_SCALE,
    curr_key,
    room_key,
    solve_instance,
)
from accord.domains.university.instance import Lecture
from accord.domains.university.local import (
    AUTHORITY,
    DepartmentProblem,
    department_instance,
    usage_of,
)
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.validate import validate
from accord.model.errors import AccordError
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase


def protocol_options(budget: float, departments: int) -> dict[str, dict[str, Any]]:
    """The measured best options of each protocol for a wall-time budget in seconds (see
    docs/university.md); ``negotiate-sync`` is ``negotiate`` one department at a time,
    ``negotiate-async`` each department on its own (see ``NegotiateOptions.mode``).

    A department's solve gets 6 units of work at K = 4 (2, 4, 6 and 8 were tried; 4–8 beat
    2), scaled by 4 / K so that a round of all departments costs the same whatever K."""
    work = 24.0 / departments
    negotiate = {"wishes": "priced", "time_budget": budget, "solve_time_limit": work,
                 "grant_order": "listed", "refusal_batch": 1}
    return {"central": {"time_limit": budget, "workers": 2},
            "negotiate": negotiate | {"mode": "concurrent"},
            "negotiate-sync": negotiate | {"mode": "synchronized"},
            "negotiate-async": negotiate | {"mode": "asynchronous",
                                            "solvers": os.cpu_count() or 1},
            "first-commit": {"solve_time_limit": work, "by_hand": True}}


def _sc(scenario: ScenarioBase) -> UniversityScenario:
    assert isinstance(scenario, UniversityScenario)
    return scenario


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


class UniversityDomain(Domain):
    """The university domain as the runtime sees it."""

    name = "university"
    scenario_type = UniversityScenario

    generic_protocols = ("first-commit", "negotiate", "central")

    def local_problems(self, scenario: ScenarioBase) -> list[LocalProblem]:
        sc = _sc(scenario)
        return [DepartmentProblem(sc, d.id) for d in sc.departments]

    def managers(self, scenario: ScenarioBase) -> list[ManagerSpec]:
        sc = _sc(scenario)
        periods = sc.days * sc.periods_per_day
        capacity = {room_key(r.id, p): 1 for r in sc.rooms for p in range(periods)}
        capacity |= {curr_key(q, p): 1 for q in sorted(sc.shared_curricula())
                     for p in range(periods)}
        return [ManagerSpec(id=AUTHORITY, capacity=capacity,
                            members=tuple(d.id for d in sc.departments))]

    def evaluate(self, scenario: ScenarioBase, plans: Mapping[str, Plan]) -> Evaluation:
        rep = validate(_sc(scenario).instance(), lectures_of(plans))
        return Evaluation(hard_violations=rep.violations, cost=rep.cost, breakdown=rep.soft,
                          hard_breakdown=rep.hard)

    def central(
        self, scenario: ScenarioBase, *, time_limit: float, seed: int, workers: int
    ) -> CentralResult:
        sc = _sc(scenario)
        inst = sc.instance()
        res = solve_instance(inst, time_limit=time_limit, seed=seed, workers=workers)
        if res is None:
            raise AccordError(f"central: no timetable found for {sc.name} within "
                              f"{time_limit:g} s")
        lectures, solved, _ = res
        plans = {d.id: department_plan(sc, d.id, lectures) for d in sc.departments}
        # the objective is the official cost times CHANGE_SCALE (no anchor, no caps here)
        return CentralResult(plans=plans, optimal=solved.optimal,
                             bound=solved.bound / CHANGE_SCALE)


DOMAIN = UniversityDomain()
