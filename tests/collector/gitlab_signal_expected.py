"""The records GitLab's signals should become, built from the fake's world.

Like ``tests.fakes.gitlab_expected``'s ``expected_*``: from what GitLab means,
never from the JSON the fake sends, so a mapping mistake cannot hide behind itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from collector.model.records import Decision, Deployment, Incident, Pipeline
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_expected import ref, web
from tests.fakes.gitlab_world import (
    FakeDeployment,
    FakeIssue,
    FakePipeline,
    FakeProject,
    blob_sha,
)

# GitLab's words -> the records' (GitHub's where they differ).
STATUS = {
    "success": "success",
    "failed": "failure",
    "canceled": "cancelled",
    "running": "in_progress",
    "created": "created",
    "blocked": "blocked",
}


def expected_deployment(
    fake: FakeGitLab, project: FakeProject, entry: FakeDeployment
) -> Deployment:
    environment, job = entry.environment, entry.job
    status = STATUS[entry.status]
    finished = job.finished_at if job is not None else None
    if job is None and status in ("success", "failure", "cancelled"):
        finished = entry.updated_at  # made through the API: its last update ends it
    return Deployment(
        repo=ref(fake, project),
        url=f"{web(fake, project)}/-/environments/{environment.id}/deployments/{entry.iid}",
        title=f"Deploy {entry.ref} to {environment.name}",
        author=entry.user,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        id=str(entry.id),
        environment=environment.name,
        sha=entry.sha,
        ref=entry.ref,
        status=status if entry.status != "running" else "in_progress",
        finished_at=finished,
        extra={
            "iid": entry.iid,
            "environment_id": environment.id,
            "job": job.name if job else None,
            "stage": job.stage if job else None,
            "job_id": job.id if job else None,
            "pipeline_id": job.pipeline.id if job else None,
            "tag": job.pipeline.tag if job else False,
        },
    )


def expected_pipeline(
    fake: FakeGitLab,
    project: FakeProject,
    pipeline: FakePipeline,
    deploy_jobs: Iterable[str],
    environments: Iterable[str] = (),
) -> Pipeline:
    wanted = set(deploy_jobs)
    jobs = [job for job in pipeline.jobs if job.name in wanted]
    names = tuple(sorted(wanted))
    finished = [job.finished_at for job in jobs if job.finished_at is not None]
    return Pipeline(
        repo=ref(fake, project),
        url=f"{web(fake, project)}/-/pipelines/{pipeline.id}",
        title=f"Pipeline #{pipeline.id} on {pipeline.ref}: {', '.join(names)}",
        author=pipeline.user,
        created_at=pipeline.created_at,
        updated_at=pipeline.updated_at,
        id=str(pipeline.id),
        name=pipeline.ref,
        jobs=names,
        environments=tuple(sorted(environments)),
        status=STATUS[pipeline.status],
        sha=pipeline.commit.sha,
        ref=pipeline.ref,
        finished_at=max(finished, default=None),
        extra={
            "iid": pipeline.iid,
            "source": pipeline.source,
            "job_ids": sorted(job.id for job in jobs),
            "stages": sorted({job.stage for job in jobs}),
        },
    )


def expected_incident(fake: FakeGitLab, project: FakeProject, issue: FakeIssue) -> Incident:
    return Incident(
        repo=ref(fake, project),
        url=f"{web(fake, project)}/-/issues/{issue.iid}",
        title=issue.title,
        author=issue.author,
        created_at=issue.created_at,
        updated_at=issue.updated_at,
        number=issue.iid,
        body=issue.description or "",
        state="closed" if issue.state == "closed" else "open",
        labels=tuple(issue.labels),
        closed_at=issue.closed_at,
        extra={
            "severity": "CRITICAL",
            "closed_by": issue.author if issue.state == "closed" else None,
        },
    )


def expected_decision(
    fake: FakeGitLab,
    project: FakeProject,
    path: str,
    *,
    title: str,
    format: str,
    status: str,
    date: datetime | None,
    context: str,
    decision: str,
    consequences: str,
) -> Decision:
    """The record of the ADR file at ``path``; its parsed fields are what the file says."""
    commits = sorted(
        (c for c in project.commits if any(path in (x.old_path, x.new_path) for x in c.changes)),
        key=lambda c: c.committed_at,
        reverse=True,
    )
    return Decision.model_validate(
        {
            "repo": ref(fake, project),
            "url": f"{web(fake, project)}/-/blob/{project.default_branch}/{path}",
            "title": title,
            "author": commits[-1].author_name,
            "created_at": date or commits[-1].committed_at,
            "updated_at": commits[0].committed_at,
            "extra": {
                "commits": [
                    {
                        "sha": c.sha,
                        "title": c.title,
                        "author": c.author_name,
                        "at": c.committed_at.isoformat(),
                    }
                    for c in commits
                ]
            },
            "path": path,
            "format": format,
            "status": status,
            "date": date,
            "context": context,
            "decision": decision,
            "consequences": consequences,
            "sha": blob_sha(project.files[path]),
        }
    )
