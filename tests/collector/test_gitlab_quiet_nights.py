"""GitLab's quiet nights: a project's own lists are asked only when something says they changed.

The fake GitLab keeps ``last_activity_at`` as GitLab does (moved by pushes and
by merge requests and issues opened, merged or closed, at most hourly; not by
label edits, web-UI tags, releases, pipelines or deployments), answers with its
world clock as ``Date``, and serves the group-level merge request and issue
lists. Every night here runs on the real store (SQLite and PostgreSQL) and ends
compared with the world, so a skipped list that mattered shows as a mismatch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest

from collector.forges.base.limits import Limits
from collector.forges.gitlab.deletions import due
from collector.forges.gitlab.forge import GitLabForge
from collector.model.records import Kind
from collector.store import Store
from collector.sync import SourceReport, collect_source
from config.models import GitLabSource
from tests.collector.conftest import GITLAB_TOKEN
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_expected import assert_store_matches
from tests.fakes.gitlab_world import FakeProject, GitLabWorld

NIGHTS = 7
FIRST_NIGHT = datetime(2025, 3, 3, 3, 0, tzinfo=UTC)


@dataclass
class Night:
    report: SourceReport
    asked: list[str]  # paths, in order

    def of(self, project: FakeProject) -> list[str]:
        """The paths asked of one project's own lists, without the project prefix."""
        prefix = f"/projects/{project.id}/"
        return [path.removeprefix(prefix) for path in self.asked if path.startswith(prefix)]


@pytest.fixture
def world() -> GitLabWorld:
    world = GitLabWorld(viewer="dana")
    world.add_group("acme", members=["dana"])
    world.add_group("acme/platform", members=["dana"])
    payments = world.add_project("acme/payments", languages={"Go": 100.0})
    payments.add_commit("Initial commit")
    for number in range(3):
        payments.add_merge_request(title=f"Payments change {number}", state="merged")
    payments.add_release("v1.0.0")
    payments.add_deployment("production", ref="v1.0.0")
    payments.add_incident("Checkout answers 502", state="closed")
    infra = world.add_project("acme/platform/infra", languages={"HCL": 100.0})
    infra.add_commit("Initial commit")
    infra.add_merge_request(title="Terraform the queue", labels=["evidence"], state="merged")
    tools = world.add_project("dana/tools", languages={"Python": 100.0})
    tools.add_commit("Initial commit")
    tools.add_merge_request(title="A linter for the ledger", state="merged")
    world.advance(timedelta(hours=6))
    return world


@pytest.fixture
def fake(world: GitLabWorld) -> Iterator[FakeGitLab]:
    with FakeGitLab(world, token=GITLAB_TOKEN) as server:
        yield server


def night(fake: FakeGitLab, store: Store, at: datetime) -> Night:
    """One nightly run at ``at`` (this machine's clock); GitLab's clock is the world's."""
    config = GitLabSource(forge="gitlab", url=fake.url, groups=["acme"], users=["dana"])
    limits = Limits(retries=0, full_read_nights=NIGHTS)
    forge = GitLabForge(config, GITLAB_TOKEN, limits=limits, recall=store)
    before = len(fake.requests)
    try:
        report = collect_source(forge, store, clock=lambda: at)
    finally:
        forge.close()
    return Night(report, [r.path for r in fake.requests[before:]])


def quiet_day(world: GitLabWorld, after: date) -> datetime:
    """The first night after ``after`` that is no project's full read."""
    day = after + timedelta(days=1)
    while any(due(p.id, day, NIGHTS) for p in world.projects.values()):
        day += timedelta(days=1)
    return datetime.combine(day, FIRST_NIGHT.timetz())


def next_day(world: GitLabWorld) -> None:
    world.advance(timedelta(days=1))


def first_sync(world: GitLabWorld, fake: FakeGitLab, store: Store) -> datetime:
    first = night(fake, store, FIRST_NIGHT)
    assert first.report.errors == [] and first.report.warnings == []
    assert_store_matches(store, fake)
    next_day(world)
    return FIRST_NIGHT


