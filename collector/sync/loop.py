"""Drive one forge source into the store, page by page.

Forge-agnostic: it only knows the ``ForgeSource`` interface (the work for one
listing and one repository is ``collector.sync.repository``). Each
API page is written in its own transaction as soon as it arrives, together with
the cursor that covers it, so a failure later in the run never loses what was
already collected, a rerun resumes where it stopped, and memory stays flat.
A repository that keeps failing is skipped and recorded; several failing in a
row end the source for this run; a rate limit that would wait too long stops
the source cleanly (the run is partial and the next one resumes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from collector.forges.base.interface import ForgeSource, RateLimitStop
from collector.model.records import Kind, Repository
from collector.store import Store, UpsertCounts
from collector.sync.repository import collect_repository, list_repositories
from core.errors import SourceError, StopRequested
from core.logs import log_context

log = logging.getLogger(__name__)

# Repositories failing one after the other say the forge itself is in trouble.
FAILING_IN_A_ROW = 3

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
    items_gone: int = 0  # stored items flagged as deleted on the forge in this run
    not_modified: int = 0  # requests answered 304: the stored copy was current
    rate_cost: int = 0  # requests that counted against the rate limit
    retries: int = 0
    waited: float = 0.0  # seconds spent waiting for rate limits and backoff
    stopped: str | None = None  # why the source stopped early (a rate limit); resumes next run
    items_skipped: int = 0  # entries the forge sent that could not be mapped (see warnings)

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
            "not_modified": self.not_modified,
            "rate_cost": self.rate_cost,
            "retries": self.retries,
            "waited": round(self.waited, 1),
            "rate_limit": self.rate_limit,
            "rate_remaining": self.rate_remaining,
            "items_gone": self.items_gone,
            "items_skipped": self.items_skipped,
            "stopped": self.stopped,
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
    should_stop: Callable[[], bool] | None = None,
    keep_repository: Callable[[Repository], bool] | None = None,
) -> SourceReport:
    """Collect everything in scope of one source; never raises for forge trouble.

    ``keep_repository`` narrows the scope (``--shard``); ``should_stop`` is asked
    after every page and ends the run with ``StopRequested`` (SIGTERM, SIGINT).
    """
    report = SourceReport(forge.name)
    try:
        log.info("source %s: listing repositories", forge.name)
        repositories = list_repositories(forge, store, at=clock(), warnings=report.warnings)
        if keep_repository is not None:
            repositories = [r for r in repositories if keep_repository(r)]
        report.repositories = store.upsert_repositories(repositories, seen_at=clock())
        log.info(
            "source %s: %d repositories in scope (%d requests so far)",
            forge.name,
            len(repositories),
            forge.stats.requests,
        )
        failing = 0
        for done, repository in enumerate(repositories, start=1):
            with log_context(repository=repository.ref.path):
                ok = collect_repository(
                    forge,
                    store,
                    repository,
                    report,
                    clock=clock,
                    after_page=_stop_check(forge.name, should_stop),
                )
            failing = 0 if ok else failing + 1
            if failing >= FAILING_IN_A_ROW:
                raise SourceError(
                    forge.name,
                    f"{failing} repositories in a row failed (see above); the rest of this "
                    "source is left for the next run",
                )
            if progress is not None:
                progress(done, len(repositories), repository.ref.path)
    except RateLimitStop as exc:
        # Not a failure: what was read is committed and the cursors resume there.
        report.stopped = exc.detail
        report.errors.append(str(exc))
        # in_report: the caller prints report.errors, so a terminal may drop this line.
        log.warning("%s", exc, extra={"in_report": True})
    except SourceError as exc:
        report.failed = True
        report.errors.append(str(exc))
        log.error("%s", exc, extra={"in_report": True})
    finally:
        stats = forge.stats
        report.requests = stats.requests
        report.rate_limit, report.rate_remaining = stats.rate_limit, stats.rate_remaining
        report.not_modified, report.rate_cost = stats.not_modified, stats.rate_cost
        report.retries, report.waited = stats.retries, stats.waited
        report.items_skipped = stats.skipped
        totals = report.item_totals
        log.info(
            "source %s: done: %d new, %d updated, %d gone; %d requests (%d answered 304)",
            forge.name,
            totals.new,
            totals.updated,
            report.items_gone,
            report.requests,
            report.not_modified,
        )
        report.warnings.extend(forge.warnings)
    return report


def _stop_check(
    source: str, should_stop: Callable[[], bool] | None
) -> Callable[[Repository, Kind], None] | None:
    """Raises ``StopRequested`` between two pages once ``should_stop`` says so."""
    if should_stop is None:
        return None

    def check(repository: Repository, kind: Kind) -> None:
        if should_stop():
            raise StopRequested(
                f"source {source}: stopped on request after a page of "
                f"{repository.ref.path} ({kind.value}); what was collected is kept "
                "and the next run continues"
            )

    return check
