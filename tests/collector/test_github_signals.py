"""GitHub's evidence signals through the fake GitHub (real HTTP, PyGithub unmodified).

Deployments, deploy workflow runs, incidents, decision records and changed files:
what is stored, what it cost, what a night without changes costs, and what the
stored snapshot means downstream (categories, the MR -> release -> deployment trail).
Expected values come from the fake's world, never from the JSON it sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collector.classify import Policy, classify
from collector.classify.trail import link_trail
from collector.forges.base.limits import Limits
from collector.forges.base.signals import SignalSettings
from collector.forges.github import signals as github_signals
from collector.forges.github.forge import GitHubForge
from collector.model.categories import Category
from collector.model.records import (
    Decision,
    Deployment,
    Incident,
    Item,
    Kind,
    MergeRequest,
    Pipeline,
)
from collector.store import Store
from collector.sync import SourceReport, collect_source
from config.models import GitHubSource
from tests.collector.conftest import GITHUB_TOKEN
from tests.fakes.github_api import FakeGitHub, LoggedRequest
from tests.fakes.github_signal_world import FakeDeployment, FakeIssue, FakeRun
from tests.fakes.github_world import FakePull, FakeRepo, GitHubWorld

NYGARD = """# 1. Use PostgreSQL

Date: 2024-02-01

## Status

Accepted

## Context

We need one database that every service can share.

## Decision

We will use PostgreSQL 16.

## Consequences

Someone has to own the backups.
"""

MADR = """---
status: proposed
date: 2024-03-05
---
# Publish events through Kafka

## Context and Problem Statement

Services poll each other for changes.

## Decision Outcome

Chosen option: "Kafka", because it keeps the order per key.

### Consequences

