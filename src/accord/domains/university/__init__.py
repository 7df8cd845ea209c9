"""University timetabling: departments share lecture halls and students (ITC-2007 track 3).

Departments own courses; rooms are pooled; curricula may span departments. The measure is
the competition's official one (``validate.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.domains.base import CentralResult, Domain, Evaluation
from accord.domains.university.central import solve_instance
from accord.domains.university.instance import Instance, Lecture
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.validate import validate
from accord.model.errors import AccordError
from accord.model.plan import Plan, UsageEntry
from accord.model.scenario import ScenarioBase


def _sc(scenario: ScenarioBase) -> UniversityScenario:
    assert isinstance(scenario, UniversityScenario)
    return scenario


def lectures_of(plans: Mapping[str, Plan]) -> list[Lecture]:
    """Every lecture of the merged plans."""
    return sorted(Lecture(*lec) for p in plans.values() for lec in p.assignment["lectures"])


def department_plan(sc: UniversityScenario, inst: Instance, dept: str,
                    lectures: list[Lecture]) -> Plan:
    """A department's plan: its lectures, its own cost, and the rooms it uses per period."""
    mine = {c.id for d in sc.departments if d.id == dept for c in d.courses}
    own = [lec for lec in lectures if lec.course in mine]
    local = Instance(inst.name, inst.days, inst.periods_per_day,
                     [c for c in inst.courses if c.id in mine], inst.rooms,
                     [q for q in inst.curricula if set(q.courses) <= mine],
                     {u for u in inst.unavailable if u[0] in mine})
    rep = validate(local, own)
    return Plan(agent=dept, assignment={"lectures": [list(lec) for lec in own]}, cost=rep.cost,
                breakdown=rep.soft,
                usage=[UsageEntry(resource=f"room:{lec.room}",
                                  slot=inst.period(lec.day, lec.slot), amount=1)
                       for lec in own])


class UniversityDomain(Domain):
    """The university domain as the runtime sees it (centralised solve so far)."""

    name = "university"
    scenario_type = UniversityScenario
    generic_protocols = ("central",)

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
        plans = {d.id: department_plan(sc, inst, d.id, lectures) for d in sc.departments}
        return CentralResult(plans=plans, optimal=solved.optimal, bound=solved.bound)


DOMAIN = UniversityDomain()
