"""The part of a scenario every domain shares, and one-line validation errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accord.model.errors import ScenarioError


class ScenarioBase(BaseModel):
    """Who takes part, what they share, which protocol with which options, and the seed.

    Domains subclass this with their agents and resources; unknown fields are errors.
    """

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    domain: str
    description: str = ""
    seed: int = 0
    episodes: int = Field(default=1, ge=1)
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
    elif "input" in err and not isinstance(err["input"], dict | list):
        msg = f"{msg} (got {err['input']!r})"
    return ScenarioError(source, where, msg)
