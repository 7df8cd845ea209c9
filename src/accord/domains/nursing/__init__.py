"""Hospital wards roster nurses and share transportation lines.

Registered as the ``nursing`` domain: wards roster their nurses, the hospital drives every
nurse home by cab, and the global cost is the cabs' cost plus the wards' weighted penalty.
A ward is the seed's toy ward (``rules.py``, ``ward.ToyModel``) or a Curtois & Qu
benchmark instance (``curtois.py``, ``roster.py``, ``curtois_ward.py``); both give the
one local problem (``ward.WardProblem``) a ``WardModel``. ``generate.py`` makes toy
hospitals, ``hospital.py`` hospitals of benchmark files. Its protocols are
``transport`` (the seed's three stages) and ``central``; the generic ``negotiate`` does not
apply, as a line has no capacity to share out: a seat can always be had with one more cab.
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.domains.base import CentralResult, Domain, Evaluation, LocalProblem, ManagerSpec
from accord.domains.nursing.central import solve_central
from accord.domains.nursing.evaluate import evaluate
from accord.domains.nursing.scenario import NursingScenario
from accord.domains.nursing.stages import TransportProtocol
from accord.domains.nursing.ward import WardProblem
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.base import Protocol


def _sc(scenario: ScenarioBase) -> NursingScenario:
    assert isinstance(scenario, NursingScenario)
    return scenario


class NursingDomain(Domain):
    """The hospital (toy or Curtois wards) as the runtime sees it."""

    name = "nursing"
    scenario_type = NursingScenario
    generic_protocols = ("central",)

    def extra_protocols(self) -> dict[str, Protocol]:
        return {"transport": TransportProtocol()}

    def local_problems(self, scenario: ScenarioBase) -> list[LocalProblem]:
        sc = _sc(scenario)
        return [WardProblem(sc, w) for w in sc.wards]

    def managers(self, scenario: ScenarioBase) -> list[ManagerSpec]:
        """One manager per line; its capacity is every nurse living on it (cabs are added
        as needed), its members the wards using it."""
        sc = _sc(scenario)
        out = []
        for ln in sc.lines:
            riders = sc.riders(None, ln.id)
            out.append(ManagerSpec(id=ln.id, members=tuple(sc.members(ln.id)),
                                   capacity={(ln.id, s): riders for s in range(sc.shifts)}))
        return out

    def evaluate(self, scenario: ScenarioBase, plans: Mapping[str, Plan]) -> Evaluation:
        return evaluate(_sc(scenario), plans)

    def central(
        self, scenario: ScenarioBase, *, time_limit: float, seed: int, workers: int
    ) -> CentralResult:
        return solve_central(_sc(scenario), time_limit=time_limit, seed=seed, workers=workers)


DOMAIN = NursingDomain()
