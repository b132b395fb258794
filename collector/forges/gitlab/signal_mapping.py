"""GitLab REST v4 JSON of the evidence signals -> our records. Pure functions, no requests.

Deployments (with their environment and the job that ran them), deploy jobs
grouped into pipelines, incident issues, repository tree entries, diff entries
and the commits that touched a file. Like ``collector.forges.gitlab.mapping``, values
are copied, never interpreted; titles are folded onto one line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from collector.forges.base.fields import (
    one_line,
    parse_datetime,
    required_datetime,
    section,
    text,
)
from collector.forges.base.signals import FileCommit, status_word
from collector.forges.gitlab.mapping import username
from collector.model.records import Deployment, Incident, Pipeline, Repository

Json = Mapping[str, Any]

# Statuses after which nothing about a deployment changes but its later redeployment.
FINAL_STATUSES = frozenset({"success", "failure", "cancelled", "skipped"})

_ISSUE_STATES: dict[str, Literal["open", "closed"]] = {"opened": "open", "closed": "closed"}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def label_names(labels: object) -> tuple[str, ...]:
    """Labels as names: plain strings, or objects with ``with_labels_details=true``."""
    if not isinstance(labels, list):
        return ()
    names = (label if isinstance(label, str) else text(label, "name") for label in labels)
    return tuple(name for name in names if name)


# -- deployments -----------------------------------------------------------------------------


def deployment(data: Json, repository: Repository) -> Deployment:
    """One entry of ``GET /projects/:id/deployments``."""
    environment = section(data, "environment")
    name = text(environment, "name")
    if not name:
        raise ValueError("deployment without an environment name")
    job = section(data, "deployable")
    pipeline = section(job, "pipeline")
    status = status_word(data.get("status"), deployment=True)
    updated_at = parse_datetime(data.get("updated_at"))
    finished_at = parse_datetime(job.get("finished_at"))
    if finished_at is None and status in FINAL_STATUSES:
        finished_at = updated_at  # a deployment made through the API has no job to time it
    iid, environment_id = _int(data.get("iid")), _int(environment.get("id"))
    # The deployment's own page (GitLab 16.1+); the environment page lists it on older ones.
    url = (
        f"{repository.url}/-/environments/{environment_id}/deployments/{iid}"
        if iid is not None and environment_id is not None
        else f"{repository.url}/-/environments"
    )
    ref, sha = text(data, "ref"), text(data, "sha")
    return Deployment(
        repo=repository.ref,
        url=url,
        title=one_line(f"Deploy {ref or sha[:8]} to {name}"),
        author=username(data.get("user")),
        created_at=required_datetime(data, "created_at"),
        updated_at=updated_at,
        id=str(data["id"]),
        environment=name,
        sha=sha,
        ref=ref,
        status=status,
        finished_at=finished_at,
        extra={
            "iid": iid,
            "environment_id": environment_id,
            "job": text(job, "name") or None,
            "stage": text(job, "stage") or None,
            "job_id": _int(job.get("id")),
            "pipeline_id": _int(pipeline.get("id")),
            "tag": bool(job.get("tag")),
        },
    )


def pipeline_of(data: Json) -> int | None:
    """The pipeline id of a deployment's job, when it ran in one."""
    return _int(section(section(data, "deployable"), "pipeline").get("id"))


# -- deploy pipelines, from the jobs list ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    """A job of ``GET /projects/:id/jobs``, as much as a pipeline record needs."""

    id: int
    name: str
    stage: str
    created_at: datetime | None
    finished_at: datetime | None
    author: str
    pipeline: Json

    @property
    def pipeline_id(self) -> int | None:
        return _int(self.pipeline.get("id"))


def job(data: Json) -> Job:
    job_id = _int(data.get("id"))
    if job_id is None:
        raise ValueError("job without an id")
    return Job(
        id=job_id,
        name=text(data, "name"),
        stage=text(data, "stage"),
        created_at=parse_datetime(data.get("created_at")),
        finished_at=parse_datetime(data.get("finished_at")),
        author=username(data.get("user")),
        pipeline=section(data, "pipeline"),
    )


def pipelines(
    jobs: Iterable[Job], repository: Repository, environments: Mapping[int, Iterable[str]]
) -> list[Pipeline]:
    """One ``Pipeline`` per pipeline the deploy jobs ran in, newest first.

    ``environments``: pipeline id -> environment names its deployments went to.
    """
    grouped: dict[int, list[Job]] = defaultdict(list)
    for entry in jobs:
        if entry.pipeline_id is not None:
            grouped[entry.pipeline_id].append(entry)
    return [
        _pipeline(pipeline_id, members, repository, environments.get(pipeline_id, ()))
        for pipeline_id, members in sorted(grouped.items(), reverse=True)
    ]


