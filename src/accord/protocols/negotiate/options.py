"""The options of ``negotiate``, and the least solver work worth asking a member for."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from accord.protocols.tokens import Bidding


class NegotiateOptions(Bidding):
    """Options of ``negotiate`` (with ``tokens``, a member may pay for a wish whose gain
    does not cover the holders' quotes: see ``protocols.tokens``)."""

    model_config = ConfigDict(extra="forbid")
    max_rounds: int = Field(default=100, ge=0, description="Request-for-Change rounds at most")
    exchange: bool = Field(default=True, description="buy room for wishes with release quotes")
    violation_threshold: int = Field(default=3, ge=1, description="misses before a violation")
    solve_time_limit: float = Field(default=5.0, gt=0)
    quote_batch: int = Field(default=6, ge=1, description="holders asked for quotes at once")
    refusal_batch: int = Field(default=8, ge=1,
                               description="refused members asked to re-plan per wave")
    wishes: Literal["per-slot", "ideal", "priced"] = Field(
        default="per-slot", description="wish with each slot opened (small slot sets), only "
                                        "with all opened, or with every slot for sale at "
                                        "wish_price (large ones, e.g. timetables)")
    wish_price: int = Field(default=2, ge=1, description="cost a priced wish expects to pay "
                                                         "per unit of others' capacity")
    mode: Literal["concurrent", "synchronized", "asynchronous"] = Field(
        default="concurrent", description="Requests for Change from all members at once "
                                          "(best first), from one member at a time, or from "
                                          "each member as soon as its last one is settled "
                                          "(no rounds; solves overlap, not reproducible)")
    grant_order: Literal["ledger", "largest-first", "listed"] = Field(
        default="ledger", description="who is granted first: most owed, then by a seeded "
                                      "draw, by the largest requests, or in the scenario's "
                                      "order")
    plan_work: float = Field(
        default=1.0, gt=0, le=1, description="share of the solver work members spend on "
                                             "plans in the grant phase (the rest of the "
                                             "budget goes to Requests for Change)")
    repairs: int = Field(default=4, ge=0, description="re-plans, each with another solver "
                                                      "seed, of members still over capacity "
                                                      "after the grants")
    solvers: int | None = Field(
        default=None, ge=1, description="asynchronous mode: members solving a change at "
                                        "once at most, the others queue (None: all; on "
                                        "one machine, its cores)")
    time_budget: float | None = Field(
        default=None, gt=0, description="wall seconds per episode after which no further "
                                        "change is sought (None: until no change helps)")
    price_rounds: int = Field(
        default=0, ge=0, description="priced rounds before the grants, at most: members "
                                     "re-plan against the others' requests, each unit "
                                     "beyond the capacity they leave at a price that "
                                     "doubles while collisions remain, dearer at keys "
                                     "that keep colliding (0: none)")
    price_start: int = Field(default=1, ge=1, description="the first priced round's price "
                                                          "of a unit of contested capacity")
    price_work: float = Field(default=1.0, gt=0, le=1,
                              description="share of its usual solver work a member spends "
                                          "on a priced round's plan")
    price_batch: int = Field(default=1, ge=1, description="members re-planning at once in a "
                                                          "priced round that asks everyone "
                                                          "(each with its own share of the "
                                                          "free capacity), and at most in "
                                                          "a round of colliding members "
                                                          "(those colliding with each other "
                                                          "one at a time)")
    swaps: bool = Field(default=False, description="between rounds of changes, swap units "
                                                   "of one slot between members where "
                                                   "together they gain (halls in a period)")
    grant_share: float | None = Field(
        default=None, gt=0, le=1, description="share of the time budget the grant phase "
                                              "may take: the first plans half of it, the "
                                              "re-plans of refused members the other half "
                                              "between them; the rest is for Requests for "
                                              "Change (None: every plan may take all the "
                                              "time left)")


MIN_WORK = 0.25
"""The least share of a member's usual solver work worth asking for in a call for changes
(a shorter solve rarely finds a change)."""
