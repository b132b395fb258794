"""A failed list never hides a repository: only the repository resource itself says "gone".

For each forge, one repository with something in every list the collector reads
(changes, commits, releases, tags, deployments, deploy runs or jobs, incidents,
decision records). Each list is made to answer 404 in turn, through the fake
forge at the HTTP level: the run reports that list as failed (an error, so the
build exits 3), the repository is not flagged, and every stored item stays.
A 404 on the repository resource itself flags it gone; a 403 on one list skips
that list with a warning and collects the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from collector.forges.base.limits import Limits
from collector.forges.github.forge import GitHubForge
from collector.forges.gitlab.forge import GitLabForge
from collector.model.records import Kind
from collector.store import Store
from collector.sync import SourceReport, collect_source
from config.models import GitHubSource, GitLabSource
from tests.collector.conftest import GITHUB_TOKEN, GITLAB_TOKEN
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld

ADR = "# 1. Use PostgreSQL\n\nDate: 2024-02-01\n\n## Status\n\nAccepted\n\n## Decision\n\nYes.\n"


@dataclass
class Forge:
    """One fake forge with a full repository, and how to collect it into a store."""

    name: str
    source: str  # the source's name in the store
    resource: str  # the repository resource itself: the only judge of "gone"
    fail: Callable[[str, int], None]  # make a path answer an error status, always
    clear: Callable[[], None]
    paths: Callable[[], list[str]]  # every path asked so far
    collect: Callable[[Store], SourceReport]


def github_forge(config: GitHubSource) -> Callable[[Store], SourceReport]:
    def collect(store: Store) -> SourceReport:
        forge = GitHubForge(config, GITHUB_TOKEN, limits=Limits(retries=0), recall=store)
        try:
            return collect_source(forge, store, clock=lambda: datetime.now(UTC))
        finally:
            forge.close()

    return collect


def gitlab_forge(config: GitLabSource) -> Callable[[Store], SourceReport]:
    def collect(store: Store) -> SourceReport:
        forge = GitLabForge(config, GITLAB_TOKEN, limits=Limits(retries=0), recall=store)
        try:
            return collect_source(forge, store, clock=lambda: datetime.now(UTC))
        finally:
            forge.close()

    return collect


def github_world() -> GitHubWorld:
    world = GitHubWorld(viewer="dana-dev")
    repo = world.add_repo("dana-dev/ledger")
    first = repo.add_commit("Start the ledger")
    shipped = repo.add_pull(title="Package the service", labels=["evidence"], merged=True)
    assert shipped.merge_commit_sha is not None
    repo.add_commit("Merge pull request #1", sha=shipped.merge_commit_sha)
    repo.signals.set_pull_files(shipped, ["helm/ledger/values.yaml"])
    bump = repo.add_commit("Release 1.0.0")
    repo.add_tag("v1.0.0", sha=bump.sha)
    repo.add_release("v1.0.0", name="First")
    production = repo.signals.add_deployment(repo, "production", ref="v1.0.0", sha=bump.sha)
    repo.signals.add_status(repo, production, "success")
    deploy = repo.signals.add_workflow(repo, "Deploy", ".github/workflows/deploy.yml")
    repo.signals.add_run(repo, deploy, head_sha=bump.sha)
    repo.signals.add_issue(repo, "API answers 502", labels=["incident"], closed=True)
    repo.signals.add_file("docs/adr/0001-use-postgresql.md", ADR, commits=[first.sha])
    return world


def gitlab_world() -> GitLabWorld:
    world = GitLabWorld(viewer="dana")
    project = world.add_project("dana/ledger")
    project.add_file("docs/adr/0001-use-postgresql.md", ADR)
    change = project.add_merge_request(title="Package the service", labels=["evidence"])
    project.update_merge_request(change, state="merged")
    project.add_merge_commit(change)
    project.add_commit("Release 1.0.0")
    project.add_tag("v1.0.0", message="First")
    project.add_release("v1.0.0")
    project.add_deployment("production", ref="v1.0.0")
    project.add_incident("API answers 502", state="closed")
    return world


@pytest.fixture(params=["github", "gitlab"])
def forge(request: pytest.FixtureRequest) -> Iterator[Forge]:
    if request.param == "github":
        with FakeGitHub(github_world(), token=GITHUB_TOKEN) as hub:
            config = GitHubSource(forge="github", api_url=hub.api_url, users=["dana-dev"])
            yield Forge(
                "github",
                config.source_name,
                "/repos/dana-dev/ledger",
                lambda path, status: hub.fail(path, status),
                hub.clear_faults,
                lambda: [r.path for r in hub.requests],
                github_forge(config),
            )
    else:
        with FakeGitLab(gitlab_world(), token=GITLAB_TOKEN) as lab:
            project = lab.world.projects["dana/ledger"]
            settings = GitLabSource(forge="gitlab", url=lab.url, users=["dana"])
            yield Forge(
                "gitlab",
                settings.source_name,
                f"/projects/{project.id}",
                lambda path, status: lab.fail(path, status),
                lab.clear_faults,
                lambda: [r.path for r in lab.requests],
                gitlab_forge(settings),
            )


def lists_of(forge: Forge, paths: list[str]) -> list[str]:
    """The repository's own lists among ``paths``: what a 404 must not turn into "gone"."""
    found = {p for p in paths if p.startswith(forge.resource + "/")}
    # One item's sub-resource (a deployment's statuses, a file's content, a change's
    # files) is not a list of the repository, and a 404 on the default branch says it
    # has no commits yet: each has its own tests.
    per_item: tuple[str, ...] = (
        "/statuses",
        "/files",
        "/changes",
        "/diffs",
        "/raw",
        "/contents/docs/adr/",
    )
    per_item += ("/repository/branches/",)
    return sorted(p for p in found if not any(part in p for part in per_item))


