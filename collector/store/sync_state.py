"""Incremental state in the store: cursors, page memos, gone flags. Statements only.

Every function runs on the caller's connection, inside the caller's
transaction; ``Store`` opens them. ``save_page`` is the heart of it: a page's
items, the keys a 304 confirmed, its memos and the cursor after it, in one
transaction, so a cursor never runs ahead of what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, Table, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from collector.model.incremental import Cursor, PageMemo, PassState, Position, SyncPage, Validators
from collector.model.records import Kind, RepoRef
from collector.store import codec, schema
from collector.store.upsert import CHUNK_SIZE, UpsertCounts, upsert_rows

DELETED = "deleted on the forge: missing from a complete read of its list"


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """What committing one page did to the stored items."""

    counts: UpsertCounts  # items written (new, updated) or confirmed unchanged
    gone: int = 0  # items flagged as deleted by the pass this page completed


@dataclass(frozen=True, slots=True)
class CursorInfo:
    """A cursor as ``evidence status`` shows it."""

    source: str
    repo: RepoRef
    kind: Kind
    cursor: Cursor


def load_cursor(connection: Connection, source: str, ref: RepoRef, kind: Kind) -> Cursor:
    cursors = schema.sync_cursors
    row = connection.execute(
        select(cursors).where(_list_of(cursors, ref, kind), cursors.c.source == source)
    ).first()
    return Cursor() if row is None else _cursor_of(row._mapping)


def load_memos(
    connection: Connection, source: str, ref: RepoRef, kind: Kind
) -> dict[str, PageMemo]:
    memos = schema.page_memos
    rows = connection.execute(
        select(memos).where(_list_of(memos, ref, kind), memos.c.source == source)
    )
    return {
        row.url: PageMemo(
            url=row.url,
            validators=Validators(etag=row.etag, last_modified=row.last_modified),
            next_url=row.next_url,
            keys=tuple(str(key) for key in row.keys or ()),
        )
        for row in rows
    }


def save_page(
    connection: Connection,
    source: str,
    ref: RepoRef,
    kind: Kind,
    page: SyncPage,
    *,
    seen_at: datetime,
) -> PageOutcome:
    counts = UpsertCounts()
    rows = [codec.item_row(source, item) for item in page.items]
    if rows:
        counts = upsert_rows(
            connection,
            schema.items,
            key_columns=("forge", "host", "repo_path", "kind", "key"),
            rows=rows,
            seen_at=seen_at,
        )
    for chunk in _chunks(codec.column_text(key) for key in page.touched):
        touched = connection.execute(
            update(schema.items)
            .where(_list_of(schema.items, ref, kind), schema.items.c.key.in_(chunk))
            .values(last_seen_at=seen_at, gone_at=None, gone_reason=None)
        )
        counts = counts + UpsertCounts(unchanged=touched.rowcount)
    for memo in page.memos:
        _save_memo(connection, source, ref, kind, memo, seen_at)
    # A committed page is a success: the count of failing runs starts again.
    _save_cursor(
        connection, source, ref, kind, replace(page.cursor, failures=0, last_error=None), seen_at
    )
    gone = 0
    if page.absent_before is not None:
        items = schema.items
        gone = connection.execute(
            update(items)
            .where(
                _list_of(items, ref, kind),
                items.c.last_seen_at < page.absent_before,
                items.c.gone_at.is_(None),
            )
            .values(gone_at=seen_at, gone_reason=DELETED)
        ).rowcount
    return PageOutcome(counts, gone)


def record_failure(
    connection: Connection, source: str, ref: RepoRef, kind: Kind, error: str, *, at: datetime
) -> int:
    """Count one more run in a row that failed on this list; returns the count."""
    cursor = load_cursor(connection, source, ref, kind)
    failures = cursor.failures + 1
    failed = Cursor(
        watermark=cursor.watermark,
        marker=cursor.marker,
        completed_at=cursor.completed_at,
        current=cursor.current,
        failures=failures,
        last_error=error[:500],
    )
    _save_cursor(connection, source, ref, kind, failed, at)
    return failures


def mark_repositories_gone(
    connection: Connection, marks: Sequence[tuple[RepoRef, str]], *, at: datetime
) -> int:
    """Flag repositories as gone (those not flagged yet); returns how many were flagged."""
    table = schema.repositories
    flagged = 0
    for ref, reason in marks:
        flagged += connection.execute(
            update(table)
            .where(_repository(table, ref), table.c.gone_at.is_(None))
            .values(gone_at=at, gone_reason=codec.column_text(reason))
        ).rowcount
    return flagged


def forget_repository(connection: Connection, source: str, ref: RepoRef, *, at: datetime) -> int:
    """The path now names another repository: drop its sync state, flag its old items."""
    for table in (schema.sync_cursors, schema.page_memos):
        connection.execute(
            delete(table).where(
                table.c.source == source,
                table.c.forge == ref.forge,
                table.c.host == ref.host,
                table.c.repo_path == ref.path,
            )
        )
    items = schema.items
    reason = "the repository was replaced by another one of the same name"
    return connection.execute(
        update(items)
        .where(
            items.c.forge == ref.forge,
            items.c.host == ref.host,
            items.c.repo_path == ref.path,
            items.c.gone_at.is_(None),
        )
        .values(gone_at=at, gone_reason=reason)
    ).rowcount


def cursors(connection: Connection, source: str | None = None) -> list[CursorInfo]:
    table = schema.sync_cursors
    query = select(table).order_by(table.c.source, table.c.repo_path, table.c.kind)
    if source is not None:
        query = query.where(table.c.source == source)
    return [
        CursorInfo(
            source=row.source,
            repo=RepoRef(forge=row.forge, host=row.host, path=row.repo_path),
            kind=Kind(row.kind),
            cursor=_cursor_of(row._mapping),
        )
        for row in connection.execute(query)
    ]


# -- rows ---------------------------------------------------------------------------------


def _cursor_of(row: Any) -> Cursor:
    current = None
    if row["pass_started_at"] is not None:
        last = (
            Position(at=row["resume_at"], key=row["resume_key"])
            if row["resume_key"] is not None
            else None
        )
        current = PassState(
            started_at=row["pass_started_at"],
            high=row["pass_high"],
            marker=row["pass_marker"],
            resume_url=row["resume_url"],
            last=last,
        )
    return Cursor(
        watermark=row["watermark"],
        marker=row["marker"],
        completed_at=row["completed_at"],
        current=current,
        failures=row["failures"],
        last_error=row["last_error"],
    )


def _save_cursor(
    connection: Connection, source: str, ref: RepoRef, kind: Kind, cursor: Cursor, at: datetime
) -> None:
    current = cursor.current
    last = current.last if current is not None else None
    values = {
        **_list_key(source, ref, kind),
        "watermark": cursor.watermark,
        "marker": cursor.marker,
        "completed_at": cursor.completed_at,
        "pass_started_at": current.started_at if current else None,
        "pass_high": current.high if current else None,
        "pass_marker": current.marker if current else None,
        "resume_url": current.resume_url if current else None,
        "resume_at": last.at if last else None,
        "resume_key": last.key if last else None,
        "failures": cursor.failures,
        "last_error": cursor.last_error,
        "updated_at": at,
    }
    key = ("source", "forge", "host", "repo_path", "kind")
    connection.execute(_upsert(connection, schema.sync_cursors, key), values)


def _save_memo(
    connection: Connection, source: str, ref: RepoRef, kind: Kind, memo: PageMemo, at: datetime
) -> None:
    values = {
        **_list_key(source, ref, kind),
        "url": memo.url,
        "etag": memo.validators.etag,
        "last_modified": memo.validators.last_modified,
        "next_url": memo.next_url,
        "keys": list(memo.keys),
        "updated_at": at,
    }
    connection.execute(_upsert(connection, schema.page_memos, ("source", "url")), values)


def _list_key(source: str, ref: RepoRef, kind: Kind) -> dict[str, str]:
    return {
        "source": codec.column_text(source),
        "forge": ref.forge,
        "host": codec.column_text(ref.host),
        "repo_path": codec.column_text(ref.path),
        "kind": kind.value,
    }


def _list_of(table: Table, ref: RepoRef, kind: Kind) -> Any:
    return and_(
        table.c.forge == ref.forge,
        table.c.host == codec.column_text(ref.host),
        table.c.repo_path == codec.column_text(ref.path),
        table.c.kind == kind.value,
    )


def _repository(table: Table, ref: RepoRef) -> Any:
    return and_(
        table.c.forge == ref.forge,
        table.c.host == codec.column_text(ref.host),
        table.c.path == codec.column_text(ref.path),
    )


def _upsert(connection: Connection, table: Table, key: tuple[str, ...]) -> Executable:
    replaced = [c.name for c in table.columns if c.name not in (*key, "id")]
    dialect = connection.dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(
            index_elements=list(key), set_={name: pg.excluded[name] for name in replaced}
        )
    if dialect == "sqlite":
        lite = sqlite.insert(table)
        return lite.on_conflict_do_update(
            index_elements=list(key), set_={name: lite.excluded[name] for name in replaced}
        )
    raise NotImplementedError(f"no upsert for database dialect {dialect!r}")


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
