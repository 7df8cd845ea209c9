"""The protocol object registered as ``transport``: an office, a manager per priced
resource and an agent per member (see ``office``)."""

from __future__ import annotations

from typing import Any

from accord.contract import Capability, Cast, Domain, Protocol
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.capacity import member_seed
from accord.protocols.transport.line_manager import LineManager
from accord.protocols.transport.messages import KINDS
from accord.protocols.transport.office import OFFICE, Office
from accord.protocols.transport.options import TransportOptions
from accord.protocols.transport.ward_agent import WardAgent
from accord.runtime.agent import Agent


class TransportProtocol(Protocol[TransportOptions]):
    """The seed's three stages over any domain's priced resources."""

    name = "transport"
    summary = "the seed's stages: agents alone, resource managers fill units, Requests for Change"
    options_type = TransportOptions
    requires = frozenset({Capability.PRICED})
    messages = KINDS

    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: TransportOptions,
             anchors: dict[str, Plan]) -> Cast:
        market = domain.priced(scenario)
        managers: list[Agent] = [Office(market, options)]
        managers += [LineManager(market, r.id, options, OFFICE) for r in market.resources]
        members = [WardAgent(p, market, options, member_seed(scenario.seed, p.agent_id),
                             anchors.get(p.agent_id)) for p in domain.local_problems(scenario)]
        return Cast(managers=managers, members=members,
                    asynchronous=options.overlap and options.mode == "concurrent")
