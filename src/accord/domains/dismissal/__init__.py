"""Staggered dismissal: classrooms release students through shared bottlenecks.

The first system of the source documents. Cost is student-minutes displaced; a hard
violation is a student over a batch's capacity.
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.domains.base import CentralResult, Domain, Evaluation, LocalProblem, ManagerSpec
from accord.domains.dismissal.central import solve_central
from accord.domains.dismissal.evaluate import evaluate
from accord.domains.dismissal.local import ClassroomProblem
from accord.domains.dismissal.offers import SeedOffersProtocol
from accord.domains.dismissal.scenario import DismissalScenario
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.base import Protocol


def _sc(scenario: ScenarioBase) -> DismissalScenario:
    assert isinstance(scenario, DismissalScenario)
    return scenario


class DismissalDomain(Domain):
    """The dismissal domain as the runtime sees it."""

    name = "dismissal"
    scenario_type = DismissalScenario

    def extra_protocols(self) -> dict[str, Protocol]:
        return {"seed-offers": SeedOffersProtocol()}

    def local_problems(self, scenario: ScenarioBase) -> list[LocalProblem]:
        sc = _sc(scenario)
        return [ClassroomProblem(sc, c) for c in sc.classrooms]

    def managers(self, scenario: ScenarioBase) -> list[ManagerSpec]:
        sc = _sc(scenario)
        out = []
        for b in sc.bottlenecks:
            capacity = {(b.id, b.batch_of(o)): b.per_batch for o in sc.offsets}
            members = tuple(c.id for c in sc.classrooms if sc.bottleneck_of(c).id == b.id)
            out.append(ManagerSpec(id=b.id, capacity=capacity, members=members))
        return out

    def evaluate(self, scenario: ScenarioBase, plans: Mapping[str, Plan]) -> Evaluation:
        return evaluate(_sc(scenario), plans)

    def central(
        self, scenario: ScenarioBase, *, time_limit: float, seed: int, workers: int
    ) -> CentralResult:
        return solve_central(_sc(scenario), time_limit=time_limit, seed=seed, workers=workers)


DOMAIN = DismissalDomain()
