"""The evidence signals a fake GitHub repository holds: deployments, workflows, issues, files.

Kept on ``FakeRepo.signals``; built through ``FakeSignals``' methods, which take
times from the world clock like everything else in ``tests.fakes.github_world``:

    signals = repo.signals
    deployment = signals.add_deployment(repo, "production", ref="v1.8.0", sha=tag.sha)
    signals.add_status(deployment, "success", at=...)
    workflow = signals.add_workflow(repo, "Deploy", ".github/workflows/deploy.yml")
    signals.add_run(repo, workflow, head_sha=..., conclusion="success")
    signals.add_issue(repo, "API down", labels=["incident"], closed=True)
    signals.add_file(repo, "docs/adr/0001-x.md", text, commits=[commit.sha])
    signals.set_pull_files(pull, ["helm/values.yaml"])
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tests.fakes.github_world import FakePull, FakeRepo


def _stable_id(*parts: str) -> int:
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return 1_000 + int(digest[:9], 16)


def blob_sha(text: str) -> str:
    """Git's blob sha of a text, as GitHub reports it."""
    data = text.encode()
    header = f"blob {len(data)}\0".encode()
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


@dataclass
class FakeDeploymentStatus:
    id: int
    state: str
    created_at: datetime
    environment_url: str
    log_url: str
    creator: str | None
    # Left out of the payload: environment_url and log_url are optional in the description.
    absent: tuple[str, ...] = ()


@dataclass
class FakeDeployment:
    id: int
    environment: str
    ref: str
    sha: str
    task: str
    description: str | None
    creator: str | None  # None: the account was deleted (the description: creator null)
    created_at: datetime
    updated_at: datetime
    production: bool
    statuses: list[FakeDeploymentStatus] = field(default_factory=list)
    # Left out of the payload (production_environment, transient_environment: optional).
    absent: tuple[str, ...] = ()


@dataclass
class FakeWorkflow:
    id: int
    name: str
    path: str
    created_at: datetime


@dataclass
class FakeRun:
    id: int
    workflow: FakeWorkflow
    run_number: int
    head_branch: str
    head_sha: str
    event: str
    status: Literal["completed", "in_progress", "queued"]
    conclusion: str | None
    actor: str
    created_at: datetime
    updated_at: datetime
    display_title: str
    # Dotted payload paths sent as null / left out: what GitHub's description allows.
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


@dataclass
class FakeIssue:
    number: int
    title: str
    body: str | None
    author: str | None  # None: the account was deleted (the description: user null)
    labels: list[str]
    state: Literal["open", "closed"]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    # Dotted payload paths sent as null / left out (a number picks a label: labels.0.name).
    nulls: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


@dataclass
class FakeFile:
    path: str
    text: str
    commits: list[str]  # shas of the commits that touched it, newest first

    @property
    def sha(self) -> str:
        return blob_sha(self.text)


@dataclass
class FakeChangedFile:
    filename: str
    status: str = "modified"
    additions: int = 3
    deletions: int = 1
    previous_filename: str | None = None


