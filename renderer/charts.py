"""Pictures of the evidence, drawn at render time as inline SVG: no script, no image file.

Each chart is a typed, immutable object holding its data and its geometry,
computed here from the site model; ``svg`` draws it. Templates add the legend
and the table that says the same in text (``charts.html``). Colours are CSS
classes (``series-N``, ``axis``) styled by the site's stylesheet, so a chart
follows the light, dark and print colour schemes like the text around it.

Coordinates are in a 360-unit-wide view box: a phone shows it at about one
unit per pixel, and the stylesheet caps its width on a wide screen, so labels
stay between roughly 10 and 18 px. Every string is escaped by ``Markup.format``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from markupsafe import Markup

from renderer.entries import utc
from renderer.figures import MONTHS
from renderer.model import CategorySection, Chain, EvidenceEntry, Figure, Window

WIDTH = 360
FONT = 11
HOUR = 3600.0
DAY = 24 * HOUR
# Lead-time buckets: (upper bound in seconds, label); the last one is open-ended.
BUCKETS: tuple[tuple[float, str], ...] = (
    (HOUR, "under 1 h"),
    (6 * HOUR, "1–6 h"),
    (DAY, "6–24 h"),
    (3 * DAY, "1–3 days"),
    (7 * DAY, "3–7 days"),
    (14 * DAY, "1–2 weeks"),
    (28 * DAY, "2–4 weeks"),
    (91 * DAY, "1–3 months"),
    (float("inf"), "over 3 months"),
)
CHAIN_COLUMNS = ("Merged", "Released", "Deployed", "Followed by")
FOLLOW_UPS = frozenset({"Incident", "Reverted", "Hotfix"})


def _n(value: float) -> str:
    """A coordinate with at most one decimal, the same on every machine."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1): the axis top."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def _svg(chart_id: str, height: float, title: str, description: str, body: Markup) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {w} {h}" '
        'role="img" aria-labelledby="{id}-title {id}-desc" font-size="{font}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>'
    ).format(
        w=WIDTH, h=_n(height), id=chart_id, font=FONT, title=title, desc=description, body=body
    )


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "middle") -> Markup:
    return Markup('<text x="{}" y="{}" text-anchor="{}"{}>{}</text>').format(
        _n(x), _n(y), anchor, Markup(' class="{}"').format(css) if css else "", text
    )


def _rect(x: float, y: float, width: float, height: float, css: str) -> Markup:
    return Markup('<rect x="{}" y="{}" width="{}" height="{}" class="{}"/>').format(
        _n(x), _n(y), _n(width), _n(height), css
    )


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> Markup:
    return Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" class="{}"/>').format(
        _n(x1), _n(y1), _n(x2), _n(y2), css
    )


# --- Stacked bars by month ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    series: int  # index into the chart's ``series``
    value: int
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class MonthColumn:
    label: str  # "Mar 2026"
    short: str  # "Mar"
    values: tuple[int, ...]  # one per series, for the table beside the chart
    total: int
    x: float
    width: float
    segments: tuple[Segment, ...]  # bottom to top, zero values left out


@dataclass(frozen=True, slots=True)
class MonthBars:
    """Counts per month, stacked by series (one series: plain bars)."""

    slug: str
    title: str
    description: str
    series: tuple[str, ...]  # legend labels, in stacking order
    series_css: tuple[int, ...]  # colour index of each series (its ``series-N`` class)
    columns: tuple[MonthColumn, ...]
    top: int  # value at the top of the axis

    PLOT_TOP = 14.0
    PLOT_BOTTOM = 150.0
    LEFT = 28.0
    HEIGHT = 182.0

    @property
    def total(self) -> int:
        return sum(column.total for column in self.columns)

    @property
    def svg(self) -> Markup:
        parts = [
            _line(self.LEFT, self.PLOT_BOTTOM, WIDTH, self.PLOT_BOTTOM, "axis"),
            _line(self.LEFT, self.PLOT_TOP, WIDTH, self.PLOT_TOP, "grid"),
            _text(self.LEFT - 4, self.PLOT_BOTTOM + 4, "0", "tick", "end"),
            _text(self.LEFT - 4, self.PLOT_TOP + 4, str(self.top), "tick", "end"),
        ]
        for column in self.columns:
            for segment in column.segments:
                css = f"bar series-{self.series_css[segment.series]}"
                parts.append(_rect(column.x, segment.y, column.width, segment.height, css))
            middle = column.x + column.width / 2
            if column.total:
                top = min(s.y for s in column.segments)
                parts.append(_text(middle, top - 3, str(column.total), "value"))
            parts.append(_text(middle, self.PLOT_BOTTOM + 14, column.short, "tick"))
            if column.short == "Jan" or column is self.columns[0]:
                parts.append(_text(middle, self.PLOT_BOTTOM + 27, column.label[-4:], "tick"))
        body = Markup("").join(parts)
        return _svg(self.slug, self.HEIGHT, self.title, self.description, body)