* Good, because consumers catch up after an outage.
"""


@dataclass
class Collected:
    report: SourceReport
    requests: list[LoggedRequest]

    def paths(self, contains: str) -> list[str]:
        return [r.path for r in self.requests if contains in r.path]


Run = Callable[[], Collected]


@dataclass
class Signals:
    """The repository the tests collect, and the parts of it they check."""

    repo: FakeRepo
    shipped: FakePull  # merged, tagged ``evidence`` (a candidate), released, deployed
    plain: FakePull  # untagged: its files are never asked for
    outage_fix: FakePull  # labelled ``incident``: in the issues list, but not an incident
    production: FakeDeployment
    staging: FakeDeployment
    deploy_run: FakeRun
    incident: FakeIssue


@pytest.fixture
def run(store: Store, fake_github: FakeGitHub) -> Iterator[Run]:
    """One collection into the store, like a night's build, with the requests it made.

    The forge recalls what the store holds (as ``evidence build`` wires it), so
    final statuses and changed files can be reused.
    """
    forges: list[GitHubForge] = []

    def collect() -> Collected:
        before = len(fake_github.requests)
        config = GitHubSource(forge="github", api_url=fake_github.api_url, users=["dana-dev"])
        forge = GitHubForge(config, GITHUB_TOKEN, limits=Limits(timeout=5, retries=1), recall=store)
        forges.append(forge)
        report = collect_source(forge, store, clock=now)
        return Collected(report, fake_github.requests[before:])

    yield collect
    for forge in forges:
        forge.close()


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def signals(github_world: GitHubWorld) -> Signals:
    repo = github_world.add_repo("dana-dev/ledger")
    first = repo.add_commit("Start the ledger")
    shipped = repo.add_pull(title="Package the service", labels=["evidence"], merged=True)
    assert shipped.merge_commit_sha is not None
    repo.add_commit("Merge pull request #1", sha=shipped.merge_commit_sha)
    repo.signals.set_pull_files(shipped, ["helm/ledger/values.yaml", "README.md"])
    plain = repo.add_pull(title="Tidy up")
    repo.signals.set_pull_files(plain, ["src/tidy.py"])
    outage_fix = repo.add_pull(title="Fix the outage", labels=["incident"])
    bump = repo.add_commit("Release 1.0.0")
    repo.add_tag("v1.0.0", sha=bump.sha)
    repo.add_release("v1.0.0", name="First")
    after = repo.add_commit("Work after the release")

    production = repo.signals.add_deployment(repo, "production", ref="v1.0.0", sha=bump.sha)
    repo.signals.add_status(repo, production, "in_progress")
    repo.signals.add_status(repo, production, "success")
    staging = repo.signals.add_deployment(repo, "staging", ref="main", sha=after.sha)
    repo.signals.add_status(repo, staging, "success")

    deploy = repo.signals.add_workflow(repo, "Deploy", ".github/workflows/deploy.yml")
    deploy_run = repo.signals.add_run(repo, deploy, head_sha=bump.sha)
    tests = repo.signals.add_workflow(repo, "Tests", ".github/workflows/tests.yml")
    repo.signals.add_run(repo, tests, head_sha=bump.sha)  # not a deploy workflow

    incident = repo.signals.add_issue(repo, "API answers 502", labels=["incident"], closed=True)
    repo.signals.add_issue(repo, "Typo in the docs", labels=["docs"])

    repo.signals.add_file("docs/adr/0001-use-postgresql.md", NYGARD, commits=[first.sha])
    repo.signals.add_file("docs/decisions/0002-kafka.md", MADR, commits=[bump.sha])
    repo.signals.add_file("docs/adr/README.md", "# Decisions\n", commits=[first.sha])
    return Signals(repo, shipped, plain, outage_fix, production, staging, deploy_run, incident)


def stored(store: Store, kind: type[Any]) -> list[Any]:
    return [s.item for s in store.snapshot().items if isinstance(s.item, kind)]


def test_each_signal_is_stored_as_github_holds_it(signals: Signals, store: Store, run: Run) -> None:
    first = run()

    assert first.report.errors == [] and first.report.warnings == []
    prod, staging = signals.production, signals.staging
    assert sorted(
        (d.id, d.environment, d.ref, d.sha, d.status, d.finished_at)
        for d in stored(store, Deployment)
    ) == sorted(
        [
            (
                str(prod.id),
                "production",
                "v1.0.0",
                prod.sha,
                "success",
                prod.statuses[-1].created_at,
            ),
            (str(staging.id), "staging", "main", staging.sha, "", None),  # status not asked
        ]
    )
    # The newest status is asked for production deployments only.
    assert first.paths("/statuses") == [f"/repos/dana-dev/ledger/deployments/{prod.id}/statuses"]

    run_ = signals.deploy_run
    assert [
        (p.id, p.name, p.workflow_path, p.status, p.sha, p.ref) for p in stored(store, Pipeline)
    ] == [
        (str(run_.id), "Deploy", ".github/workflows/deploy.yml", "success", run_.head_sha, "main")
    ]

    issue = signals.incident
    assert [
        (i.number, i.title, i.state, i.closed_at, i.labels) for i in stored(store, Incident)
    ] == [(issue.number, "API answers 502", "closed", issue.closed_at, ("incident",))]


def test_decision_records_are_parsed_from_madr_and_nygard(
    signals: Signals, store: Store, run: Run
) -> None:
    run()

    decisions = {d.path: d for d in stored(store, Decision)}
    assert sorted(decisions) == ["docs/adr/0001-use-postgresql.md", "docs/decisions/0002-kafka.md"]
    nygard = decisions["docs/adr/0001-use-postgresql.md"]
    assert (nygard.format, nygard.status, nygard.title) == (
        "nygard",
        "accepted",
        "Use PostgreSQL",
    )
    assert nygard.date == datetime(2024, 2, 1, tzinfo=UTC)
    assert nygard.decision == "We will use PostgreSQL 16."
    assert nygard.consequences == "Someone has to own the backups."
    assert nygard.sha == signals.repo.signals.files[nygard.path].sha
    madr = decisions["docs/decisions/0002-kafka.md"]
    assert (madr.format, madr.status, madr.title) == (
        "madr",
        "proposed",
        "Publish events through Kafka",
    )
    assert madr.date == datetime(2024, 3, 5, tzinfo=UTC)
    assert madr.context == "Services poll each other for changes."
    assert "Kafka" in madr.decision


def test_changed_files_are_asked_for_candidates_only_and_reused_while_unchanged(
    signals: Signals, store: Store, run: Run
) -> None:
    first = run()

    shipped, plain = signals.shipped, signals.plain
    assert first.paths("/files") == [f"/repos/dana-dev/ledger/pulls/{shipped.number}/files"]
    pulls = {m.number: m for m in stored(store, MergeRequest)}
    assert pulls[shipped.number].extra["changed_files"] == ["helm/ledger/values.yaml", "README.md"]
    assert "changed_files" not in pulls[plain.number].extra

    # Another pull request changes: the list is read again, the candidate is on it
    # with the same updated_at, so its stored files are kept and not asked again.
    signals.repo.update_pull(plain, title="Tidy up more")
    second = run()

    assert [r.path for r in second.requests if r.path.endswith("/pulls")] == [
        "/repos/dana-dev/ledger/pulls"
    ]
    assert second.paths("/files") == []
    pulls = {m.number: m for m in stored(store, MergeRequest)}
    assert pulls[shipped.number].extra["changed_files"] == ["helm/ledger/values.yaml", "README.md"]
    assert pulls[plain.number].title == "Tidy up more"


def test_a_night_without_changes_costs_304s_and_no_adr_requests(
    signals: Signals, store: Store, run: Run
) -> None:
    first = run()
    assert first.paths("/contents/")  # the ADR folders and files were read once

    night = run()

    signal_lists = [r for r in night.requests if "/repos/" in r.path]
    assert signal_lists and all(r.status == 304 and r.conditional for r in signal_lists)
    assert night.paths("/contents/") == []  # nothing was pushed: ADR files cannot have changed
    assert night.paths("/statuses") == night.paths("/files") == []
    assert night.report.rate_cost == 1  # the repository listing; 304s are free
    assert len(stored(store, Decision)) == 2


def test_a_final_deployment_status_is_reused_and_a_push_rereads_the_adr_folders(
    signals: Signals, github_world: GitHubWorld, store: Store, run: Run
) -> None:
    run()
    repo = signals.repo
    later = repo.signals.add_deployment(repo, "production", ref="main", sha=repo.commits[-1].sha)
    repo.signals.add_status(repo, later, "failure")
    repo.pushed_at = github_world.tick()  # a push: the files may have changed

    night = run()

    # The deployments list changed: only the new production deployment's status is asked.
    assert night.paths("/statuses") == [f"/repos/dana-dev/ledger/deployments/{later.id}/statuses"]
    statuses = {d.id: d.status for d in stored(store, Deployment)}
    assert statuses[str(signals.production.id)] == "success"
    assert statuses[str(later.id)] == "failure"
    # After the push the branch's tree is asked again (one request); it did not change,
    # so the unchanged ADR files are not re-read.
    assert night.paths("/git/trees/") == ["/repos/dana-dev/ledger/git/trees/main"]
    assert night.paths("/contents/") == []


def test_one_tree_request_finds_the_adr_files_without_probing_folders(
    signals: Signals, store: Store, run: Run
) -> None:
    first = run()

    assert first.paths("/git/trees/") == ["/repos/dana-dev/ledger/git/trees/main"]
    # Only the two ADR files themselves: no candidate folder asked, so no 404s.
    assert sorted(first.paths("/contents/")) == [
        "/repos/dana-dev/ledger/contents/docs/adr/0001-use-postgresql.md",
        "/repos/dana-dev/ledger/contents/docs/decisions/0002-kafka.md",
    ]
    assert [r for r in first.requests if r.status == 404] == []
    assert len(stored(store, Decision)) == 2


def test_a_truncated_tree_falls_back_to_the_adr_folders(
    signals: Signals, store: Store, run: Run
) -> None:
    signals.repo.signals.tree_truncated = True  # GitHub cut the listing short

    first = run()

    folders = {path.strip("/") for path in SignalSettings().adr_paths}
    asked = set(first.paths("/contents/"))
    assert {f"/repos/dana-dev/ledger/contents/{folder}" for folder in folders} <= asked
    assert len(stored(store, Decision)) == 2


def test_a_pending_deployment_gets_its_final_status_though_the_list_answers_304(
    signals: Signals, store: Store, run: Run
) -> None:
    repo = signals.repo
    sha = repo.commits[-1].sha
    today = now().replace(microsecond=0)  # GitHub's times are whole seconds
    too_old = today - github_signals.REFRESH_WINDOW - timedelta(days=1)
    abandoned = repo.signals.add_deployment(repo, "production", ref="main", sha=sha, at=too_old)
    repo.signals.add_status(repo, abandoned, "in_progress")
    pending = repo.signals.add_deployment(
        repo, "production", ref="main", sha=sha, at=today - timedelta(hours=1)
    )
    repo.signals.add_status(repo, pending, "in_progress")
    listing = ("/repos/dana-dev/ledger/deployments", {"per_page": "100"})

    def asked(collected: Collected) -> list[tuple[str, dict[str, str], int]]:
        return [(r.path, r.query, r.status) for r in collected.requests if "/deployments" in r.path]

    def status_of(deployment: FakeDeployment) -> tuple[str, datetime | None]:
        (found,) = [d for d in stored(store, Deployment) if d.id == str(deployment.id)]
        return found.status, found.finished_at

    run()
    assert status_of(pending) == ("in_progress", pending.statuses[-1].created_at)
    # Both end; neither status changes the deployments list.
    done = repo.signals.add_status(repo, pending, "success", moves_deployment=False)
    repo.signals.add_status(repo, abandoned, "success", moves_deployment=False)

    second = run()

    status_url = f"/repos/dana-dev/ledger/deployments/{pending.id}/statuses"
    assert asked(second) == [(*listing, 304), (status_url, {"per_page": "100"}, 200)]
    assert second.report.rate_cost == 2  # the repository listing and the one status
    assert status_of(pending) == ("success", done.created_at)
    # Created before the window: taken as abandoned, never asked again.
    assert status_of(abandoned) == ("in_progress", abandoned.statuses[0].created_at)

    third = run()

    assert asked(third) == [(*listing, 304)]  # final now: nothing more is asked for it
    assert status_of(pending) == ("success", done.created_at)


def test_unfinished_deployments_asked_again_are_capped_per_run_newest_first(
    signals: Signals, store: Store, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(github_signals, "MAX_REFRESHES", 2)
    repo = signals.repo
    sha = repo.commits[-1].sha
    today = now().replace(microsecond=0)  # GitHub's times are whole seconds
    pending = [
        repo.signals.add_deployment(
            repo, "production", ref="main", sha=sha, at=today - timedelta(hours=hours)
        )
        for hours in (3, 2, 1)
    ]
    for deployment in pending:
        repo.signals.add_status(repo, deployment, "queued")
    run()

    night = run()

    assert night.paths("/statuses") == [
        f"/repos/dana-dev/ledger/deployments/{deployment.id}/statuses"
        for deployment in reversed(pending[1:])
    ]
    assert {d.status for d in stored(store, Deployment) if d.environment == "production"} == {
        "queued",
        "success",  # the one from the fixture, final since the first run
    }


def test_default_rules_categorise_the_signals(signals: Signals, store: Store, run: Run) -> None:
    run()

    policy = Policy()
    snapshot = store.snapshot()
    repositories = {r.ref: r for r in snapshot.repositories}

    def categories(item: Item) -> set[Category]:
        return set(classify(item, repositories.get(item.repo), policy).categories)

    by_kind: dict[Kind, list[Item]] = {}
    for entry in snapshot.items:
        by_kind.setdefault(entry.item.kind, []).append(entry.item)
    assert all(categories(d) == {Category.DEPLOYMENT} for d in by_kind[Kind.DEPLOYMENT])
    assert all(categories(p) == {Category.DEPLOYMENT} for p in by_kind[Kind.PIPELINE])
    assert all(Category.MONITORING in categories(i) for i in by_kind[Kind.INCIDENT])
    assert all(categories(d) == {Category.ARCHITECTURE} for d in by_kind[Kind.DECISION])
    pulls = {m.number: m for m in stored(store, MergeRequest)}
    # Its helm/ path makes the shipped change deployment evidence; the plain one has none.
    assert Category.DEPLOYMENT in categories(pulls[signals.shipped.number])
    assert Category.DEPLOYMENT not in categories(pulls[signals.plain.number])


def test_the_trail_links_a_merged_change_to_its_release_and_deployment(
    signals: Signals, store: Store, run: Run
) -> None:
    run()

    chains = link_trail(s.item for s in store.snapshot().items)

    (chain,) = [c for c in chains if c.change.number == signals.shipped.number]
    assert chain.release is not None and chain.release.tag == "v1.0.0"
    assert chain.basis == "commit order"  # the merge commit precedes the tag's commit
    assert [d.id for d in chain.deployments] == [str(signals.production.id)]