def test_a_night_without_changes_asks_the_listings_group_lists_and_stored_deployments(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    first = first_sync(world, fake, store)
    payments = world.projects["acme/payments"]

    quiet = night(fake, store, quiet_day(world, first.date()))

    assert quiet.report.errors == [] and quiet.report.warnings == []
    assert Counter(quiet.asked) == Counter(
        {
            "/groups/acme/projects": 1,
            "/users/dana/projects": 1,
            "/groups/acme/merge_requests": 1,  # covers acme/platform's projects too
            "/groups/acme/issues": 1,
            f"/projects/{payments.id}/deployments": 1,  # the only project with deployments
        }
    )
    assert len(quiet.asked) <= 2 * len(world.projects)
    assert_store_matches(store, fake)


def test_every_change_gitlab_marks_is_collected_the_next_night(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    first = first_sync(world, fake, store)
    payments = world.projects["acme/payments"]
    infra = world.projects["acme/platform/infra"]
    tools = world.projects["dana/tools"]
    # A label added to a merged change: no activity on GitLab, but the change's updated_at.
    labelled = payments.merge_requests[0]
    payments.update_merge_request(labelled, labels=["evidence"])
    # A scheduled pipeline deploys: no activity either.
    scheduled = payments.add_pipeline(jobs=[("build", "build")], source="schedule")
    payments.add_deployment("production", pipeline=scheduled)
    # A push to a user's project: activity.
    tools.add_commit("Check the ledger's links")
    next_day(world)

    changed = night(fake, store, quiet_day(world, first.date()))

    assert changed.report.errors == []
    # Its merge requests (and the labelled one's files: its label names no category),
    # its deployments and, as they brought one, its deploy jobs; nothing else.
    assert sorted(changed.of(payments)) == [
        "deployments",
        "jobs",
        "merge_requests",
        f"merge_requests/{labelled.iid}/diffs",
    ]
    assert changed.of(infra) == []
    assert "repository/commits" in changed.of(tools)
    assert_store_matches(store, fake)


def test_an_incident_in_a_subgroup_project_is_read_through_the_group_list(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    first = first_sync(world, fake, store)
    infra = world.projects["acme/platform/infra"]
    infra.add_incident("Queue backlog", state="closed")
    infra.last_activity_at -= timedelta(days=2)  # as if the event's write were lost
    next_day(world)

    changed = night(fake, store, quiet_day(world, first.date()))

    # Its incidents, and its languages as its last_activity_at moved (back); nothing else.
    assert changed.of(infra) == ["languages", "issues"]
    assert_store_matches(store, fake)


def test_what_gitlab_records_no_activity_for_is_collected_on_the_projects_full_read(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    first = first_sync(world, fake, store)
    payments = world.projects["acme/payments"]
    tools = world.projects["dana/tools"]
    payments.add_tag("v1.1.0", pushed=False)  # made in the web UI
    payments.add_release("v1.1.0")
    tools.update_merge_request(tools.merge_requests[0], labels=["evidence"])
    waiting = {payments.id: (Kind.RELEASE, "v1.1.0"), tools.id: (Kind.MERGE_REQUEST, "1")}

    day = first.date()
    read_on: dict[int, date] = {}
    for _ in range(NIGHTS):
        next_day(world)
        day += timedelta(days=1)
        tonight = night(fake, store, datetime.combine(day, FIRST_NIGHT.timetz()))
        assert tonight.report.errors == []
        for project_id, (kind, key) in waiting.items():
            if due(project_id, day, NIGHTS):
                read_on[project_id] = day
            stored = _stored(store, kind, key, project_id, world)
            assert stored == (project_id in read_on), (project_id, day)
    assert set(read_on) == set(waiting)  # each within the nights, on its own night
    assert_store_matches(store, fake)


def test_activity_gitlab_did_not_write_within_the_hour_is_still_read(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    tools = world.projects["dana/tools"]
    read_at = world.now  # the first night's Date
    tools.add_commit("Half an hour before the read", authored_at=read_at - timedelta(minutes=30))
    first = first_sync(world, fake, store)
    world.advance(timedelta(days=-1, minutes=10))  # back to ten minutes after the read
    tools.add_commit("Just after the read", authored_at=world.now)
    # GitLab wrote no activity for it: the last write is less than an hour old.
    assert tools.last_activity_at == read_at - timedelta(minutes=30)
    next_day(world)

    changed = night(fake, store, quiet_day(world, first.date()))

    assert "repository/commits" in changed.of(tools)
    assert_store_matches(store, fake)


def test_a_failing_group_list_falls_back_to_each_projects_own_list(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    first = first_sync(world, fake, store)
    payments = world.projects["acme/payments"]
    payments.update_merge_request(payments.merge_requests[1], labels=["evidence"])
    fake.fail("/groups/acme/merge_requests", 500)
    next_day(world)

    tonight = night(fake, store, quiet_day(world, first.date()))

    assert tonight.report.errors == []
    assert any("group acme: its merge requests list failed" in w for w in tonight.report.warnings)
    assert "merge_requests" in tonight.of(payments)
    assert "merge_requests" in tonight.of(world.projects["acme/platform/infra"])
    assert_store_matches(store, fake)


def test_quiet_nights_are_off_at_zero(world: GitLabWorld, fake: FakeGitLab, store: Store) -> None:
    config = GitLabSource(forge="gitlab", url=fake.url, groups=["acme"], users=["dana"])
    for days in (0, 1):
        at = FIRST_NIGHT + timedelta(days=days)
        forge = GitLabForge(config, GITLAB_TOKEN, limits=Limits(retries=0), recall=store)
        try:
            collect_source(forge, store, clock=partial(_same, at))
        finally:
            forge.close()
    asked = [r.path for r in fake.requests]
    assert not any(path.startswith("/groups/acme/merge_requests") for path in asked)
    payments = world.projects["acme/payments"]
    assert asked.count(f"/projects/{payments.id}/releases") == 2  # every list, every night


def _same(moment: datetime) -> datetime:
    return moment


def _stored(store: Store, kind: Kind, key: str, project_id: int, world: GitLabWorld) -> bool:
    project = next(p for p in world.projects.values() if p.id == project_id)
    for entry in store.snapshot().items:
        item = entry.item
        if item.kind is kind and item.key == key and item.repo.path == project.path_with_namespace:
            if kind is Kind.MERGE_REQUEST:
                return "evidence" in getattr(item, "labels", ())
            return True
    return False
