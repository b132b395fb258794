"""Every request of one GitHub source: serial, counted, conditional, retried, within budget.

What PyGithub's own retry (``GithubRetry`` on urllib3) covers, measured against
a local server: connection resets, read timeouts and 5xx answers are retried;
a 403 with ``Retry-After`` sleeps that long with no upper bound; a body cut short
(fewer bytes than its Content-Length) or truncated JSON is not retried at all;
and its retries are invisible to the caller, so they can be neither counted nor
weighed against a rate-limit reserve. So PyGithub runs with its retries off and
this module does them, through its public ``Requester.requestJson``:

- one request at a time (a source never runs requests in parallel, as GitHub asks);
- before each request, the budget from the last ``X-RateLimit-*`` headers: when
  it is down to the reserve, wait for the reset if that is within
  ``max_rate_limit_wait``, else stop cleanly (``RateLimitStop``);
- conditional requests: the caller's validators go out as ``If-None-Match`` /
  ``If-Modified-Since``; a 304 is an ordinary answer and, as on GitHub, costs no
  rate limit;
- rate limits answered (403/429) are obeyed as GitHub documents: ``Retry-After``
  first, then ``X-RateLimit-Reset`` when nothing remains, else a minute;
- 5xx answers, timeouts, resets and truncated or malformed JSON are retried with
  exponential backoff and jitter, ``retries`` times.
"""

from __future__ import annotations

import json
import random as random_module
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from github.Requester import Requester

from collector.forges.base.interface import RateLimitStop, RequestStats
from collector.forges.base.limits import RESUMES, Limits, RateBudget, header_int, resets
from collector.forges.base.limits import short as short  # where GitHub's modules import it from
from collector.model.incremental import Validators
from core.errors import SourceError

