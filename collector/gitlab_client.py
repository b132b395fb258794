"""GitLab's request path: one GET at a time through python-gitlab, pages followed by hand.

Every request goes through ``GitLabClient.get``: that is where requests are
counted, rate-limit headers read, retries decided and failures turned into one
clear line, and where conditional requests can be added later. python-gitlab
runs unmodified; a ``requests`` response hook on the session we hand it lets
us see the headers of every answer, errors included (python-gitlab's
exceptions carry no headers, and a 429's ``Retry-After`` lives there).

Retries are ours, not python-gitlab's: its own retry sleeps for as long as
``Retry-After`` or ``RateLimit-Reset`` say, without a bound, and a nightly job
must not hang on a bad header. Here a 429 is waited out only up to
``max_wait`` seconds, transient 5xx and dropped connections are retried with a
short exponential backoff, and everything else is reported at once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import gitlab
import requests
from gitlab.exceptions import GitlabAuthenticationError, GitlabError

from collector.sources import RequestStats
from config.models import GitLabSource
from evidence.errors import SourceError

USER_AGENT = "evidence-ledger"
RETRY_BACKOFF = 0.5  # seconds before the first retry of a 5xx or dropped connection; doubles
TRANSIENT = frozenset({500, 502, 503, 504})

_LINK = re.compile(r'<(?P<url>[^>]*)>\s*;\s*rel="(?P<rel>[^"]*)"')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

Json = Mapping[str, Any]
# Query parameters; a tuple value is sent as a repeated key (``scope[]=success&scope[]=failed``).
Query = Mapping[str, str | tuple[str, ...]]


class Refused(Exception):
    """GitLab answered an error the caller must judge (404 of a group, 403 of a project)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"{status} {message}")


