"""Full-shape GitHub REST JSON of the evidence signals, for the fake (API version 2022-11-28).

deployment and deployment-status, workflow and workflow-run (with head_commit
and repository), issue (labels, no ``pull_request`` unless it is one),
content-directory entries and content-file (base64), diff-entry of a pull
request's or a commit's files. Nothing is trimmed.
"""

from __future__ import annotations

import base64
from typing import Any

from tests.fakes.github_payloads import (
    Urls,
    commit,
    iso,
    label,
    node_id,
    repository,
    simple_user,
)
from tests.fakes.github_signal_world import (
    FakeChangedFile,
    FakeDeployment,
    FakeDeploymentStatus,
    FakeFile,
    FakeIssue,
    FakeRun,
    FakeWorkflow,
)
from tests.fakes.github_world import FakeCommit, FakeRepo, GitHubWorld, fake_sha
from tests.fakes.shapes import shaped

JsonDict = dict[str, Any]


def deployment(entry: FakeDeployment, repo: FakeRepo, urls: Urls) -> JsonDict:
    api = f"{urls.api}/repos/{repo.full_name}/deployments/{entry.id}"
    payload: JsonDict = {
        "url": api,
        "id": entry.id,
        "node_id": node_id("DE", entry.id),
        "sha": entry.sha,
        "ref": entry.ref,
        "task": entry.task,
        "payload": {"image": f"registry.example.com/{repo.name}:{entry.ref}", "replicas": 3},
        "original_environment": entry.environment,
        "environment": entry.environment,
        "description": entry.description,
        "creator": simple_user(entry.creator, urls) if entry.creator else None,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
        "statuses_url": f"{api}/statuses",
        "repository_url": f"{urls.api}/repos/{repo.full_name}",
        "transient_environment": False,
        "production_environment": entry.production,
        "performed_via_github_app": None,
    }
    return shaped(payload, absent=entry.absent)


def deployment_status(
    status: FakeDeploymentStatus, entry: FakeDeployment, repo: FakeRepo, urls: Urls
) -> JsonDict:
    api = f"{urls.api}/repos/{repo.full_name}/deployments/{entry.id}"
    payload: JsonDict = {
        "url": f"{api}/statuses/{status.id}",
        "id": status.id,
        "node_id": node_id("DES", status.id),
        "state": status.state,
        "creator": simple_user(status.creator, urls) if status.creator else None,
        "description": f"Deployment {status.state}",
        "environment": entry.environment,
        "target_url": status.log_url,
        "created_at": iso(status.created_at),
        "updated_at": iso(status.created_at),
        "deployment_url": api,
        "repository_url": f"{urls.api}/repos/{repo.full_name}",
        "environment_url": status.environment_url,
        "log_url": status.log_url,
        "performed_via_github_app": None,
    }
    return shaped(payload, absent=status.absent)


def workflow(entry: FakeWorkflow, repo: FakeRepo, urls: Urls) -> JsonDict:
    return {
        "id": entry.id,
        "node_id": node_id("W", entry.id),
        "name": entry.name,
        "path": entry.path,
        "state": "active",
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.created_at),
        "url": f"{urls.api}/repos/{repo.full_name}/actions/workflows/{entry.id}",
        "html_url": f"{urls.web}/{repo.full_name}/blob/{repo.default_branch}/{entry.path}",
        "badge_url": f"{urls.web}/{repo.full_name}/workflows/{entry.name}/badge.svg",
    }


