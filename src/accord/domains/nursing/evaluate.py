"""The official measure of merged ward rosters.

Global cost = transport cost + ``penalty_weight`` × the wards' total penalty, where the
transport cost counts cabs per line and shift (``transport.py``) and a ward's penalty is
the weight of each shift worked outside a nurse's preferences (``rules.unpreferred``).
Hard violations: nurses short of cover, shifts off each nurse's shifts per week, forbidden
shifts worked (a ward without a plan is short of all its cover).
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.domains.base import Evaluation
from accord.domains.nursing.rules import hard_breakdown, roster_of, unpreferred, usage
from accord.domains.nursing.scenario import NursingScenario
from accord.domains.nursing.transport import transport_cost
from accord.model.plan import Key, Plan, add_usage


def loads(sc: NursingScenario, plans: Mapping[str, Plan]) -> dict[Key, int]:
    """Passengers per (line, shift) of the merged rosters."""
    out: dict[Key, int] = {}
    for w in sc.wards:
        add_usage(out, usage(w, roster_of(plans.get(w.id))))
    return out


def evaluate(sc: NursingScenario, plans: Mapping[str, Plan]) -> Evaluation:
    """Hard violations and global cost of the merged rosters."""
    hard = {"cover_short": 0, "shifts_per_week": 0, "forbidden_shift": 0}
    penalty = 0
    for w in sc.wards:
        roster = roster_of(plans.get(w.id))
        for name, n in hard_breakdown(w, roster).items():
            hard[name] += n
        penalty += unpreferred(w, roster)
    transport = transport_cost(sc, loads(sc, plans))
    return Evaluation(
        hard_violations=sum(hard.values()), cost=transport + sc.penalty_weight * penalty,
        breakdown={"transport": transport, "ward_penalty": penalty}, hard_breakdown=hard)
