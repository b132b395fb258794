"""What incremental collection remembers between runs.

Every forge (``collector.forges.base.interface.ForgeSource``) is given, for each
(repository, kind), the ``SyncState`` the store kept from earlier runs: a ``Cursor``
and the ``PageMemo`` of every list page it read before (the page's ETag / Last-
Modified, the link to the next page and the keys of the items on it). It answers
with ``SyncPage`` values; the sync loop commits each one in a single transaction:
its items, the cursor after it, its memos. So the cursor can never run ahead of the
data it describes, and a run killed at any moment resumes from the last committed
page.

The types are forge-agnostic and immutable. The pass algorithms that produce
the pages from a forge's fetch function live in ``collector.forges.base.passes``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from collector.model.records import Item


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server said identifies a page's content: sent back to ask "changed since?"."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Validators | None:
        """Read from response headers with lower-case names; None when there are none."""
        etag = headers.get("etag") or None
        last_modified = headers.get("last-modified") or None
        if etag is None and last_modified is None:
            return None
        return cls(etag=etag, last_modified=last_modified)

    def request_headers(self) -> dict[str, str]:
        """The conditional request headers (RFC 9110): a 304 answer means "unchanged"."""
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True, slots=True)
class PageMemo:
    """One list page as it was last read and committed.

    ``url`` is relative to the forge's API root. ``keys`` are the keys of the
    items the page held, so a 304 can confirm them without their content.
    """

    url: str
    validators: Validators
    next_url: str | None
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Position:
    """An item's place in a newest-first list: its ordering time and its key."""

    at: datetime | None
    key: str


@dataclass(frozen=True, slots=True)
class PassState:
    """A pass over one list that has started and not finished yet.

    ``high`` is the newest ordering time seen so far: the watermark the pass
    sets when it completes. ``marker`` is the repository marker (e.g. GitHub's
    ``pushed_at``) the pass started from. ``resume_url`` and ``last`` say where
    a newest-first pass was when it last committed a page (that page's URL and
    its last item); a pass without them restarts from its first page.
    """

    started_at: datetime
    high: datetime | None = None
    marker: str | None = None
    resume_url: str | None = None
    last: Position | None = None


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where collection of one (source, repository, kind) stands.

    ``watermark``: every change to an item of this list up to that moment is
    stored (from the last complete pass). ``marker``: the repository marker that
    pass started from, to skip lists that cannot have changed. ``current``: an
    unfinished pass. ``failures``/``last_error``: runs in a row that failed here.
    """

    watermark: datetime | None = None
    marker: str | None = None
    completed_at: datetime | None = None
    current: PassState | None = None
    failures: int = 0
    last_error: str | None = None

    @property
    def complete(self) -> bool:
        """A pass finished once and none is in progress."""
        return self.completed_at is not None and self.current is None


@dataclass(frozen=True, slots=True)
class SyncState:
    """What a forge is told about one (repository, kind) before it reads it."""

    cursor: Cursor
    memos: Mapping[str, PageMemo]
    now: datetime  # the run's clock when this (repository, kind) started


@dataclass(frozen=True, slots=True)
class SyncPage:
    """One unit of work to commit atomically: items, the cursor after them, page memos.

    ``touched``: keys of stored items a 304 confirmed unchanged (their
    ``last_seen_at`` moves). ``absent_before``: set on the last page of a pass
    that read the whole list; stored items of this list not seen since that
    moment are gone from the forge and get flagged.
    """

    items: tuple[Item, ...]
    cursor: Cursor
    memos: tuple[PageMemo, ...] = ()
    touched: tuple[str, ...] = ()
    absent_before: datetime | None = None
    not_modified: bool = False


def keys_of(items: Sequence[Item]) -> tuple[str, ...]:
    return tuple(item.key for item in items)
