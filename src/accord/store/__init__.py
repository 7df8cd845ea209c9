"""Persistence of runs, messages, plans, metrics and the commitments ledger."""

from accord.store.schema import RunRow
from accord.store.store import EpisodeRecord, Store, database_url

__all__ = ["EpisodeRecord", "RunRow", "Store", "database_url"]
