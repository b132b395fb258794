"""GitHub REST JSON of the evidence signals -> our records. Pure functions, no requests.

Deployments and their newest status, workflows and their runs, incident
issues, repository contents entries, file contents and the changed files of
pull requests and commits. Like ``collector.forges.github.mapping``, values are copied,
never interpreted; titles are folded onto one line. A deployment's ``payload``
is arbitrary JSON chosen by whoever deployed: it is not kept.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from collector.forges.base.fields import one_line, parse_datetime, required_datetime, text
from collector.forges.base.signals import FileCommit, status_word
from collector.forges.github.mapping import login
from collector.model.records import Deployment, Incident, Pipeline, Repository

Json = Mapping[str, Any]

# A deployment status after which nothing that counts about the deployment changes any
# more. Not ``inactive``: records stored before statuses were read in full carry it with
# the time they were superseded, and asking them again puts the time they ran back.
FINAL_DEPLOYMENT_STATUSES = frozenset({"success", "failure", "error"})

_ISSUE_STATES: dict[str, Literal["open", "closed"]] = {"open": "open", "closed": "closed"}


def _id(data: Json) -> str:
    value = data.get("id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("entry without a numeric id")
    return str(value)


# -- deployments ------------------------------------------------------------------------------


def deployment(data: Json, repository: Repository) -> Deployment:
    """One entry of ``GET /repos/{o}/{r}/deployments``, without its status (the list has none)."""
    environment = text(data, "environment")
    if not environment:
        raise ValueError("deployment without an environment")
    deployment_id = _id(data)
    ref, sha = text(data, "ref"), text(data, "sha")
    # GitHub has no page per deployment; its environment's page lists it.
    url = f"{repository.url}/deployments/{quote(environment, safe='')}#deployment-{deployment_id}"
    return Deployment(
        repo=repository.ref,
        url=url,
        title=one_line(f"Deploy {ref or sha[:8]} to {environment}"),
        author=login(data.get("creator")),
        created_at=required_datetime(data, "created_at"),
        updated_at=parse_datetime(data.get("updated_at")),
        id=deployment_id,
        environment=environment,
        sha=sha,
        ref=ref,
        extra={
            "task": text(data, "task") or None,
            "description": one_line(text(data, "description")) or None,
            "production_environment": data.get("production_environment") is True,
            "transient_environment": data.get("transient_environment") is True,
        },
    )


def with_statuses(record: Deployment, statuses: Sequence[Json]) -> Deployment:
    """``record`` with what its ``/statuses`` (newest first) say about how it went.

    GitHub supersedes a deployment when a newer one to the same environment
    succeeds (``auto_inactive``, the default): it adds an ``inactive`` status, and
    only to deployments that had succeeded. So on a real account nearly every past
    production deployment's newest status is ``inactive``. A deployment counts as
    successful when any of its statuses was ``success``, and is dated by that status
    (when it ran), never by the time it was superseded.
    """
    if not statuses:
        return record
    newest = statuses[0]
    words = [status_word(s.get("state"), deployment=True) for s in statuses]
    # The oldest success: when it ran (a redeploy of the same record may add another).
    successes = [s for s, w in zip(statuses, words, strict=True) if w == "success"]
    success = successes[-1] if successes else None
    shown = success or newest
    extra = {
        **record.extra,
        "environment_url": text(shown, "environment_url") or None,
        "log_url": text(shown, "log_url") or text(shown, "target_url") or None,
        "superseded_at": (text(newest, "created_at") or None) if words[0] == "inactive" else None,
    }
    if success is not None:
        status, finished_at = "success", parse_datetime(success.get("created_at"))
    elif words[0] == "inactive":
        # Superseded, so it succeeded, but its success is not among the statuses read:
        # dated by its creation, the nearest known time it ran.
        status, finished_at = "success", None
    else:
        status, finished_at = words[0], parse_datetime(newest.get("created_at"))
    return record.model_copy(update={"status": status, "finished_at": finished_at, "extra": extra})


def with_stored_status(record: Deployment, stored: Deployment) -> Deployment:
    """``record`` (fresh from the list) keeping the final status read on an earlier run."""
    keep = {key: stored.extra.get(key) for key in ("environment_url", "log_url", "superseded_at")}
    return record.model_copy(
        update={
            "status": stored.status,
            "finished_at": stored.finished_at,
            "extra": {**record.extra, **keep},
        }
    )


# -- workflows and their runs -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Workflow:
    id: str
    name: str
    path: str


def workflows(data: object) -> list[Workflow]:
    """The ``workflows`` of ``GET /repos/{o}/{r}/actions/workflows``."""
    entries = data.get("workflows") if isinstance(data, Mapping) else None
    found: list[Workflow] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), int):
            found.append(Workflow(_id(entry), text(entry, "name"), text(entry, "path")))
    return found


def workflow_runs(data: object) -> list[Json]:
    """The ``workflow_runs`` of a runs list (an object, not a bare list)."""
    entries = data.get("workflow_runs") if isinstance(data, Mapping) else None
    return [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []


def workflow_run(data: Json, repository: Repository, workflow: Workflow) -> Pipeline:
    """One completed run of a deploy workflow."""
    name = text(data, "name") or workflow.name
    branch = text(data, "head_branch")
    return Pipeline(
        repo=repository.ref,
        url=text(data, "html_url") or f"{repository.url}/actions/runs/{_id(data)}",
        title=one_line(text(data, "display_title") or name),
        author=login(data.get("actor")) or login(data.get("triggering_actor")),
        created_at=required_datetime(data, "created_at"),
        updated_at=parse_datetime(data.get("updated_at")),
        id=_id(data),
        name=one_line(name),
        workflow_path=text(data, "path") or workflow.path,
        status=status_word(data.get("conclusion")),
        sha=text(data, "head_sha"),
        ref=branch,
        finished_at=parse_datetime(data.get("updated_at")),
        extra={
            "workflow_id": int(workflow.id),
            "event": text(data, "event") or None,
            "run_number": data.get("run_number")
            if isinstance(data.get("run_number"), int)
            else None,
            "run_attempt": (
                data.get("run_attempt") if isinstance(data.get("run_attempt"), int) else None
            ),
        },
    )


# -- incidents ---------------------------------------------------------------------------------


def is_pull_request(data: Json) -> bool:
    """The issues list holds pull requests too; they carry a ``pull_request`` object."""
    return data.get("pull_request") is not None


def incident(data: Json, repository: Repository) -> Incident:
    """One issue of ``GET /repos/{o}/{r}/issues?labels=…`` (not a pull request)."""
    api_state = data.get("state")
    state = _ISSUE_STATES.get(api_state) if isinstance(api_state, str) else None
    if state is None:
        raise ValueError(f"unknown issue state {api_state!r}")
    number = data["number"]
    if not isinstance(number, int):
        raise ValueError("issue without a number")
    labels = data.get("labels")
    names = (
        (label if isinstance(label, str) else text(label, "name") for label in labels)
        if isinstance(labels, list)
        else ()
    )
    return Incident(
        repo=repository.ref,
        url=text(data, "html_url") or f"{repository.url}/issues/{number}",
        title=one_line(text(data, "title")),
        author=login(data.get("user")),
        created_at=required_datetime(data, "created_at"),
        updated_at=parse_datetime(data.get("updated_at")),
        number=number,
        body=text(data, "body"),
        state=state,
        labels=tuple(name for name in names if name),
        closed_at=parse_datetime(data.get("closed_at")),
        extra={
            "state_reason": text(data, "state_reason") or None,
            "closed_by": login(data.get("closed_by")) or None,
        },
    )


# -- repository files ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContentsEntry:
    path: str
    type: str  # "file", "dir", "symlink" or "submodule"
    sha: str  # the blob (or tree) sha


def contents_entries(data: object) -> list[ContentsEntry]:
    """A folder's entries from ``GET /repos/{o}/{r}/contents/{folder}`` (a list)."""
    found: list[ContentsEntry] = []
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, Mapping):
            path, kind, sha = text(entry, "path"), text(entry, "type"), text(entry, "sha")
            if path and kind and sha:
                found.append(ContentsEntry(path, kind, sha))
    return found


