"""What a fake GitHub knows: accounts, repositories and their items, built in Python.

    world = GitHubWorld(viewer="dana-dev")          # the token's owner
    world.add_org("acme-corp", members=["dana-dev"])
    repo = world.add_repo("acme-corp/payments-api", languages={"Python": 5120})
    repo.add_pull(title="Add idempotency keys", labels=["evidence"], merged=True)
    repo.add_commit("feat: retries\\n\\nWhy: ...")
    repo.add_release("v1.0.0")
    repo.add_tag("v1.0.0")

Every default is deterministic: ids come from counters or hashes, and times
from a clock that advances one hour per thing created, so two worlds built the
same way serve byte-identical JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from tests.fakes.github_signal_world import FakeSignals

START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)

RepoVisibility = Literal["public", "private", "internal"]


def stable_id(*parts: str) -> int:
    """A positive id that depends only on its parts, so payloads do not depend on build order."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return 1_000 + int(digest[:9], 16)


def fake_sha(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode(), usedforsecurity=False).hexdigest()


@dataclass
class Account:
    login: str
    type: Literal["User", "Organization"] = "User"
    name: str | None = None
    members: set[str] = field(default_factory=set)  # organisations only

    @property
    def id(self) -> int:
        return stable_id("account", self.login.lower())

    @property
    def is_org(self) -> bool:
        return self.type == "Organization"


@dataclass
class FakePull:
    number: int
    title: str
    body: str | None
    author: str | None  # None: the account was deleted (GitHub's description: user null)
    labels: list[str]
    state: Literal["open", "closed"]
    draft: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    merged_at: datetime | None
    head_ref: str
    head_sha: str
    base_ref: str
    merge_commit_sha: str | None
    milestone: str | None
    assignees: list[str]
    requested_reviewers: list[str]
    author_association: str
    # Dotted payload paths sent as null / left out: what GitHub's description allows.
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


@dataclass
class FakeCommit:
    sha: str
    message: str
    author_login: str | None  # None: the author email is not linked to a GitHub account
    author_name: str
    author_email: str
    authored_at: datetime
    committer_name: str
    committed_at: datetime
    parents: list[str]
    # Dotted payload paths sent as null / left out / as {}: what GitHub's description allows.
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    emptied: tuple[str, ...] = ()  # "author": {} is the description's empty-object
    detail_absent: tuple[str, ...] = ()  # left out of GET /commits/{sha} only ("files")

    def said(self, path: str) -> bool:
        """Whether the payload carries ``path`` (a dotted path): not nulled, emptied or left out."""
        shaping = (*self.nulls, *self.absent, *self.emptied)
        return not any(path == p or path.startswith(p + ".") for p in shaping)


@dataclass
class FakeRelease:
    id: int
    tag: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    author: str
    target_commitish: str
    created_at: datetime
    published_at: datetime | None
    # Dotted payload paths sent as null / left out: what GitHub's description allows.
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


@dataclass
class FakeTag:
    name: str
    sha: str


