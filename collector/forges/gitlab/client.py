"""GitLab's request path: one GET at a time through python-gitlab, pages followed by hand.

Every request goes through ``GitLabClient.get`` (or ``page``, one page of a
list): that is where requests are counted, rate-limit headers read, retries
decided and failures turned into one clear line. python-gitlab runs
unmodified; a ``requests`` response hook on the session we hand it lets us see
the headers of every answer, errors included (python-gitlab's exceptions carry
no headers, and a 429's ``Retry-After`` lives there).

Retries are ours, not python-gitlab's: its own retry sleeps for as long as
``Retry-After`` or ``RateLimit-Reset`` say, without a bound, does not retry a
body cut short or malformed JSON, and is invisible to the caller. Here, as for
GitHub (``collector.forges.github.client``), with the ``Limits`` from ``[collect]``:

- before each request, the budget from the last ``RateLimit-*`` headers: when it
  is down to ``rate_limit_reserve``, wait for ``RateLimit-Reset`` if that is
  within ``max_rate_limit_wait``, else stop cleanly (``RateLimitStop``);
- a 429 is waited out as ``Retry-After`` says, at most ``retries`` times and
  never longer than ``max_rate_limit_wait``; beyond that the source stops cleanly;
- conditional requests: the caller's validators go out as ``If-None-Match`` /
  ``If-Modified-Since`` and a 304 is an ordinary answer. Unlike GitHub, GitLab
  counts every request against its limits, a 304 included (``rate_cost``);
- 5xx answers, timeouts, dropped connections and bodies cut short or not JSON
  are retried with jittered exponential backoff, ``retries`` times.

The answer timeout is the source's own ``timeout`` (``GitLabSource.timeout``) when
set, else ``Limits.timeout``: a self-managed instance may need its own patience.
"""

from __future__ import annotations

import random as random_module
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import gitlab
import requests
import urllib3
from gitlab.exceptions import GitlabAuthenticationError, GitlabError

from collector.forges.base.interface import RateLimitStop, RequestStats
from collector.forges.base.limits import RESUMES, Limits, RateBudget, header_int
from collector.forges.base.limits import short as short  # where GitLab's modules import it from
from collector.model.incremental import Validators
from config.models import GitLabSource
from core.errors import SourceError

USER_AGENT = "evidence-ledger"
TRANSIENT = frozenset({500, 502, 503, 504})
# GitLab's throttles count per period (a minute by default): the wait when nothing says.
DEFAULT_RATE_WAIT = 60.0

_LINK = re.compile(r'<(?P<url>[^>]*)>\s*;\s*rel="(?P<rel>[^"]*)"')

Json = Mapping[str, Any]
# Query parameters; a tuple value is sent as a repeated key (``scope[]=success&scope[]=failed``).
Query = Mapping[str, str | tuple[str, ...]]


class Refused(Exception):
    """GitLab answered an error the caller must judge (404 of a group, 403 of a project)."""

    def __init__(self, status: int, message: str, path: str = "") -> None:
        self.status = status
        self.message = message
        self.path = path  # what was asked, relative to the API root
        super().__init__(f"{status} {message}")


class RequestFailed(SourceError):
    """A request that kept failing (5xx, timeout, reset, cut answer) after every retry.

    A ``SourceError``, so uncaught it ends the source. ``unreachable``: no
    connection could be made at all, so no other request to this host will fare
    better; otherwise a caller may skip just the project (``problem`` says why).
    """

    def __init__(self, source: str, problem: str, *, unreachable: bool, advice: str) -> None:
        self.problem = problem
        self.unreachable = unreachable
        super().__init__(source, f"{problem}; {advice}")


@dataclass(frozen=True, slots=True)
class RawPage:
    """One page of a list endpoint, as GitLab answered it."""

    url: str  # relative to the API root, as asked: "/projects/7/merge_requests?state=all&..."
    entries: list[Json] | None  # None: 304 Not Modified
    next_url: str | None  # relative to the API root, same path: the next page's query
    validators: Validators | None  # what identifies this page's content, to ask again


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int  # 2xx, or 304 (``data`` None)
    headers: dict[str, str]  # names in lower case
    data: Any