def tree_files(data: object) -> list[ContentsEntry] | None:
    """The files of ``GET /repos/{o}/{r}/git/trees/{ref}?recursive=1``; None when truncated."""
    if not isinstance(data, Mapping) or data.get("truncated") is not False:
        return None  # cut short (or not what was asked for): read the folders one by one
    entries = data.get("tree")
    found: list[ContentsEntry] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and entry.get("type") == "blob":
            path, sha = text(entry, "path"), text(entry, "sha")
            if path and sha:
                found.append(ContentsEntry(path, "file", sha))
    return found


def file_text(data: object, limit: int) -> str:
    """The text of a file from ``GET /repos/{o}/{r}/contents/{path}`` (base64 ``content``)."""
    if not isinstance(data, Mapping) or data.get("encoding") != "base64":
        raise ValueError("file contents without base64 content")
    content = data.get("content")
    if not isinstance(content, str):
        raise ValueError("file contents without base64 content")
    try:
        raw = base64.b64decode("".join(content.split())[: (limit * 4) // 3 + 4], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("file contents are not valid base64") from None
    return raw.decode("utf-8", errors="replace")[:limit]


def file_commit(data: Json) -> FileCommit | None:
    """A commit of ``GET /repos/{o}/{r}/commits?path=…``, dated when it was committed."""
    sha = text(data, "sha")
    commit = data.get("commit")
    details: Json = commit if isinstance(commit, Mapping) else {}
    committer = details.get("committer")
    author = details.get("author")
    at = parse_datetime(
        (committer.get("date") if isinstance(committer, Mapping) else None)
        or (author.get("date") if isinstance(author, Mapping) else None)
    )
    if not sha or at is None:
        return None
    message = text(details, "message")
    return FileCommit(
        sha=sha,
        title=one_line(message.split("\n", 1)[0]),
        author=login(data.get("author"))
        or (text(author, "name") if isinstance(author, Mapping) else ""),
        at=at,
    )


def file_pairs(entries: Iterable[object]) -> list[tuple[object, object]]:
    """(old path, new path) of each changed file of a pull request or a commit."""
    return [
        (entry.get("previous_filename"), entry.get("filename"))
        for entry in entries
        if isinstance(entry, Mapping)
    ]
