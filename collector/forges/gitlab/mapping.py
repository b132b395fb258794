"""GitLab REST v4 JSON -> our records. Pure functions, no requests.

GitLab's words become ours: a project is a ``Repository`` whose path is the
full namespace path, a merge request's ``iid`` is its number and its
``description`` its body, ``opened``/``locked`` are open. Everything is read
from list payloads as they arrive; nothing asks for a field the list does not
carry. Values are copied, never interpreted as markup: escaping is the
renderer's job, so a hostile title reaches the record unchanged except that it
is folded onto one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from collector.forges.base.fields import (
    one_line,
    parse_datetime,
    required_datetime,
    section,
    text,
)
from collector.model.records import (
    Commit,
    MergeRequest,
    Release,
    RepoRef,
    Repository,
    Tag,
    Visibility,
)

Json = Mapping[str, Any]

_STATES: dict[str, Literal["open", "closed", "merged"]] = {
    "opened": "open",
    "locked": "open",  # a merge in progress: GitLab locks the request while it merges
    "closed": "closed",
    "merged": "merged",
}


def username(user: object) -> str:
    """The username of a user object that may be null (deleted accounts, ghost user)."""
    return text(user, "username") if isinstance(user, Mapping) else ""


def usernames(users: object) -> list[str]:
    if not isinstance(users, list):
        return []
    return [name for name in (username(user) for user in users) if name]


def visibility(data: Json) -> Visibility:
    declared = data.get("visibility")
    if declared in ("public", "internal", "private"):
        return Visibility(declared)
    # A project without a visibility is not known to be public: treat it as private.
    return Visibility.PRIVATE


def is_fork(data: Json) -> bool:
    return isinstance(data.get("forked_from_project"), Mapping)


def repository(data: Json, *, host: str, source: str, languages: Mapping[str, int]) -> Repository:
    topics = data.get("topics") or data.get("tag_list")  # tag_list: GitLab before 14.0
    upstream = section(data, "forked_from_project")
    project_id = data.get("id")
    return Repository(
        ref=RepoRef(forge="gitlab", host=host, path=text(data, "path_with_namespace")),
        source=source,
        # GitLab's project id survives renames and moves between groups.
        forge_id=str(project_id) if isinstance(project_id, int) else None,
        description=text(data, "description"),
        url=text(data, "web_url"),
        # An empty project has no default branch yet.
        default_branch=text(data, "default_branch") or "main",
        languages=dict(languages),
        topics=tuple(t for t in topics if isinstance(t, str)) if isinstance(topics, list) else (),
        stars=int(data.get("star_count") or 0),
        visibility=visibility(data),
        fork=is_fork(data),
        forked_from=text(upstream, "path_with_namespace") or None,
        archived=bool(data.get("archived")),
        created_at=parse_datetime(data.get("created_at")),
        updated_at=parse_datetime(data.get("updated_at") or data.get("last_activity_at")),
        # GitLab has no push time; its last activity (pushes, merges, comments) is closest.
        pushed_at=parse_datetime(data.get("last_activity_at")),
    )


def languages(data: object) -> dict[str, int]:
    """GitLab gives shares in percent (``{"Python": 80.51}``); keep hundredths of a percent."""
    if not isinstance(data, Mapping):
        return {}
    return {
        str(name): round(share * 100)
        for name, share in data.items()
        if isinstance(share, int | float) and not isinstance(share, bool) and share >= 0
    }


def merge_request(data: Json, repo: RepoRef) -> MergeRequest:
    api_state = data.get("state")
    state = _STATES.get(api_state) if isinstance(api_state, str) else None
    if state is None:
        raise ValueError(f"unknown merge request state {api_state!r}")
    merged_at = parse_datetime(data.get("merged_at"))
    if merged_at is not None:
        state = "merged"
    labels = data.get("labels")
    references = data.get("references")
    return MergeRequest(
        repo=repo,
        url=text(data, "web_url"),
        title=one_line(text(data, "title")),
        author=username(data.get("author")),
        created_at=required_datetime(data, "created_at"),
        updated_at=parse_datetime(data.get("updated_at")),
        number=int(data["iid"]),
        body=text(data, "description"),
        state=state,
        draft=bool(data.get("draft") or data.get("work_in_progress")),
        labels=tuple(_label_names(labels)),
        source_branch=text(data, "source_branch"),
        target_branch=text(data, "target_branch"),
        merged_at=merged_at,
        closed_at=parse_datetime(data.get("closed_at")),
        # A squashed merge on a fast-forward project leaves only the squash commit.
        merge_commit_sha=text(data, "merge_commit_sha") or text(data, "squash_commit_sha") or None,
        extra={
            "references": (
                {k: v for k, v in references.items() if isinstance(v, str)}
                if isinstance(references, Mapping)
                else {}
            ),
            "head_sha": text(data, "sha"),
            "squash_commit_sha": text(data, "squash_commit_sha") or None,
            "merged_by": username(data.get("merge_user") or data.get("merged_by")) or None,
            "milestone": text(section(data, "milestone"), "title") or None,
            "assignees": usernames(data.get("assignees")),
            "reviewers": usernames(data.get("reviewers")),
        },
    )


def _label_names(labels: object) -> list[str]:
    """Labels as names: plain strings, or objects with ``with_labels_details=true``."""
    if not isinstance(labels, list):
        return []
    names = (label if isinstance(label, str) else text(label, "name") for label in labels)
    return [name for name in names if name]


def commit(data: Json, repository: Repository) -> Commit:
    sha = str(data["id"])
    message = text(data, "message")
    lines = message.strip().splitlines()
    return Commit(
        repo=repository.ref,
        url=text(data, "web_url") or f"{repository.url}/-/commit/{sha}",
        title=one_line(text(data, "title") or (lines[0] if lines else "")),
        # GitLab does not link commits to accounts in this list: the git author name it is.
        author=text(data, "author_name"),
        created_at=required_datetime(data, "authored_date"),
        sha=sha,
        message=message,
        committed_at=parse_datetime(data.get("committed_date")),
    )


def release(data: Json, repository: Repository) -> Release:
    tag = text(data, "tag_name")
    if not tag:
        # GitLab leaves tag_name (and commit) out for a user who may not read the code:
        # a public project whose repository is for members only. The tag is the
        # release's key; without it the release cannot be told from the others.
        raise ValueError("release without a tag_name (the token cannot read the code)")
    name = text(data, "name")
    upcoming = bool(data.get("upcoming_release"))
    links = section(data, "_links")
    return Release(
        repo=repository.ref,
        url=text(links, "self") or f"{repository.url}/-/releases/{quote(tag, safe='')}",
        title=one_line(name) or one_line(tag),
        author=username(data.get("author")),
        created_at=required_datetime(data, "created_at"),
        updated_at=None,
        tag=tag,
        name=name,
        body=text(data, "description"),
        # A release dated in the future has not happened yet: not evidence of a
        # deployment until it has, so it is held back like a draft.
        draft=upcoming,
        prerelease=False,
        published_at=parse_datetime(data.get("released_at")),
        extra={
            "upcoming_release": upcoming,
            "commit_sha": text(section(data, "commit"), "id") or None,
        },
    )


def tag(data: Json, repository: Repository) -> Tag:
    name = text(data, "name")
    tagged = section(data, "commit")
    # An annotated tag has its own date (GitLab 15.11+); a lightweight one is dated
    # by its commit, which the tag list carries: no request per tag.
    created_at = (
        parse_datetime(data.get("created_at"))
        or parse_datetime(tagged.get("committed_date"))
        or parse_datetime(tagged.get("created_at"))
        or repository.created_at
    )
    if created_at is None:
        raise ValueError(f"tag {name!r} has no date and its project no creation time")
    return Tag(
        repo=repository.ref,
        url=f"{repository.url}/-/tags/{quote(name, safe='')}",
        title=one_line(name),
        created_at=created_at,
        updated_at=None,
        name=name,
        sha=text(tagged, "id") or text(data, "target"),
    )
