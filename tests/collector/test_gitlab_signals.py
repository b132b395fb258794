"""GitLab's evidence signals through the fake GitLab, python-gitlab running unmodified.

For each signal: the exact records, the exact requests (nothing per item beyond
what the README states), and the category the README's default rules give it.
Then what the store saves: changed files only for candidates and reused while
unchanged, ADR files read again only when their blob changes, lists read on from
the newest stored update; `evidence explain` on a GitLab item; and the merge
request -> release -> deployment -> incident chain of a change that shipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from collector.classify import Policy, classify
from collector.classify.trail import link_trail
from collector.forges.base.limits import Limits
from collector.forges.base.signals import NothingStored, Recall
from collector.forges.gitlab import signals as gitlab_signals
from collector.forges.gitlab.forge import GitLabForge
from collector.model.categories import Category
from collector.model.records import Decision, Item, Kind, MergeRequest, Repository
from collector.store import Store
from collector.sync import collect_source
from config.models import GitLabSource
from evidence.cli import cli
from tests.collector.conftest import GITLAB_TOKEN
from tests.collector.gitlab_signal_expected import (
    expected_decision,
    expected_deployment,
    expected_incident,
    expected_pipeline,
)
from tests.collector.reading import full_read, listed
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import FakeChange, GitLabWorld

NYGARD = """# 1. Record architecture decisions

Date: 2024-01-02

## Status

Accepted

## Context

We need to record the architectural decisions made on this project.

## Decision

We will use Architecture Decision Records, as described by Michael Nygard.

## Consequences

See Michael Nygard's article, linked above.
"""

MADR = """---
status: accepted
date: 2024-02-10
deciders: dana
---
# Roll out with Helm and Argo CD

## Context and Problem Statement

Deploys were kubectl apply from laptops; nobody knew what ran where.

## Decision Outcome

Chosen option: "Helm charts synced by Argo CD", because the cluster state is in git.

## Consequences

