"""A ward's rules measured on a roster (nurse id -> shifts worked), one function each.

Hard: cover met per shift and level, each nurse's shifts per week, no forbidden shift.
Soft: each shift a nurse works outside her preferred shifts costs her weight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from accord.domains.nursing.scenario import Ward
from accord.model.plan import Key, Plan, UsageEntry

Roster = Mapping[str, Sequence[int]]
"""Shifts worked by each nurse of a ward (a missing nurse works none)."""


def cover_short(ward: Ward, roster: Roster) -> int:
    """Hard: nurses missing, summed over shifts and levels (level k counts nurses >= k)."""
    short = 0
    for s, need in enumerate(ward.cover):
        on = [n.level for n in ward.nurses if s in roster.get(n.id, ())]
        short += sum(max(0, c - sum(lv > k for lv in on)) for k, c in enumerate(need))
    return short


def shifts_off_target(ward: Ward, roster: Roster) -> int:
    """Hard: shifts over or under each nurse's shifts per week."""
    return sum(abs(len(set(roster.get(n.id, ()))) - n.shifts) for n in ward.nurses)


def forbidden_worked(ward: Ward, roster: Roster) -> int:
    """Hard: shifts worked that the nurse cannot work."""
    return sum(len(set(roster.get(n.id, ())) & set(n.private.forbidden)) for n in ward.nurses)


def unpreferred(ward: Ward, roster: Roster) -> int:
    """Soft: the ward's penalty, weight × shifts worked outside a nurse's preferences."""
    return sum(n.private.weight * len(set(roster.get(n.id, ())) - set(n.private.preferred))
               for n in ward.nurses if n.private.preferred)


def hard_breakdown(ward: Ward, roster: Roster) -> dict[str, int]:
    """Hard violations of the ward's roster by rule."""
    return {"cover_short": cover_short(ward, roster),
            "shifts_per_week": shifts_off_target(ward, roster),
            "forbidden_shift": forbidden_worked(ward, roster)}


def usage(ward: Ward, roster: Roster) -> dict[Key, int]:
    """Seats the roster needs: the ward's nurses per (line, shift)."""
    out: dict[Key, int] = {}
    for n in ward.nurses:
        for s in set(roster.get(n.id, ())):
            out[n.line, s] = out.get((n.line, s), 0) + 1
    return out


def plan_of(ward: Ward, roster: Roster) -> Plan:
    """The ward's plan: roster, penalty by rule, and seats per (line, shift)."""
    cost = unpreferred(ward, roster)
    return Plan(
        agent=ward.id,
        assignment={"shifts": {n.id: sorted(set(roster.get(n.id, ()))) for n in ward.nurses}},
        cost=cost, breakdown={"unpreferred_shift": cost},
        usage=[UsageEntry(resource=r, slot=s, amount=a)
               for (r, s), a in sorted(usage(ward, roster).items())])


def roster_of(plan: Plan | None) -> dict[str, list[int]]:
    """The roster a plan holds (empty for no plan)."""
    return {n: list(s) for n, s in plan.assignment.get("shifts", {}).items()} if plan else {}
