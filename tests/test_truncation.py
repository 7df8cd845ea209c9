"""Files cut short are refused at the line where they end, whatever the format and
wherever the cut (every prefix of a .ctt, a Curtois file and a scenario is tried); a
UTF-8 byte-order mark is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.app.registry import load_scenario
from accord.domains.nursing.curtois import parse_curtois, read_curtois
from accord.domains.university.itc2007 import parse_ctt, read_ctt
from accord.model.errors import ScenarioError
from tests.conftest import ROOT, SEED_EXAMPLE
from tests.test_classes_formats import imported, sheets, write_csvs
from tests.test_curtois import BASE, TINY

CTT = ROOT / "data" / "itc2007" / "toy.ctt"
CURTOIS = ROOT / "data" / "curtois" / "Instance1.txt"


def last_line(text: str) -> int:
    """The number of the line where ``text`` ends."""
    return len(text.splitlines())


def cuts(text: str, step: int = 1) -> list[int]:
    """Every ``step``-th cut that leaves out more than blank space."""
    return [k for k in range(1, len(text), step) if text[k:].strip()]


EVERY = [pytest.param(13, id="every-13th"), pytest.param(1, id="every",
                                                         marks=pytest.mark.slow)]
"""Every 13th cut in the quick run, every cut in the slow one."""


def refused_where_it_ends(parse, text: str) -> int:  # type: ignore[no-untyped-def]
    """Parse every cut of ``text``: each must be refused at its last line; the count."""
    for k in cuts(text):
        with pytest.raises(ScenarioError) as info:
            parse(text[:k], "cut")
        assert info.value.where == f"line {last_line(text[:k])}", (k, str(info.value))
        assert "\n" not in str(info.value)
    return len(cuts(text))


def test_every_cut_of_a_ctt_is_refused_where_it_ends():
    assert refused_where_it_ends(parse_ctt, CTT.read_text()) > 300


@pytest.mark.parametrize("text", [BASE, TINY, CURTOIS.read_text()], ids=["base", "tiny",
                                                                          "Instance1"])
def test_every_cut_of_a_curtois_file_is_refused_where_it_ends(text):
    assert refused_where_it_ends(parse_curtois, text) > 100


def test_instance1_cut_inside_its_cover_is_refused_not_solved_to_zero():
    text = CURTOIS.read_text()
    cut = text[:text.index("13,D,4,100,1")]  # whole lines: the cover of day 13 is missing
    with pytest.raises(ScenarioError, match=rf"line {last_line(cut)}: SECTION_COVER ends "
                                            r"without day 13 shift D"):
        parse_curtois(cut, "Instance1.txt")


@pytest.mark.parametrize("step", EVERY)
@pytest.mark.parametrize("example", [SEED_EXAMPLE, ROOT / "examples" / "university-small.yaml"],
                         ids=["dismissal", "university"])
def test_a_scenario_cut_inside_a_line_is_refused_where_it_ends(tmp_path, example, step):
    text = example.read_text()
    path = tmp_path / "cut.yaml"
    whole, refused = 0, 0
    for k in cuts(text, step):
        path.write_text(text[:k])
        if text[k - 1] == "\n":  # cut between lines: YAML has no end marker; never a crash
            try:
                load_scenario(path)
                whole += 1
            except ScenarioError:
                pass
            continue
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert info.value.where == f"line {last_line(text[:k])}", k
        refused += 1
    assert refused > 900 // step and whole < 20


@pytest.mark.parametrize("step", EVERY)
def test_classes_sheets_cut_anywhere_are_errors_or_scenarios_never_crashes(tmp_path, step):
    files = write_csvs(tmp_path / "full", sheets())
    errors = 0
    for which, f in enumerate(files):
        text = f.read_text()
        for k in cuts(text, step):
            cut = tmp_path / f"cut{which}" / f.name
            cut.parent.mkdir(exist_ok=True)
            cut.write_text(text[:k])
            try:
                imported([cut if i == which else g for i, g in enumerate(files)])
            except ScenarioError as exc:
                said = str(exc)
                errors += 1
                assert "\n" not in said
    assert errors > 800 // step


def test_a_byte_order_mark_is_accepted(tmp_path):
    bom = b"\xef\xbb\xbf"
    ctt, curtois, scenario = (tmp_path / "a.ctt", tmp_path / "a.txt", tmp_path / "a.yaml")
    ctt.write_bytes(bom + CTT.read_bytes())
    curtois.write_bytes(bom + CURTOIS.read_bytes())
    scenario.write_bytes(bom + SEED_EXAMPLE.read_bytes())
    assert read_ctt(ctt) == read_ctt(CTT)
    assert read_curtois(curtois).covers == read_curtois(CURTOIS).covers
    assert load_scenario(scenario) == load_scenario(SEED_EXAMPLE)


def test_paths_are_the_data_files():
    assert all(Path(p).exists() for p in (CTT, CURTOIS))