def _month_index(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def _window_months(window: Window) -> list[int]:
    first = _month_index(window.start)
    return list(range(first, first + window.months))


def month_bars(
    slug: str,
    title: str,
    series: Sequence[tuple[str, int, Sequence[datetime]]],
    window: Window,
) -> MonthBars:
    """Bars for each month of ``window``; ``series`` is (label, colour index, dates)."""
    months = _window_months(window)
    counts = [[0] * len(months) for _ in series]
    for row, (_, _, dates) in enumerate(series):
        for moment in dates:
            index = _month_index(utc(moment)) - months[0]
            if 0 <= index < len(months):
                counts[row][index] += 1
    totals = [sum(row[i] for row in counts) for i in range(len(months))]
    top = _nice_max(max(totals, default=0))
    plot = MonthBars.PLOT_BOTTOM - MonthBars.PLOT_TOP
    step = (WIDTH - MonthBars.LEFT) / len(months)
    columns = []
    for i, month in enumerate(months):
        y = MonthBars.PLOT_BOTTOM
        segments = []
        for row in range(len(series)):
            value = counts[row][i]
            if value:
                height = plot * value / top
                y -= height
                segments.append(Segment(row, value, y, height))
        name = MONTHS[month % 12]
        columns.append(
            MonthColumn(
                label=f"{name} {month // 12}",
                short=name,
                values=tuple(row[i] for row in counts),
                total=totals[i],
                x=MonthBars.LEFT + i * step + step * 0.15,
                width=step * 0.7,
                segments=tuple(segments),
            )
        )
    busiest = max(range(len(months)), key=lambda i: (totals[i], i))
    total = sum(totals)
    description = f"{total} in {window.label}"
    if total:
        description += f"; the most in {columns[busiest].label}, with {totals[busiest]}"
    if len(series) > 1:
        parts = ", ".join(f"{label} {sum(counts[row])}" for row, (label, _, _) in enumerate(series))
        description += f". By stage: {parts}"
    return MonthBars(
        slug=slug,
        title=title,
        description=description + ".",
        series=tuple(label for label, _, _ in series),
        series_css=tuple(css for _, css, _ in series),
        columns=tuple(columns),
        top=top,
    )


def activity_chart(sections: Sequence[CategorySection], window: Window) -> MonthBars:
    """Evidence per month, stacked by stage; an item in two stages counts in both."""
    series = [(s.stage.title, i, [e.event_at for e in s.entries]) for i, s in enumerate(sections)]
    return month_bars("activity", "Evidence per month, by stage", series, window)


def deployments_chart(figure: Figure, slug: str = "deployments") -> MonthBars:
    """The deployments figure's rows per month."""
    dates = [row.entry.event_at for row in figure.rows]
    return month_bars(slug, figure.title, [("Deployments", 2, dates)], figure.window)


# --- A distribution of durations ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bucket:
    label: str
    count: int
    y: float
    width: float  # bar length


@dataclass(frozen=True, slots=True)
class Distribution:
    """How many durations fall into each bucket, as horizontal bars."""

    slug: str
    title: str
    description: str
    buckets: tuple[Bucket, ...]

    LABELS = 92.0  # width of the label column
    ROW = 22.0

    @property
    def total(self) -> int:
        return sum(bucket.count for bucket in self.buckets)

    @property
    def height(self) -> float:
        return self.ROW * len(self.buckets) + 4

    @property
    def svg(self) -> Markup:
        parts = [_line(self.LABELS, 0, self.LABELS, self.height, "axis")]
        for bucket in self.buckets:
            middle = bucket.y + self.ROW / 2
            parts.append(_text(self.LABELS - 6, middle + 4, bucket.label, "tick", "end"))
            if bucket.count:
                parts.append(_rect(self.LABELS, bucket.y + 4, bucket.width, 14, "bar series-1"))
            label_x = self.LABELS + bucket.width + 4
            parts.append(_text(label_x, middle + 4, str(bucket.count), "value", "start"))
        body = Markup("").join(parts)
        return _svg(self.slug, self.height, self.title, self.description, body)


def distribution(slug: str, title: str, seconds: Sequence[float]) -> Distribution:
    """Durations in lead-time buckets, from the first to the last bucket that has any."""
    counts = [0] * len(BUCKETS)
    for value in seconds:
        counts[next(i for i, (bound, _) in enumerate(BUCKETS) if value < bound)] += 1
    used = [i for i, count in enumerate(counts) if count] or [0]
    shown = range(used[0], used[-1] + 1)
    longest = max(counts)
    room = WIDTH - Distribution.LABELS - 28  # leave space for the count after the bar
    buckets = tuple(
        Bucket(
            label=BUCKETS[i][1],
            count=counts[i],
            y=row * Distribution.ROW + 2,
            width=room * counts[i] / longest if longest else 0.0,
        )
        for row, i in enumerate(shown)
    )
    parts = ", ".join(f"{b.label}: {b.count}" for b in buckets if b.count)
    description = f"{len(seconds)} durations. {parts}." if seconds else "No durations."
    return Distribution(slug, title, description, buckets)


def figure_distribution(figure: Figure, slug: str) -> Distribution | None:
    """The spread behind a median figure; None when its rows carry no durations."""
    seconds = [row.seconds for row in figure.rows if row.seconds is not None]
    if not seconds:
        return None
    # "Median lead time to merge" -> "Lead time to merge, by duration"
    name = figure.title.removeprefix("Median ")
    return distribution(slug, f"{name[:1].upper()}{name[1:]}, by duration", seconds)


# --- A system's chains, merge to production --------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainNode:
    column: int  # index into CHAIN_COLUMNS
    role: str  # "Merged", "Released", "Deployed", "Incident", "Reverted", "Hotfix"
    label: str  # reference, short
    at: datetime


@dataclass(frozen=True, slots=True)
class ChainRow:
    nodes: tuple[ChainNode, ...]  # in column order, at most one per column


@dataclass(frozen=True, slots=True)
class ChainDiagram:
    """Merge → release → deployment → what followed, one row per chain."""

    slug: str
    title: str
    description: str
    rows: tuple[ChainRow, ...]

    HEAD = 22.0
    ROW = 46.0
    COLUMN = WIDTH / len(CHAIN_COLUMNS)

    @property
    def height(self) -> float:
        return self.HEAD + self.ROW * len(self.rows)

    def _x(self, column: int) -> float:
        return self.COLUMN * column + self.COLUMN / 2

    @property
    def svg(self) -> Markup:
        parts = [_text(self._x(i), 14, name, "head") for i, name in enumerate(CHAIN_COLUMNS)]
        for index, row in enumerate(self.rows):
            y = self.HEAD + index * self.ROW + 12
            if index:
                parts.append(_line(0, y - 10, WIDTH, y - 10, "grid"))
            for before, after in pairwise(row.nodes):
                x1, x2 = self._x(before.column) + 6, self._x(after.column) - 6
                parts.append(_line(x1, y, x2, y, "link"))
                gap = _gap(after.at - before.at)
                parts.append(_text((x1 + x2) / 2, y - 3, gap, "gap"))
            for node in row.nodes:
                x = self._x(node.column)
                css = "node follow-up" if node.role in FOLLOW_UPS else "node"
                parts.append(
                    Markup('<circle cx="{}" cy="{}" r="5" class="{}"/>').format(_n(x), _n(y), css)
                )
                label = node.label if node.column < 3 else f"{node.role} {node.label}".strip()
                parts.append(_text(x, y + 17, label, "value"))
                parts.append(_text(x, y + 29, utc(node.at).strftime("%Y-%m-%d"), "tick"))
        body = Markup("").join(parts)
        return _svg(self.slug, self.height, self.title, self.description, body)


def _gap(delta: timedelta) -> str:
    """Time between two steps, short enough to sit on the line between them."""
    seconds = delta.total_seconds()
    if seconds < 2 * DAY:
        return f"{max(seconds, 0) / HOUR:.0f} h"
    return f"{seconds / DAY:.0f} d"


def _short(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node_label(entry: EvidenceEntry) -> str:
    return _short(entry.reference or "")


def chain_diagram(slug: str, system: str, chains: Sequence[Chain]) -> ChainDiagram:
    """The first release, first deployment and first follow-up of each chain."""
    rows = []
    for chain in chains:
        nodes: dict[int, ChainNode] = {}
        for step in chain.steps:
            column = CHAIN_COLUMNS.index(step.role) if step.role in CHAIN_COLUMNS else 3
            if column not in nodes:
                label = _node_label(step.entry)
                nodes[column] = ChainNode(column, step.role, label, step.entry.event_at)
        rows.append(ChainRow(tuple(nodes[c] for c in sorted(nodes))))
    followed = sum(1 for row in rows if any(n.column == 3 for n in row.nodes))
    deployed = sum(1 for row in rows if any(n.column == 2 for n in row.nodes))
    description = (
        f"{len(rows)} merge requests of {system} followed into production: "
        f"{deployed} reached a deployment, {followed} were followed by an incident, "
        "revert or hotfix. The same chains are listed below with links."
    )
    return ChainDiagram(slug, f"{system}: merge to production", description, tuple(rows))
