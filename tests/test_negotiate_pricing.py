"""Priced rounds of ``negotiate``: the free capacity shared out between members that
re-plan at once."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from accord.protocols.negotiate.pricing import _split

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
