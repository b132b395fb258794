"""The GitHub source: repositories and their items, read page by page through PyGithub.

List endpoints are read through PyGithub's public requester rather than its
``PaginatedList``: one call per page, the ``Link`` header followed by hand.
That keeps every request visible, so we can count them, read the rate-limit
headers of each response and (later) send conditional requests and stop at a
cursor. Raw JSON is mapped straight into records (``collector.github_mapping``);
no PyGithub object is built, so nothing can trigger a lazy per-item request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededException
from pydantic import ValidationError

from collector import github_mapping as mapping
from collector.records import Item, Kind, RepoRef, Repository
from collector.sources import RepositoryUnavailable, RequestStats
from config.models import GitHubSource
from evidence.errors import SourceError

PAGE_SIZE = 100
USER_AGENT = "evidence-ledger"
# GitHub asks for at least a minute before retrying after a secondary rate limit.
SECONDARY_RATE_WAIT = 60.0
# Exponential backoff between retries of server errors and dropped connections: 0s, 1s, 2s, ...
RETRY_BACKOFF = 0.5
# Statuses that make one repository unreadable without saying anything about the others.
REPOSITORY_GONE = {
    403: "access refused (403)",
    404: "not found (404): deleted, renamed or no longer visible to the token",
    409: "conflict (409)",
    451: "unavailable for legal reasons (451)",
}

_LINK = re.compile(r'<(?P<url>[^>]*)>\s*;\s*rel="(?P<rel>[^"]*)"')
_RETRIED_STATUS = re.compile(r"too many (\d{3}) error responses")  # urllib3's wording
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

Json = Mapping[str, Any]


class GitHubForge:
    """One configured GitHub (or GitHub Enterprise Server) account set."""

    kinds: Sequence[Kind] = (Kind.MERGE_REQUEST, Kind.COMMIT, Kind.RELEASE, Kind.TAG)

    def __init__(
        self,
        config: GitHubSource,
        token: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        max_rate_limit_wait: float = 60.0,
    ) -> None:
        """``max_rate_limit_wait``: longest sleep for a rate limit to reset; beyond it we stop."""
        self.name = config.source_name
        self.warnings: list[str] = []
        self._config = config
        self._stats = RequestStats()
        self._timeout = timeout
        self._retries = retries
        # Until one request has succeeded, a 403 says the token itself is refused.
        self._answered = False
        if not token:
            raise SourceError(self.name, f"{config.token_env} is empty; export a GitHub token")
        self._github = Github(
            base_url=config.api_url,
            auth=Auth.Token(token),
            per_page=PAGE_SIZE,
            timeout=math.ceil(timeout),
            user_agent=USER_AGENT,
            retry=GithubRetry(
                total=retries,
                backoff_factor=RETRY_BACKOFF,
                secondary_rate_wait=SECONDARY_RATE_WAIT,
                # Without a cap, an exhausted primary limit sleeps until it resets
                # (up to an hour); past the cap PyGithub raises and we stop cleanly.
                max_rate_limit_wait=max_rate_limit_wait,
            ),
            # Read-only and strictly serial, which is what GitHub asks of clients;
            # PyGithub's default 0.25 s pause between reads buys nothing on top.
            seconds_between_requests=None,
        )
        api = urlsplit(config.api_url)
        self._api_scheme, self._api_netloc = api.scheme, api.netloc
        self._api_prefix = api.path.rstrip("/")

    # -- the ForgeSource interface ------------------------------------------------

    @property
    def stats(self) -> RequestStats:
        return self._stats

    def close(self) -> None:
        self._github.close()

    def repositories(self) -> Iterator[Repository]:
        seen: set[str] = set()
        for scope, path, params in self._listing_scopes():
            try:
                for page in self._pages(path, params):
                    for raw in page:
                        repository = self._keep(raw, seen, scope)
                        if repository is not None:
                            yield repository
            except GithubException as exc:
                self._scope_failed(scope, exc, path)
        for full_name in self._config.repos:
            if full_name.lower() in seen:
                continue  # already listed through a user or org: no need to ask again
            scope = f"repo {full_name}"
            path = "/repos/" + "/".join(quote(part, safe="") for part in full_name.split("/"))
            try:
                _, raw = self._get(path)
            except GithubException as exc:
                self._scope_failed(scope, exc, path)
                continue
            if not isinstance(raw, Mapping):
                self.warnings.append(f"{scope}: unexpected answer from {self._host}; skipped")
                continue
            repository = self._keep(raw, seen, scope)
            if repository is not None:
                yield repository

    def items(self, repository: Repository, kind: Kind) -> Iterator[Sequence[Item]]:
        owner, _, name = repository.ref.path.partition("/")
        base = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        ref = repository.ref
        path, params, to_item = self._item_endpoint(kind, base, repository)
        try:
            for page in self._pages(path, params):
                try:
                    records = [to_item(raw) for raw in page]
                except (KeyError, TypeError, ValueError) as exc:  # ValidationError included
                    reason = f"unexpected {kind.value} data from {self._host}: {_short(exc)}"
                    raise RepositoryUnavailable(ref.path, reason) from None
                if records:
                    yield records
        except GithubException as exc:
            if exc.status == 409 and kind is Kind.COMMIT:
                return  # an empty repository has no commits to list, and that is fine
            if exc.status in REPOSITORY_GONE:
                reason = REPOSITORY_GONE[exc.status]
                if exc.status in (403, 409):
                    reason = f"{reason}: {_message(exc)}"
                raise RepositoryUnavailable(ref.path, reason) from None
            raise self._unexpected(exc, path) from None

    # -- scopes and repositories ----------------------------------------------------

    def _listing_scopes(self) -> Iterator[tuple[str, str, dict[str, str]]]:
        viewer = (
            self._viewer_login() if self._config.include_private and self._config.users else None
        )
        for user in self._config.users:
            if viewer is not None and viewer.lower() == user.lower():
                # Only the owner's own listing shows their private repositories.
                params = {"affiliation": "owner", "visibility": "all", "sort": "full_name"}
                yield f"user {user}", "/user/repos", params
            else:
                params = {"type": "owner", "sort": "full_name"}
                yield f"user {user}", f"/users/{quote(user, safe='')}/repos", params
        for org in self._config.orgs:
            params = {"type": "all", "sort": "full_name"}
            yield f"org {org}", f"/orgs/{quote(org, safe='')}/repos", params

    def _viewer_login(self) -> str | None:
        """Login the token belongs to, or None when GitHub will not say (app tokens)."""
        try:
            _, data = self._get("/user", token_check=False)
        except GithubException as exc:
            self.warnings.append(
                f"could not tell which user the token in {self._config.token_env} belongs to "
                f"({exc.status}); private repositories of users are not listed"
            )
            return None
        found = mapping.text(data, "login") if isinstance(data, Mapping) else ""
        return found or None

    def _keep(self, raw: Json, seen: set[str], scope: str) -> Repository | None:
        """Map a listed repository if the policy keeps it and no other scope did."""
        full_name = mapping.text(raw, "full_name")
        if not full_name or full_name.lower() in seen:
            return None
        seen.add(full_name.lower())
        config = self._config
        if mapping.is_private(raw) and not config.include_private:
            if full_name.lower() in {name.lower() for name in config.repos}:
                self.warnings.append(
                    f"repo {full_name}: is private; set include_private = true to collect it"
                )
            return None
        if raw.get("fork") and not config.include_forks:
            return None
        if raw.get("archived") and not config.include_archived:
            return None
        languages = self._languages(full_name)
        try:
            return mapping.repository(raw, host=config.host, source=self.name, languages=languages)
        except (ValidationError, TypeError, ValueError) as exc:
            self.warnings.append(
                f"{scope}: repository {full_name} has unexpected data ({_short(exc)}); skipped"
            )
            return None

    def _languages(self, full_name: str) -> dict[str, int]:
        # The repository lists carry only the main language, not the breakdown.
        owner, _, name = full_name.partition("/")
        path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}/languages"
        try:
            _, data = self._get(path)
        except GithubException as exc:
            if exc.status not in REPOSITORY_GONE:
                raise self._unexpected(exc, path) from None
            self.warnings.append(
                f"repo {full_name}: languages unavailable ({exc.status}); collected without them"
            )
            return {}
        return mapping.languages(data)

    def _scope_failed(self, scope: str, exc: GithubException, path: str) -> None:
        """A user, org or repo that cannot be listed: warn and go on with the others."""
        what = scope.split(" ", 1)[0]
        if exc.status == 404:
            self.warnings.append(
                f"{scope}: not found on {self._host} (404); check the name in {what}s "
                f"and that the token in {self._config.token_env} can see it"
            )
        elif exc.status in (403, 451):
            self.warnings.append(
                f"{scope}: access refused on {self._host} ({exc.status}: {_message(exc)}); "
                f"check the token's access to it (SSO authorisation, IP allow list)"
            )
        else:
            raise self._unexpected(exc, path) from None

    # -- items --------------------------------------------------------------------------

    def _item_endpoint(
        self, kind: Kind, base: str, repository: Repository
    ) -> tuple[str, dict[str, str], Callable[[Json], Item]]:
        ref: RepoRef = repository.ref
        if kind is Kind.MERGE_REQUEST:
            params = {"state": "all", "sort": "updated", "direction": "desc"}
            return f"{base}/pulls", params, lambda raw: mapping.merge_request(raw, ref)
        if kind is Kind.COMMIT:
            params = {"sha": repository.default_branch}
            return f"{base}/commits", params, lambda raw: mapping.commit(raw, ref)
        if kind is Kind.RELEASE:
            return f"{base}/releases", {}, lambda raw: mapping.release(raw, ref)
        if kind is Kind.TAG:
            return f"{base}/tags", {}, lambda raw: mapping.tag(raw, repository)
        raise ValueError(f"the GitHub source does not collect {kind}")

    # -- requests -------------------------------------------------------------------------

    def _pages(self, path: str, params: Mapping[str, str]) -> Iterator[list[Json]]:
        """Each page of a list endpoint, following ``Link: rel="next"``."""
        url: str | None = path
        query: dict[str, str] | None = {**params, "per_page": str(PAGE_SIZE)}
        followed: set[str] = set()
        while url is not None:
            headers, data = self._get(url, query)
            if not isinstance(data, list):
                raise SourceError(self.name, f"{path} on {self._host} did not answer a list")
            yield [entry for entry in data if isinstance(entry, Mapping)]
            url, query = self._next_url(headers, path), None
            if url is not None:
                if url in followed:  # a server that links back to a page already read
                    return
                followed.add(url)

    def _next_url(self, headers: Mapping[str, str], path: str) -> str | None:
        for match in _LINK.finditer(headers.get("link", "")):
            if "next" not in match["rel"].split():
                continue
            url = match["url"]
            target = urlsplit(url)
            # The token goes wherever we follow; only ever follow to our own API.
            same_api = (
                target.netloc == self._api_netloc
                and target.scheme in (self._api_scheme, "https")
                and (target.path + "/").startswith(self._api_prefix + "/")
            )
            if not same_api:
                raise SourceError(
                    self.name,
                    f"{path}: next-page link leads outside {self._config.api_url}; not followed",
                )
            return url
        return None

    def _get(
        self, url: str, params: Mapping[str, str] | None = None, *, token_check: bool = True
    ) -> tuple[Mapping[str, str], Any]:
        """One GET; authentication, rate-limit and transport failures become SourceError.

        Other HTTP errors are raised as PyGithub's ``GithubException`` for the
        caller, who knows whether a 404 means a missing scope or a gone repository.
        """
        self._stats.requests += 1
        requester = self._github.requester
        try:
            headers, data = requester.requestJsonAndCheck(
                "GET", url, parameters=dict(params) if params else None
            )
        except RateLimitExceededException as exc:
            headers = _lower(exc.headers)
            self._note_rate(headers)
            raise self._rate_limited(headers) from None
        except GithubException as exc:
            headers = _lower(exc.headers)
            self._note_rate(headers)
            if exc.status == 401:
                raise SourceError(
                    self.name,
                    f"{self._host} rejected the token in {self._config.token_env} "
                    f"(401 {_message(exc)}); create a new token with read access to the "
                    f"repositories and export it as {self._config.token_env}",
                ) from None
            if exc.status in (403, 429) and headers.get("x-ratelimit-remaining") == "0":
                raise self._rate_limited(headers) from None
            if exc.status == 403 and token_check and not self._answered:
                raise SourceError(
                    self.name,
                    f"{self._host} refused the token in {self._config.token_env} "
                    f"(403: {_message(exc)}); check its scopes (read access to repositories) "
                    f"and any SSO or IP allow list, then rerun",
                ) from None
            raise
        except requests.exceptions.RequestException as exc:
            raise SourceError(
                self.name,
                f"cannot reach {self._host} ({self._transport_problem(exc)}); check the "
                f"network and api_url ({self._config.api_url}), then rerun",
            ) from None
        self._answered = True
        self._note_rate(headers)
        return headers, data

    def _note_rate(self, headers: Mapping[str, str]) -> None:
        limit = _int(headers.get("x-ratelimit-limit"))
        remaining = _int(headers.get("x-ratelimit-remaining"))
        reset = _int(headers.get("x-ratelimit-reset"))
        if limit is not None:
            self._stats.rate_limit = limit
        if remaining is not None:
            self._stats.rate_remaining = remaining
        if reset is not None:
            self._stats.rate_reset = datetime.fromtimestamp(reset, UTC)

    def _rate_limited(self, headers: Mapping[str, str]) -> SourceError:
        if headers.get("x-ratelimit-remaining") != "0":
            return SourceError(
                self.name, f"{self._host} secondary rate limit hit; rerun in a few minutes"
            )
        reset = _int(headers.get("x-ratelimit-reset"))
        when = (
            f"resets at {datetime.fromtimestamp(reset, UTC):%H:%M} UTC"
            if reset is not None
            else "resets within the hour"
        )
        return SourceError(self.name, f"rate limit exhausted, {when}; rerun after that")

    def _unexpected(self, exc: GithubException, path: str) -> SourceError:
        return SourceError(
            self.name, f"unexpected answer {exc.status} from {self._host}{path}: {_message(exc)}"
        )

    def _transport_problem(self, exc: requests.exceptions.RequestException) -> str:
        if isinstance(exc, requests.exceptions.Timeout):
            return f"no answer within {self._timeout:g}s"
        if isinstance(exc, requests.exceptions.RetryError):
            status = _RETRIED_STATUS.search(str(exc))
            answer = f"answered {status[1]}" if status else "failing"
            return f"still {answer} after {self._retries} retries"
        if isinstance(exc, requests.exceptions.SSLError):
            return "TLS handshake failed"
        if isinstance(exc, requests.exceptions.ConnectionError):
            return "connection failed"
        return type(exc).__name__

    @property
    def _host(self) -> str:
        return self._config.host


def _lower(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {key.lower(): str(value) for key, value in (headers or {}).items()}


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def _message(exc: GithubException) -> str:
    """GitHub's own message for an error: hostile text, so one short line of it."""
    data = exc.data
    message = data.get("message") if isinstance(data, Mapping) else None
    return _short(message if isinstance(message, str) and message else "no message")


def _short(value: object, limit: int = 200) -> str:
    line = _CONTROL.sub(" ", str(value)).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
