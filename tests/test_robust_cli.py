"""A user's mistakes are one line, exit 2, naming what and where (issue 20): output paths
checked before any work, usage errors, numbers beyond the solver's range, pathological
YAML, sizes beyond a generator's limits, impossible timetables; and the exports every
domain declares."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ortools.sat.python import cp_model

from accord.app.registry import load_scenario
from accord.app.runner import run_scenario
from accord.cli.export import export
from accord.cli.main import main
from accord.domains.nursing.generate import generate as nursing
from accord.domains.nursing.scenario import CurtoisWard, Line, NursingScenario
from accord.model.errors import AccordError
from accord.runtime.nats.connection import Connection
from accord.runtime.nats.server import NatsError, local_server
from accord.solve.cpsat import solve_or_explain
from tests.conftest import ROOT, SEED_EXAMPLE
from tests.test_curtois import TINY

UNIVERSITY = ROOT / "examples" / "university-small.yaml"


def accord(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in this process: exit code, stdout, stderr."""
    argv, sys.argv = sys.argv, ["accord", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line(code: int, err: str, *parts: str) -> None:
    """Exit 2 and one line on stderr holding every part, no traceback."""
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for part in parts:
        assert part in err, err


def edited(tmp_path: Path, source: Path, old: str, new: str) -> str:
    text = source.read_text()
    assert old in text
    path = tmp_path / "edited.yaml"
    path.write_text(text.replace(old, new, 1))
    return str(path)


# --- output paths, before any work -----------------------------------------------------------

def test_output_paths_are_checked_before_any_work(capsys, tmp_path):
    missing = tmp_path / "no" / "x.json"
    code, _, err = accord(capsys, "run", str(SEED_EXAMPLE), "--db", str(tmp_path / "a.db"),
                          "--report", str(missing))
    one_line(code, err, f"--report {missing}: directory {missing.parent} does not exist")
    assert not (tmp_path / "a.db").exists()  # refused before the run started
    code, _, err = accord(capsys, "schema", "-o", str(tmp_path))
    one_line(code, err, f"--output {tmp_path}: is a directory; a file is expected")
    code, _, err = accord(capsys, "schema", "-o", str(missing))
    one_line(code, err, "does not exist")
    code, _, err = accord(capsys, "generate", "dismissal", "-o", str(tmp_path))
    one_line(code, err, "is a directory")
    code, _, err = accord(capsys, "import", "curtois", str(ROOT / "data/curtois/Instance1.txt"),
                          "-o", str(missing))
    one_line(code, err, "does not exist")
    assert not missing.parent.exists()


def test_a_directory_export_makes_its_directory_a_file_export_wants_a_file(capsys, tmp_path):
    db = str(tmp_path / "d.db")
    run = run_scenario(load_scenario(SEED_EXAMPLE), protocol="central", episodes=1, db=db)
    nested = tmp_path / "new" / "dir"
    code, _, err = accord(capsys, "export", run.run_id, "--db", db, "-o", str(nested))
    assert code == 0, err
    assert len(list(nested.iterdir())) == 6
    afile = tmp_path / "f.txt"
    afile.write_text("")
    code, _, err = accord(capsys, "export", run.run_id, "--db", db, "-o", str(afile))
    one_line(code, err, f"--output {afile}: is a file; a directory is expected")
    code, _, err = accord(capsys, "export", run.run_id, "--db", db, "--format", "ics",
                          "-o", str(nested))
    one_line(code, err, "--format: unknown format 'ics' for a dismissal run (known: csv)")


# --- usage errors and help -------------------------------------------------------------------

@pytest.mark.parametrize(("args", "parts"), [
    (["run", "--bogus"], ["accord run: No such option: --bogus", "accord run --help"]),
    (["run", "x.yaml", "--episodes", "abc"], ["'--episodes'", "valid integer"]),
    (["run"], ["Missing argument"]),
    (["nosuch"], ["No such command 'nosuch'"]),
    (["run", "x.yaml", "--seed", str(10**23)], ["'--seed'", "less than or equal to"]),
])
def test_usage_errors_are_one_line(capsys, args, parts):
    code, _, err = accord(capsys, *args)
    one_line(code, err, *parts)


def test_help_lists_the_choices_and_wraps_paragraphs(capsys):
    code, out, _ = accord(capsys, "run", "--help")
    assert code == 0
    flat = " ".join(out.replace("│", " ").split())
    assert "nursing: central, first-commit, negotiate, transport" in flat
    code, out, _ = accord(capsys, "export", "--help")
    flat = " ".join(out.replace("│", " ").split())
    assert "dismissal: csv" in flat and "nursing: csv, ics" in flat
    code, out, _ = accord(capsys, "--help")
    # the agent's description runs on, never broken where its docstring's line ended
    lines = [ln for ln in out.splitlines() if "agent" in ln or "crash" in ln]
    assert not any(ln.rstrip(" │").endswith("after a") for ln in lines), out


def test_the_installed_entry_point_prints_one_line():
    proc = subprocess.run([sys.executable, "-m", "accord.cli.main", "run", "--bogus"],
                          capture_output=True, text=True, timeout=60)
    one_line(proc.returncode, proc.stderr, "No such option: --bogus")


# --- bad values ------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "old", "new", "field"), [
    (SEED_EXAMPLE, "attendance: 60", f"attendance: {10**30}", "classrooms[0].attendance"),
    (SEED_EXAMPLE, "capacity_per_minute: 40", f"capacity_per_minute: {10**30}",
     "bottlenecks[0].capacity_per_minute"),
    (SEED_EXAMPLE, "seed: 42", f"seed: {10**23}", "seed"),
    (UNIVERSITY, "capacity: 120", f"capacity: {10**30}", "rooms[0].capacity"),
    (UNIVERSITY, "students: 110", f"students: {10**30}", "departments[0].courses[0].students"),
    (UNIVERSITY, "periods_per_day: 4", "periods_per_day: 100000",
     "periods_per_day: 100000 periods of 60 minutes do not fit in a day"),
])
def test_numbers_beyond_range_name_the_field(capsys, tmp_path, source, old, new, field):
    path = edited(tmp_path, source, old, new)
    code, _, err = accord(capsys, "run", path, "--db", str(tmp_path / "x.db"))
    one_line(code, err, f"{path}: {field}")
    assert not (tmp_path / "x.db").exists()


