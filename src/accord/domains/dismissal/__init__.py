"""Staggered dismissal: classrooms release students through shared bottlenecks.

The first system of the source documents. Cost is student-minutes displaced; a hard
violation is a student over a batch's capacity.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from accord.contract import (
    Capability,
    CentralResult,
    Domain,
    Evaluation,
    Grid,
    LocalProblem,
    ManagerSpec,
    OffersBottleneck,
    OffersMarket,
    OffersParty,
)
from accord.domains.dismissal.central import solve_central
from accord.domains.dismissal.evaluate import evaluate
from accord.domains.dismissal.formats import FORMATS
from accord.domains.dismissal.local import ClassroomProblem
from accord.domains.dismissal.model import plan_of
from accord.domains.dismissal.scenario import DismissalScenario
from accord.domains.dismissal.views import batch_label, explain
from accord.model.plan import Plan


class DismissalDomain(Domain[DismissalScenario]):
    """The dismissal domain as the runtime sees it."""

    name = "dismissal"
    summary = "classrooms sharing exits at dismissal"
    scenario_type = DismissalScenario
    capabilities = frozenset({Capability.CAPACITY, Capability.OFFERS, Capability.CENTRAL})
    formats = FORMATS

    def local_problems(self, scenario: DismissalScenario) -> list[LocalProblem]:
        return [ClassroomProblem(scenario, c) for c in scenario.classrooms]

    def managers(self, scenario: DismissalScenario) -> list[ManagerSpec]:
        sc, out = scenario, []
        for b in sc.bottlenecks:
            capacity = {(b.id, b.batch_of(o)): b.per_batch for o in sc.offsets}
            members = tuple(c.id for c in sc.classrooms if sc.bottleneck_of(c).id == b.id)
            out.append(ManagerSpec(id=b.id, capacity=capacity, members=members))
        return out

    def offers(self, scenario: DismissalScenario) -> OffersMarket:
        sc = scenario
        return OffersMarket(
            episode_name=sc.episode_name, seed=sc.seed, offsets=tuple(sc.offsets),
            bottlenecks=tuple(OffersBottleneck(
                id=b.id, capacity_per_minute=b.capacity_per_minute, per_batch=b.per_batch,
                members=tuple(c.id for c in sc.classrooms if sc.bottleneck_of(c).id == b.id))
                for b in sc.bottlenecks),
            parties={c.id: OffersParty(id=c.id, attendance=c.attendance,
                                       willingness=c.private.willingness,
                                       plan=partial(plan_of, sc, c))
                     for c in sc.classrooms})

    def evaluate(self, scenario: DismissalScenario, plans: Mapping[str, Plan]) -> Evaluation:
        return evaluate(scenario, plans)

    def grids(self, scenario: DismissalScenario, plans: Mapping[str, Plan]) -> list[Grid]:
        """Each classroom's and each exit's batches, displaced students explained."""
        return explain(scenario, plans, self.grids_from_usage(scenario, plans, batch_label))

    def central(self, scenario: DismissalScenario, *, time_limit: float, seed: int,
                workers: int) -> CentralResult:
        return solve_central(scenario, time_limit=time_limit, seed=seed, workers=workers)


DOMAIN = DismissalDomain()
