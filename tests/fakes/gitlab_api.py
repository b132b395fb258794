"""A fake GitLab REST API (v4) on a real local HTTP server, serving a ``GitLabWorld``.

    world = GitLabWorld(viewer="dana")
    world.add_project("acme/ledger").add_merge_request(title="First", state="merged")
    with FakeGitLab(world, token="glpat-t0ken", prefix="/gitlab") as fake:
        forge = GitLabForge(GitLabSource(forge="gitlab", url=fake.url, groups=["acme"]), ...)
        ...
        assert fake.paths() == ["/groups/acme/projects", ...]

What it does like GitLab: ``PRIVATE-TOKEN`` (or ``Authorization: Bearer``)
authentication with GitLab's 401 body; namespaced paths that must be
URL-encoded (``/projects/acme%2Fledger``; an unencoded slash is a 404, as on
GitLab); offset pagination with ``X-Page``, ``X-Per-Page``, ``X-Next-Page``,
``X-Prev-Page``, ``X-Total``, ``X-Total-Pages`` and ``Link`` headers; keyset
pagination (``pagination=keyset&order_by=id``) on ``/users/:id/projects``,
where GitLab supports it, with only a ``Link`` header; groups with subgroups
(``include_subgroups``); visibility, archived, state and labels filters;
merge requests ``updated_after`` and commits ``since`` (both inclusive);
the default branch (``/repository/branches/:branch``, the name URL-encoded);
``RateLimit-*`` headers on every answer and 429 with ``Retry-After`` on demand;
the evidence signals: deployments (``updated_after`` paired with the
``updated_at`` sort, or a 400 as on GitLab), jobs filtered by ``scope[]``,
issues by ``issue_type`` and ``confidential``, repository trees (404 for a
missing folder), raw files with their ``X-Gitlab-*`` headers, commits by
``path``, merge request ``/diffs`` (or only ``/changes``, as before 15.7, with
``merge_request_diffs = False``) and commit diffs;
GitLab-shaped 404s (``404 Group Not Found``); private projects hidden from
those who may not see them; and an optional path prefix (``/gitlab/api/v4``)
as on an instance served under a relative URL root.

Conditional requests as Rails' ``Rack::ETag`` and ``Rack::ConditionalGet`` give
them to GitLab: every 200 JSON answer to a GET carries a weak ``ETag`` computed
from its body; a request whose ``If-None-Match`` matches is answered ``304 Not
Modified`` with no body but the other headers (pagination included). Unlike
GitHub, GitLab's rate limiter has counted the request before: a 304 costs as
much as a 200 (``rate_used``).

Every request is logged (``requests``) so tests can assert exactly what a
client asked for. ``fail()``, ``override()`` and ``throttle()`` make chosen
paths answer errors; ``hang()``, ``reset()``, ``truncate()`` and ``block()``
misbehave at the transport level (no answer in time, a connection reset, a
body cut short, an answer held until the test lets it go). ``latency`` delays
every answer, for benchmarks. The server around the routes is
``tests.fakes.server.FakeServer``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote, urlencode

from werkzeug import Request

from tests.fakes import gitlab_payloads as payloads
from tests.fakes.gitlab_payloads import JsonDict, Urls
from tests.fakes.gitlab_world import (
    FakeChange,
    FakeGroup,
    FakeMergeRequest,
    FakeProject,
    GitLabWorld,
    blob_sha,
    fake_sha,
)
from tests.fakes.server import FakeServer, Fault, Served, query_int

# 2099-01-01 12:34 UTC: far enough that no client waits for it, and easy to assert.
DEFAULT_RATE_RESET = int(datetime(2099, 1, 1, 12, 34, tzinfo=UTC).timestamp())
MAX_PER_PAGE = 100
Body = JsonDict | list[JsonDict] | dict[str, float] | str


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # relative to the API root, still URL-encoded: /projects/acme%2Fledger
    query: dict[str, str]
    status: int  # 0: no answer (the connection was reset)
    url_path: str  # exactly as received, prefix included
    authorization: str  # "private-token", "bearer" or "none": never the token itself
    query_string: str = ""  # as sent, repeated keys included (scope[]=a&scope[]=b)
    conditional: bool = False  # sent If-None-Match or If-Modified-Since


@dataclass
class Answer:
    status: int
    body: Body
    headers: dict[str, str] = field(default_factory=dict)


class NotFound(Exception):
    """Raised by a route: answer GitLab's 404 with this message."""

    def __init__(self, what: str) -> None:
        super().__init__(f"404 {what} Not Found")


