"""The persistent store: what was collected, when it was seen, and the run history.

Collecting is idempotent: records are upserted on their stable key, and a
record whose content did not change is not rewritten (only ``last_seen_at``
moves). Nothing is ever deleted here, so a failed run cannot lose the last good
data. Every database failure surfaces as one ``StoreError`` line naming the store
by its URL with the password masked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, and_, func, insert, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from collector.model.incremental import SyncPage, SyncState
from collector.model.records import Deployment, Item, Kind, RepoRef, Repository
from collector.model.snapshot import Snapshot, StoredItem
from collector.store import codec, recall, schema, sync_state
from collector.store.connection import (
    WRITE_OPTION,
    create_store_engine,
    failure_reason,
    masked,
    parse_store_url,
)
from collector.store.migrate import current_revision, upgrade_to_head
from collector.store.recall import GoneItem
from collector.store.sync_state import CursorInfo, PageOutcome
from collector.store.upsert import UpsertCounts, upsert_rows
from core.errors import StoreError
from core.redaction import redact, redact_all

__all__ = [
    "RUN_STATUSES",
    "CursorInfo",
    "GoneItem",
    "KnownRepository",
    "PageOutcome",
    "RunRecord",
    "Store",
    "UpsertCounts",
]

RUN_STATUSES = frozenset({"running", "complete", "partial", "failed", "interrupted"})
_ACTION_HINT = "check that the database is reachable and writable, then rerun"


@dataclass(frozen=True, slots=True)
class KnownRepository:
    """A repository as stored, and why it is gone if it is (None: current)."""

    repository: Repository
    gone_reason: str | None


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str  # one of RUN_STATUSES
    summary: dict[str, Any]  # JSON-able per-source figures written by the caller


class Store:
    """An open store. Use ``Store.open``; close it (or use it as a context manager)."""

    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._url = url
        self._closed = False

    @classmethod
    def open(cls, url: str, *, base_dir: Path) -> Store:
        """Connect, create the SQLite folder if needed, and upgrade the schema to head.

        Relative SQLite paths resolve against ``base_dir`` (the config file's folder).
        """
        parsed = parse_store_url(url, base_dir=base_dir)
        engine = create_store_engine(parsed)
        store = cls(engine, parsed)
        try:
            with store._transaction("opening", write=True) as connection:
                upgrade_to_head(connection, where=store.location)
        except CommandError as exc:
            engine.dispose()
            raise StoreError(
                f"store {store.location}: schema upgrade failed: {exc}; {_ACTION_HINT}"
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        return store

    @property
    def location(self) -> str:
        """The store's URL, safe to print (password masked)."""
        return masked(self._url)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- collected records ---------------------------------------------------------

    def upsert_repositories(
        self, repositories: Sequence[Repository], *, seen_at: datetime
    ) -> UpsertCounts:
        """Insert or refresh repositories, unique on (forge, host, path)."""
        _require_aware(seen_at)
        rows = [codec.repository_row(repository) for repository in repositories]
        if not rows:
            return UpsertCounts()
        with self._transaction("saving repositories", write=True) as connection:
            return upsert_rows(
                connection,
                schema.repositories,
                key_columns=("forge", "host", "path"),
                rows=rows,
                seen_at=seen_at,
            )

    def upsert_items(
        self, source: str, items: Sequence[Item], *, seen_at: datetime
    ) -> UpsertCounts:
        """Insert or refresh one page of items in one transaction.

        Unique on (forge, host, repo path, kind, key); ``source`` names the
        configured source that collected them.
        """
        _require_aware(seen_at)
        rows = [codec.item_row(source, item) for item in items]
        if not rows:
            return UpsertCounts()
        with self._transaction("saving items", write=True) as connection:
            return upsert_rows(
                connection,
                schema.items,
                key_columns=("forge", "host", "repo_path", "kind", "key"),
                rows=rows,
                seen_at=seen_at,
            )

    def snapshot(self) -> Snapshot:
        """Everything stored and current, read in one transaction.

        Repositories and items flagged as gone (deleted or moved on the forge, or
        out of the sources' scope) are kept in the store but left out here, and so
        never reach classification or the pages; so are items of a gone repository.
        Order is fixed and independent of the backend's collation: repositories by
        (forge, host, path); items by repository, kind, event time, then key.
        """
        repos, rows = schema.repositories, schema.items
        repositories_query = select(repos.c.record).where(repos.c.gone_at.is_(None))
        items_query = (
            select(rows.c.record, rows.c.source, rows.c.first_seen_at, rows.c.last_seen_at)
            .select_from(
                rows.outerjoin(
                    repos,
                    and_(
                        repos.c.forge == rows.c.forge,
                        repos.c.host == rows.c.host,
                        repos.c.path == rows.c.repo_path,
                    ),
                )
            )
            .where(rows.c.gone_at.is_(None), repos.c.gone_at.is_(None))
        )
        with self._transaction("reading the snapshot", repeatable_read=True) as connection:
            repository_rows = connection.execute(repositories_query).all()
            item_rows = connection.execute(items_query).all()
        repositories = sorted(
            (codec.repository_from_json(row.record) for row in repository_rows),
            key=lambda repository: (repository.ref.forge, repository.ref.host, repository.ref.path),
        )
        items = sorted(
            (
                StoredItem(
                    item=codec.item_from_json(row.record),
                    source=row.source,
                    first_seen_at=row.first_seen_at,
                    last_seen_at=row.last_seen_at,
                )
                for row in item_rows
            ),
            key=_item_order,
        )
        return Snapshot(repositories=tuple(repositories), items=tuple(items))

    # -- incremental collection ----------------------------------------------------

    def sync_state(self, source: str, ref: RepoRef, kind: Kind, *, now: datetime) -> SyncState:
        """The cursor and page memos of one (source, repository, kind)."""
        return self.sync_states(source, ref, (kind,), now=now)[kind]

    def sync_states(
        self, source: str, ref: RepoRef, kinds: Sequence[Kind], *, now: datetime
    ) -> dict[Kind, SyncState]:
        """The cursors and page memos of several kinds of one repository, read at once."""
        _require_aware(now)
        states: dict[Kind, SyncState] = {}
        with self._transaction("reading the collection cursors") as connection:
            for kind in kinds:
                cursor = sync_state.load_cursor(connection, source, ref, kind)
                memos = sync_state.load_memos(connection, source, ref, kind)
                states[kind] = SyncState(cursor=cursor, memos=memos, now=now)
        return states

    def commit_page(
        self, source: str, ref: RepoRef, kind: Kind, page: SyncPage, *, seen_at: datetime
    ) -> PageOutcome:
        """Store a page's items, the keys a 304 confirmed, its memos and the cursor after it.

        One transaction: the cursor never claims more than what is stored.
        """
        _require_aware(seen_at)
        with self._transaction("saving items", write=True) as connection:
            return sync_state.save_page(connection, source, ref, kind, page, seen_at=seen_at)

    def record_failure(
        self, source: str, ref: RepoRef, kind: Kind, error: str, *, at: datetime
    ) -> int:
        """Note that reading this list failed again; returns the failures in a row."""
        _require_aware(at)
        with self._transaction("recording a failure", write=True) as connection:
            return sync_state.record_failure(connection, source, ref, kind, redact(error), at=at)

    def stored_items(self, ref: RepoRef, kind: Kind, keys: Collection[str]) -> dict[str, Item]:
        """Stored items of one repository and kind, by key: what a forge may reuse unfetched."""
        if not keys:
            return {}
        with self._transaction("reading stored items") as connection:
            return recall.stored_items(connection, ref, kind, keys)

    def current_keys(self, ref: RepoRef, kind: Kind) -> frozenset[str]:
        """Keys of the stored items of one repository and kind not flagged gone."""
        with self._transaction("reading stored items") as connection:
            return recall.current_keys(connection, ref, kind)

    def newest_update(self, ref: RepoRef, kind: Kind) -> datetime | None:
        """The latest ``updated_at`` stored for one repository and kind: where to read on from."""
        with self._transaction("reading stored items") as connection:
            return recall.newest_update(connection, ref, kind)

    def unfinished_deployments(
        self, ref: RepoRef, since: datetime, final: Collection[str]
    ) -> list[Deployment]:
        """Stored deployments created since ``since`` whose status is not final: to ask again."""
        _require_aware(since)
        with self._transaction("reading stored deployments") as connection:
            return recall.unfinished_deployments(connection, ref, since, final)

    def gone_items(self, urls: Collection[str], repo_paths: Collection[str]) -> list[GoneItem]:
        """Items kept but not shown (flagged gone, or of a gone repository), by URL or path."""
        with self._transaction("reading gone items") as connection:
            return recall.gone_items(connection, urls, repo_paths)

    def known_repositories(self, source: str) -> dict[RepoRef, KnownRepository]:
        """The repositories this source collected before, gone ones included."""
        table = schema.repositories
        query = select(table.c.record, table.c.gone_reason).where(table.c.source == source)
        with self._transaction("reading the stored repositories") as connection:
            rows = connection.execute(query).all()
        known = (
            KnownRepository(codec.repository_from_json(row.record), row.gone_reason) for row in rows
        )
        return {entry.repository.ref: entry for entry in known}

    def mark_repositories_gone(self, marks: Sequence[tuple[RepoRef, str]], *, at: datetime) -> int:
        """Flag repositories (and so their items) as gone, with the reason; returns how many."""
        _require_aware(at)
        if not marks:
            return 0
        with self._transaction("flagging repositories", write=True) as connection:
            return sync_state.mark_repositories_gone(connection, marks, at=at)

    def forget_repository(self, source: str, ref: RepoRef, *, at: datetime) -> int:
        """A path that now names another repository: restart its collection from scratch."""
        _require_aware(at)
        with self._transaction("resetting a repository", write=True) as connection:
            return sync_state.forget_repository(connection, source, ref, at=at)

    def cursors(self, source: str | None = None) -> list[CursorInfo]:
        """Every collection cursor (of one source), for status displays."""
        with self._transaction("reading the collection cursors") as connection:
            return sync_state.cursors(connection, source)

    def gone_counts(self) -> dict[str, int]:
        """How many stored repositories and items are flagged as gone (kept, not shown)."""
        repos, items = schema.repositories, schema.items
        with self._transaction("counting gone records") as connection:
            gone_repos = connection.execute(
                select(func.count()).select_from(repos).where(repos.c.gone_at.is_not(None))
            ).scalar_one()
            gone_items = connection.execute(
                select(func.count()).select_from(items).where(items.c.gone_at.is_not(None))
            ).scalar_one()
        return {"repositories": int(gone_repos), "items": int(gone_items)}

    # -- run history ---------------------------------------------------------------

    def start_run(self, started_at: datetime, *, shard: str | None = None) -> int:
        """Record a run as "running" and return its id.

        The caller holds the collect lock of ``shard`` (None: the whole store), so
        no earlier run of it can still be going: one still marked "running" was
        killed without a chance to say so (SIGKILL, out of memory, power loss) and
        is closed here as "interrupted", at its start, as nothing says when it died.
        """
        _require_aware(started_at)
        summary = {} if shard is None else {"shard": shard}
        statement = insert(schema.runs).values(
            started_at=started_at, finished_at=None, status="running", summary=summary
        )
        runs = schema.runs
        with self._transaction("recording the run start", write=True) as connection:
            running = connection.execute(
                select(runs.c.id, runs.c.started_at, runs.c.summary).where(
                    runs.c.status == "running"
                )
            ).all()
            for row in running:
                if shard is not None and (row.summary or {}).get("shard") != shard:
                    continue  # another shard's run: it may well be going on now
                abandoned = {**(row.summary or {}), "sources": [], "abandoned": True}
                connection.execute(
                    update(runs)
                    .where(runs.c.id == row.id)
                    .values(status="interrupted", finished_at=row.started_at, summary=abandoned)
                )
            result = connection.execute(statement)
        run_id = result.inserted_primary_key
        assert run_id is not None
        return int(run_id[0])

    def finish_run(
        self, run_id: int, *, finished_at: datetime, status: str, summary: dict[str, Any]
    ) -> None:
        _require_aware(finished_at)
        if status not in RUN_STATUSES:
            raise ValueError(f"run status {status!r} is not one of {sorted(RUN_STATUSES)}")
        statement = (
            update(schema.runs)
            .where(schema.runs.c.id == run_id)
            .values(finished_at=finished_at, status=status, summary=redact_all(summary))
        )
        with self._transaction("recording the run result", write=True) as connection:
            if connection.execute(statement).rowcount != 1:
                raise StoreError(f"store {self.location}: run {run_id} does not exist")

    def last_runs(self, limit: int = 10) -> list[RunRecord]:
        """The most recent runs, newest first."""
        runs = schema.runs
        query = select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit)
        with self._transaction("reading the run history") as connection:
            rows = connection.execute(query).all()
        return [
            RunRecord(
                id=row.id,
                started_at=row.started_at,
                finished_at=row.finished_at,
                status=row.status,
                summary=row.summary,
            )
            for row in rows
        ]

    def schema_revision(self) -> str | None:
        """The schema revision recorded in the database (the newest after ``open``)."""
        with self._transaction("reading the schema revision") as connection:
            return current_revision(connection)

    # -- plumbing ------------------------------------------------------------------

    @contextmanager
    def _transaction(
        self, action: str, *, write: bool = False, repeatable_read: bool = False
    ) -> Iterator[Connection]:
        """One transaction; database failures become a one-line ``StoreError``."""
        if self._closed:
            raise RuntimeError("the store is closed")
        try:
            with self._engine.connect() as connection:
                if write:
                    connection.execution_options(**{WRITE_OPTION: True})
                if repeatable_read and connection.dialect.name == "postgresql":
                    # Repositories and items read as of one moment, even mid-collection.
                    connection.execution_options(isolation_level="REPEATABLE READ")
                with connection.begin():
                    yield connection
        except SQLAlchemyError as exc:
            raise StoreError(
                f"store {self.location}: {action} failed: {failure_reason(exc, self._url)}; "
                f"{_ACTION_HINT}"
            ) from exc


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone; pass an aware (UTC) datetime")


def _item_order(stored: StoredItem) -> tuple[str, str, str, str, datetime, str]:
    item = stored.item
    return (
        item.repo.forge,
        item.repo.host,
        item.repo.path,
        item.kind.value,
        item.event_at,
        item.key,
    )
