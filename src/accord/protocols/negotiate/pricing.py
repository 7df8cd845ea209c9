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
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from accord.model.plan import Key, add_usage, from_entries
from accord.protocols.capacity import combine
from accord.protocols.messages import PlanRequest, PricedCall
from accord.protocols.negotiate.grants import Grants
from accord.runtime.agent import expect


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
        done or the time left would not cover two more (the grants and changes need it).

        The price doubles after a round that ends with collisions, and such a round asks
        only the members whose requests collide, one at a time (the others' plans pay
        nothing); after a round that ends without collisions the price falls back to
        ``price_start`` and every member is asked, ``price_batch`` at a time (so that
        members may again take contested capacity where it gains them more). The
        requests that fit together at the least summed cost are kept. The overflow
        before each round and after the last (empty without priced rounds)."""
        history: list[int] = []
        best: tuple[int, dict[str, PlanRequest]] | None = None
        price, longest = self.options.price_start, 0.0
        for rnd in range(self.options.price_rounds + 1):
            free, over = self._contested(requests)
            history.append(over)
            total = sum(r.cost for r in requests.values())
            if over == 0 and (best is None or total < best[0]):
                best = (total, dict(requests))
            left = self.budget.seconds_left()
            if rnd == self.options.price_rounds or (
                    left is not None and rnd and left < 2 * longest):
                break
            if rnd == 0 or over == 0:
                price, asked, batch = self.options.price_start, order, self.options.price_batch
            else:
                price, batch = 2 * price, 1
                asked = [m for m in order
                         if any(free.get(k, 0) < 0 for k in from_entries(requests[m].usage))]
            began = self.budget.elapsed()
            await self._price_round(asked, requests, rnd, price, batch)
            longest = max(longest, self.budget.elapsed() - began)
        if best is not None:
            requests.update(best[1])
        return history if self.options.price_rounds else []

    async def _price_round(self, order: list[str], requests: dict[str, PlanRequest],
                           rnd: int, price: int, batch: int) -> None:
        """One priced round: the members in ``order`` re-plan ``batch`` at a time."""
        for i in range(0, len(order), batch):
            asked = order[i:i + batch]
            free, _ = self._contested(requests)
            shares = _split(free, asked, self.spec.uses, random.Random(
                f"{self.seed}/{self.episode}/{rnd}/{i}"))
            replies = await self.request_all([
                (m, PricedCall(round=rnd, price=price, free=self.spec.usable(
                    m, self._free_entries(combine(shares[m], from_entries(
                        requests[m].usage)))),
                    work=self.options.price_work, seconds=self.budget.seconds_left()))
                for m in asked])
            for m, r in zip(asked, replies, strict=True):
                requests[m] = expect(r, PlanRequest)




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
