"""The options of ``classes``: the agents' utility and how they concede."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClassesOptions(BaseModel):
    """Options of ``classes``: the agents' utility and how they concede."""

    model_config = ConfigDict(extra="forbid")
    acceptance_threshold: float = Field(default=0.7, ge=0, le=1, description="utility at "
                                        "or above which an agent accepts a proposal")
    concession: float = Field(default=0.05, ge=0, lt=1, description="share of the threshold "
                              "given up per negotiation round")
    priority_weight: float = Field(default=0.5, ge=0, description="weight of the weighted "
                                   "priority in the utility")
    preference_weight: float = Field(default=0.5, ge=0, description="weight of the "
                                     "preference in the utility")
    max_rounds: int | None = Field(
        default=None, ge=1, description="proposals and counter-proposals of one class with "
        "one professor before the group gives up (default: until one side has no untried "
        "time left, at most the starts of the week)")
    mode: Literal["concurrent", "synchronized"] = Field(
        default="concurrent", description="concurrent: every group negotiates at once (in "
        "memory deterministic; over NATS the order in which groups reach a professor varies "
        "with the network); synchronized: the coordinator gives the groups turns of one "
        "class each and every message is a request and its reply, so the result is the "
        "same on any bus")
