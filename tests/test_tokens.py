"""Bidding with tokens: allowances, what a bid may buy, and a bid paying in a negotiation."""

from __future__ import annotations

import pytest

from accord.app.runner import run_scenario
from accord.domains.dismissal.generate import generate
from accord.protocols.tokens import Bidding, Wallet, allowances


def test_a_fixed_allowance_gives_everyone_the_same():
    assert allowances(Bidding(tokens=10), {"a": 0, "b": 90}) == {"a": 10, "b": 10}


def test_a_difficulty_allowance_shares_the_same_total_by_cost_plus_one():
    got = allowances(Bidding(tokens=10, allowance="difficulty"), {"a": 0, "b": 9, "c": 19})
    assert got == {"a": 1, "b": 10, "c": 19}  # 30 shared as 1 : 10 : 20, the pool whole
    assert sum(got.values()) == 30


def test_a_wallet_pays_only_what_it_holds_and_binary_bids_buy_one_slot():
    wide = Wallet(Bidding(tokens=5), {"a": 5})
    assert wide.can_pay("a", 5, [("R", 0), ("R", 1)])
    assert not wide.can_pay("a", 6, [("R", 0)])
    wide.pay("a", 4)
    assert not wide.can_pay("a", 2, [("R", 0)])
    assert wide.metrics() == {"tokens_spent": 4.0, "tokens_spent.a": 4.0}
    binary = Wallet(Bidding(tokens=5, bids="binary"), {"a": 5})
    assert binary.can_pay("a", 1, [("R", 0)])
    assert not binary.can_pay("a", 1, [("R", 0), ("R", 1)])
    assert not Wallet(Bidding(tokens=0), {"a": 5}).can_pay("a", 1, [])


@pytest.mark.slow
def test_negotiate_bids_pay_for_wishes_and_cost_the_others_at_most_what_they_pay(tmp_path):
    sc = generate(20, 1, 3, load=0.9)

    def run(**bidding: object):
        options = {"mode": "synchronized", **bidding}
        s = sc.model_copy(update={"protocol_options": {"negotiate": options}})
        return run_scenario(s, protocol="negotiate", db=str(tmp_path / f"{len(bidding)}.db"))

    plain, bid = run().episodes[0], run(tokens=20).episodes[0]
    spent = bid.metrics["tokens_spent"]
    assert plain.metrics["tokens_spent"] == 0 and 0 < spent <= 20 * 20
    assert all(v <= 20 for k, v in bid.metrics.items() if k.startswith("tokens_spent."))
    assert bid.hard_violations <= plain.hard_violations
