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
from tests.fakes.github_signal_world import FakeChangedFile
from tests.fakes.github_world import FakeCommit, FakePull, FakeRelease, FakeRepo, FakeTag


def ref(fake: FakeGitHub, repo: FakeRepo) -> RepoRef:
    return RepoRef(forge="github", host=urlsplit(fake.api_url).netloc, path=repo.full_name)


def expected_repository(fake: FakeGitHub, repo: FakeRepo, *, source: str = "") -> Repository:
    """What the ledger knows of ``repo``; of a field GitHub left out, what it assumes."""

    def said(field: str) -> bool:
        return field not in repo.absent and field not in repo.nulls

    # Without ``visibility`` (an older GitHub Enterprise Server) only ``private`` says.
    visibility = (
        repo.visibility if said("visibility") else ("private" if repo.private else "public")
    )
    return Repository(
        ref=ref(fake, repo),
        source=source or urlsplit(fake.api_url).netloc,
        forge_id=str(repo.id),
        description=repo.description or "",
        url=f"{fake.web_url}/{repo.full_name}",
        default_branch=repo.default_branch if said("default_branch") else "main",
        languages=repo.languages,
        topics=tuple(repo.topics) if said("topics") else (),
        stars=repo.stars if said("stargazers_count") else 0,
        visibility=Visibility(visibility),
        fork=repo.fork,
        archived=repo.archived if said("archived") else False,
        created_at=repo.created_at if said("created_at") else None,
        updated_at=repo.updated_at if said("updated_at") else None,
        pushed_at=repo.pushed_at if said("pushed_at") else None,
    )


def changed_files(files: Iterable[FakeChangedFile]) -> list[str]:
    """A change's paths as the collector lists them: each new path, then the old one if renamed."""
    paths: dict[str, None] = {}
    for entry in files:
        paths.setdefault(entry.filename)
        if entry.previous_filename:
            paths.setdefault(entry.previous_filename)
    return list(paths)


def expected_pull(fake: FakeGitHub, repo: FakeRepo, pr: FakePull) -> MergeRequest:
    record = _expected_pull(fake, repo, pr)
    # A candidate (shown, no category of its own) carries its changed files, as GitHub lists them.
    if needs_changed_files(record, Policy()):
        return with_files(record, changed_files(repo.signals.pull_files.get(pr.number, [])))
    return record


def _expected_pull(fake: FakeGitHub, repo: FakeRepo, pr: FakePull) -> MergeRequest:
    return MergeRequest(
        repo=ref(fake, repo),
        url=f"{fake.web_url}/{repo.full_name}/pull/{pr.number}",
        title=pr.title,
        author=pr.author or "",  # a deleted account: GitHub sends no user
        created_at=pr.created_at,
        updated_at=pr.updated_at,
        number=pr.number,
        body=pr.body or "",
        state="merged" if pr.merged_at else pr.state,
        draft=pr.draft and "draft" not in pr.absent,
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
            "requested_reviewers": (
                pr.requested_reviewers if "requested_reviewers" not in pr.absent else []
            ),
            "assignees": pr.assignees if "assignees" not in pr.absent else [],
        },
    )


def expected_commit(fake: FakeGitHub, repo: FakeRepo, commit: FakeCommit) -> Commit | None:
    """The commit as stored, dated as GitHub said; None when it said no date at all (skipped)."""
    authored = commit.authored_at if commit.said("commit.author.date") else None
    committed = commit.committed_at if commit.said("commit.committer.date") else None
    login = commit.author_login if commit.said("author.login") else None
    name = commit.author_name if commit.said("commit.author.name") else ""
    created = authored or committed
    if created is None:
        return None
    record = Commit(
        repo=ref(fake, repo),
        url=f"{fake.web_url}/{repo.full_name}/commit/{commit.sha}",
        title=commit.message.strip().splitlines()[0],
        author=login or name,
        created_at=created,
        sha=commit.sha,
        message=commit.message,
        committed_at=committed,
    )
    if needs_changed_files(record, Policy()):
        files = repo.signals.commit_files.get(commit.sha, [])
        return with_files(record, [] if "files" in commit.detail_absent else changed_files(files))
    return record


def expected_release(fake: FakeGitHub, repo: FakeRepo, release: FakeRelease) -> Release:
    return Release(
        repo=ref(fake, repo),
        url=f"{fake.web_url}/{repo.full_name}/releases/tag/{quote(release.tag, safe='/')}",
        title=release.name or release.tag,
        author=release.author,
        created_at=release.created_at,
        updated_at=(
            release.published_at or release.created_at
            if "updated_at" not in (*release.nulls, *release.absent)
            else None
        ),
        tag=release.tag,
        name=release.name or "",
        body=release.body or "",
        draft=release.draft,
        prerelease=release.prerelease,
        published_at=release.published_at,
    )


def expected_tag(fake: FakeGitHub, repo: FakeRepo, tag: FakeTag) -> Tag | None:
    """None when the repository has no time at all to date it by (the tag is skipped)."""
    stored = expected_repository(fake, repo)
    # The tags list carries no date: the mapping dates a tag by its repository's creation,
    # or by its last push or update when GitHub sent no creation time.
    created = stored.created_at or stored.pushed_at or stored.updated_at
    if created is None:
        return None
    return Tag(
        repo=ref(fake, repo),
        url=f"{fake.web_url}/{repo.full_name}/releases/tag/{quote(tag.name, safe='/')}",
        title=tag.name,
        created_at=created,
        name=tag.name,
        sha=tag.sha,
    )


def expected_items(fake: FakeGitHub, repo: FakeRepo) -> list[Item]:
    """Every item GitHub holds for ``repo``: pulls, default-branch commits, releases, tags;
    not those it gave no date to place them by (skipped, with a warning)."""
    items: list[Item | None] = [
        *(expected_pull(fake, repo, pr) for pr in repo.pulls),
        *(expected_commit(fake, repo, commit) for commit in repo.commits),
        *(expected_release(fake, repo, release) for release in repo.releases),
        *(expected_tag(fake, repo, tag) for tag in repo.tags),
    ]
    return [item for item in items if item is not None]


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
