"""The source notebook's simulation (seeds/000), ported as a test oracle.

Kept as close to the notebook as possible, with the two changes accord's ``seed-offers``
documents: each acceptor draws from its own seeded generator, and a fulfilled commitment
moves the acceptor's own students instead of adding new ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class Commitment:
    proposer: str
    acceptor: str
    shift_min: int
    moved_students: int
    due_episode: int
    fulfilled: bool = False
    times_missed: int = 0


def _add(slots, offset, count):
    out, found = [], False
    for off, cnt in slots:
        if off == offset:
            out.append((off, cnt + count))
            found = True
        else:
            out.append((off, cnt))
    if not found:
        out.append((offset, count))
    return out


class Classroom:
    def __init__(self, id_, attendance, willingness, per_batch, offsets):
        self.id, self.attendance, self.willingness = id_, attendance, willingness
        self.per_batch, self.offsets = per_batch, offsets
        self.slots: list[tuple[int, int]] = []

    def apply_offer(self, old, shift, moved_students):
        moved, updated, kept = moved_students, False, []
        for off, cnt in self.slots:
            if off == old and not updated:
                take = min(cnt, moved)
                if cnt - take > 0:
                    kept.append((off, cnt - take))
                moved -= take
                updated = True
            else:
                kept.append((off, cnt))
        shifted = moved_students - moved
        self.slots = _add(kept, old + shift, shifted) if shifted else kept

    def reduce_load(self, amount, forbidden, slot_map):
        for i, (src, cnt) in enumerate(list(self.slots)):
            if src == forbidden or cnt <= 0:
                continue
            take = min(cnt, amount)
            for tgt in self.offsets:
                if tgt in (forbidden, src):
                    continue
                if slot_map.get(tgt, 0) + take <= self.per_batch:
                    self.slots[i] = (src, cnt - take)
                    self.slots = [(o, n) for o, n in _add(self.slots, tgt, take) if n > 0]
                    slot_map[src] = slot_map.get(src, 0) - take
                    slot_map[tgt] = slot_map.get(tgt, 0) + take
                    return True
        return False

    def fulfill(self, commitments, ep, slot_map, by_id, threshold):
        for com in commitments:
            if com.proposer != self.id or com.due_episode != ep or com.fulfilled:
                continue
            acc = by_id[com.acceptor]
            target = acc.slots[0][0] + abs(com.shift_min)
            to_give = min(com.moved_students, max(0, self.per_batch - slot_map.get(target, 0)))
            if to_give <= 0:
                if self.reduce_load(com.moved_students, target, slot_map):
                    to_give = min(com.moved_students,
                                  max(0, self.per_batch - slot_map.get(target, 0)))
                else:
                    com.times_missed += 1
                    continue
            if to_give > 0:
                if self.reduce_load(to_give, target, slot_map):
                    first, cnt = acc.slots[0]
                    n = min(to_give, cnt)
                    rest = [(first, cnt - n), *acc.slots[1:]] if cnt - n else acc.slots[1:]
                    acc.slots = _add(rest, target, n)
                    slot_map[first] = slot_map.get(first, 0) - n
                    slot_map[target] = slot_map.get(target, 0) + n
                    com.fulfilled = True
                else:
                    com.times_missed += 1


def simulate(attendance, willingness, per_batch, offsets, rounds, threshold, seed, episodes):
    """Run the notebook; returns each episode's final slots per classroom."""
    rooms = [Classroom(f"C{i + 1}", a, willingness, per_batch, offsets)
             for i, a in enumerate(attendance)]
    by_id = {c.id: c for c in rooms}
    commitments: list[Commitment] = []
    history = []

    def slot_map():
        m: dict[int, int] = {}
        for c in rooms:
            for off, cnt in c.slots:
                m[off] = m.get(off, 0) + cnt
        return m

    for ep in range(1, episodes + 1):
        rngs = {c.id: random.Random(f"{seed}:{ep}:{c.id}") for c in rooms}
        for c in rooms:
            c.slots = [(0, c.attendance)]
        sm = slot_map()
        for c in rooms:
            c.fulfill(commitments, ep, sm, by_id, threshold)
        for _ in range(rounds):
            congested = [o for o, v in slot_map().items() if v > per_batch]
            if not congested:
                break
            for off in congested:
                holders = [c for c in rooms if any(s[0] == off for s in c.slots)]
                if len(holders) >= 2:
                    a1, a2 = holders[0], holders[1]
                    amount = next((min(n, per_batch) for o, n in a1.slots if o == off), 0)
                    if amount <= 0:
                        continue
                    if rngs[a2.id].random() < a2.willingness:
                        a2.apply_offer(off, -2, amount)
                        commitments.append(Commitment(a1.id, a2.id, -2, amount, ep + 1))
        history.append({c.id: {o: n for o, n in c.slots} for c in rooms})
    return history
