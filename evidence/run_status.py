"""How collection has been going: the last runs per source, for people and for monitors.

One ``Overview`` read from the store feeds three outputs: the ``evidence status``
tables, its ``--json`` form, and the ``status.json`` published with the site.
The published file is public, so it carries counts only: error and warning
messages can name private repositories and stay in ``evidence status``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from collector.store import CursorInfo, RunRecord, Store
from core.redaction import redact

STATUS_FILE = "status.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class SourceRun:
    """What one source did in one run (from the run history's summary)."""

    source: str
    run_id: int
    started_at: datetime
    finished_at: datetime | None
    run_status: str  # the whole run's: complete, partial, failed, interrupted, running
    failed: bool
    repositories: int
    new: int
    updated: int
    items_gone: int
    items_skipped: int  # entries the forge sent that could not be mapped
    requests: int
    not_modified: int
    rate_cost: int
    rate_remaining: int | None
    rate_limit: int | None
    stopped: str | None
    warnings: tuple[str, ...]
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Overview:
    runs: tuple[RunRecord, ...]  # newest first
    latest: tuple[SourceRun, ...]  # the newest run of each source, by source name
    resuming: tuple[CursorInfo, ...]  # lists with a pass in progress: the next run goes on
    failing: tuple[CursorInfo, ...]  # lists whose last runs failed
    gone: Mapping[str, int]  # repositories and items kept but no longer shown


def read_overview(store: Store, limit: int = 10) -> Overview:
    runs = tuple(store.last_runs(limit))
    cursors = store.cursors()
    return Overview(
        runs=runs,
        latest=latest_per_source(runs),
        resuming=tuple(c for c in cursors if c.cursor.current is not None),
        failing=tuple(c for c in cursors if c.cursor.failures > 0),
        gone=store.gone_counts(),
    )


def source_runs(run: RunRecord) -> list[SourceRun]:
    sources = run.summary.get("sources", [])
    return [_source_run(run, entry) for entry in sources if isinstance(entry, Mapping)]


def latest_per_source(runs: Sequence[RunRecord]) -> tuple[SourceRun, ...]:
    latest: dict[str, SourceRun] = {}
    for run in runs:  # newest first: the first sighting of a source is its latest run
        for entry in source_runs(run):
            latest.setdefault(entry.source, entry)
    return tuple(sorted(latest.values(), key=lambda entry: entry.source))


def document(overview: Overview, *, generated_at: datetime, public: bool) -> dict[str, Any]:
    """The JSON form. ``public``: counts instead of messages (for the published site)."""

    def source(entry: SourceRun) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "name": entry.source,
            "run": entry.run_id,
            "started_at": _iso(entry.started_at),
            "finished_at": _iso(entry.finished_at),
            "status": "failed" if entry.failed else entry.run_status,
            "stopped_early": entry.stopped is not None,
            "repositories": entry.repositories,
            "new": entry.new,
            "updated": entry.updated,
            "items_gone": entry.items_gone,
            "items_skipped": entry.items_skipped,
            "requests": entry.requests,
            "not_modified": entry.not_modified,
            "rate_limit_cost": entry.rate_cost,
            "rate_limit_remaining": entry.rate_remaining,
            "rate_limit": entry.rate_limit,
            "errors": len(entry.errors),
            "warnings": len(entry.warnings),
        }
        if not public:
            shown.update(
                stopped=entry.stopped, error_messages=entry.errors, warning_messages=entry.warnings
            )
        return shown

    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _iso(generated_at),
        "sources": [source(entry) for entry in overview.latest],
        "runs": [
            {
                "id": run.id,
                "started_at": _iso(run.started_at),
                "finished_at": _iso(run.finished_at),
                "status": run.status,
            }
            for run in overview.runs
        ],
        "lists_resuming": len(overview.resuming),
        "lists_failing": len(overview.failing),
        "gone": dict(overview.gone),
    }


def print_overview(console: Console, overview: Overview) -> None:
    """The ``evidence status`` tables, then every problem of each source's latest run.

    The tables are stacked into a few lines per source and run when they would not
    fit the terminal: a squeezed table truncates dates and names to "202…".
    """
    if not overview.runs:
        console.print("No runs yet: run `evidence build`.")
        return
    latest = _latest_table(overview.latest)
    history = _history_table(overview.runs)
    if fits(console, latest) and fits(console, history):
        console.print(latest)
        console.print(history)
    else:
        _print_stacked(console, overview)
    _problems(console, overview)


