"""Reads for the dashboard: whole-store summaries in one query each, and a run's messages
as stored text (parsed by the reader, lazily)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.store.schema import EpisodeRow, MessageRow, RunRow
from accord.store.store import Store


def _counts(s: Session) -> dict[str, int]:
    """Stored episodes per run."""
    q = select(EpisodeRow.run_id, func.count()).group_by(EpisodeRow.run_id)
    return {rid: n for rid, n in s.execute(q)}


@dataclass(frozen=True)
class LastEpisode:
    """A run's count of stored episodes and the figures of its last one."""

    episodes: int
    episode: int
    hard_violations: int
    cost: int
    reference_cost: int | None
    messages: int


def last_episodes(store: Store) -> dict[str, LastEpisode]:
    """Per run with at least one stored episode: its count and its last episode."""
    with Session(store.engine) as s:
        counts = _counts(s)
        last = (select(EpisodeRow.run_id, func.max(EpisodeRow.episode).label("ep"))
                .group_by(EpisodeRow.run_id).subquery())
        rows = s.scalars(select(EpisodeRow).join(
            last, (EpisodeRow.run_id == last.c.run_id) & (EpisodeRow.episode == last.c.ep)))
        return {r.run_id: LastEpisode(counts[r.run_id], r.episode, r.hard_violations, r.cost,
                                      r.reference_cost, r.messages) for r in rows}


def progress(store: Store) -> list[tuple[str, str, int]]:
    """Per run, oldest first: (id, status, stored episodes): what changes while runs go."""
    with Session(store.engine) as s:
        counts = _counts(s)
        return [(rid, status, counts.get(rid, 0)) for rid, status in s.execute(
            select(RunRow.id, RunRow.status).order_by(RunRow.started_at, RunRow.id))]


def message_count(store: Store, run_id: str) -> int:
    """How many messages a run has stored."""
    with Session(store.engine) as s:
        return s.scalar(select(func.count()).select_from(MessageRow)
                        .where(MessageRow.run_id == run_id)) or 0


def message_texts(store: Store, run_id: str, after: int = -1,
                  batch: int = 20_000) -> Iterator[tuple[int, int, str]]:
    """A run's messages as stored, (seq, episode, envelope JSON), in delivery order from
    the one after ``after``; read in batches, so memory holds one batch of rows."""
    while True:
        with Session(store.engine) as s:
            rows = list(s.execute(
                select(MessageRow.seq, MessageRow.episode, MessageRow.envelope)
                .where(MessageRow.run_id == run_id, MessageRow.seq > after)
                .order_by(MessageRow.seq).limit(batch)))
        yield from ((seq, ep, text) for seq, ep, text in rows)
        if len(rows) < batch:
            return
        after = rows[-1][0]
