"""A forge read as a first run reads it: the incremental read from an empty state.

There is one forge interface (``ForgeSource``); tests that want "everything in
one list" or "every repository in scope" ask it with nothing stored.
"""

from __future__ import annotations

from datetime import UTC, datetime

from collector.forges.base.interface import ForgeSource
from collector.model.incremental import Cursor, SyncState
from collector.model.records import Item, Kind, Repository


def listed(forge: ForgeSource) -> list[Repository]:
    """Every repository in the source's scope, with nothing known about them."""
    return list(forge.repositories_since({}))


def full_read(forge: ForgeSource, repository: Repository, kind: Kind) -> list[tuple[Item, ...]]:
    """Every non-empty page of one list, read from a blank cursor."""
    blank = SyncState(cursor=Cursor(), memos={}, now=datetime.now(UTC))
    return [page.items for page in forge.sync_items(repository, kind, blank) if page.items]