@dataclass
class FakeRepo:
    world: GitHubWorld = field(repr=False)
    owner: str
    name: str
    visibility: RepoVisibility = "public"
    fork: bool = False
    archived: bool = False
    description: str | None = None
    homepage: str | None = None
    topics: list[str] = field(default_factory=list)
    languages: dict[str, int] = field(default_factory=dict)
    default_branch: str = "main"
    stars: int = 0
    created_at: datetime = START
    updated_at: datetime = START
    pushed_at: datetime | None = START  # None: never pushed to
    nulls: tuple[str, ...] = ()  # payload paths sent as null (created_at, pushed_at, ...)
    # Left out of the payload: fields the listings' minimal-repository may omit (visibility,
    # topics, default_branch, ... on an older GitHub Enterprise Server).
    absent: tuple[str, ...] = ()
    pulls: list[FakePull] = field(default_factory=list)
    commits: list[FakeCommit] = field(default_factory=list)
    releases: list[FakeRelease] = field(default_factory=list)
    tags: list[FakeTag] = field(default_factory=list)
    repo_id: int = 0  # GitHub's id: set once, kept through renames and transfers
    # Deployments, workflows, issues, files: see tests.fakes.github_signal_world.
    signals: FakeSignals = field(default_factory=FakeSignals)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def id(self) -> int:
        return self.repo_id or stable_id("repo", self.full_name.lower())

    @property
    def private(self) -> bool:
        return self.visibility != "public"

    @property
    def language(self) -> str | None:
        return max(self.languages, key=lambda name: self.languages[name], default=None)

    def add_pull(
        self,
        *,
        title: str = "Improve things",
        number: int | None = None,
        body: str | None = "",
        author: str | None = None,
        labels: Iterable[str] = (),
        merged: bool = False,
        closed: bool = False,
        draft: bool = False,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        head_ref: str | None = None,
        base_ref: str | None = None,
        milestone: str | None = None,
        assignees: Iterable[str] = (),
        requested_reviewers: Iterable[str] = (),
        author_association: str = "MEMBER",
    ) -> FakePull:
        """A pull request; ``merged`` implies closed. Times default to the world clock."""
        number = number if number is not None else len(self.pulls) + 1
        created = created_at or self.world.tick()
        finished = created + timedelta(minutes=30) if merged or closed else None
        pull = FakePull(
            number=number,
            title=title,
            body=body,
            author=author or self.world.viewer,
            labels=list(labels),
            state="closed" if merged or closed else "open",
            draft=draft,
            created_at=created,
            updated_at=updated_at or finished or created,
            closed_at=finished,
            merged_at=finished if merged else None,
            head_ref=head_ref or f"feature/{number}",
            head_sha=fake_sha(self.full_name, "head", str(number)),
            base_ref=base_ref or self.default_branch,
            merge_commit_sha=fake_sha(self.full_name, "merge", str(number)) if merged else None,
            milestone=milestone,
            assignees=list(assignees),
            requested_reviewers=list(requested_reviewers),
            author_association=author_association,
        )
        self.pulls.append(pull)
        return pull

    def add_commit(
        self,
        message: str = "Update",
        *,
        author: str | None = "",
        author_name: str | None = None,
        authored_at: datetime | None = None,
        committed_at: datetime | None = None,
        sha: str | None = None,
    ) -> FakeCommit:
        """A commit pushed to the default branch. ``author=None``: not linked to an account.

        As on GitHub, the push moves the repository's ``pushed_at``.
        """
        login = self.world.viewer if author == "" else author
        authored = authored_at or self.world.tick()
        commit = FakeCommit(
            sha=sha or fake_sha(self.full_name, "commit", str(len(self.commits)), message),
            message=message,
            author_login=login,
            author_name=author_name or (login or "Anonymous Contributor"),
            author_email=f"{login or 'anonymous'}@users.noreply.example.com",
            authored_at=authored,
            committer_name="GitHub",
            committed_at=committed_at or authored,
            parents=[self.commits[-1].sha] if self.commits else [],
        )
        self.commits.append(commit)
        if self.pushed_at is None or commit.committed_at > self.pushed_at:
            self.pushed_at = commit.committed_at
        return commit

    def update_pull(
        self, pull: FakePull, *, at: datetime | None = None, **changes: Any
    ) -> FakePull:
        """Change a pull request as a person would on GitHub: its ``updated_at`` moves.

        ``merged=True`` merges it (closed, merge commit, ``merged_at``) at ``at``.
        """
        moment = at or self.world.tick()
        if changes.pop("merged", False):
            pull.state, pull.closed_at, pull.merged_at = "closed", moment, moment
            pull.merge_commit_sha = fake_sha(self.full_name, "merge", str(pull.number))
        for name, value in changes.items():
            if not hasattr(pull, name):
                raise AttributeError(f"a pull request has no field {name!r}")
            setattr(pull, name, value)
        pull.updated_at = moment
        return pull

    def delete_release(self, tag: str) -> None:
        self.releases = [release for release in self.releases if release.tag != tag]

    def delete_tag(self, name: str) -> None:
        self.tags = [tag for tag in self.tags if tag.name != name]

    def add_release(
        self,
        tag: str,
        *,
        name: str | None = None,
        body: str | None = "",
        draft: bool = False,
        prerelease: bool = False,
        author: str | None = None,
        created_at: datetime | None = None,
        published_at: datetime | None = None,
    ) -> FakeRelease:
        created = created_at or self.world.tick()
        release = FakeRelease(
            id=stable_id("release", self.full_name.lower(), tag),
            tag=tag,
            name=tag if name is None else name,
            body=body,
            draft=draft,
            prerelease=prerelease,
            author=author or self.world.viewer,
            target_commitish=self.default_branch,
            created_at=created,
            published_at=None if draft else (published_at or created + timedelta(minutes=5)),
        )
        self.releases.append(release)
        return release

    def add_tag(self, name: str, *, sha: str | None = None) -> FakeTag:
        tag = FakeTag(name=name, sha=sha or fake_sha(self.full_name, "tag", name))
        self.tags.append(tag)
        return tag


