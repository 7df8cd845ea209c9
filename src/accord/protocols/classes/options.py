"""The options of ``classes``: the agents' utility and how they concede."""

from __future__ import annotations

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
    max_rounds: int = Field(default=20, ge=1, description="proposals and counter-proposals "
                            "of one class with one professor before the group gives up")
