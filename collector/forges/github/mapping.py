"""GitHub REST JSON -> our records. Pure functions, no requests.

Everything here reads list-endpoint payloads as they arrive; nothing asks for a
field the list does not carry. Values are copied, never interpreted as markup:
escaping is the renderer's job, so a hostile title reaches the record unchanged
except that it is folded onto one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import quote

from collector.forges.base.fields import (
    Json,
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


def login(user: object) -> str:
    """The login of a user object that may be null (deleted accounts, bots)."""
    return text(user, "login") if isinstance(user, Mapping) else ""


def logins(users: object) -> list[str]:
    if not isinstance(users, list):
        return []
    return [name for name in (login(user) for user in users) if name]


def is_private(data: Json) -> bool:
    return bool(data.get("private")) or data.get("visibility") in ("private", "internal")


def visibility(data: Json) -> Visibility:
    declared = data.get("visibility")
    if declared in ("public", "private", "internal"):
        return Visibility(declared)
    # Older GitHub Enterprise servers send only the boolean.
    return Visibility.PRIVATE if data.get("private") else Visibility.PUBLIC


def repository(data: Json, *, host: str, source: str, languages: Mapping[str, int]) -> Repository:
    topics = data.get("topics")
    return Repository(
        ref=RepoRef(forge="github", host=host, path=text(data, "full_name")),
        source=source,
        forge_id=str(data["id"]) if isinstance(data.get("id"), int) else None,
        description=text(data, "description"),
        url=text(data, "html_url"),
        default_branch=text(data, "default_branch") or "main",
        languages=dict(languages),
        topics=tuple(t for t in topics if isinstance(t, str)) if isinstance(topics, list) else (),
        stars=int(data.get("stargazers_count") or 0),
        visibility=visibility(data),
        fork=bool(data.get("fork")),
        archived=bool(data.get("archived")),
        created_at=parse_datetime(data.get("created_at")),
        updated_at=parse_datetime(data.get("updated_at")),
        pushed_at=parse_datetime(data.get("pushed_at")),
    )


def languages(data: object) -> dict[str, int]:
    if not isinstance(data, Mapping):
        return {}
    return {
        str(name): size
        for name, size in data.items()
        if isinstance(size, int) and not isinstance(size, bool)
    }


def merge_request(data: Json, repo: RepoRef) -> MergeRequest:
    merged_at = parse_datetime(data.get("merged_at"))
    api_state = data.get("state")
    state: Literal["open", "closed", "merged"]
    if merged_at is not None:
        state = "merged"
    elif api_state == "open":
        state = "open"
    elif api_state == "closed":
        state = "closed"
    else:
        raise ValueError(f"unknown pull request state {api_state!r}")
    labels = data.get("labels")
    return MergeRequest(
        repo=repo,
        url=text(data, "html_url"),
        title=one_line(text(data, "title")),
        author=login(data.get("user")),
        created_at=required_datetime(data, "created_at"),
        updated_at=parse_datetime(data.get("updated_at")),
        number=int(data["number"]),
        body=text(data, "body"),
        state=state,
        draft=bool(data.get("draft")),
        labels=tuple(name for name in (text(label, "name") for label in labels or ()) if name),
        source_branch=text(section(data, "head"), "ref"),
        target_branch=text(section(data, "base"), "ref"),
        merged_at=merged_at,
        closed_at=parse_datetime(data.get("closed_at")),
        merge_commit_sha=text(data, "merge_commit_sha") or None,
        extra={
            "head_sha": text(section(data, "head"), "sha"),
            "author_association": text(data, "author_association"),
            "milestone": text(section(data, "milestone"), "title") or None,
            "requested_reviewers": logins(data.get("requested_reviewers")),
            "assignees": logins(data.get("assignees")),
        },
    )


def commit(data: Json, repo: RepoRef) -> Commit:
    git = section(data, "commit")
    git_author = section(git, "author")
    authored_at = parse_datetime(git_author.get("date"))
    committed_at = parse_datetime(section(git, "committer").get("date"))
    if authored_at is None and committed_at is None:
        raise ValueError("commit without an author or committer date")
    message = text(git, "message")
    lines = message.strip().splitlines()
    return Commit(
        repo=repo,
        url=text(data, "html_url"),
        title=one_line(lines[0]) if lines else "",
        # The GitHub account when the author email is linked to one, else the git name.
        author=login(data.get("author")) or text(git_author, "name"),
        # GitHub's description lets commit.author be null and its date be absent:
        # the committer's date stands in, and without either the commit is skipped.
        created_at=authored_at or committed_at,
        sha=str(data["sha"]),
        message=message,
        committed_at=committed_at,
    )


def release(data: Json, repo: RepoRef) -> Release:
    tag = text(data, "tag_name")
    name = text(data, "name")
    return Release(
        repo=repo,
        url=text(data, "html_url"),
        title=one_line(name) or one_line(tag),
        author=login(data.get("author")),
        created_at=required_datetime(data, "created_at"),
        updated_at=parse_datetime(data.get("updated_at")),
        tag=tag,
        name=name,
        body=text(data, "body"),
        draft=bool(data.get("draft")),
        prerelease=bool(data.get("prerelease")),
        published_at=parse_datetime(data.get("published_at")),
    )


def tag(data: Json, repository: Repository) -> Tag:
    name = text(data, "name")
    # The tags list carries no date, and asking for one costs a request per tag.
    # The repository's creation is a lower bound that never moves, so an unchanged
    # tag is not rewritten every night (pushed_at would move with every push). The
    # real date is the tagged commit's, or that of a release of the same tag.
    created_at = repository.created_at or repository.pushed_at or repository.updated_at
    if created_at is None:
        raise ValueError("the repository has no created_at, pushed_at or updated_at to date it")
    return Tag(
        repo=repository.ref,
        url=f"{repository.url}/releases/tag/{quote(name, safe='/')}",
        title=one_line(name),
        created_at=created_at,
        updated_at=None,
        name=name,
        sha=text(section(data, "commit"), "sha"),
    )
