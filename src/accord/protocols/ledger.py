"""The commitments ledger as a fairness device: who is owed goes first, debts fall due.

Amounts are in the domain's cost unit (student-minutes, seats…); ``detail['per_unit_x100']``
holds the same debt per unit of the creditor's size (per student), in hundredths, so that
priority compares burdens fairly between large and small members.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from accord.model.messages import CommitmentRecord
from accord.model.plan import UsageMap

PER_UNIT = "per_unit_x100"


def outstanding(record: CommitmentRecord) -> bool:
    """Whether a commitment still counts as owed (open, or missed past the threshold)."""
    return record.status != "fulfilled"


def credit(ledger: Iterable[CommitmentRecord], member: str) -> int:
    """What the member is owed minus what it owes, per unit of size (hundredths)."""
    total = 0
    for c in ledger:
        if outstanding(c):
            if c.creditor == member:
                total += c.detail.get(PER_UNIT, 0)
            elif c.debtor == member:
                total -= c.detail.get(PER_UNIT, 0)
    return total


def tiebreak(seed: int, episode: int, member: str) -> bytes:
    """A seeded, stable tie-break between members of equal credit."""
    return hashlib.sha256(f"{seed}:{episode}:{member}".encode()).digest()


def priority_order(
    members: Iterable[str], ledger: list[CommitmentRecord], seed: int, episode: int
) -> list[str]:
    """Members sorted most-owed first; ties broken by a seeded hash."""
    return sorted(members, key=lambda m: (-credit(ledger, m), tiebreak(seed, episode, m)))


def settle(
    manager: str,
    ledger: list[CommitmentRecord],
    new_debts: list[CommitmentRecord],
    granted: Mapping[str, tuple[UsageMap, int]],
    episode: int,
    threshold: int,
) -> list[CommitmentRecord]:
    """Close the episode: check commitments that fell due and record who is owed now.

    A commitment is fulfilled when its creditor carried at most the mean burden (cost per
    unit of size) this episode; otherwise it is missed and falls due again next episode,
    becoming a violation after ``threshold`` misses. Every member above the mean burden is
    owed the excess by the pool (the manager), and releasers are owed by who they made room
    for. Returns the updated and the new records.
    """
    size = {m: sum(u.values()) for m, (u, _) in granted.items()}
    burden = {m: c / size[m] if size[m] else 0.0 for m, (_, c) in granted.items()}
    total = sum(size.values())
    mean = sum(c for _, c in granted.values()) / total if total else 0.0
    out: list[CommitmentRecord] = []
    for c in ledger:
        if c.status == "fulfilled" or c.creditor not in granted or c.due_episode > episode:
            continue
        if burden[c.creditor] <= mean + 1e-9:
            out.append(c.model_copy(update={"status": "fulfilled", "fulfilled_episode": episode}))
        else:
            missed = c.times_missed + 1
            out.append(c.model_copy(update={
                "times_missed": missed, "due_episode": episode + 1,
                "status": "violated" if missed >= threshold else c.status}))
    for d in new_debts:
        per = round(100 * d.amount / size[d.creditor]) if size.get(d.creditor) else 0
        out.append(d.model_copy(update={"detail": {**d.detail, PER_UNIT: per}}))
    for m in sorted(granted):
        excess = burden[m] - mean
        if excess > 1e-9:
            out.append(CommitmentRecord(
                id=f"{manager}:e{episode}:pool>{m}", debtor=manager, creditor=m,
                amount=round(excess * size[m]), created_episode=episode,
                due_episode=episode + 1, detail={PER_UNIT: round(100 * excess)}))
    return out
