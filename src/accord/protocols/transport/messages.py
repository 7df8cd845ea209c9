"""The message kinds ``transport`` owns beyond the shared vocabulary: the office starting a
line's own stage, the line's moves, a quote of the fares a change adds, and a ward's
answer that it is busy with another line's proposal."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from accord.model.messages import Body
from accord.model.plan import UsageEntry
from accord.protocols.messages import KINDS as SHARED


class ImproveLine(Body):
    """Office to a line manager: run stage 2 on your line now."""

    kind: Literal["improve_line"] = "improve_line"
    episode: int


class LineMove(BaseModel):
    """One move a line applied: when (seconds since the episode began) and the global cost
    it changed (negative: saved)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    at_seconds: float = Field(ge=0)
    delta: int


class LineImproved(Body):
    """Line manager to office: its moves in stage 2, and the transport and penalty they
    changed in all."""

    kind: Literal["line_improved"] = "line_improved"
    moves: list[LineMove]
    transport_delta: int
    penalty_delta: int


class FareQuery(Body):
    """Office to a line manager: what would the line's cabs cost more if a ward released
    these seats and took those?"""

    kind: Literal["fare_query"] = "fare_query"
    release: list[UsageEntry]
    take: list[UsageEntry]


class Busy(Body):
    """Ward to a line manager: it holds another line's proposal open; ask again later."""

    kind: Literal["busy"] = "busy"


KINDS: tuple[type[Body], ...] = (*SHARED, ImproveLine, LineImproved, FareQuery, Busy)
"""Every kind ``transport`` speaks beyond the core ones."""
