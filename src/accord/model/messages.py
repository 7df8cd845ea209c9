"""The wire contract: a closed union of message bodies inside a versioned envelope.

Every body is a small frozen pydantic model whose ``kind`` literal selects it; the
envelope repeats the kind so a router can dispatch without parsing the body. Bodies carry
usage, costs and public records only: never an agent's private constraints.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from accord.model.plan import UsageEntry

ENVELOPE_VERSION = 1


class Body(BaseModel):
    """Base of every message body: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class CommitmentRecord(BaseModel):
    """One ledger entry: ``debtor`` owes ``creditor`` ``amount`` (student-minutes, seats…)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    debtor: str
    creditor: str
    amount: int
    created_episode: int
    due_episode: int
    status: Literal["open", "fulfilled", "violated"] = "open"
    fulfilled_episode: int | None = None
    times_missed: int = 0
    detail: dict[str, int] = Field(default_factory=dict)


# --- run control (director <-> agents) ---------------------------------------------------


class EpisodeStart(Body):
    """Director to a manager: negotiate this episode, with the ledger as it stands."""

    kind: Literal["episode_start"] = "episode_start"
    episode: int
    ledger: list[CommitmentRecord] = Field(default_factory=list)


class EpisodeDone(Body):
    """Manager to director: the episode is settled; ledger entries created or updated."""

    kind: Literal["episode_done"] = "episode_done"
    episode: int
    rounds: int
    ledger: list[CommitmentRecord] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict)


class PlanQuery(Body):
    """Director to a scheduling agent: report the plan you hold for this episode."""

    kind: Literal["plan_query"] = "plan_query"
    episode: int


class PlanReport(Body):
    """A scheduling agent's agreed plan: its timetable and usage, not its constraints."""

    kind: Literal["plan_report"] = "plan_report"
    episode: int
    assignment: dict[str, Any]
    cost: int
    usage: list[UsageEntry]


class ErrorReply(Body):
    """Reply to a message that could not be handled (unknown kind, bad body, bad state)."""

    kind: Literal["error"] = "error"
    reason: str


class Ack(Body):
    """Plain acknowledgement."""

    kind: Literal["ack"] = "ack"


# --- capacity negotiation (protocol ``negotiate``) -----------------------------------------


WorkShare = Annotated[float, Field(
    gt=0, le=1, description="share of its usual solver work the agent may spend (less "
                            "when the time budget is nearly spent)")]

Seconds = Annotated[float | None, Field(
    default=None, ge=0, description="wall seconds the time budget leaves: every solve for "
                                    "the answer stops by then, counted from the message's "
                                    "arrival (None: no budget)")]


class CallForPlans(Body):
    """Manager to member: propose a plan within the free capacity listed."""

    kind: Literal["call_for_plans"] = "call_for_plans"
    episode: int
    free: list[UsageEntry]
    work: WorkShare = 1.0


class PlanRequest(Body):
    """Member to manager: the usage it asks for, and its local cost with it.

    ``overflow`` is true when no plan fits the free capacity and the usage exceeds it.
    """

    kind: Literal["plan_request"] = "plan_request"
    usage: list[UsageEntry]
    cost: int
    overflow: bool = False


class Grant(Body):
    """Manager to member: this usage is granted; hold it."""

    kind: Literal["grant"] = "grant"
    usage: list[UsageEntry]


class Refusal(Body):
    """Manager to member: not granted, with the reason and the capacity still free."""

    kind: Literal["refusal"] = "refusal"
    reason: str
    free: list[UsageEntry]
    attempt: int = Field(default=0, ge=0, description="how many re-plans were asked before")
    work: WorkShare = 1.0


class CallForChanges(Body):
    """Manager to member: capacity now free; send a Request for Change if it helps.

    With ``wish``, ``capacity`` is the full capacity and the member answers with the
    changes it would make if room held by others in one slot were freed.
    """

    kind: Literal["call_for_changes"] = "call_for_changes"
    round: int
    free: list[UsageEntry]
    wish: bool = False
    capacity: list[UsageEntry] = Field(default_factory=list)
    work: WorkShare = 1.0
    seconds: Seconds = None


class ChangeRequest(Body):
    """Member to manager: a Request for Change with its Expected Gain (cost decrease)."""

    kind: Literal["change_request"] = "change_request"
    usage: list[UsageEntry]
    expected_gain: int