@dataclass
class FakeSignals:
    deployments: list[FakeDeployment] = field(default_factory=list)
    workflows: list[FakeWorkflow] = field(default_factory=list)
    runs: list[FakeRun] = field(default_factory=list)
    issues: list[FakeIssue] = field(default_factory=list)
    files: dict[str, FakeFile] = field(default_factory=dict)
    pull_files: dict[int, list[FakeChangedFile]] = field(default_factory=dict)
    commit_files: dict[str, list[FakeChangedFile]] = field(default_factory=dict)
    # GitHub cuts a recursive tree past 100,000 entries or 7 MB and says truncated: true.
    tree_truncated: bool = False

    def add_deployment(
        self,
        repo: FakeRepo,
        environment: str,
        *,
        ref: str,
        sha: str,
        creator: str | None = None,
        at: datetime | None = None,
        production: bool | None = None,
    ) -> FakeDeployment:
        created = at or repo.world.tick()
        deployment = FakeDeployment(
            id=_stable_id("deployment", repo.full_name, str(len(self.deployments))),
            environment=environment,
            ref=ref,
            sha=sha,
            task="deploy",
            description=f"Deploy {ref}",
            creator=creator or repo.world.viewer,
            created_at=created,
            updated_at=created,
            production=environment == "production" if production is None else production,
        )
        self.deployments.append(deployment)
        return deployment

    def add_status(
        self,
        repo: FakeRepo,
        deployment: FakeDeployment,
        state: str,
        *,
        at: datetime | None = None,
        moves_deployment: bool = True,
        auto_inactive: bool = True,
    ) -> FakeDeploymentStatus:
        """A new newest status. ``moves_deployment=False`` leaves the deployment's
        ``updated_at``, so the deployments list answers 304 as before (GitHub documents
        neither way; the collector must not depend on it).

        A ``success`` supersedes, as GitHub's ``auto_inactive`` (default true) does: every
        earlier deployment to the same environment that had succeeded gets an
        ``inactive`` status at the same moment, without moving its ``updated_at``.
        (GitHub's description says "non-production"; real accounts show production
        deployments superseded the same way, so the fake does it everywhere.)
        """
        moment = at or deployment.created_at + timedelta(minutes=7 * (len(deployment.statuses) + 1))
        status = self._status(deployment, state, moment)
        if moves_deployment:
            deployment.updated_at = max(deployment.updated_at, moment)
        if state == "success" and auto_inactive:
            for earlier in self.deployments:
                superseded = (
                    earlier is not deployment
                    and earlier.environment == deployment.environment
                    and earlier.created_at <= deployment.created_at
                    and any(s.state == "success" for s in earlier.statuses)
                    and earlier.statuses[-1].state != "inactive"
                )
                if superseded:
                    self._status(earlier, "inactive", moment)
        return status

    def _status(
        self, deployment: FakeDeployment, state: str, moment: datetime
    ) -> FakeDeploymentStatus:
        status = FakeDeploymentStatus(
            id=_stable_id("status", str(deployment.id), str(len(deployment.statuses))),
            state=state,
            created_at=moment,
            environment_url=f"https://{deployment.environment}.example.com",
            log_url=f"https://ci.example.com/deploy/{deployment.id}",
            creator=deployment.creator,
        )
        deployment.statuses.append(status)
        return status

    def add_workflow(self, repo: FakeRepo, name: str, path: str) -> FakeWorkflow:
        workflow = FakeWorkflow(
            id=_stable_id("workflow", repo.full_name, path),
            name=name,
            path=path,
            created_at=repo.created_at,
        )
        self.workflows.append(workflow)
        return workflow

    def add_run(
        self,
        repo: FakeRepo,
        workflow: FakeWorkflow,
        *,
        head_sha: str,
        head_branch: str = "main",
        conclusion: str | None = "success",
        at: datetime | None = None,
        event: str = "push",
    ) -> FakeRun:
        created = at or repo.world.tick()
        run = FakeRun(
            id=_stable_id("run", repo.full_name, str(len(self.runs))),
            workflow=workflow,
            run_number=1 + sum(1 for r in self.runs if r.workflow.id == workflow.id),
            head_branch=head_branch,
            head_sha=head_sha,
            event=event,
            status="completed" if conclusion is not None else "in_progress",
            conclusion=conclusion,
            actor=repo.world.viewer,
            created_at=created,
            updated_at=created + timedelta(minutes=4),
            display_title=f"{workflow.name} {head_branch}",
        )
        self.runs.append(run)
        return run

    def add_issue(
        self,
        repo: FakeRepo,
        title: str,
        *,
        labels: list[str],
        body: str | None = "",
        closed: bool = False,
        at: datetime | None = None,
        closed_at: datetime | None = None,
    ) -> FakeIssue:
        created = at or repo.world.tick()
        closed_moment = (closed_at or created + timedelta(hours=2)) if closed else None
        issue = FakeIssue(
            number=1000 + len(self.issues),
            title=title,
            body=body,
            author=repo.world.viewer,
            labels=labels,
            state="closed" if closed else "open",
            created_at=created,
            updated_at=closed_moment or created,
            closed_at=closed_moment,
        )
        self.issues.append(issue)
        return issue

    def add_file(self, path: str, text: str, *, commits: list[str]) -> FakeFile:
        entry = FakeFile(path, text, list(commits))
        self.files[path] = entry
        return entry

    def set_pull_files(self, pull: FakePull, paths: list[str]) -> None:
        self.pull_files[pull.number] = [FakeChangedFile(p) for p in paths]

    def set_commit_files(self, sha: str, paths: list[str]) -> None:
        self.commit_files[sha] = [FakeChangedFile(p) for p in paths]
