"""What a forge may reuse from the store: stored items by key, and how far a list was read.

Statements only, on the caller's connection (``Store`` opens the transaction).
Items flagged as gone are included: a cached file list or a blob sha is still
right for an item that was gone for a while and came back.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, select

from collector.records import Item, Kind, RepoRef
from collector.store import codec, schema
from collector.store.upsert import CHUNK_SIZE


def _of(ref: RepoRef, kind: Kind) -> ColumnElement[bool]:
    rows = schema.items
    return and_(
        rows.c.forge == ref.forge,
        rows.c.host == codec.column_text(ref.host),
        rows.c.repo_path == codec.column_text(ref.path),
        rows.c.kind == kind.value,
    )


def stored_items(
    connection: Connection, ref: RepoRef, kind: Kind, keys: Collection[str]
) -> dict[str, Item]:
    """The stored items of one repository and kind whose keys are among ``keys``."""
    rows = schema.items
    wanted = sorted({codec.column_text(key) for key in keys})
    found: dict[str, Item] = {}
    for start in range(0, len(wanted), CHUNK_SIZE):  # bounded IN lists (SQLite's limit)
        chunk = wanted[start : start + CHUNK_SIZE]
        query = select(rows.c.record).where(_of(ref, kind), rows.c.key.in_(chunk))
        for row in connection.execute(query):
            item = codec.item_from_json(row.record)
            found[item.key] = item
    return found


def newest_update(connection: Connection, ref: RepoRef, kind: Kind) -> datetime | None:
    """The latest ``updated_at`` among the stored items of one repository and kind."""
    rows = schema.items
    query = select(func.max(rows.c.updated_at)).where(_of(ref, kind))
    value: datetime | None = connection.execute(query).scalar_one()
    return value
