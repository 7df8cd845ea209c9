"""The run store: SQLite by default, any SQLAlchemy URL.

An episode is written in one transaction (its row, messages, plans, metrics and ledger
changes), so a run killed mid-episode leaves every earlier episode whole and the next run
of the same scenario and protocol continues after the last stored episode.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, make_url, select
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from accord.model.errors import StoreError
from accord.model.messages import CommitmentRecord, Envelope, Wire
from accord.model.plan import Plan
from accord.store.migrations import prepare
from accord.store.schema import (
    CommitmentRow,
    EpisodeRow,
    MessageRow,
    MetricRow,
    PlanRow,
    RunRow,
)


def database_url(db: str) -> str:
    """A SQLAlchemy URL for ``db``: a URL as given, a file path as SQLite."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser()}"


@dataclass
class EpisodeRecord:
    """Everything one episode stores."""

    episode: int
    hard_violations: int
    cost: int
    cost_breakdown: dict[str, int]
    hard_breakdown: dict[str, int]
    reference_cost: int | None
    rounds: int
    wall_seconds: float
    messages: Iterable[str]
    """The envelopes delivered, as JSON text (``Envelope.to_json``), in delivery order."""
    plans: dict[str, Plan]
    ledger: list[CommitmentRecord]
    metrics: dict[str, float] = field(default_factory=dict)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # transactions as SQLAlchemy begins them (below)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


MESSAGE_BATCH = 500
"""Messages written to the database at once when an episode is stored."""