def snapshot(store: Store) -> set[tuple[str, str, str]]:
    return {(s.item.kind.value, s.item.repo.path, s.item.key) for s in store.snapshot().items}


def flagged(forge: Forge, store: Store) -> list[str]:
    known = store.known_repositories(forge.source)
    assert known, "the repository was collected"
    return [str(ref) for ref, entry in known.items() if entry.gone_reason is not None]


def test_a_404_on_each_list_fails_that_list_and_hides_nothing(forge: Forge, store: Store) -> None:
    first = forge.collect(store)
    assert first.errors == [], first.errors
    shown = snapshot(store)
    kinds = {kind for kind, _, _ in shown}
    assert kinds >= {k.value for k in Kind} - {"pipeline"}, "the world fills every list"
    quiet = len(forge.paths())
    forge.collect(store)
    lists = lists_of(forge, forge.paths()[quiet:])
    assert len(lists) >= 6, lists  # a quiet night still asks most lists

    for listing in lists:
        forge.fail(listing, 404)
        report = forge.collect(store)
        forge.clear()

        assert flagged(forge, store) == [], f"a 404 on {listing} flagged the repository gone"
        assert snapshot(store) == shown, f"a 404 on {listing} lost or hid stored items"
        named = [e for e in report.errors if listing in e]
        assert len(named) == 1, f"{listing}: {report.errors}"
        assert "404" in named[0] and "stored items are kept" in named[0]
        assert not report.failed


def test_a_404_on_a_list_of_a_first_sync_keeps_the_other_lists(forge: Forge, store: Store) -> None:
    list_path = f"{forge.resource}/releases"
    forge.fail(list_path, 404)

    report = forge.collect(store)

    assert flagged(forge, store) == []
    kinds = {kind for kind, _, _ in snapshot(store)}
    assert "release" not in kinds and {"merge_request", "tag", "deployment"} <= kinds
    assert [e for e in report.errors if list_path in e], report.errors


def test_a_404_on_the_repository_itself_flags_it_gone(forge: Forge, store: Store) -> None:
    forge.collect(store)
    list_path = f"{forge.resource}/releases"
    forge.fail(list_path, 404)
    forge.fail(forge.resource, 404)  # the repository resource agrees: it is gone for us

    report = forge.collect(store)

    assert flagged(forge, store) != []
    assert report.errors == []  # gone is not a failure of the run: the owner is told
    assert any("no longer shown" in w for w in report.warnings), report.warnings


def test_a_403_on_the_change_list_collects_the_other_lists(forge: Forge, store: Store) -> None:
    changes = (
        f"{forge.resource}/pulls"
        if forge.name == "github"
        else (f"{forge.resource}/merge_requests")
    )
    forge.fail(changes, 403)

    report = forge.collect(store)

    kinds = {kind for kind, _, _ in snapshot(store)}
    assert "merge_request" not in kinds
    assert {"commit", "release", "tag", "deployment"} <= kinds
    assert report.errors == []
    (warning,) = [w for w in report.warnings if changes in w]
    assert "403" in warning and "the rest is collected" in warning
    assert flagged(forge, store) == []


def test_a_list_404_while_the_repository_cannot_be_asked_is_never_gone(
    forge: Forge, store: Store
) -> None:
    forge.collect(store)
    list_path = f"{forge.resource}/releases"
    forge.fail(list_path, 404)
    forge.fail(forge.resource, 502)  # the judge is down: judge by the list alone

    report = forge.collect(store)

    assert flagged(forge, store) == []
    (error,) = [e for e in report.errors if list_path in e]
    assert "could not be asked" in error and "stored items are kept" in error
