"""Bidding with tokens, over any shared resource (the source slides' "fair by a fixed amount
of tokens for each agent"): a member may pay from its tokens for a change whose gain does
not cover what it costs the others, so that an agent the shared resources hurt can still
buy room, at a price to the global cost.

Two choices, both options of the protocols that bid (``negotiate``, ``transport``):

- ``bids``: ``resource-wide`` — a bid may buy room at every (resource, slot) the change
  needs at once; ``binary`` — at one (resource, slot) only.
- ``allowance``: ``fixed`` — every member gets ``tokens`` an episode; ``difficulty`` — the
  same total is shared in proportion to each member's difficulty: its local cost once the
  first stage has placed it, plus one (those the sharing hurts most get most).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from accord.model.plan import Key

Bids = Literal["resource-wide", "binary"]
Allowance = Literal["fixed", "difficulty"]


class Bidding(BaseModel):
    """Options of bidding with tokens (``tokens`` 0: no bidding)."""

    model_config = ConfigDict(extra="forbid")
    tokens: int = Field(default=0, ge=0, description="tokens per member and episode (on "
                                                     "average, with a difficulty allowance) "
                                                     "in global-cost units; 0: no bidding")
    bids: Bids = Field(default="resource-wide", description="a bid buys room at every "
                                                            "(resource, slot) a change needs, "
                                                            "or at one only (binary)")
    allowance: Allowance = Field(default="fixed", description="tokens: the same for every "
                                                              "member, or shared by "
                                                              "difficulty")


def allowances(bidding: Bidding, difficulty: Mapping[str, int]) -> dict[str, int]:
    """Each member's tokens for an episode, given its difficulty (local cost after the
    first stage; only the ``difficulty`` allowance reads it)."""
    weights = {m: d + 1 for m, d in difficulty.items()}
    total = sum(weights.values())
    if bidding.allowance == "fixed" or total <= 0:
        return dict.fromkeys(difficulty, bidding.tokens)
    pool = bidding.tokens * len(difficulty)
    out = {m: pool * w // total for m, w in weights.items()}
    # the tokens rounding left over go to the largest remainders: the pool is kept whole
    left = sorted(weights, key=lambda m: (-(pool * weights[m] % total), m))
    for m in left[:pool - sum(out.values())]:
        out[m] += 1
    return out


class Wallet:
    """The members' tokens in one episode, and what they spent."""

    def __init__(self, bidding: Bidding, balances: Mapping[str, int]) -> None:
        self.bidding = bidding
        self.balance = dict(balances)
        self.spent: dict[str, int] = dict.fromkeys(balances, 0)

    def can_pay(self, member: str, amount: int, keys: Collection[Key]) -> bool:
        """Whether ``member`` may pay ``amount`` for room at ``keys``."""
        if self.bidding.tokens == 0 or amount > self.balance.get(member, 0):
            return False
        return self.bidding.bids == "resource-wide" or len(keys) <= 1

    def pay(self, member: str, amount: int) -> None:
        """Charge ``member``."""
        self.balance[member] -= amount
        self.spent[member] += amount

    def metrics(self) -> dict[str, float]:
        """Tokens spent in all and by member."""
        return {"tokens_spent": float(sum(self.spent.values()))} | {
            f"tokens_spent.{m}": float(s) for m, s in self.spent.items() if s}
