"""The nursing domain's formats: the toy hospital generator, the Curtois & Qu importer,
and each ward's roster as a CSV or iCalendar file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import Exporter, Formats, Generator, Importer
from accord.domains.nursing.export import per_ward
from accord.domains.nursing.generate import generate
from accord.domains.nursing.hospital import curtois_hospital
from accord.domains.nursing.scenario import NursingScenario
from accord.model.limits import SEED_MAX, SEED_MIN

MAX_WARDS, MAX_NURSES, MAX_LINES = 40, 300, 50
"""Sizes generated or imported at most: ten times the seed's hospital (4 wards × 30
nurses, 5 lines) and more lines than wards could share; a ward's model has a variable per
nurse and shift, and a line's manager a proposal per ward and shift."""


class GenerateOptions(BaseModel):
    """``accord generate nursing``."""

    model_config = ConfigDict(extra="forbid")
    wards: int = Field(default=4, ge=1, le=MAX_WARDS, description="wards")
    nurses: int = Field(default=30, ge=1, le=MAX_NURSES, description="nurses per ward")
    lines: int = Field(default=5, ge=1, le=MAX_LINES, description="transportation lines")
    seed: int = Field(default=1, ge=SEED_MIN, le=SEED_MAX, description="seed of the draw")
    time_limit: float = Field(default=60.0, ge=1.0, le=86_400, description="wall seconds of "
                              "transport, negotiate and central (stored)")


def _generate(o: GenerateOptions) -> NursingScenario:
    sc = generate(o.wards, o.nurses, o.lines, o.seed)
    return sc.model_copy(update={"protocol_options": {
        "transport": {"time_budget": o.time_limit},
        "negotiate": {"time_budget": o.time_limit},
        "central": {"time_limit": o.time_limit, "workers": 1}}})


class CurtoisOptions(BaseModel):
    """``accord import curtois``."""

    model_config = ConfigDict(extra="forbid")
    files: list[Path] = Field(min_length=1, max_length=MAX_WARDS,
                              json_schema_extra={"argument": True},
                              description="Curtois & Qu instance(s); one ward each")
    lines: int = Field(default=0, ge=0, le=MAX_LINES,
                       description="transportation lines (0: nobody rides, the cost is the "
                                   "benchmark's)")
    seed: int = Field(default=1, ge=SEED_MIN, le=SEED_MAX,
                      description="draws the lines and each nurse's home line")
    time_limit: float = Field(default=60.0, ge=1.0, le=86_400,
                              description="wall seconds of transport, negotiate and central "
                                          "(stored)")


def _curtois(o: CurtoisOptions) -> tuple[NursingScenario, str]:
    sc = curtois_hospital(o.files, o.lines, o.seed, budget=o.time_limit)
    return sc, f"{sc.description}: {sum(len(w.home_lines()) for w in sc.wards)} nurses ride"


FORMATS = Formats(
    generators=(Generator(name="nursing", options=GenerateOptions, make=_generate,
                          summary="The seed's toy hospital: wards, nurses, 21 shifts, "
                                  "transportation lines."),),
    importers=(Importer(name="curtois", options=CurtoisOptions, read=_curtois,
                        summary="A nursing scenario whose wards are benchmark instances, "
                                "sharing seeded lines."),),
    exporters=(
        Exporter(name="csv", summary="a CSV roster per ward", directory=True,
                 write=per_ward("csv")),
        Exporter(name="ics", summary="an iCalendar roster per ward", directory=True,
                 write=per_ward("ics")),
    ))
