"""What a forge may reuse from the store: stored items by key, how far a list was read,
and the deployments whose final status is still to be asked.

Statements only, on the caller's connection (``Store`` opens the transaction).
Items flagged as gone are included by ``stored_items``: a cached file list or a
blob sha is still right for an item that was gone for a while and came back.
``unfinished_deployments`` leaves them out: there is nothing left to ask about them.
``gone_items`` finds them for ``evidence explain``: why an item left the pages.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from collector.model.records import Deployment, Item, Kind, RepoRef
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


def current_keys(connection: Connection, ref: RepoRef, kind: Kind) -> frozenset[str]:
    """The keys of one repository's stored items of a kind, gone ones left out."""
    rows = schema.items
    query = select(rows.c.key).where(_of(ref, kind), rows.c.gone_at.is_(None))
    return frozenset(str(key) for key in connection.execute(query).scalars())


def newest_update(connection: Connection, ref: RepoRef, kind: Kind) -> datetime | None:
    """The latest ``updated_at`` among the stored items of one repository and kind."""
    rows = schema.items
    query = select(func.max(rows.c.updated_at)).where(_of(ref, kind))
    value: datetime | None = connection.execute(query).scalar_one()
    return value


def unfinished_deployments(
    connection: Connection, ref: RepoRef, since: datetime, final: Collection[str]
) -> list[Deployment]:
    """Stored deployments of one repository created at or after ``since``, not flagged as
    gone, whose status is not among ``final``; newest first.
    """
    rows = schema.items
    status = rows.c.record["status"].as_string()
    query = select(rows.c.record).where(
        _of(ref, Kind.DEPLOYMENT),
        rows.c.gone_at.is_(None),
        # ``event_at`` is ``finished_at or created_at``, never before ``created_at``: a
        # bound on the column that keeps old rows out, made exact below.
        rows.c.event_at >= since,
        or_(status.is_(None), status.not_in(sorted(final))),
    )
    found = [codec.item_from_json(row.record) for row in connection.execute(query)]
    recent = [d for d in found if isinstance(d, Deployment) and d.created_at >= since]
    return sorted(recent, key=lambda d: (d.created_at, d.id), reverse=True)


@dataclass(frozen=True, slots=True)
class GoneItem:
    """A stored item kept but no longer shown, and why."""

    item: Item
    gone_at: datetime
    reason: str
    repository_gone: bool  # its repository was reported gone (else the item itself was)


def gone_items(
    connection: Connection, urls: Collection[str], repo_paths: Collection[str]
) -> list[GoneItem]:
    """Gone items (or items of gone repositories) with one of these URLs or repository paths."""
    rows, repos = schema.items, schema.repositories
    texts = sorted({codec.column_text(url) for url in urls})
    paths = sorted({codec.column_text(path) for path in repo_paths})
    query = (
        select(
            rows.c.record,
            rows.c.gone_at,
            rows.c.gone_reason,
            repos.c.gone_at.label("repo_gone_at"),
            repos.c.gone_reason.label("repo_gone_reason"),
        )
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
        .where(
            or_(rows.c.gone_at.is_not(None), repos.c.gone_at.is_not(None)),
            or_(rows.c.url.in_(texts), rows.c.repo_path.in_(paths)),
        )
    )
    found: list[GoneItem] = []
    for row in connection.execute(query):
        # The repository's flag explains more than the item's: it hid all its items.
        repository_gone = row.repo_gone_at is not None
        found.append(
            GoneItem(
                item=codec.item_from_json(row.record),
                gone_at=row.repo_gone_at if repository_gone else row.gone_at,
                reason=(row.repo_gone_reason if repository_gone else row.gone_reason) or "",
                repository_gone=repository_gone,
            )
        )
    return found
