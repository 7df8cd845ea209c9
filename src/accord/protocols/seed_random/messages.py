"""The one message kind ``seed-random`` adds to those of ``classes``: the round budget
that stands in for the source project's 30-minute timer."""

from __future__ import annotations

from typing import Literal

from accord.model.messages import Body


class ProposalRound(Body):
    """Coordinator to a group: make this round's proposals, then send your ``GoalReport``."""

    kind: Literal["proposal_round"] = "proposal_round"
    round: int


KINDS: tuple[type[Body], ...] = (ProposalRound,)
"""Every kind this protocol owns (the others are ``classes``')."""
