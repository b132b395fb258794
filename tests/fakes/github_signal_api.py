"""The fake GitHub's routes for the evidence signals (see ``tests.fakes.github_api``).

Deployments (newest first) and their statuses (newest first), workflows and
their runs (newest first, ``status`` filter), issues (``labels``, ``state``,
``sort``, ``direction``, ``since``; pull requests included, as on GitHub),
contents of folders and files (404 for what is not there), pull request files,
a single commit with its files. Lists are paged with real ``Link`` headers, and
every 200 carries an ETag that a conditional request turns into a 304.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from tests.fakes import github_payloads as payloads
from tests.fakes import github_signal_payloads as signal_payloads
from tests.fakes.github_signal_world import FakeIssue
from tests.fakes.github_world import fake_sha

if TYPE_CHECKING:
    from tests.fakes.github_api import Answer, FakeGitHub
    from tests.fakes.github_world import FakePull

Route = tuple[re.Pattern[str], Callable[..., "Answer"]]


def signal_routes(fake: FakeGitHub, repo: str) -> Sequence[Route]:
    """Routes under ``repo`` (a pattern with the owner and name groups)."""
    routes = _SignalRoutes(fake)
    return (
        (re.compile(rf"{repo}/deployments"), routes.deployments),
        (re.compile(rf"{repo}/deployments/([0-9]+)/statuses"), routes.statuses),
        (re.compile(rf"{repo}/actions/workflows"), routes.workflows),
        (re.compile(rf"{repo}/actions/workflows/([0-9]+)/runs"), routes.runs),
        (re.compile(rf"{repo}/issues"), routes.issues),
        (re.compile(rf"{repo}/contents/(.+)"), routes.contents),
        (re.compile(rf"{repo}/git/trees/(.+)"), routes.tree),
        (re.compile(rf"{repo}/pulls/([0-9]+)/files"), routes.pull_files),
        (re.compile(rf"{repo}/commits/([0-9a-f]{{40}})"), routes.commit),
    )


class _SignalRoutes:
    def __init__(self, fake: FakeGitHub) -> None:
        self._fake = fake

    def _answer(self, status: int, body: Any) -> Answer:
        from tests.fakes.github_api import Answer

        return Answer(status, body)

    def _not_found(self) -> Answer:
        return self._answer(404, payloads.error("Not Found", 404))

    def deployments(self, request: Request, owner: str, name: str) -> Answer:
        fake = self._fake
        repo = fake._visible_repo(owner, name)
        entries = sorted(repo.signals.deployments, key=lambda d: (d.created_at, d.id), reverse=True)
        return fake._page(
            request, entries, lambda d: signal_payloads.deployment(d, repo, fake.urls)
        )

    def statuses(self, request: Request, owner: str, name: str, number: str) -> Answer:
        fake = self._fake
        repo = fake._visible_repo(owner, name)
        found = next((d for d in repo.signals.deployments if d.id == int(number)), None)
        if found is None:
            return self._not_found()
        entry = found
        statuses = sorted(entry.statuses, key=lambda s: s.created_at, reverse=True)
        return fake._page(
            request,
            statuses,
            lambda s: signal_payloads.deployment_status(s, entry, repo, fake.urls),
        )

    def workflows(self, request: Request, owner: str, name: str) -> Answer:
        fake = self._fake
        repo = fake._visible_repo(owner, name)
        flows = repo.signals.workflows
        body = {
            "total_count": len(flows),
            "workflows": [signal_payloads.workflow(w, repo, fake.urls) for w in flows],
        }
        return self._answer(200, body)

    def runs(self, request: Request, owner: str, name: str, workflow_id: str) -> Answer:
        fake = self._fake
        repo = fake._visible_repo(owner, name)
        if not any(w.id == int(workflow_id) for w in repo.signals.workflows):
            return self._not_found()
        runs = [r for r in repo.signals.runs if r.workflow.id == int(workflow_id)]
        if "status" in request.args:
            wanted = request.args["status"]
            runs = [r for r in runs if wanted in (r.status, r.conclusion)]
        runs.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        # Runs come wrapped in an object, paged all the same.
        page = fake._page(
            request, runs, lambda r: signal_payloads.workflow_run(r, repo, fake.world, fake.urls)
        )
        body = {"total_count": len(runs), "workflow_runs": page.body}
        from tests.fakes.github_api import Answer

        return Answer(page.status, body, page.headers)

    def issues(self, request: Request, owner: str, name: str) -> Answer:
        fake = self._fake
        repo = fake._visible_repo(owner, name)
        args = request.args
        wanted = {label for label in args.get("labels", "").split(",") if label}
        state = args.get("state", "open")
        entries: list[FakeIssue | FakePull] = [*repo.signals.issues, *repo.pulls]
        entries = [
            e
            for e in entries
            if (state == "all" or e.state == state) and wanted.issubset(set(e.labels))
        ]
        if "since" in args:
            since = datetime.fromisoformat(args["since"])
            entries = [e for e in entries if e.updated_at >= since]
        key = "updated_at" if args.get("sort") == "updated" else "created_at"
        descending = args.get("direction", "desc") == "desc"
        entries.sort(key=lambda e: (getattr(e, key), e.number), reverse=descending)

        def to_json(entry: FakeIssue | FakePull) -> dict[str, Any]:
            if isinstance(entry, FakeIssue):
                return signal_payloads.issue(entry, repo, fake.urls)
            # A pull request seen through the issues API: an issue with ``pull_request``.
            as_issue = FakeIssue(
                number=entry.number,
                title=entry.title,
                body=entry.body,
                author=entry.author,
                labels=entry.labels,
                state=entry.state,
                created_at=entry.created_at,
                updated_at=entry.updated_at,
                closed_at=entry.closed_at,
            )
            api = f"{fake.urls.api}/repos/{repo.full_name}/pulls/{entry.number}"
            return {
                **signal_payloads.issue(as_issue, repo, fake.urls),
                "html_url": f"{fake.urls.web}/{repo.full_name}/pull/{entry.number}",
                "pull_request": {
                    "url": api,
                    "html_url": f"{fake.urls.web}/{repo.full_name}/pull/{entry.number}",
                    "diff_url": f"{fake.urls.web}/{repo.full_name}/pull/{entry.number}.diff",
                    "patch_url": f"{fake.urls.web}/{repo.full_name}/pull/{entry.number}.patch",
                    "merged_at": payloads.iso(entry.merged_at),
                },
            }

        return fake._page(request, entries, to_json)

    def contents(self, request: Request, owner: str, name: str, path: str) -> Answer:
        fake = self._fake
        repo = fake._visible_repo(owner, name)
        if request.args.get("ref", repo.default_branch) != repo.default_branch:
            return self._answer(404, payloads.error(f"No commit found for the ref {path}", 404))
        path = path.strip("/")
        files = repo.signals.files
        if path in files:
            return self._answer(200, signal_payloads.content_file(files[path], repo, fake.urls))
        prefix = path + "/"
        children: dict[str, dict[str, Any]] = {}
        for file_path, entry in sorted(files.items()):
            if not file_path.startswith(prefix):
                continue
            rest = file_path[len(prefix) :]
            if "/" in rest:
                folder = prefix + rest.split("/", 1)[0]
                sha = fake_sha(repo.full_name, "tree", folder)
                children[folder] = signal_payloads.contents_entry(
                    folder, "dir", sha, 0, repo, fake.urls
                )
            else:
                children[file_path] = signal_payloads.contents_entry(
                    file_path, "file", entry.sha, len(entry.text.encode()), repo, fake.urls
                )
        if not children:
            return self._not_found()
        return self._answer(200, list(children.values()))

    def tree(self, request: Request, owner: str, name: str, tree_ish: str) -> Answer:
        """``GET /repos/{o}/{r}/git/trees/{sha or branch}``, ``recursive`` or one level."""
        fake = self._fake
        repo = fake._visible_repo(owner, name)
        if not repo.commits:
            return self._answer(409, payloads.error("Git Repository is empty.", 409))
        if tree_ish != repo.default_branch:
            return self._not_found()
        recursive = request.args.get("recursive") not in (None, "", "0", "false")
        files = repo.signals.files
        folders = sorted(
            {"/".join(p.split("/")[:n]) for p in files for n in range(1, p.count("/") + 1)}
        )
        entries = [
            signal_payloads.tree_entry(
                folder, "tree", fake_sha(repo.full_name, "tree", folder), 0, repo, fake.urls
            )
            for folder in folders
        ] + [
            signal_payloads.tree_entry(
                path, "blob", entry.sha, len(entry.text.encode()), repo, fake.urls
            )
            for path, entry in files.items()
        ]
        if not recursive:
            entries = [e for e in entries if "/" not in e["path"]]
        entries.sort(key=lambda e: e["path"])
        sha = fake_sha(repo.full_name, "root-tree", *(e["sha"] for e in entries))
        body = {
            "sha": sha,
            "url": f"{fake.urls.api}/repos/{repo.full_name}/git/trees/{sha}",
            "tree": entries,
            "truncated": repo.signals.tree_truncated,
        }
        return self._answer(200, body)

    def pull_files(self, request: Request, owner: str, name: str, number: str) -> Answer:
        fake = self._fake
        repo = fake._visible_repo(owner, name)
        pull = next((p for p in repo.pulls if p.number == int(number)), None)
        if pull is None:
            return self._not_found()
        files = repo.signals.pull_files.get(pull.number, [])
        return fake._page(
            request,
            files,
            lambda f: signal_payloads.changed_file(f, repo, pull.head_sha, fake.urls),
        )

    def commit(self, request: Request, owner: str, name: str, sha: str) -> Answer:
        fake = self._fake
        repo = fake._visible_repo(owner, name)
        entry = next((c for c in repo.commits if c.sha == sha), None)
        if entry is None:
            message = f"No commit found for SHA: {sha}"
            return self._answer(422, payloads.error(message, 422))
        files = repo.signals.commit_files.get(sha, [])
        return self._answer(200, signal_payloads.commit_detail(entry, files, repo, fake.urls))
