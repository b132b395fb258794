"""What the evidence proves, as numbers: each with its definition, window and items.

Figures count surfaced evidence only, so every number links to the list of
items behind it. The window is the twelve full calendar months before the
build: it moves once a month, so nightly builds of an unchanged ledger give
unchanged pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from statistics import median

from collector.model.records import RepoRef
from renderer.chains import Event, Timeline, failure_after
from renderer.model import Figure, FigureRow, FigureSet, MonthCount, Window

WINDOW_MONTHS = 12
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

InScope = Callable[[RepoRef], bool]


def _month_start(moment: datetime, back: int = 0) -> datetime:
    index = moment.year * 12 + moment.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _month_label(moment: datetime) -> str:
    return f"{MONTHS[moment.month - 1]} {moment.year}"


def figure_window(generated_at: datetime, months: int = WINDOW_MONTHS) -> Window:
    end = _month_start(generated_at.astimezone(UTC))
    start = _month_start(end, months)
    last = _month_start(end, 1)
    return Window(start, end, f"{_month_label(start)} – {_month_label(last)}", months)


def duration(delta: timedelta) -> str:
    """A lead time as people say it: "40 min", "5.5 h", "3.2 days"."""
    minutes = delta.total_seconds() / 60
    if minutes < 60:
        return f"{max(round(minutes), 0)} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _median(deltas: Sequence[timedelta]) -> timedelta:
    return timedelta(seconds=median(d.total_seconds() for d in deltas))


class FigureBuilder:
    """The figures of one scope (all systems, or one system's repositories)."""

    def __init__(self, timeline: Timeline, window: Window, scope: str, slug: str) -> None:
        self.timeline = timeline
        self.window = window
        self.scope = scope
        self.slug = slug

    def _inside(self, moment: datetime) -> bool:
        return self.window.start <= moment < self.window.end

    def _path(self, figure: str) -> str:
        return f"proves/{self.slug}-{figure}.html"

    def build(self, in_scope: InScope) -> FigureSet:
        deployments = [
            d for d in self.timeline.deployments if in_scope(d.repo) and self._inside(d.at)
        ]
        figures = (
            self._deployments(deployments),
            self._lead_time_merge(in_scope),
            self._lead_time_deploy(in_scope),
            self._change_failure(deployments),
            self._incidents(in_scope),
            self._time_to_resolve(in_scope),
        )
        return FigureSet(self.scope, self.slug, figures)

    def _figure(
        self,
        slug: str,
        title: str,
        value: str | None,
        definition: str,
        rows: Sequence[FigureRow],
        empty_note: str = "No items in this window.",
        by_month: tuple[MonthCount, ...] = (),
    ) -> Figure:
        return Figure(
            slug=slug,
            title=title,
            value=value,
            empty_note=empty_note,
            definition=definition,
            window=self.window,
            rows=tuple(reversed(rows)),  # newest first, like every list of the site
            path=self._path(slug),
            by_month=by_month,
        )

    def _by_month(self, events: Sequence[Event]) -> tuple[MonthCount, ...]:
        counts = []
        for back in range(self.window.months, 0, -1):
            start = _month_start(self.window.end, back)
            end = _month_start(self.window.end, back - 1)
            counts.append(
                MonthCount(_month_label(start), sum(1 for e in events if start <= e.at < end))
            )
        return tuple(counts)

    def _deployments(self, deployments: Sequence[Event]) -> Figure:
        count = len(deployments)
        rate = count / self.window.months
        rows = [FigureRow(d.entry, f"{d.role.lower()} {_date(d.at)}") for d in deployments]
        return self._figure(
            "deployments",
            "Deployments per month",
            f"{rate:.1f} per month ({count} in {self.window.months} months)" if count else None,
            f"{self.timeline.deployment_definition} Their number in the window, divided by "
            f"its {self.window.months} months.",
            rows,
            by_month=self._by_month(deployments),
        )

    def _lead_time_merge(self, in_scope: InScope) -> Figure:
        changes = [
            c for c in self.timeline.changes if in_scope(c.repo) and self._inside(c.merged_at)
        ]
        rows = [
            FigureRow(
                c.entry,
                f"opened {_date(c.opened_at)}, merged {_date(c.merged_at)}: "
                f"{duration(c.merged_at - c.opened_at)}",
                seconds=(c.merged_at - c.opened_at).total_seconds(),
            )
            for c in changes
        ]
        deltas = [c.merged_at - c.opened_at for c in changes]
        return self._figure(
            "lead-time-merge",
            "Median lead time to merge",
            f"{duration(_median(deltas))} over {len(deltas)} merge requests" if deltas else None,
            "For each merge request in the ledger merged in the window: the time from opened "
            "to merged. The median of those times.",
            rows,
        )

    def _lead_time_deploy(self, in_scope: InScope) -> Figure:
        rows: list[FigureRow] = []
        deltas: list[timedelta] = []
        for change in self.timeline.changes:
            if not (in_scope(change.repo) and self._inside(change.merged_at)):
                continue
            if change.shipped_at is None:
                continue
            deltas.append(change.shipped_at - change.opened_at)
            rows.append(
                FigureRow(
                    change.entry,
                    f"opened {_date(change.opened_at)}, merged {_date(change.merged_at)}, "
                    f"first {change.shipped_role} {_date(change.shipped_at)}: "
                    f"{duration(change.shipped_at - change.opened_at)}",
                    related=change.shipped_entry,
                    seconds=(change.shipped_at - change.opened_at).total_seconds(),
                )
            )
        return self._figure(
            "lead-time-deploy",
            "Median lead time to first deployment",
            f"{duration(_median(deltas))} over {len(deltas)} merge requests" if deltas else None,
            "For each merge request in the ledger merged in the window and shipped since: the "
            "time from opened to the first deployment of the release that shipped it. The "
            f"median of those times. {self.timeline.deployment_definition}",
            rows,
        )

    def _change_failure(self, deployments: Sequence[Event]) -> Figure:
        rows = []
        failed = 0
        for deployment in deployments:
            failure = failure_after(self.timeline, deployment)
            if failure is None:
                detail = f"{_date(deployment.at)}: no incident, revert or hotfix before the next"
            else:
                failed += 1
                detail = f"{_date(deployment.at)}: followed on {_date(failure.at)} by"
            rows.append(
                FigureRow(deployment.entry, detail, related=failure.entry if failure else None)
            )
        share = None
        if deployments:
            share = f"{failed} of {len(deployments)} deployments ({failed / len(deployments):.0%})"
        return self._figure(
            "change-failure",
            "Change failure indication",
            share,
            "A deployment counts as failed when an incident, a revert or a hotfix in the same "
            "repository follows it before its next deployment. The share of the window's "
            f"deployments that did. {self.timeline.deployment_definition}",
            rows,
        )

    def _no_incidents_note(self) -> str:
        if self.timeline.incident_records:
            return "No incidents in this window."
        return "Incident records are not collected yet; this figure appears once they are."

    def _incidents(self, in_scope: InScope) -> Figure:
        incidents = [
            i for i in self.timeline.incidents if in_scope(i.repo) and self._inside(i.opened_at)
        ]
        rows = [
            FigureRow(
                i.entry,
                f"opened {_date(i.opened_at)}"
                + (f", resolved {_date(i.resolved_at)}" if i.resolved_at else ", still open"),
            )
            for i in incidents
        ]
        return self._figure(
            "incidents",
            "Incidents",
            f"{len(incidents)} in {self.window.months} months" if incidents else None,
            "Incidents in the ledger (incident issues of the system's repositories) opened in "
            "the window.",
            rows,
            empty_note=self._no_incidents_note(),
        )

    def _time_to_resolve(self, in_scope: InScope) -> Figure:
        resolved = [
            i
            for i in self.timeline.incidents
            if in_scope(i.repo) and i.resolved_at is not None and self._inside(i.resolved_at)
        ]
        deltas = [i.resolved_at - i.opened_at for i in resolved if i.resolved_at is not None]
        rows = [
            FigureRow(
                i.entry,
                f"opened {_date(i.opened_at)}, resolved {_date(i.resolved_at)}: "
                f"{duration(i.resolved_at - i.opened_at)}",
                seconds=(i.resolved_at - i.opened_at).total_seconds(),
            )
            for i in resolved
            if i.resolved_at is not None
        ]
        return self._figure(
            "time-to-resolve",
            "Median time to resolve",
            f"{duration(_median(deltas))} over {len(deltas)} incidents" if deltas else None,
            "For each incident in the ledger resolved in the window: the time from opened to "
            "closed. The median of those times.",
            rows,
            empty_note=self._no_incidents_note(),
        )


def build_figures(
    timeline: Timeline, window: Window, *, scope: str, slug: str, in_scope: InScope
) -> FigureSet:
    return FigureBuilder(timeline, window, scope, slug).build(in_scope)
