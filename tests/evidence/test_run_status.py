"""`evidence status` as people read it: whole figures at any terminal width, never "202…"."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from rich.console import Console

from collector.store import RunRecord
from evidence.run_status import Overview, latest_per_source, print_overview

STARTED = datetime(2025, 6, 1, 3, 0, 4, tzinfo=UTC)


def source(name: str, **figures: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "name": name,
        "repositories": 214,
        "new": 43,
        "updated": 156,
        "items_gone": 2,
        "requests": 1346,
        "not_modified": 1169,
        "rate_cost": 177,
        "rate_remaining": 4823,
        "rate_limit": 5000,
        "errors": [],
        "warnings": [],
    }
    entry.update(figures)
    return entry


def overview() -> Overview:
    runs = (
        RunRecord(
            id=12,
            started_at=STARTED,
            finished_at=STARTED.replace(minute=4),
            status="partial",
            summary={
                "sources": [
                    source("acme-gitlab", rate_remaining=1990, rate_limit=2000),
                    source(
                        "github.com",
                        failed=True,
                        errors=["source github.com: acme-corp/api: 502 three times; skipped"],
                    ),
                ]
            },
        ),
        RunRecord(
            id=11,
            started_at=STARTED.replace(hour=2),
            finished_at=None,
            status="interrupted",
            summary={"sources": [source("acme-gitlab")]},
        ),
    )
    return Overview(runs=runs, latest=latest_per_source(runs), resuming=(), failing=(), gone={})


def printed(width: int) -> str:
    out = io.StringIO()
    print_overview(Console(file=out, width=width, color_system=None), overview())
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 100])
def test_a_narrow_terminal_gets_every_figure_whole(width: int) -> None:
    text = printed(width)
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines()), text
    for whole in (
        "acme-gitlab: partial, last run 2025-06-01 03:00 UTC",
        "github.com: failed",
        "rate left 1990/2000",
        "rate left 4823/5000",
        "requests 1346, 304 1169, rate cost 177",
        "12: partial, 2025-06-01 03:00 UTC to 03:04:04\n    sources: acme-gitlab, github.com",
        "11: interrupted, 2025-06-01 02:00 UTC to -",
    ):
        assert whole in text, (whole, text)
    assert "error: source github.com: acme-corp/api: 502 three times; skipped" in text


def test_a_very_narrow_terminal_wraps_lines_but_cuts_nothing() -> None:
    text = printed(50)
    assert "…" not in text and "4823/5000" in text and "acme-gitlab, github.com" in text


def test_a_wide_terminal_gets_the_tables() -> None:
    text = printed(200)
    assert "Rate left" in text and "Last run (UTC)" in text
    assert "2025-06-01 03:00" in text and "4823/5000" in text and "…" not in text
    assert text.count("error: source github.com") == 1
