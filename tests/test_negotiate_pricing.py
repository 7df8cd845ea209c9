"""Priced rounds of ``negotiate``: the free capacity shared out between members that
re-plan at once, and which colliding members re-plan at once."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from accord.protocols.negotiate.pricing import _apart, _split

KEYS = [(r, s) for r in ("room:A", "room:B", "curr:Q") for s in range(4)]


@given(st.lists(st.integers(-2, 3), min_size=len(KEYS), max_size=len(KEYS)),
       st.integers(0, 1000))
def test_each_unit_of_free_capacity_goes_to_one_member_that_can_use_it(amounts, seed):
    free = dict(zip(KEYS, amounts, strict=True))
    uses = {"D1": frozenset({"room:A", "room:B", "curr:Q"}),
            "D2": frozenset({"room:A", "room:B"})}  # D2 teaches no course of Q
    shares = _split(free, ["D1", "D2"], uses, random.Random(seed))
    for key, amount in free.items():
        if amount <= 0 or key[0] == "curr:Q":  # a collision, or one member's resource
            assert shares["D1"][key] == shares["D2"][key] == amount
        else:
            assert shares["D1"].get(key, 0) + shares["D2"].get(key, 0) == amount
            assert min(shares["D1"].get(key, 0), shares["D2"].get(key, 0)) >= 0


def test_the_share_out_is_the_same_for_the_same_draw():
    free = {k: 1 for k in KEYS}
    assert (_split(free, ["D1", "D2"], {}, random.Random("s/0/1/0"))
            == _split(free, ["D1", "D2"], {}, random.Random("s/0/1/0")))
    alone = _split(free, ["D1"], {}, random.Random(0))
    assert alone == {"D1": free}


def test_members_that_collide_with_each_other_never_replan_at_once():
    """D1 and D2 collide at A0, D3 and D4 at B1, D5 with nobody now. In the order given,
    at most two at a time: D1, then D2 with D3 (apart), then D4 (it collides with D3);
    D5 is not asked."""
    a, b = ("room:A", 0), ("room:B", 1)
    colliding = {"D1": {a}, "D2": {a}, "D3": {b}, "D5": set(), "D4": {b}}
    assert _apart(colliding, 2) == [["D1"], ["D2", "D3"], ["D4"]]
    assert _apart({"D1": {a}, "D3": {b}, "D2": {a}, "D4": {b}}, 2) == [["D1", "D3"],
                                                                       ["D2", "D4"]]
    assert _apart({"D1": {a}, "D3": {b}}, 1) == [["D1"], ["D3"]]


@given(st.dictionaries(st.sampled_from(["D1", "D2", "D3", "D4", "D5"]),
                       st.sets(st.sampled_from(KEYS), max_size=3)), st.integers(1, 4))
def test_apart_batches_share_no_colliding_key_and_keep_the_order(colliding, size):
    batches = _apart(colliding, size)
    assert [m for b in batches for m in b] == [m for m, ks in colliding.items() if ks]
    for b in batches:
        assert len(b) <= size
        keys = [k for m in b for k in colliding[m]]
        assert len(keys) == len(set(keys))
