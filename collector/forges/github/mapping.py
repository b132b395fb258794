"""GitHub REST JSON -> our records. Pure functions, no requests.

Everything here reads list-endpoint payloads as they arrive; nothing asks for a
field the list does not carry. Values are copied, never interpreted as markup:
escaping is the renderer's job, so a hostile title reaches the record unchanged
except that it is folded onto one line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

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

# Line breaks in every form str.splitlines() knows, with the spaces around them.
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+[ \t]*")


def one_line(text: str) -> str:
    """Fold a title onto one line; everything else about it is kept as sent."""
    return _LINE_BREAKS.sub(" ", text).strip()


def parse_datetime(value: object) -> datetime | None:
    """ISO 8601 as GitHub sends it (``2024-05-01T12:00:00Z``) -> aware UTC datetime."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        # GitHub always sends a zone; a bare timestamp from an old GHE is UTC.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def required_datetime(data: Json, key: str) -> datetime:
    parsed = parse_datetime(data.get(key))
    if parsed is None:
        raise ValueError(f"missing {key}")
    return parsed


def text(data: Json | None, key: str) -> str:
    """A string field that may be absent or null."""
    if not data:
        return ""
    value = data.get(key)
    return value if isinstance(value, str) else ""


def login(user: object) -> str:
    """The login of a user object that may be null (deleted accounts, bots)."""
    return text(user, "login") if isinstance(user, Mapping) else ""


def logins(users: object) -> list[str]:
    if not isinstance(users, list):
        return []
    return [name for name in (login(user) for user in users) if name]


def section(data: Json, key: str) -> Json:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


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
    message = text(git, "message")
    lines = message.strip().splitlines()
    return Commit(
        repo=repo,
        url=text(data, "html_url"),
        title=one_line(lines[0]) if lines else "",
        # The GitHub account when the author email is linked to one, else the git name.
        author=login(data.get("author")) or text(git_author, "name"),
        created_at=required_datetime(git_author, "date"),
        sha=str(data["sha"]),
        message=message,
        committed_at=parse_datetime(section(git, "committer").get("date")),
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
    created_at = repository.created_at or repository.pushed_at
    if created_at is None:
        raise ValueError("repository has neither created_at nor pushed_at to date its tags")
    return Tag(
        repo=repository.ref,
        url=f"{repository.url}/releases/tag/{quote(name, safe='/')}",
        title=one_line(name),
        created_at=created_at,
        updated_at=None,
        name=name,
        sha=text(section(data, "commit"), "sha"),
    )
