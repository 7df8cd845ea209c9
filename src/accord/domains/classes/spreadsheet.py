"""``accord import classes``: the spreadsheet the source project read (SOURCE.md), as one
``.xlsx`` workbook or as its two sheets in CSV files.

- ``programacionGrupos``, one row per group offering: column 5 + column 6 the discipline
  code, 7 its name, 10 class hours and 11 lab hours a week, 35 the professor's tag, and
  40 containing "Planta" for a full-time professor (else part-time).
- ``alumno-materia``, one row per student and discipline: column 0 the student's tag, 4
  the career, 5 + 6 the discipline code.

Columns count from 0, as in the source; the first row of each sheet is a header and is
skipped; wholly empty rows are skipped. A discipline's name and hours are those of its
first row. Every error is one line naming the file, the sheet, the row (as the
spreadsheet numbers it, the header being row 1) and the column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from accord.domains.classes.scenario import ClassesScenario, Classroom, Discipline, Professor
from accord.domains.classes.students import Choice, form_groups, students_of
from accord.model.errors import ScenarioError
from accord.model.scenario import validation_error

PROGRAMME = "programacionGrupos"
CHOICES = "alumno-materia"
SHEETS = (PROGRAMME, CHOICES)

# programacionGrupos
PREFIX, SUFFIX, NAME, CLASS_HOURS, LAB_HOURS, PROFESSOR, CONTRACT = 5, 6, 7, 10, 11, 35, 40
# alumno-materia
STUDENT, CAREER = 0, 4
COLUMNS = {PROGRAMME: (PREFIX, SUFFIX, NAME, CLASS_HOURS, LAB_HOURS, PROFESSOR, CONTRACT),
           CHOICES: (STUDENT, CAREER, PREFIX, SUFFIX)}


def letter(col: int) -> str:
    """The spreadsheet's letter of a column counted from 0 (0: A, 35: AJ)."""
    out = ""
    col += 1
    while col:
        col, r = divmod(col - 1, 26)
        out = chr(ord("A") + r) + out
    return out


@dataclass
class Sheet:
    """A sheet's rows, each with its row number (the header is row 1)."""

    name: str
    source: str
    rows: list[tuple[int, Sequence[Any]]] = field(default_factory=list)

    def fail(self, row: int, col: int | None, what: str) -> ScenarioError:
        """The one-line error about a cell (or a row, col None)."""
        where = f"sheet {self.name}, row {row}"
        if col is not None:
            where += f", column {col} ({letter(col)})"
        return ScenarioError(self.source, where, what)

    def check_header(self) -> None:
        """The sheet has a header row with every column read."""
        if not self.rows:
            raise ScenarioError(self.source, f"sheet {self.name}", "empty (no header row)")
        row, cells = self.rows[0]
        for col in COLUMNS[self.name]:
            if col >= len(cells):
                raise self.fail(row, col, f"missing column (the sheet has {len(cells)} "
                                          "columns)")

    def data(self) -> list[tuple[int, Sequence[Any]]]:
        """The rows after the header, wholly empty ones left out."""
        return [(r, c) for r, c in self.rows[1:] if any(text(v) for v in c)]

    def cell(self, row: int, cells: Sequence[Any], col: int) -> str:
        """A cell's text, stripped; a row too short for the column is an error."""
        if col >= len(cells):
            raise self.fail(row, col, f"missing column (the row has {len(cells)} columns)")
        return text(cells[col])

    def hours(self, row: int, cells: Sequence[Any], col: int, what: str, step: int) -> int:
        """Hours a week as minutes (an empty cell: 0): a number, not negative, a whole
        number of ``step``-minute steps."""
        value = cells[col] if col < len(cells) else None
        raw = self.cell(row, cells, col)
        if raw == "":
            return 0
        try:
            hours = (float(value) if isinstance(value, int | float) and not isinstance(
                value, bool) else float(raw.replace(",", ".")))
        except ValueError:
            raise self.fail(row, col, f"{what} {raw!r} is not a number") from None
        if not math.isfinite(hours):
            raise self.fail(row, col, f"{what} {raw!r} is not a number")
        if hours < 0:
            raise self.fail(row, col, f"{what} {raw} is negative")
        if hours > 7 * 24:
            raise self.fail(row, col, f"{what} {raw} exceed the 168 hours of a week")
        minutes = hours * 60
        if abs(minutes / step - round(minutes / step)) > 1e-6:
            raise self.fail(row, col, f"{what} {raw} is not a whole number of {step}-minute "
                                      "steps")
        return round(minutes / step) * step


