"""The university domain's formats: ITC-2007 ``.ctt`` import, and export as a ``.sol``
file or a CSV or iCalendar file per department."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import Exporter, Formats, Generator, Importer
from accord.domains.university.calendar import sessions, to_csv, to_ics
from accord.domains.university.generate import generate_university, read_sources
from accord.domains.university.itc2007 import format_sol, read_ctt
from accord.domains.university.merge import lectures_of
from accord.domains.university.options import protocol_options
from accord.domains.university.scenario import UniversityScenario
from accord.domains.university.split import split
from accord.model.limits import SEED_MAX, SEED_MIN
from accord.model.plan import Plan


class ItcOptions(BaseModel):
    """``accord import itc2007``."""

    model_config = ConfigDict(extra="forbid")
    ctt: Path = Field(description="ITC-2007 track 3 instance (.ctt)",
                      json_schema_extra={"argument": True})
    departments: int = Field(ge=1, description="departments to split the courses into",
                             json_schema_extra={"flag": "-k"})
    seed: int = Field(default=0, ge=SEED_MIN, le=SEED_MAX, description="seed of the split")
    time_limit: float = Field(default=60.0, ge=1.0, le=86_400,
                              description="wall seconds of central and negotiate (stored)")


def _itc2007(o: ItcOptions) -> tuple[UniversityScenario, str]:
    inst = read_ctt(o.ctt)
    sc, crossing = split(inst, o.departments, seed=o.seed)
    options = protocol_options(o.time_limit, o.departments)
    sc = sc.model_copy(update={"protocol": "negotiate", "protocol_options": {
        p: options[p] for p in ("central", "negotiate", "first-commit")}})
    return sc, (f"{inst.name}: {len(inst.courses)} courses in {len(sc.departments)} "
                f"departments; {crossing} of {len(inst.curricula)} curricula cross departments")


class UniversityOptions(BaseModel):
    """``accord generate university``."""

    model_config = ConfigDict(extra="forbid")
    departments: int = Field(default=80, ge=1, le=10_000, description="departments")
    halls: int = Field(default=180, ge=1, le=100_000, description="lecture halls in the "
                       "pool all faculties share (it decides how many faculties)")
    seed: int = Field(default=0, ge=SEED_MIN, le=SEED_MAX, description="seed of the "
                      "faculties' order and of the splits")
    instances: Path = Field(default=Path("data/itc2007"), description="directory of the "
                            "ITC-2007 comp01.ctt–comp07.ctt copied as faculties")
    time_limit: float = Field(default=600.0, ge=1.0, le=86_400,
                              description="wall seconds of central and negotiate (stored)")


def _university(o: UniversityOptions) -> UniversityScenario:
    sc, _ = generate_university(read_sources(o.instances), o.departments, o.halls,
                                        o.seed)
    # as the import at K departments: a round of all departments costs 24 units of solver
    # work whatever their number (at 600 s, 24 per faculty took the whole budget at 80
    # departments before the grant phase ended: benchmarks/results/scale.md)
    options = protocol_options(o.time_limit, len(sc.departments))
    return sc.model_copy(update={"protocol": "negotiate", "protocol_options": {
        p: options[p] for p in ("central", "negotiate", "first-commit")}})


def _sol(sc: UniversityScenario, plans: Mapping[str, Plan], stamp: datetime) -> dict[str, str]:
    return {"": format_sol(lectures_of(plans))}


Write = Callable[[UniversityScenario, Mapping[str, Plan], datetime], dict[str, str]]


def _per_department(fmt: str) -> Write:
    """A CSV or iCalendar file per department."""
    def write(sc: UniversityScenario, plans: Mapping[str, Plan],
              stamp: datetime) -> dict[str, str]:
        out = {}
        for d in sc.departments:
            rows = sessions(sc, d.id, lectures_of({d.id: plans[d.id]}) if d.id in plans else [])
            out[f"{d.id}.{fmt}"] = to_csv(rows) if fmt == "csv" else to_ics(sc, d.id, rows, stamp)
        return out
    return write


FORMATS = Formats(
    generators=(Generator(name="university", options=UniversityOptions, make=_university,
                          summary="Faculties copied from ITC-2007 comp01–07, split into "
                                  "departments sharing one pool of halls."),),
    importers=(Importer(name="itc2007", options=ItcOptions, read=_itc2007,
                        summary="Split an ITC-2007 instance into departments that share all "
                                "rooms."),),
    exporters=(
        Exporter(name="itc2007", summary="one competition .sol file", directory=False,
                 write=_sol, suffix="sol"),
        Exporter(name="csv", summary="a CSV file per department", directory=True,
                 write=_per_department("csv")),
        Exporter(name="ics", summary="an iCalendar file per department", directory=True,
                 write=_per_department("ics")),
    ))
