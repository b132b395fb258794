"""The GitHub source: repositories and their items, read page by page through PyGithub.

List endpoints are read through PyGithub's public requester rather than its
``PaginatedList``: one call per page, the ``Link`` header followed by hand.
That keeps every request visible, so we can count them, read the rate-limit
headers of each response, send conditional requests and stop at a cursor
(``collector.forges.github.client`` sends them; ``collector.forges.github.sync`` decides
what an incremental run reads). Raw JSON is mapped straight into records
(``collector.forges.github.mapping``); no PyGithub object is built, so nothing can
trigger a lazy per-item request. Deployments, deploy workflow runs, incidents
and decision records are read by ``collector.forges.github.signals``, the changed
files of candidate changes by ``collector.forges.github.changed_files``.
"""

from __future__ import annotations

import math
import random as random_module
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from github import Auth, Github, GithubException
from pydantic import ValidationError

from collector.forges.base.entries import EntryMapper
from collector.forges.base.fields import parse_datetime, text
from collector.forges.base.interface import ListUnavailable, RepositoryUnavailable, RequestStats
from collector.forges.base.limits import Limits
from collector.forges.base.passes import Fetched
from collector.forges.base.signals import NothingStored, Recall, SignalSettings
from collector.forges.github import mapping
from collector.forges.github import sync as github_sync
from collector.forges.github.changed_files import GitHubChangedFiles
from collector.forges.github.client import (
    Answer,
    GitHubRequests,
    RequestFailed,
    error_message,
    short,
)
from collector.forges.github.signals import SIGNAL_KINDS, GitHubSignals
from collector.model.incremental import SyncPage, SyncState, Validators
from collector.model.records import Item, Kind, RepoRef, Repository
from config.models import GitHubSource
from core.errors import SourceError

PAGE_SIZE = 100
USER_AGENT = "evidence-ledger"
# Statuses that make one repository unreadable without saying anything about the others;
# the first three say it is gone for us (its items stop being shown).
REPOSITORY_GONE = {
    404: "not found (404): deleted, renamed or no longer visible to the token",
    410: "gone (410)",
    451: "unavailable for legal reasons (451)",
}
REPOSITORY_REFUSED = {403: "access refused (403)", 409: "conflict (409)"}

_LINK = re.compile(r'<(?P<url>[^>]*)>\s*;\s*rel="(?P<rel>[^"]*)"')

Json = Mapping[str, Any]
ToItem = Callable[[Json], Item]


