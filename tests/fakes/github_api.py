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

Conditional requests as on GitHub: every 200 carries a weak ``ETag`` computed
from its body; a request whose ``If-None-Match`` matches is answered ``304 Not
Modified`` with no body, and a 304 does not count against the rate limit.

Every request is logged (``requests``) so tests can assert exactly what a
client asked for. ``fail()`` makes chosen paths answer an error; ``hang()``,
``reset()``, ``truncate()`` and ``block()`` misbehave at the transport level
(no answer in time, a connection reset, a body cut short, an answer held until
the test lets it go). ``latency`` delays every answer, for benchmarks. The
server around the routes is ``tests.fakes.server.FakeServer``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from werkzeug import Request

from tests.fakes import github_payloads as payloads
from tests.fakes.github_payloads import JsonDict, Urls
from tests.fakes.github_signal_api import signal_routes
from tests.fakes.github_world import FakeRepo, GitHubWorld
from tests.fakes.server import FakeServer, Fault, Served, query_int

# 2099-01-01 12:34 UTC: far enough that no client waits for it, and easy to assert.
DEFAULT_RATE_RESET = int(datetime(2099, 1, 1, 12, 34, tzinfo=UTC).timestamp())
RATE_LIMIT_MESSAGE = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
    "please include the request ID 0000:0000:0000000:0000000:00000000."
)
Body = JsonDict | list[JsonDict] | dict[str, int]
_NEVER = datetime.min.replace(tzinfo=UTC)
T = TypeVar("T")


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # relative to the API root: /repos/o/r/pulls, whatever the prefix
    query: dict[str, str]
    status: int  # 0: no answer (the connection was reset)
    url_path: str  # exactly as received, prefix included
    conditional: bool = False  # sent If-None-Match or If-Modified-Since


@dataclass
class Answer:
    status: int
    body: Body | None
    headers: dict[str, str] = field(default_factory=dict)


class NotFound(Exception):
    """Raised by a route: answer GitHub's 404."""


class FakeGitHub(FakeServer[Body, LoggedRequest]):
    """Serves ``world`` to clients holding ``token``; the token acts as ``world.viewer``."""

    forge = "GitHub"
    # A fault of any kind is taken on arrival, before the token and the rate limit are checked.
    answer_faults_after_checks = False

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
        latency: float = 0.0,
        log_requests: bool = True,
    ) -> None:
        """``prefix``: e.g. "/api/v3" for GitHub Enterprise Server; ``web_url`` defaults to
        https://github.com, or to the server's own root when a prefix is set (as on GHES).
        ``latency``: seconds every answer is delayed. ``log_requests=False`` keeps only
        the counters (for benchmarks with tens of thousands of requests)."""
        super().__init__(latency=latency, log_requests=log_requests)
        self.world = world
        self.token = token
        self.prefix = prefix.rstrip("/")
        self.rate_limit = rate_limit
        self.rate_reset = rate_reset
        self.rate_limit_status = rate_limit_status
        self._web_url = web_url

    # -- what tests read and steer ----------------------------------------------------

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

    # -- serving --------------------------------------------------------------------------

    def _api_path(self, request: Request) -> str:
        path = request.path
        return path[len(self.prefix) :] if path.startswith(self.prefix + "/") else path

    def _serve(self, request: Request, api_path: str, fault: Fault[Body] | None) -> Served:
        answer = self._answer(request, fault)
        body = b"" if answer.body is None else json.dumps(answer.body, ensure_ascii=False).encode()
        extra: dict[str, str] = {}
        if answer.status == 200 and request.method == "GET":
            etag = f'W/"{hashlib.sha256(body).hexdigest()[:40]}"'
            extra["ETag"] = etag
            if request.headers.get("If-None-Match") == etag:
                # Unchanged since the client's copy: no body, and no rate limit spent.
                answer, body = Answer(304, None, answer.headers), b""
                self.rate_used -= 1
                self.not_modified_count += 1
        self._log(request, api_path, answer.status)
        headers = {
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": f"FAKE:{self.request_count:08X}",
            **self._rate_headers(),
            **extra,
            **answer.headers,
        }
        if answer.status == 304:
            headers.pop("Link", None)
        return Served(answer.status, body, headers, "application/json; charset=utf-8")

    def _log(self, request: Request, api_path: str, status: int) -> None:
        self.request_count += 1
        if self.log_requests:
            conditional = (
                "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
            )
            self.requests.append(
                LoggedRequest(
                    method=request.method,
                    path=api_path,
                    query={key: request.args[key] for key in request.args},
                    status=status,
                    url_path=request.path,
                    conditional=conditional,
                )
            )

    def _answer(self, request: Request, fault: Fault[Body] | None) -> Answer:
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
        if fault is not None and fault.behaviour == "answer":
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
            (re.compile(rf"{repo}/pulls/([0-9]+)"), self._pull),
            (re.compile(rf"{repo}/commits"), self._commits),
            (re.compile(rf"{repo}/releases"), self._releases),
            (re.compile(rf"{repo}/tags"), self._tags),
            *signal_routes(self, repo),
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
        # Only the asked page is turned into JSON: the fake stays fast on big worlds.
        shown = payloads.repository(repo, self.world, self.urls)
        return self._page(
            request,
            pulls,
            lambda pr: payloads.pull(pr, repo, self.world, self.urls, repo_payload=shown),
        )

    def _pull(self, request: Request, owner: str, name: str, number: str) -> Answer:
        repo = self._visible_repo(owner, name)
        for pr in repo.pulls:
            if pr.number == int(number):
                return Answer(200, payloads.pull_detail(pr, repo, self.world, self.urls))
        raise NotFound

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
        if "path" in request.args:
            touched = repo.signals.files.get(request.args["path"])
            shas = set(touched.commits) if touched is not None else set()
            commits = [commit for commit in commits if commit.sha in shas]
        return self._page(request, commits, lambda commit: payloads.commit(commit, repo, self.urls))

    def _releases(self, request: Request, owner: str, name: str) -> Answer:
        repo = self._visible_repo(owner, name)
        releases = sorted(repo.releases, key=lambda release: release.created_at, reverse=True)
        return self._page(request, releases, lambda entry: payloads.release(entry, repo, self.urls))

    def _tags(self, request: Request, owner: str, name: str) -> Answer:
        repo = self._visible_repo(owner, name)
        tags = sorted(repo.tags, key=lambda tag: tag.name, reverse=True)
        return self._page(request, tags, lambda tag: payloads.tag(tag, repo, self.urls))

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
            "pushed": lambda repo: repo.pushed_at or _NEVER,  # never pushed: oldest
        }
        default_direction = "asc" if sort == "full_name" else "desc"
        descending = request.args.get("direction", default_direction) == "desc"
        repos = sorted(repos, key=keys.get(sort, keys["full_name"]), reverse=descending)
        return self._page(
            request, repos, lambda repo: payloads.repository(repo, self.world, self.urls)
        )

    def _page(
        self, request: Request, entries: Sequence[T], to_json: Callable[[T], JsonDict]
    ) -> Answer:
        per_page = min(max(query_int(request.args.get("per_page"), 30), 1), 100)
        page = max(query_int(request.args.get("page"), 1), 1)
        last = max((len(entries) + per_page - 1) // per_page, 1)
        chunk = [to_json(entry) for entry in entries[(page - 1) * per_page : page * per_page]]
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
