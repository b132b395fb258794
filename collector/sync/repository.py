"""The sync loop's work for one source's listing and one repository.

Every forge reads only what changed (a first run reads from an empty state):
each ``SyncPage`` is committed with its cursor in one transaction.

The listing is reconciled with what the store holds, but only when the forge
read every scope in full: a stored repository it no longer lists is flagged
gone, "moved" when the same forge id now lives under another path; a path that
now names a different repository (another forge id) starts over from scratch.
Flagged repositories and their items stay in the store, hidden from the pages;
being listed again clears the flag.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from collector.forges.base.interface import (
    ForgeSource,
    ListUnavailable,
    RateLimitStop,
    RepositoryUnavailable,
)
from collector.model.incremental import SyncPage, SyncState
from collector.model.records import Kind, RepoRef, Repository
from collector.store import KnownRepository, Store, UpsertCounts

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Called after each committed page; raises to stop the run between two pages.
PageCheck = Callable[[Repository, Kind], None]


def list_repositories(
    forge: ForgeSource, store: Store, *, at: datetime, warnings: list[str]
) -> list[Repository]:
    """Every repository in the source's scope, with the store reconciled to the listing."""
    known = store.known_repositories(forge.name)
    listed = list(forge.repositories_since({ref: k.repository for ref, k in known.items()}))
    for repository in listed:
        before = known.get(repository.ref)
        if before is not None and _replaced(before.repository, repository):
            store.forget_repository(forge.name, repository.ref, at=at)
            warnings.append(
                f"source {forge.name}: {repository.ref} is now another repository (new id); "
                "its old items are no longer shown and it is collected afresh"
            )
    if forge.listing_complete:
        marks = _missing(forge.name, listed, known)
        if store.mark_repositories_gone(marks, at=at):
            warnings.extend(
                f"source {forge.name}: {ref} {reason}; its stored items are kept but no "
                "longer shown"
                for ref, reason in marks
            )
    return listed


class Tally(Protocol):
    """Where a repository's results add up (``collector.sync.SourceReport``)."""

    items: dict[Kind, UpsertCounts]
    items_gone: int
    warnings: list[str]
    errors: list[str]


def collect_repository(
    forge: ForgeSource,
    store: Store,
    repository: Repository,
    tally: Tally,
    *,
    clock: Clock,
    after_page: PageCheck | None = None,
) -> bool:
    """Collect every kind of one repository; False when it failed (the error is in ``tally``).

    A repository the forge says is gone is flagged, and counts as done.
    """
    items, warnings, errors = tally.items, tally.warnings, tally.errors
    ref = repository.ref
    states = store.sync_states(forge.name, ref, forge.kinds, now=clock())
    for kind in forge.kinds:
        try:
            state = states[kind]
            asked, read = forge.stats.requests, UpsertCounts()
            for page in forge.sync_items(repository, kind, state):
                if not _writes_nothing(page, state):
                    outcome = store.commit_page(forge.name, ref, kind, page, seen_at=clock())
                    read = read + outcome.counts
                    items[kind] = items.get(kind, UpsertCounts()) + outcome.counts
                    tally.items_gone += outcome.gone
                if after_page is not None:
                    after_page(repository, kind)
            log.info(
                "%s: %s: %d new, %d updated (%d requests)",
                ref.path,
                kind.value,
                read.new,
                read.updated,
                forge.stats.requests - asked,
            )
        except ListUnavailable as exc:
            _list_failed(forge.name, store, ref, kind, exc, tally, at=clock())
        except RepositoryUnavailable as exc:
            if exc.gone:
                store.mark_repositories_gone([(ref, exc.reason)], at=clock())
                warnings.append(
                    f"source {forge.name}: {exc}; its stored items are kept but no longer shown"
                )
                return True
            failures = store.record_failure(forge.name, ref, kind, exc.reason, at=clock())
            in_a_row = f" (failing {failures} runs in a row)" if failures > 1 else ""
            message = f"source {forge.name}: {exc}; skipped, its stored items are kept{in_a_row}"
            errors.append(message)
            # in_report: the caller prints the report's errors, so a terminal may drop this.
            log.warning("%s", message, extra={"in_report": True})
            return False
        except RateLimitStop as exc:
            raise RateLimitStop(
                forge.name,
                f"{exc.detail} (stopped at {ref}, {kind.value})",
                resets_at=exc.resets_at,
            ) from None
    return True


def _list_failed(
    source: str,
    store: Store,
    ref: RepoRef,
    kind: Kind,
    exc: ListUnavailable,
    tally: Tally,
    *,
    at: datetime,
) -> None:
    """One list of a readable repository failed: say which and why; its stored items stay."""
    if exc.refused:
        tally.warnings.append(
            f"source {source}: {exc}; this list is skipped, the rest is collected"
        )
        return
    failures = store.record_failure(source, ref, kind, exc.reason, at=at)
    in_a_row = f" (failing {failures} runs in a row)" if failures > 1 else ""
    message = f"source {source}: {exc}; skipped, its stored items are kept{in_a_row}"
    tally.errors.append(message)
    log.warning("%s", message, extra={"in_report": True})  # printed once, from the report


def _writes_nothing(page: SyncPage, state: SyncState) -> bool:
    """A page that would store nothing new: a 304 that leaves the cursor as it is."""
    return (
        not page.items
        and not page.memos
        and not page.touched
        and page.absent_before is None
        and page.cursor == state.cursor
        and state.cursor.failures == 0
    )


def _replaced(before: Repository, now: Repository) -> bool:
    return (
        before.forge_id is not None and now.forge_id is not None and before.forge_id != now.forge_id
    )


def _missing(
    source: str, listed: list[Repository], known: Mapping[RepoRef, KnownRepository]
) -> list[tuple[RepoRef, str]]:
    """Stored, current repositories of the source that a complete listing did not name."""
    listed_refs = {repository.ref for repository in listed}
    by_id = {r.forge_id: r for r in listed if r.forge_id is not None}
    marks: list[tuple[RepoRef, str]] = []
    for ref, entry in sorted(known.items(), key=lambda pair: str(pair[0])):
        if ref in listed_refs or entry.gone_reason is not None:
            continue
        forge_id = entry.repository.forge_id
        successor = by_id.get(forge_id) if forge_id is not None else None
        if successor is not None:
            marks.append((ref, f"moved to {successor.ref}"))
        else:
            marks.append(
                (
                    ref,
                    f"is no longer listed by source {source}: deleted, renamed, made private "
                    "or out of the configured scope",
                )
            )
    return marks
