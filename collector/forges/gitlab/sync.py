"""What an incremental GitLab run reads for one (project, kind), and why that is enough.

GitLab counts every request against its rate limits, a 304 as much as a 200.
Whether a list is asked at all tonight is ``collector.forges.gitlab.quiet``'s
call; when it is, it is asked in a form the server filters, so that an
unchanged list costs one short answer.

Merge requests
    ``updated_after`` the watermark (less ``OVERLAP``), newest-updated first,
    read down to the watermark (``newest_first_pass``). Any change to a merge
    request (a push, a label, a title, merging, closing) moves its own
    ``updated_at``. An interrupted pass resumes from its last committed page.
Commits (default branch)
    The branch head (one request) is the marker: a complete pass that started
    from the same head has read every commit there is. Otherwise listed with
    ``since = watermark - COMMIT_LOOKBACK``, for the reason ``collector.forges.github.sync``
    gives: commits reach a branch later than they were made.
Releases and tags
    ``whole_list_pass``: every page asked conditionally, deletions detected.
    GitLab counts the 304s, but they spare the transfer and the store's writes.
Decision records
    Files change only with a commit: skipped while the branch head and the ADR
    folders asked for are those of the last complete reading.
Deployments, deploy pipelines, incidents
    ``collector.forges.gitlab.signals`` reads them on from the newest stored update;
    each page is committed as it arrives, so a rerun reads on from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from collector.forges.base.passes import Fetch, newest_first_pass, unchanged_since
from collector.forges.gitlab.signals import utc_iso
from collector.model.incremental import Cursor, SyncPage, SyncState
from collector.model.records import Commit, Item

# Merge requests updated this long before the watermark are asked again: a change
# committed on the server just after the last run read the list may carry an
# earlier ``updated_at``. Re-read items are upserted unchanged.
OVERLAP = timedelta(minutes=5)
COMMIT_LOOKBACK = timedelta(days=7)

# list_url(filters): the list's first page with these filters added, relative to the API root.
ListUrl = Callable[[dict[str, str]], str]


def merge_request_pages(fetch: Fetch, list_url: ListUrl, state: SyncState) -> Iterator[SyncPage]:
    """Merge requests changed since the cursor (the list sorted by ``updated_at``, newest first)."""
    filters: dict[str, str] = {}
    watermark = state.cursor.watermark
    if watermark is not None:
        filters["updated_after"] = utc_iso(watermark - OVERLAP)
    return newest_first_pass(
        fetch, list_url(filters), state, ordering=_updated_at, stop_at_watermark=True
    )


def reads_whole_branch(cursor: Cursor) -> bool:
    """A first reading: no ``since`` and no pass to resume, so the list starts at the head."""
    return cursor.watermark is None and cursor.current is None


def commit_pages(
    fetch: Fetch, list_url: ListUrl, state: SyncState, *, head: str | None
) -> Iterator[SyncPage]:
    """The default branch's commits since the cursor; nothing when ``head`` has not moved.

    A first reading needs no ``head``: the first commit it lists is the head, and
    the cursor it completes is marked with that one.
    """
    if unchanged_since(state.cursor, head):
        return iter(())
    filters: dict[str, str] = {}
    watermark = state.cursor.watermark
    if watermark is not None:
        filters["since"] = utc_iso(watermark - COMMIT_LOOKBACK)
    pages = newest_first_pass(
        fetch,
        list_url(filters),
        state,
        ordering=_committed_at,
        stop_at_watermark=False,  # GitLab filters by ``since`` already
        marker=head,
        conditional=False,  # read only after the head moved: a 304 is then unlikely
    )
    return _marked_with_tip(pages) if reads_whole_branch(state.cursor) else pages


def _marked_with_tip(pages: Iterator[SyncPage]) -> Iterator[SyncPage]:
    """A whole branch's pages; the pass completes marked with its first commit, the head."""
    tip: str | None = None
    for number, page in enumerate(pages):
        if number == 0 and page.items:
            tip = page.items[0].key
        if page.cursor.completed_at is not None:
            page = replace(page, cursor=replace(page.cursor, marker=tip))
        yield page


def signal_pages(
    batches: Iterable[list[Item]],
    state: SyncState,
    *,
    marker: str | None = None,
    whole_list: bool = False,
) -> Iterator[SyncPage]:
    """Pages read on from the store's newest update, then the cursor marked complete.

    The readers decide what to ask from what is stored, so each page is committed
    as it comes with the cursor as it was; only the end of the reading completes it.
    ``whole_list``: the reader yielded every item there is (the ADR files), so stored
    ones it did not yield are gone. Otherwise, nothing read and nothing to mark: no write.
    """
    read = False
    for batch in batches:
        if batch:
            read = True
            yield SyncPage(items=tuple(batch), cursor=state.cursor)
    cursor = state.cursor
    if whole_list:
        done = Cursor(marker=marker, completed_at=state.now)
        yield SyncPage(items=(), cursor=done, absent_before=state.now)
        return
    if not read and cursor.complete and cursor.marker == marker and cursor.failures == 0:
        yield SyncPage(items=(), cursor=replace(cursor, current=None), not_modified=True)
        return
    yield SyncPage(items=(), cursor=Cursor(marker=marker, completed_at=state.now))


def decision_marker(head: str | None, adr_paths: Iterable[str]) -> str | None:
    """The branch head and the ADR folders: a new folder must be read at once."""
    if head is None:  # no head known: no marker, so read every run
        return None
    return "\t".join((head, *sorted(adr_paths)))


def _updated_at(item: Item) -> datetime | None:
    return item.updated_at


def _committed_at(item: Item) -> datetime | None:
    if isinstance(item, Commit) and item.committed_at is not None:
        return item.committed_at.astimezone(UTC)
    return item.created_at
