"""Merge requests and incidents deleted on GitLab are flagged gone within the check's nights.

GitLab's lists never show a deletion, so a project's merge requests and
incidents are checked every ``deletion_check_nights`` nights: one count request
per list, the full id set only when the count disagrees with the store. Nights
are driven by the run clock; the fake GitLab serves the world over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from collector.forges.base.limits import Limits
from collector.forges.gitlab.deletions import due
from collector.forges.gitlab.forge import GitLabForge
from collector.model.records import Incident, MergeRequest
from collector.store import Store
from collector.sync import SourceReport, collect_source
from config.models import GitLabSource
from tests.collector.conftest import GITLAB_TOKEN
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import FakeProject, GitLabWorld

NIGHTS = 7
FIRST_NIGHT = datetime(2025, 3, 3, 3, 0, tzinfo=UTC)


@pytest.fixture
def world() -> GitLabWorld:
    world = GitLabWorld(viewer="dana")
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    for number in range(3):
        project.add_merge_request(title=f"Change {number}", labels=["evidence"], state="merged")
    project.add_incident("Checkout answers 502", state="closed")
    project.add_incident("Queue backlog", state="closed")
    return world


@pytest.fixture
def fake(world: GitLabWorld) -> Iterator[FakeGitLab]:
    with FakeGitLab(world, token=GITLAB_TOKEN) as server:
        yield server


def night(fake: FakeGitLab, store: Store, at: datetime) -> tuple[SourceReport, list[str]]:
    config = GitLabSource(forge="gitlab", url=fake.url, users=["dana"])
    # As configured by default: quiet nights and deletion checks, on the same nights.
    limits = Limits(retries=0, deletion_check_nights=NIGHTS, full_read_nights=NIGHTS)
    forge = GitLabForge(config, GITLAB_TOKEN, limits=limits, recall=store)
    before = len(fake.requests)
    try:
        report = collect_source(forge, store, clock=lambda: at)
    finally:
        forge.close()
    return report, [f"{r.path}?per_page={r.query.get('per_page')}" for r in fake.requests[before:]]


def shown(store: Store) -> set[tuple[str, str]]:
    return {
        (type(s.item).__name__, s.item.title)
        for s in store.snapshot().items
        if isinstance(s.item, MergeRequest | Incident)
    }


def checks(asked: list[str], project: FakeProject) -> list[str]:
    lists = (f"/projects/{project.id}/merge_requests", f"/projects/{project.id}/issues")
    return [a for a in asked if a.startswith(lists) and a.endswith("per_page=1")]


def test_a_deleted_merge_request_and_incident_are_flagged_within_the_nights(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    project = world.projects["dana/ledger"]
    first, _ = night(fake, store, FIRST_NIGHT)
    assert first.errors == [] and len(shown(store)) == 5
    doomed_change = project.merge_requests[1]
    doomed_incident = project.issues[0]
    project.delete_merge_request(doomed_change)
    project.delete_issue(doomed_incident)

    flagged_on = None
    for offset in range(1, NIGHTS + 1):
        at = FIRST_NIGHT + timedelta(days=offset)
        report, asked = night(fake, store, at)
        if due(project.id, at.date(), NIGHTS):
            assert flagged_on is None  # one night in every seven
            flagged_on = offset
            assert report.items_gone == 2
            assert len(checks(asked, project)) == 2  # one count per list
            assert ("MergeRequest", doomed_change.title) not in shown(store)
            assert ("Incident", doomed_incident.title) not in shown(store)
            assert len(shown(store)) == 3
        else:
            assert checks(asked, project) == []  # other nights cost nothing extra
            if flagged_on is None:
                assert len(shown(store)) == 5
    assert flagged_on is not None

    # A week later nothing was deleted: the check is one request per list.
    again = FIRST_NIGHT + timedelta(days=flagged_on + NIGHTS)
    report, asked = night(fake, store, again)
    assert report.items_gone == 0 and report.errors == []
    assert len(checks(asked, project)) == 2
    ids_read = [a for a in asked if "/merge_requests?" in a and not a.endswith("per_page=1")]
    assert len(ids_read) <= 1  # at most the incremental page itself, no id sweep
    assert len(shown(store)) == 3


def test_the_check_is_off_at_zero_nights_and_spreads_projects_over_the_week() -> None:
    day = FIRST_NIGHT.date()
    assert not any(due(project_id, day, 0) for project_id in range(50))
    nights_of = {
        pid: [n for n in range(NIGHTS) if due(pid, day + timedelta(n), NIGHTS)] for pid in range(70)
    }
    assert all(len(found) == 1 for found in nights_of.values())  # each project once a week
    per_night = [sum(1 for f in nights_of.values() if f == [n]) for n in range(NIGHTS)]
    assert per_night == [10] * NIGHTS  # a seventh of the projects each night
