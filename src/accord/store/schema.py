"""Tables of the run store. JSON columns hold small structured values as text.

The database's schema comes from the migrations (``store.migrations``); these classes map
the current revision and must stay equal to it (``tests/test_store_schema.py`` checks)."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class RunRow(Base):
    """One invocation of a protocol on a scenario, over consecutive episodes."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ledger: Mapped[str] = mapped_column(String(200), index=True)
    scenario_name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(50))
    protocol: Mapped[str] = mapped_column(String(50))
    seed: Mapped[int] = mapped_column(Integer)
    first_episode: Mapped[int] = mapped_column(Integer)
    episodes_requested: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[str] = mapped_column(String(40))
    finished_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    scenario_json: Mapped[str] = mapped_column(Text)
    options_json: Mapped[str] = mapped_column(Text)
    scenario_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The process running it: ``host:pid:start`` (see ``store.owner``)."""
    heartbeat_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class EpisodeRow(Base):
    """The outcome of one episode of a run."""

    __tablename__ = "episodes"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    episode: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger: Mapped[str] = mapped_column(String(200), index=True)
    hard_violations: Mapped[int] = mapped_column(Integer)
    cost: Mapped[int] = mapped_column(Integer)
    cost_breakdown: Mapped[str] = mapped_column(Text)
    hard_breakdown: Mapped[str] = mapped_column(Text)
    reference_cost: Mapped[int | None] = mapped_column(Integer, nullable=True)
    messages: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)
    rounds: Mapped[int] = mapped_column(Integer)
    wall_seconds: Mapped[float] = mapped_column(Float)


class MessageRow(Base):
    """Every envelope delivered in a run, in delivery order."""

    __tablename__ = "messages"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode: Mapped[int] = mapped_column(Integer, index=True)
    envelope: Mapped[str] = mapped_column(Text)


class PlanRow(Base):
    """An agent's agreed plan in an episode."""

    __tablename__ = "plans"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    episode: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent: Mapped[str] = mapped_column(String(200), primary_key=True)
    ledger: Mapped[str] = mapped_column(String(200), index=True)
    plan: Mapped[str] = mapped_column(Text)


class CommitmentRow(Base):
    """A commitments-ledger entry; the ledger is shared by every run of a scenario+protocol."""

    __tablename__ = "commitments"
    ledger: Mapped[str] = mapped_column(String(200), primary_key=True)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    record: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    updated_episode: Mapped[int] = mapped_column(Integer)


class MetricRow(Base):
    """A named number measured in an episode (per-agent burden, solver status, …)."""

    __tablename__ = "metrics"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    episode: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class LockRow(Base):
    """The one writer of a ledger: the process that holds it and its run."""

    __tablename__ = "ledger_locks"
    ledger: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acquired_at: Mapped[str] = mapped_column(String(40))
    heartbeat_at: Mapped[str] = mapped_column(String(40))
