"""Scenario validation: bad input is one line naming the file and the field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from accord.app.registry import load_scenario
from accord.model.errors import ScenarioError
from tests.conftest import SEED_EXAMPLE


def _write(tmp_path: Path, data: object, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return p


def _seed_data() -> dict:
    return yaml.safe_load(SEED_EXAMPLE.read_text())


def test_seed_example_matches_the_notebook(seed_scenario):
    sc = seed_scenario
    assert [c.attendance for c in sc.classrooms] == [60, 45, 20, 80, 35, 50]
    b = sc.bottlenecks[0]
    assert (b.capacity_per_minute, b.batch_minutes, b.per_batch) == (40, 2, 80)
    assert sc.offsets == [0, -2, 2, -4, 4, -6, 6]
    assert sc.seed == 42 and sc.episode_name == "Monday_11AM"
    assert sc.options_for("seed-offers") == {"max_rounds": 5, "violation_threshold": 3}
    assert {c.private.willingness for c in sc.classrooms} == {0.7}


@pytest.mark.parametrize(("mutate", "where", "what"), [
    (lambda d: d["classrooms"][2].update(attendance=-5), "classrooms[2].attendance",
     "greater than or equal to 0"),
    (lambda d: d["bottlenecks"][0].update(capacity_per_minute=0),
     "bottlenecks[0].capacity_per_minute", "greater than or equal to 1"),
    (lambda d: d.update(protocol="telepathy"), "protocol", "unknown protocol 'telepathy'"),
    (lambda d: d["classrooms"][0].update(colour="red"), "classrooms[0].colour", "unknown field"),
    (lambda d: d.update(domain="zoo"), "domain", "unknown domain 'zoo'"),
    (lambda d: d["classrooms"][1].update(bottleneck="X"), "classrooms[1].bottleneck",
     "unknown bottleneck"),
    (lambda d: d["protocol_options"]["seed-offers"].update(max_rounds=-1),
     "protocol_options.seed-offers.max_rounds", "greater than or equal to 0"),
    (lambda d: d["classrooms"][0].update(private={"willingness": 2}),
     "classrooms[0].private.willingness", "less than or equal to 1"),
])
def test_bad_scenarios_name_file_and_field(tmp_path, mutate, where, what):
    data = _seed_data()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: ")
    assert where in msg and what in msg
    assert "\n" not in msg


def test_malformed_yaml_names_line(tmp_path):
    path = _write(tmp_path, "name: x\ndomain: dismissal\nclassrooms: [\n  {id: C1,\n")
    with pytest.raises(ScenarioError, match=r"line \d+, column \d+: malformed YAML"):
        load_scenario(path)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read file"):
        load_scenario(tmp_path / "nope.yaml")


def test_cli_bad_scenario_is_one_line_exit_2(tmp_path):
    data = _seed_data()
    data["classrooms"][3]["attendance"] = -1
    path = _write(tmp_path, data)
    proc = subprocess.run([sys.executable, "-m", "accord.cli.main", "run", str(path),
                           "--db", str(tmp_path / "x.db")], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "classrooms[3].attendance" in lines[0] and str(path) in lines[0]
    assert "Traceback" not in proc.stderr


def test_cli_unknown_protocol_flag(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "accord.cli.main", "run", str(SEED_EXAMPLE),
                           "--protocol", "nope", "--db", str(tmp_path / "x.db")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "--protocol: unknown protocol 'nope'" in proc.stderr
    assert not (tmp_path / "x.db").exists() or "Traceback" not in proc.stderr
