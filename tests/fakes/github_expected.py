"""What the store must hold for a GitHub world: records built from the world, not the JSON.

Expected records come from what GitHub means (the ``GitHubWorld``), never from
the payloads the fake sends, so a mapping mistake cannot hide behind itself.
``assert_store_matches`` is the one check every collection test ends with: the
store's snapshot equals the world, item for item, nothing missing or extra.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from collector.classify import Policy, needs_changed_files
from collector.forges.base.signals import with_files
from collector.model.records import (
    Commit,
    Item,
    MergeRequest,
    Release,
    RepoRef,
    Repository,
    Tag,
    Visibility,
)
from collector.store import Store
from tests.fakes.expected import assert_repositories_match, assert_same_items, stored_items
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import FakeCommit, FakePull, FakeRelease, FakeRepo, FakeTag


def ref(fake: FakeGitHub, repo: FakeRepo) -> RepoRef:
    return RepoRef(forge="github", host=urlsplit(fake.api_url).netloc, path=repo.full_name)


def expected_repository(fake: FakeGitHub, repo: FakeRepo, *, source: str = "") -> Repository:
    return Repository(
        ref=ref(fake, repo),
        source=source or urlsplit(fake.api_url).netloc,
        forge_id=str(repo.id),
        description=repo.description or "",
        url=f"{fake.web_url}/{repo.full_name}",
        default_branch=repo.default_branch,
        languages=repo.languages,
        topics=tuple(repo.topics),
        stars=repo.stars,
        visibility=Visibility(repo.visibility),
        fork=repo.fork,
        archived=repo.archived,
        created_at=repo.created_at,
        updated_at=repo.updated_at,
        pushed_at=repo.pushed_at,
    )


def expected_pull(fake: FakeGitHub, repo: FakeRepo, pr: FakePull) -> MergeRequest:
    record = _expected_pull(fake, repo, pr)
    # A candidate (shown, no category of its own) carries its changed files, as GitHub lists them.
    if needs_changed_files(record, Policy()):
        files = [f.filename for f in repo.signals.pull_files.get(pr.number, [])]
        return with_files(record, files)
    return record


def _expected_pull(fake: FakeGitHub, repo: FakeRepo, pr: FakePull) -> MergeRequest:
    return MergeRequest(
        repo=ref(fake, repo),
        url=f"{fake.web_url}/{repo.full_name}/pull/{pr.number}",
        title=pr.title,
        author=pr.author,
        created_at=pr.created_at,
        updated_at=pr.updated_at,
        number=pr.number,
        body=pr.body or "",
        state="merged" if pr.merged_at else pr.state,
        draft=pr.draft,
        labels=tuple(pr.labels),
        source_branch=pr.head_ref,
        target_branch=pr.base_ref,
        merged_at=pr.merged_at,
        closed_at=pr.closed_at,
        merge_commit_sha=pr.merge_commit_sha,
        extra={
            "head_sha": pr.head_sha,
            "author_association": pr.author_association,
            "milestone": pr.milestone,
            "requested_reviewers": pr.requested_reviewers,
            "assignees": pr.assignees,
        },
    )


def expected_commit(fake: FakeGitHub, repo: FakeRepo, commit: FakeCommit) -> Commit:
    return Commit(
        repo=ref(fake, repo),
        url=f"{fake.web_url}/{repo.full_name}/commit/{commit.sha}",
        title=commit.message.strip().splitlines()[0],
        author=commit.author_login or commit.author_name,
        created_at=commit.authored_at,
        sha=commit.sha,
        message=commit.message,
        committed_at=commit.committed_at,
    )


def expected_release(fake: FakeGitHub, repo: FakeRepo, release: FakeRelease) -> Release:
    return Release(
        repo=ref(fake, repo),
        url=f"{fake.web_url}/{repo.full_name}/releases/tag/{quote(release.tag, safe='/')}",
        title=release.name or release.tag,
        author=release.author,
        created_at=release.created_at,
        updated_at=release.published_at or release.created_at,
        tag=release.tag,
        name=release.name or "",
        body=release.body or "",
        draft=release.draft,
        prerelease=release.prerelease,
        published_at=release.published_at,
    )


def expected_tag(fake: FakeGitHub, repo: FakeRepo, tag: FakeTag) -> Tag:
    return Tag(
        repo=ref(fake, repo),
        url=f"{fake.web_url}/{repo.full_name}/releases/tag/{quote(tag.name, safe='/')}",
        title=tag.name,
        # The tags list carries no date: the mapping dates a tag by its repository's creation.
        created_at=repo.created_at,
        name=tag.name,
        sha=tag.sha,
    )


def expected_items(fake: FakeGitHub, repo: FakeRepo) -> list[Item]:
    """Every item GitHub holds for ``repo``: pulls, default-branch commits, releases, tags."""
    return [
        *(expected_pull(fake, repo, pr) for pr in repo.pulls),
        *(expected_commit(fake, repo, commit) for commit in repo.commits),
        *(expected_release(fake, repo, release) for release in repo.releases),
        *(expected_tag(fake, repo, tag) for tag in repo.tags),
    ]


def visible_repositories(fake: FakeGitHub) -> list[FakeRepo]:
    """What a source on the viewer's own public repositories collects by default."""
    return [repo for repo in fake.world.repos.values() if not repo.private and not repo.fork]


def assert_store_matches(
    store: Store, fake: FakeGitHub, repos: Iterable[FakeRepo] | None = None, *, source: str = ""
) -> None:
    """The store shows exactly ``repos`` (default: every public non-fork one) and their items.

    With ``source``, only what that source collected is compared (a store may hold several).
    """
    chosen = list(visible_repositories(fake) if repos is None else repos)
    wanted = (expected_repository(fake, repo, source=source) for repo in chosen)
    assert_repositories_match(store, wanted, source=source)
    assert_items_match(store, fake, chosen, source=source)


def assert_items_match(
    store: Store, fake: FakeGitHub, repos: Iterable[FakeRepo], *, source: str = ""
) -> None:
    """The store shows exactly the items of ``repos``: none missing, none extra, none twice."""
    wanted = (item for repo in repos for item in expected_items(fake, repo))
    assert_same_items(stored_items(store, source=source), wanted)
