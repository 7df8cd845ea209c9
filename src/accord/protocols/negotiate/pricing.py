"""Priced rounds of ``negotiate``: before the grants, members re-plan against what the
others ask for, at a price per unit of contested capacity that doubles while they collide.

A member's first plan ignores the others; where plans collide, nobody has to yield at
once. In a priced round a member plans again with the capacity the others' current
requests leave it: a unit beyond it is allowed but costs the slot's price. While the
price is low a member keeps a contested slot only where it gains more than the price; as
it doubles, the member with the cheapest way out leaves first, and the collisions end in
a few rounds (the price of a move that crosses a rule is reached after log2 of it
rounds). This is the penalty method by which a centralised local search crosses
clashes, with the price set by the manager and paid by the members.

A uniform price alone can leave members at a standstill: once it outweighs every
timetable's cost each member minimises only its count of collisions, and where none can
lower it alone, none moves (comp05 at K = 8: 12 collisions from the 7th to the 28th
round). So a key also grows dearer with every round it ends in collision, as constraint
weights do in the breakout method of distributed constraint solving: a member then
prefers to move its collision to a key that has collided less, where another member may
have a way out, and the standstill breaks (comp05 at K = 8: 151, 31, 5, 0).
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from accord.model.plan import Key, UsageEntry, add_usage, from_entries, to_entries
from accord.protocols.capacity import combine
from accord.protocols.messages import PlanRequest, PricedCall
from accord.protocols.negotiate.grants import Grants
from accord.runtime.agent import expect

MOST_DOUBLINGS = 2 ** 16
"""The price stops doubling at this multiple of ``price_start`` (far above the costs of
the plans measured, a few thousand at most: from there on only the dearer keys change
what members prefer, and costs stay far from integer overflow)."""


class Pricing(Grants):
    """A manager that runs priced rounds on the members' first requests."""

    def _contested(self, requests: dict[str, PlanRequest]) -> tuple[dict[Key, int], int]:
        """The capacity left by all ``requests`` together (negative where they collide),
        and their summed overflow."""
        free = dict(self.spec.capacity)
        for r in requests.values():
            add_usage(free, from_entries(r.usage), -1)
        return free, sum(-a for a in free.values() if a < 0)

    async def _price_rounds(self, order: list[str], requests: dict[str, PlanRequest]
                            ) -> list[int]:
        """Priced rounds on ``requests`` (replaced in place) until ``price_rounds`` are
        done or the time left would not cover two more (the grants and changes need it;
        one more while no requests have fit together yet).

        The price doubles after a round that ends with collisions, and such a round asks
        only the members whose requests collide, ``_apart`` (the others' plans pay
        nothing); after a round that ends without collisions the price falls back to
        ``price_start`` and every member is asked, ``price_batch`` at a time (so that
        members may again take contested capacity where it gains them more). A unit of
        a key costs the price times one more than the number of rounds that ended with
        it in collision since the last round that ended without any. The requests that
        fit together at the least summed cost are kept (and each such set that costs
        less than the ones before goes on the trace). The overflow before each round and
        after the last (empty without priced rounds)."""
        history: list[int] = []
        best: tuple[int, dict[str, PlanRequest]] | None = None
        price, longest = self.options.price_start, 0.0
        weight: dict[Key, int] = {}
        for rnd in range(self.options.price_rounds + 1):
            free, over = self._contested(requests)
            history.append(over)
            if over == 0:
                weight = {}
            elif rnd:
                for k, a in free.items():
                    if a < 0:
                        weight[k] = weight.get(k, 0) + 1
            total = sum(r.cost for r in requests.values())
            if over == 0 and (best is None or total < best[0]):
                best = (total, dict(requests))
                self.trace.append((round(self.budget.elapsed(), 3), total))
            left = self.budget.seconds_left()
            # a round more while no requests fit together yet: the grants would refuse
            # and re-plan one department at a time, and cannot resolve collisions in
            # that time that the rounds did not (comp05 at K = 8 ended with hard
            # violations); once some fit together, time is kept for the changes
            reserve = 2 if best is not None else 1
            if rnd == self.options.price_rounds or (
                    left is not None and rnd and left < reserve * longest):
                break
            size = self.options.price_batch
            if rnd == 0 or over == 0:
                price = self.options.price_start
                batches = [order[i:i + size] for i in range(0, len(order), size)]
            else:
                price = min(2 * price, MOST_DOUBLINGS * self.options.price_start)
                batches = _apart({m: {k for k in from_entries(requests[m].usage)
                                      if free.get(k, 0) < 0} for m in order}, size)
            dear = to_entries({k: price * (1 + w) for k, w in weight.items()})
            began = self.budget.elapsed()
            await self._price_round(batches, requests, rnd, price, dear)
            longest = max(longest, self.budget.elapsed() - began)
        if best is not None:
            requests.update(best[1])
        return history if self.options.price_rounds else []

    async def _price_round(self, batches: list[list[str]], requests: dict[str, PlanRequest],
                           rnd: int, price: int, dear: list[UsageEntry]) -> None:
        """One priced round: the members of each batch re-plan at once."""
        for i, asked in enumerate(batches):
            free, _ = self._contested(requests)
            shares = _split(free, asked, self.spec.uses, random.Random(
                f"{self.seed}/{self.episode}/{rnd}/{i}"))
            replies = await self.request_all([
                (m, PricedCall(round=rnd, price=price, free=self.spec.usable(
                    m, self._free_entries(combine(shares[m], from_entries(
                        requests[m].usage)))), dear=self.spec.usable(m, dear),
                    work=self.options.price_work, seconds=self.budget.seconds_left()))
                for m in asked])
            for m, r in zip(asked, replies, strict=True):
                requests[m] = expect(r, PlanRequest)


def _apart(colliding: dict[str, set[Key]], size: int) -> list[list[str]]:
    """The members with collisions (``colliding``: each one's colliding keys, in order)
    in batches of at most ``size`` that share no colliding key, in order: two members
    that collide with each other re-plan one after the other (at once, both might
    leave, or both stay), members whose collisions are apart re-plan at once."""
    batches: list[tuple[list[str], set[Key]]] = []
    for m, keys in colliding.items():
        if not keys:
            continue
        if batches and len(batches[-1][0]) < size and not batches[-1][1] & keys:
            batches[-1][0].append(m)
            batches[-1][1].update(keys)
        else:
            batches.append(([m], set(keys)))
    return [b for b, _ in batches]


def _split(free: dict[Key, int], members: list[str], uses: Mapping[str, frozenset[str]],
           rng: random.Random) -> dict[str, dict[Key, int]]:
    """The capacity ``free`` (negative where requests collide) shared out between
    ``members`` re-planning at once, so that their new requests cannot collide where
    nobody asked before: each unit of free capacity goes to one of the members that can
    use its resource, drawn by ``rng``; collisions are everyone's (negative)."""
    shares: dict[str, dict[Key, int]] = {m: {} for m in members}
    for key in sorted(free):
        amount = free[key]
        users = [m for m in members if m not in uses or key[0] in uses[m]]
        if amount <= 0 or len(users) < 2:
            for m in members:
                shares[m][key] = amount
            continue
        for _ in range(amount):
            m = rng.choice(users)
            shares[m][key] = shares[m].get(key, 0) + 1
    return shares
