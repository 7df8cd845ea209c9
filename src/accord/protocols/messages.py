"""The vocabulary of Requests for Change that the negotiating protocols share (``negotiate``,
``first-commit``, ``transport``): calls for plans, grants, refusals, changes, wishes, release
quotes and schedules. Usage, costs and reasons only: never an agent's private constraints."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from accord.model.messages import Body
from accord.model.plan import UsageEntry

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
    seconds: float | None = Field(default=None, description="wall seconds the time budget "
                                  "leaves (None: no limit)")


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
    seconds: float | None = Field(default=None, description="wall seconds the time budget "
                                  "leaves (None: no limit)")


class PricedCall(Body):
    """Manager to member: plan again against what the others ask for now; each unit of
    usage beyond ``free`` is allowed but costs ``price`` (in units of the member's cost).
    Answered by a PlanRequest."""

    kind: Literal["priced_call"] = "priced_call"
    round: int = Field(ge=0, description="the priced round (varies the solver seed)")
    free: list[UsageEntry]
    price: int = Field(ge=1, description="cost of a unit of usage beyond the free capacity")
    dear: list[UsageEntry] = Field(default_factory=list, description=(
        "a dearer cost of a unit beyond the free capacity at these keys (amount: price)"))
    work: WorkShare = 1.0
    seconds: Seconds = None


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
    tokens: int | None = Field(default=None, ge=0, description="with a wish: the tokens "
                                                               "the member may bid with")


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


class ScheduleQuery(Body):
    """Manager to member: report your planned slots (of the manager's resource)."""

    kind: Literal["schedule_query"] = "schedule_query"


class Schedule(Body):
    """A member's planned slots, as ``(slot, amount)`` pairs in its own order."""

    kind: Literal["schedule"] = "schedule"
    slots: list[tuple[int, int]]


class Substitution(BaseModel):
    """A unit of ``held`` at ``slot`` moved to ``other`` in the same slot (a lecture to
    another hall in its period)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    slot: int
    held: str
    other: str


class SwapOffer(BaseModel):
    """Substitutions made together, and the change of the member's cost they make."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    moves: list[Substitution] = Field(min_length=1)
    delta: int


class SwapCall(Body):
    """Manager to member: which of your units would you rather have in other resources of
    their slots? With ``asked`` (groups of your units, each with a resource given in
    exchange in its slot): the cheapest way to leave each group's units, into the
    resources given or the ``free`` ones. Answered by SwapOffers."""

    kind: Literal["swap_call"] = "swap_call"
    asked: list[list[Substitution]] | None = None
    free: list[UsageEntry] = Field(default_factory=list)


class SwapOffers(Body):
    """Member to manager: groups of substitutions with their change of its cost (without
    ``asked``: those that lower it; with it, one per group asked, in order)."""

    kind: Literal["swap_offers"] = "swap_offers"
    offers: list[SwapOffer]


class Swap(Body):
    """Manager to member: make these substitutions (room is made for them). Answered by a
    PlanRequest with the plan after them."""

    kind: Literal["swap"] = "swap"
    moves: list[Substitution] = Field(min_length=1)


KINDS: tuple[type[Body], ...] = (
    CallForPlans, PlanRequest, Grant, Refusal, PricedCall, CallForChanges, ChangeRequest,
    Recheck, Wishes, NoChange, ReleaseRequest, ReleaseQuote, Decline, ScheduleQuery, Schedule,
    SwapCall, SwapOffers, Swap)
"""Every kind of this vocabulary."""
