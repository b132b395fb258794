"""What a fake GitLab knows: users, groups with subgroups, projects and their items.

    world = GitLabWorld(viewer="dana")                   # the token's owner
    world.add_group("acme/platform", members=["dana"])   # creates "acme" too
    project = world.add_project("acme/platform/infra", languages={"HCL": 80.0, "Shell": 20.0})
    project.add_merge_request(title="Blue/green deploys", labels=["evidence::deployment"],
                              state="merged")
    project.add_commit("ci: cache images")
    project.add_tag("v1.0.0", message="First release")  # annotated: it has its own date
    project.add_release("v1.0.0")

Ids grow in creation order, as on a real instance (keyset pagination orders by
them); times come from a clock that advances one hour per thing created, so two
worlds built the same way serve byte-identical JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)

Visibility = Literal["public", "internal", "private"]
MergeRequestState = Literal["opened", "closed", "merged", "locked"]


def fake_sha(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode(), usedforsecurity=False).hexdigest()


@dataclass
class FakeUser:
    id: int
    username: str
    name: str
    created_at: datetime


@dataclass
class FakeGroup:
    id: int
    full_path: str
    name: str
    visibility: Visibility
    description: str
    members: set[str]  # lower-case usernames; membership is inherited by subgroups
    created_at: datetime

    @property
    def path(self) -> str:
        return self.full_path.rsplit("/", 1)[-1]

    @property
    def parent_path(self) -> str | None:
        parent, _, _ = self.full_path.rpartition("/")
        return parent or None


@dataclass
class FakeMergeRequest:
    id: int  # instance-wide
    iid: int  # per project: the number people write as !iid
    title: str
    description: str | None
    author: str
    labels: list[str]
    state: MergeRequestState
    draft: bool
    created_at: datetime
    updated_at: datetime
    merged_at: datetime | None
    closed_at: datetime | None
    source_branch: str
    target_branch: str
    sha: str
    merge_commit_sha: str | None
    squash_commit_sha: str | None
    squash: bool
    milestone: str | None
    assignees: list[str]
    reviewers: list[str]
    merged_by: str | None


@dataclass
class FakeCommit:
    sha: str
    message: str
    author_name: str
    author_email: str
    authored_at: datetime
    committer_name: str
    committed_at: datetime
    parents: list[str]

    @property
    def title(self) -> str:
        lines = self.message.strip().splitlines()
        return lines[0] if lines else ""


@dataclass
class FakeTag:
    name: str
    commit: FakeCommit
    message: str | None  # None: a lightweight tag, which has no date of its own
    created_at: datetime | None
    protected: bool


@dataclass
class FakeRelease:
    tag: str
    name: str | None
    description: str | None
    author: str
    created_at: datetime
    released_at: datetime
    commit: FakeCommit


@dataclass
class FakeProject:
    world: GitLabWorld = field(repr=False)
    id: int
    namespace: str  # a group's full path or a username
    namespace_kind: Literal["group", "user"]
    path: str
    name: str
    visibility: Visibility = "public"
    description: str | None = None
    topics: list[str] = field(default_factory=list)
    languages: dict[str, float] = field(default_factory=dict)  # percentages, as GitLab gives
    default_branch: str | None = "main"
    stars: int = 0
    forked_from: str | None = None
    archived: bool = False
    merge_requests_enabled: bool = True
    empty: bool = False  # no commits pushed yet (the fake lists only the commits added)
    created_at: datetime = START
    last_activity_at: datetime = START
    merge_requests: list[FakeMergeRequest] = field(default_factory=list)
    commits: list[FakeCommit] = field(default_factory=list)
    tags: list[FakeTag] = field(default_factory=list)
    releases: list[FakeRelease] = field(default_factory=list)

    @property
    def path_with_namespace(self) -> str:
        return f"{self.namespace}/{self.path}"

    @property
    def empty_repo(self) -> bool:
        return self.empty and not self.commits

    def add_merge_request(
        self,
        *,
        title: str = "Improve things",
        description: str | None = "",
        author: str | None = None,
        labels: Iterable[str] = (),
        state: MergeRequestState = "opened",
        draft: bool = False,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        source_branch: str | None = None,
        target_branch: str | None = None,
        squash: bool = False,
        milestone: str | None = None,
        assignees: Iterable[str] = (),
        reviewers: Iterable[str] = (),
    ) -> FakeMergeRequest:
        """A merge request; times default to the world clock. A squashed merge has no
        merge commit on a fast-forward project, only a squash commit."""
        iid = len(self.merge_requests) + 1
        created = created_at or self.world.tick()
        finished = created + timedelta(minutes=45) if state in ("merged", "closed") else None
        merged = state == "merged"
        request = FakeMergeRequest(
            id=self.world.next_id("merge_request"),
            iid=iid,
            title=title,
            description=description,
            author=author or self.world.viewer,
            labels=list(labels),
            state=state,
            draft=draft,
            created_at=created,
            updated_at=updated_at or finished or created,
            merged_at=finished if merged else None,
            closed_at=finished if state == "closed" else None,
            source_branch=source_branch or f"feature/{iid}",
            target_branch=target_branch or (self.default_branch or "main"),
            sha=fake_sha(self.path_with_namespace, "head", str(iid)),
            merge_commit_sha=(
                fake_sha(self.path_with_namespace, "merge", str(iid))
                if merged and not squash
                else None
            ),
            squash_commit_sha=(
                fake_sha(self.path_with_namespace, "squash", str(iid))
                if merged and squash
                else None
            ),
            squash=squash,
            milestone=milestone,
            assignees=list(assignees),
            reviewers=list(reviewers),
            merged_by=(author or self.world.viewer) if merged else None,
        )
        self.merge_requests.append(request)
        return request

    def add_commit(
        self,
        message: str = "Update",
        *,
        author_name: str | None = None,
        authored_at: datetime | None = None,
        committed_at: datetime | None = None,
    ) -> FakeCommit:
        """A commit on the default branch."""
        authored = authored_at or self.world.tick()
        name = author_name or self.world.users[self.world.viewer.lower()].name
        commit = FakeCommit(
            sha=fake_sha(self.path_with_namespace, "commit", str(len(self.commits)), message),
            message=message,
            author_name=name,
            author_email=f"{name.lower().replace(' ', '.')}@example.com",
            authored_at=authored,
            committer_name=name,
            committed_at=committed_at or authored,
            parents=[self.commits[-1].sha] if self.commits else [],
        )
        self.commits.append(commit)
        return commit

    def add_tag(self, name: str, *, message: str | None = None, protected: bool = False) -> FakeTag:
        """A tag on the newest commit (one is made if there is none). With a ``message``
        it is annotated and carries its own creation time, as GitLab 15.11+ reports."""
        commit = self.commits[-1] if self.commits else self.add_commit(f"Prepare {name}")
        tag = FakeTag(
            name=name,
            commit=commit,
            message=message,
            created_at=self.world.tick() if message is not None else None,
            protected=protected,
        )
        self.tags.append(tag)
        return tag

    def add_release(
        self,
        tag: str,
        *,
        name: str | None = None,
        description: str | None = "",
        author: str | None = None,
        released_at: datetime | None = None,
    ) -> FakeRelease:
        """A release of ``tag`` (the tag is made if missing). A ``released_at`` in the
        future makes it an upcoming release."""
        existing = next((t for t in self.tags if t.name == tag), None)
        tagged = existing or self.add_tag(tag)
        created = self.world.tick()
        release = FakeRelease(
            tag=tag,
            name=tag if name is None else name,
            description=description,
            author=author or self.world.viewer,
            created_at=created,
            released_at=released_at or created,
            commit=tagged.commit,
        )
        self.releases.append(release)
        return release


class GitLabWorld:
    """Users, groups and projects; ``viewer`` is the username the fake's token belongs to."""

    def __init__(self, viewer: str = "dana", *, name: str = "Dana Developer") -> None:
        self.viewer = viewer
        self.users: dict[str, FakeUser] = {}
        self.groups: dict[str, FakeGroup] = {}
        self.projects: dict[str, FakeProject] = {}
        self._clock = START
        self._ids: dict[str, int] = {}
        self.add_user(viewer, name=name)

    def tick(self) -> datetime:
        """The world clock: one hour later on every call."""
        self._clock += timedelta(hours=1)
        return self._clock

    @property
    def now(self) -> datetime:
        """The world clock's current time, without advancing it."""
        return self._clock

    def next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    def add_user(self, username: str, *, name: str | None = None) -> FakeUser:
        key = username.lower()
        if key not in self.users:
            self.users[key] = FakeUser(
                id=self.next_id("user"),
                username=username,
                name=name or username.replace(".", " ").replace("-", " ").title(),
                created_at=START - timedelta(days=365),
            )
        return self.users[key]

    def add_group(
        self,
        full_path: str,
        *,
        visibility: Visibility = "public",
        members: Iterable[str] = (),
        description: str = "",
    ) -> FakeGroup:
        """A group; its missing parents are created (public, no members)."""
        parent, _, _ = full_path.rpartition("/")
        if parent and parent.lower() not in self.groups:
            self.add_group(parent)
        key = full_path.lower()
        if key not in self.groups:
            self.groups[key] = FakeGroup(
                id=self.next_id("namespace"),
                full_path=full_path,
                name=full_path.rsplit("/", 1)[-1].replace("-", " ").title(),
                visibility=visibility,
                description=description,
                members=set(),
                created_at=self.tick(),
            )
        group = self.groups[key]
        group.members.update(member.lower() for member in members)
        return group

    def add_project(
        self,
        path_with_namespace: str,
        *,
        visibility: Visibility = "public",
        description: str | None = None,
        topics: Iterable[str] = (),
        languages: dict[str, float] | None = None,
        default_branch: str = "main",
        stars: int = 0,
        forked_from: str | None = None,
        archived: bool = False,
        merge_requests_enabled: bool = True,
        empty: bool = False,
        created_at: datetime | None = None,
        last_activity_at: datetime | None = None,
    ) -> FakeProject:
        """A project in a group (created if missing) or, for ``user/name``, a user's namespace."""
        namespace, _, path = path_with_namespace.rpartition("/")
        if namespace.lower() in self.groups:
            kind: Literal["group", "user"] = "group"
            namespace = self.groups[namespace.lower()].full_path
        elif "/" not in namespace and namespace.lower() not in self.groups:
            kind = "user"
            namespace = self.add_user(namespace).username
        else:
            kind = "group"
            namespace = self.add_group(namespace).full_path
        created = created_at or self.tick()
        project = FakeProject(
            world=self,
            id=self.next_id("project"),
            namespace=namespace,
            namespace_kind=kind,
            path=path,
            name=path.replace("-", " ").title(),
            visibility=visibility,
            description=description,
            topics=list(topics),
            languages=dict(languages or {}),
            default_branch=default_branch,
            stars=stars,
            forked_from=forked_from,
            archived=archived,
            merge_requests_enabled=merge_requests_enabled,
            empty=empty,
            created_at=created,
            last_activity_at=last_activity_at or created,
        )
        self.projects[project.path_with_namespace.lower()] = project
        return project

    # -- lookups the API uses ------------------------------------------------------------

    def user(self, id_or_username: str) -> FakeUser | None:
        if id_or_username.isdigit():
            return next((u for u in self.users.values() if u.id == int(id_or_username)), None)
        return self.users.get(id_or_username.lower())

    def group(self, id_or_path: str) -> FakeGroup | None:
        if id_or_path.isdigit():
            return next((g for g in self.groups.values() if g.id == int(id_or_path)), None)
        return self.groups.get(id_or_path.lower())

    def project(self, id_or_path: str) -> FakeProject | None:
        if id_or_path.isdigit():
            return next((p for p in self.projects.values() if p.id == int(id_or_path)), None)
        return self.projects.get(id_or_path.lower())

    def subgroups(self, group: FakeGroup, *, recursive: bool) -> list[FakeGroup]:
        prefix = group.full_path.lower() + "/"
        found = [g for g in self.groups.values() if g.full_path.lower().startswith(prefix)]
        if recursive:
            return found
        return [g for g in found if "/" not in g.full_path[len(prefix) :]]

    def is_member(self, group_path: str, username: str) -> bool:
        """Membership of a group or of any of its ancestors."""
        parts = group_path.lower().split("/")
        for depth in range(1, len(parts) + 1):
            group = self.groups.get("/".join(parts[:depth]))
            if group is not None and username.lower() in group.members:
                return True
        return False

    def can_see(self, project: FakeProject, username: str) -> bool:
        """Public to all; internal to every signed-in user; private to owner and members."""
        if project.visibility in ("public", "internal"):
            return True
        if project.namespace_kind == "user":
            return project.namespace.lower() == username.lower()
        return self.is_member(project.namespace, username)

    def can_see_group(self, group: FakeGroup, username: str) -> bool:
        if group.visibility in ("public", "internal"):
            return True
        return self.is_member(group.full_path, username)
