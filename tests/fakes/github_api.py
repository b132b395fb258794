"""A fake GitHub REST API on a real local HTTP server, serving a ``GitHubWorld``.

    world = GitHubWorld(viewer="dana-dev")
    world.add_repo("dana-dev/ledger").add_pull(title="First", merged=True)
    with FakeGitHub(world, token="t0ken") as fake:          # started on 127.0.0.1
        forge = GitHubForge(source_config(fake.api_url), "t0ken")
        ...
        assert fake.paths() == ["/users/dana-dev/repos", ...]

What it does like GitHub: token authentication (``token X`` or ``Bearer X``;
anything else is a 401 "Bad credentials"), ``per_page``/``page`` pagination
with absolute ``Link`` headers, the filters and sort orders of the list
endpoints, rate-limit headers on every answer and a primary limit that runs
out (``rate_limit``), GitHub-shaped error bodies, 409 for the commits of an
empty repository, private repositories hidden from those who may not see them,
and an optional ``/api/v3`` prefix as on GitHub Enterprise Server.

Every request is logged (``requests``) so tests can assert exactly what a
client asked for. ``fail()`` makes chosen paths answer an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.fakes import github_payloads as payloads
from tests.fakes.github_payloads import JsonDict, Urls
from tests.fakes.github_world import FakeRepo, GitHubWorld

# 2099-01-01 12:34 UTC: far enough that no client waits for it, and easy to assert.
DEFAULT_RATE_RESET = int(datetime(2099, 1, 1, 12, 34, tzinfo=UTC).timestamp())
RATE_LIMIT_MESSAGE = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
    "please include the request ID 0000:0000:0000000:0000000:00000000."
)
Body = JsonDict | list[JsonDict] | dict[str, int]


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # relative to the API root: /repos/o/r/pulls, whatever the prefix
    query: dict[str, str]
    status: int
    url_path: str  # exactly as received, prefix included


@dataclass
class Fault:
    path: str
    status: int
    body: Body
    headers: dict[str, str]
    times: int | None  # None: every time


@dataclass
class Answer:
    status: int
    body: Body
    headers: dict[str, str] = field(default_factory=dict)


class _LocalServer(HTTPServer):
    """pytest-httpserver's server, polling for shutdown often so a test's teardown is instant."""

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.01)


class NotFound(Exception):
    """Raised by a route: answer GitHub's 404."""