class Recheck(Body):
    """Manager to member: others moved since you proposed this change; is it still a gain
    with ``free`` as it is now? (Answered by a ChangeRequest with the gain now, or
    NoChange.)"""

    kind: Literal["recheck"] = "recheck"
    usage: list[UsageEntry]
    free: list[UsageEntry]


class WishOption(BaseModel):
    """One change a member would make if the manager found it room: usage and gain."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    usage: list[UsageEntry]
    expected_gain: int


class Wishes(Body):
    """Member to manager: changes that need room others hold, best first."""

    kind: Literal["wishes"] = "wishes"
    options: list[WishOption]


class NoChange(Body):
    """Member to manager: nothing to gain."""

    kind: Literal["no_change"] = "no_change"


class ReleaseRequest(Body):
    """Manager to holder: how much would it cost you to move these amounts out of their
    slots (with ``free`` to move into)?"""

    kind: Literal["release_request"] = "release_request"
    release: list[UsageEntry] = Field(min_length=1)
    free: list[UsageEntry]
    attempt: int = Field(default=0, ge=0, description="varies the holder's solver seed")
    work: WorkShare = 1.0
    seconds: Seconds = None


class ReleaseQuote(Body):
    """Holder to manager: the usage after releasing, and the cost increase it means."""

    kind: Literal["release_quote"] = "release_quote"
    usage: list[UsageEntry]
    cost_delta: int


class Decline(Body):
    """Member to manager: cannot do what was asked (without saying why in private terms)."""

    kind: Literal["decline"] = "decline"
    reason: str


# --- the notebook's offers protocol (``seed-offers``) --------------------------------------


class CapacityBroadcast(Body):
    """Bottleneck to classrooms: capacity per minute, per batch, and the total estimate."""

    kind: Literal["capacity_broadcast"] = "capacity_broadcast"
    episode_tag: str
    cap_per_min: int
    per_batch: int
    total_estimate: int


class ScheduleQuery(Body):
    """Bottleneck to classroom: report your planned slots."""

    kind: Literal["schedule_query"] = "schedule_query"


class Schedule(Body):
    """Classroom's planned slots, as ``(offset, students)`` pairs in its own order."""

    kind: Literal["schedule"] = "schedule"
    slots: list[tuple[int, int]]


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


MessageBody = Annotated[
    EpisodeStart
    | EpisodeDone
    | PlanQuery
    | PlanReport
    | ErrorReply
    | Ack
    | CallForPlans
    | PlanRequest
    | Grant
    | Refusal
    | CallForChanges
    | ChangeRequest
    | Recheck
    | Wishes
    | NoChange
    | ReleaseRequest
    | ReleaseQuote
    | Decline
    | CapacityBroadcast
    | ScheduleQuery
    | Schedule
    | FulfilTurn
    | FulfilDone
    | FulfilGive
    | Moved
    | ProposeCall
    | Offer
    | OfferReply
    | OfferOutcome,
    Field(discriminator="kind"),
]


class Envelope(BaseModel):
    """What a bus carries: version, run, ids, addresses, kind and the typed body."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    v: Literal[1] = 1
    run: str
    id: str
    sender: str
    recipient: str
    kind: str
    body: MessageBody
    in_reply_to: str | None = None
    sent_at: float

    @model_validator(mode="after")
    def _kind_matches_body(self) -> Envelope:
        if self.kind != self.body.kind:
            raise ValueError(f"envelope kind {self.kind!r} does not match body kind")
        return self

    def to_json(self) -> str:
        """Canonical JSON text (sorted keys) of the envelope."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


_ENVELOPE = TypeAdapter(Envelope)


class MalformedMessage(ValueError):
    """A message failed validation; ``reason`` is one line."""


def parse_envelope(data: bytes | str | dict[str, Any]) -> Envelope:
    """Validate raw wire data into an envelope, or raise MalformedMessage with one line."""
    try:
        if isinstance(data, dict):
            return _ENVELOPE.validate_python(data)
        return _ENVELOPE.validate_json(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "envelope"
        raise MalformedMessage(f"{loc}: {err['msg']}") from None


def envelope_schema() -> dict[str, Any]:
    """The published JSON Schema of the envelope and every body kind."""
    schema = _ENVELOPE.json_schema()
    schema["$id"] = f"https://accord.invalid/schema/envelope-v{ENVELOPE_VERSION}.json"
    schema["title"] = f"accord message envelope v{ENVELOPE_VERSION}"
    return schema
