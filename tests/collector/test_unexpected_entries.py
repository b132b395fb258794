"""Nulls a forge's description allows are read; an entry that cannot be mapped costs only itself.

Through both HTTP fakes: GitHub's description lets a commit's ``commit.author`` be
null (and its ``date`` absent) and a repository's ``created_at``/``pushed_at`` be
null; GitLab sends null for a merge request's or incident's unknown fields. Those
are collected. An entry that cannot be mapped at all (no date anywhere, a
number that is not one) is skipped with a warning that names it, counted, and
the rest of the repository is collected: nothing else is hidden.
"""

from __future__ import annotations

from datetime import UTC, datetime

from collector.forges.base.limits import Limits
from collector.forges.github.forge import GitHubForge
from collector.forges.gitlab.forge import GitLabForge
from collector.model.records import Commit, Incident, MergeRequest, Tag
from collector.store import Store
from collector.sync import collect_source
from config.models import GitHubSource, GitLabSource
from tests.collector.conftest import GITHUB_TOKEN, GITLAB_TOKEN
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld

RUN = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


def stored(store: Store) -> dict[tuple[str, str], object]:
    return {(type(s.item).__name__, s.item.key): s.item for s in store.snapshot().items}


def test_github_nulls_are_read_and_an_unmappable_commit_costs_only_itself(store: Store) -> None:
    world = GitHubWorld(viewer="dana-dev")
    repo = world.add_repo("dana-dev/ledger")
    repo.nulls = ("created_at", "pushed_at")  # the description allows both
    repo.add_pull(title="Keep the ledger", labels=["evidence"], merged=True)
    plain = repo.add_commit("Plain commit")
    no_author = repo.add_commit("Imported from svn")
    no_author.nulls = ("commit.author",)
    no_date = repo.add_commit("Author without a date")
    no_date.absent = ("commit.author.date",)
    hopeless = repo.add_commit("No date anywhere")
    hopeless.nulls = ("commit.author", "commit.committer")
    repo.add_tag("v1.0.0", sha=plain.sha)

    with FakeGitHub(world, token=GITHUB_TOKEN) as fake:
        config = GitHubSource(forge="github", api_url=fake.api_url, users=["dana-dev"])
        forge = GitHubForge(config, GITHUB_TOKEN, limits=Limits(retries=0), recall=store)
        report = collect_source(forge, store, clock=lambda: RUN)
        forge.close()

    items = stored(store)
    assert report.errors == [] and not report.failed
    commits = {key for kind, key in items if kind == "Commit"}
    assert commits == {plain.sha, no_author.sha, no_date.sha}
    dated = items[("Commit", no_author.sha)]
    assert isinstance(dated, Commit) and dated.created_at == no_author.committed_at
    assert ("MergeRequest", "1") in items
    tag = items[("Tag", "v1.0.0")]
    assert isinstance(tag, Tag)  # dated without created_at and pushed_at
    assert report.items_skipped == 1
    (warning,) = [w for w in report.warnings if "skipped" in w]
    assert f"commit {hopeless.sha[:12]} skipped" in warning and "dana-dev/ledger" in warning
    assert report.as_json()["items_skipped"] == 1


def test_gitlab_nulls_are_read_and_an_unmappable_entry_costs_only_itself(store: Store) -> None:
    world = GitLabWorld(viewer="dana")
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    quiet = project.add_merge_request(title="No description", labels=["evidence"], state="merged")
    quiet.nulls = ("description", "merge_commit_sha", "milestone", "merged_by")
    broken = project.add_merge_request(title="Broken entry", labels=["evidence"], state="opened")
    broken.nulls = ("created_at",)  # no date to place it: cannot be mapped
    kept = project.add_merge_request(title="Kept", labels=["evidence"], state="opened")
    open_incident = project.add_incident("Queue backlog", description=None)
    open_incident.nulls = ("closed_at", "closed_by", "description")

    with FakeGitLab(world, token=GITLAB_TOKEN) as fake:
        config = GitLabSource(forge="gitlab", url=fake.url, users=["dana"])
        forge = GitLabForge(config, GITLAB_TOKEN, limits=Limits(retries=0), recall=store)
        report = collect_source(forge, store, clock=lambda: RUN)
        forge.close()

    items = stored(store)
    assert report.errors == [] and not report.failed
    changes = {key for kind, key in items if kind == "MergeRequest"}
    assert changes == {str(quiet.iid), str(kept.iid)}
    read = items[("MergeRequest", str(quiet.iid))]
    assert isinstance(read, MergeRequest) and read.body == "" and read.merge_commit_sha is None
    incident = items[("Incident", str(open_incident.iid))]
    assert isinstance(incident, Incident) and incident.closed_at is None
    assert report.items_skipped == 1
    (warning,) = [w for w in report.warnings if "skipped" in w]
    assert f"merge_request #{broken.iid} skipped" in warning and "dana/ledger" in warning


def test_a_gitlab_release_without_its_tag_is_skipped_and_named(store: Store) -> None:
    """GitLab leaves ``tag_name`` out for a token that may not read the code; the tag is
    the release's key, so such a release was stored under "" (and a second one overwrote
    it). Now it is skipped with a warning, and the project's other releases are kept."""
    world = GitLabWorld(viewer="dana")
    project = world.add_project("dana/ledger")
    project.add_commit("Initial commit")
    kept = project.add_release("v1.0.0", name="First")
    hidden = project.add_release("v1.1.0", name="Second")
    hidden.absent = ("tag_name", "commit")

    with FakeGitLab(world, token=GITLAB_TOKEN) as fake:
        config = GitLabSource(forge="gitlab", url=fake.url, users=["dana"])
        forge = GitLabForge(config, GITLAB_TOKEN, limits=Limits(retries=0), recall=store)
        report = collect_source(forge, store, clock=lambda: RUN)
        forge.close()

    releases = [key for kind, key in stored(store) if kind == "Release"]
    assert releases == [kept.tag]
    assert report.items_skipped == 1
    (warning,) = [w for w in report.warnings if "skipped" in w]
    assert "dana/ledger: release Second skipped" in warning and "tag_name" in warning