class FakeGitLab(FakeServer[Body, LoggedRequest]):
    """Serves ``world`` to clients holding ``token``; the token acts as ``world.viewer``."""

    forge = "GitLab"
    # As on GitLab, a request is authenticated and counted before it gets an answer.
    answer_faults_after_checks = True

    def __init__(
        self,
        world: GitLabWorld,
        *,
        token: str,
        prefix: str = "",
        rate_limit: int = 2000,
        rate_reset: int = DEFAULT_RATE_RESET,
        external_url: str | None = None,
        latency: float = 0.0,
        log_requests: bool = True,
    ) -> None:
        """``prefix``: a relative URL root such as "/gitlab"; the API is then /gitlab/api/v4.
        ``external_url``: what the instance believes its address is (GitLab's external_url),
        used in ``Link`` headers; a misconfigured one points somewhere else.
        ``latency``: seconds every answer is delayed. ``log_requests=False`` keeps only
        the counters (for benchmarks with tens of thousands of requests)."""
        super().__init__(latency=latency, log_requests=log_requests)
        self.world = world
        self.external_url = external_url
        self.token = token
        self.prefix = prefix.rstrip("/")
        self.rate_limit = rate_limit
        self.rate_reset = rate_reset
        # False: answer merge request /diffs as GitLab before 15.7 did (no such route).
        self.merge_request_diffs = True

    # -- what tests read and steer ----------------------------------------------------

    @property
    def url(self) -> str:
        """The instance's web address, as an owner would write it in the config."""
        return f"{self.root_url}{self.prefix}"

    @property
    def api_root(self) -> str:
        return f"{self.prefix}/api/v4"

    @property
    def api_url(self) -> str:
        return f"{self.root_url}{self.api_root}"

    @property
    def host(self) -> str:
        """What the collector should record as the host: address plus path prefix."""
        return self.url.split("://", 1)[1]

    @property
    def urls(self) -> Urls:
        return Urls(api=self.api_url, web=self.url)

    def fail(
        self,
        path: str,
        status: int,
        message: str | None = None,
        *,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Make ``path`` (relative to the API root) answer an error, ``times`` times or always."""
        body = payloads.error(message or _REASONS.get(status, f"{status} Error"))
        self.override(path, status, body, times=times, headers=headers)

    def throttle(self, path: str, *, retry_after: int, times: int | None = 1) -> None:
        """Answer ``path`` as GitLab's rate limiter does: 429, ``Retry-After``, plain text."""
        headers = {"Retry-After": str(retry_after), "Content-Type": "text/plain"}
        self._add_fault(Fault(path, 429, "Retry later\n", headers, times))

    # -- serving --------------------------------------------------------------------------

    def _api_path(self, request: Request) -> str:
        raw_path = _raw_path(request)
        return raw_path.removeprefix(self.api_root) if self._in_api(raw_path) else raw_path

    def _serve(self, request: Request, api_path: str, fault: Fault[Body] | None) -> Served:
        # ``fault`` is only ever a misbehaviour; ``_answer`` takes the answer faults.
        answer = self._answer(request, _raw_path(request))
        status, body, headers = self._respond(request, answer)
        self._log(request, api_path, status)
        headers = {
            "X-Request-Id": f"01FAKE{self.request_count:020d}",
            "X-Runtime": "0.042",
            "Cache-Control": "max-age=0, private, must-revalidate",
            "Vary": "Origin, Accept-Encoding",
            "X-Gitlab-Meta": json.dumps({"correlation_id": f"fake{self.request_count}"}),
            # The world's clock is the forge's: its Date is when every answer was given.
            "Date": format_datetime(self.world.now, usegmt=True),
            **self._rate_headers(),
            **headers,
        }
        if status == 304:
            # Rack::ConditionalGet drops the body and its Content-Type, keeps the rest.
            headers.pop("Content-Type", None)
        return Served(status, body, headers)

    def _respond(self, request: Request, answer: Answer) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers of ``answer``; a weak ETag on 200 JSON, 304 if it matches."""
        headers = dict(answer.headers)
        if isinstance(answer.body, str):
            headers.setdefault("Content-Type", "text/plain")
            return answer.status, answer.body.encode(), headers
        body = json.dumps(answer.body, ensure_ascii=False).encode()
        headers.setdefault("Content-Type", "application/json")
        if answer.status == 200 and request.method == "GET":
            # Rack::ETag (Rack 2.2+): the first 32 hex digits of the body's SHA-256, weak.
            etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
            headers["ETag"] = etag
            if request.headers.get("If-None-Match") == etag:
                self.not_modified_count += 1  # rate_used already counted it, as on GitLab
                return 304, b"", headers
        return answer.status, body, headers

    def _log(self, request: Request, api_path: str, status: int) -> None:
        self.request_count += 1
        if not self.log_requests:
            return
        conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
        self.requests.append(
            LoggedRequest(
                method=request.method,
                path=api_path,
                query={key: request.args[key] for key in request.args},
                status=status,
                url_path=_raw_path(request),
                authorization=_auth_kind(request),
                query_string=unquote(request.query_string.decode("ascii", "replace")),
                conditional=conditional,
            )
        )

    def _in_api(self, raw_path: str) -> bool:
        return raw_path.startswith(self.api_root + "/")

    def _answer(self, request: Request, raw_path: str) -> Answer:
        if not self._in_api(raw_path):
            return Answer(404, {"error": "404 Not Found"})
        if _credential(request) != self.token:
            return Answer(401, payloads.error("401 Unauthorized"))
        path = raw_path.removeprefix(self.api_root)
        self.rate_used += 1
        if self.rate_used > self.rate_limit:
            wait = max(self.rate_reset - int(datetime.now(UTC).timestamp()), 1)
            return Answer(429, "Retry later\n", {"Retry-After": str(wait)})
        query = {key: request.args[key] for key in request.args}
        fault = self._take_fault(path, query, transport=False)
        if fault is not None:
            assert fault.body is not None, "an answer fault always has its body"
            return Answer(fault.status, fault.body, fault.headers)
        if request.method != "GET":
            return Answer(405, payloads.error("405 Method Not Allowed"))
        for pattern, route in self._routes():
            match = pattern.fullmatch(path)
            if match is None:
                continue
            try:
                return route(request, *(unquote(group) for group in match.groups()))
            except NotFound as missing:
                return Answer(404, payloads.error(str(missing)))
        return Answer(404, {"error": "404 Not Found"})

    def _rate_headers(self) -> dict[str, str]:
        reset = datetime.fromtimestamp(self.rate_reset, UTC)
        return {
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": str(self.rate_limit),
            "RateLimit-Observed": str(min(self.rate_used, self.rate_limit)),
            "RateLimit-Remaining": str(max(self.rate_limit - self.rate_used, 0)),
            "RateLimit-Reset": str(self.rate_reset),
            "RateLimit-ResetTime": format_datetime(reset, usegmt=True),
        }

    def _routes(self) -> Sequence[tuple[re.Pattern[str], Callable[..., Answer]]]:
        one = r"([^/]+)"  # one path segment: a namespaced path must arrive encoded
        project = rf"/projects/{one}"
        return (
            (re.compile(r"/user"), self._current_user),
            (re.compile(r"/users"), self._users),
            (re.compile(rf"/users/{one}"), self._user),
            (re.compile(rf"/users/{one}/projects"), self._user_projects),
            (re.compile(rf"/groups/{one}"), self._group),
            (re.compile(rf"/groups/{one}/subgroups"), self._subgroups),
            (re.compile(rf"/groups/{one}/projects"), self._group_projects),
            (re.compile(rf"/groups/{one}/merge_requests"), self._group_merge_requests),
            (re.compile(rf"/groups/{one}/issues"), self._group_issues),
            (re.compile(project), self._project),
            (re.compile(rf"{project}/languages"), self._languages),
            (re.compile(rf"{project}/merge_requests"), self._merge_requests),
            (re.compile(rf"{project}/repository/commits"), self._commits),
            (re.compile(rf"{project}/repository/branches/{one}"), self._branch),
            (re.compile(rf"{project}/repository/tags"), self._tags),
            (re.compile(rf"{project}/releases"), self._releases),
            (re.compile(rf"{project}/merge_requests/(\d+)/diffs"), self._merge_request_diffs),
            (re.compile(rf"{project}/merge_requests/(\d+)/changes"), self._merge_request_changes),
            (re.compile(rf"{project}/repository/commits/{one}/diff"), self._commit_diff),
            (re.compile(rf"{project}/repository/tree"), self._tree),
            (re.compile(rf"{project}/repository/files/{one}/raw"), self._raw_file),
            (re.compile(rf"{project}/deployments"), self._deployments),
            (re.compile(rf"{project}/jobs"), self._jobs),
            (re.compile(rf"{project}/issues"), self._issues),
        )

    # -- routes -------------------------------------------------------------------------

    def _current_user(self, request: Request) -> Answer:
        user = self.world.users[self.world.viewer.lower()]
        return Answer(200, payloads.current_user(user, self.world, self.urls))

    def _users(self, request: Request) -> Answer:
        wanted = request.args.get("username", "").lower()
        users = [u for u in self.world.users.values() if not wanted or u.username.lower() == wanted]
        users.sort(key=lambda u: u.id)
        return self._offset_page(request, [payloads.user_basic(u, self.urls) for u in users])

    def _user(self, request: Request, user_id: str) -> Answer:
        user = self.world.user(user_id) if user_id.isdigit() else None
        if user is None:
            raise NotFound("User")
        return Answer(200, payloads.user_basic(user, self.urls))

    def _user_projects(self, request: Request, user_id: str) -> Answer:
        user = self.world.user(user_id)
        if user is None:
            raise NotFound("User")
        projects = [
            p
            for p in self.world.projects.values()
            if p.namespace_kind == "user" and p.namespace.lower() == user.username.lower()
        ]
        return self._project_list(request, projects, keyset_allowed=True)

    def _group(self, request: Request, group_id: str) -> Answer:
        group = self._visible_group(group_id)
        return Answer(200, payloads.group(group, self.world, self.urls))

    def _subgroups(self, request: Request, group_id: str) -> Answer:
        group = self._visible_group(group_id)
        children = [
            g
            for g in self.world.subgroups(group, recursive=False)
            if self.world.can_see_group(g, self.world.viewer)
        ]
        children.sort(key=lambda g: g.full_path.lower())
        return self._offset_page(
            request, [payloads.group(g, self.world, self.urls) for g in children]
        )

    def _group_projects(self, request: Request, group_id: str) -> Answer:
        group = self._visible_group(group_id)
        namespaces = {group.full_path.lower()}
        if _flag(request.args.get("include_subgroups")):
            recursive = self.world.subgroups(group, recursive=True)
            namespaces.update(g.full_path.lower() for g in recursive)
        projects = [
            p
            for p in self.world.projects.values()
            if p.namespace_kind == "group" and p.namespace.lower() in namespaces
        ]
        return self._project_list(request, projects, keyset_allowed=False)

    def _project(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        return Answer(200, self._project_json(project))

    def _languages(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        ranked = sorted(project.languages.items(), key=lambda entry: -entry[1])
        return Answer(200, dict(ranked))

    def _merge_requests(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        if not project.merge_requests_enabled:
            return Answer(403, payloads.error("403 Forbidden"))
        return self._merge_request_list(request, [project])

    def _group_merge_requests(self, request: Request, group_id: str) -> Answer:
        """Every project's merge requests in the group and its subgroups, in one list."""
        projects = self._group_lists(request, group_id)
        return self._merge_request_list(request, [p for p in projects if p.merge_requests_enabled])

    def _merge_request_list(self, request: Request, projects: list[FakeProject]) -> Answer:
        args = request.args
        state = args.get("state", "all")
        requests = [
            (project, mr)
            for project in projects
            for mr in project.merge_requests
            if state == "all" or mr.state == state
        ]
        viewer = self.world.viewer.lower()
        scope = args.get("scope", "all")  # the default of the project and group lists
        if scope == "created_by_me":
            requests = [(p, mr) for p, mr in requests if mr.author.lower() == viewer]
        elif scope == "assigned_to_me":
            requests = [(p, mr) for p, mr in requests if viewer in map(str.lower, mr.assignees)]
        if "labels" in args:
            # GitLab: every listed label must be present; None / Any are special.
            wanted = [label.strip() for label in args["labels"].split(",") if label.strip()]
            if wanted == ["None"]:
                requests = [(p, mr) for p, mr in requests if not mr.labels]
            elif wanted == ["Any"]:
                requests = [(p, mr) for p, mr in requests if mr.labels]
            else:
                requests = [(p, mr) for p, mr in requests if set(wanted) <= set(mr.labels)]
        if "updated_after" in args:  # inclusive, as on GitLab: "updated on or after"
            after = _when(args["updated_after"])
            requests = [(p, mr) for p, mr in requests if mr.updated_at >= after]
        order_by = args.get("order_by", "created_at")
        descending = args.get("sort", "desc") == "desc"
        keys: dict[str, Callable[[Any], Any]] = {
            "created_at": lambda pair: (pair[1].created_at, pair[1].id),
            "updated_at": lambda pair: (pair[1].updated_at, pair[1].id),
            "title": lambda pair: (pair[1].title, pair[1].id),
        }
        requests.sort(key=keys.get(order_by, keys["created_at"]), reverse=descending)
        return self._offset_page(
            request,
            [payloads.merge_request(mr, p, self.world, self.urls) for p, mr in requests],
        )

    def _commits(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        ref = request.args.get("ref_name", project.default_branch or "main")
        if project.commits and ref != project.default_branch:
            return Answer(404, payloads.error("404 Commit Not Found"))
        commits = sorted(project.commits, key=lambda c: c.committed_at, reverse=True)
        if "path" in request.args:  # commits that touched this file, or anything below it
            wanted = request.args["path"].strip("/")
            commits = [c for c in commits if any(_touches(ch, wanted) for ch in c.changes)]
        if "since" in request.args:  # by committed date, inclusive ("after or on this date")
            since = _when(request.args["since"])
            commits = [c for c in commits if c.committed_at >= since]
        return self._offset_page(request, [payloads.commit(c, project, self.urls) for c in commits])

    def _branch(self, request: Request, project_id: str, name: str) -> Answer:
        """The default branch, the only one the world models, headed by its newest commit."""
        project = self._visible_project(project_id)
        if name != project.default_branch or not project.commits:
            raise NotFound("Branch")  # an empty repository has no branch yet
        return Answer(
            200,
            payloads.branch(
                name, project.commits[-1], project, self.urls, can_push=self._may_push(project)
            ),
        )

    def _tags(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        order_by = request.args.get("order_by", "updated")
        descending = request.args.get("sort", "desc") == "desc"
        if order_by == "name":
            tags = sorted(project.tags, key=lambda t: t.name, reverse=descending)
        else:  # "updated": by the tagged commit's date
            tags = sorted(
                project.tags, key=lambda t: (t.commit.committed_at, t.name), reverse=descending
            )
        return self._offset_page(request, [payloads.tag(t, project, self.urls) for t in tags])

    def _releases(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        order_by = request.args.get("order_by", "released_at")
        descending = request.args.get("sort", "desc") == "desc"
        releases = sorted(
            project.releases,
            key=lambda r: (r.created_at if order_by == "created_at" else r.released_at, r.tag),
            reverse=descending,
        )
        return self._offset_page(
            request, [payloads.release(r, project, self.world, self.urls) for r in releases]
        )

    # -- evidence signals -----------------------------------------------------------------

    def _merge_request(self, project_id: str, iid: str) -> tuple[FakeProject, FakeMergeRequest]:
        project = self._visible_project(project_id)
        found = next((mr for mr in project.merge_requests if mr.iid == int(iid)), None)
        if found is None or not project.merge_requests_enabled:
            raise NotFound("Merge Request")
        return project, found

    def _merge_request_diffs(self, request: Request, project_id: str, iid: str) -> Answer:
        if not self.merge_request_diffs:  # GitLab before 15.7: no such route
            return Answer(404, {"error": "404 Not Found"})
        _, found = self._merge_request(project_id, iid)
        return self._offset_page(request, [payloads.diff(change) for change in found.changes])

    def _merge_request_changes(self, request: Request, project_id: str, iid: str) -> Answer:
        project, found = self._merge_request(project_id, iid)
        return Answer(
            200,
            {
                **payloads.merge_request(found, project, self.world, self.urls),
                "changes_count": str(len(found.changes)),
                "overflow": False,
                "changes": [payloads.diff(change) for change in found.changes],
            },
        )

    def _commit_diff(self, request: Request, project_id: str, sha: str) -> Answer:
        project = self._visible_project(project_id)
        found = next((c for c in project.commits if c.sha == sha), None)
        if found is None:
            raise NotFound("Commit")
        return self._offset_page(request, [payloads.diff(change) for change in found.changes])

    def _tree(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        if request.args.get("ref", project.default_branch) != project.default_branch:
            raise NotFound("Tree")
        folder = request.args.get("path", "").strip("/")
        recursive = _flag(request.args.get("recursive"))
        entries = _tree_entries(project, folder, recursive=recursive)
        if not entries:
            raise NotFound("Tree")  # no such folder (GitLab: also the root of an empty repo)
        return self._offset_page(request, entries)

    def _raw_file(self, request: Request, project_id: str, file_path: str) -> Answer:
        project = self._visible_project(project_id)
        ref = request.args.get("ref", project.default_branch)
        content = project.files.get(file_path) if ref == project.default_branch else None
        if content is None:
            raise NotFound("File")
        last = next(
            c for c in reversed(project.commits) if any(_touches(x, file_path) for x in c.changes)
        )
        size = len(content.encode())
        headers = {
            "Content-Type": "text/plain; charset=utf-8",
            "X-Gitlab-Blob-Id": blob_sha(content),
            "X-Gitlab-Commit-Id": project.commits[-1].sha,
            "X-Gitlab-Content-Sha256": hashlib.sha256(content.encode()).hexdigest(),
            "X-Gitlab-Encoding": "base64",
            "X-Gitlab-File-Name": file_path.rsplit("/", 1)[-1],
            "X-Gitlab-File-Path": file_path,
            "X-Gitlab-Last-Commit-Id": last.sha,
            "X-Gitlab-Ref": ref or "",
            "X-Gitlab-Size": str(size),
            "X-Gitlab-Execute-Filemode": "false",
        }
        return Answer(200, content, headers)

    def _deployments(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        if not project.environments_enabled:
            return Answer(403, payloads.error("403 Forbidden"))
        args = request.args
        order_by = args.get("order_by", "id")
        filtered = "updated_after" in args or "updated_before" in args
        if filtered and order_by != "updated_at":
            message = (
                "400 Bad request - `updated_at` filter and `updated_at` sorting must be paired"
            )
            return Answer(400, payloads.error(message))
        found = list(project.deployments)
        if "environment" in args:
            found = [d for d in found if d.environment.name == args["environment"]]
        if "status" in args:
            found = [d for d in found if d.status == args["status"]]
        if "updated_after" in args:
            after = _when(args["updated_after"])
            found = [d for d in found if d.updated_at > after]
        if "updated_before" in args:
            before = _when(args["updated_before"])
            found = [d for d in found if d.updated_at < before]
        keys: dict[str, Callable[[Any], Any]] = {
            "id": lambda d: d.id,
            "iid": lambda d: d.iid,
            "created_at": lambda d: (d.created_at, d.id),
            "updated_at": lambda d: (d.updated_at, d.id),
            "ref": lambda d: (d.ref, d.id),
        }
        found.sort(key=keys.get(order_by, keys["id"]), reverse=args.get("sort", "asc") == "desc")
        return self._offset_page(
            request, [payloads.deployment(d, project, self.world, self.urls) for d in found]
        )

    def _jobs(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        if not project.jobs_enabled:
            return Answer(403, payloads.error("403 Forbidden"))
        scopes = request.args.getlist("scope[]") or request.args.getlist("scope")
        jobs = [job for pipeline in project.pipelines for job in pipeline.jobs]
        if scopes:
            jobs = [job for job in jobs if job.status in scopes]
        jobs.sort(key=lambda job: job.id, reverse=True)  # always newest first, as GitLab does
        return self._offset_page(
            request, [payloads.job(job, project, self.world, self.urls) for job in jobs]
        )

    def _issues(self, request: Request, project_id: str) -> Answer:
        project = self._visible_project(project_id)
        if not project.issues_enabled:
            return Answer(403, payloads.error("403 Forbidden"))
        return self._issue_list(request, [project])

    def _group_issues(self, request: Request, group_id: str) -> Answer:
        """Every project's issues in the group and its subgroups, in one list."""
        projects = self._group_lists(request, group_id)
        return self._issue_list(request, [p for p in projects if p.issues_enabled])

    def _issue_list(self, request: Request, projects: list[FakeProject]) -> Answer:
        args = request.args
        found = [(project, issue) for project in projects for issue in project.issues]
        if "issue_type" in args:
            found = [(p, i) for p, i in found if i.issue_type == args["issue_type"]]
        state = args.get("state", "all")
        if state != "all":
            found = [(p, i) for p, i in found if i.state == state]
        if "confidential" in args:
            found = [(p, i) for p, i in found if i.confidential == _flag(args["confidential"])]
        if "labels" in args:
            wanted = {label.strip() for label in args["labels"].split(",") if label.strip()}
            found = [(p, i) for p, i in found if wanted <= set(i.labels)]
        if "updated_after" in args:
            after = _when(args["updated_after"])
            found = [(p, i) for p, i in found if i.updated_at >= after]
        keys: dict[str, Callable[[Any], Any]] = {
            "created_at": lambda pair: (pair[1].created_at, pair[1].id),
            "updated_at": lambda pair: (pair[1].updated_at, pair[1].id),
        }
        order = keys.get(args.get("order_by", "created_at"), keys["created_at"])
        found.sort(key=order, reverse=args.get("sort", "desc") == "desc")
        return self._offset_page(
            request, [payloads.issue(i, p, self.world, self.urls) for p, i in found]
        )

    # -- helpers --------------------------------------------------------------------------

    def _project_json(self, project: FakeProject) -> JsonDict:
        return payloads.project(project, self.world, self.urls, self.world.viewer)

    def _may_push(self, project: FakeProject) -> bool:
        """The viewer owns the project's namespace or is a member of its group."""
        viewer = self.world.viewer.lower()
        if project.namespace_kind == "user":
            return project.namespace.lower() == viewer
        return self.world.is_member(project.namespace, viewer)

    def _visible_group(self, group_id: str) -> FakeGroup:
        group = self.world.group(group_id)
        if group is None or not self.world.can_see_group(group, self.world.viewer):
            raise NotFound("Group")
        return group

    def _visible_project(self, project_id: str) -> FakeProject:
        project = self.world.project(project_id)
        if project is None or not self.world.can_see(project, self.world.viewer):
            raise NotFound("Project")  # GitLab answers 404, not 403, for what you may not see
        return project

    def _group_lists(self, request: Request, group_id: str) -> list[FakeProject]:
        """The projects a group-level list covers: the group's and every subgroup's that
        the viewer can see, archived ones only with ``non_archived=false`` (GitLab's
        default is true); projects shared into the group are not among them."""
        group = self._visible_group(group_id)
        namespaces = {group.full_path.lower()}
        namespaces.update(g.full_path.lower() for g in self.world.subgroups(group, recursive=True))
        archived_too = not _flag(request.args.get("non_archived", "true"))
        return [
            p
            for p in self.world.projects.values()
            if p.namespace_kind == "group"
            and p.namespace.lower() in namespaces
            and self.world.can_see(p, self.world.viewer)
            and (archived_too or not p.archived)
        ]

    def _project_list(
        self, request: Request, projects: list[FakeProject], *, keyset_allowed: bool
    ) -> Answer:
        args = request.args
        projects = [p for p in projects if self.world.can_see(p, self.world.viewer)]
        if "visibility" in args:
            projects = [p for p in projects if p.visibility == args["visibility"]]
        if "archived" in args:
            projects = [p for p in projects if p.archived == _flag(args["archived"])]
        order_by = args.get("order_by", "created_at")
        descending = args.get("sort", "desc") == "desc"
        keys: dict[str, Callable[[FakeProject], Any]] = {
            "id": lambda p: p.id,
            "name": lambda p: (p.name.lower(), p.id),
            "path": lambda p: (p.path.lower(), p.id),
            "created_at": lambda p: (p.created_at, p.id),
            "last_activity_at": lambda p: (p.last_activity_at, p.id),
        }
        projects.sort(key=keys.get(order_by, keys["created_at"]), reverse=descending)
        if args.get("pagination") == "keyset":
            if not keyset_allowed or order_by != "id":
                message = "405 Keyset pagination is not yet available for this type of request"
                return Answer(405, payloads.error(message))
            return self._keyset_page(request, projects, descending=descending)
        return self._offset_page(request, [self._project_json(p) for p in projects])

    @property
    def _link_root(self) -> str:
        """The API root as the instance names it in links (its external_url)."""
        return f"{self.external_url}{self.api_root}" if self.external_url else self.api_url

    def _per_page(self, request: Request) -> int:
        return min(max(query_int(request.args.get("per_page"), 20), 1), MAX_PER_PAGE)

    def _offset_page(self, request: Request, entries: list[JsonDict]) -> Answer:
        per_page = self._per_page(request)
        page = max(query_int(request.args.get("page"), 1), 1)
        last = max((len(entries) + per_page - 1) // per_page, 1)
        chunk = entries[(page - 1) * per_page : page * per_page]
        links = dict(self._page_links(request, page, last))
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": str(page + 1) if page < last else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
            "X-Total": str(len(entries)),
            "X-Total-Pages": str(last),
            "Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items()),
        }
        return Answer(200, chunk, headers)

    def _keyset_page(
        self, request: Request, projects: list[FakeProject], *, descending: bool
    ) -> Answer:
        """GitLab's keyset pages: ``id_after``/``id_before`` and only a ``Link: rel=next``."""
        per_page = self._per_page(request)
        if "id_after" in request.args:
            after = query_int(request.args["id_after"], 0)
            projects = [p for p in projects if p.id > after]
        if "id_before" in request.args:
            before = query_int(request.args["id_before"], 0)
            projects = [p for p in projects if p.id < before]
        chunk = projects[:per_page]
        headers: dict[str, str] = {}
        if len(projects) > per_page:
            cursor = "id_before" if descending else "id_after"
            query = [
                (key, value)
                for key, value in request.args.items(multi=True)
                if key not in ("id_after", "id_before")
            ]
            next_url = f"{self._link_root}{_raw_path(request).removeprefix(self.api_root)}?" + (
                urlencode([*query, (cursor, str(chunk[-1].id))])
            )
            headers["Link"] = f'<{next_url}>; rel="next"'
        return Answer(200, [self._project_json(p) for p in chunk], headers)

    def _page_links(self, request: Request, page: int, last: int) -> Iterator[tuple[str, str]]:
        def to(number: int) -> str:
            query = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
            target = f"{self._link_root}{_raw_path(request).removeprefix(self.api_root)}"
            return f"{target}?{urlencode([('page', str(number)), *query])}"

        if page > 1:
            yield "prev", to(page - 1)
        if page < last:
            yield "next", to(page + 1)
        yield "first", to(1)
        yield "last", to(last)


_REASONS = {
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    409: "409 Conflict",
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
}


def _touches(change: FakeChange, path: str) -> bool:
    return any(p == path or p.startswith(path + "/") for p in (change.old_path, change.new_path))


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _tree_entries(project: FakeProject, folder: str, *, recursive: bool) -> list[JsonDict]:
    """A folder's entries as GitLab lists them: folders first, then files, by name."""
    prefix = f"{folder}/" if folder else ""
    folders: set[str] = set()
    files: list[str] = []
    for path in project.files:
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        for depth in range(1, len(parts) if recursive else min(len(parts), 2)):
            folders.add(prefix + "/".join(parts[:depth]))
        if recursive or len(parts) == 1:
            files.append(path)

    def folder_sha(path: str) -> str:
        inside = sorted(
            blob_sha(content) for name, content in project.files.items() if name.startswith(path)
        )
        return fake_sha(project.path_with_namespace, "tree", path, *inside)

    return [
        *(payloads.tree_entry(p, folder=True, sha=folder_sha(p + "/")) for p in sorted(folders)),
        *(
            payloads.tree_entry(p, folder=False, sha=blob_sha(project.files[p]))
            for p in sorted(files)
        ),
    ]


def _raw_path(request: Request) -> str:
    """The path exactly as sent: werkzeug's ``request.path`` decodes %2F into a slash."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    return str(raw).split("?", 1)[0]


def _credential(request: Request) -> str | None:
    if "PRIVATE-TOKEN" in request.headers:
        return request.headers["PRIVATE-TOKEN"]
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    return credential if scheme.lower() == "bearer" else None


def _auth_kind(request: Request) -> str:
    if "PRIVATE-TOKEN" in request.headers:
        return "private-token"
    return "bearer" if request.headers.get("Authorization") else "none"


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")
