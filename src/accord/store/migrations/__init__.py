"""The store's schema versions: Alembic migrations shipped in the package, run on open.

A database is accord's when it has accord's version table, or (written before schema
versions, accord 0.1) accord's six tables with their columns: it is then stamped with the
first revision and migrated. Any other non-empty database is refused; an empty one is
set up only by a writer (``create``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect

from accord.model.errors import StoreError

if TYPE_CHECKING:  # Alembic is imported where a database is opened (a fifth of a second
    from alembic.config import Config  # that agents and most verbs need not spend)

VERSION_TABLE = "accord_schema_version"

FIRST = {  # revision 0001: the tables and columns of accord 0.1, before schema versions
    "runs": {"id", "ledger", "scenario_name", "domain", "protocol", "seed", "first_episode",
             "episodes_requested", "status", "started_at", "finished_at", "scenario_json",
             "options_json"},
    "episodes": {"run_id", "episode", "ledger", "hard_violations", "cost", "cost_breakdown",
                 "hard_breakdown", "reference_cost", "messages", "bytes", "rounds",
                 "wall_seconds"},
    "messages": {"run_id", "seq", "episode", "envelope"},
    "plans": {"run_id", "episode", "agent", "ledger", "plan"},
    "commitments": {"ledger", "id", "record", "status", "updated_episode"},
    "metrics": {"run_id", "episode", "name", "value"},
}


def _config(conn: Connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent))
    cfg.attributes["connection"] = conn
    return cfg


def head() -> str:
    """The schema version this accord writes."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(Path(__file__).parent))
    return str(script.get_current_head())


def _current(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}
                                      ).get_current_revision()


def _is_first(conn: Connection, tables: set[str]) -> bool:
    """Whether the tables are accord 0.1's."""
    insp = inspect(conn)
    return FIRST.keys() <= tables and all(
        {c["name"] for c in insp.get_columns(t)} == cols for t, cols in FIRST.items())


def prepare(engine: Engine, name: str, create: bool) -> None:
    """Bring the database to the current schema, or StoreError (one line) when it is not
    accord's, is newer than this accord, or is empty and ``create`` is False."""
    from alembic import command
    from alembic.script import ScriptDirectory

    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        cfg = _config(conn)
        if VERSION_TABLE in tables:
            known = {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}
            version = _current(conn)
            if version not in known:
                raise StoreError(f"database {name!r} has schema version {version}, newer "
                                 f"than this accord's ({head()}): upgrade accord to read it")
        elif _is_first(conn, tables):
            command.stamp(cfg, "0001")
        elif tables:
            listed = ", ".join(sorted(tables)[:6]) + (", …" if len(tables) > 6 else "")
            raise StoreError(f"database {name!r} is not an accord database "
                             f"(it has tables {listed})")
        elif not create:
            raise StoreError(f"database {name!r} is empty: not an accord database")
        if _current(conn) != head():
            command.upgrade(cfg, "head")
