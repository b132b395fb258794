"""The tables the store reads and writes, as SQLAlchemy Core objects.

This is the query-side description of the schema. The schema itself is created
and changed only by the Alembic migrations in ``migrations/versions``; a test
compares the two so they cannot drift apart.

Columns hold the common, queryable fields; ``record`` holds the full typed
record as JSON and is the only thing read back into records. ``JSON`` maps to
PostgreSQL's ``json`` (not ``jsonb``) on purpose: ``json`` keeps the text as
written and accepts the ``\\u0000`` escape that forge text can contain, which
``jsonb`` rejects.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC and always read back as aware UTC.

    SQLite has no time zone type, so the value is stored as naive UTC there;
    PostgreSQL stores ``timestamptz`` and returns it in the session's zone,
    which is normalised to UTC here so both backends give the same objects.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive time is ambiguous; refusing it here beats storing a wrong instant.
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored; pass UTC")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

repositories = Table(
    "repositories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("forge", String(16), nullable=False),
    Column("host", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("pushed_at", UTCDateTime, nullable=True),
    Column("record", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    # Set when the forge says the repository is gone for us (deleted, moved, out of
    # scope); cleared when it is listed again. Its items are then not shown.
    Column("gone_at", UTCDateTime, nullable=True),
    Column("gone_reason", Text, nullable=True),
    UniqueConstraint("forge", "host", "path", name="uq_repositories_ref"),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("forge", String(16), nullable=False),
    Column("host", Text, nullable=False),
    Column("repo_path", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("key", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("event_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("record", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    # Set when a complete read of the item's list no longer had it (deleted on the
    # forge); cleared when it is seen again. Kept, but not shown.
    Column("gone_at", UTCDateTime, nullable=True),
    Column("gone_reason", Text, nullable=True),
    UniqueConstraint("forge", "host", "repo_path", "kind", "key", name="uq_items_key"),
    Index("ix_items_kind_event_at", "kind", "event_at"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False),
    Column("summary", JSON, nullable=False),
    Index("ix_runs_started_at", "started_at"),
)

# Incremental collection (see collector.model.incremental): one cursor per
# (source, repository, kind), written in the same transaction as the page it covers.
sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("forge", String(16), nullable=False),
    Column("host", Text, nullable=False),
    Column("repo_path", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("watermark", UTCDateTime, nullable=True),
    Column("marker", Text, nullable=True),
    Column("completed_at", UTCDateTime, nullable=True),
    Column("pass_started_at", UTCDateTime, nullable=True),
    Column("pass_high", UTCDateTime, nullable=True),
    Column("pass_marker", Text, nullable=True),
    Column("resume_url", Text, nullable=True),
    Column("resume_at", UTCDateTime, nullable=True),
    Column("resume_key", Text, nullable=True),
    Column("failures", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "forge", "host", "repo_path", "kind", name="uq_sync_cursors_key"),
)

# What each list page was when last read: its validators (ETag, Last-Modified) for
# a conditional request, its next page, and the keys of the items it held.
page_memos = Table(
    "page_memos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("forge", String(16), nullable=False),
    Column("host", Text, nullable=False),
    Column("repo_path", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("url", Text, nullable=False),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("next_url", Text, nullable=True),
    Column("keys", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("source", "url", name="uq_page_memos_url"),
    Index("ix_page_memos_list", "source", "forge", "host", "repo_path", "kind"),
)
