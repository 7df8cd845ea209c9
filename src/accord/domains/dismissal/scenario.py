"""Staggered dismissal through shared bottlenecks: the scenario's shape."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from accord.model.scenario import Count, Positive, ScenarioBase

SEED_OFFSETS = [0, -2, 2, -4, 4, -6, 6]

Offset = Annotated[int, Field(ge=-24 * 60, le=24 * 60)]
"""Minutes from the bell, either way, within a day."""


class Bottleneck(BaseModel):
    """A shared exit: ``capacity_per_minute`` students, released in batches."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    capacity_per_minute: Positive
    batch_minutes: Positive

    @property
    def per_batch(self) -> int:
        """Students one batch lets through."""
        return self.capacity_per_minute * self.batch_minutes

    def batch_of(self, offset: int) -> int:
        """The batch an offset (minutes from the bell) falls in."""
        return offset // self.batch_minutes


class ClassroomPrivate(BaseModel):
    """What only the classroom knows, and never sends.

    ``acceptable_offsets`` (None: all the scenario's offsets), ``may_split`` its students over
    several offsets, the professor's ``willingness`` to accept an offer (used by the
    notebook's protocol) and ``reluctance``: how much the professor dislikes changing last
    week's pattern, which breaks ties between plans of equal official cost.
    """

    model_config = ConfigDict(extra="forbid")
    acceptable_offsets: list[int] | None = None
    may_split: bool = True
    willingness: float = Field(default=0.7, ge=0, le=1)
    reluctance: float = Field(default=1.0, ge=0)


class Classroom(BaseModel):
    """A classroom agent: attendance, its bottleneck, and its private data."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    attendance: Count
    bottleneck: str | None = None
    private: ClassroomPrivate = Field(default_factory=ClassroomPrivate)


class DismissalScenario(ScenarioBase):
    """Classrooms dismissing students through one or more bottlenecks."""

    domain: Literal["dismissal"] = "dismissal"
    episode_name: str = "episode"
    offsets: list[Offset] = Field(default_factory=lambda: list(SEED_OFFSETS), min_length=1)
    bottlenecks: list[Bottleneck] = Field(min_length=1)
    classrooms: list[Classroom] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> DismissalScenario:
        if len(set(self.offsets)) != len(self.offsets):
            raise ValueError("offsets: repeated offset")
        names = [b.id for b in self.bottlenecks] + [c.id for c in self.classrooms]
        dup = sorted(n for n, k in Counter(names).items() if k > 1)
        if dup:
            raise ValueError(f"agent ids must be unique; repeated: {', '.join(dup)}")
        known = {b.id for b in self.bottlenecks}
        for i, c in enumerate(self.classrooms):
            if c.bottleneck is None:
                if len(self.bottlenecks) > 1:
                    raise ValueError(f"classrooms[{i}].bottleneck: required when there are "
                                     "several bottlenecks")
            elif c.bottleneck not in known:
                raise ValueError(f"classrooms[{i}].bottleneck: unknown bottleneck "
                                 f"{c.bottleneck!r}")
            acc = c.private.acceptable_offsets
            if acc is not None:
                bad = sorted(set(acc) - set(self.offsets))
                if bad:
                    raise ValueError(f"classrooms[{i}].private.acceptable_offsets: {bad} not "
                                     "among the scenario's offsets")
                if not acc:
                    raise ValueError(f"classrooms[{i}].private.acceptable_offsets: empty")
        return self

    def bottleneck_of(self, classroom: Classroom) -> Bottleneck:
        """The bottleneck a classroom dismisses through."""
        name = classroom.bottleneck or self.bottlenecks[0].id
        return next(b for b in self.bottlenecks if b.id == name)

    def acceptable(self, classroom: Classroom) -> list[int]:
        """The offsets a classroom accepts, in the scenario's order."""
        acc = classroom.private.acceptable_offsets
        return [o for o in self.offsets if acc is None or o in acc]