class GitLabClient:
    """Authenticated, counted, conditional, retried GETs against one GitLab instance."""

    def __init__(
        self,
        config: GitLabSource,
        token: str,
        *,
        source: str,
        limits: Limits,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        random: Callable[[], float] = random_module.random,
    ) -> None:
        """``sleep``, ``wall_clock`` and ``random`` (the backoff's jitter) are for tests."""
        self.stats = RequestStats()
        self._config = config
        self._source = source
        self._limits = limits
        self._timeout = config.timeout if config.timeout is not None else float(limits.timeout)
        self._wall_clock, self._random = wall_clock, random
        self._budget = RateBudget(
            source=source,
            header_prefix="ratelimit-",
            limits=limits,
            stats=self.stats,
            sleep=sleep,
            wall_clock=wall_clock,
        )
        self._answered = False  # until one request succeeds, a 403 is about the token
        self._last_headers: dict[str, str] = {}
        self._session = requests.Session()
        self._session.hooks["response"].append(self._observe)
        self._gitlab = gitlab.Gitlab(
            config.url,
            private_token=token,  # sent as the PRIVATE-TOKEN header, never in a URL
            ssl_verify=str(config.ca_bundle) if config.ca_bundle else config.verify_tls,
            timeout=self._timeout,
            user_agent=USER_AGENT,
            retry_transient_errors=False,
            session=self._session,
        )

    def close(self) -> None:
        self._session.close()

    @property
    def host(self) -> str:
        return self._config.host

    def answered_at(self) -> datetime | None:
        """The forge's clock: the ``Date`` of the last answer, if it gave a valid one."""
        value = self._last_headers.get("date", "")
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return moment if moment.tzinfo is not None else None

    # -- pages ----------------------------------------------------------------------------

    def list_url(self, path: str, params: Query) -> str:
        """The first page of a list endpoint, relative to the API root, ``per_page`` included."""
        query = {**params, "per_page": str(self._config.page_size)}
        return f"{path}?{urlencode(query, doseq=True)}"

    def page(self, url: str, validators: Validators | None = None) -> RawPage:
        """One page of a list (a ``list_url`` or a ``next_url``), conditional on ``validators``.

        Offset pages name the next one in ``X-Next-Page``; keyset pages only in
        ``Link: rel="next"``, whose query carries the cursor. Either way the next
        URL keeps our own path on our own host: an instance whose
        ``external_url`` is misconfigured must not lead our token elsewhere.
        """
        path, query = _split(url)
        answer = self._send(path, query, raw=False, validators=validators)
        following = _next_url(answer.headers, path, query)
        if answer.status == 304:
            # Unchanged, so the validators sent still describe it if the 304 names none.
            sent = Validators.from_headers(answer.headers) or validators
            return RawPage(url, None, following, sent)
        if not isinstance(answer.data, list):
            raise SourceError(self._source, f"{path} on {self.host} did not answer a list")
        entries = [entry for entry in answer.data if isinstance(entry, Mapping)]
        return RawPage(url, entries, following, Validators.from_headers(answer.headers))

    def pages(self, path: str, params: Query) -> Iterator[list[Json]]:
        """Each page of a list endpoint, to the end (unconditionally)."""
        url: str | None = self.list_url(path, params)
        asked: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        # Stop at the end, or at a server that points back at a page already read.
        while url is not None and _canonical(url) not in asked:
            asked.add(_canonical(url))
            page = self.page(url)
            yield list(page.entries or [])
            url = page.next_url

    # -- one request ----------------------------------------------------------------------

    def get(
        self,
        path: str,
        params: Query | None = None,
        *,
        raw: bool = False,
        validators: Validators | None = None,
    ) -> tuple[dict[str, str], Any]:
        """One GET, retried as the module docstring says: headers and parsed JSON.

        ``raw``: the text instead (a file's content, as stored). With ``validators``
        a 304 Not Modified answers ``(headers, None)``. Authentication failures
        raise ``SourceError``, transport and server failures that outlast the
        retries ``RequestFailed``, a spent rate limit ``RateLimitStop``; other HTTP
        errors raise ``Refused`` for the caller, who knows whether a 404 means a
        mistyped group or a project that went away.
        """
        answer = self._send(path, params or {}, raw=raw, validators=validators)
        return answer.headers, answer.data

    def _send(
        self, path: str, params: Query, *, raw: bool, validators: Validators | None
    ) -> _Answer:
        faults = waits = 0
        while True:
            self._budget.keep_reserve()
            self.stats.requests += 1
            try:
                response = self._gitlab.http_request(
                    "get",
                    path,
                    query_data=dict(params),
                    obey_rate_limit=False,
                    retry_transient_errors=False,
                    max_retries=0,
                    # A fresh dict each time; python-gitlab merges it into a copy of its own.
                    extra_headers=validators.request_headers() if validators else None,
                )
            except GitlabAuthenticationError:
                raise SourceError(
                    self._source,
                    f"{self.host} rejected the token in {self._config.token_env} "
                    f"(401 Unauthorized); create a personal access token with the read_api "
                    f"scope and export it as {self._config.token_env}",
                ) from None
            except GitlabError as exc:
                status = exc.response_code or 0
                if status == 304:  # python-gitlab raises for anything outside 2xx
                    self.stats.not_modified += 1
                    return _Answer(304, dict(self._last_headers), None)
                if status == 429:
                    waits = self._wait_out_rate_limit(waits)
                elif status in TRANSIENT:
                    faults = self._retry_or_fail(faults, f"answered {status}", path)
                else:
                    raise self._refused(status, _message(exc), path) from None
                continue
            except requests.exceptions.RequestException as exc:
                faults = self._retry_transport(faults, exc, path)
                continue
            if raw:
                self._answered = True
                return _Answer(response.status_code, dict(self._last_headers), response.text)
            try:
                data = response.json()
            except ValueError:  # truncated or malformed: a proxy or the server hiccupped
                faults = self._retry_or_fail(faults, "answered truncated JSON", path)
                continue
            self._answered = True
            return _Answer(response.status_code, dict(self._last_headers), data)

    # -- rate limits ------------------------------------------------------------------------

    def _observe(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        """Response hook: keep every answer's headers; each one costs rate limit on GitLab."""
        self.stats.rate_cost += 1  # 304s and errors included: GitLab counts every request
        self._last_headers = {key.lower(): value for key, value in response.headers.items()}
        self._budget.note(self._last_headers)

    def _wait_out_rate_limit(self, waits: int) -> int:
        """Sleep through a 429 as ``Retry-After`` asks, or stop when that is too long."""
        wait = _retry_after(self._last_headers, self._wall_clock())
        resumes = datetime.fromtimestamp(self._wall_clock() + wait, UTC)
        bound = self._limits.max_rate_limit_wait
        if wait > bound:
            what = (
                f"{self.host} is rate limiting this token (429, retry after {wait:.0f} s; "
                f"max_rate_limit_wait is {bound:.0f} s)"
            )
        elif waits >= self._limits.retries:
            what = f"{self.host} still rate limits this token (429) after {waits} waits"
        else:
            self._budget.pause(wait)
            self.stats.retries += 1
            return waits + 1
        raise RateLimitStop(self._source, f"{what}; {RESUMES}", resets_at=resumes)

    # -- transient faults -------------------------------------------------------------------

    def _retry_or_fail(self, faults: int, problem: str, path: str) -> int:
        """Back off before asking again, or report a server that keeps failing."""
        retries = self._limits.retries
        if faults >= retries:
            final = problem if retries == 0 else f"still {problem} after {retries} retries"
            raise RequestFailed(
                self._source,
                f"{self.host} {final} ({path})",
                unreachable=False,
                advice="rerun later",
            )
        return self._back_off(faults)

    def _retry_transport(
        self, faults: int, exc: requests.exceptions.RequestException, path: str
    ) -> int:
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            # Connected and answered, then cut short: the server's problem, not the network's.
            return self._retry_or_fail(faults, "cut its answer short", path)
        if faults >= self._limits.retries or not _transient(exc):
            raise RequestFailed(
                self._source,
                f"cannot reach {self.host} ({self._transport_problem(exc, faults)})",
                unreachable=_unreachable(exc),
                advice=f"check the network and url ({self._config.url}), then rerun",
            ) from None
        return self._back_off(faults)

    def _back_off(self, faults: int) -> int:
        self._budget.pause(self._limits.backoff.delay(faults, self._random))
        self.stats.retries += 1
        return faults + 1

    # -- messages ---------------------------------------------------------------------------

    def _refused(self, status: int, message: str, path: str) -> Exception:
        token_env = self._config.token_env
        if status == 403 and message == "insufficient_scope":
            return SourceError(
                self._source,
                f"the token in {token_env} lacks the read_api scope (403 insufficient_scope "
                f"from {self.host}); create one with read_api and export it as {token_env}",
            )
        if status == 403 and not self._answered:
            return SourceError(
                self._source,
                f"{self.host} refused the token in {token_env} (403: {message}); check that "
                "the account is active and allowed to use the API, then rerun",
            )
        return Refused(status, message, path)

    def _transport_problem(self, exc: requests.exceptions.RequestException, faults: int) -> str:
        tried = f", {faults + 1} attempts" if faults else ""
        if isinstance(exc, requests.exceptions.SSLError):
            return "its TLS certificate is not trusted; set ca_bundle to your instance's CA file"
        if isinstance(exc, requests.exceptions.Timeout):
            return f"no answer within {self._timeout:g}s{tried}"
        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"connection failed{tried}"
        return type(exc).__name__


# -- URLs ---------------------------------------------------------------------------------


def _split(url: str) -> tuple[str, dict[str, str | tuple[str, ...]]]:
    """A URL relative to the API root as its path and its query (repeated keys as tuples)."""
    parts = urlsplit(url)
    return parts.path, _query(parts.query)


def _query(text: str) -> dict[str, str | tuple[str, ...]]:
    query: dict[str, str | tuple[str, ...]] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        before = query.get(key)
        if before is None:
            query[key] = value
        else:  # a repeated key (scope[]) stays repeated
            earlier = before if isinstance(before, tuple) else (before,)
            query[key] = (*earlier, value)
    return query


def _next_url(headers: Mapping[str, str], path: str, query: Query) -> str | None:
    """The next page on our own path: only the query comes from the server."""
    following = headers.get("x-next-page", "").strip()
    if following.isdigit():
        return f"{path}?{urlencode({**query, 'page': following}, doseq=True)}"
    for match in _LINK.finditer(headers.get("link", "")):
        if "next" in match["rel"].split():
            cursor = _query(urlsplit(match["url"]).query)
            return f"{path}?{urlencode(cursor, doseq=True)}"
    return None


def _canonical(url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The same page whatever the order of its query parameters."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


# -- headers and errors -------------------------------------------------------------------


def _retry_after(headers: Mapping[str, str], now: float) -> float:
    """Seconds a 429 asks us to wait: ``Retry-After`` (seconds or an HTTP date), else
    ``RateLimit-Reset``, else GitLab's default throttle period."""
    value = headers.get("retry-after", "").strip()
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            pass
        try:
            return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
        except (TypeError, ValueError):
            pass
    reset = header_int(headers.get("ratelimit-reset"))
    if reset is not None:
        return max(reset - now + 1, 0.0)
    return DEFAULT_RATE_WAIT


def _transient(exc: requests.exceptions.RequestException) -> bool:
    # A certificate problem does not fix itself; a dropped connection or a timeout may.
    return isinstance(
        exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout
    ) and not isinstance(exc, requests.exceptions.SSLError)


def _unreachable(exc: requests.exceptions.RequestException) -> bool:
    """No connection at all (refused, unknown name, TLS): not just this one request stuck."""
    if isinstance(exc, requests.exceptions.SSLError | requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    return isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError
    )


def _message(exc: GitlabError) -> str:
    """GitLab's own message for an error: hostile text, so one short line of it."""
    return short(exc.error_message or "no message")
