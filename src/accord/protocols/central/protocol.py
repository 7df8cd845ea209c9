"""``central``: one CP-SAT model of the merged problem, the yardstick for every protocol."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import Capability, Cast, Domain, Protocol
from accord.model.errors import ProtocolError
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase


class CentralOptions(BaseModel):
    """Budget of the centralised solve."""

    model_config = ConfigDict(extra="forbid")
    time_limit: float = Field(default=60.0, gt=0)
    workers: int = Field(default=1, ge=1, le=64)


class CentralProtocol(Protocol[CentralOptions]):
    """Solve everything at once; it may see every agent's private data."""

    name = "central"
    summary = "centralised CP-SAT optimum of each episode (sees everything)"
    options_type = CentralOptions
    requires = frozenset({Capability.CENTRAL})
    centralised = True

    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: CentralOptions,
             anchors: dict[str, Plan]) -> Cast:
        raise ProtocolError("central runs without agents")