def _pipeline(
    pipeline_id: int, jobs: Sequence[Job], repository: Repository, environments: Iterable[str]
) -> Pipeline:
    newest = max(jobs, key=lambda j: j.id)  # its copy of the pipeline is the freshest
    data = newest.pipeline
    ref = text(data, "ref")
    names = tuple(sorted({j.name for j in jobs if j.name}))
    created = parse_datetime(data.get("created_at")) or min(
        (j.created_at for j in jobs if j.created_at is not None), default=None
    )
    if created is None:
        raise ValueError(f"pipeline {pipeline_id} has no date")
    finished = [j.finished_at for j in jobs if j.finished_at is not None]
    return Pipeline(
        repo=repository.ref,
        url=text(data, "web_url") or f"{repository.url}/-/pipelines/{pipeline_id}",
        title=one_line(f"Pipeline #{pipeline_id} on {ref}: {', '.join(names)}"),
        author=newest.author,
        created_at=created,
        updated_at=parse_datetime(data.get("updated_at")),
        id=str(pipeline_id),
        # The jobs list's PipelineBasic carries no pipeline name: the ref names it.
        name=one_line(ref),
        jobs=names,
        environments=tuple(sorted(set(environments))),
        status=status_word(data.get("status")),
        sha=text(data, "sha"),
        ref=ref,
        finished_at=max(finished, default=None),
        extra={
            "iid": _int(data.get("iid")),
            "source": text(data, "source") or None,
            "job_ids": sorted({j.id for j in jobs}),
            "stages": sorted({j.stage for j in jobs if j.stage}),
        },
    )


def merged_pipeline(fresh: Pipeline, stored: Pipeline | None) -> Pipeline:
    """``fresh`` with the jobs and environments an earlier run saw (its jobs list is bounded)."""
    if stored is None:
        return fresh
    job_ids = {*stored.extra.get("job_ids", ()), *fresh.extra.get("job_ids", ())}
    stages = {*stored.extra.get("stages", ()), *fresh.extra.get("stages", ())}
    finished = [t for t in (stored.finished_at, fresh.finished_at) if t is not None]
    return fresh.model_copy(
        update={
            "jobs": tuple(sorted({*stored.jobs, *fresh.jobs})),
            "environments": tuple(sorted({*stored.environments, *fresh.environments})),
            "created_at": min(stored.created_at, fresh.created_at),
            "finished_at": max(finished, default=None),
            "extra": {
                **fresh.extra,
                "job_ids": sorted(i for i in job_ids if isinstance(i, int)),
                "stages": sorted(s for s in stages if isinstance(s, str)),
            },
        }
    )


# -- incidents --------------------------------------------------------------------------------


def incident(data: Json, repository: Repository) -> Incident:
    """One entry of ``GET /projects/:id/issues?issue_type=incident``."""
    api_state = data.get("state")
    state = _ISSUE_STATES.get(api_state) if isinstance(api_state, str) else None
    if state is None:
        raise ValueError(f"unknown issue state {api_state!r}")
    iid = data["iid"]
    return Incident(
        repo=repository.ref,
        url=text(data, "web_url") or f"{repository.url}/-/issues/{iid}",
        title=one_line(text(data, "title")),
        author=username(data.get("author")),
        created_at=required_datetime(data, "created_at"),
        updated_at=parse_datetime(data.get("updated_at")),
        number=int(iid),
        body=text(data, "description"),
        state=state,
        labels=label_names(data.get("labels")),
        closed_at=parse_datetime(data.get("closed_at")),
        extra={
            "severity": text(data, "severity") or None,
            "closed_by": username(data.get("closed_by")) or None,
        },
    )


# -- repository files -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    type: str  # "blob" (a file), "tree" (a folder) or "commit" (a submodule)
    id: str  # the blob or tree sha


def tree_entry(data: Json) -> TreeEntry | None:
    path, kind, sha = text(data, "path"), text(data, "type"), text(data, "id")
    return TreeEntry(path, kind, sha) if path and kind and sha else None


def diff_paths(entries: Iterable[Json]) -> list[tuple[object, object]]:
    """(old path, new path) of each entry of a diff list (merge request or commit)."""
    return [(entry.get("old_path"), entry.get("new_path")) for entry in entries]


def file_commit(data: Json) -> FileCommit | None:
    """A commit of ``GET /projects/:id/repository/commits?path=…``, dated when it landed."""
    sha = text(data, "id")
    at = parse_datetime(data.get("committed_date") or data.get("authored_date"))
    if not sha or at is None:
        return None
    return FileCommit(
        sha=sha,
        title=one_line(text(data, "title")),
        author=text(data, "author_name"),
        at=at,
    )
