"""Shared fixtures: example paths, scenario builders, a throwaway database, a NATS server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.app.registry import load_scenario
from accord.domains.dismissal.scenario import DismissalScenario
from accord.runtime.nats import local_server

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


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """A real nats-server on a free loopback port, for the tests that ask for it."""
    with local_server() as url:
        yield url


SERVICES = ("nats", "postgres", "browser")
"""Markers of tests that start servers and many processes: one worker runs them all."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` the tests that start servers share one worker, so two of
    them never run at once on a 2-core machine; the others go to whichever worker is free."""
    for item in items:
        if any(item.get_closest_marker(m) for m in SERVICES):
            item.add_marker(pytest.mark.xdist_group("services"))
