"""The store on a real PostgreSQL server: same results as SQLite, ledger continues."""

from __future__ import annotations

import pytest

from accord.app.registry import wire
from accord.app.runner import run_scenario
from accord.model.errors import StoreError
from accord.store import Store
from tests import postgres

WIRE = wire()
"""Every message kind the registered protocols speak."""

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not postgres.available(), reason="PostgreSQL not installed")]


@pytest.fixture(scope="module")
def pg_url():
    with postgres.cluster() as url:
        yield url


@pytest.mark.slow
def test_runs_continue_on_postgres_as_on_sqlite(seed_scenario, pg_url, tmp_path):
    first = run_scenario(seed_scenario, protocol="negotiate", episodes=2, db=pg_url)
    second = run_scenario(seed_scenario, protocol="negotiate", episodes=2, db=pg_url)
    assert [e.episode for e in second.episodes] == [3, 4]
    lite = run_scenario(seed_scenario, protocol="negotiate", episodes=4,
                        db=str(tmp_path / "x.db"))
    assert [e.plans for e in first.episodes + second.episodes] == [e.plans for e in
                                                                  lite.episodes]
    store = Store(pg_url)
    assert len(store.messages(second.run_id, WIRE)) == sum(e.messages for e in second.episodes)
    assert store.ledger("dismissal-seed/negotiate") == Store(str(tmp_path / "x.db")).ledger(
        "dismissal-seed/negotiate")


def test_unreachable_server_is_one_line():
    with pytest.raises(StoreError, match="cannot open database") as info:
        Store("postgresql+psycopg://accord@127.0.0.1:1/postgres")
    assert "\n" not in str(info.value)