class GitLabClient:
    """Authenticated, counted, retried GETs against one GitLab instance."""

    def __init__(
        self,
        config: GitLabSource,
        token: str,
        *,
        source: str,
        retries: int = 3,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``max_wait``: the longest ``Retry-After`` obeyed; beyond it the source stops."""
        self.stats = RequestStats()
        self._config = config
        self._source = source
        self._retries = retries
        self._max_wait = max_wait
        self._sleep = sleep
        self._answered = False  # until one request succeeds, a 403 is about the token
        self._last_headers: dict[str, str] = {}
        self._session = requests.Session()
        self._session.hooks["response"].append(self._observe)
        self._gitlab = gitlab.Gitlab(
            config.url,
            private_token=token,  # sent as the PRIVATE-TOKEN header, never in a URL
            ssl_verify=str(config.ca_bundle) if config.ca_bundle else config.verify_tls,
            timeout=config.timeout,
            user_agent=USER_AGENT,
            retry_transient_errors=False,
            session=self._session,
        )

    def close(self) -> None:
        self._session.close()

    @property
    def host(self) -> str:
        return self._config.host

    # -- pages ----------------------------------------------------------------------------

    def pages(self, path: str, params: Query) -> Iterator[list[Json]]:
        """Each page of a list endpoint, to the end.

        Offset pages name the next one in ``X-Next-Page``; keyset pages only in
        ``Link: rel="next"``, whose query carries the cursor. Either way the next
        request goes to our own path on our own host: an instance whose
        ``external_url`` is misconfigured must not lead our token elsewhere.
        """
        query: dict[str, str | tuple[str, ...]] = {
            **params,
            "per_page": str(self._config.page_size),
        }
        asked: set[tuple[tuple[str, str | tuple[str, ...]], ...]] = set()
        while True:
            asked.add(tuple(sorted(query.items())))
            headers, data = self.get(path, query)
            if not isinstance(data, list):
                raise SourceError(self._source, f"{path} on {self.host} did not answer a list")
            yield [entry for entry in data if isinstance(entry, Mapping)]
            following = _next_query(headers, query)
            if following is None or tuple(sorted(following.items())) in asked:
                return  # the end, or a server that points back at a page already read
            query = following

    # -- one request ----------------------------------------------------------------------

    def get(
        self, path: str, params: Query | None = None, *, raw: bool = False
    ) -> tuple[dict[str, str], Any]:
        """One GET (retried when that can help): headers and parsed JSON (``raw``: the text).

        Authentication, rate-limit, transport and server failures raise
        ``SourceError``; other HTTP errors raise ``Refused`` for the caller, who
        knows whether a 404 means a mistyped group or a project that went away.
        """
        attempt = 0
        while True:
            try:
                response = self._gitlab.http_request(
                    "get",
                    path,
                    query_data=dict(params or {}),
                    obey_rate_limit=False,
                    retry_transient_errors=False,
                    max_retries=0,
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
                wait = self._wait_before_retry(status, attempt, path)
                if wait is None:
                    raise self._refused(status, _message(exc)) from None
            except requests.exceptions.RequestException as exc:
                if attempt >= self._retries or not _transient(exc):
                    raise SourceError(
                        self._source,
                        f"cannot reach {self.host} ({self._transport_problem(exc, attempt)}); "
                        f"check the network and url ({self._config.url}), then rerun",
                    ) from None
                wait = RETRY_BACKOFF * 2.0**attempt
            else:
                self._answered = True
                if raw:  # a file's content, as stored in the repository
                    return dict(self._last_headers), response.text
                try:
                    return dict(self._last_headers), response.json()
                except ValueError:
                    raise SourceError(
                        self._source, f"{path} on {self.host} did not answer JSON"
                    ) from None
            attempt += 1
            self.stats.retries += 1
            self.stats.waited += wait
            self._sleep(wait)

    def _wait_before_retry(self, status: int, attempt: int, path: str) -> float | None:
        """Seconds to wait before asking again, None to give up on this answer."""
        if status == 429:
            wait = _retry_after(self._last_headers)
            if attempt < self._retries and wait <= self._max_wait:
                return wait
            resume = datetime.fromtimestamp(time.time() + wait, UTC)
            raise SourceError(
                self._source,
                f"{self.host} is rate limiting this token (429, retry after {wait:.0f}s); "
                f"rerun after {resume:%Y-%m-%d %H:%M} UTC",
            )
        if status in TRANSIENT:
            if attempt < self._retries:
                return RETRY_BACKOFF * 2.0**attempt
            raise SourceError(
                self._source,
                f"{self.host} still answered {status} after {self._retries} retries ({path}); "
                "rerun later",
            )
        return None

    def _refused(self, status: int, message: str) -> Exception:
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
        return Refused(status, message)

    def _observe(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        """Response hook: count every answer and keep its headers (rate limits, Retry-After)."""
        self.stats.requests += 1
        self.stats.rate_cost += 1  # no conditional requests yet: every answer counts
        self._last_headers = {key.lower(): value for key, value in response.headers.items()}
        limit = _int(self._last_headers.get("ratelimit-limit"))
        remaining = _int(self._last_headers.get("ratelimit-remaining"))
        reset = _int(self._last_headers.get("ratelimit-reset"))
        if limit is not None:
            self.stats.rate_limit = limit
        if remaining is not None:
            self.stats.rate_remaining = remaining
        if reset is not None:
            self.stats.rate_reset = datetime.fromtimestamp(reset, UTC)

    def _transport_problem(self, exc: requests.exceptions.RequestException, attempt: int) -> str:
        tried = f", {attempt + 1} attempts" if attempt else ""
        if isinstance(exc, requests.exceptions.SSLError):
            return "its TLS certificate is not trusted; set ca_bundle to your instance's CA file"
        if isinstance(exc, requests.exceptions.Timeout):
            return f"no answer within {self._config.timeout:g}s{tried}"
        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"connection failed{tried}"
        return type(exc).__name__


def _next_query(
    headers: Mapping[str, str], query: Query
) -> dict[str, str | tuple[str, ...]] | None:
    following = headers.get("x-next-page", "").strip()
    if following.isdigit():
        return {**query, "page": following}
    for match in _LINK.finditer(headers.get("link", "")):
        if "next" in match["rel"].split():
            following_query: dict[str, str | tuple[str, ...]] = {}
            for key, value in parse_qsl(urlsplit(match["url"]).query, keep_blank_values=True):
                before = following_query.get(key)
                if before is None:
                    following_query[key] = value
                else:  # a repeated key (scope[]) stays repeated
                    earlier = before if isinstance(before, tuple) else (before,)
                    following_query[key] = (*earlier, value)
            return following_query
    return None


def _retry_after(headers: Mapping[str, str]) -> float:
    """``Retry-After`` in seconds (a number or an HTTP date); GitLab's window when absent."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return 60.0
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return 60.0


def _transient(exc: requests.exceptions.RequestException) -> bool:
    # A certificate problem does not fix itself; a dropped connection or a timeout may.
    return isinstance(
        exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout
    ) and not isinstance(exc, requests.exceptions.SSLError)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def _message(exc: GitlabError) -> str:
    """GitLab's own message for an error: hostile text, so one short line of it."""
    return short(exc.error_message or "no message")


def short(value: object, limit: int = 200) -> str:
    line = _CONTROL.sub(" ", str(value)).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
