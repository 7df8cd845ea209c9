"""Options of the ``transport`` protocol, and what its agents share: asking in turn or at
once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import ConfigDict, Field

from accord.model.messages import Body, Envelope
from accord.protocols.tokens import Bidding
from accord.runtime.agent import Agent


class TransportOptions(Bidding):
    """The seed's three stages: alone, per line, Requests for Change."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["synchronized", "concurrent"] = Field(
        default="concurrent", description="one line manager / ward acts at a time, or all "
                                          "lines (and wards) at once")
    stages: int = Field(default=3, ge=1, le=3, description="stop after this stage")
    solve_work: float = Field(default=1.0, gt=0,
                              description="a ward's solve budget, in CP-SAT deterministic units")
    first_work: float | None = Field(default=None, gt=0,
                                     description="stage 1's solve budget (None: solve_work)")
    penalty_slack: int = Field(default=40, ge=0,
                               description="stage 2: a ward accepts a proposal only while its "
                                           "penalty stays within this of its stage-1 penalty")
    stage2_rounds: int = Field(default=200, ge=0, description="accepted moves per line at most")
    stage3_rounds: int = Field(default=20, ge=0, description="Request-for-Change rounds at most")
    trade: bool = Field(default=True,
                        description="stage 3: a ward may also request a worse penalty when the "
                                    "cabs it frees are worth more (else only a better one)")
    restarts: int = Field(default=30, ge=0,
                          description="stage 3, once Requests for Change stop: restarts at most "
                                      "(every ward re-plans with one line's seats at a full "
                                      "cab's cost per seat, Requests for Change follow, the "
                                      "better state is kept)")
    overlap: bool = Field(default=False,
                          description="concurrent: lines and wards go on while others solve "
                                      "(as over a network; not reproducible)")
    time_budget: float | None = Field(
        default=None, gt=0, description="wall seconds per episode: stage 2 stops at half of "
                                        "it, stage 3 at all of it (None: until nothing helps)")


async def ask(agent: Agent, calls: Sequence[tuple[str, Body]], mode: str) -> list[Envelope]:
    """Send requests at once (concurrent) or one after the other (synchronized)."""
    if mode == "concurrent":
        return await agent.request_all(calls)
    return [await agent.request(to, body) for to, body in calls]
