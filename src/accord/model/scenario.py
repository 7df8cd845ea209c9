"""The part of a scenario every domain shares, and one-line validation errors."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accord.model.errors import ScenarioError
from accord.model.limits import COUNT_MAX, SEED_MAX, SEED_MIN

Count = Annotated[int, Field(ge=0, le=COUNT_MAX)]
"""A count of zero or more, at most ``COUNT_MAX``."""

Positive = Annotated[int, Field(ge=1, le=COUNT_MAX)]
"""A count of one or more, at most ``COUNT_MAX``."""


class ScenarioBase(BaseModel):
    """Who takes part, what they share, which protocol with which options, and the seed.

    Domains subclass this with their agents and resources; unknown fields are errors.
    """

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    domain: str
    description: str = ""
    seed: int = Field(default=0, ge=SEED_MIN, le=SEED_MAX)
    episodes: int = Field(default=1, ge=1, le=COUNT_MAX)
    protocol: str = "negotiate"
    protocol_options: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def options_for(self, protocol: str) -> dict[str, Any]:
        """The raw options this scenario gives a protocol (empty when none)."""
        return dict(self.protocol_options.get(protocol, {}))


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def validation_error(source: str, exc: ValidationError, prefix: str = "") -> ScenarioError:
    """Turn the first pydantic error into a one-line ScenarioError naming the field."""
    err = exc.errors()[0]
    where = _loc(tuple(err["loc"]))
    if prefix:
        where = f"{prefix}.{where}" if where else prefix
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "value_error":  # a validator's own message names the field
        msg = msg.removeprefix("Value error, ")
    elif "input" in err and not isinstance(err["input"], dict | list):
        msg = f"{msg} (got {err['input']!r})"
    return ScenarioError(source, where, msg)
