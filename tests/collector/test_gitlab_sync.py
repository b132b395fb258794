"""A GitLab group collected into the store (SQLite and PostgreSQL) through the sync loop.

Several pages of projects and of merge requests: the store must hold exactly
what the API holds, and a second run must change nothing and ask only the
questions that prove it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from collector.forges.gitlab.signals import utc_iso
from collector.forges.gitlab.sync import OVERLAP
from collector.model.records import Kind
from collector.store import Store, UpsertCounts
from collector.sync import SourceReport, collect_source
from tests.collector.conftest import MakeGitLabForge
from tests.fakes.gitlab_api import FakeGitLab, LoggedRequest
from tests.fakes.gitlab_expected import assert_store_matches, expected_items
from tests.fakes.gitlab_world import GitLabWorld

FIRST_RUN = datetime(2024, 6, 1, 3, 0, tzinfo=UTC)
SECOND_RUN = datetime(2024, 6, 2, 3, 0, tzinfo=UTC)
THIRD_RUN = datetime(2024, 6, 3, 3, 0, tzinfo=UTC)

ADR = """# 1. Record architecture decisions

Date: 2024-01-02

## Status

Accepted

## Context

We need to remember why.

## Decision

We write ADRs.

## Consequences

Some writing.
"""


def test_a_group_of_several_pages_is_stored_exactly_and_only_once(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    store: Store,
) -> None:
    gitlab_world.add_group("acme", members=["dana"])
    projects = []
    for number in range(7):  # three pages of projects at three per page
        project = gitlab_world.add_project(
            f"acme/team-{number % 3}/service-{number}", languages={"Go": 60.0, "HCL": 40.0}
        )
        for change in range(number + 2):  # up to three pages of merge requests
            project.add_merge_request(
                title=f"Change {change} of service {number}",
                labels=["evidence::deployment"] if change == 0 else [],
                state="merged" if change % 2 == 0 else "opened",
            )
        project.add_commit(f"feat: service {number}")
        project.add_tag(f"v{number}.0.0", message="release")
        project.add_release(f"v{number}.0.0")
        projects.append(project)
    secret = gitlab_world.add_project("acme/payroll", visibility="private")
    secret.add_merge_request(title="Payroll secrets", labels=["evidence"], state="merged")

    first = collect_source(
        make_gitlab(groups=["acme"], page_size=3), store, clock=lambda: FIRST_RUN
    )
    snapshot = store.snapshot()

    assert first.errors == [] and first.warnings == [] and not first.failed
    assert_store_matches(store, fake_gitlab, projects)
    stored = len(snapshot.items)
    assert stored == sum(len(expected_items(fake_gitlab, p)) for p in projects)
    assert first.items[Kind.MERGE_REQUEST].new == sum(n + 2 for n in range(7))
    assert not any("payroll" in path for path in fake_gitlab.paths())
    listing = fake_gitlab.requests_to("/groups/acme/projects")
    assert [r.query.get("page") for r in listing] == [None, "2", "3"]

    requests_before = len(fake_gitlab.requests)
    second = collect_source(
        make_gitlab(groups=["acme"], page_size=3), store, clock=lambda: SECOND_RUN
    )
    again = store.snapshot()

    assert [s.item for s in again.items] == [s.item for s in snapshot.items]
    assert (second.item_totals.new, second.item_totals.updated) == (0, 0)
    # Only what the merge requests' overlap re-reads: each project's newest one.
    assert second.item_totals.unchanged == len(projects)
    assert (second.repositories.new, second.repositories.updated) == (0, 0)
    assert second.requests == len(fake_gitlab.requests) - requests_before
    assert_store_matches(store, fake_gitlab, projects)


def test_a_run_after_no_change_asks_only_what_proves_it(
    gitlab_world: GitLabWorld,
    fake_gitlab: FakeGitLab,
    make_gitlab: MakeGitLabForge,
    store: Store,
) -> None:
    project = gitlab_world.add_project("dana/ledger", languages={"Go": 100.0})
    for number in range(5):
        project.add_merge_request(title=f"Change {number}", state="merged")
    project.add_file("docs/adr/0001-record-architecture-decisions.md", ADR)
    for number in range(3):  # two pages of releases and of tags at two per page
        project.add_commit(f"Commit {number}")
        project.add_tag(f"v{number}.0.0", message="release")
        project.add_release(f"v{number}.0.0")
    base = f"/projects/{project.id}"
    releases, tags = f"{base}/releases", f"{base}/repository/tags"

    def run(at: datetime) -> tuple[SourceReport, list[LoggedRequest]]:
        before = len(fake_gitlab.requests)
        report = collect_source(make_gitlab(users=["dana"], page_size=2), store, clock=lambda: at)
        assert report.errors == [] and report.warnings == [] and not report.failed
        return report, fake_gitlab.requests[before:]

    _, first = run(FIRST_RUN)
    # What the next run can skip was asked this once.
    assert {f"{base}/languages", f"{base}/repository/commits", f"{base}/repository/tree"} <= {
        r.path for r in first
    }
    assert [s.item.kind for s in store.snapshot().items].count(Kind.DECISION) == 1

    report, second = run(SECOND_RUN)

    assert [r.path for r in second] == [
        "/users/dana/projects",  # languages: the project's last activity has not moved
        f"{base}/merge_requests",
        f"{base}/repository/branches/main",  # the head has not moved: no commits, no ADR tree
        releases,
        releases,
        tags,
        tags,
        f"{base}/deployments",
        f"{base}/jobs",
        f"{base}/issues",
    ]
    # Releases and tags: every page asked with its ETag, and unchanged.
    for listed in (r for r in second if r.path in (releases, tags)):
        assert (listed.conditional, listed.status) == (True, 304)
    assert [r.query.get("page") for r in second if r.path == releases] == [None, "2"]
    # Merge requests: only those updated since the last run, less the overlap (GitLab's
    # updated_after is inclusive), so only the newest comes back, unchanged.
    (merge_requests,) = [r for r in second if r.path == f"{base}/merge_requests"]
    newest = max(mr.updated_at for mr in project.merge_requests)
    assert merge_requests.query["updated_after"] == utc_iso(newest - OVERLAP)
    assert report.items[Kind.MERGE_REQUEST] == UpsertCounts(unchanged=1)
    assert (report.item_totals.new, report.item_totals.updated) == (0, 0)
    assert report.not_modified == 4
    assert_store_matches(store, fake_gitlab)

    report, third = run(THIRD_RUN)

    # The same questions again, and now the merge requests' page answers 304 as well.
    assert [r.path for r in third] == [r.path for r in second]
    (merge_requests,) = [r for r in third if r.path == f"{base}/merge_requests"]
    assert (merge_requests.conditional, merge_requests.status) == (True, 304)
    assert report.not_modified == 5 and report.item_totals == UpsertCounts()
    assert_store_matches(store, fake_gitlab)
