"""Helpers the protocols share: whether usage fits free capacity, and members' seeds."""

from __future__ import annotations

import hashlib

from accord.model.plan import Key, UsageMap, add_usage


def fits(usage: UsageMap, free: dict[Key, int]) -> bool:
    """Whether a usage fits the free capacity."""
    return all(a <= free.get(k, 0) for k, a in usage.items())


def overflow(usage: UsageMap, free: dict[Key, int]) -> int:
    """How far a usage exceeds the free capacity, summed over its keys."""
    return sum(max(0, a - max(0, free.get(k, 0))) for k, a in usage.items())


def combine(free: dict[Key, int], usage: UsageMap) -> dict[Key, int]:
    """The free capacity with ``usage`` given back."""
    out = dict(free)
    add_usage(out, usage)
    return out


def member_seed(seed: int, name: str) -> int:
    """A member's solver seed, derived from the scenario seed and its name."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{name}".encode()).digest()[:4], "big") % 2**31