def text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0``, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(path: Path) -> dict[str, Sheet]:
    import openpyxl  # a heavy import, only for workbooks

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise ScenarioError(str(path), "", f"cannot read file ({exc.strerror or exc})") from None
    except Exception as exc:  # openpyxl raises several kinds for a file not a workbook
        raise ScenarioError(str(path), "", f"not an .xlsx workbook ({exc})") from None
    try:
        out = {}
        for name in SHEETS:
            if name not in wb.sheetnames:
                raise ScenarioError(str(path), f"sheet {name}", "missing (the workbook has: "
                                    f"{', '.join(wb.sheetnames)})")
            ws = wb[name]
            out[name] = Sheet(name, str(path), [(i, tuple(r)) for i, r in enumerate(
                ws.iter_rows(values_only=True), start=1)])
        return out
    finally:
        wb.close()


def _read_csv(path: Path, name: str) -> Sheet:
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ScenarioError(str(path), "", f"cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), "", "not a UTF-8 text file") from None
    first = raw.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    rows = csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter)
    try:
        return Sheet(name, str(path), [(i, r) for i, r in enumerate(rows, start=1)])
    except csv.Error as exc:
        raise ScenarioError(str(path), f"sheet {name}", f"not CSV ({exc})") from None


def _sheet_of(path: Path) -> str | None:
    stem = re.sub(r"[^a-z]", "", path.stem.lower())
    if "programacion" in stem:
        return PROGRAMME
    if "alumno" in stem or "materia" in stem:
        return CHOICES
    return None


def read_sheets(files: Sequence[Path]) -> dict[str, Sheet]:
    """The two sheets, from one workbook or two CSV files (named after their sheets, else
    in the order programacionGrupos, alumno-materia)."""
    books = [f for f in files if f.suffix.lower() in (".xlsx", ".xlsm")]
    if books:
        if len(files) != 1:
            raise ScenarioError(str(books[0]), "", "a workbook holds both sheets: give it "
                                "alone")
        return _read_xlsx(books[0])
    for f in files:
        if f.suffix.lower() not in (".csv", ".txt"):
            raise ScenarioError(str(f), "", "neither an .xlsx workbook nor a .csv sheet")
    if len(files) > 2:
        raise ScenarioError(str(files[2]), "", "only two sheets are read: "
                            f"{PROGRAMME} and {CHOICES}")
    named = [_sheet_of(f) for f in files]
    if len(files) == 2 and (named[0] == named[1] or None in named):
        named = list(SHEETS)
    elif len(files) == 1 and named[0] is None:
        named = [PROGRAMME]
    out = {name: _read_csv(f, name) for f, name in zip(files, named, strict=True)
           if name is not None}
    for name in SHEETS:
        if name not in out:
            raise ScenarioError(str(files[0]), f"sheet {name}",
                                "missing (give it as a second CSV file)")
    return out


@dataclass(frozen=True)
class Policy:
    """What the sheets do not say: the source's policy and the classrooms."""

    group_size: int = 20
    min_classes: int = 0
    max_classes: int = 20
    rooms: int = 10
    labs: int = 2
    capacity: int | None = None
    class_length: int = 120


