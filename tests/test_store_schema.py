"""The store's schema versions: a database of the previous release opens and migrates,
another application's database is refused untouched, a read never creates a database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from accord.app.runner import run_scenario
from accord.model.errors import StoreError
from accord.store import Store
from accord.store.identity import scenario_hash
from accord.store.migrations import VERSION_TABLE, head
from accord.store.schema import Base

OLD = Path(__file__).parent / "data" / "store-d5c1ad0.sql"
"""A database written by accord at commit d5c1ad0 (no schema version): one episode of
examples/dismissal-seed.yaml, protocol negotiate."""


def _old_db(path: Path) -> str:
    with sqlite3.connect(path) as con:
        con.executescript(OLD.read_text())
    return str(path)


def test_a_database_of_the_previous_schema_is_migrated_and_continued(tmp_path, seed_scenario):
    db = _old_db(tmp_path / "old.db")
    store = Store(db)  # a reader migrates it too: the change only adds
    (run,) = store.runs()
    assert run.id == "dismissal-seed-c686ba4e" and run.status == "complete"
    assert run.scenario_hash == scenario_hash(seed_scenario.model_dump(mode="json"))
    assert [e.cost for e in store.episodes(run.id)] == [520]
    with sqlite3.connect(db) as con:
        assert con.execute(f"select version_num from {VERSION_TABLE}").fetchall() == [(head(),)]
    store.close()
    more = run_scenario(seed_scenario, protocol="negotiate", episodes=1, db=db)
    assert [e.episode for e in more.episodes] == [2]  # the old ledger goes on
    assert [r.status for r in Store(db).runs()] == ["complete", "complete"]


def test_the_mapping_equals_the_migrations(tmp_path):
    db = tmp_path / "new.db"
    Store(str(db), create=True).close()
    with create_engine(f"sqlite:///{db}").connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(ctx, Base.metadata) == []


def test_another_applications_database_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as con:
        con.execute("create table runs (id integer primary key, name text)")
    for create in (False, True):
        with pytest.raises(StoreError, match="is not an accord database") as info:
            Store(str(path), create=create)
        assert "\n" not in str(info.value)
    with sqlite3.connect(path) as con:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert tables == {"runs"}


def test_a_read_never_creates_a_database(tmp_path):
    missing = tmp_path / "typo.db"
    with pytest.raises(StoreError, match="no such file"):
        Store(str(missing))
    assert not missing.exists()
    sqlite3.connect(tmp_path / "empty.db").close()
    with pytest.raises(StoreError, match="empty"):
        Store(str(tmp_path / "empty.db"))


def test_a_newer_schema_is_refused(tmp_path):
    db = tmp_path / "next.db"
    Store(str(db), create=True).close()
    with sqlite3.connect(db) as con:
        con.execute(f"update {VERSION_TABLE} set version_num = 'f00d'")
    with pytest.raises(StoreError, match="schema version f00d, newer than this accord"):
        Store(str(db))
