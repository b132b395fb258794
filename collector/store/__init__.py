"""The persistent store (SQLAlchemy; SQLite by default, PostgreSQL by URL)."""

from collector.store.store import RunRecord, Store, UpsertCounts

__all__ = ["RunRecord", "Store", "UpsertCounts"]
