"""The persistent store (SQLAlchemy; SQLite by default, PostgreSQL by URL)."""

from collector.store.store import (
    CursorInfo,
    GoneItem,
    KnownRepository,
    PageOutcome,
    RunRecord,
    Store,
    UpsertCounts,
)

__all__ = [
    "CursorInfo",
    "GoneItem",
    "KnownRepository",
    "PageOutcome",
    "RunRecord",
    "Store",
    "UpsertCounts",
]