# GitHub: without Retry-After or an exhausted primary limit, wait at least a minute.
SECONDARY_RATE_WAIT = 60.0


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful answer: 2xx with its JSON, or 304 Not Modified (``data`` None)."""

    status: int
    headers: Mapping[str, str]  # names in lower case
    data: Any

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class RequestFailed(Exception):
    """A request that kept failing (5xx, timeout, reset, cut answer) after every retry.

    ``unreachable``: no connection could be made at all, so no other request to
    this host will fare better.
    """

    def __init__(self, problem: str, *, unreachable: bool) -> None:
        self.problem = problem
        self.unreachable = unreachable
        super().__init__(problem)


class GitHubRequests:
    """Sends the GETs of one source and keeps its ``RequestStats``."""

    def __init__(
        self,
        requester: Requester,
        *,
        source: str,
        host: str,
        token_env: str,
        limits: Limits,
        stats: RequestStats,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        random: Callable[[], float] = random_module.random,
    ) -> None:
        self._requester = requester
        self._source, self._host, self._token_env = source, host, token_env
        self._limits = limits
        self._stats = stats
        self._wall_clock, self._random = wall_clock, random
        self._budget = RateBudget(
            source=source,
            header_prefix="x-ratelimit-",
            limits=limits,
            stats=stats,
            sleep=sleep,
            wall_clock=wall_clock,
        )
        # Until one request has succeeded, a 403 says the token itself is refused.
        self._answered = False
        # The path of the last request GitHub refused (4xx): PyGithub's exception does
        # not carry it, and a failed list must be named in the run's report.
        self.refused_path = ""

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        validators: Validators | None = None,
        token_check: bool = True,
    ) -> Answer:
        """One GET, retried as the module docstring says.

        Raises ``SourceError`` (bad or refused token), ``RateLimitStop``,
        ``RequestFailed`` after the last retry, or PyGithub's ``GithubException``
        for any other error status, which the caller interprets (404, 409, ...).
        """
        faults = 0
        waits = 0
        while True:
            self._budget.keep_reserve()
            self._stats.requests += 1
            try:
                # A fresh dict every time: PyGithub adds the Authorization header to it.
                headers_out = validators.request_headers() if validators is not None else {}
                status, raw_headers, body = self._requester.requestJson(
                    "GET", url, parameters=dict(params) if params else None, headers=headers_out
                )
            except requests.exceptions.RequestException as exc:
                problem, unreachable = _transport_problem(exc, self._limits.timeout)
                faults = self._retry_or_fail(faults, problem, unreachable=unreachable)
                continue
            headers = {key.lower(): str(value) for key, value in raw_headers.items()}
            self._note_rate(headers, status)
            try:
                data = json.loads(body) if body else None
            except ValueError:
                if status < 400:
                    faults = self._retry_or_fail(faults, "truncated JSON", unreachable=False)
                    continue
                data = None  # an error page that is not JSON (a proxy's HTML 502)
            if status == 304:
                self._stats.not_modified += 1
                return Answer(status, headers, None)
            if status < 300:
                self._answered = True
                return Answer(status, headers, data)
            error = data if isinstance(data, dict) else {}
            if status == 401:
                raise SourceError(
                    self._source,
                    f"{self._host} rejected the token in {self._token_env} "
                    f"(401 {error_message(error)}); create a new token with read access to the "
                    f"repositories and export it as {self._token_env}",
                )
            if status in (403, 429):
                wait = self._rate_limit_wait(headers, error)
                if wait is not None:
                    waits = self._wait_out(wait, waits, headers)
                    continue
                if status == 403 and token_check and not self._answered:
                    raise SourceError(
                        self._source,
                        f"{self._host} refused the token in {self._token_env} "
                        f"(403: {error_message(error)}); check its scopes (read access to "
                        "repositories) and any SSO or IP allow list, then rerun",
                    )
            if status >= 500:
                faults = self._retry_or_fail(faults, f"answered {status}", unreachable=False)
                continue
            self.refused_path = url.partition("?")[0]
            raise Requester.createException(status, headers, error)

    # -- rate limits ---------------------------------------------------------------------

    def _note_rate(self, headers: Mapping[str, str], status: int) -> None:
        if status != 304:  # GitHub does not count a 304 against the limit
            self._stats.rate_cost += 1
        self._budget.note(headers)

    def _rate_limit_wait(
        self, headers: Mapping[str, str], error: Mapping[str, Any]
    ) -> float | None:
        """Seconds GitHub asks us to wait, or None when the 403/429 is not a rate limit."""
        retry_after = header_int(headers.get("retry-after"))
        if retry_after is not None:
            return float(max(retry_after, 0))
        if headers.get("x-ratelimit-remaining") == "0":
            reset = header_int(headers.get("x-ratelimit-reset"))
            return 0.0 if reset is None else max(reset - self._wall_clock() + 1, 0.0)
        if "rate limit" in error_message(error).lower():
            return SECONDARY_RATE_WAIT
        return None

    def _wait_out(self, wait: float, waits: int, headers: Mapping[str, str]) -> int:
        """Sleep through a rate limit GitHub answered, or stop when it is too long."""
        reset = self._stats.rate_reset
        if wait > self._limits.max_rate_limit_wait or waits > self._limits.retries:
            if headers.get("x-ratelimit-remaining") == "0" and "retry-after" not in headers:
                what = f"rate limit exhausted, {resets(reset)}"
            else:
                what = (
                    f"secondary rate limit: {self._host} asks to wait {wait:.0f} s "
                    f"(max_rate_limit_wait is {self._limits.max_rate_limit_wait:.0f} s)"
                )
            raise RateLimitStop(self._source, f"{what}; {RESUMES}", resets_at=reset)
        self._budget.pause(wait)
        self._stats.retries += 1
        return waits + 1

    # -- transient faults ----------------------------------------------------------------

    def _retry_or_fail(self, faults: int, problem: str, *, unreachable: bool) -> int:
        retries = self._limits.retries
        if faults >= retries:
            final = problem if retries == 0 else f"still {problem} after {retries} retries"
            raise RequestFailed(final, unreachable=unreachable)
        self._budget.pause(self._limits.backoff.delay(faults, self._random))
        self._stats.retries += 1
        return faults + 1


def _transport_problem(exc: requests.exceptions.RequestException, timeout: int) -> tuple[str, bool]:
    """What went wrong, in a few words, and whether the host could not be reached at all."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection within {timeout}s", True
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {timeout}s", False
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed", True
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "answer cut short", False
    if isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError
    ):
        return "connection failed", True
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection reset", False
    return type(exc).__name__, False


def error_message(error: Mapping[str, Any]) -> str:
    """GitHub's own message for an error: hostile text, so one short line of it."""
    message = error.get("message")
    return short(message if isinstance(message, str) and message else "no message")
