"""The classes domain's formats: the source's spreadsheet (a tiny workbook and the same
sheets as CSV import to the same scenario; each malformed input is one line naming the
sheet, row and column), the seeded generator (deterministic, feasible by construction,
central reaches full goal), and the CSV and iCalendar export per group, professor and
classroom."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from accord.app.runner import run_scenario
from accord.cli.export import export
from accord.cli.main import app
from accord.domains.classes import goal_achievement, lessons_of, plan_of
from accord.domains.classes.evaluate import evaluate
from accord.domains.classes.formats import ImportOptions, _import
from accord.domains.classes.generate import faculty, generate
from accord.domains.classes.scenario import ClassesScenario
from accord.domains.classes.spreadsheet import CHOICES, PROGRAMME, letter
from accord.model.errors import ScenarioError

HEADER_P = [f"p{i}" for i in range(41)]
HEADER_C = [f"c{i}" for i in range(7)]


def prog(prefix: str, suffix: Any, name: str, hours: Any, labs: Any, prof: str,
         contract: str) -> list[Any]:
    row: list[Any] = [None] * 41
    row[5], row[6], row[7], row[10], row[11], row[35], row[40] = (
        prefix, suffix, name, hours, labs, prof, contract)
    return row


def choice(student: str, career: str, prefix: str, suffix: Any) -> list[Any]:
    return [student, None, None, None, career, prefix, suffix]


def sheets() -> dict[str, list[list[Any]]]:
    """MAT101 (3 h lectures) taught by T1 (Planta) and T2; FIS201 (2 h lectures, 2 h labs)
    by T1; 25 students take MAT101, 5 of them FIS201 too."""
    p = [HEADER_P,
         prog("MAT", 101, "Calculus", 3, 0, "T1", "Profesor de Planta"),
         prog("MAT", 101, "Calculus", 3, 0, "T2", "Cátedra"),
         prog("FIS", 201, "Physics", 2, 2, "T1", "Profesor de Planta")]
    c = [HEADER_C]
    for i in range(25):
        c.append(choice(f"A{i:03d}", "ING" if i % 2 else "ARQ", "MAT", 101))
        if i < 5:
            c.append(choice(f"A{i:03d}", "ING", "FIS", 201))
    return {PROGRAMME: p, CHOICES: c}


def write_xlsx(path: Path, data: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for name, rows in data.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def write_csvs(folder: Path, data: dict[str, list[list[Any]]]) -> list[Path]:
    folder.mkdir(exist_ok=True)
    out = []
    for name, rows in data.items():
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([["" if v is None else v for v in r] for r in rows])
        out.append(path)
    return out


def imported(files: list[Path], **options: Any) -> tuple[ClassesScenario, str]:
    return _import(ImportOptions(files=files, **options))


def test_workbook_and_csv_sheets_import_to_the_same_scenario(tmp_path):
    data = sheets()
    book, note = imported([write_xlsx(tmp_path / "fac.xlsx", data)])
    flat, _ = imported(list(reversed(write_csvs(tmp_path / "fac", data))))  # named, any order
    drop = {"name", "description"}
    assert book.model_dump(exclude=drop) == flat.model_dump(exclude=drop)
    assert book.name == flat.name == "fac"
    assert [(g.id, g.disciplines, g.students) for g in book.groups] == [
        ("MAT101-1", ["MAT101"], 13), ("MAT101-2", ["MAT101"], 12), ("FIS201-1", ["FIS201"], 5)]
    mat, fis = book.disciplines
    assert (mat.name, mat.class_minutes, mat.lab_minutes, book.length_of(mat)) == (
        "Calculus", 180, 0, 60)  # 3 h a week: classes of an hour
    assert (fis.class_minutes, fis.lab_minutes, book.length_of(fis)) == (120, 120, 120)
    assert [(p.id, p.full_time, p.can_teach, p.min_classes, p.max_classes)
            for p in book.professors] == [("T1", True, ["MAT101", "FIS201"], 0, 20),
                                          ("T2", False, ["MAT101"], 0, 20)]
    assert [(r.id, r.kind, r.capacity) for r in book.classrooms][::10] == [
        ("R1", "lecture", 20), ("L1", "lab", 20)]
    assert "the sheets have no classrooms" in note and "\n" not in note
    small, _ = imported([tmp_path / "fac.xlsx"], group_size=10, rooms=1, labs=1, capacity=30,
                        max_classes=6)
    assert [g.students for g in small.groups] == [9, 8, 8, 5]
    assert [(r.id, r.capacity) for r in small.classrooms] == [("R1", 30), ("L1", 30)]
    assert central_of(small, tmp_path / "c.db") == (0, 1.0)  # 11 classes for 2 × 6


def central_of(sc: ClassesScenario, db: Path) -> tuple[int, float]:
    res = sc.model_copy(update={"protocol_options": {"central": {"time_limit": 5,
                                                                 "workers": 1}}})
    run = run_scenario(res, protocol="central", db=str(db))
    ep = run.episodes[0]
    return ep.hard_violations, goal_achievement(sc, ep.plans)


def test_the_cli_imports_a_workbook(tmp_path):
    book = write_xlsx(tmp_path / "fac.xlsx", sheets())
    out = CliRunner().invoke(app, ["import", "classes", str(book), "--group-size", "15",
                                   "-o", str(tmp_path / "s.yaml")])
    assert out.exit_code == 0, out.output
    text = (tmp_path / "s.yaml").read_text()
    assert "domain: classes" in text and "MAT101-2" in text


def _break(data: dict[str, list[list[Any]]], sheet: str, row: int, col: int,
           value: Any) -> dict[str, list[list[Any]]]:
    data[sheet][row - 1][col] = value
    return data


MALFORMED = {
    "negative hours": (lambda d: _break(d, PROGRAMME, 3, 10, -2), PROGRAMME, 3, 10,
                       "class hours -2 is negative"),
    "non-numeric hours": (lambda d: _break(d, PROGRAMME, 4, 11, "dos"), PROGRAMME, 4, 11,
                          "lab hours 'dos' is not a number"),
    "hours off the steps": (lambda d: _break(d, PROGRAMME, 2, 10, 0.7), PROGRAMME, 2, 10,
                            "not a whole number of 30-minute steps"),
    "no professor": (lambda d: {**d, PROGRAMME: [r if r[5] != "FIS" else [*r[:35], None,
                                                                          *r[36:]]
                                                 for r in d[PROGRAMME]]},
                     CHOICES, 3, 5, "discipline FIS201: no professor can teach it"),
    "not offered": (lambda d: _break(d, CHOICES, 4, 6, 999), CHOICES, 4, 5,
                    "discipline MAT999 is not offered"),
    "missing column": (lambda d: {**d, PROGRAMME: [r[:38] for r in d[PROGRAMME]]},
                       PROGRAMME, 1, 40, "missing column (the sheet has 38 columns)"),
    "no student": (lambda d: _break(d, CHOICES, 4, 0, None), CHOICES, 4, 0, "no student tag"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_malformed_sheet_is_one_line_naming_sheet_row_and_column(tmp_path, case, kind):
    change, sheet, row, col, what = MALFORMED[case]
    data = change(sheets())
    files = ([write_xlsx(tmp_path / "bad.xlsx", data)] if kind == "xlsx"
             else write_csvs(tmp_path / "bad", data))
    with pytest.raises(ScenarioError) as info:
        imported(files)
    msg = str(info.value)
    assert "\n" not in msg
    assert f"sheet {sheet}, row {row}, column {col} ({letter(col)}): " in msg, msg
    assert what in msg


def test_a_missing_sheet_is_one_line(tmp_path):
    data = sheets()
    del data[CHOICES]
    with pytest.raises(ScenarioError, match=r"bad\.xlsx: sheet alumno-materia: missing "
                                            r"\(the workbook has: programacionGrupos\)"):
        imported([write_xlsx(tmp_path / "bad.xlsx", data)])
    with pytest.raises(ScenarioError, match="sheet alumno-materia: missing"):
        imported(write_csvs(tmp_path / "bad", data))
    assert letter(0) == "A" and letter(35) == "AJ" and letter(40) == "AO"


def test_generate_is_deterministic_and_feasible_by_construction():
    a, b = generate(seed=3), generate(seed=3)
    assert a == b and a != generate(seed=4)
    f = faculty(students=300, disciplines=25, professors=12, classrooms=6, seed=2)
    sc = f.scenario
    assert sum(not p.full_time for p in sc.professors) == 3
    assert {r.kind for r in sc.classrooms} == {"lecture", "lab"}
    plans = {g: plan_of(sc, g, lessons) for g, lessons in f.planted.items()}
    ev = evaluate(sc, plans)
    assert ev.hard_violations == 0, ev.hard_breakdown
    assert goal_achievement(sc, plans) == 1.0 and "unplaced" not in {
        k for k, v in ev.breakdown.items() if v}


def test_generated_and_imported_choices_are_seated_at_run_time(tmp_path):
    """The generator (with ``seat_at_run_time``) and the importer write the students'
    choices; the coordinator of ``classes`` seats every one of them, re-placing students
    whose first group is full."""
    sc = generate(students=60, disciplines=6, professors=4, classrooms=3, seed=5,
                  seat_at_run_time=True)
    assert len(sc.students) == 60 and all(len(st.disciplines) == 4 for st in sc.students)
    assert not generate(students=60, disciplines=6, professors=4, classrooms=3,
                        seed=5).students
    e = run_scenario(sc, protocol="classes", db=str(tmp_path / "c.db")).episodes[0]
    assert (e.metrics["seats_taken"], e.metrics["choices_without_seat"]) == (240, 0)
    assert e.hard_violations == 0 and goal_achievement(sc, e.plans) == 1.0
    book, _ = imported([write_xlsx(tmp_path / "fac.xlsx", sheets())])
    seats = {d: sum(g.students for g in book.groups if d in g.disciplines)
             for d in ("MAT101", "FIS201")}
    assert {d: sum(d in st.disciplines for st in book.students) for d in seats} == seats


def test_central_reaches_full_goal_on_a_small_generated_faculty(tmp_path):
    sc = generate(students=60, disciplines=6, professors=4, classrooms=3, seed=5)
    assert central_of(sc, tmp_path / "c.db") == (0, 1.0)


def test_export_writes_a_csv_and_an_ics_file_per_group_professor_and_classroom(tmp_path):
    sc = generate(students=40, disciplines=4, professors=3, classrooms=3, seed=7)
    sc = sc.model_copy(update={"protocol_options": {"central": {"time_limit": 5,
                                                                "workers": 1}}})
    db = str(tmp_path / "c.db")
    run = run_scenario(sc, protocol="central", db=db)
    plans = run.episodes[0].plans
    lessons = {g: lessons_of(p) for g, p in plans.items()}
    for fmt in ("csv", "ics"):
        export(run_id=run.run_id, db=db, fmt=fmt, output=tmp_path / fmt, episode=None)
        names = {p.name for p in (tmp_path / fmt).iterdir()}
        assert names == ({f"group-{g.id}.{fmt}" for g in sc.groups}
                         | {f"professor-{p.id}.{fmt}" for p in sc.professors}
                         | {f"classroom-{r.id}.{fmt}" for r in sc.classrooms})
    for g in sc.groups:
        with (tmp_path / "csv" / f"group-{g.id}.csv").open(newline="") as f:
            rows = list(csv.DictReader(f))
        assert sorted((r["discipline"], r["kind"], r["professor"], r["classroom"], r["day"],
                       r["start"], int(r["minutes"])) for r in rows) == sorted(
            (x.discipline, x.kind, x.professor, x.classroom, x.day, x.start, x.minutes)
            for x in lessons[g.id])
    every = [x for ls in lessons.values() for x in ls]
    for p in sc.professors:
        text = (tmp_path / "ics" / f"professor-{p.id}.ics").read_text()
        assert text.count("BEGIN:VEVENT") == sum(x.professor == p.id for x in every)
    for r in sc.classrooms:
        rows = (tmp_path / "csv" / f"classroom-{r.id}.csv").read_text().splitlines()
        assert len(rows) - 1 == sum(x.classroom == r.id for x in every)
    ics = (tmp_path / "ics" / f"group-{sc.groups[0].id}.ics").read_bytes()
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n") and b"RRULE:FREQ=WEEKLY;COUNT=16" in ics
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    export(run_id=run.run_id, db=db, fmt="ics", output=tmp_path / "again", episode=None)
    uids = {n: [x for x in (tmp_path / "ics" / n).read_text().splitlines()
                if x.startswith("UID:")] for n in names}
    assert uids == {n: [x for x in (tmp_path / "again" / n).read_text().splitlines()
                        if x.startswith("UID:")] for n in names}
