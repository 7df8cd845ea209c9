"""Shared fixtures: example paths, scenario builders, and a throwaway database."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.domains import load_scenario
from accord.domains.dismissal.scenario import DismissalScenario

ROOT = Path(__file__).resolve().parents[1]
SEED_EXAMPLE = ROOT / "examples" / "dismissal-seed.yaml"


@pytest.fixture
def seed_scenario() -> DismissalScenario:
    sc = load_scenario(SEED_EXAMPLE)
    assert isinstance(sc, DismissalScenario)
    return sc


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "accord.db")
