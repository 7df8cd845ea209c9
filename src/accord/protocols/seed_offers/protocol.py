"""``seed-offers``: the source notebook's mechanism, reproduced as a baseline.

Each episode starts with every classroom at offset 0. Commitments due this episode are
attempted (the proposer frees room, the acceptor moves back), then up to ``max_rounds``
rounds: for each congested offset the first two classrooms there trade an offer to shift
2 minutes earlier, accepted with the professor's willingness; an accepted offer becomes a
commitment due next episode. Missed fulfilments count ``times_missed``; at the violation
threshold the commitment is marked violated.

One deliberate difference from the notebook: when a commitment is fulfilled the acceptor
*moves* its own students to the freed slot, where the notebook added new students to it
(so its slot map could count more students than attend). Everything else, including the
order of offers and the slot-map bookkeeping, follows the notebook.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import (
    Capability,
    Cast,
    Domain,
    OffersBottleneck,
    OffersMarket,
    OffersParty,
    Protocol,
)
from accord.model.messages import (
    Ack,
    CommitmentRecord,
    EpisodeDone,
    EpisodeStart,
    PlanQuery,
    PlanReport,
)
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.messages import Schedule, ScheduleQuery
from accord.protocols.seed_offers.messages import (
    KINDS,
    CapacityBroadcast,
    FulfilDone,
    FulfilGive,
    FulfilTurn,
    Moved,
    Offer,
    OfferOutcome,
    OfferReply,
    ProposeCall,
)
from accord.runtime.agent import Agent, expect

Slots = list[tuple[int, int]]


class SeedOffersOptions(BaseModel):
    """The notebook's parameters."""

    model_config = ConfigDict(extra="forbid")
    max_rounds: int = Field(default=5, ge=0)
    violation_threshold: int = Field(default=3, ge=1)
    shift_minutes: int = Field(default=-2, description="shift an offer asks for")


def _add(slots: Slots, offset: int, count: int) -> Slots:
    """Add students at an offset, merging into an existing entry (the notebook's merge)."""
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


class OffersClassroom(Agent):
    """The notebook's ClassroomAgent, answering messages instead of being called."""

    role = "classroom"

    def __init__(self, market: OffersMarket, party: OffersParty, per_batch: int,
                 opts: SeedOffersOptions) -> None:
        super().__init__(party.id)
        self.market, self.party, self.opts = market, party, opts
        self.slots: Slots = []
        self.per_batch = per_batch
        self.rng = random.Random(0)

    async def on_capacity_broadcast(self, msg: CapacityBroadcast, env: object) -> Ack:
        self.per_batch = msg.per_batch
        self.slots = [(0, self.party.attendance)]
        episode = msg.episode_tag.rsplit("_ep", 1)[-1]
        self.rng = random.Random(f"{self.market.seed}:{episode}:{self.id}")
        return Ack()

    async def on_schedule_query(self, msg: ScheduleQuery, env: object) -> Schedule:
        return Schedule(slots=list(self.slots))

    async def on_propose_call(self, msg: ProposeCall, env: object) -> OfferOutcome:
        amount = next((min(cnt, self.per_batch) for off, cnt in self.slots
                       if off == msg.offset), 0)
        if amount <= 0:
            return OfferOutcome(offer=None, accepted=False)
        offer = Offer(offer_id=f"offer_{self.id}_to_{msg.target}_ep{msg.episode}_o{msg.offset}",
                      old_offset=msg.offset, shift_min=self.opts.shift_minutes,
                      moved_students=amount, episode_created=msg.episode)
        reply = expect(await self.request(msg.target, offer), OfferReply)
        return OfferOutcome(offer=offer, accepted=reply.accepted)

    async def on_offer(self, msg: Offer, env: object) -> OfferReply:
        accepted = self.rng.random() < self.party.willingness
        if accepted:
            self._apply(msg)
        return OfferReply(offer_id=msg.offer_id, accepted=accepted)

    def _apply(self, offer: Offer) -> None:
        moved, updated, kept = offer.moved_students, False, []
        for off, cnt in self.slots:
            if off == offer.old_offset and not updated:
                take = min(cnt, moved)
                if cnt - take > 0:
                    kept.append((off, cnt - take))
                moved -= take
                updated = True
            else:
                kept.append((off, cnt))
        shifted = offer.moved_students - moved
        self.slots = _add(kept, offer.old_offset + offer.shift_min, shifted) if shifted else kept

    async def on_fulfil_give(self, msg: FulfilGive, env: object) -> Moved:
        first, cnt = self.slots[0]
        n = min(msg.amount, cnt)
        rest = [(first, cnt - n), *self.slots[1:]] if cnt - n else self.slots[1:]
        self.slots = _add(rest, msg.slot, n)
        return Moved(from_slot=first, amount=n)

    def _reduce_load(self, amount: int, forbidden: int, slot_map: dict[int, int]) -> bool:
        for i, (src, cnt) in enumerate(list(self.slots)):
            if src == forbidden or cnt <= 0:
                continue
            take = min(cnt, amount)
            for tgt in self.market.offsets:
                if tgt in (forbidden, src):
                    continue
                if slot_map.get(tgt, 0) + take <= self.per_batch:
                    self.slots[i] = (src, cnt - take)
                    self.slots = [(o, n) for o, n in _add(self.slots, tgt, take) if n > 0]
                    slot_map[src] = slot_map.get(src, 0) - take
                    slot_map[tgt] = slot_map.get(tgt, 0) + take
                    return True
        return False

    async def on_fulfil_turn(self, msg: FulfilTurn, env: object) -> FulfilDone:
        slot_map = dict(msg.slot_map)
        updated = []
        for com in msg.due:
            acc = expect(await self.request(com.creditor, ScheduleQuery()), Schedule)
            target = acc.slots[0][0] + abs(com.detail["shift_min"])
            moved = com.detail["moved_students"]
            to_give = min(moved, max(0, self.per_batch - slot_map.get(target, 0)))
            if to_give <= 0:
                if self._reduce_load(moved, target, slot_map):
                    to_give = min(moved, max(0, self.per_batch - slot_map.get(target, 0)))
                else:
                    updated.append(self._missed(com))
                    continue
            if to_give > 0:
                if self._reduce_load(to_give, target, slot_map):
                    got = expect(await self.request(com.creditor, FulfilGive(
                        commitment_id=com.id, slot=target, amount=to_give)), Moved)
                    slot_map[got.from_slot] = slot_map.get(got.from_slot, 0) - got.amount
                    slot_map[target] = slot_map.get(target, 0) + got.amount
                    updated.append(com.model_copy(update={
                        "status": "fulfilled", "fulfilled_episode": msg.episode}))
                else:
                    updated.append(self._missed(com))
        return FulfilDone(slot_map=list(slot_map.items()), updated=updated)

    def _missed(self, com: CommitmentRecord) -> CommitmentRecord:
        missed = com.times_missed + 1
        status = "violated" if missed >= self.opts.violation_threshold else com.status
        return com.model_copy(update={"times_missed": missed, "status": status})

    async def on_plan_query(self, msg: PlanQuery, env: object) -> PlanReport:
        students: dict[int, int] = {}
        for off, cnt in self.slots:
            students[off] = students.get(off, 0) + cnt
        p = self.party.plan(students)
        return PlanReport(episode=msg.episode, assignment=p.assignment, cost=p.cost, usage=p.usage)