class GitHubForge:
    """One configured GitHub (or GitHub Enterprise Server) account set."""

    kinds: Sequence[Kind] = (
        Kind.MERGE_REQUEST,
        Kind.COMMIT,
        Kind.RELEASE,
        Kind.TAG,
        *SIGNAL_KINDS,  # deployments, deploy workflow runs, incidents, decision records
    )

    def __init__(
        self,
        config: GitHubSource,
        token: str,
        *,
        limits: Limits | None = None,
        sleep: Callable[[float], None] | None = None,
        wall_clock: Callable[[], float] | None = None,
        random: Callable[[], float] | None = None,
        signals: SignalSettings | None = None,
        recall: Recall | None = None,
    ) -> None:
        """``sleep``, ``wall_clock`` and ``random`` replace the real ones in tests.

        ``signals``: the owner's choices that decide what to fetch (ADR folders, deploy
        workflow globs, incident labels, which changes need their files); ``recall``:
        what the store holds, so that unchanged things are not fetched again.
        """
        self.name = config.source_name
        self.warnings: list[str] = []
        self._config = config
        self._stats = RequestStats()
        limits = limits or Limits()
        self._listing_complete = False
        self._unreadable = False  # a listed repository could not be mapped
        if not token:
            raise SourceError(self.name, f"{config.token_env} is empty; export a GitHub token")
        self._github = Github(
            base_url=config.api_url,
            auth=Auth.Token(token),
            per_page=PAGE_SIZE,
            timeout=max(1, math.ceil(limits.timeout)),
            user_agent=USER_AGENT,
            # Retries, backoff and rate-limit waits are ours (collector.forges.github.client).
            retry=None,
            # Read-only and strictly serial, which is what GitHub asks of clients;
            # PyGithub's default 0.25 s pause between reads buys nothing on top.
            seconds_between_requests=None,
        )
        self._requests = GitHubRequests(
            self._github.requester,
            source=self.name,
            host=config.host,
            token_env=config.token_env,
            limits=limits,
            stats=self._stats,
            sleep=sleep or time.sleep,
            wall_clock=wall_clock or time.time,
            random=random or random_module.random,
        )
        api = urlsplit(config.api_url)
        self._api_scheme, self._api_netloc = api.scheme, api.netloc
        self._api_prefix = api.path.rstrip("/")
        settings, stored = signals or SignalSettings(), recall or NothingStored()
        self._entries = EntryMapper(config.host, self.warnings, self._stats)
        self._signals = GitHubSignals(
            self._get_conditional,
            self._next_url,
            settings,
            stored,
            entries=self._entries,
            warnings=self.warnings,
            host=config.host,
        )
        self._changed_files = GitHubChangedFiles(
            self._get_conditional, self._next_url, settings.policy, stored
        )

    # -- the ForgeSource interface ------------------------------------------------

    @property
    def stats(self) -> RequestStats:
        return self._stats

    def close(self) -> None:
        self._github.close()

    # -- the ForgeSource interface, continued -------------------------------------------

    @property
    def listing_complete(self) -> bool:
        return self._listing_complete

    def repositories_since(self, known: Mapping[RepoRef, Repository]) -> Iterator[Repository]:
        """Repositories in scope; languages are reused from ``known`` when nothing was pushed."""
        try:
            yield from self._listed(known)
        except RequestFailed as exc:
            raise self._cannot_reach(exc) from None

    def _listed(self, known: Mapping[RepoRef, Repository]) -> Iterator[Repository]:
        self._listing_complete = self._unreadable = False
        complete = True
        seen: set[str] = set()
        for scope, path, params in self._listing_scopes():
            try:
                for page in self._pages(_with_query(path, params)):
                    for raw in page:
                        repository = self._keep(raw, seen, scope, known)
                        if repository is not None:
                            yield repository
            except GithubException as exc:
                self._scope_failed(scope, exc, path)
                complete = False
        for full_name in self._config.repos:
            if full_name.lower() in seen:
                continue  # already listed through a user or org: no need to ask again
            scope = f"repo {full_name}"
            path = "/repos/" + "/".join(quote(part, safe="") for part in full_name.split("/"))
            try:
                raw = self._get(path).data
            except GithubException as exc:
                # A repository named in the config that is gone is simply not listed.
                complete = complete and exc.status in (404, 410, 451)
                self._scope_failed(scope, exc, path)
                continue
            if not isinstance(raw, Mapping):
                self.warnings.append(f"{scope}: unexpected answer from {self._host}; skipped")
                complete = False
                continue
            repository = self._keep(raw, seen, scope, known)
            if repository is not None:
                yield repository
        # A repository skipped for unexpected data is not gone: flag nothing this time.
        self._listing_complete = complete and not self._unreadable

    def sync_items(
        self, repository: Repository, kind: Kind, state: SyncState
    ) -> Iterator[SyncPage]:
        """The pages to commit for one (repository, kind): only what changed since ``state``."""
        if kind in SIGNAL_KINDS:
            yield from self._signal_pages(repository, kind, state)
            return
        url, to_item = self._item_endpoint(kind, repository)

        def fetch(page_url: str, validators: Validators | None) -> Fetched:
            answer = self._get(page_url, validators=validators)
            if answer.not_modified:
                return Fetched(page_url, None, None, None)
            if not isinstance(answer.data, list):
                raise SourceError(self.name, f"{page_url} on {self._host} did not answer a list")
            raw = [entry for entry in answer.data if isinstance(entry, Mapping)]
            return Fetched(
                page_url,
                self._map_page(raw, to_item, repository, kind),
                self._next_url(answer.headers, page_url),
                Validators.from_headers(answer.headers),
            )

        try:
            yield from github_sync.pages(fetch, url, repository, kind, state, page_size=PAGE_SIZE)
        except GithubException as exc:
            if exc.status == 409 and kind is Kind.COMMIT:
                yield github_sync.empty_repository(repository, state)
                return
            raise self._unavailable(repository, exc, url.partition("?")[0]) from None
        except RequestFailed as exc:
            raise self._failed(repository, exc) from None

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
            data = self._get("/user", token_check=False).data
        except GithubException as exc:
            self.warnings.append(
                f"could not tell which user the token in {self._config.token_env} belongs to "
                f"({exc.status}); private repositories of users are not listed"
            )
            return None
        found = text(data, "login") if isinstance(data, Mapping) else ""
        return found or None

    def _keep(
        self, raw: Json, seen: set[str], scope: str, known: Mapping[RepoRef, Repository]
    ) -> Repository | None:
        """Map a listed repository if the policy keeps it and no other scope did."""
        full_name = text(raw, "full_name")
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
        try:
            languages = self._languages(raw, full_name, known)
            return mapping.repository(raw, host=config.host, source=self.name, languages=languages)
        except (ValidationError, TypeError, ValueError) as exc:
            self._unreadable = True
            self.warnings.append(
                f"{scope}: repository {full_name} has unexpected data ({short(exc)}); skipped"
            )
            return None

    def _languages(
        self, raw: Json, full_name: str, known: Mapping[RepoRef, Repository]
    ) -> dict[str, int]:
        # The repository lists carry only the main language, not the breakdown. The
        # breakdown is computed from the default branch, which only a push changes:
        # when pushed_at did not move, the stored breakdown is still the right one.
        stored = known.get(RepoRef(forge="github", host=self._config.host, path=full_name))
        pushed_at = parse_datetime(raw.get("pushed_at"))
        if stored is not None and pushed_at is not None and stored.pushed_at == pushed_at:
            return dict(stored.languages)
        owner, _, name = full_name.partition("/")
        path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}/languages"
        try:
            data = self._get(path).data
        except GithubException as exc:
            if exc.status not in REPOSITORY_GONE and exc.status not in REPOSITORY_REFUSED:
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
                f"{scope}: access refused on {self._host} ({exc.status}: "
                f"{error_message(_error_body(exc))}); check the token's access to it "
                "(SSO authorisation, IP allow list)"
            )
        else:
            raise self._unexpected(exc, path) from None

    # -- items --------------------------------------------------------------------------

    def _item_endpoint(self, kind: Kind, repository: Repository) -> tuple[str, ToItem]:
        """The first page's URL (relative, with its query) and the mapping of one entry."""
        ref: RepoRef = repository.ref
        owner, _, name = ref.path.partition("/")
        base = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        if kind is Kind.MERGE_REQUEST:
            params = {"state": "all", "sort": "updated", "direction": "desc"}
            return _with_query(f"{base}/pulls", params), lambda raw: mapping.merge_request(raw, ref)
        if kind is Kind.COMMIT:
            params = {"sha": repository.default_branch}
            return _with_query(f"{base}/commits", params), lambda raw: mapping.commit(raw, ref)
        if kind is Kind.RELEASE:
            return _with_query(f"{base}/releases", {}), lambda raw: mapping.release(raw, ref)
        if kind is Kind.TAG:
            return _with_query(f"{base}/tags", {}), lambda raw: mapping.tag(raw, repository)
        raise ValueError(f"the GitHub source does not collect {kind}")

    def _map_page(
        self, page: Sequence[Json], to_item: ToItem, repository: Repository, kind: Kind
    ) -> tuple[Item, ...]:
        records = tuple(self._entries.each(kind, repository, page, to_item))
        # Candidates among the changes get their changed files (cached while unchanged).
        return self._changed_files.with_changed_files(kind, repository, records)

    def _signal_pages(
        self, repository: Repository, kind: Kind, state: SyncState
    ) -> Iterator[SyncPage]:
        try:
            yield from self._signals.pages(repository, kind, state)
        except GithubException as exc:
            raise self._unavailable(repository, exc, f"/repos/{repository.ref.path}") from None
        except RequestFailed as exc:
            raise self._failed(repository, exc) from None

    def _unavailable(
        self, repository: Repository, exc: GithubException, listing: str
    ) -> ListUnavailable | RepositoryUnavailable | SourceError:
        """An error on one list: only the repository resource itself may say it is gone.

        One more request, and only when a list failed: ``GET /repos/{owner}/{repo}``.
        A 404 on ``/deployments`` from a proxy while the repository answers 200 is a
        failed list, never a reason to hide the repository's items.
        """
        path = repository.ref.path
        listing = self._requests.refused_path or listing
        if exc.status not in REPOSITORY_GONE and exc.status not in REPOSITORY_REFUSED:
            return self._unexpected(exc, listing)
        owner, _, name = path.partition("/")
        resource = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        answered = True
        try:
            self._get(resource)
        except GithubException as probe:
            if probe.status in REPOSITORY_GONE:
                return RepositoryUnavailable(path, REPOSITORY_GONE[probe.status], gone=True)
            if probe.status in REPOSITORY_REFUSED:
                reason = f"{REPOSITORY_REFUSED[probe.status]}: {error_message(_error_body(probe))}"
                return RepositoryUnavailable(path, reason)
            return self._unexpected(probe, resource)
        except RequestFailed as failed:
            if failed.unreachable:  # the forge itself is down: no list of it would fare better
                return self._cannot_reach(failed)
            answered = False  # could not ask: judge by the list alone, never "gone"
        message = error_message(_error_body(exc))
        said = "the repository itself answers" if answered else "the repository could not be asked"
        if exc.status == 403:
            reason = f"access refused (403: {message}) although {said}"
            return ListUnavailable(path, listing, reason, refused=answered)
        reason = f"answered {exc.status} ({message}) although {said}"
        return ListUnavailable(path, listing, reason)

    def _failed(self, repository: Repository, exc: RequestFailed) -> Exception:
        if exc.unreachable:
            return self._cannot_reach(exc)
        return RepositoryUnavailable(repository.ref.path, f"{self._host} {exc.problem}")

    # -- requests -------------------------------------------------------------------------

    def _pages(self, first_url: str) -> Iterator[list[Json]]:
        """Each page of a list endpoint, following ``Link: rel="next"``."""
        url: str | None = first_url
        followed: set[str] = set()
        while url is not None:
            answer = self._get(url)
            if not isinstance(answer.data, list):
                raise SourceError(self.name, f"{first_url} on {self._host} did not answer a list")
            yield [entry for entry in answer.data if isinstance(entry, Mapping)]
            url = self._next_url(answer.headers, first_url)
            if url is not None:
                if url in followed:  # a server that links back to a page already read
                    return
                followed.add(url)

    def _next_url(self, headers: Mapping[str, str], path: str) -> str | None:
        """The next page's URL relative to the API root, checked to stay on our API."""
        for match in _LINK.finditer(headers.get("link", "")):
            if "next" not in match["rel"].split():
                continue
            target = urlsplit(match["url"])
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
            relative = target.path[len(self._api_prefix) :] or "/"
            return f"{relative}?{target.query}" if target.query else relative
        return None

    def _get(
        self, url: str, *, validators: Validators | None = None, token_check: bool = True
    ) -> Answer:
        """One GET (see ``GitHubRequests.get`` for what it raises)."""
        return self._requests.get(url, validators=validators, token_check=token_check)

    def _get_conditional(self, url: str, validators: Validators | None) -> Answer:
        return self._requests.get(url, validators=validators)

    def _cannot_reach(self, exc: RequestFailed) -> SourceError:
        return SourceError(
            self.name,
            f"cannot reach {self._host} ({exc.problem}); check the network and api_url "
            f"({self._config.api_url}), then rerun",
        )

    def _unexpected(self, exc: GithubException, path: str) -> SourceError:
        return SourceError(
            self.name,
            f"unexpected answer {exc.status} from {self._host}{path}: "
            f"{error_message(_error_body(exc))}",
        )

    @property
    def _host(self) -> str:
        return self._config.host


def _with_query(path: str, params: Mapping[str, str]) -> str:
    """A first page's URL: fixed parameter order, so the same list has the same memo key."""
    return f"{path}?{urlencode({**params, 'per_page': str(PAGE_SIZE)})}"


def _error_body(exc: GithubException) -> Mapping[str, Any]:
    return exc.data if isinstance(exc.data, Mapping) else {}