SQLITE_BUSY_SECONDS = 30.0
"""How long a SQLite writer waits for another's transaction (several runs share a file)."""


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None: not SQLite, or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def _sqlite_begin(conn: Any) -> None:
    """Every transaction takes the write lock first, waiting for another writer's end:
    several processes share a file, and a transaction that read before writing could
    otherwise fail at once when another wrote between (the schema set-up, an episode)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    """Runs, episodes, messages, plans, metrics and ledgers in one database.

    Opens an accord database, migrating it to the current schema (``store.migrations``);
    ``create``: a missing or empty one is set up (a writer), else it is a one-line
    StoreError (a reader never creates a database)."""

    def __init__(self, db: str, create: bool = False) -> None:
        self.url = database_url(db)
        try:
            path = _sqlite_file(self.url)
            args = {} if path is None else {"timeout": SQLITE_BUSY_SECONDS}
            self.engine: Engine = create_engine(self.url, connect_args=args)
        except (ArgumentError, SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"cannot use database {db!r}: {exc}") from None
        if path is not None and not create and not path.is_file():
            raise StoreError(f"cannot open database {db!r}: no such file")
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        for attempt in range(3):  # writers opening a new database at once race to set it up
            try:
                prepare(self.engine, db, create)
                break
            except SQLAlchemyError as exc:
                if attempt == 2:
                    reason = str(getattr(exc, "orig", exc)).splitlines()[0]
                    raise StoreError(f"cannot open database {db!r}: {reason}") from None

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    # --- reading ------------------------------------------------------------------
    def next_episode(self, ledger: str) -> int:
        """The episode after the last one stored for this ledger (1 when none)."""
        with Session(self.engine) as s:
            last = s.scalar(select(func.max(EpisodeRow.episode)).where(EpisodeRow.ledger == ledger))
        return (last or 0) + 1

    def outstanding(self, ledger: str) -> list[CommitmentRecord]:
        """Ledger entries not yet fulfilled, in id order."""
        with Session(self.engine) as s:
            rows = s.scalars(select(CommitmentRow).where(
                CommitmentRow.ledger == ledger, CommitmentRow.status != "fulfilled")
                .order_by(CommitmentRow.id))
            return [CommitmentRecord.model_validate_json(r.record) for r in rows]

    def ledger(self, ledger: str) -> list[CommitmentRecord]:
        """Every entry of a ledger, in id order."""
        with Session(self.engine) as s:
            rows = s.scalars(select(CommitmentRow).where(CommitmentRow.ledger == ledger)
                             .order_by(CommitmentRow.id))
            return [CommitmentRecord.model_validate_json(r.record) for r in rows]

    def last_plans(self, ledger: str) -> dict[str, Plan]:
        """The plans of the last stored episode of this ledger (anchors for the next)."""
        with Session(self.engine) as s:
            last = s.scalar(select(func.max(PlanRow.episode)).where(PlanRow.ledger == ledger))
            if last is None:
                return {}
            rows = s.scalars(select(PlanRow).where(PlanRow.ledger == ledger,
                                                   PlanRow.episode == last))
            return {r.agent: Plan.model_validate_json(r.plan) for r in rows}

    def run(self, run_id: str) -> RunRow:
        """The run row, or StoreError naming the id."""
        with Session(self.engine) as s:
            row = s.get(RunRow, run_id)
            if row is None:
                known = ", ".join(s.scalars(select(RunRow.id).order_by(RunRow.started_at)))
                raise StoreError(f"no run {run_id!r} in {self.url} (runs: {known or 'none'})")
            s.expunge(row)
            return row

    def runs(self) -> list[RunRow]:
        """Every run, oldest first."""
        with Session(self.engine) as s:
            rows = list(s.scalars(select(RunRow).order_by(RunRow.started_at)))
            s.expunge_all()
            return rows

    def family(self, base: str) -> list[RunRow]:
        """The runs of ledger ``base`` and of its fresh starts (``base#2``, …), oldest
        first."""
        with Session(self.engine) as s:
            rows = list(s.scalars(select(RunRow).where(
                (RunRow.ledger == base) | RunRow.ledger.startswith(base + "#", autoescape=True))
                .order_by(RunRow.started_at, RunRow.id)))
            s.expunge_all()
            return rows

    def episodes(self, run_id: str) -> list[EpisodeRow]:
        """A run's episodes in order."""
        with Session(self.engine) as s:
            rows = list(s.scalars(select(EpisodeRow).where(EpisodeRow.run_id == run_id)
                                  .order_by(EpisodeRow.episode)))
            s.expunge_all()
            return rows

    def plans(self, run_id: str, episode: int) -> dict[str, Plan]:
        """A run's plans in one episode."""
        with Session(self.engine) as s:
            rows = s.scalars(select(PlanRow).where(PlanRow.run_id == run_id,
                                                   PlanRow.episode == episode))
            return {r.agent: Plan.model_validate_json(r.plan) for r in rows}

    def messages(self, run_id: str, wire: Wire, episode: int | None = None) -> list[Envelope]:
        """A run's delivered envelopes, in delivery order, parsed with the ``wire`` of its
        message kinds."""
        with Session(self.engine) as s:
            q = select(MessageRow).where(MessageRow.run_id == run_id)
            if episode is not None:
                q = q.where(MessageRow.episode == episode)
            rows = s.scalars(q.order_by(MessageRow.seq))
            return [wire.parse(r.envelope) for r in rows]

    def metrics(self, run_id: str) -> dict[int, dict[str, float]]:
        """A run's metrics, by episode."""
        out: dict[int, dict[str, float]] = {}
        with Session(self.engine) as s:
            for r in s.scalars(select(MetricRow).where(MetricRow.run_id == run_id)):
                out.setdefault(r.episode, {})[r.name] = r.value
        return out

    # --- writing ------------------------------------------------------------------
    def begin_run(self, row: RunRow) -> None:
        """Record a run as started."""
        with Session(self.engine) as s, s.begin():
            s.add(row)

    def finish_run(self, run_id: str, status: str, finished_at: str) -> None:
        """Mark a run complete, failed or interrupted."""
        with Session(self.engine) as s, s.begin():
            row = s.get(RunRow, run_id)
            if row is not None:
                row.status, row.finished_at = status, finished_at

    def save_episode(self, run_id: str, ledger: str, rec: EpisodeRecord) -> int:
        """Store one episode atomically: all of it or nothing. Returns the message bytes.

        The messages are read from ``rec.messages`` as they are written, a batch at a
        time: an episode's messages need not fit in memory at once."""
        with Session(self.engine) as s, s.begin():
            base = s.scalar(select(func.count()).select_from(MessageRow)
                            .where(MessageRow.run_id == run_id)) or 0
            count = nbytes = 0
            texts = iter(rec.messages)
            while batch := list(islice(texts, MESSAGE_BATCH)):
                s.execute(insert(MessageRow), [
                    {"run_id": run_id, "seq": base + count + i, "episode": rec.episode,
                     "envelope": t} for i, t in enumerate(batch)])
                count += len(batch)
                nbytes += sum(len(t) for t in batch)
            s.add(EpisodeRow(
                run_id=run_id, episode=rec.episode, ledger=ledger,
                hard_violations=rec.hard_violations, cost=rec.cost,
                cost_breakdown=json.dumps(rec.cost_breakdown, sort_keys=True),
                hard_breakdown=json.dumps(rec.hard_breakdown, sort_keys=True),
                reference_cost=rec.reference_cost, messages=count,
                bytes=nbytes, rounds=rec.rounds,
                wall_seconds=rec.wall_seconds))
            s.add_all(PlanRow(run_id=run_id, episode=rec.episode, agent=a, ledger=ledger,
                              plan=p.model_dump_json()) for a, p in sorted(rec.plans.items()))
            s.add_all(MetricRow(run_id=run_id, episode=rec.episode, name=n, value=v)
                      for n, v in sorted(rec.metrics.items()))
            for c in rec.ledger:
                s.merge(CommitmentRow(ledger=ledger, id=c.id, record=c.model_dump_json(),
                                      status=c.status, updated_episode=rec.episode))
        return nbytes