* Good, because every deploy is a commit.
* Bad, because one more controller to run.
"""

RUN = datetime(2024, 6, 1, 3, 0, tzinfo=UTC)


def forge_on(fake: FakeGitLab, recall: Recall | None = None, **settings: Any) -> GitLabForge:
    config = GitLabSource(forge="gitlab", url=fake.url, users=["dana"], **settings)
    return GitLabForge(
        config, GITLAB_TOKEN, limits=Limits(retries=0), recall=recall or NothingStored()
    )


def read(forge: GitLabForge, kind: Kind) -> tuple[Repository, list[Item]]:
    (repository,) = listed(forge)
    return repository, [item for page in full_read(forge, repository, kind) for item in page]


def categories(item: Item, repository: Repository) -> tuple[Category, ...]:
    return classify(item, repository, Policy()).categories


def reasons(item: Item, repository: Repository) -> list[str]:
    return [reason.rule for reason in classify(item, repository, Policy()).reasons]


def asked(fake: FakeGitLab, project_id: int) -> list[str]:
    """The requests about one project, without its languages (asked while listing)."""
    prefix = f"/projects/{project_id}"
    return [
        path.removeprefix(prefix)
        for path in fake.paths()
        if path.startswith(prefix + "/") and path != f"{prefix}/languages"
    ]


@pytest.fixture
def world() -> GitLabWorld:
    return GitLabWorld(viewer="dana")


@pytest.fixture
def fake(world: GitLabWorld) -> Iterator[FakeGitLab]:
    with FakeGitLab(world, token=GITLAB_TOKEN) as server:
        yield server


# -- deployments ---------------------------------------------------------------------------


def test_deployments_with_environment_job_and_page(world: GitLabWorld, fake: FakeGitLab) -> None:
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    project.add_release("v1.2.0")
    production = project.add_deployment("production", ref="v1.2.0")
    staging = project.add_deployment("staging")
    failed = project.add_deployment("production", ref="v1.2.0", status="failed")
    by_hand = project.add_deployment("prod-eu", ref="v1.2.0", with_job=False)

    repository, records = read(forge_on(fake), Kind.DEPLOYMENT)

    newest_first = [by_hand, failed, staging, production]
    assert records == [expected_deployment(fake, project, d) for d in newest_first]
    (listing,) = fake.requests_to(f"/projects/{project.id}/deployments")
    assert listing.query == {
        "order_by": "updated_at",
        "sort": "desc",
        "updated_after": "2011-01-01T00:00:00Z",  # paired with the sort, as GitLab asks
        "per_page": "100",
    }
    assert asked(fake, project.id).count("/deployments") == 1  # nothing per deployment
    for record in records:
        assert categories(record, repository) == (Category.DEPLOYMENT,)
        assert reasons(record, repository) == ["deployment"]
    shown = {r.key for r in records if classify(r, repository, Policy()).surfaced}
    # Successful deployments to production environments of a public project, by default.
    assert shown == {str(production.id), str(by_hand.id)}


def test_deployments_are_read_on_from_the_newest_stored_update(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    first = project.add_deployment("production")
    collect_source(forge_on(fake, store), store, clock=lambda: RUN)
    world.advance(timedelta(days=2))
    second = project.add_deployment("production")

    report = collect_source(forge_on(fake, store), store, clock=lambda: RUN + timedelta(days=1))

    listing = fake.requests_to(f"/projects/{project.id}/deployments")[-1]
    since = (first.updated_at - gitlab_signals.OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listing.query == {
        "order_by": "updated_at",
        "sort": "asc",  # oldest first: an interrupted run resumes where it stopped
        "updated_after": since,
        "per_page": "100",
    }
    assert report.items[Kind.DEPLOYMENT].new == 1
    stored = [s.item for s in store.snapshot().items if s.item.kind is Kind.DEPLOYMENT]
    assert sorted(stored, key=lambda d: d.key) == [
        expected_deployment(fake, project, d) for d in (first, second)
    ]


def test_a_first_reading_takes_only_the_newest_deployments(
    world: GitLabWorld, fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gitlab_signals, "FIRST_READING", 4)
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    made = [project.add_deployment("staging") for _ in range(7)]

    _, records = read(forge_on(fake, page_size=2), Kind.DEPLOYMENT)

    assert [r.key for r in records] == [str(d.id) for d in reversed(made)][:4]
    pages = fake.requests_to(f"/projects/{project.id}/deployments")
    assert [r.query.get("page") for r in pages] == [None, "2"]


# -- deploy pipelines ----------------------------------------------------------------------


def test_pipelines_with_deploy_jobs_come_from_one_jobs_list(
    world: GitLabWorld, fake: FakeGitLab
) -> None:
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    project.add_pipeline(jobs=[("build", "build"), ("test", "test")])  # no deploy job
    project.add_tag("v1.2.0")
    tagged = project.add_pipeline("v1.2.0", jobs=[("build", "build")])
    project.add_deployment("production", pipeline=tagged, job_name="deploy-production")
    chart = project.add_pipeline(jobs=[("lint", "test"), ("helm", "publish")], status="failed")
    project.add_pipeline(jobs=[("deploy-review", "review")], status="running")  # not finished

    forge = forge_on(fake)
    (repository,) = listed(forge)
    deployments = [i for page in full_read(forge, repository, Kind.DEPLOYMENT) for i in page]
    records = [i for page in full_read(forge, repository, Kind.PIPELINE) for i in page]

    assert len(deployments) == 1
    assert records == [
        # "helm" runs in the "publish" stage: the stage matches "*publish*".
        expected_pipeline(fake, project, chart, ["helm"]),
        expected_pipeline(fake, project, tagged, ["deploy-production"], ["production"]),
    ]
    (jobs,) = fake.requests_to(f"/projects/{project.id}/jobs")
    assert jobs.query_string == "scope[]=success&scope[]=failed&per_page=100"
    assert [p for p in asked(fake, project.id) if "pipelines" in p] == []  # none per pipeline
    for record in records:
        assert categories(record, repository) == (Category.DEPLOYMENT,)
        assert reasons(record, repository) == ["deploy pipeline"]
        assert not classify(record, repository, Policy()).surfaced  # figures only


def test_the_jobs_list_is_read_down_to_the_newest_stored_deploy_pipeline(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    for _ in range(6):  # old CI history: three pages at two jobs a page
        project.add_pipeline(jobs=[("build", "build")])
    world.advance(timedelta(days=10))
    project.add_pipeline(jobs=[("build", "build"), ("deploy", "deploy")])
    collect_source(forge_on(fake, store, page_size=2), store, clock=lambda: RUN)
    first_reading = len(fake.requests_to(f"/projects/{project.id}/jobs"))
    world.advance(timedelta(days=1))
    newest = project.add_pipeline(jobs=[("build", "build"), ("deploy", "deploy")])

    collect_source(forge_on(fake, store, page_size=2), store, clock=lambda: RUN)

    assert first_reading == 4  # nothing stored yet: the whole (bounded) history
    second = fake.requests_to(f"/projects/{project.id}/jobs")[first_reading:]
    # Page 1: the new pipeline; page 2: the stored one; page 3 reaches the old history.
    assert [r.query.get("page") for r in second] == [None, "2", "3"]
    stored = {s.item.key for s in store.snapshot().items if s.item.kind is Kind.PIPELINE}
    assert str(newest.id) in stored and len(stored) == 2


# -- incidents -------------------------------------------------------------------------------


def test_incidents_only_and_never_confidential_ones(world: GitLabWorld, fake: FakeGitLab) -> None:
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    resolved = project.add_incident(
        "Checkout latency above SLO",
        description="p99 at 4 s after the 1.2.0 rollout.",
        state="closed",
        labels=["incident", "severity::2"],
        resolved_after=timedelta(minutes=50),
    )
    project.add_issue("Typo in the README", labels=["docs"])
    project.add_incident("Payment provider credentials", confidential=True)
    ongoing = project.add_incident("Elevated 5xx on /refunds", author="sam")

    repository, records = read(forge_on(fake), Kind.INCIDENT)

    assert records == [expected_incident(fake, project, i) for i in (ongoing, resolved)]
    (listing,) = fake.requests_to(f"/projects/{project.id}/issues")
    assert listing.query == {
        "issue_type": "incident",
        "state": "all",
        "confidential": "false",
        "order_by": "updated_at",
        "sort": "desc",
        "updated_after": "2011-01-01T00:00:00Z",
        "per_page": "100",
    }
    for record in records:
        assert categories(record, repository) == (Category.MONITORING,)
        assert "incident" in reasons(record, repository)
    shown = [r.title for r in records if classify(r, repository, Policy()).surfaced]
    assert shown == ["Checkout latency above SLO"]  # resolved ones, by default


# -- decision records ------------------------------------------------------------------------


def adr_project(world: GitLabWorld) -> Any:
    project = world.add_project("dana/ledger")
    project.add_file("README.md", "# Ledger")
    project.add_file("docs/adr/0001-record-architecture-decisions.md", NYGARD)
    project.add_file("docs/adr/0002-roll-out-with-helm.md", MADR.replace("Argo CD", "Flux"))
    project.add_file(
        "docs/adr/0002-roll-out-with-helm.md", MADR, message="ADR 2: Argo CD, not Flux"
    )
    project.add_file("docs/adr/README.md", "# Decision log\n\nOne file per decision.")
    project.add_file("docs/adr/template.md", "# Title\n\n## Status\n\n## Context")
    project.add_file("docs/runbook.md", "# Runbook")
    project.add_file("src/ledger/app.py", "print('ledger')")
    return project


def test_decision_records_in_both_formats(world: GitLabWorld, fake: FakeGitLab) -> None:
    project = adr_project(world)

    repository, records = read(forge_on(fake), Kind.DECISION)

    nygard = "docs/adr/0001-record-architecture-decisions.md"
    madr = "docs/adr/0002-roll-out-with-helm.md"
    assert records == [
        expected_decision(
            fake,
            project,
            nygard,
            title="Record architecture decisions",
            format="nygard",
            status="accepted",
            date=datetime(2024, 1, 2, tzinfo=UTC),
            context="We need to record the architectural decisions made on this project.",
            decision="We will use Architecture Decision Records, as described by Michael Nygard.",
            consequences="See Michael Nygard's article, linked above.",
        ),
        expected_decision(
            fake,
            project,
            madr,
            title="Roll out with Helm and Argo CD",
            format="madr",
            status="accepted",
            date=datetime(2024, 2, 10, tzinfo=UTC),
            context="Deploys were kubectl apply from laptops; nobody knew what ran where.",
            decision='Chosen option: "Helm charts synced by Argo CD", because the cluster state '
            "is in git.",
            consequences="* Good, because every deploy is a commit.\n"
            "* Bad, because one more controller to run.",
        ),
    ]
    assert len(records[1].extra["commits"]) == 2  # written, then changed
    assert asked(fake, project.id) == [
        "/repository/branches/main",  # the head: the folders are read again once it moves
        "/repository/tree",  # the root: docs/ is there, doc/ and adr/ are not
        "/repository/tree",  # docs/: adr/ is there, decisions/ is not
        "/repository/tree",  # docs/adr/ and everything below it
        f"/repository/files/{nygard.replace('/', '%2F')}/raw",
        "/repository/commits",
        f"/repository/files/{madr.replace('/', '%2F')}/raw",
        "/repository/commits",
    ]
    trees = fake.requests_to(f"/projects/{project.id}/repository/tree")
    assert [r.query.get("path") for r in trees] == [None, "docs", "docs/adr"]
    assert trees[2].query["recursive"] == "true"
    history = fake.requests_to(f"/projects/{project.id}/repository/commits")
    assert [r.query["path"] for r in history] == [nygard, madr]
    for record in records:
        assert categories(record, repository) == (Category.ARCHITECTURE,)
        assert reasons(record, repository) == ["decision record"]
        assert classify(record, repository, Policy()).surfaced


def test_an_adr_is_read_again_only_when_its_blob_changes(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    project = adr_project(world)
    collect_source(forge_on(fake, store), store, clock=lambda: RUN)
    before = len(fake.requests)
    changed = "docs/adr/0001-record-architecture-decisions.md"
    project.add_file(changed, NYGARD.replace("Accepted", "Superseded by ADR 2"))

    report = collect_source(forge_on(fake, store), store, clock=lambda: RUN)

    raw_reads = [p for p in fake.paths()[before:] if p.endswith("/raw")]
    assert raw_reads == [
        f"/projects/{project.id}/repository/files/{changed.replace('/', '%2F')}/raw"
    ]
    assert report.items[Kind.DECISION].updated == 1
    assert report.items[Kind.DECISION].unchanged == 1
    stored = {s.item.key: s.item for s in store.snapshot().items if s.item.kind is Kind.DECISION}
    record = stored[changed]
    assert isinstance(record, Decision) and record.status == "superseded by adr 2"


# -- changed files -----------------------------------------------------------------------------


def test_changed_files_only_for_candidates_and_reused_while_unchanged(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    bare = project.add_merge_request(
        title="Run the ledger in two regions",
        labels=["evidence"],
        state="merged",
        files=["helm/ledger/values-eu.yaml", ("k8s/ledger.yaml", "k8s/base/ledger.yaml")],
    )
    project.add_merge_request(
        title="Split the ledger API", labels=["evidence::architecture"], files=["api/ledger.py"]
    )
    project.add_merge_request(title="Routine bump", files=["poetry.lock"])
    trailer = project.add_commit(
        "Alert on replication lag\n\nEvidence: yes",
        changes=[FakeChange("alerts/replication.yml", "alerts/replication.yml", new_file=True)],
    )

    collect_source(forge_on(fake, store), store, clock=lambda: RUN)
    first = [p for p in fake.paths() if "diff" in p]
    stored = {s.item.url: s.item for s in store.snapshot().items}
    (repository,) = store.snapshot().repositories

    assert first == [
        f"/projects/{project.id}/merge_requests/{bare.iid}/diffs",
        f"/projects/{project.id}/repository/commits/{trailer.sha}/diff",
    ]
    mr = stored[f"{fake.url}/dana/ledger/-/merge_requests/{bare.iid}"]
    assert mr.extra["changed_files"] == [
        "helm/ledger/values-eu.yaml",
        "k8s/base/ledger.yaml",  # a rename: the new path first, then the old
        "k8s/ledger.yaml",
    ]
    assert categories(mr, repository) == (Category.DEPLOYMENT,)
    assert "rule 'deploy paths': changes helm/ledger/values-eu.yaml" in [
        r.detail for r in classify(mr, repository, Policy()).reasons
    ]
    commit = stored[f"{fake.url}/dana/ledger/-/commit/{trailer.sha}"]
    assert commit.extra["changed_files"] == ["alerts/replication.yml"]
    assert categories(commit, repository) == (Category.MONITORING,)

    collect_source(forge_on(fake, store), store, clock=lambda: RUN)
    assert [p for p in fake.paths() if "diff" in p] == first  # unchanged: nothing asked

    bare.updated_at = world.tick()  # a push to the merge request moves it
    collect_source(forge_on(fake, store), store, clock=lambda: RUN)
    assert [p for p in fake.paths() if "diff" in p] == [*first, first[0]]


def test_an_instance_before_15_7_answers_on_changes(world: GitLabWorld, fake: FakeGitLab) -> None:
    fake.merge_request_diffs = False
    project = world.add_project("dana/ledger")
    for number in range(2):
        project.add_merge_request(
            title=f"Chart {number}",
            labels=["evidence"],
            files=[f"charts/ledger-{number}/values.yaml"],
        )

    _, records = read(forge_on(fake), Kind.MERGE_REQUEST)

    assert [r.extra["changed_files"] for r in records] == [
        ["charts/ledger-1/values.yaml"],
        ["charts/ledger-0/values.yaml"],
    ]
    assert asked(fake, project.id) == [
        "/merge_requests",
        "/merge_requests/2/diffs",  # 404: no such route yet
        "/merge_requests/2/changes",
        "/merge_requests/1/changes",  # remembered: /diffs is not asked again
    ]


def test_features_the_token_cannot_use_cost_nothing_or_stay_quiet(
    world: GitLabWorld, fake: FakeGitLab
) -> None:
    off = world.add_project("dana/wiki-only")
    off.add_commit("Initial commit")
    off.jobs_enabled = off.issues_enabled = off.environments_enabled = False
    members_only = world.add_project("dana/ledger")
    members_only.add_commit("Initial commit")
    fake.fail(f"/projects/{members_only.id}/jobs", 403)  # CI visible to members only
    forge = forge_on(fake)

    found = {
        (r.ref.path, kind): [i for page in full_read(forge, r, kind) for i in page]
        for r in listed(forge)
        for kind in (Kind.DEPLOYMENT, Kind.PIPELINE, Kind.INCIDENT)
    }

    assert all(items == [] for items in found.values())
    assert asked(fake, off.id) == []
    assert "/jobs" in asked(fake, members_only.id)
    assert forge.warnings == []


# -- explain and the trail --------------------------------------------------------------------


def test_explain_says_which_rule_placed_a_gitlab_item(
    world: GitLabWorld, fake: FakeGitLab, tmp_path: Path
) -> None:
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    project.add_merge_request(
        title="Values for the EU cluster", labels=["evidence"], files=["helm/values-eu.yaml"]
    )
    deployment = project.add_deployment("production")
    config = tmp_path / "evidence.toml"
    config.write_text(
        f'[site]\nowner = "Dana"\n\n[[sources]]\nforge = "gitlab"\nurl = "{fake.url}"\n'
        'users = ["dana"]\n',
        encoding="utf-8",
    )
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(
            cli,
            ["--config", str(config), *args],
            env={"GITLAB_TOKEN": GITLAB_TOKEN},
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.stderr
        return result.stdout

    run("collect")
    mr_out = run("explain", f"{fake.url}/dana/ledger/-/merge_requests/1")
    deploy_url = f"{fake.url}/dana/ledger/-/environments/1/deployments/{deployment.iid}"
    deploy_out = run("explain", deploy_url)

    assert "shown:      yes — tagged by the owner" in mr_out
    assert "  deployment:\n    - rule 'deploy paths': changes helm/values-eu.yaml" in mr_out
    assert f"deployment gitlab:{fake.host}/dana/ledger#{deployment.id}" in deploy_out
    assert "shown:      yes — deployment of a public repository" in deploy_out
    assert "  deployment:\n    - rule 'deployment': kind deployment" in deploy_out


def test_a_merged_change_links_to_its_release_deployment_and_incident(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    change = project.add_merge_request(
        title="Idempotent settlement writes", labels=["evidence"], state="merged"
    )
    project.add_merge_commit(change)
    project.add_commit("Prepare 1.3.0")
    project.add_release("v1.3.0")
    shipped = project.add_deployment("production", ref="v1.3.0")
    project.add_deployment("staging", ref="v1.3.0", status="failed")
    incident = project.add_incident("Duplicate settlements after 1.3.0", state="closed")

    collect_source(forge_on(fake, store), store, clock=lambda: RUN)
    items = [s.item for s in store.snapshot().items]
    chains = link_trail(items)

    (chain,) = chains
    assert isinstance(chain.change, MergeRequest) and chain.change.number == change.iid
    assert chain.release is not None and chain.release.tag == "v1.3.0"
    assert chain.basis == "commit order"  # the merge commit comes before the tagged commit
    assert [d.key for d in chain.deployments] == [
        str(shipped.id),
        str(project.deployments[1].id),
    ]
    assert chain.deployments[0] == expected_deployment(fake, project, shipped)
    assert chain.incidents == (expected_incident(fake, project, incident),)


# -- odd answers --------------------------------------------------------------------------------


def test_one_odd_adr_file_costs_only_itself(world: GitLabWorld, fake: FakeGitLab) -> None:
    project = adr_project(world)
    odd = {"id": "f" * 40, "title": "Add ADR 1", "author_name": "x", "committed_date": "someday"}
    fake.override(f"/projects/{project.id}/repository/commits", 200, [odd], times=1)
    forge = forge_on(fake)

    _, records = read(forge, Kind.DECISION)

    assert [r.key for r in records] == ["docs/adr/0002-roll-out-with-helm.md"]
    (warning,) = forge.warnings
    assert warning.startswith(
        "project dana/ledger: docs/adr/0001-record-architecture-decisions.md: unexpected data "
        f"from {fake.host} ("
    )
    assert warning.endswith("; skipped")


def test_a_deployment_without_environment_is_skipped_and_named(
    world: GitLabWorld, fake: FakeGitLab, store: Store
) -> None:
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    project.add_incident("Disk full on the ledger primary", state="closed")
    broken = {"id": 7, "iid": 1, "ref": "main", "sha": "a" * 40, "environment": None}
    fake.override(f"/projects/{project.id}/deployments", 200, [broken])

    report = collect_source(forge_on(fake, store), store, clock=lambda: RUN)

    assert report.errors == []
    assert report.items_skipped == 1
    assert (
        f"dana/ledger: deployment #1 skipped: unexpected data from {fake.host} (deployment "
        "without an environment name); the rest is collected"
    ) in report.warnings
    assert report.items[Kind.INCIDENT].new == 1  # one odd entry costs only itself
