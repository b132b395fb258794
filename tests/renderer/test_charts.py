"""Charts: valid SVG with an accessible name, bars the size of their data, and pages that
carry each picture with a text alternative."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from renderer.charts import (
    DAY,
    HOUR,
    ChainDiagram,
    Distribution,
    MonthBars,
    chain_diagram,
    distribution,
    month_bars,
)
from renderer.figures import figure_window
from renderer.model import Window
from tests.renderer.builders import Inputs
from tests.renderer.site_files import one, parse

SVG = "{http://www.w3.org/2000/svg}"
WINDOW: Window = figure_window(datetime(2026, 7, 15, tzinfo=UTC), months=6)  # Jan–Jun 2026


def at(month: int, day: int = 10) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def parsed(chart: MonthBars | Distribution | ChainDiagram) -> ET.Element:
    """The chart's SVG as XML: it must parse, and name and describe itself."""
    root = ET.fromstring(str(chart.svg))  # noqa: S314 - our own output, under test
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text, "no title"
    assert desc is not None and desc.text, "no description"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox", "").startswith("0 0 360 ")
    return root


def bar_heights(root: ET.Element) -> list[float]:
    return [float(r.get("height", "0")) for r in root.iter(f"{SVG}rect")]


def test_month_bars_are_as_tall_as_their_counts() -> None:
    dates = [at(1), at(3), at(3), at(3), at(3), at(6, 1), at(6, 30)]
    chart = month_bars("deploys", "Deployments", [("Deployments", 2, dates)], WINDOW)
    assert [c.short for c in chart.columns] == ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    assert [c.total for c in chart.columns] == [1, 0, 4, 0, 0, 2]
    assert chart.top == 5  # 4 rounded up to 1, 2 or 5 × 10^k
    heights = bar_heights(parsed(chart))
    assert len(heights) == 3  # empty months draw no bar
    assert heights[1] == pytest.approx(4 * heights[0], abs=0.2)
    assert heights[2] == pytest.approx(2 * heights[0], abs=0.2)
    plot = MonthBars.PLOT_BOTTOM - MonthBars.PLOT_TOP
    assert heights[1] == pytest.approx(plot * 4 / 5, abs=0.1)
    assert "7 in Jan 2026 – Jun 2026; the most in Mar 2026, with 4" in chart.description


def test_dates_outside_the_window_are_not_drawn() -> None:
    outside = [datetime(2025, 12, 31, 23, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)]
    chart = month_bars("x", "X", [("X", 0, [*outside, at(2)])], WINDOW)
    assert chart.total == 1


def test_stacked_bars_stack_each_stage_on_the_one_below() -> None:
    series = [("Architecture", 0, [at(2)]), ("Deployment", 2, [at(2), at(2), at(4)])]
    chart = month_bars("activity", "Activity", series, WINDOW)
    february = chart.columns[1]
    assert february.values == (1, 2)
    bottom, top = february.segments
    assert (bottom.series, top.series) == (0, 1)
    assert bottom.y + bottom.height == pytest.approx(MonthBars.PLOT_BOTTOM)
    assert top.y + top.height == pytest.approx(bottom.y)
    assert top.height == pytest.approx(2 * bottom.height)
    root = parsed(chart)
    classes = [r.get("class") for r in root.iter(f"{SVG}rect")]
    assert classes == ["bar series-0", "bar series-2", "bar series-2"]
    assert "By stage: Architecture 1, Deployment 3" in chart.description


def test_a_hostile_title_stays_text() -> None:
    chart = month_bars("x", '</title><script>alert(1)</script>&"', [("<b>", 0, [])], WINDOW)
    root = parsed(chart)
    assert root.find(f".//{SVG}script") is None
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == '</title><script>alert(1)</script>&"'


def test_the_distribution_puts_each_duration_in_its_bucket() -> None:
    seconds = [30 * 60, 2 * DAY, 2.5 * DAY, 5 * DAY, 4 * HOUR]
    chart = distribution("lead", "Lead time", seconds)
    assert [(b.label, b.count) for b in chart.buckets] == [
        ("under 1 h", 1),
        ("1–6 h", 1),
        ("6–24 h", 0),  # inside the range: shown, so the gap is visible
        ("1–3 days", 2),
        ("3–7 days", 1),
    ]
    root = parsed(chart)
    widths = [float(r.get("width", "0")) for r in root.iter(f"{SVG}rect")]
    assert len(widths) == 4
    assert widths[2] == pytest.approx(2 * widths[0], abs=0.2)
    assert max(widths) < 360 - Distribution.LABELS


def test_the_chain_diagram_puts_each_step_in_its_column(sample: Inputs) -> None:
    site = sample.model()
    assert site.chains, "the sample has a chain"
    chain = site.chains[0]
    chart = chain_diagram("chains", "Payments", [chain])
    row = chart.rows[0]
    assert row.nodes[0].role == "Merged" and row.nodes[0].column == 0
    assert [n.column for n in row.nodes] == sorted({n.column for n in row.nodes})
    root = parsed(chart)
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == len(row.nodes)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert texts[:4] == ["Merged", "Released", "Deployed", "Followed by"]
    assert chain.head.event_at.strftime("%Y-%m-%d") in texts
    # The time between two steps is written on the line joining them.
    first, second = row.nodes[0], row.nodes[1]
    gap = second.at - first.at
    expected = (
        f"{gap.total_seconds() / HOUR:.0f} h"
        if gap < timedelta(days=2)
        else f"{gap.total_seconds() / DAY:.0f} d"
    )
    assert expected in texts


def test_pages_carry_each_chart_with_a_text_alternative(sample: Inputs, tmp_path: Path) -> None:
    output = tmp_path / "site"
    sample.render(output)
    home = parse(output / "index.html")
    figure = one(home, "figure#chart-activity")
    assert one(figure, "svg[role=img] title").get_text()
    table = one(figure, "details table")
    assert len(table.select("tbody tr")) == 12  # one row per month of the window
    assert [li.get_text() for li in figure.select(".legend li")] == [
        s.get_text(" ", strip=True).split(" ", 1)[1]
        for s in home.select(".trail-nav li")  # "01 Architecture" -> "Architecture"
    ]
    dossiers = [parse(p) for p in sorted((output / "systems").glob("*.html"))]
    with_chains = [d for d in dossiers if d.select("ol.chains")]
    assert with_chains, "the sample has a system with a chain"
    assert all(not d.select("figure#chart-chains") for d in dossiers if d not in with_chains)
    chains = one(with_chains[0], "figure#chart-chains")
    # The chain list right after the diagram is its text alternative, with links.
    following = chains.find_next_sibling("ol")
    assert following is not None and "chains" in (following.get("class") or [])
    assert following.select("a[href]")
