"""Superseded GitHub deployments count, dated by when they ran, in every figure.

GitHub adds an ``inactive`` status to a deployment once a newer one to the same
environment succeeds (``auto_inactive``, the default; the fake does the same),
so on a real account only the newest production deployment still reads
``success``. A year of monthly production deployments is collected through the
fake GitHub and the figures are compared with the ones the world's truth gives:
every deployment that ever succeeded counts, dated by its success status.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from collector.classify import Policy, classify_snapshot
from collector.forges.base.limits import Limits
from collector.forges.github.forge import GitHubForge
from collector.model.records import Deployment
from collector.model.snapshot import Snapshot, StoredItem
from collector.store import Store
from collector.sync import collect_source
from config.models import EvidenceConfig, GitHubSource
from renderer import build_site_model
from renderer.model import Figure
from tests.collector.conftest import GITHUB_TOKEN
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_signal_world import FakeDeployment
from tests.fakes.github_world import GitHubWorld

START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
BUILT_AT = datetime(2025, 1, 5, 3, 0, tzinfo=UTC)  # the window: Jan 2024 - Dec 2024
MONTHS = 12
FAILED_MONTH = 5  # this month's deployment failed; the month's redeploy succeeded


@dataclass
class Truth:
    succeeded: dict[str, datetime]  # deployment id -> time of its success status
    failed: set[str]


@pytest.fixture
def world() -> Iterator[tuple[GitHubWorld, Truth]]:
    world = GitHubWorld(viewer="dana-dev", start=START)
    repo = world.add_repo("dana-dev/payments-api")
    truth = Truth({}, set())

    def deploy(ref: str, sha: str, at: datetime, state: str) -> FakeDeployment:
        made = repo.signals.add_deployment(repo, "production", ref=ref, sha=sha, at=at)
        repo.signals.add_status(repo, made, "in_progress", at=at + timedelta(minutes=1))
        done = repo.signals.add_status(repo, made, state, at=at + timedelta(minutes=9))
        if state == "success":
            truth.succeeded[str(made.id)] = done.created_at
        else:
            truth.failed.add(str(made.id))
        return made

    for month in range(MONTHS):
        opened = START + timedelta(days=30 * month)
        change = repo.add_pull(
            title=f"Change {month}", labels=["evidence"], merged=True, created_at=opened
        )
        assert change.merged_at is not None and change.merge_commit_sha is not None
        repo.add_commit(f"Merge #{change.number}", sha=change.merge_commit_sha, authored_at=opened)
        bump = repo.add_commit(f"Release 1.{month}.0", authored_at=opened + timedelta(hours=2))
        tag = f"v1.{month}.0"
        repo.add_tag(tag, sha=bump.sha)
        repo.add_release(tag, created_at=opened + timedelta(hours=3))
        shipped_at = opened + timedelta(days=2)
        if month == FAILED_MONTH:
            deploy(tag, bump.sha, shipped_at, "failure")
            shipped_at += timedelta(days=1)
        deploy(tag, bump.sha, shipped_at, "success")
    repo.signals.add_issue(
        repo,
        "Payments answer 502",
        labels=["incident"],
        closed=True,
        at=START + timedelta(days=30 * 8 + 3),
    )
    yield world, truth


def collect(world: GitHubWorld, store: Store) -> None:
    with FakeGitHub(world, token=GITHUB_TOKEN) as fake:
        config = GitHubSource(forge="github", api_url=fake.api_url, users=["dana-dev"])
        forge = GitHubForge(config, GITHUB_TOKEN, limits=Limits(retries=0), recall=store)
        try:
            report = collect_source(forge, store, clock=lambda: BUILT_AT)
        finally:
            forge.close()
    assert report.errors == [], report.errors


def figures(snapshot: Snapshot) -> dict[str, Figure]:
    config = EvidenceConfig.model_validate(
        {"site": {"owner": "Dana"}, "sources": [{"forge": "github", "users": ["dana-dev"]}]}
    )
    classified = classify_snapshot(snapshot, Policy())
    model = build_site_model(config, snapshot, classified, generated_at=BUILT_AT)
    return {figure.slug: figure for figure in model.figures.figures}


def as_truth(snapshot: Snapshot, truth: Truth) -> Snapshot:
    """The snapshot with each deployment as the world knows it went."""

    def true(stored: StoredItem) -> StoredItem:
        item = stored.item
        if not isinstance(item, Deployment):
            return stored
        if item.id in truth.succeeded:
            fixed = {"status": "success", "finished_at": truth.succeeded[item.id]}
        else:
            fixed = {"status": "failure"}
        return StoredItem(item.model_copy(update=fixed), stored.source, *_seen(stored))

    return Snapshot(snapshot.repositories, tuple(true(s) for s in snapshot.items))


def _seen(stored: StoredItem) -> tuple[datetime, datetime]:
    return stored.first_seen_at, stored.last_seen_at


def test_every_superseded_deployment_counts_dated_by_when_it_ran(
    world: tuple[GitHubWorld, Truth], store: Store
) -> None:
    fake_world, truth = world
    collect(fake_world, store)
    snapshot = store.snapshot()

    deployments = {s.item.id: s.item for s in snapshot.items if isinstance(s.item, Deployment)}
    assert set(deployments) == set(truth.succeeded) | truth.failed
    # The world really superseded them: all but the newest success now read inactive.
    statuses = {
        str(d.id): d.statuses[-1].state
        for d in fake_world.repos["dana-dev/payments-api"].signals.deployments
    }
    assert sorted(statuses.values()).count("inactive") == MONTHS - 1
    for key, ran_at in truth.succeeded.items():
        assert deployments[key].succeeded, key
        assert deployments[key].status == "success"
        assert deployments[key].event_at == ran_at, key  # not when it was superseded
    for key in truth.failed:
        assert not deployments[key].succeeded and deployments[key].status == "failure"

    found = figures(snapshot)
    expected = figures(as_truth(snapshot, truth))
    assert found.keys() == expected.keys() and len(found) >= 3
    for slug, figure in found.items():
        assert figure == expected[slug], slug
    shipped = found["deployments"]
    assert shipped.value is not None and f"({MONTHS} in 12 months)" in shipped.value
    assert sum(month.count for month in shipped.by_month) == MONTHS
    assert found["change-failure"].value is not None
    assert f"of {MONTHS} deployments" in found["change-failure"].value


def test_a_record_stored_as_inactive_before_the_fix_counts_as_it_ran() -> None:
    from tests.renderer.builders import PAYMENTS

    ran = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    legacy = Deployment(
        repo=PAYMENTS,
        url="https://github.com/acme-corp/payments-api/deployments",
        title="Deploy v1 to production",
        created_at=ran,
        id="7",
        environment="production",
        status="inactive",  # as stored before: the newest status only
        finished_at=ran + timedelta(days=60),  # the time it was superseded
    )
    assert legacy.succeeded
    assert legacy.event_at == ran
