"""Plans and usage: what an agent decides and what it reveals of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Key = tuple[str, int]
"""A (resource, slot) pair: one unit of a shared resource in time."""

UsageMap = dict[Key, int]


class UsageEntry(BaseModel):
    """How much of one resource an agent uses in one slot."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    resource: str
    slot: int
    amount: int = Field(ge=0)


def to_entries(usage: Mapping[Key, int]) -> list[UsageEntry]:
    """Serialise a usage map, sorted, dropping zeros."""
    return [UsageEntry(resource=r, slot=s, amount=a) for (r, s), a in sorted(usage.items()) if a]


def from_entries(entries: Iterable[UsageEntry]) -> UsageMap:
    """Turn wire entries back into a usage map (amounts of repeated keys add up)."""
    out: UsageMap = {}
    for e in entries:
        if e.amount:
            out[(e.resource, e.slot)] = out.get((e.resource, e.slot), 0) + e.amount
    return out


def add_usage(total: UsageMap, usage: Mapping[Key, int], sign: int = 1) -> None:
    """Add (or with sign=-1 remove) one usage map into a running total, in place."""
    for k, a in usage.items():
        total[k] = total.get(k, 0) + sign * a


class Plan(BaseModel):
    """An agent's decision for one episode.

    ``assignment`` is the domain's own description of the decision, ``cost`` its official
    local cost with ``breakdown`` by named constraint, and ``usage`` what it takes of shared
    resources: the only part that crosses the wire during negotiation.
    """

    model_config = ConfigDict(extra="forbid")
    agent: str
    assignment: dict[str, Any]
    cost: int
    breakdown: dict[str, int] = Field(default_factory=dict)
    usage: list[UsageEntry] = Field(default_factory=list)

    def usage_map(self) -> UsageMap:
        """The plan's usage as a map."""
        return from_entries(self.usage)
