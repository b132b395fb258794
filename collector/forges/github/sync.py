"""What an incremental GitHub run reads for one (repository, kind), and why that is enough.

Pull requests
    Listed newest-updated first (``sort=updated&direction=desc``), page 1 asked
    conditionally, read down to the watermark (``newest_first_pass``). Any
    change to a pull request (a push, a label, a title, closing, merging) moves
    its own ``updated_at`` and so brings it to page 1: page 1 answering 304 (free
    on GitHub) proves nothing changed. Never skipped on the repository's
    ``pushed_at``: labelling or retitling is not a push, and whether it moves the
    repository's ``updated_at`` is undocumented (in practice it does not), so
    neither timestamp can prove a pull request list unchanged.
Commits (default branch)
    Skipped without a request when ``pushed_at`` has not moved since the last
    complete pass started: a commit reaches a branch only through a push, and a
    merge in the web UI is a push too. Otherwise listed with
    ``since = watermark - COMMIT_LOOKBACK``: ``since`` filters on the commit
    date, and commits can land later than they were made (a merge commit brings
    in a branch's older commits); the look-back catches those made up to a week
    before the last run. Older ones arrive with their pull request, not as commits.
Releases and tags
    ``whole_list_pass``: every page asked conditionally, deletions detected.
    Not skipped on ``pushed_at``: editing a release's notes is not a push, and a
    tag created from the releases page is not documented to move it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from collector.forges.base.passes import Fetch, newest_first_pass, unchanged_since, whole_list_pass
from collector.model.incremental import Cursor, SyncPage, SyncState
from collector.model.records import Commit, Item, Kind, Repository

COMMIT_LOOKBACK = timedelta(days=7)


def pages(
    fetch: Fetch,
    first_url: str,
    repository: Repository,
    kind: Kind,
    state: SyncState,
    *,
    page_size: int,
) -> Iterator[SyncPage]:
    """The pages to commit for ``kind`` in ``repository``; ``first_url`` is the full list's."""
    if kind is Kind.MERGE_REQUEST:
        return newest_first_pass(
            fetch, first_url, state, ordering=_updated_at, stop_at_watermark=True
        )
    if kind is Kind.COMMIT:
        marker = pushed_marker(repository)
        if unchanged_since(state.cursor, marker):
            return iter(())
        watermark = state.cursor.watermark
        if watermark is not None:
            since = (watermark - COMMIT_LOOKBACK).astimezone(UTC)
            first_url = f"{first_url}&{urlencode({'since': f'{since:%Y-%m-%dT%H:%M:%SZ}'})}"
        return newest_first_pass(
            fetch,
            first_url,
            state,
            ordering=_committed_at,
            stop_at_watermark=False,  # GitHub filters by ``since`` already
            marker=marker,
            conditional=False,  # only read after a push; a 304 is then unlikely
        )
    return whole_list_pass(fetch, first_url, state, page_size=page_size)


def empty_repository(repository: Repository, state: SyncState) -> SyncPage:
    """An empty repository has no commits (GitHub answers 409): complete, nothing to store."""
    return SyncPage(
        items=(), cursor=Cursor(marker=pushed_marker(repository), completed_at=state.now)
    )


def pushed_marker(repository: Repository) -> str | None:
    pushed_at = repository.pushed_at
    return None if pushed_at is None else pushed_at.astimezone(UTC).isoformat()


def _updated_at(item: Item) -> datetime | None:
    return item.updated_at


def _committed_at(item: Item) -> datetime | None:
    if isinstance(item, Commit) and item.committed_at is not None:
        return item.committed_at
    return item.created_at
