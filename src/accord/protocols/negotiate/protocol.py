"""``negotiate``: accord's capacity negotiation between members and resource managers.

Per episode each manager runs three phases with its members, who reveal only usage and
local cost:

1. *Call for plans* — every member solves alone and requests its usage.
   *Priced rounds* (``price_rounds``, off by default) — members plan again, a few at a
   time, against the others' requests, each unit of contested capacity at a price that
   doubles while collisions remain (``pricing``); the requests that fit together best
   go on to the grants.
2. *Grants* — the manager grants requests in priority order (most owed first, from the
   commitments ledger); a refused member gets the free capacity and asks again. A member
   that cannot fit at all asks others to make room (release requests and quotes).
3. *Requests for Change* — the manager publishes free capacity; members send changes with
   their Expected Gain, applied best first. When none fits, members state wishes (their
   best plan with one slot, or all, opened to full capacity) and the manager buys room for
   a wish from others' release quotes when the gain exceeds their quoted cost. Every
   accepted change lowers the global cost, so this ends.
   With ``swaps``, between rounds members also trade units of one slot where together
   they gain (``swaps``: halls in a period).

At the end the manager settles the ledger: members who carried more than the mean burden
are owed, and those debts give priority in the following episodes, so the burden rotates.
"""

from __future__ import annotations

from typing import Any

from accord.contract import Capability, Cast, Domain, LocalProblem, Protocol
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.capacity import member_seed
from accord.protocols.messages import KINDS
from accord.protocols.negotiate.manager import Manager
from accord.protocols.negotiate.member import Member
from accord.protocols.negotiate.options import NegotiateOptions


class NegotiateProtocol(Protocol[NegotiateOptions]):
    """The protocol object registered as ``negotiate``."""

    name = "negotiate"
    summary = "grants by ledger priority, Requests for Change, exchanges; usage only"
    options_type = NegotiateOptions
    requires = frozenset({Capability.CAPACITY})
    messages = KINDS

    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: NegotiateOptions,
             anchors: dict[str, Plan]) -> Cast:
        managers = [Manager(s, options, scenario.seed) for s in domain.managers(scenario)]
        return Cast(managers=managers, members=members(
            domain.local_problems(scenario), scenario.seed, anchors, options.solve_time_limit,
            options.wishes, options.wish_price), asynchronous=options.mode == "asynchronous")


def members(problems: list[LocalProblem], seed: int, anchors: dict[str, Plan], limit: float,
            wishes: str = "per-slot", wish_price: int = 2) -> list[Member]:
    """One member agent per local problem, anchored on its last stored plan."""
    return [Member(p, anchors.get(p.agent_id), member_seed(seed, p.agent_id), limit,
                   wishes, wish_price) for p in problems]
