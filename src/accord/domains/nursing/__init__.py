"""Hospital wards roster nurses and share transportation lines.

Registered as the ``nursing`` domain: wards roster their nurses, the hospital drives every
nurse home by cab, and the global cost is the cabs' cost plus the wards' weighted penalty.
A ward is the seed's toy ward (``rules.py``, ``ward.ToyModel``) or a Curtois & Qu
benchmark instance (``curtois.py``, ``roster.py``, ``curtois_ward.py``); both give the
one local problem (``ward.WardProblem``) a ``WardModel``. The lines are priced resources
(``transport.py``): the ``transport`` protocol runs the seed's three stages over them.
``generate.py`` makes toy hospitals, ``hospital.py`` hospitals of benchmark files.
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
    PricedMarket,
)
from accord.domains.nursing.central import solve_central
from accord.domains.nursing.evaluate import evaluate
from accord.domains.nursing.formats import FORMATS
from accord.domains.nursing.scenario import NursingScenario
from accord.domains.nursing.transport import market
from accord.domains.nursing.views import rosters, shift_label
from accord.domains.nursing.ward import LINES, WardProblem
from accord.model.plan import Plan


class NursingDomain(Domain[NursingScenario]):
    """The hospital (toy or Curtois wards) as the runtime sees it."""

    name = "nursing"
    summary = "hospital wards sharing transportation lines"
    scenario_type = NursingScenario
    capabilities = frozenset({Capability.PRICED, Capability.CAPACITY, Capability.CENTRAL})
    formats = FORMATS

    def local_problems(self, scenario: NursingScenario) -> list[LocalProblem]:
        return [WardProblem(scenario, w) for w in scenario.wards]

    def managers(self, scenario: NursingScenario) -> list[ManagerSpec]:
        """One manager of every line's seats (a ward's nurses may live on several lines),
        serving every ward; a line's capacity in a shift is every nurse living on it (a seat
        can always be had with one more cab, so the seats never run out: capacity
        protocols then negotiate the wards' penalties alone, not the cabs)."""
        sc = scenario
        capacity = {(ln.id, s): sc.riders(None, ln.id) for ln in sc.lines
                    for s in range(sc.shifts)}
        return [ManagerSpec(id=LINES, capacity=capacity, members=tuple(w.id for w in sc.wards))]

    def priced(self, scenario: NursingScenario) -> PricedMarket:
        return market(scenario)

    def evaluate(self, scenario: NursingScenario, plans: Mapping[str, Plan]) -> Evaluation:
        return evaluate(scenario, plans)

    def grids(self, scenario: NursingScenario, plans: Mapping[str, Plan]) -> list[Grid]:
        """Each ward's roster, then each line's riders per ward and shift, seats against
        the nurses living on it, and cabs."""
        lines = self.grids_from_usage(scenario, plans, lambda s: shift_label(scenario, s))
        return rosters(scenario, plans) + [g for g in lines if g.kind == "resource"]

    def central(self, scenario: NursingScenario, *, time_limit: float, seed: int,
                workers: int) -> CentralResult:
        return solve_central(scenario, time_limit=time_limit, seed=seed, workers=workers)


DOMAIN = NursingDomain()
