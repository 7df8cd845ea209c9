"""The dismissal domain's formats: the seeded generator and a CSV file per classroom."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import Exporter, Formats, Generator
from accord.domains.dismissal.export import per_classroom
from accord.domains.dismissal.generate import generate
from accord.domains.dismissal.scenario import DismissalScenario


class GenerateOptions(BaseModel):
    """``accord generate dismissal``."""

    model_config = ConfigDict(extra="forbid")
    classrooms: int = Field(default=30, ge=1, description="classrooms")
    bottlenecks: int = Field(default=1, ge=1, description="bottlenecks (exits)")
    seed: int = Field(default=1, description="seed of the draw")
    load: float = Field(default=0.7, ge=0.05, le=1.0,
                        description="share of batch capacity the students fill")


def _generate(o: GenerateOptions) -> DismissalScenario:
    return generate(o.classrooms, o.bottlenecks, o.seed, load=o.load)


FORMATS = Formats(generators=(Generator(
    name="dismissal", summary="A dismissal scenario that is feasible by construction.",
    options=GenerateOptions, make=_generate),),
    exporters=(Exporter(name="csv", summary="a CSV file per classroom", directory=True,
                        write=per_classroom),))
