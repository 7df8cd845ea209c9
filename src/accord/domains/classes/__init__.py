"""Classes: student groups and professors agree on class times in shared classrooms.

The fourth system of the source documents (the message flow of a multi-agent class
scheduler, ``fehu/schedule-negotiation``). Groups are the scheduling agents: each holds
the plan of its own classes (discipline, kind, professor, classroom, day, start, length);
professors' timetables and classroom bookings are what those plans use of shared
resources. The measure is ``evaluate.py``; ``central.py`` is the yardstick;
``meetings.py`` is what the ``classes`` protocol (the document's negotiation) sees of it.
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.contract import (
    Capability,
    CentralResult,
    Domain,
    Evaluation,
    Grid,
    MeetingsMarket,
)
from accord.domains.classes.central import solve_central
from accord.domains.classes.evaluate import evaluate as evaluate_plans
from accord.domains.classes.evaluate import goal_achievement, missing_minutes, plan_of
from accord.domains.classes.formats import FORMATS
from accord.domains.classes.meetings import market
from accord.domains.classes.scenario import ClassesScenario
from accord.domains.classes.timetable import Lesson, lessons_of
from accord.domains.classes.views import classes_grids
from accord.model.plan import Plan

__all__ = ["DOMAIN", "ClassesDomain", "Lesson", "goal_achievement", "lessons_of",
           "missing_minutes", "plan_of"]


class ClassesDomain(Domain[ClassesScenario]):
    """The classes domain as the runtime sees it."""

    name = "classes"
    summary = "student groups and professors agreeing on classes in shared classrooms"
    scenario_type = ClassesScenario
    capabilities = frozenset({Capability.CENTRAL, Capability.MEETINGS})
    formats = FORMATS

    def agents(self, scenario: ClassesScenario) -> list[str]:
        return [g.id for g in scenario.groups]

    def meetings(self, scenario: ClassesScenario) -> MeetingsMarket:
        return market(scenario)

    def evaluate(self, scenario: ClassesScenario, plans: Mapping[str, Plan]) -> Evaluation:
        return evaluate_plans(scenario, plans)

    def grids(self, scenario: ClassesScenario, plans: Mapping[str, Plan]) -> list[Grid]:
        return classes_grids(scenario, plans)

    def central(self, scenario: ClassesScenario, *, time_limit: float, seed: int,
                workers: int) -> CentralResult:
        return solve_central(scenario, time_limit=time_limit, seed=seed, workers=workers)


DOMAIN = ClassesDomain()
