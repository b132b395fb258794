"""A GitLab group collected into the store (SQLite and PostgreSQL) through the sync loop.

Several pages of projects and of merge requests: the store must hold exactly
what the API holds, and a second run must change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from collector.records import Item, Kind
from collector.store import Store
from collector.sync import collect_source
from tests.collector.conftest import MakeGitLabForge
from tests.collector.test_gitlab import (
    expected_commit,
    expected_merge_request,
    expected_release,
    expected_repository,
    expected_tag,
)
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld

FIRST_RUN = datetime(2024, 6, 1, 3, 0, tzinfo=UTC)
SECOND_RUN = datetime(2024, 6, 2, 3, 0, tzinfo=UTC)


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
    assert sorted(snapshot.repositories, key=lambda r: r.ref.path) == sorted(
        (expected_repository(fake_gitlab, p) for p in projects), key=lambda r: r.ref.path
    )
    expected: dict[tuple[str, str, str], Item] = {}
    for project in projects:
        records: list[Item] = [
            *(expected_merge_request(fake_gitlab, project, mr) for mr in project.merge_requests),
            *(expected_commit(fake_gitlab, project, c) for c in project.commits),
            *(expected_release(fake_gitlab, project, r) for r in project.releases),
            *(expected_tag(fake_gitlab, project, t) for t in project.tags),
        ]
        expected.update({(r.repo.path, r.kind.value, r.key): r for r in records})
    stored = {(s.item.repo.path, s.item.kind.value, s.item.key): s.item for s in snapshot.items}
    assert len(snapshot.items) == len(stored) == len(expected)  # no duplicates
    assert stored == expected
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
    assert second.item_totals.unchanged == len(expected)
    assert (second.repositories.new, second.repositories.updated) == (0, 0)
    assert second.requests == len(fake_gitlab.requests) - requests_before
