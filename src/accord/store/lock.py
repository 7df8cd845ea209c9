"""One writer per ledger: a row of ``ledger_locks`` per ledger being written.

Taking the lock is one insert (the ledger is the primary key: of two writers at once, on
SQLite or PostgreSQL, one wins); a lock whose owner is dead (``store.owner``) is taken
over, its run marked ``interrupted``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accord.store.owner import alive, describe
from accord.store.schema import LockRow, RunRow
from accord.store.store import Store


def now() -> str:
    """The store's timestamps: UTC, ISO 8601, milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def try_lock(store: Store, ledger: str, owner: str) -> str | None:
    """Take the ledger for ``owner``: None when taken, else who holds it (a phrase naming
    the run and its process)."""
    while True:
        stamp = now()
        try:
            with Session(store.engine) as s, s.begin():
                s.add(LockRow(ledger=ledger, owner=owner, run_id=None, acquired_at=stamp,
                              heartbeat_at=stamp))
            return None
        except IntegrityError:
            pass
        with Session(store.engine) as s:
            held = s.get(LockRow, ledger)
            if held is not None:
                s.expunge(held)
        if held is None:
            continue  # released meanwhile
        if alive(held.owner, held.heartbeat_at):
            run = f"run {held.run_id}" if held.run_id else "a run starting"
            return f"{run} ({describe(held.owner)}, since {held.acquired_at})"
        with Session(store.engine) as s, s.begin():  # its owner died: take it over
            gone = s.execute(delete(LockRow).where(LockRow.ledger == ledger,
                                                   LockRow.owner == held.owner))
            if gone.rowcount and held.run_id:  # type: ignore[attr-defined]
                s.execute(update(RunRow).where(RunRow.id == held.run_id,
                                               RunRow.status == "running")
                          .values(status="interrupted", finished_at=held.heartbeat_at))


def claim(store: Store, ledger: str, owner: str, run_id: str) -> None:
    """Name the run that holds the ledger."""
    with Session(store.engine) as s, s.begin():
        s.execute(update(LockRow).where(LockRow.ledger == ledger, LockRow.owner == owner)
                  .values(run_id=run_id))


def beat(store: Store, ledger: str, owner: str, run_id: str) -> None:
    """The holder's heartbeat, on the lock and on the run."""
    stamp = now()
    with Session(store.engine) as s, s.begin():
        s.execute(update(LockRow).where(LockRow.ledger == ledger, LockRow.owner == owner)
                  .values(heartbeat_at=stamp))
        s.execute(update(RunRow).where(RunRow.id == run_id).values(heartbeat_at=stamp))


def unlock(store: Store, ledger: str, owner: str) -> None:
    """Let the ledger go."""
    with Session(store.engine) as s, s.begin():
        s.execute(delete(LockRow).where(LockRow.ledger == ledger, LockRow.owner == owner))


def reap(store: Store) -> list[str]:
    """Mark ``interrupted`` every ``running`` run whose process is gone; their ids."""
    with Session(store.engine) as s:
        rows = s.execute(select(RunRow.id, RunRow.owner, RunRow.heartbeat_at)
                         .where(RunRow.status == "running")).all()
    dead = [(rid, beat_at) for rid, owner, beat_at in rows if not alive(owner, beat_at)]
    with Session(store.engine) as s, s.begin():
        for rid, beat_at in dead:
            s.execute(update(RunRow).where(RunRow.id == rid, RunRow.status == "running")
                      .values(status="interrupted", finished_at=beat_at))
    return [rid for rid, _ in dead]
