"""Incremental collection through the fake GitLab into a real store (SQLite and PostgreSQL).

Every test ends with the store exactly equal to the fake's world
(``assert_store_matches``) and asserts what each run asked GitLab for: only
what can have changed, filtered by the server where GitLab can filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collector.model.records import Kind
from collector.store import Store
from collector.sync import SourceReport, collect_source
from core.errors import StopRequested
from tests.collector.conftest import MakeGitLabForge
from tests.fakes.gitlab_api import FakeGitLab, LoggedRequest
from tests.fakes.gitlab_expected import assert_store_matches, ref
from tests.fakes.gitlab_world import FakeProject, GitLabWorld

Run = Callable[..., "Collected"]


@dataclass
class Collected:
    report: SourceReport
    requests: list[LoggedRequest]  # what this run asked the fake for

    def asked(self, suffix: str) -> list[LoggedRequest]:
        return [r for r in self.requests if r.path.endswith(suffix)]


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def run(store: Store, fake_gitlab: FakeGitLab, make_gitlab: MakeGitLabForge) -> Run:
    """``run(**settings)``: one collection of the ``acme`` group into the store, like a night."""

    def collect(should_stop: Callable[[], bool] | None = None, **settings: Any) -> Collected:
        settings.setdefault("groups", ["acme"])
        before = len(fake_gitlab.requests)
        report = collect_source(make_gitlab(**settings), store, clock=now, should_stop=should_stop)
        return Collected(report, fake_gitlab.requests[before:])

    return collect


def busy_project(world: GitLabWorld, path: str = "acme/ledger") -> FakeProject:
    """250 merge requests (three pages), 30 commits, 120 releases and tags (two pages each)."""
    if world.group("acme") is None:
        world.add_group("acme", members=["dana"])
    project = world.add_project(path, languages={"Python": 100.0})
    for number in range(250):
        project.add_merge_request(
            title=f"Change {number}", labels=["evidence"] if number % 9 == 0 else []
        )
    for number in range(30):
        project.add_commit(f"Commit {number}")
    for number in range(120):
        project.add_release(f"v1.{number}.0")
    return project


def merge_request_pages(collected: Collected) -> list[str | None]:
    return [r.query.get("page") for r in collected.asked("/merge_requests")]


# -- a night with changes -------------------------------------------------------------------


def test_changes_are_read_down_to_the_cursor_and_nothing_else(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    project = busy_project(gitlab_world)
    first = run()
    assert_store_matches(store, fake_gitlab)
    assert merge_request_pages(first) == [None, "2", "3"]
    assert "updated_after" not in first.asked("/merge_requests")[0].query
    # A first reading needs no branch request: the first commit listed is the head.
    assert first.asked("/repository/branches/main") == []

    gitlab_world.advance(timedelta(days=1))
    project.update_merge_request(project.merge_requests[5], labels=["evidence::architecture"])
    project.update_merge_request(project.merge_requests[200], state="merged")
    project.add_merge_request(title="Brand new")
    project.add_commit("Fix the fix")
    project.releases[3].description = "Edited notes"  # on page 2 of the releases
    project.delete_tag("v1.7.0")
    project.delete_release("v1.8.0")

    night = run()

    assert_store_matches(store, fake_gitlab)
    # One page, filtered by the server to what changed since the last run.
    [merge_requests] = night.asked("/merge_requests")
    assert merge_requests.query["updated_after"] and merge_requests.status == 200
    # The branch head moved: commits are read, from a week before the newest stored one.
    assert [r.status for r in night.asked("/repository/branches/main")] == [200]
    assert night.asked("/repository/commits")[0].query["since"]
    # Page 1 of the releases did not change (the edit and the deletion are on page 2).
    assert [r.status for r in night.asked("/releases")] == [304, 200]
    assert night.report.items[Kind.MERGE_REQUEST].new == 1
    assert night.report.items[Kind.MERGE_REQUEST].updated == 2
    assert night.report.items_gone == 2  # the deleted tag and release
    assert store.gone_counts() == {"repositories": 0, "items": 2}
    # Every answer counts against GitLab's limit, a 304 as much as a 200.
    assert night.report.rate_cost == night.report.requests == len(night.requests)


def test_commits_and_decision_records_wait_for_the_branch_head_to_move(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    gitlab_world.add_group("acme", members=["dana"])
    project = gitlab_world.add_project("acme/ledger")
    project.add_file("docs/adr/0001-use-postgres.md", "# Use PostgreSQL\n\nStatus: accepted\n")
    run()

    quiet = run()
    assert [r.status for r in quiet.asked("/repository/branches/main")] == [200]
    assert quiet.asked("/repository/commits") == []
    assert quiet.asked("/repository/tree") == []

    project.add_file("docs/adr/0002-queue.md", "# Use a queue\n\nStatus: proposed\n")
    pushed = run()

    assert len(pushed.asked("/repository/commits")) >= 1
    assert pushed.asked("/repository/tree") != []
    assert_store_matches(store, fake_gitlab)
    decisions = {s.item.key for s in store.snapshot().items if s.item.kind is Kind.DECISION}
    assert decisions == {"docs/adr/0001-use-postgres.md", "docs/adr/0002-queue.md"}

    # A decision record deleted on GitLab is flagged, not kept shown and not dropped.
    del project.files["docs/adr/0001-use-postgres.md"]
    project.add_commit("Drop the superseded ADR")
    removed = run()

    assert removed.report.items_gone == 1
    assert store.gone_counts() == {"repositories": 0, "items": 1}
    assert_store_matches(store, fake_gitlab)


# -- runs that stop half-way ----------------------------------------------------------------


def test_a_stopped_pass_resumes_from_its_last_committed_page(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    project = busy_project(gitlab_world)
    pages_read: list[int] = []

    def after_two_pages() -> bool:
        pages_read.append(1)
        return len(pages_read) >= 2  # asked after each committed page

    with pytest.raises(StopRequested):
        run(should_stop=after_two_pages)
    source = fake_gitlab.host  # a source without a name is named after its host
    cursor = store.sync_state(
        source, ref(fake_gitlab, project), Kind.MERGE_REQUEST, now=now()
    ).cursor
    assert cursor.current is not None and cursor.current.resume_url is not None

    resumed = run()

    # The pass re-read its last committed page to check it still joins up, then went on.
    assert merge_request_pages(resumed) == ["2", "3"]
    assert_store_matches(store, fake_gitlab)


# -- projects that move ---------------------------------------------------------------------


def test_a_moved_project_is_collected_under_its_new_path_and_the_old_one_hidden(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    gitlab_world.add_group("acme", members=["dana"])
    project = gitlab_world.add_project("acme/old-name")
    project.add_merge_request(title="Before the rename", labels=["evidence"])
    run()
    gitlab_world.move_project("acme/old-name", "acme/new-name")

    moved = run()

    assert_store_matches(store, fake_gitlab)
    assert any("acme/old-name moved to gitlab:" in w for w in moved.report.warnings)
    assert store.gone_counts() == {"repositories": 1, "items": 0}  # items hidden with it


def test_languages_are_asked_again_only_after_activity(
    gitlab_world: GitLabWorld, fake_gitlab: FakeGitLab, store: Store, run: Run
) -> None:
    gitlab_world.add_group("acme", members=["dana"])
    project = gitlab_world.add_project("acme/ledger", languages={"Go": 70.0, "HCL": 30.0})
    assert run().asked("/languages") != []

    assert run().asked("/languages") == []

    project.languages = {"Go": 50.0, "Rust": 50.0}
    project.last_activity_at = gitlab_world.tick()
    active = run()

    assert len(active.asked("/languages")) == 1
    assert_store_matches(store, fake_gitlab)