class FakeGitHub:
    """Serves ``world`` to clients holding ``token``; the token acts as ``world.viewer``."""

    def __init__(
        self,
        world: GitHubWorld,
        *,
        token: str,
        prefix: str = "",
        web_url: str | None = None,
        rate_limit: int = 5000,
        rate_reset: int = DEFAULT_RATE_RESET,
        rate_limit_status: int = 403,
    ) -> None:
        """``prefix``: e.g. "/api/v3" for GitHub Enterprise Server; ``web_url`` defaults to
        https://github.com, or to the server's own root when a prefix is set (as on GHES)."""
        self.world = world
        self.token = token
        self.prefix = prefix.rstrip("/")
        self.rate_limit = rate_limit
        self.rate_reset = rate_reset
        self.rate_limit_status = rate_limit_status
        self.rate_used = 0
        self.requests: list[LoggedRequest] = []
        self._web_url = web_url
        self._faults: list[Fault] = []
        self._server = _LocalServer(host="127.0.0.1", port=0)

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        self._server.expect_request(re.compile(r".*")).respond_with_handler(self._handle)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server.is_running():
            self._server.stop()
        # A bug in the fake must fail the test, not hide as a 500 the client shrugs off.
        self._server.check_handler_errors()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.stop()
        elif self._server.is_running():
            self._server.stop()

    # -- what tests read and steer ----------------------------------------------------

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def api_url(self) -> str:
        return self.root_url + self.prefix

    @property
    def web_url(self) -> str:
        if self._web_url is not None:
            return self._web_url
        return self.root_url if self.prefix else "https://github.com"

    @property
    def urls(self) -> Urls:
        return Urls(api=self.api_url, web=self.web_url)

    def paths(self) -> list[str]:
        """Paths requested so far, in order, relative to the API root."""
        return [request.path for request in self.requests]

    def requests_to(self, path: str) -> list[LoggedRequest]:
        return [request for request in self.requests if request.path == path]

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
        body = payloads.error(message or _REASONS.get(status, "Error"), status)
        self.override(path, status, body, times=times, headers=headers)

    def override(
        self,
        path: str,
        status: int,
        body: Body,
        *,
        times: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``path`` with exactly this, instead of what the world says."""
        self._faults.append(Fault(path, status, body, dict(headers or {}), times))

    # -- serving --------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        answer = self._answer(request)
        path = request.path
        api_path = path[len(self.prefix) :] if path.startswith(self.prefix + "/") else path
        self.requests.append(
            LoggedRequest(
                method=request.method,
                path=api_path,
                query={key: request.args[key] for key in request.args},
                status=answer.status,
                url_path=path,
            )
        )
        headers = {
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": f"FAKE:{len(self.requests):08X}",
            **self._rate_headers(),
            **answer.headers,
        }
        return Response(
            json.dumps(answer.body, ensure_ascii=False),
            status=answer.status,
            headers=headers,
            content_type="application/json; charset=utf-8",
        )

    def _answer(self, request: Request) -> Answer:
        if not request.path.startswith(self.prefix + "/"):
            return Answer(404, payloads.error("Not Found", 404))
        auth = self._authenticate(request.headers.get("Authorization"))
        if auth is not None:
            return auth
        path = request.path[len(self.prefix) :]
        if self.rate_used >= self.rate_limit:
            body = payloads.error(RATE_LIMIT_MESSAGE, self.rate_limit_status)
            return Answer(self.rate_limit_status, body)
        self.rate_used += 1
        fault = self._take_fault(path)
        if fault is not None:
            return Answer(fault.status, fault.body, fault.headers)
        if request.method != "GET":
            return Answer(404, payloads.error("Not Found", 404))
        for pattern, route in self._routes():
            match = pattern.fullmatch(path)
            if match is None:
                continue
            try:
                return route(request, *match.groups())
            except NotFound:
                return Answer(404, payloads.error("Not Found", 404))
        return Answer(404, payloads.error("Not Found", 404))

    def _authenticate(self, header: str | None) -> Answer | None:
        if not header:
            return Answer(401, payloads.error("Requires authentication", 401))
        scheme, _, credential = header.partition(" ")
        if scheme.lower() in ("token", "bearer") and credential == self.token:
            return None
        return Answer(401, payloads.error("Bad credentials", 401))

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.path == path and (fault.times is None or fault.times > 0):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def _rate_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(self.rate_limit - self.rate_used, 0)),
            "X-RateLimit-Used": str(self.rate_used),
            "X-RateLimit-Reset": str(self.rate_reset),
            "X-RateLimit-Resource": "core",
        }

    def _routes(self) -> Sequence[tuple[re.Pattern[str], Callable[..., Answer]]]:
        segment = r"([^/]+)"
        repo = rf"/repos/{segment}/{segment}"
        return (
            (re.compile(r"/user"), self._viewer),
            (re.compile(r"/user/repos"), self._viewer_repos),
            (re.compile(rf"/users/{segment}"), self._user),
            (re.compile(rf"/users/{segment}/repos"), self._user_repos),
            (re.compile(rf"/orgs/{segment}"), self._org),
            (re.compile(rf"/orgs/{segment}/repos"), self._org_repos),
            (re.compile(repo), self._repo),
            (re.compile(rf"{repo}/languages"), self._languages),
            (re.compile(rf"{repo}/pulls"), self._pulls),
            (re.compile(rf"{repo}/commits"), self._commits),
            (re.compile(rf"{repo}/releases"), self._releases),
            (re.compile(rf"{repo}/tags"), self._tags),
        )

    # -- routes -------------------------------------------------------------------------

    def _viewer(self, request: Request) -> Answer:
        account = self.world.accounts[self.world.viewer.lower()]
        return Answer(200, payloads.private_user(account, self.world, self.urls))

    def _user(self, request: Request, login: str) -> Answer:
        account = self.world.account(login)
        if account is None:
            raise NotFound
        return Answer(200, payloads.account_user(account, self.urls))

    def _org(self, request: Request, login: str) -> Answer:
        account = self.world.account(login)
        if account is None or not account.is_org:
            raise NotFound
        return Answer(200, payloads.organization(account, self.urls))

    def _user_repos(self, request: Request, login: str) -> Answer:
        # Public repositories only, even when the viewer asks about themself.
        if self.world.account(login) is None:
            raise NotFound
        kind = request.args.get("type", "owner")
        owned = [repo for repo in self.world.owned_by(login) if not repo.private]
        repos = [] if kind == "member" else owned
        return self._repo_page(request, repos, default_sort="full_name")

    def _viewer_repos(self, request: Request) -> Answer:
        args = request.args
        if "type" in args and ("visibility" in args or "affiliation" in args):
            message = "If you specify visibility or affiliation, you cannot specify type."
            return Answer(422, payloads.error(message, 422))
        viewer = self.world.viewer.lower()
        affiliation = set(
            args.get("affiliation", "owner,collaborator,organization_member").split(",")
        )
        wants_owned = "owner" in affiliation
        wants_org = "organization_member" in affiliation
        repos: list[FakeRepo] = []
        for repo in self.world.repos.values():
            owner = self.world.accounts[repo.owner.lower()]
            owned = owner.login.lower() == viewer
            via_org = owner.is_org and viewer in owner.members
            if (wants_owned and owned) or (wants_org and via_org):
                repos.append(repo)
        visibility = args.get("visibility", "all")
        if visibility != "all":
            repos = [
                repo for repo in repos if (repo.visibility == "public") == (visibility == "public")
            ]
        return self._repo_page(request, repos, default_sort="full_name")

    def _org_repos(self, request: Request, login: str) -> Answer:
        account = self.world.account(login)
        if account is None or not account.is_org:
            raise NotFound
        repos = [
            repo
            for repo in self.world.owned_by(login)
            if self.world.can_see(repo, self.world.viewer)
        ]
        kind = request.args.get("type", "all")
        filters: dict[str, Callable[[FakeRepo], bool]] = {
            "public": lambda repo: not repo.private,
            "private": lambda repo: repo.private,
            "forks": lambda repo: repo.fork,
            "sources": lambda repo: not repo.fork,
            "member": lambda repo: self.world.viewer.lower() in account.members,
        }
        selected = filters.get(kind)
        if selected is not None:
            repos = [repo for repo in repos if selected(repo)]
        return self._repo_page(request, repos, default_sort="created")

    def _repo(self, request: Request, owner: str, name: str) -> Answer:
        repo = self._visible_repo(owner, name)
        return Answer(200, payloads.repository(repo, self.world, self.urls, full=True))

    def _languages(self, request: Request, owner: str, name: str) -> Answer:
        repo = self._visible_repo(owner, name)
        ranked = sorted(repo.languages.items(), key=lambda entry: -entry[1])
        return Answer(200, dict(ranked))

    def _pulls(self, request: Request, owner: str, name: str) -> Answer:
        repo = self._visible_repo(owner, name)
        args = request.args
        state = args.get("state", "open")
        pulls = [pr for pr in repo.pulls if state == "all" or pr.state == state]
        if "base" in args:
            pulls = [pr for pr in pulls if pr.base_ref == args["base"]]
        sort = args.get("sort", "created")
        # GitHub: desc by default when sorting by creation, asc otherwise.
        descending = args.get("direction", "desc" if sort == "created" else "asc") == "desc"
        if sort == "updated":
            pulls.sort(key=lambda pr: (pr.updated_at, pr.number), reverse=descending)
        else:
            pulls.sort(key=lambda pr: (pr.created_at, pr.number), reverse=descending)
        return self._page(request, [payloads.pull(pr, repo, self.world, self.urls) for pr in pulls])

    def _commits(self, request: Request, owner: str, name: str) -> Answer:
        repo = self._visible_repo(owner, name)
        if not repo.commits:
            message = "Git Repository is empty."
            return Answer(409, payloads.error(message, 409, f"{payloads.DOCS}/commits/commits"))
        sha = request.args.get("sha", repo.default_branch)
        if sha != repo.default_branch and sha not in {commit.sha for commit in repo.commits}:
            return Answer(404, payloads.error(f"No commit found for SHA: {sha}", 404))
        commits = sorted(repo.commits, key=lambda commit: commit.committed_at, reverse=True)
        if "since" in request.args:
            since = datetime.fromisoformat(request.args["since"])
            commits = [commit for commit in commits if commit.committed_at >= since]
        return self._page(request, [payloads.commit(commit, repo, self.urls) for commit in commits])

    def _releases(self, request: Request, owner: str, name: str) -> Answer:
        repo = self._visible_repo(owner, name)
        releases = sorted(repo.releases, key=lambda release: release.created_at, reverse=True)
        return self._page(request, [payloads.release(entry, repo, self.urls) for entry in releases])

    def _tags(self, request: Request, owner: str, name: str) -> Answer:
        repo = self._visible_repo(owner, name)
        tags = sorted(repo.tags, key=lambda tag: tag.name, reverse=True)
        return self._page(request, [payloads.tag(tag, repo, self.urls) for tag in tags])

    # -- helpers --------------------------------------------------------------------------

    def _visible_repo(self, owner: str, name: str) -> FakeRepo:
        repo = self.world.repo(f"{owner}/{name}")
        if repo is None or not self.world.can_see(repo, self.world.viewer):
            raise NotFound  # GitHub answers 404, not 403, for what you may not see
        return repo

    def _repo_page(self, request: Request, repos: list[FakeRepo], *, default_sort: str) -> Answer:
        sort = request.args.get("sort", default_sort)
        keys: dict[str, Callable[[FakeRepo], Any]] = {
            "full_name": lambda repo: repo.full_name.lower(),
            "created": lambda repo: repo.created_at,
            "updated": lambda repo: repo.updated_at,
            "pushed": lambda repo: repo.pushed_at,
        }
        default_direction = "asc" if sort == "full_name" else "desc"
        descending = request.args.get("direction", default_direction) == "desc"
        repos = sorted(repos, key=keys.get(sort, keys["full_name"]), reverse=descending)
        entries = [payloads.repository(repo, self.world, self.urls) for repo in repos]
        return self._page(request, entries)

    def _page(self, request: Request, entries: list[JsonDict]) -> Answer:
        per_page = min(max(_int(request.args.get("per_page"), 30), 1), 100)
        page = max(_int(request.args.get("page"), 1), 1)
        last = max((len(entries) + per_page - 1) // per_page, 1)
        chunk = entries[(page - 1) * per_page : page * per_page]
        links = dict(self._page_links(request, page, last))
        headers = {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())}
        return Answer(200, chunk, headers if links else {})

    def _page_links(self, request: Request, page: int, last: int) -> Iterator[tuple[str, str]]:
        def to(number: int) -> str:
            query = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
            return f"{self.root_url}{request.path}?{urlencode([*query, ('page', str(number))])}"

        if page > 1:
            yield "prev", to(min(page - 1, last))
        if page < last:
            yield "next", to(page + 1)
            yield "last", to(last)
        if page > 1:
            yield "first", to(1)


_REASONS = {
    401: "Bad credentials",
    403: "Resource not accessible by personal access token",
    404: "Not Found",
    409: "Conflict",
    422: "Validation Failed",
    451: "Repository access blocked",
    500: "Server Error",
    502: "Server Error",
}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
