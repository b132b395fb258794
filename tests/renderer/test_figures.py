"""Figures and chains: computed from surfaced evidence, with their window and their items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from collector.model.records import Deployment, Incident, Item
from renderer.figures import duration, figure_window
from renderer.model import Figure, FigureSet
from tests.renderer.builders import (
    PAYMENTS,
    Inputs,
    day,
    make_config,
    make_inputs,
    merge_request,
    release,
    repository,
    stored,
)
from tests.renderer.site_files import links, one, parse

SYSTEM = [{"name": "Payments", "slug": "payments", "repos": ["github:acme-corp/payments-api"]}]


def history(*extra: Item) -> Inputs:
    """Three merged changes, three releases; the third change reverts the second."""
    items: list[Item] = [
        merge_request(PAYMENTS, 1, "Add ledger", labels=("evidence",), merged_at=day(2)),
        merge_request(PAYMENTS, 2, "Parallel batches", labels=("evidence",), merged_at=day(4)),
        merge_request(
            PAYMENTS,
            3,
            'Revert "Parallel batches"',
            labels=("evidence",),
            created_at=day(20),
            merged_at=day(21),
        ),
        release(PAYMENTS, "v1", day(3)),
        release(PAYMENTS, "v2", day(10)),
        release(PAYMENTS, "v3", day(25)),
        *extra,
    ]
    return make_inputs(make_config(SYSTEM), [repository(PAYMENTS)], [stored(i) for i in items])


def figure(figures: FigureSet, slug: str) -> Figure:
    [found] = [f for f in figures.figures if f.slug == slug]
    return found


def references(found: Figure) -> list[str | None]:
    return [row.entry.reference for row in found.rows]


def test_the_window_is_the_twelve_full_months_before_the_build() -> None:
    window = figure_window(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    assert (window.start, window.end) == (
        datetime(2025, 11, 1, tzinfo=UTC),
        datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert window.label == "Nov 2025 – Oct 2026"
    january = figure_window(datetime(2026, 1, 1, tzinfo=UTC))
    assert january.label == "Jan 2025 – Dec 2025"


def test_durations_read_like_people_say_them() -> None:
    assert duration(timedelta(minutes=40)) == "40 min"
    assert duration(timedelta(hours=5, minutes=30)) == "5.5 h"
    assert duration(timedelta(days=3, hours=6)) == "3.2 days"


def test_releases_stand_in_for_deployments_until_deployments_are_collected() -> None:
    model = history().model()
    deployments = figure(model.figures, "deployments")
    assert deployments.value == "0.2 per month (3 in 12 months)"
    assert references(deployments) == ["v3", "v2", "v1"]  # newest first
    assert "stand in for deployments" in deployments.definition
    assert deployments.window.label == "Mar 2024 – Feb 2025"
    assert [m.count for m in deployments.by_month][-2:] == [3, 0]  # Jan and Feb 2025


def test_lead_times_are_medians_of_the_merged_changes() -> None:
    figures = history().model().figures
    merge = figure(figures, "lead-time-merge")
    # opened day 0 -> merged day 2 and day 4; opened day 20 -> merged day 21
    assert merge.value == "2.0 days over 3 merge requests"
    deploy = figure(figures, "lead-time-deploy")
    # shipped by v1 (day 3), v2 (day 10) and v3 (day 25): 3, 10 and 5 days after opening
    assert deploy.value == "5.0 days over 3 merge requests"
    assert [row.related.reference for row in deploy.rows if row.related] == ["v3", "v2", "v1"]


def test_a_revert_before_the_next_deployment_marks_a_change_failure() -> None:
    failure = figure(history().model().figures, "change-failure")
    assert failure.value == "1 of 3 deployments (33%)"
    failed = [row for row in failure.rows if row.related is not None]
    assert [row.entry.reference for row in failed] == ["v2"]
    assert failed[0].related is not None and failed[0].related.reference == "#3"


def test_incident_figures_say_they_wait_for_incident_records() -> None:
    figures = history().model().figures
    for slug in ("incidents", "time-to-resolve"):
        found = figure(figures, slug)
        assert found.value is None and found.rows == ()
        assert "not collected yet" in found.empty_note


def test_incidents_and_deployment_records_are_used_when_collected() -> None:
    incident = Incident(
        repo=PAYMENTS,
        url="https://github.com/acme-corp/payments-api/issues/9",
        title="Settlement delayed",
        number=9,
        state="closed",
        created_at=day(11),
        closed_at=day(12),
    )
    deployment = Deployment(
        repo=PAYMENTS,
        url="https://github.com/acme-corp/payments-api/deployments/1",
        title="Deploy v2 to production",
        id="1",
        environment="production",
        ref="v2",
        status="success",
        created_at=day(10) + timedelta(hours=1),
        finished_at=day(10) + timedelta(hours=2),
    )
    figures = history(incident, deployment).model().figures
    assert figure(figures, "incidents").value == "1 in 12 months"
    assert figure(figures, "time-to-resolve").value == "24.0 h over 1 incidents"
    deployments = figure(figures, "deployments")
    assert deployments.value == "0.1 per month (1 in 12 months)"
    assert "successful deployments" in deployments.definition
    failure = figure(figures, "change-failure")
    assert failure.value == "1 of 1 deployments (100%)"  # the incident followed it


def test_work_outside_the_window_does_not_count() -> None:
    late = merge_request(
        PAYMENTS, 4, "After the window", labels=("evidence",), merged_at=day(70)
    )  # 2025-03-12: in the build's own month, which is not complete yet
    inputs = history(late)
    model = inputs.model(generated_at=datetime(2025, 3, 20, tzinfo=UTC))
    assert figure(model.figures, "lead-time-merge").value == "2.0 days over 3 merge requests"


def test_systems_get_their_own_figures(sample: Inputs) -> None:
    model = sample.model()
    ocm, notebook = model.systems
    assert [f.slug for f in ocm.figures.figures] == [f.slug for f in model.figures.figures]
    assert figure(notebook.figures, "deployments").value is None
    assert figure(ocm.figures, "deployments").value == "0.2 per month (2 in 12 months)"
    assert ocm.figures.slug == "system-ocm-brain"


def test_chains_follow_a_change_to_its_release_and_what_followed() -> None:
    model = history().model()
    chains = {
        chain.head.reference: [(s.role, s.entry.reference) for s in chain.steps]
        for chain in model.chains
    }
    assert chains["#2"] == [("Merged", "#2"), ("Released", "v2"), ("Reverted", "#3")]
    assert chains["#1"] == [("Merged", "#1"), ("Released", "v1")]
    assert list(chains) == ["#3", "#2", "#1"]  # newest merge first


def test_every_figure_links_to_a_page_listing_its_items(tmp_path: Path) -> None:
    inputs = history()
    inputs.render(tmp_path / "site")
    site = tmp_path / "site"
    proves = parse(site / "what-it-proves.html")
    targets = links(proves, ".figure a")
    assert "proves/all-change-failure.html" in targets
    page = parse(site / "proves/all-change-failure.html")
    assert one(page, ".figure-value").get_text() == "1 of 3 deployments (33%)"
    assert "Mar 2024 – Feb 2025" in page.get_text()
    listed = links(page, ".entries a")
    assert len([href for href in listed if "-release-" in href]) == 3
    assert any("-mr-3-" in href for href in listed)  # the revert, one click away
    item = next((site / "items").glob("payments-api-mr-2-*.html"))
    assert "Reverted" in one(parse(item), ".chain").get_text()
