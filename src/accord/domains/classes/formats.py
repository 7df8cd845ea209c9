"""The classes domain's formats: the source's spreadsheet import (``.xlsx`` or two CSV
sheets), the seeded faculty generator, and a CSV or iCalendar file per group, professor
and classroom."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from accord.contract import Exporter, Formats, Generator, Importer
from accord.domains.classes.calendar import timetables
from accord.domains.classes.generate import generate
from accord.domains.classes.scenario import ClassesScenario
from accord.domains.classes.spreadsheet import Policy, read_sheets, scenario_name, scenario_of
from accord.model.limits import COUNT_MAX, SEED_MAX, SEED_MIN
from accord.model.plan import Plan


class ImportOptions(BaseModel):
    """``accord import classes``."""

    model_config = ConfigDict(extra="forbid")
    files: list[Path] = Field(min_length=1, max_length=2, json_schema_extra={"argument": True},
                              description="the workbook (.xlsx, sheets programacionGrupos and "
                                          "alumno-materia), or those two sheets as CSV files")
    group_size: int = Field(default=20, ge=1, le=COUNT_MAX,
                            description="students per group at most (the source's 20)")
    min_classes: int = Field(default=0, ge=0, le=COUNT_MAX,
                             description="classes each professor holds at least")
    max_classes: int = Field(default=20, ge=0, le=COUNT_MAX, description="classes each "
                             "professor holds at most (the source's 20)")
    rooms: int = Field(default=10, ge=0, le=1_000,
                       description="lecture rooms (the sheets have none)")
    labs: int = Field(default=2, ge=0, le=1_000, description="labs (the sheets have none)")
    capacity: int | None = Field(default=None, ge=1, le=COUNT_MAX,
                                 description="seats per classroom (default: --group-size)")
    class_length: int = Field(default=120, ge=30, le=24 * 60,
                              description="minutes per class (shorter where a discipline's "
                                          "hours need it)")
    time_limit: float = Field(default=60.0, ge=1.0, description="wall seconds of central "
                                                                "(stored)")


def _import(o: ImportOptions) -> tuple[ClassesScenario, str]:
    sheets = read_sheets(o.files)
    policy = Policy(group_size=o.group_size, min_classes=o.min_classes,
                    max_classes=o.max_classes, rooms=o.rooms, labs=o.labs,
                    capacity=o.capacity, class_length=o.class_length)
    return scenario_of(sheets, scenario_name(o.files), policy,
                       {"central": {"time_limit": o.time_limit, "workers": 1}})


class GenerateOptions(BaseModel):
    """``accord generate classes``."""

    model_config = ConfigDict(extra="forbid")
    students: int = Field(default=200, ge=1, le=100_000, description="students")
    disciplines: int = Field(default=20, ge=1, le=5_000, description="disciplines")
    professors: int = Field(default=10, ge=1, le=5_000, description="professors (a quarter "
                                                                    "part-time)")
    classrooms: int = Field(default=6, ge=1, le=1_000, description="classrooms (a fifth "
                                                                   "labs)")
    choices: int = Field(default=4, ge=1, description="disciplines each student chooses")
    group_size: int = Field(default=20, ge=1, le=COUNT_MAX,
                            description="students per group at most")
    seed: int = Field(default=1, ge=SEED_MIN, le=SEED_MAX, description="seed of the draw")
    time_limit: float = Field(default=60.0, ge=1.0, description="wall seconds of central "
                                                                "(stored)")
    seat_at_run_time: bool = Field(default=False, description="write the students' choices, "
                                   "for the coordinator of classes to seat them at run time")


def _generate(o: GenerateOptions) -> ClassesScenario:
    return generate(o.students, o.disciplines, o.professors, o.classrooms, o.seed,
                    o.group_size, o.choices, o.time_limit, o.seat_at_run_time)


Write = Callable[[ClassesScenario, Mapping[str, Plan], datetime], dict[str, str]]


def _per_agent(fmt: str) -> Write:
    def write(sc: ClassesScenario, plans: Mapping[str, Plan],
              stamp: datetime) -> dict[str, str]:
        return timetables(sc, plans, stamp, fmt)
    return write


FORMATS = Formats(
    generators=(Generator(name="classes", options=GenerateOptions, make=_generate,
                          summary="A seeded faculty of students, groups, professors and "
                                  "classrooms, feasible by construction."),),
    importers=(Importer(name="classes", options=ImportOptions, read=_import,
                        summary="The source's spreadsheet (programacionGrupos, "
                                "alumno-materia) as .xlsx or two CSV files."),),
    exporters=(
        Exporter(name="csv", summary="a CSV file per group, professor and classroom",
                 directory=True, write=_per_agent("csv")),
        Exporter(name="ics", summary="an iCalendar file per group, professor and classroom",
                 directory=True, write=_per_agent("ics")),
    ))