def scenario_of(sheets: dict[str, Sheet], name: str, policy: Policy,
                protocol_options: dict[str, dict[str, Any]]) -> tuple[ClassesScenario, str]:
    """The scenario of the two sheets, and a one-line note."""
    prog, chosen = sheets[PROGRAMME], sheets[CHOICES]
    prog.check_header()
    chosen.check_header()
    step = 30  # the default week's step
    disciplines: dict[str, Discipline] = {}
    teach: dict[str, list[str]] = {}
    full: dict[str, bool] = {}
    for row, cells in prog.data():
        code = prog.cell(row, cells, PREFIX) + prog.cell(row, cells, SUFFIX)
        if not code:
            raise prog.fail(row, PREFIX, f"no discipline code (columns {PREFIX} and {SUFFIX} "
                                         "are empty)")
        cm = prog.hours(row, cells, CLASS_HOURS, "class hours", step)
        lm = prog.hours(row, cells, LAB_HOURS, "lab hours", step)
        title = prog.cell(row, cells, NAME)
        tag = prog.cell(row, cells, PROFESSOR)
        planta = "planta" in prog.cell(row, cells, CONTRACT).lower()
        if code not in disciplines:
            length = math.gcd(policy.class_length, cm, lm)
            disciplines[code] = Discipline(
                code=code, name=title, class_minutes=cm, lab_minutes=lm,
                class_length=None if length == policy.class_length else length)
        if tag:
            teach.setdefault(tag, [])
            if code not in teach[tag]:
                teach[tag].append(code)
            full[tag] = full.get(tag, False) or planta
    taught = {c for codes in teach.values() for c in codes}
    choices: list[Choice] = []
    for row, cells in chosen.data():
        student = chosen.cell(row, cells, STUDENT)
        if not student:
            raise chosen.fail(row, STUDENT, "no student tag")
        career = chosen.cell(row, cells, CAREER)
        code = chosen.cell(row, cells, PREFIX) + chosen.cell(row, cells, SUFFIX)
        if not code:
            raise chosen.fail(row, PREFIX, f"no discipline code (columns {PREFIX} and "
                                           f"{SUFFIX} are empty)")
        if code not in disciplines:
            raise chosen.fail(row, PREFIX, f"discipline {code} is not offered in {PROGRAMME}")
        if code not in taught:
            raise chosen.fail(row, PREFIX, f"discipline {code}: no professor can teach it "
                                           f"(no row of {PROGRAMME} names one in column "
                                           f"{PROFESSOR})")
        choices.append(Choice(student, career, code))
    if not choices:
        raise ScenarioError(chosen.source, f"sheet {CHOICES}", "no student chose a discipline")
    groups = form_groups(choices, policy.group_size)
    capacity = policy.capacity or policy.group_size
    rooms = ([Classroom(id=f"R{i + 1}", capacity=capacity) for i in range(policy.rooms)]
             + [Classroom(id=f"L{i + 1}", capacity=capacity, kind="lab")
                for i in range(policy.labs)])
    professors = [Professor(id=t, full_time=full[t], can_teach=codes,
                            min_classes=policy.min_classes, max_classes=policy.max_classes)
                  for t, codes in teach.items()]
    students = len({c.student for c in choices})
    description = (f"{students} students in {len(groups)} groups of at most "
                   f"{policy.group_size}, {len(disciplines)} disciplines, {len(professors)} "
                   f"professors, from {', '.join(sorted({s.source for s in sheets.values()}))}")
    try:
        sc = ClassesScenario.model_validate({
            "name": name, "description": description, "protocol": "central",
            "protocol_options": protocol_options, "class_length": policy.class_length,
            "disciplines": list(disciplines.values()), "groups": groups,
            "professors": professors, "classrooms": rooms, "students": students_of(choices)})
    except ValidationError as exc:
        raise validation_error(prog.source, exc) from None
    fulltime = sum(p.full_time for p in professors)
    note = (f"{name}: {students} students' {len(choices)} choices in {len(groups)} groups of "
            f"at most {policy.group_size}; {len(disciplines)} disciplines; "
            f"{len(professors)} professors ({fulltime} full-time), {policy.min_classes}-"
            f"{policy.max_classes} classes each; the sheets have no classrooms: "
            f"{policy.rooms} lecture rooms and {policy.labs} labs of {capacity} seats "
            "assumed (--rooms, --labs, --capacity)")
    return sc, note


def scenario_name(files: Sequence[Path]) -> str:
    """A scenario name from the workbook's name (CSV files: their directory's)."""
    f = files[0]
    base = f.stem if f.suffix.lower() in (".xlsx", ".xlsm") else f.resolve().parent.name
    return re.sub(r"[^A-Za-z0-9_.\-]+", "-", base).strip("-") or "classes"
