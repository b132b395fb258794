"""Drive one forge source into the store, page by page.

Forge-agnostic: it only knows the ``ForgeSource`` interface. Each API page is
written in its own transaction as soon as it arrives, so a failure later in the
run never loses what was already collected, and memory stays flat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from collector.records import Kind, Repository
from collector.sources import ForgeSource, RepositoryUnavailable
from collector.store import Store, UpsertCounts
from evidence.errors import SourceError

log = logging.getLogger(__name__)

# Called after each repository: (repositories done, repositories in scope, repository path).
ProgressCallback = Callable[[int, int, str], None]


@dataclass(slots=True)
class SourceReport:
    """What one source delivered in one run; printed as the summary and kept in run history."""

    name: str
    repositories: UpsertCounts = field(default_factory=UpsertCounts)
    items: dict[Kind, UpsertCounts] = field(default_factory=dict)
    requests: int = 0
    rate_limit: int | None = None
    rate_remaining: int | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: bool = False  # the source as a whole could not be read

    @property
    def item_totals(self) -> UpsertCounts:
        total = UpsertCounts()
        for counts in self.items.values():
            total = total + counts
        return total

    def as_json(self) -> dict[str, object]:
        totals = self.item_totals
        return {
            "name": self.name,
            "failed": self.failed,
            "repositories": self.repositories.new
            + self.repositories.updated
            + self.repositories.unchanged,
            "items": {kind.value: vars_of(counts) for kind, counts in sorted(self.items.items())},
            "new": totals.new,
            "updated": totals.updated,
            "requests": self.requests,
            "rate_limit": self.rate_limit,
            "rate_remaining": self.rate_remaining,
            "warnings": list(self.warnings),
            "errors": list(self.errors),
        }


def vars_of(counts: UpsertCounts) -> dict[str, int]:
    return {"new": counts.new, "updated": counts.updated, "unchanged": counts.unchanged}


def collect_source(
    forge: ForgeSource,
    store: Store,
    *,
    clock: Callable[[], datetime],
    progress: ProgressCallback | None = None,
) -> SourceReport:
    """Collect everything in scope of one source; never raises for forge trouble."""
    report = SourceReport(forge.name)
    try:
        repositories = list(forge.repositories())
        report.repositories = store.upsert_repositories(repositories, seen_at=clock())
        for done, repository in enumerate(repositories, start=1):
            _collect_repository(forge, store, repository, report, clock)
            if progress is not None:
                progress(done, len(repositories), repository.ref.path)
    except SourceError as exc:
        report.failed = True
        report.errors.append(str(exc))
        log.error("%s", exc)
    finally:
        stats = forge.stats
        report.requests = stats.requests
        report.rate_limit, report.rate_remaining = stats.rate_limit, stats.rate_remaining
        report.warnings.extend(getattr(forge, "warnings", ()))
    return report


def _collect_repository(
    forge: ForgeSource,
    store: Store,
    repository: Repository,
    report: SourceReport,
    clock: Callable[[], datetime],
) -> None:
    for kind in forge.kinds:
        try:
            for page in forge.items(repository, kind):
                counts = store.upsert_items(forge.name, page, seen_at=clock())
                report.items[kind] = report.items.get(kind, UpsertCounts()) + counts
        except RepositoryUnavailable as exc:
            message = f"source {forge.name}: {exc}; skipped, its stored items are kept"
            report.errors.append(message)
            log.warning("%s", message)
            return