def workflow_run(run: FakeRun, repo: FakeRepo, world: GitHubWorld, urls: Urls) -> JsonDict:
    api = f"{urls.api}/repos/{repo.full_name}/actions/runs/{run.id}"
    shown = repository(repo, world, urls)
    payload: JsonDict = {
        "id": run.id,
        "name": run.workflow.name,
        "node_id": node_id("WFR", run.id),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": run.workflow.path,
        "display_title": run.display_title,
        "run_number": run.run_number,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow.id,
        "check_suite_id": run.id + 1,
        "check_suite_node_id": node_id("CS", run.id + 1),
        "url": api,
        "html_url": f"{urls.web}/{repo.full_name}/actions/runs/{run.id}",
        "pull_requests": [],
        "created_at": iso(run.created_at),
        "updated_at": iso(run.updated_at),
        "actor": simple_user(run.actor, urls),
        "triggering_actor": simple_user(run.actor, urls),
        "run_attempt": 1,
        "referenced_workflows": [],
        "run_started_at": iso(run.created_at),
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": f"{urls.api}/repos/{repo.full_name}/check-suites/{run.id + 1}",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{urls.api}/repos/{repo.full_name}/actions/workflows/{run.workflow.id}",
        "head_commit": {
            "id": run.head_sha,
            "tree_id": fake_sha(repo.full_name, "tree", run.head_sha),
            "message": run.display_title,
            "timestamp": iso(run.created_at),
            "author": {"name": run.actor, "email": f"{run.actor}@users.noreply.example.com"},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": shown,
        "head_repository": shown,
    }
    return shaped(payload, run.nulls, run.absent)


def issue(entry: FakeIssue, repo: FakeRepo, urls: Urls) -> JsonDict:
    api = f"{urls.api}/repos/{repo.full_name}/issues/{entry.number}"
    issue_id = 5_000_000 + entry.number
    closed = entry.state == "closed"
    author = simple_user(entry.author, urls) if entry.author else None
    payload: JsonDict = {
        "id": issue_id,
        "node_id": node_id("I", issue_id),
        "url": api,
        "repository_url": f"{urls.api}/repos/{repo.full_name}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{urls.web}/{repo.full_name}/issues/{entry.number}",
        "number": entry.number,
        "state": entry.state,
        "state_reason": "completed" if closed else None,
        "title": entry.title,
        "body": entry.body,
        "user": author,
        "labels": [label(name, repo, urls) for name in entry.labels],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": 2,
        "closed_at": iso(entry.closed_at),
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
        "closed_by": author if closed else None,
        "author_association": "MEMBER",
        "draft": False,
        "performed_via_github_app": None,
        "timeline_url": f"{api}/timeline",
        "reactions": {"url": f"{api}/reactions", "total_count": 0, "+1": 0, "-1": 0},
    }
    return shaped(payload, entry.nulls, entry.absent)


def tree_entry(path: str, kind: str, sha: str, size: int, repo: FakeRepo, urls: Urls) -> JsonDict:
    """One entry of a git tree: a ``blob`` (file, with its size) or a ``tree`` (folder)."""
    api = f"{urls.api}/repos/{repo.full_name}"
    entry: JsonDict = {
        "path": path,
        "mode": "100644" if kind == "blob" else "040000",
        "type": kind,
        "sha": sha,
        "url": f"{api}/git/{'blobs' if kind == 'blob' else 'trees'}/{sha}",
    }
    if kind == "blob":
        entry["size"] = size
    return entry


def contents_entry(
    path: str, kind: str, sha: str, size: int, repo: FakeRepo, urls: Urls
) -> JsonDict:
    api = f"{urls.api}/repos/{repo.full_name}"
    branch = repo.default_branch
    is_file = kind == "file"
    web = f"{urls.web}/{repo.full_name}/{'blob' if is_file else 'tree'}/{branch}/{path}"
    git = f"{api}/git/{'blobs' if is_file else 'trees'}/{sha}"
    return {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "size": size if is_file else 0,
        "url": f"{api}/contents/{path}?ref={branch}",
        "html_url": web,
        "git_url": git,
        # Another host: a client must never send its token there.
        "download_url": (
            f"https://raw.example-usercontent.com/{repo.full_name}/{branch}/{path}"
            if is_file
            else None
        ),
        "type": kind,
        "_links": {"self": f"{api}/contents/{path}?ref={branch}", "git": git, "html": web},
    }


def content_file(entry: FakeFile, repo: FakeRepo, urls: Urls) -> JsonDict:
    data = entry.text.encode()
    encoded = base64.b64encode(data).decode()
    # GitHub wraps the base64 at 60 characters with newlines.
    wrapped = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
    return {
        **contents_entry(entry.path, "file", entry.sha, len(data), repo, urls),
        "content": wrapped,
        "encoding": "base64",
    }


def changed_file(entry: FakeChangedFile, repo: FakeRepo, sha: str, urls: Urls) -> JsonDict:
    raw = f"{urls.web}/{repo.full_name}/raw/{sha}/{entry.filename}"
    found: JsonDict = {
        "sha": fake_sha(repo.full_name, "blob", entry.filename, sha),
        "filename": entry.filename,
        "status": entry.status,
        "additions": entry.additions,
        "deletions": entry.deletions,
        "changes": entry.additions + entry.deletions,
        "blob_url": f"{urls.web}/{repo.full_name}/blob/{sha}/{entry.filename}",
        "raw_url": raw,
        "contents_url": f"{urls.api}/repos/{repo.full_name}/contents/{entry.filename}?ref={sha}",
        "patch": "@@ -1,2 +1,4 @@\n-old\n+new\n+more\n+lines",
    }
    if entry.previous_filename is not None:
        found["previous_filename"] = entry.previous_filename
    return found


def commit_detail(
    entry: FakeCommit, files: list[FakeChangedFile], repo: FakeRepo, urls: Urls
) -> JsonDict:
    """``GET /repos/{o}/{r}/commits/{sha}``: the list entry plus stats and files."""
    additions = sum(f.additions for f in files)
    deletions = sum(f.deletions for f in files)
    payload: JsonDict = {
        **commit(entry, repo, urls),
        "stats": {"total": additions + deletions, "additions": additions, "deletions": deletions},
        "files": [changed_file(f, repo, entry.sha, urls) for f in files],
    }
    return shaped(payload, absent=entry.detail_absent)
