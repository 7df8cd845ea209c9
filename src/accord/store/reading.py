"""Reads for the dashboard: whole-store summaries in one query each, and a run's messages
as stored text (parsed by the reader, lazily)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, cast, func, select, type_coerce
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


Header = tuple[int, int, str, str, str, str, str | None, int | None]
"""A stored message's (seq, episode, sender, recipient, kind, id, in_reply_to, round)."""


def _envelope(store: Store) -> Any:
    """The envelope column as JSON: SQLite's JSON functions read the text as it is; other
    databases cast it."""
    if store.engine.dialect.name == "sqlite":
        return type_coerce(MessageRow.envelope, JSON)
    return cast(MessageRow.envelope, JSON)


def message_headers(store: Store, run_id: str, after: int = -1,
                    batch: int = 50_000) -> Iterator[Header]:
    """A run's messages' addresses, kind, id, reply-to and round, read by the database's
    JSON functions (no envelope crosses to Python), in delivery order after ``after``."""
    env = _envelope(store)
    cols = (MessageRow.seq, MessageRow.episode, env["sender"].as_string(),
            env["recipient"].as_string(), env["kind"].as_string(), env["id"].as_string(),
            env["in_reply_to"].as_string(), env[("body", "round")].as_integer())
    while True:
        with Session(store.engine) as s:
            rows = list(s.execute(select(*cols).where(
                MessageRow.run_id == run_id, MessageRow.seq > after)
                .order_by(MessageRow.seq).limit(batch)))
        yield from (tuple(r) for r in rows)  # type: ignore[misc]
        if len(rows) < batch:
            return
        after = rows[-1][0]


def message_bodies(store: Store, run_id: str, seqs: Sequence[int]) -> dict[int, str]:
    """Some of a run's stored envelopes, by seq."""
    out: dict[int, str] = {}
    with Session(store.engine) as s:
        for i in range(0, len(seqs), 500):
            out.update((seq, text) for seq, text in s.execute(
                select(MessageRow.seq, MessageRow.envelope).where(
                    MessageRow.run_id == run_id, MessageRow.seq.in_(seqs[i:i + 500]))))
    return out


def message_texts(store: Store, run_id: str, after: int = -1, batch: int = 20_000,
                  episode: int | None = None) -> Iterator[tuple[int, int, str]]:
    """A run's messages as stored, (seq, episode, envelope JSON), in delivery order from
    the one after ``after`` (of one episode, if given); read in batches, so memory holds
    one batch of rows."""
    while True:
        q = select(MessageRow.seq, MessageRow.episode, MessageRow.envelope).where(
            MessageRow.run_id == run_id, MessageRow.seq > after)
        if episode is not None:
            q = q.where(MessageRow.episode == episode)
        with Session(store.engine) as s:
            rows = list(s.execute(q.order_by(MessageRow.seq).limit(batch)))
        yield from ((seq, ep, text) for seq, ep, text in rows)
        if len(rows) < batch:
            return
        after = rows[-1][0]