class OffersBottleneckAgent(Agent):
    """The notebook's BottleneckAgent plus its simulation loop, as a manager."""

    role = "bottleneck"

    def __init__(self, market: OffersMarket, bottleneck: OffersBottleneck,
                 opts: SeedOffersOptions) -> None:
        super().__init__(bottleneck.id)
        self.market, self.b, self.opts = market, bottleneck, opts
        self.members = list(bottleneck.members)
        self.attendance = sum(market.parties[m].attendance for m in self.members)

    async def _schedules(self) -> dict[str, Slots]:
        replies = await self.request_all([(m, ScheduleQuery()) for m in self.members])
        return {m: expect(r, Schedule).slots for m, r in zip(self.members, replies, strict=True)}

    async def _slot_map(self) -> dict[int, int]:
        slot_map: dict[int, int] = {}
        for slots in (await self._schedules()).values():
            for off, cnt in slots:
                slot_map[off] = slot_map.get(off, 0) + cnt
        return slot_map

    async def on_episode_start(self, msg: EpisodeStart, env: object) -> EpisodeDone:
        ep = msg.episode
        ledger = {c.id: c for c in msg.ledger if c.debtor in self.members}
        cast = CapacityBroadcast(episode_tag=f"{self.market.episode_name}_ep{ep}",
                                 cap_per_min=self.b.capacity_per_minute,
                                 per_batch=self.b.per_batch, total_estimate=self.attendance)
        for r in await self.request_all([(m, cast) for m in self.members]):
            expect(r, Ack)
        slot_map = await self._slot_map()
        for m in self.members:
            due = sorted((c for c in ledger.values() if c.debtor == m and c.due_episode == ep
                          and c.status != "fulfilled"),
                         key=lambda c: (c.created_episode, c.detail.get("order", 0)))
            if due:
                done = expect(await self.request(m, FulfilTurn(
                    episode=ep, slot_map=list(slot_map.items()), due=due)), FulfilDone)
                slot_map = dict(done.slot_map)
                ledger.update({c.id: c for c in done.updated})
        rounds = 0
        for rnd in range(self.opts.max_rounds):
            congested = [o for o, n in (await self._slot_map()).items() if n > self.b.per_batch]
            if not congested:
                break
            rounds = rnd + 1
            for off in congested:
                schedules = await self._schedules()
                holders = [m for m in self.members if any(o == off for o, _ in schedules[m])]
                if len(holders) < 2:
                    continue
                call = ProposeCall(episode=ep, target=holders[1], offset=off)
                out = expect(await self.request(holders[0], call), OfferOutcome)
                if out.offer is not None and out.accepted:
                    o = out.offer
                    com = CommitmentRecord(
                        id=f"com_{o.offer_id}_r{rnd}", debtor=holders[0], creditor=holders[1],
                        amount=o.moved_students, created_episode=ep, due_episode=ep + 1,
                        detail={"shift_min": o.shift_min, "moved_students": o.moved_students,
                                "order": len(ledger)})
                    ledger[com.id] = com
        changed = [c for c in ledger.values() if c not in msg.ledger]
        return EpisodeDone(episode=ep, rounds=rounds, ledger=changed)


class SeedOffersProtocol(Protocol[SeedOffersOptions]):
    """The protocol object registered as ``seed-offers``."""

    name = "seed-offers"
    summary = "the source notebook's pairwise offers and commitments (baseline)"
    options_type = SeedOffersOptions
    requires = frozenset({Capability.OFFERS})
    feasible = False  # the notebook's mechanism leaves batches over capacity
    messages = (*KINDS, ScheduleQuery, Schedule)

    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: SeedOffersOptions,
             anchors: dict[str, Plan]) -> Cast:
        market = domain.offers(scenario)
        managers = [OffersBottleneckAgent(market, b, options) for b in market.bottlenecks]
        members = [OffersClassroom(market, market.parties[m], b.per_batch, options)
                   for b in market.bottlenecks for m in b.members]
        order = {m: i for i, m in enumerate(market.parties)}
        return Cast(managers=managers, members=sorted(members, key=lambda a: order[a.id]))
