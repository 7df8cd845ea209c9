"""Swaps in ``negotiate``: members trade units of one slot where together they gain.

A department's own re-plans cannot move a lecture into a hall another department holds in
that period, even where both would gain by exchanging halls (a course kept in one hall,
students seated): that takes two members. Each member says which of its units it would
rather have in another resource of the same slot, and what that gains it
(``SwapOffers``); the manager asks the holders of those units for their cheapest way to
leave them, into the unit the wanter leaves or a free one (a department may move a whole
course to another hall), and makes the swaps (or moves into free units) whose summed
change is a gain, best first, each member and unit in one at a time so that every
quoted change is exact. Rounds repeat, asking again only members whose plans changed,
until no swap gains. The domain says what may substitute for what
(``LocalProblem.substitutes``); in one without substitutes no member wants any.
"""

from __future__ import annotations

from accord.contract import ManagerSpec
from accord.model.plan import Key, from_entries
from accord.protocols.messages import (
    PlanRequest,
    Substitution,
    Swap,
    SwapCall,
    SwapOffer,
    SwapOffers,
)
from accord.protocols.negotiate.options import NegotiateOptions
from accord.protocols.negotiate.pricing import Pricing
from accord.runtime.agent import expect

Part = tuple[str, SwapOffer]
"""A member, the substitutions it makes and the change of its cost."""

_Group = tuple[tuple[int, str, str], ...]


def _group(moves: list[Substitution]) -> _Group:
    """Substitutions as a dictionary key."""
    return tuple((s.slot, s.held, s.other) for s in moves)


class Swaps(Pricing):
    """A manager that swaps members' units within a slot where together they gain."""

    def __init__(self, spec: ManagerSpec, options: NegotiateOptions, seed: int) -> None:
        super().__init__(spec, options, seed)
        self.swaps = 0
        """Swaps (and moves into free units) made this episode."""
        self._wants: dict[str, list[SwapOffer]] = {}
        self._asked: dict[str, int] = {}
        """Each member's plan version when its wants were last asked."""

    async def _swap(self) -> bool:
        """Rounds of swaps until none gains or the time budget is spent (``swaps`` on).
        Whether any was made."""
        if not self.options.swaps:
            return False
        made = False
        while self.budget.seconds_left() != 0:
            stale = [m for m in sorted(self.granted) if self._asked.get(m) != self.version[m]]
            replies = await self.request_all([(m, SwapCall()) for m in stale])
            for m, r in zip(stale, replies, strict=True):
                self._wants[m] = expect(r, SwapOffers).offers
                self._asked[m] = self.version[m]
            chosen = _disjoint(await self._candidates())
            if not chosen:
                return made
            parts = [p for swap in chosen for p in swap]
            done = await self.request_all([(m, Swap(moves=o.moves)) for m, o in parts])
            for (m, o), r in zip(parts, done, strict=True):
                # the cost as booked, changed by the quote (the plan's own cost dates from
                # its solve: others' shared curricula may have moved since)
                plan = expect(r, PlanRequest)
                self._grant_local(m, from_entries(plan.usage), self.granted[m][1] + o.delta)
            await self._confirm([m for m, _ in parts])
            self.swaps += len(chosen)
            self._record()
            made = True
        return made

    async def _candidates(self) -> list[tuple[int, list[Part]]]:
        """Each member's wanted moves with, where a unit it wants is held, its holder
        taking the unit it leaves (in one group per holder, quoted by the holder), and
        their summed change of cost. Wants of units the member holds itself and does not
        leave in the same group, or that nobody holds and none are free of, are left
        out."""
        holders: dict[Key, list[str]] = {}
        for m, (usage, _) in sorted(self.granted.items()):
            for k, a in usage.items():
                if a > 0:
                    holders.setdefault(k, []).append(m)
        wants: list[tuple[str, SwapOffer, dict[str, list[Substitution]]]] = []
        asked: dict[str, dict[_Group, list[Substitution]]] = {}
        for m, offers in sorted(self._wants.items()):
            for offer in offers:
                back: dict[str, list[Substitution]] = {}
                leaves = {(s.held, s.slot) for s in offer.moves}
                for s in offer.moves:
                    to = (s.other, s.slot)
                    if to in leaves or self.free.get(to, 0) > 0:
                        continue
                    held = holders.get(to, [])
                    if not held or m in held:
                        break
                    back.setdefault(held[0], []).append(
                        Substitution(slot=s.slot, held=s.other, other=s.held))
                else:
                    wants.append((m, offer, back))
                    for h, g in back.items():
                        asked.setdefault(h, {})[_group(g)] = g
        names = sorted(asked)
        free = self._free_entries()
        replies = await self.request_all(
            [(h, SwapCall(asked=list(asked[h].values()), free=self.spec.usable(h, free)))
             for h in names])
        quoted = {h: dict(zip(asked[h], expect(r, SwapOffers).offers, strict=True))
                  for h, r in zip(names, replies, strict=True)}
        out = []
        for m, offer, back in wants:
            leaving = [quoted[h][_group(g)] for h, g in back.items()]
            parts = [(m, offer), *zip(back, leaving, strict=True)]
            if self._coherent(parts):
                out.append((sum(o.delta for _, o in parts), parts))
        return out

    def _coherent(self, parts: list[Part]) -> bool:
        """Whether the parts' moves fit together: no unit taken twice, each one taken
        free or left by a move of the parts (a holder may leave into free units that the
        wanter takes too)."""
        left = {(s.held, s.slot) for _, o in parts for s in o.moves}
        taken = [(s.other, s.slot) for _, o in parts for s in o.moves]
        return len(set(taken)) == len(taken) and all(
            k in left or self.free.get(k, 0) > 0 for k in taken)


def _disjoint(moves: list[tuple[int, list[Part]]]) -> list[list[Part]]:
    """The moves that gain, best first, each member and unit in at most one."""
    chosen: list[list[Part]] = []
    members: set[str] = set()
    units: set[tuple[str, int]] = set()
    for total, parts in sorted(moves, key=lambda t: (t[0], [(m, _group(o.moves))
                                                            for m, o in t[1]])):
        if total >= 0:
            break
        keys = {k for _, o in parts for s in o.moves
                for k in ((s.held, s.slot), (s.other, s.slot))}
        if members.isdisjoint(m for m, _ in parts) and units.isdisjoint(keys):
            chosen.append(parts)
            members.update(m for m, _ in parts)
            units |= keys
    return chosen