class GitHubWorld:
    """Accounts and repositories; ``viewer`` is the login the fake's token belongs to."""

    def __init__(self, viewer: str = "dana-dev", *, start: datetime = START) -> None:
        self.viewer = viewer
        self.accounts: dict[str, Account] = {}
        self.repos: dict[str, FakeRepo] = {}
        self._clock = start
        self.add_user(viewer)

    def tick(self) -> datetime:
        """The world clock: one hour later on every call."""
        self._clock += timedelta(hours=1)
        return self._clock

    def add_user(self, login: str, *, name: str | None = None) -> Account:
        account = self.accounts.setdefault(login.lower(), Account(login=login))
        account.name = name if name is not None else account.name
        return account

    def add_org(self, login: str, *, members: Iterable[str] = ()) -> Account:
        account = self.accounts.setdefault(login.lower(), Account(login=login))
        account.type = "Organization"
        account.members.update(member.lower() for member in members)
        return account

    def add_repo(
        self,
        full_name: str,
        *,
        private: bool = False,
        visibility: RepoVisibility | None = None,
        fork: bool = False,
        archived: bool = False,
        description: str | None = None,
        homepage: str | None = None,
        topics: Iterable[str] = (),
        languages: dict[str, int] | None = None,
        default_branch: str = "main",
        stars: int = 0,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        pushed_at: datetime | None = None,
    ) -> FakeRepo:
        owner, name = full_name.split("/")
        if owner.lower() not in self.accounts:
            self.add_user(owner)
        created = created_at or self.tick()
        repo = FakeRepo(
            world=self,
            owner=self.accounts[owner.lower()].login,
            name=name,
            visibility=visibility or ("private" if private else "public"),
            fork=fork,
            archived=archived,
            description=description,
            homepage=homepage,
            topics=list(topics),
            languages=dict(languages or {}),
            default_branch=default_branch,
            stars=stars,
            created_at=created,
            updated_at=updated_at or created,
            pushed_at=pushed_at or created,
        )
        repo.repo_id = stable_id("repo", repo.full_name.lower())
        self.repos[repo.full_name.lower()] = repo
        return repo

    def move_repo(self, full_name: str, new_full_name: str) -> FakeRepo:
        """Rename or transfer a repository: new path, same id (GitHub keeps it)."""
        repo = self.repos.pop(full_name.lower())
        owner, repo.name = new_full_name.split("/")
        if owner.lower() not in self.accounts:
            self.add_user(owner)
        repo.owner = self.accounts[owner.lower()].login
        self.repos[repo.full_name.lower()] = repo
        return repo

    def delete_repo(self, full_name: str) -> None:
        del self.repos[full_name.lower()]

    def account(self, login: str) -> Account | None:
        return self.accounts.get(login.lower())

    def repo(self, full_name: str) -> FakeRepo | None:
        return self.repos.get(full_name.lower())

    def owned_by(self, login: str) -> list[FakeRepo]:
        return [repo for repo in self.repos.values() if repo.owner.lower() == login.lower()]

    def can_see(self, repo: FakeRepo, login: str) -> bool:
        """Public to all; private and internal to the owner and the owning org's members."""
        if not repo.private:
            return True
        viewer = login.lower()
        owner = self.accounts[repo.owner.lower()]
        return owner.login.lower() == viewer or (owner.is_org and viewer in owner.members)
