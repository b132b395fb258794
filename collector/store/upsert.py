"""Idempotent bulk upsert of one page of rows on their stable key.

A page costs a fixed number of statements whatever its size (up to the chunk
size): one SELECT for the stored hashes of the page's keys, one bulk
INSERT ... ON CONFLICT DO UPDATE for new and changed rows, and one UPDATE of
``last_seen_at`` for rows whose content did not change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, Executable, Table, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

# Keys per lookup and ids per UPDATE: far below SQLite's (32766) and PostgreSQL's
# (65535) bound-parameter limits even for five-column keys.
CHUNK_SIZE = 500
# Columns written once, when the row is first inserted.
_INSERT_ONLY = ("id", "first_seen_at")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    new: int = 0
    updated: int = 0  # existed, content changed
    unchanged: int = 0  # existed, same content (only last_seen_at moved)

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            new=self.new + other.new,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
        )

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged


class _Stored(NamedTuple):
    """What is already stored under a key: enough to tell whether a row changed."""

    id: int
    content_hash: str
    source: str


def upsert_rows(
    connection: Connection,
    table: Table,
    *,
    key_columns: tuple[str, ...],
    rows: Sequence[dict[str, Any]],
    seen_at: datetime,
) -> UpsertCounts:
    """Insert or update ``rows`` (all columns but id and the seen times).

    A row is unchanged when its ``content_hash`` and ``source`` equal the stored
    ones; then only ``last_seen_at`` is written. Rows repeating a key within the
    page collapse to the last one. A row written or touched is no longer gone
    (``gone_at``/``gone_reason`` cleared, in tables that have them).
    """
    by_key = {tuple(row[column] for column in key_columns): row for row in rows}
    stored = _stored_fingerprints(connection, table, key_columns, list(by_key))

    to_write: list[dict[str, Any]] = []
    unchanged_ids: list[int] = []
    new = 0
    for key, row in by_key.items():
        existing = stored.get(key)
        if existing is None:
            new += 1
        elif (existing.content_hash, existing.source) == (row["content_hash"], row["source"]):
            unchanged_ids.append(existing.id)
            continue
        to_write.append({**row, "first_seen_at": seen_at, "last_seen_at": seen_at})

    if to_write:
        # ON CONFLICT rather than a plain INSERT: a concurrent run that inserted the
        # same key since our SELECT turns into an update instead of a failed page.
        statement = _upsert_statement(connection.dialect.name, table, key_columns)
        connection.execute(statement, to_write)
    touch: dict[str, Any] = {"last_seen_at": seen_at}
    if "gone_at" in table.c:  # seen again: no longer gone
        touch.update(gone_at=None, gone_reason=None)
    for chunk in _chunks(unchanged_ids):
        connection.execute(update(table).where(table.c.id.in_(chunk)).values(**touch))
    return UpsertCounts(new=new, updated=len(to_write) - new, unchanged=len(unchanged_ids))


def _stored_fingerprints(
    connection: Connection,
    table: Table,
    key_columns: tuple[str, ...],
    keys: list[tuple[Any, ...]],
) -> dict[tuple[Any, ...], _Stored]:
    """What is stored under the given keys, with one query per chunk."""
    key_expression = tuple_(*(table.c[column] for column in key_columns))
    found: dict[tuple[Any, ...], _Stored] = {}
    for chunk in _chunks(keys):
        query = select(
            *(table.c[column] for column in key_columns),
            table.c.id,
            table.c.content_hash,
            table.c.source,
        ).where(key_expression.in_(chunk))
        width = len(key_columns)
        for row in connection.execute(query):
            found[tuple(row[:width])] = _Stored(row.id, row.content_hash, row.source)
    return found


def _upsert_statement(dialect: str, table: Table, key_columns: tuple[str, ...]) -> Executable:
    replaced = [c.name for c in table.columns if c.name not in (*key_columns, *_INSERT_ONLY)]
    if dialect == "postgresql":
        pg_insert = postgresql.insert(table)
        return pg_insert.on_conflict_do_update(
            index_elements=list(key_columns),
            set_={name: pg_insert.excluded[name] for name in replaced},
        )
    if dialect == "sqlite":
        lite_insert = sqlite.insert(table)
        return lite_insert.on_conflict_do_update(
            index_elements=list(key_columns),
            set_={name: lite_insert.excluded[name] for name in replaced},
        )
    raise NotImplementedError(f"no upsert for database dialect {dialect!r}")


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), CHUNK_SIZE):
        yield values[start : start + CHUNK_SIZE]
