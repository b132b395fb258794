"""What the store must hold for a GitLab world: records built from the world, not the JSON.

Expected records come from what GitLab means (the ``GitLabWorld``), never from
the payloads the fake sends, so a mapping mistake cannot hide behind itself.
``assert_store_matches`` is the check every GitLab collection test can end
with: the store's snapshot equals the world, item for item, nothing missing
or extra, nothing twice.

The evidence signals (deployments, deploy pipelines, incidents, decision
records) depend on the owner's settings (deploy job globs, ADR folders), so the
exact comparison covers merge requests, commits, releases and tags; a world
without any signal must leave no signal item in the store either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal
from urllib.parse import quote

from collector.classify import Policy, needs_changed_files
from collector.forges.base.signals import changed_paths, with_files
from collector.forges.gitlab.signals import SIGNAL_KINDS
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
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import (
    FakeChange,
    FakeCommit,
    FakeMergeRequest,
    FakeProject,
    FakeRelease,
    FakeTag,
)

MERGE_REQUEST_STATE: dict[str, Literal["open", "closed", "merged"]] = {
    "opened": "open",
    "locked": "open",
    "closed": "closed",
    "merged": "merged",
}


def ref(fake: FakeGitLab, project: FakeProject) -> RepoRef:
    return RepoRef(forge="gitlab", host=fake.host, path=project.path_with_namespace)


def web(fake: FakeGitLab, project: FakeProject) -> str:
    return f"{fake.url}/{project.path_with_namespace}"


def expected_repository(fake: FakeGitLab, project: FakeProject, *, source: str = "") -> Repository:
    """``source``: the source's configured name (default: the instance's host)."""

    def said(field: str) -> bool:
        return field not in project.absent and field not in project.nulls

    activity = project.last_activity_at if said("last_activity_at") else None
    # An older GitLab names topics tag_list; without either there are none.
    topics = project.topics if said("topics") or said("tag_list") else []
    return Repository(
        ref=ref(fake, project),
        source=source or fake.host,
        forge_id=str(project.id),
        description=project.description or "",
        url=web(fake, project),
        default_branch=project.default_branch or "main",
        # An empty repository has no languages, and the collector does not ask for them.
        languages=(
            {}
            if project.empty_repo
            else {name: round(share * 100) for name, share in project.languages.items()}
        ),
        topics=tuple(topics),
        stars=project.stars,
        visibility=Visibility(project.visibility),
        fork=project.forked_from is not None,
        forked_from=project.forked_from,
        archived=project.archived,
        created_at=project.created_at,
        # The fake's updated_at is the last activity: the mapping falls back to it.
        updated_at=project.last_activity_at if said("updated_at") else activity,
        pushed_at=activity,
    )


def expected_merge_request(
    fake: FakeGitLab, project: FakeProject, mr: FakeMergeRequest
) -> MergeRequest:
    """The merge request as mapped from the list, before any changed files are added."""

    def said(field: str) -> bool:
        return field not in mr.absent and field not in mr.nulls

    merger = mr.merged_by if said("merge_user") or said("merged_by") else None
    return MergeRequest(
        repo=ref(fake, project),
        url=f"{web(fake, project)}/-/merge_requests/{mr.iid}",
        title=mr.title,
        author=mr.author,
        created_at=mr.created_at,
        updated_at=mr.updated_at,
        number=mr.iid,
        body=mr.description or "",
        state=MERGE_REQUEST_STATE[mr.state],
        draft=mr.draft,
        labels=tuple(mr.labels),
        source_branch=mr.source_branch,
        target_branch=mr.target_branch,
        merged_at=mr.merged_at if said("merged_at") else None,
        closed_at=mr.closed_at,
        merge_commit_sha=mr.merge_commit_sha or mr.squash_commit_sha,
        extra={
            "references": (
                {
                    "short": f"!{mr.iid}",
                    "relative": f"!{mr.iid}",
                    "full": f"{project.path_with_namespace}!{mr.iid}",
                }
                if said("references")
                else {}
            ),
            "head_sha": mr.sha,
            "squash_commit_sha": mr.squash_commit_sha,
            "merged_by": merger,
            "milestone": mr.milestone,
            "assignees": mr.assignees,
            "reviewers": mr.reviewers if said("reviewers") else [],
        },
    )


def expected_commit(fake: FakeGitLab, project: FakeProject, commit: FakeCommit) -> Commit:
    """The commit as mapped from the list, before any changed files are added."""
    return Commit(
        repo=ref(fake, project),
        url=f"{web(fake, project)}/-/commit/{commit.sha}",
        title=commit.title,
        author=commit.author_name,
        created_at=commit.authored_at,
        sha=commit.sha,
        message=commit.message,
        committed_at=commit.committed_at,
    )


def expected_release(
    fake: FakeGitLab, project: FakeProject, release: FakeRelease, *, upcoming: bool = False
) -> Release | None:
    """None for a release GitLab sent without its tag (it cannot be keyed: skipped)."""
    if "tag_name" in release.absent:
        return None
    upcoming = upcoming and "upcoming_release" not in release.absent
    return Release(
        repo=ref(fake, project),
        url=f"{web(fake, project)}/-/releases/{quote(release.tag, safe='')}",
        title=release.name or release.tag,
        author="" if "author" in release.absent else release.author,
        created_at=release.created_at,
        tag=release.tag,
        name=release.name or "",
        body=release.description or "",
        draft=upcoming,
        published_at=release.released_at,
        extra={
            "upcoming_release": upcoming,
            "commit_sha": None if "commit" in release.absent else release.commit.sha,
        },
    )


def expected_tag(fake: FakeGitLab, project: FakeProject, tag: FakeTag) -> Tag:
    return Tag(
        repo=ref(fake, project),
        url=f"{web(fake, project)}/-/tags/{quote(tag.name, safe='')}",
        title=tag.name,
        # Annotated tags have their own date (GitLab 16.11+); lightweight ones are dated by
        # their commit; a tag of something else than a commit by its project's creation.
        created_at=(
            (tag.created_at if "created_at" not in tag.absent else None)
            or (tag.commit.committed_at if "commit" not in tag.nulls else None)
            or project.created_at
        ),
        name=tag.name,
        sha=tag.commit.sha,
    )


def expected_items(fake: FakeGitLab, project: FakeProject) -> list[Item]:
    """Every item GitLab holds for ``project``: merge requests, default-branch commits,
    releases and tags, as stored (candidates with their changed files)."""
    merge_requests = (
        [
            _with_changes(expected_merge_request(fake, project, mr), mr.changes)
            for mr in project.merge_requests
        ]
        if project.merge_requests_enabled
        else []
    )
    if project.empty_repo:  # nothing in the repository: its lists are never asked for
        return list(merge_requests)
    now = project.world.now  # the fake says "upcoming" by the world clock
    releases = (
        expected_release(fake, project, release, upcoming=release.released_at > now)
        for release in project.releases
    )
    return [
        *merge_requests,
        *(
            _with_changes(expected_commit(fake, project, commit), commit.changes)
            for commit in project.commits
        ),
        *(release for release in releases if release is not None),
        *(expected_tag(fake, project, tag) for tag in project.tags),
    ]


def _with_changes(record: MergeRequest | Commit, changes: Iterable[FakeChange]) -> Item:
    """A candidate change (shown, no category of its own) carries its changed files."""
    if not needs_changed_files(record, Policy()):
        return record
    files, truncated = changed_paths((change.old_path, change.new_path) for change in changes)
    return with_files(record, files, truncated=truncated)


def visible_projects(fake: FakeGitLab) -> list[FakeProject]:
    """What a source with default settings keeps: public projects that are not forks."""
    return [
        project
        for project in fake.world.projects.values()
        if project.visibility == "public" and project.forked_from is None
    ]


def assert_store_matches(
    store: Store,
    fake: FakeGitLab,
    projects: Iterable[FakeProject] | None = None,
    *,
    source: str = "",
) -> None:
    """The store shows exactly ``projects`` (default: every visible one) and their items.

    With ``source``, only what that source collected is compared (a store may hold
    several); its repositories are expected under that name.
    """
    chosen = list(visible_projects(fake) if projects is None else projects)
    wanted = (expected_repository(fake, project, source=source) for project in chosen)
    assert_repositories_match(store, wanted, source=source)
    assert_items_match(store, fake, chosen, source=source)


def assert_items_match(
    store: Store, fake: FakeGitLab, projects: Iterable[FakeProject], *, source: str = ""
) -> None:
    """The store shows exactly the items of ``projects``: none missing, extra or twice."""
    chosen = list(projects)
    ours = stored_items(store, source=source)
    signals = [item for item in ours if item.kind in SIGNAL_KINDS]
    if not any(_has_signals(project) for project in chosen):
        assert signals == [], f"signal items from a world without any: {signals[:3]}"
    wanted = (item for project in chosen for item in expected_items(fake, project))
    assert_same_items((item for item in ours if item.kind not in SIGNAL_KINDS), wanted)


def _has_signals(project: FakeProject) -> bool:
    """Whether the world gives ``project`` anything a signal could be read from."""
    return bool(project.deployments or project.pipelines or project.issues or project.files)