def test_curtois_cover_beyond_range_names_the_line(capsys, tmp_path):
    text = (ROOT / "data/curtois/Instance1.txt").read_text()
    bad = tmp_path / "big.txt"
    bad.write_text(text.replace("0,D,5,100,1", f"0,D,{10**30},100,1", 1))
    code, _, err = accord(capsys, "import", "curtois", str(bad))
    one_line(code, err, f"{bad}: line", f"requirement: {10**30} is above 1000000000")


def test_pathological_yaml_is_one_line(capsys, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = accord(capsys, "run", str(deep))
    one_line(code, err, "nested too deeply")


def test_a_scenario_cut_mid_line_is_refused_where_it_ends(capsys, tmp_path):
    text = SEED_EXAMPLE.read_text()
    cut = tmp_path / "cut.yaml"
    cut.write_text(text[:text.index("attendance: 60") + len("attendance: 6")])  # still valid
    code, _, err = accord(capsys, "run", str(cut), "--db", str(tmp_path / "x.db"))
    lines = cut.read_text().count("\n") + 1
    one_line(code, err, f"{cut}: line {lines}: the file ends inside this line")


# --- limits of generators and importers ------------------------------------------------------

@pytest.mark.parametrize(("args", "parts"), [
    (["generate", "dismissal", "--classrooms", "5", "--bottlenecks", "100"],
     ["bottlenecks: 100 exits for 5 classrooms"]),
    (["generate", "dismissal", "--classrooms", "100000"],
     ["classrooms: Input should be less than or equal to 2000"]),
    (["generate", "nursing", "--nurses", "100000"], ["nurses: Input should be less than"]),
    (["import", "curtois", str(ROOT / "data/curtois/Instance1.txt"), "--lines", "100000"],
     ["lines: Input should be less than or equal to 50"]),
    (["generate", "nursing", "--seed", str(10**23)], ["seed: Input should be less than"]),
])
def test_generators_and_importers_refuse_sizes_beyond_their_limits(capsys, args, parts):
    code, _, err = accord(capsys, *args)
    one_line(code, err, *parts)


@pytest.mark.parametrize(("domain", "protocols"), [
    ("dismissal", {"negotiate": "time_budget", "central": "time_limit"}),
    ("nursing", {"transport": "time_budget", "negotiate": "time_budget",
                 "central": "time_limit"}),
])
def test_generated_scenarios_have_a_time_budget(capsys, domain, protocols):
    extra = ["--wards", "1", "--nurses", "3", "--lines", "1"] if domain == "nursing" else []
    code, out, err = accord(capsys, "generate", domain, *extra, "--time-limit", "7")
    assert code == 0, err
    options = yaml.safe_load(out)["protocol_options"]
    assert {p: options[p][key] for p, key in protocols.items()} == dict.fromkeys(protocols, 7)


# --- impossible timetables -------------------------------------------------------------------

@pytest.mark.parametrize(("source", "old", "new", "parts"), [
    (UNIVERSITY, "lectures: 4, min_working_days: 3, students: 110",
     "lectures: 400, min_working_days: 3, students: 110",
     ["departments[0].courses[0].lectures: course Mech: 400 lectures, 18 periods "
      "(2 unavailable)"]),
    (UNIVERSITY, "teacher: Bianchi, lectures: 3", "teacher: Rossi, lectures: 17",
     ["teacher Rossi: 21 lectures, 20 periods"]),
])
def test_an_impossible_timetable_names_what_cannot_be_met(capsys, tmp_path, source, old, new,
                                                          parts):
    path = edited(tmp_path, source, old, new)
    code, _, err = accord(capsys, "run", path, "--db", str(tmp_path / "x.db"))
    one_line(code, err, *parts)


def test_an_impossible_toy_ward_names_the_shift():
    sc = nursing(1, 3, 1, 1)
    data = sc.model_dump(mode="json")
    data["wards"][0]["cover"][0][0] = 4
    with pytest.raises(ValueError, match=r"wards\[0\]\.cover\[0\]\[0\]: ward W1, shift 0: "
                                         r"4 nurses of level 1\+ needed, \d may work it"):
        NursingScenario.model_validate(data)


def test_central_says_proven_infeasible_rather_than_out_of_time():
    m = cp_model.CpModel()
    x = m.new_int_var(0, 3, "x")
    m.add(x >= 5)
    with pytest.raises(AccordError, match="central: proven infeasible: no plan meets"):
        solve_or_explain(m, "plan", time_limit=5, seed=0, workers=1)


# --- exports of every domain -----------------------------------------------------------------

def test_dismissal_exports_a_csv_per_classroom(tmp_path):
    db = str(tmp_path / "d.db")
    sc = load_scenario(SEED_EXAMPLE)
    run = run_scenario(sc, protocol="central", episodes=1, db=db)
    export(run_id=run.run_id, db=db, fmt="csv", output=tmp_path / "csv", episode=None)
    plans = run.episodes[0].plans
    for c in sc.classrooms:
        with (tmp_path / "csv" / f"classroom-{c.id}.csv").open(newline="") as f:
            rows = list(csv.DictReader(f))
        assert {int(r["offset_minutes"]): int(r["students"]) for r in rows} == {
            int(o): n for o, n in plans[c.id].assignment.items() if n}
        assert sum(int(r["students"]) for r in rows) == c.attendance


def _tiny_hospital() -> NursingScenario:
    return NursingScenario(
        name="tiny", days=3, shifts_per_day=2,
        lines=[Line(id="L", capacity=2, cost_per_cab=[5] * 6)],
        wards=[CurtoisWard(id="W", curtois=TINY, departures={"D": 1}, homes={"A": "L"})],
        protocol_options={"central": {"time_limit": 10, "workers": 1}})


@pytest.mark.parametrize("hospital", ["toy", "curtois"])
def test_nursing_exports_a_csv_and_an_ics_roster_per_ward(tmp_path, hospital):
    sc = (nursing(2, 4, 1, 1).model_copy(update={"protocol_options": {
        "central": {"time_limit": 10, "workers": 1}}}) if hospital == "toy"
        else _tiny_hospital())
    db = str(tmp_path / "n.db")
    run = run_scenario(sc, protocol="central", episodes=1, db=db)
    for fmt in ("csv", "ics"):
        export(run_id=run.run_id, db=db, fmt=fmt, output=tmp_path / fmt, episode=None)
        assert {p.name for p in (tmp_path / fmt).iterdir()} == {
            f"ward-{w.id}.{fmt}" for w in sc.wards}
    for w in sc.wards:
        plan = run.episodes[0].plans[w.id].assignment
        worked = (sum(len(s) for s in plan["shifts"].values()) if "shifts" in plan else
                  sum(t is not None for row in plan["roster"].values() for t in row))
        with (tmp_path / "csv" / f"ward-{w.id}.csv").open(newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == worked > 0
        assert all(r["start"] < r["end"] for r in rows)
        ics = (tmp_path / "ics" / f"ward-{w.id}.ics").read_bytes()
        assert ics.count(b"BEGIN:VEVENT") == worked
        assert all(len(line) <= 75 for line in ics.split(b"\r\n"))


# --- NATS ------------------------------------------------------------------------------------

@pytest.mark.nats
def test_a_wrong_nats_password_says_authorization_failed(tmp_path):
    conf = tmp_path / "s.conf"
    conf.write_text("authorization { users = [ {user: alice, password: right} ] }\n")

    async def login(url: str) -> str:
        try:
            await Connection("r").open(url, 1, "alice", "wrong")
        except NatsError as exc:
            return str(exc)
        return "connected"

    with local_server(config=conf) as url:
        said = asyncio.run(login(url))
    assert said.startswith(f"authorization failed at the NATS server {url}: wrong password "
                           "for user 'alice'"), said


def test_a_benchmark_makes_its_output_directory_before_any_work(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "dismissal.py"),
                           "--json", str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    one_line(proc.returncode, proc.stderr, "--json", "is a directory; a file is expected")
    spec = importlib.util.spec_from_file_location("report", ROOT / "benchmarks" / "report.py")
    assert spec is not None and spec.loader is not None
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    out = tmp_path / "reports" / "deeper" / "d.json"
    report.outputs(json=out, markdown=None)
    assert out.parent.is_dir() and not out.exists()