def _problems(console: Console, overview: Overview) -> None:
    for entry in overview.latest:
        if entry.items_skipped:
            console.print(
                f"{entry.source}: {entry.items_skipped} entries skipped for unexpected data "
                "(each named in a warning below); the rest was collected",
                markup=False,
                highlight=False,
            )
        for line in entry.errors:
            console.print(f"error: {redact(line)}", markup=False, highlight=False)
        for line in entry.warnings:
            console.print(f"warning: {redact(line)}", markup=False, highlight=False)
    if overview.resuming:
        console.print(
            f"{len(overview.resuming)} lists were stopped part-way; the next run resumes them."
        )
    for info in overview.failing:
        console.print(
            f"failing: {info.repo} {info.kind.value}: {info.cursor.failures} runs in a row "
            f"({redact(info.cursor.last_error or '')})",
            markup=False,
            highlight=False,
        )
    if any(overview.gone.values()):
        console.print(
            f"Kept but not shown (gone from the forge): {overview.gone.get('repositories', 0)} "
            f"repositories, {overview.gone.get('items', 0)} items."
        )


def _rate_left(entry: SourceRun) -> str:
    left = "-" if entry.rate_remaining is None else str(entry.rate_remaining)
    return left if entry.rate_limit is None else f"{left}/{entry.rate_limit}"


def _status(entry: SourceRun) -> str:
    return "failed" if entry.failed else entry.run_status


def _latest_table(latest: Sequence[SourceRun]) -> Table:
    table = Table(
        "Source",
        "Last run (UTC)",
        "Status",
        "Repos",
        "New",
        "Updated",
        "Gone",
        "Requests",
        "304",
        "Rate cost",
        "Rate left",
        "Errors",
        title="Last run per source",
    )
    for entry in latest:
        table.add_row(
            entry.source,
            f"{entry.started_at:%Y-%m-%d %H:%M}",
            _status(entry),
            str(entry.repositories),
            str(entry.new),
            str(entry.updated),
            str(entry.items_gone),
            str(entry.requests),
            str(entry.not_modified),
            str(entry.rate_cost),
            _rate_left(entry),
            str(len(entry.errors)),
        )
    return table


def _history_table(runs: Sequence[RunRecord]) -> Table:
    table = Table("Run", "Started (UTC)", "Finished", "Status", "Sources", title="Runs")
    for run in runs:
        finished = f"{run.finished_at:%H:%M:%S}" if run.finished_at else "-"
        table.add_row(
            str(run.id), f"{run.started_at:%Y-%m-%d %H:%M}", finished, run.status, _names(run)
        )
    return table


def _names(run: RunRecord) -> str:
    return ", ".join(entry.source for entry in source_runs(run)) or "-"


def fits(console: Console, table: Table) -> bool:
    """Whether ``table`` fits the console at its natural width, nothing squeezed."""
    unbounded = console.options.update(max_width=10_000)  # measure, do not squeeze
    return Measurement.get(console, unbounded, table).maximum <= console.width


def _print_stacked(console: Console, overview: Overview) -> None:
    """The same figures as the tables, a few short lines per source and per run."""

    def line(text: str) -> None:
        # Source names and statuses come from the config and the store: never markup.
        console.print(text, markup=False, highlight=False)

    line("Last run per source")
    for entry in overview.latest:
        line(f"{entry.source}: {_status(entry)}, last run {entry.started_at:%Y-%m-%d %H:%M} UTC")
        line(
            f"  repositories {entry.repositories}, new {entry.new}, updated {entry.updated}, "
            f"gone {entry.items_gone}"
        )
        line(
            f"  requests {entry.requests}, 304 {entry.not_modified}, rate cost {entry.rate_cost}, "
            f"rate left {_rate_left(entry)}, errors {len(entry.errors)}"
        )
    line("")
    line("Runs")
    for run in overview.runs:
        finished = f"{run.finished_at:%H:%M:%S}" if run.finished_at else "-"
        line(f"  {run.id}: {run.status}, {run.started_at:%Y-%m-%d %H:%M} UTC to {finished}")
        line(f"    sources: {_names(run)}")


def _source_run(run: RunRecord, entry: Mapping[str, Any]) -> SourceRun:
    def number(key: str) -> int:
        value = entry.get(key)
        return value if isinstance(value, int) else 0

    def optional(key: str) -> int | None:
        value = entry.get(key)
        return value if isinstance(value, int) else None

    stopped = entry.get("stopped")
    return SourceRun(
        source=str(entry.get("name", "-")),
        run_id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        run_status=run.status,
        failed=bool(entry.get("failed")),
        repositories=number("repositories"),
        new=number("new"),
        updated=number("updated"),
        items_gone=number("items_gone"),
        items_skipped=number("items_skipped"),
        requests=number("requests"),
        not_modified=number("not_modified"),
        rate_cost=number("rate_cost"),
        rate_remaining=optional("rate_remaining"),
        rate_limit=optional("rate_limit"),
        stopped=stopped if isinstance(stopped, str) else None,
        warnings=tuple(str(line) for line in entry.get("warnings", ()) or ()),
        errors=tuple(str(line) for line in entry.get("errors", ()) or ()),
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
