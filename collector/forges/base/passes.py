"""The two ways to read a list incrementally, for any forge.

A forge supplies a ``Fetch`` function (one page, optionally conditional, URL
relative to its API root) and picks the pass that fits the list:

``newest_first_pass``
    For lists the forge sorts newest first by a time that moves whenever an
    item changes (GitHub pulls by ``updated_at``; commits by date). It stops
    at the cursor: the first item older than the watermark of the last complete
    pass ends it. Asked conditionally, page 1 answering 304 proves the whole
    list unchanged, since any change would have moved an item to page 1.
    Interrupted, it resumes by re-reading the last committed page: if that page
    still holds the last committed item (or starts with something newer), no
    item can have been skipped; otherwise the pass starts over. Items that
    change while a pass runs move above it and are read by the next pass,
    because the watermark it sets is the newest time seen when it started.

``whole_list_pass``
    For lists in no useful order (releases, tags): every page is asked
    conditionally with the memo of its last reading. A 304 page confirms the
    keys it held; any change shows as a 200. Having read the whole list, the
    pass reports the moment it started, so stored items it did not see can be
    flagged as deleted. Interrupted, it starts over: pages already committed
    answer 304 and cost no rate limit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from collector.model.incremental import (
    Cursor,
    PageMemo,
    PassState,
    Position,
    SyncPage,
    SyncState,
    Validators,
    keys_of,
)
from collector.model.records import Item

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Fetched:
    """One page as the forge answered it. ``items`` is None for 304 Not Modified."""

    url: str  # relative to the API root, as asked
    items: tuple[Item, ...] | None
    next_url: str | None  # relative to the API root
    validators: Validators | None

    @property
    def not_modified(self) -> bool:
        return self.items is None


# fetch(url, validators): validators None asks unconditionally (never answered by 304).
Fetch = Callable[[str, Validators | None], Fetched]
# The time a newest-first list is ordered by, for one item (None: unknown, always kept).
Ordering = Callable[[Item], datetime | None]


def unchanged_since(cursor: Cursor, marker: str | None) -> bool:
    """True when a complete pass started from this same repository marker: nothing to read."""
    return cursor.complete and marker is not None and cursor.marker == marker


def newest_first_pass(
    fetch: Fetch,
    first_url: str,
    state: SyncState,
    *,
    ordering: Ordering,
    stop_at_watermark: bool,
    marker: str | None = None,
    conditional: bool = True,
) -> Iterator[SyncPage]:
    """Pages of a newest-first list down to the cursor (see the module docstring).

    ``stop_at_watermark``: stop at the first item older than the watermark (lists
    the server does not filter). ``conditional``: ask page 1 with its memo.
    """
    cursor, current = state.cursor, state.cursor.current
    stop_at = cursor.watermark if stop_at_watermark else None
    if current is not None and current.resume_url is not None and current.last is not None:
        page = fetch(current.resume_url, None)
        if page.items is not None and _resumes_safely(page.items, current.last, ordering):
            yield from _read_down(fetch, page, state, current, ordering, stop_at, None)
            return
        log.info("list %s moved too much since the pass stopped; reading it again", first_url)
    memo = state.memos.get(first_url) if conditional and current is None else None
    page = fetch(first_url, memo.validators if memo is not None else None)
    if page.items is None and memo is not None:
        # Nothing in the list changed since the last complete pass read page 1.
        yield SyncPage(items=(), cursor=replace(cursor, current=None), not_modified=True)
        return
    first_memo = (
        PageMemo(first_url, page.validators, page.next_url)
        if conditional and page.validators is not None
        else None
    )
    running = PassState(started_at=state.now, high=cursor.watermark, marker=marker)
    yield from _read_down(fetch, page, state, running, ordering, stop_at, first_memo)


def _read_down(
    fetch: Fetch,
    page: Fetched,
    state: SyncState,
    running: PassState,
    ordering: Ordering,
    stop_at: datetime | None,
    first_memo: PageMemo | None,
) -> Iterator[SyncPage]:
    while True:
        items = _answered(page)
        fresh = tuple(item for item in items if _not_older(ordering(item), stop_at))
        running = replace(running, high=_newest(running.high, (ordering(i) for i in fresh)))
        if len(fresh) < len(items) or page.next_url is None:
            done = Cursor(watermark=running.high, marker=running.marker, completed_at=state.now)
            # Page 1's memo is saved only now: a 304 on it must mean the whole pass is stored.
            memos = (first_memo,) if first_memo is not None else ()
            yield SyncPage(items=fresh, cursor=done, memos=memos)
            return
        last = items[-1]
        running = replace(running, resume_url=page.url, last=Position(ordering(last), last.key))
        yield SyncPage(items=fresh, cursor=replace(state.cursor, current=running))
        page = fetch(page.next_url, None)


def whole_list_pass(
    fetch: Fetch, first_url: str, state: SyncState, *, page_size: int
) -> Iterator[SyncPage]:
    """Every page of a list, each asked conditionally (see the module docstring).

    Keys confirmed by a 304 are handed over with the last page, and only when
    some other page changed: a list that answered 304 throughout needs no write.
    """
    cursor = state.cursor
    started = cursor.current.started_at if cursor.current is not None else state.now
    running = replace(cursor, current=PassState(started_at=started))
    confirmed: list[str] = []
    changed = cursor.current is not None or not cursor.complete
    url: str | None = first_url
    while url is not None:
        memo = state.memos.get(url)
        page = fetch(url, memo.validators if memo is not None else None)
        if page.items is None and memo is not None and _may_have_grown(memo, page_size):
            # A full last page may have gained a successor that only a fresh read names.
            page = fetch(url, None)
        items: tuple[Item, ...] = ()
        memos: tuple[PageMemo, ...] = ()
        if page.items is None and memo is not None:
            confirmed.extend(memo.keys)
            url = memo.next_url
        else:
            items, url = _answered(page), page.next_url
            memos = (
                (PageMemo(page.url, page.validators, page.next_url, keys_of(items)),)
                if page.validators is not None
                else ()
            )
            changed = True
        if url is not None:
            if items or memos:
                yield SyncPage(items, running, memos)
            continue
        if not changed:  # every page answered 304: the list is as stored
            yield SyncPage((), replace(cursor, current=None), not_modified=True)
            return
        done = Cursor(completed_at=state.now)
        yield SyncPage(items, done, memos, tuple(confirmed), started, page.items is None)


def _answered(page: Fetched) -> tuple[Item, ...]:
    if page.items is None:
        raise ValueError(f"{page.url} answered 304 Not Modified to an unconditional request")
    return page.items


def _may_have_grown(memo: PageMemo, page_size: int) -> bool:
    return memo.next_url is None and len(memo.keys) >= page_size


def _resumes_safely(items: tuple[Item, ...], last: Position, ordering: Ordering) -> bool:
    """Whether reading on from this page can skip nothing after ``last``."""
    if any(item.key == last.key for item in items):
        return True
    first = ordering(items[0]) if items else None
    # Strictly newer: on equal times the forge's tie order is unknown, so start over.
    return first is not None and last.at is not None and first > last.at


def _not_older(at: datetime | None, stop_at: datetime | None) -> bool:
    # Equal times are kept: a change in the same second as the watermark may be unseen.
    return stop_at is None or at is None or at >= stop_at


def _newest(current: datetime | None, times: Iterable[datetime | None]) -> datetime | None:
    known = [moment for moment in times if moment is not None]
    if current is not None:
        known.append(current)
    return max(known, default=None)
