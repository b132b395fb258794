"""What a fake GitLab knows: users, groups with subgroups, projects and their items.

    world = GitLabWorld(viewer="dana")                   # the token's owner
    world.add_group("acme/platform", members=["dana"])   # creates "acme" too
    project = world.add_project("acme/platform/infra", languages={"HCL": 80.0, "Shell": 20.0})
    project.add_merge_request(title="Blue/green deploys", labels=["evidence::deployment"],
                              state="merged")
    project.add_commit("ci: cache images")
    project.add_tag("v1.0.0", message="First release")  # annotated: it has its own date
    project.add_release("v1.0.0")
    project.add_file("docs/adr/0001-use-helm.md", "# 1. Use Helm ...")  # a commit of its own
    project.add_deployment("production", ref="v1.0.0")  # a pipeline with its deploy job
    project.add_incident("Checkout down", state="closed")

Ids grow in creation order, as on a real instance (keyset pagination orders by
them); times come from a clock that advances one hour per thing created, so two
worlds built the same way serve byte-identical JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
# GitLab moves a project's last_activity_at only when the stored value is older than
# this (Event#update_project, RESET_PROJECT_ACTIVITY_INTERVAL): it lags up to an hour.
ACTIVITY_INTERVAL = timedelta(hours=1)

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


@dataclass(frozen=True)
class FakeChange:
    """One file of a diff: added, changed, renamed (old != new) or deleted."""

    old_path: str
    new_path: str
    new_file: bool = False
    deleted_file: bool = False
    content: str = ""  # the new content, for the diff text

    @property
    def renamed_file(self) -> bool:
        return self.old_path != self.new_path


def changes_of(files: Iterable[str | tuple[str, str]]) -> list[FakeChange]:
    """``"path"`` (changed) or ``("old", "new")`` (renamed) -> diff entries."""
    return [
        FakeChange(entry, entry) if isinstance(entry, str) else FakeChange(entry[0], entry[1])
        for entry in files
    ]


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
    changes: list[FakeChange] = field(default_factory=list)
    # Dotted payload paths sent as null: GitLab sends null for what it does not know.
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # left out: fields older or restricted answers lack


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
    changes: list[FakeChange] = field(default_factory=list)  # what it changed (by path)
    # Dotted payload paths sent as null: GitLab sends null for what it does not know.
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # left out: fields older or restricted answers lack

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
    nulls: tuple[str, ...] = ()  # "commit": a tag of something that is not a commit
    absent: tuple[str, ...] = ()  # left out: fields older or restricted answers lack


@dataclass
class FakeRelease:
    tag: str
    name: str | None
    description: str | None
    author: str
    created_at: datetime
    released_at: datetime
    commit: FakeCommit
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # left out: fields older or restricted answers lack


PipelineStatus = Literal["success", "failed", "canceled", "running", "manual", "skipped"]
DeploymentStatus = Literal["created", "running", "success", "failed", "canceled", "blocked"]


@dataclass
class FakeEnvironment:
    id: int
    name: str
    external_url: str | None
    tier: str
    created_at: datetime

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.name.lower())[:24]


@dataclass
class FakeJob:
    id: int  # instance-wide, growing
    name: str
    stage: str
    status: PipelineStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    pipeline: FakePipeline = field(repr=False)
    user: str


@dataclass
class FakePipeline:
    id: int  # instance-wide
    iid: int  # per project
    ref: str
    tag: bool  # ref is a tag
    commit: FakeCommit
    status: PipelineStatus
    source: str
    created_at: datetime
    updated_at: datetime
    user: str
    jobs: list[FakeJob] = field(default_factory=list)
    absent: tuple[str, ...] = ()  # left out: fields older or restricted answers lack


@dataclass
class FakeDeployment:
    id: int  # instance-wide
    iid: int  # per project
    environment: FakeEnvironment
    ref: str
    sha: str
    status: DeploymentStatus
    created_at: datetime
    updated_at: datetime
    user: str
    job: FakeJob | None  # None: made through the API, no job ran it
    nulls: tuple[str, ...] = ()  # e.g. "deployable.pipeline"


@dataclass
class FakeIssue:
    id: int  # instance-wide
    iid: int  # per project
    title: str
    description: str | None
    issue_type: Literal["issue", "incident"]
    state: Literal["opened", "closed"]
    labels: list[str]
    author: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    confidential: bool
    # Dotted payload paths sent as null: GitLab sends null for what it does not know.
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # left out: fields older or restricted answers lack


def blob_sha(content: str) -> str:
    """Git's object id of a file with this content, as GitLab reports it."""
    data = content.encode()
    header = f"blob {len(data)}\0".encode()
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


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
    jobs_enabled: bool = True  # CI/CD
    issues_enabled: bool = True
    environments_enabled: bool = True
    created_at: datetime = START
    last_activity_at: datetime = START
    merge_requests: list[FakeMergeRequest] = field(default_factory=list)
    commits: list[FakeCommit] = field(default_factory=list)
    tags: list[FakeTag] = field(default_factory=list)
    releases: list[FakeRelease] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # the default branch's files: content
    environments: list[FakeEnvironment] = field(default_factory=list)
    pipelines: list[FakePipeline] = field(default_factory=list)
    deployments: list[FakeDeployment] = field(default_factory=list)
    issues: list[FakeIssue] = field(default_factory=list)
    # iids of deleted merge requests and issues: GitLab never hands an iid out twice.
    deleted_iids: int = 0
    deleted_issue_iids: int = 0
    # Dotted payload paths of the project's answer sent as null / left out (older GitLab).
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    @property
    def path_with_namespace(self) -> str:
        return f"{self.namespace}/{self.path}"

    @property
    def empty_repo(self) -> bool:
        return self.empty and not self.commits

    def record_activity(self, at: datetime) -> None:
        """An event as GitLab records it (a push; a merge request or issue opened, merged,
        closed or reopened): ``last_activity_at`` moves only if an hour old. Label and
        title edits, tags and releases made in the web UI or API, pipelines and
        deployments create no such event and leave it where it is."""
        if at - self.last_activity_at >= ACTIVITY_INTERVAL:
            self.last_activity_at = at

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
        files: Iterable[str | tuple[str, str]] = (),
    ) -> FakeMergeRequest:
        """A merge request; times default to the world clock. A squashed merge has no
        merge commit on a fast-forward project, only a squash commit."""
        iid = len(self.merge_requests) + self.deleted_iids + 1
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
        request.changes = changes_of(files)
        self.merge_requests.append(request)
        self.record_activity(request.updated_at)  # opened (and merged or closed)
        return request

    def add_commit(
        self,
        message: str = "Update",
        *,
        author_name: str | None = None,
        authored_at: datetime | None = None,
        committed_at: datetime | None = None,
        changes: Iterable[FakeChange] = (),
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
            changes=list(changes),
        )
        self.commits.append(commit)
        self.record_activity(commit.committed_at)  # pushed
        return commit

    def add_tag(
        self, name: str, *, message: str | None = None, protected: bool = False, pushed: bool = True
    ) -> FakeTag:
        """A tag on the newest commit (one is made if there is none). With a ``message``
        it is annotated and carries its own creation time, as GitLab 15.11+ reports.
        ``pushed=False``: made in the web UI or API, which records no activity
        (gitlab-org/gitlab#505462)."""
        commit = self.commits[-1] if self.commits else self.add_commit(f"Prepare {name}")
        tag = FakeTag(
            name=name,
            commit=commit,
            message=message,
            created_at=self.world.tick() if message is not None else None,
            protected=protected,
        )
        self.tags.append(tag)
        if pushed:
            self.record_activity(tag.created_at or self.world.now)
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

    def update_merge_request(self, request: FakeMergeRequest, **changes: Any) -> None:
        """Change fields of a merge request; like any change on GitLab, it moves ``updated_at``.
        Only a change of state is also project activity; an edited label or title is not."""
        for name, value in changes.items():
            setattr(request, name, value)
        request.updated_at = self.world.tick()
        if "state" in changes:
            self.record_activity(request.updated_at)
        if changes.get("state") == "merged" and request.merged_at is None:
            request.merged_at = request.updated_at
            request.merged_by = request.author
            request.merge_commit_sha = fake_sha(self.path_with_namespace, "merge", str(request.iid))

    def delete_merge_request(self, request: FakeMergeRequest) -> None:
        """Deleted by an owner or admin: gone from every list, no trace left."""
        self.merge_requests.remove(request)
        self.deleted_iids += 1

    def delete_issue(self, issue: FakeIssue) -> None:
        self.issues.remove(issue)
        self.deleted_issue_iids += 1

    def delete_tag(self, name: str) -> None:
        self.tags = [tag for tag in self.tags if tag.name != name]

    def delete_release(self, tag: str) -> None:
        self.releases = [release for release in self.releases if release.tag != tag]

    # -- files, deployments, pipelines, incidents ---------------------------------------

    def add_file(
        self, path: str, content: str, *, message: str | None = None, author_name: str | None = None
    ) -> FakeCommit:
        """Write a file on the default branch in a commit of its own."""
        change = FakeChange(path, path, new_file=path not in self.files, content=content)
        commit = self.add_commit(
            message or f"Add {path}", author_name=author_name, changes=[change]
        )
        self.files[path] = content
        return commit

    def add_merge_commit(self, request: FakeMergeRequest) -> FakeCommit:
        """Put a merged request's merge (or squash) commit on the default branch."""
        sha = request.merge_commit_sha or request.squash_commit_sha
        assert request.merged_at is not None and sha is not None, "merge the request first"
        name = self.world.users[request.author.lower()].name
        commit = FakeCommit(
            sha=sha,
            message=(
                f"Merge branch '{request.source_branch}' into '{request.target_branch}'\n\n"
                f"{request.title}\n\nSee merge request "
                f"{self.path_with_namespace}!{request.iid}"
            ),
            author_name=name,
            author_email=f"{name.lower().replace(' ', '.')}@example.com",
            authored_at=request.merged_at,
            committer_name=name,
            committed_at=request.merged_at,
            parents=[self.commits[-1].sha] if self.commits else [],
            changes=list(request.changes),
        )
        self.commits.append(commit)
        self.record_activity(commit.committed_at)  # pushed by the merge
        return commit

    def add_pipeline(
        self,
        ref: str | None = None,
        *,
        jobs: Iterable[tuple[str, str]] = (("build", "build"), ("test", "test")),
        status: PipelineStatus = "success",
        user: str | None = None,
        source: str = "push",
    ) -> FakePipeline:
        """A pipeline on ``ref`` (a tag or the default branch) with (name, stage) jobs, each
        ending with ``status``; it runs on the tag's commit or the newest commit."""
        branch = self.default_branch or "main"
        tagged = next((t for t in self.tags if t.name == ref), None)
        commit = (
            tagged.commit
            if tagged is not None
            else (self.commits[-1] if self.commits else self.add_commit("Initial commit"))
        )
        created = self.world.tick()
        pipeline = FakePipeline(
            id=self.world.next_id("pipeline") + 1000,
            iid=len(self.pipelines) + 1,
            ref=ref or branch,
            tag=tagged is not None,
            commit=commit,
            status=status,
            source=source,
            created_at=created,
            updated_at=created,
            user=user or self.world.viewer,
        )
        for name, stage in jobs:
            self.add_job(pipeline, name, stage=stage, status=status)
        self.pipelines.append(pipeline)
        return pipeline

    def add_job(
        self,
        pipeline: FakePipeline,
        name: str,
        *,
        stage: str = "deploy",
        status: PipelineStatus = "success",
    ) -> FakeJob:
        """A job of ``pipeline``, finished a few minutes after it started (unless running)."""
        started = pipeline.created_at + timedelta(minutes=2 * (len(pipeline.jobs) + 1))
        done = status in ("success", "failed", "canceled")
        job = FakeJob(
            id=self.world.next_id("job") + 5000,
            name=name,
            stage=stage,
            status=status,
            created_at=pipeline.created_at,
            started_at=started if status != "manual" else None,
            finished_at=started + timedelta(minutes=3) if done else None,
            pipeline=pipeline,
            user=pipeline.user,
        )
        pipeline.jobs.append(job)
        pipeline.updated_at = max(pipeline.updated_at, job.finished_at or job.created_at)
        return job

    def environment(self, name: str, *, external_url: str | None = None) -> FakeEnvironment:
        """The environment called ``name``, created on first use."""
        found = next((e for e in self.environments if e.name == name), None)
        if found is None:
            tier = "production" if name.startswith("prod") else "staging"
            if name.startswith("review/"):
                tier = "development"
            found = FakeEnvironment(
                id=self.world.next_id("environment"),
                name=name,
                external_url=external_url,
                tier=tier,
                created_at=self.world.tick(),
            )
            self.environments.append(found)
        return found

    def add_deployment(
        self,
        environment: str,
        *,
        ref: str | None = None,
        status: DeploymentStatus = "success",
        job_name: str | None = None,
        pipeline: FakePipeline | None = None,
        user: str | None = None,
        with_job: bool = True,
    ) -> FakeDeployment:
        """A deployment of ``ref`` (a tag or branch) to ``environment``, run by a deploy job
        in ``pipeline`` (a new pipeline on ``ref`` when not given)."""
        place = self.environment(environment)
        job: FakeJob | None = None
        if with_job:
            job_status: PipelineStatus = (
                "success" if status == "success" else "failed" if status == "failed" else "running"
            )
            if pipeline is None:
                pipeline = self.add_pipeline(ref, jobs=[("build", "build")], user=user)
            job = self.add_job(
                pipeline, job_name or f"deploy-{place.slug}", stage="deploy", status=job_status
            )
            commit = pipeline.commit
            ref = pipeline.ref
        else:
            tagged = next((t for t in self.tags if t.name == ref), None)
            commit = tagged.commit if tagged else self.commits[-1]
            ref = ref or self.default_branch or "main"
        created = job.created_at if job is not None else self.world.tick()
        finished = job.finished_at if job is not None else None
        deployment = FakeDeployment(
            id=self.world.next_id("deployment") + 200,
            iid=len(self.deployments) + 1,
            environment=place,
            ref=ref,
            sha=commit.sha,
            status=status,
            created_at=created,
            updated_at=finished or self.world.tick(),
            user=user or self.world.viewer,
            job=job,
        )
        self.deployments.append(deployment)
        return deployment

    def add_issue(
        self,
        title: str,
        *,
        description: str | None = "",
        issue_type: Literal["issue", "incident"] = "issue",
        state: Literal["opened", "closed"] = "opened",
        labels: Iterable[str] = (),
        author: str | None = None,
        created_at: datetime | None = None,
        resolved_after: timedelta = timedelta(hours=2),
        confidential: bool = False,
    ) -> FakeIssue:
        """An issue (or, with ``issue_type="incident"``, an incident); a closed one was
        closed ``resolved_after`` its creation."""
        created = created_at or self.world.tick()
        closed = created + resolved_after if state == "closed" else None
        issue = FakeIssue(
            id=self.world.next_id("issue"),
            iid=len(self.issues) + self.deleted_issue_iids + 1,
            title=title,
            description=description,
            issue_type=issue_type,
            state=state,
            labels=list(labels),
            author=author or self.world.viewer,
            created_at=created,
            updated_at=closed or created,
            closed_at=closed,
            confidential=confidential,
        )
        self.issues.append(issue)
        self.record_activity(issue.updated_at)  # opened (and closed)
        return issue

    def add_incident(self, title: str, **settings: Any) -> FakeIssue:
        return self.add_issue(title, issue_type="incident", **settings)


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

    def advance(self, delta: timedelta) -> None:
        """Move the world clock on, as if time passed between two nights."""
        self._clock += delta

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

    def move_project(self, old_path: str, new_path: str) -> FakeProject:
        """Transfer or rename a project: same id, new path (the old one answers 404)."""
        project = self.projects.pop(old_path.lower())
        namespace, _, path = new_path.rpartition("/")
        project.namespace, project.path = namespace, path
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
