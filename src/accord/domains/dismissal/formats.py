"""The dismissal domain's formats: the seeded generator and a CSV file per classroom."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from accord.contract import Exporter, Formats, Generator
from accord.domains.dismissal.export import per_classroom
from accord.domains.dismissal.generate import generate
from accord.domains.dismissal.scenario import DismissalScenario
from accord.model.limits import SEED_MAX, SEED_MIN

MAX_CLASSROOMS = 2_000
"""Classrooms a generated scenario has at most: an agent each, and the negotiation's
messages grow with them (measured: 2,000 generate and solve centrally in 3 s)."""


class GenerateOptions(BaseModel):
    """``accord generate dismissal``."""

    model_config = ConfigDict(extra="forbid")
    classrooms: int = Field(default=30, ge=1, le=MAX_CLASSROOMS, description="classrooms")
    bottlenecks: int = Field(default=1, ge=1, description="bottlenecks (exits), at most one "
                                                          "per classroom")
    seed: int = Field(default=1, ge=SEED_MIN, le=SEED_MAX, description="seed of the draw")
    load: float = Field(default=0.7, ge=0.05, le=1.0,
                        description="share of batch capacity the students fill")
    time_limit: float = Field(default=60.0, ge=1.0, le=86_400, description="wall seconds of "
                              "negotiate and central (stored)")

    @model_validator(mode="after")
    def _exits_have_classrooms(self) -> GenerateOptions:
        if self.bottlenecks > self.classrooms:
            raise ValueError(f"bottlenecks: {self.bottlenecks} exits for {self.classrooms} "
                             "classrooms; every exit needs a classroom")
        return self


def _generate(o: GenerateOptions) -> DismissalScenario:
    sc = generate(o.classrooms, o.bottlenecks, o.seed, load=o.load)
    return sc.model_copy(update={"protocol_options": {
        "negotiate": {"time_budget": o.time_limit},
        "central": {"time_limit": o.time_limit, "workers": 1}}})


FORMATS = Formats(generators=(Generator(
    name="dismissal", summary="A dismissal scenario that is feasible by construction.",
    options=GenerateOptions, make=_generate),),
    exporters=(Exporter(name="csv", summary="a CSV file per classroom", directory=True,
                        write=per_classroom),))
