"""The message kinds of ``seed-offers`` (the source notebook's offers and commitments)."""

from __future__ import annotations

from typing import Literal

from accord.model.messages import Body, CommitmentRecord


class CapacityBroadcast(Body):
    """Bottleneck to classrooms: capacity per minute, per batch, and the total estimate."""

    kind: Literal["capacity_broadcast"] = "capacity_broadcast"
    episode_tag: str
    cap_per_min: int
    per_batch: int
    total_estimate: int


class FulfilTurn(Body):
    """Bottleneck to classroom: try to fulfil your due commitments against this slot map."""

    kind: Literal["fulfil_turn"] = "fulfil_turn"
    episode: int
    slot_map: list[tuple[int, int]]
    due: list[CommitmentRecord]


class FulfilDone(Body):
    """Classroom to bottleneck: the slot map after its attempts, and updated commitments."""

    kind: Literal["fulfil_done"] = "fulfil_done"
    slot_map: list[tuple[int, int]]
    updated: list[CommitmentRecord]


class FulfilGive(Body):
    """Proposer to acceptor: move up to ``amount`` of your students to ``slot`` (repayment)."""

    kind: Literal["fulfil_give"] = "fulfil_give"
    commitment_id: str
    slot: int
    amount: int


class Moved(Body):
    """Acceptor to proposer: how many students it moved, and from which slot."""

    kind: Literal["moved"] = "moved"
    from_slot: int
    amount: int


class ProposeCall(Body):
    """Bottleneck to classroom: make an offer to ``target`` about a congested offset."""

    kind: Literal["propose_call"] = "propose_call"
    episode: int
    target: str
    offset: int


class Offer(Body):
    """Proposer to acceptor: shift ``moved_students`` by ``shift_min`` from ``old_offset``."""

    kind: Literal["offer"] = "offer"
    offer_id: str
    old_offset: int
    shift_min: int
    moved_students: int
    episode_created: int


class OfferReply(Body):
    """Acceptor to proposer: accepted or rejected (the professor's decision)."""

    kind: Literal["offer_reply"] = "offer_reply"
    offer_id: str
    accepted: bool


class OfferOutcome(Body):
    """Proposer to bottleneck: what became of its offer (``None`` when it had none)."""

    kind: Literal["offer_outcome"] = "offer_outcome"
    offer: Offer | None
    accepted: bool


KINDS: tuple[type[Body], ...] = (
    CapacityBroadcast, FulfilTurn, FulfilDone, FulfilGive, Moved, ProposeCall, Offer, OfferReply,
    OfferOutcome)
"""Every kind this protocol owns."""
