"""The official measure of merged ward rosters.

Global cost = transport cost + ``penalty_weight`` × the wards' total penalty, where the
transport cost counts cabs per line and shift (``transport.py``). A toy ward's penalty is
the weight of each shift worked outside a nurse's preferences (``rules.unpreferred``), its
hard violations nurses short of cover, shifts off each nurse's shifts per week and
forbidden shifts worked; a Curtois ward's penalty and hard violations are the benchmark's
(``roster.evaluate``), and the breakdown adds its soft terms up over the Curtois wards. A
ward without a plan works nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from accord.contract import Evaluation
from accord.domains.nursing import curtois_ward
from accord.domains.nursing.rules import hard_breakdown, roster_of, unpreferred, usage
from accord.domains.nursing.scenario import AnyWard, NursingScenario, Ward
from accord.domains.nursing.transport import transport_cost
from accord.model.plan import Key, Plan, add_usage


@dataclass(frozen=True)
class WardScore:
    """One ward's roster measured: hard violations by rule, penalty, the penalty's terms
    (Curtois wards only) and seats per (line, shift)."""

    hard: dict[str, int]
    penalty: int
    terms: dict[str, int]
    seats: dict[Key, int]


def score(sc: NursingScenario, ward: AnyWard, plan: Plan | None) -> WardScore:
    """Measure one ward's plan by its kind's rules."""
    if isinstance(ward, Ward):
        roster = roster_of(plan)
        return WardScore(hard_breakdown(ward, roster), unpreferred(ward, roster), {},
                         usage(ward, roster))
    ev = curtois_ward.measure(ward, plan)
    return WardScore(dict(ev.hard), ev.cost, dict(ev.soft),
                     curtois_ward.usage(sc, ward, curtois_ward.assignment_of(plan)))


def loads(sc: NursingScenario, plans: Mapping[str, Plan]) -> dict[Key, int]:
    """Passengers per (line, shift) of the merged rosters."""
    out: dict[Key, int] = {}
    for w in sc.wards:
        add_usage(out, score(sc, w, plans.get(w.id)).seats)
    return out


def evaluate(sc: NursingScenario, plans: Mapping[str, Plan]) -> Evaluation:
    """Hard violations and global cost of the merged rosters."""
    hard: dict[str, int] = {}
    terms: dict[str, int] = {}
    penalty = 0
    seats: dict[Key, int] = {}
    for w in sc.wards:
        s = score(sc, w, plans.get(w.id))
        add_usage(seats, s.seats)
        penalty += s.penalty
        for into, part in ((hard, s.hard), (terms, s.terms)):
            for name, n in part.items():
                into[name] = into.get(name, 0) + n
    transport = transport_cost(sc, seats)
    return Evaluation(
        hard_violations=sum(hard.values()), cost=transport + sc.penalty_weight * penalty,
        breakdown={"transport": transport, "ward_penalty": penalty} | terms,
        hard_breakdown=hard)
