"""The GitLab source: projects and their items, on gitlab.com or a self-managed instance.

Projects come from groups (subgroups included), users' namespaces and
explicit paths or ids; each is mapped into the same ``Repository`` record as a
GitHub repository, and its merge requests, default-branch commits, releases
and tags into the same item records. Requests go through
``collector.forges.gitlab.client`` (python-gitlab underneath), one counted page at a
time; raw JSON is mapped by ``collector.forges.gitlab.mapping``. Deployments, deploy
pipelines, incidents and decision records are read by ``collector.forges.gitlab.signals``,
the changed files of candidate changes by ``collector.forges.gitlab.changed_files``.
Run after run, only what changed is read (``IncrementalSource``); what that
means for each list, and why it is enough, is ``collector.forges.gitlab.sync``.

Privacy is decided before anything is asked about a project: a private or
internal project the owner did not opt into is never mapped, and none of its
items, languages or releases is ever requested. With only public projects
wanted, the listings themselves ask GitLab for ``visibility=public``.
"""

from __future__ import annotations

import random as random_module
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import ValidationError

from collector.forges.base.entries import EntryMapper
from collector.forges.base.fields import parse_datetime, text
from collector.forges.base.interface import ListUnavailable, RepositoryUnavailable, RequestStats
from collector.forges.base.limits import Limits
from collector.forges.base.passes import Fetched, unchanged_since, whole_list_pass
from collector.forges.base.signals import NothingStored, Recall, SignalSettings
from collector.forges.gitlab import deletions, mapping
from collector.forges.gitlab import sync as gitlab_sync
from collector.forges.gitlab.changed_files import GitLabChangedFiles
from collector.forges.gitlab.client import GitLabClient, Refused, RequestFailed, short
from collector.forges.gitlab.deletions import IdSetCheck
from collector.forges.gitlab.quiet import Decision, Project, QuietNight, unstamp
from collector.forges.gitlab.signals import (
    INCIDENT_FILTERS,
    SIGNAL_KINDS,
    GitLabSignals,
    utc_iso,
)
from collector.model.incremental import SyncPage, SyncState, Validators
from collector.model.records import Item, Kind, RepoRef, Repository, Visibility
from config.models import GitLabSource
from core.errors import SourceError

Json = Mapping[str, Any]
T = TypeVar("T")

# Statuses that make one project unreadable without saying anything about the others.
PROJECT_GONE = {
    403: "access refused (403)",
    404: "not found (404): deleted, moved or no longer visible to the token",
}


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    """What the listing said about a project that decides which of its lists to ask for."""

    id: int
    empty: bool  # no commits yet: nothing to list in its repository
    merge_requests: bool  # the merge requests feature is on
    repository: bool  # the repository feature is on (commits, tags)
    releases: bool
    jobs: bool = True  # CI/CD is on
    issues: bool = True
    environments: bool = True  # environments and their deployments

    def wants(self, kind: Kind) -> bool:
        if kind is Kind.MERGE_REQUEST:
            return self.merge_requests
        if kind in (Kind.COMMIT, Kind.TAG, Kind.DECISION):
            return self.repository and not self.empty
        if kind is Kind.RELEASE:
            return self.releases and not self.empty
        if kind is Kind.DEPLOYMENT:
            return self.environments and not self.empty  # a deployment deploys a commit
        if kind is Kind.PIPELINE:
            return self.jobs and not self.empty
        return self.issues  # Kind.INCIDENT


def project_facts(raw: Json) -> ProjectFacts:
    def enabled(level: str, flag: str | None = None) -> bool:
        if flag is not None and raw.get(flag) is False:
            return False
        return raw.get(level) != "disabled"

    return ProjectFacts(
        id=int(raw["id"]),
        empty=bool(raw.get("empty_repo")),
        merge_requests=enabled("merge_requests_access_level", "merge_requests_enabled"),
        repository=enabled("repository_access_level"),
        releases=enabled("releases_access_level"),
        jobs=enabled("builds_access_level", "jobs_enabled"),
        issues=enabled("issues_access_level", "issues_enabled"),
        environments=enabled("environments_access_level"),
    )


class GitLabForge:
    """One configured GitLab instance and the groups, users and projects to read on it."""

    # Deployments before pipelines: a pipeline's environments come from its deployments.
    kinds: Sequence[Kind] = (
        Kind.MERGE_REQUEST,
        Kind.COMMIT,
        Kind.RELEASE,
        Kind.TAG,
        Kind.DEPLOYMENT,
        Kind.PIPELINE,
        Kind.INCIDENT,
        Kind.DECISION,
    )

    def __init__(
        self,
        config: GitLabSource,
        token: str,
        *,
        limits: Limits | None = None,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        random: Callable[[], float] = random_module.random,
        signals: SignalSettings | None = None,
        recall: Recall | None = None,
    ) -> None:
        """``limits``: retries and rate-limit patience (``[collect]``); ``sleep``,
        ``wall_clock`` and ``random`` replace the real ones in tests.

        ``signals``: the owner's choices that decide what to fetch (ADR folders, deploy
        job globs, which changes need their files); ``recall``: what the store holds,
        so that unchanged things are not fetched again.
        """
        self.name = config.source_name
        self.warnings: list[str] = []
        self._config = config
        if not token:
            raise SourceError(self.name, f"{config.token_env} is empty; export a GitLab token")
        self._limits = limits or Limits()
        self._client = GitLabClient(
            config,
            token,
            source=self.name,
            limits=self._limits,
            sleep=sleep,
            wall_clock=wall_clock,
            random=random,
        )
        self._projects: dict[str, ProjectFacts] = {}
        self._heads: dict[str, str | None] = {}  # project path -> default branch head, this run
        self._listing_complete = self._unreadable = False
        settings, stored = signals or SignalSettings(), recall or NothingStored()
        self._recall = stored
        self._adr_paths = settings.adr_paths
        self._entries = EntryMapper(config.host, self.warnings, self._client.stats)
        self._signals = GitLabSignals(
            self._client,
            settings,
            stored,
            entries=self._entries,
            warnings=self.warnings,
            host=config.host,
        )
        self._changed_files = GitLabChangedFiles(self._client, settings.policy, stored)
        self._night = QuietNight(self._limits.full_read_nights, self._group_changes)
        allowed = {Visibility.PUBLIC}
        if config.include_internal:
            allowed.add(Visibility.INTERNAL)
        if config.include_private:
            allowed.add(Visibility.PRIVATE)
        self._allowed = frozenset(allowed)

    # -- the ForgeSource interface ------------------------------------------------

    @property
    def stats(self) -> RequestStats:
        return self._client.stats

    def close(self) -> None:
        self._client.close()

    # -- the ForgeSource interface, continued ---------------------------------------------

    @property
    def listing_complete(self) -> bool:
        return self._listing_complete

    def repositories_since(self, known: Mapping[RepoRef, Repository]) -> Iterator[Repository]:
        """Projects in scope; languages are reused from ``known`` while there was no activity."""
        self._listing_complete = self._unreadable = False
        self._heads.clear()  # branch heads are asked once per run
        self._night.start()
        complete = True
        seen: set[str] = set()
        for scope, path, params, group in self._listing_scopes():
            try:
                for page in self._client.pages(path, params):
                    self._night_starts()
                    for raw in page:
                        repository = self._keep(raw, seen, scope, known, group=group)
                        if repository is not None:
                            yield repository
            except Refused as exc:
                self._scope_failed(scope, exc)
                complete = False
        for spec in self._config.projects:
            if spec.lower() in seen:
                continue  # already listed through a group or user: no need to ask again
            scope = f"project {spec}"
            try:
                _, raw = self._client.get(f"/projects/{quote(spec, safe='')}")
                self._night_starts()
            except Refused as exc:
                # A project named in the config that is gone is simply not listed.
                complete = complete and exc.status == 404
                self._scope_failed(scope, exc)
                continue
            if not isinstance(raw, Mapping):
                self.warnings.append(f"{scope}: unexpected answer from {self._host}; skipped")
                complete = False
                continue
            repository = self._keep(raw, seen, scope, known, explicit=True)
            if repository is not None:
                yield repository
        # A project skipped for unexpected data is not gone: flag nothing this time.
        self._listing_complete = complete and not self._unreadable

    def sync_items(
        self, repository: Repository, kind: Kind, state: SyncState
    ) -> Iterator[SyncPage]:
        """The pages to commit for one (project, kind): only what changed since ``state``."""
        key = repository.ref.path.lower()
        facts = self._projects.get(key)
        if facts is not None and not facts.wants(kind):
            return  # the feature is off or the repository empty: nothing to ask for
        base = self._base(repository, facts)
        # The lists read the cursor's own marker; the quiet night's stamp is its business.
        view = replace(
            state, cursor=replace(state.cursor, marker=unstamp(state.cursor.marker).inner)
        )
        deployed = (
            self._recall.newest_update(repository.ref, kind) if kind is Kind.DEPLOYMENT else None
        )
        decision = self._night.decide(key, kind, state, deploys=deployed is not None)
        pages: Iterator[SyncPage] = iter(())
        if decision is Decision.CONFIRM:
            pages = self._night.confirmed(view)
        elif decision is Decision.READ:
            pages = self._night.stamped(self._changed_pages(repository, kind, base, view), view)
            if kind is Kind.DEPLOYMENT:
                pages = self._noting_deployments(pages, key, deployed)
        check = self._deletion_check(repository, kind, base, facts, state)
        if check is not None:
            pages = self._then_check(pages, check, state)
        yield from self._guarded(pages, repository, f"{base} ({kind.value})")

    def _noting_deployments(
        self, pages: Iterator[SyncPage], key: str, newest: datetime | None
    ) -> Iterator[SyncPage]:
        """``pages``; a project whose deployments brought news gets its deploy jobs read.

        News is an update after the newest stored one: the reader reads on from
        that one itself, so it comes back every night.
        """
        for page in pages:
            updates = (item.updated_at or item.created_at for item in page.items)
            if any(newest is None or moment > newest for moment in updates):
                self._night.deployments_read(key)
            yield page

    def _night_starts(self) -> None:
        """The quiet night's clock: the forge's, from the first answer of the listing."""
        self._night.clock(self._client.answered_at())

    def _group_changes(self, group: str, kind: Kind, since: datetime) -> dict[int, datetime] | None:
        """Project id -> newest ``updated_at`` the group's list names for ``kind`` since
        ``since`` (subgroups included); None when it cannot be read tonight."""
        if kind is Kind.MERGE_REQUEST:
            endpoint, params = "merge_requests", {"scope": "all", "state": "all"}
        else:
            endpoint, params = "issues", dict(INCIDENT_FILTERS)
        params |= {"updated_after": utc_iso(since), "order_by": "updated_at", "sort": "desc"}
        if self._config.include_archived:
            params["non_archived"] = "false"  # GitLab leaves archived projects out by default
        path = f"/groups/{quote(group, safe='')}/{endpoint}"
        newest: dict[int, datetime] = {}
        try:
            for page in self._client.pages(path, params):
                for entry in page:
                    project, updated = (
                        entry.get("project_id"),
                        parse_datetime(entry.get("updated_at")),
                    )
                    if isinstance(project, int) and updated is not None:
                        newest[project] = max(updated, newest.get(project, updated))
        except (Refused, RequestFailed) as exc:
            if isinstance(exc, RequestFailed) and exc.unreachable:
                raise
            problem = f"{exc.status}: {exc.message}" if isinstance(exc, Refused) else exc.problem
            self.warnings.append(
                f"group {group}: its {endpoint.replace('_', ' ')} list failed ({problem}); "
                "each project's own list is asked instead"
            )
            return None
        return newest

    def _deletion_check(
        self,
        repository: Repository,
        kind: Kind,
        base: str,
        facts: ProjectFacts | None,
        state: SyncState,
    ) -> IdSetCheck | None:
        """Tonight's check of this list for deleted items, if it is due (``deletions``)."""
        nights = self._limits.deletion_check_nights
        if facts is None or not deletions.due(facts.id, state.now.date(), nights):
            return None
        if kind is Kind.MERGE_REQUEST:
            endpoint, params = f"{base}/merge_requests", {"state": "all"}
        elif kind is Kind.INCIDENT:
            endpoint, params = f"{base}/issues", dict(INCIDENT_FILTERS)
        else:
            return None
        return IdSetCheck(endpoint, params, self._recall.current_keys(repository.ref, kind))

    def _then_check(
        self, pages: Iterator[SyncPage], check: IdSetCheck, state: SyncState
    ) -> Iterator[SyncPage]:
        cursor = state.cursor
        for page in pages:
            cursor = page.cursor
            yield page
        if cursor.complete:  # only after a whole pass: what it wrote is confirmed below
            yield from check.pages(self._client.get, self._client.pages, state, cursor)

    def _changed_pages(
        self, repository: Repository, kind: Kind, base: str, state: SyncState
    ) -> Iterator[SyncPage]:
        """What ``collector.forges.gitlab.sync`` says to read for ``kind``, as pages to commit."""
        if kind in SIGNAL_KINDS:
            marker = None
            if kind is Kind.DECISION:
                head = self._head(base, repository)
                marker = gitlab_sync.decision_marker(head, self._adr_paths)
                if unchanged_since(state.cursor, marker):
                    return
            batches = self._signals.items(kind, repository, base)
            whole_list = kind is Kind.DECISION  # every ADR file is listed: deletions show
            yield from gitlab_sync.signal_pages(
                batches, state, marker=marker, whole_list=whole_list
            )
            return
        endpoint, params, to_item = self._item_endpoint(kind, base, repository)

        def fetch(url: str, validators: Validators | None) -> Fetched:
            page = self._client.page(url, validators)
            if page.entries is None:
                return Fetched(url, None, None, None)
            records = self._records(kind, repository, base, page.entries, to_item)
            return Fetched(url, tuple(records), page.next_url, page.validators)

        def list_url(filters: dict[str, str]) -> str:
            return self._client.list_url(endpoint, {**params, **filters})

        if kind is Kind.MERGE_REQUEST:
            yield from gitlab_sync.merge_request_pages(fetch, list_url, state)
        elif kind is Kind.COMMIT:
            whole = gitlab_sync.reads_whole_branch(state.cursor)
            head = None if whole else self._head(base, repository)
            for page in gitlab_sync.commit_pages(fetch, list_url, state, head=head):
                if whole and page.cursor.completed_at is not None:
                    # The head as the first commit listed: no request needed for it.
                    self._heads[repository.ref.path.lower()] = page.cursor.marker
                yield page
        else:  # releases and tags: in no order that tells what changed
            page_size = self._config.page_size
            yield from whole_list_pass(fetch, list_url({}), state, page_size=page_size)

    def _records(
        self,
        kind: Kind,
        repository: Repository,
        base: str,
        page: Sequence[Json],
        to_item: Callable[[Json], Item],
    ) -> list[Item]:
        """One page mapped; candidates among the changes get their changed files."""
        records = self._entries.each(kind, repository, page, to_item)
        if not records:
            return records
        # Changed files are cached in the store while the change itself is unchanged.
        return self._changed_files.with_changed_files(kind, repository, base, records)

    def _guarded(self, pages: Iterator[T], repository: Repository, endpoint: str) -> Iterator[T]:
        """``pages`` with GitLab's refusals turned into what the sync loop understands."""
        try:
            yield from pages
        except Refused as exc:
            if exc.status in PROJECT_GONE:
                raise self._list_refused(repository, endpoint, exc) from None
            raise self._unexpected(exc, endpoint) from None
        except RequestFailed as exc:
            if exc.unreachable:
                raise  # no other project of this instance would fare better
            # This project's list keeps failing: skip it, the others go on.
            raise RepositoryUnavailable(repository.ref.path, exc.problem) from None

    def _list_refused(
        self, repository: Repository, endpoint: str, exc: Refused
    ) -> ListUnavailable | RepositoryUnavailable | SourceError:
        """A 403 or 404 on one list: only the project resource itself may say it is gone.

        One more request, and only when a list was refused: ``GET /projects/:id``.
        A 404 there means deleted, moved away or no longer visible to the token.
        """
        facts = self._projects.get(repository.ref.path.lower())
        project = self._base(repository, facts)
        answered = True
        try:
            self._client.get(project)
        except Refused as probe:
            if probe.status not in PROJECT_GONE:
                return self._unexpected(probe, project)
            return RepositoryUnavailable(
                repository.ref.path,
                f"{PROJECT_GONE[probe.status]}: {probe.message}",
                gone=probe.status == 404,
            )
        except RequestFailed as failed:
            if failed.unreachable:  # the forge itself is down: no list of it would fare better
                return failed  # a SourceError: it ends the source, as any unreachable answer
            answered = False  # could not ask: judge by the list alone, never "gone"
        listing = exc.path or endpoint
        said = "the project itself answers" if answered else "the project could not be asked"
        if exc.status == 403:
            reason = f"access refused (403: {exc.message}) although {said}"
            return ListUnavailable(repository.ref.path, listing, reason, refused=answered)
        reason = f"not found (404: {exc.message}) although {said}"
        return ListUnavailable(repository.ref.path, listing, reason)

    def _base(self, repository: Repository, facts: ProjectFacts | None) -> str:
        # The numeric id is stable across renames and needs no path encoding.
        project = str(facts.id) if facts is not None else quote(repository.ref.path, safe="")
        return f"/projects/{project}"

    def _head(self, base: str, repository: Repository) -> str | None:
        """The default branch's head commit: one request per project and run."""
        key = repository.ref.path.lower()
        if key not in self._heads:
            branch = quote(repository.default_branch, safe="")
            try:
                _, data = self._client.get(f"{base}/repository/branches/{branch}")
            except Refused as exc:
                if exc.status != 404:
                    raise
                data = None  # no such branch (yet): no marker, so everything is read
            commit = data.get("commit") if isinstance(data, Mapping) else None
            head = commit.get("id") if isinstance(commit, Mapping) else None
            self._heads[key] = head if isinstance(head, str) and head else None
        return self._heads[key]

    # -- scopes and projects ------------------------------------------------------------

    def _listing_scopes(self) -> Iterator[tuple[str, str, dict[str, str], str | None]]:
        """(scope, path, params, the group whose group-level lists cover its projects)."""
        # Only public wanted: GitLab filters, and other projects are never even listed.
        public_only = {"visibility": "public"} if self._allowed == {Visibility.PUBLIC} else {}
        for group in self._config.groups:
            params = {
                "include_subgroups": "true",
                "with_shared": "false",  # the group's own projects, not ones shared into it
                "order_by": "id",  # stable under new projects: no page shifts mid-listing
                "sort": "asc",
                **public_only,
            }
            yield f"group {group}", f"/groups/{quote(group, safe='')}/projects", params, group
        for user in self._config.users:
            # The one project listing where GitLab offers keyset pagination.
            params = {"pagination": "keyset", "order_by": "id", "sort": "asc", **public_only}
            yield f"user {user}", f"/users/{quote(user, safe='')}/projects", params, None

    def _keep(
        self,
        raw: Json,
        seen: set[str],
        scope: str,
        known: Mapping[RepoRef, Repository],
        *,
        explicit: bool = False,
        group: str | None = None,
    ) -> Repository | None:
        """Map a listed project if the policy keeps it and no other scope did."""
        path = text(raw, "path_with_namespace")
        project_id = raw.get("id")
        if not path or path.lower() in seen:
            return None
        seen.add(path.lower())
        if isinstance(project_id, int) and not isinstance(project_id, bool):
            seen.add(str(project_id))  # so an explicit numeric id is not fetched again
        config = self._config
        visibility = mapping.visibility(raw)
        if visibility not in self._allowed:
            if explicit:
                internal = visibility is Visibility.INTERNAL
                flag = "include_internal" if internal else "include_private"
                self.warnings.append(
                    f"{scope}: is {visibility.value}; set {flag} = true to collect it"
                )
            return None
        if mapping.is_fork(raw) and not config.include_forks:
            return None
        if raw.get("archived") and not config.include_archived:
            return None
        try:
            facts = project_facts(raw)
            languages = self._languages(raw, facts, path, known) if facts.wants(Kind.COMMIT) else {}
            repository = mapping.repository(
                raw, host=config.host, source=self.name, languages=languages
            )
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            self._unreadable = True
            self.warnings.append(
                f"{scope}: project {path} has unexpected data ({short(exc)}); skipped"
            )
            return None
        self._projects[path.lower()] = facts
        activity = parse_datetime(raw.get("last_activity_at"))
        self._night.listed(path.lower(), Project(facts.id, activity, group))
        return repository

    def _languages(
        self, raw: Json, facts: ProjectFacts, path: str, known: Mapping[RepoRef, Repository]
    ) -> dict[str, int]:
        # The project lists carry no language breakdown: one request per project, unless
        # ``last_activity_at`` has not moved since it was stored. That marker is written at
        # most hourly and misses some changes (see collector.forges.gitlab.sync), so a breakdown
        # may lag a push by a night: harmless for a share of languages, unlike for items.
        stored = known.get(RepoRef(forge="gitlab", host=self._config.host, path=path))
        activity = parse_datetime(raw.get("last_activity_at"))
        if stored is not None and activity is not None and stored.pushed_at == activity:
            return dict(stored.languages)
        endpoint = f"/projects/{facts.id}/languages"
        try:
            _, data = self._client.get(endpoint)
        except Refused as exc:
            if exc.status not in PROJECT_GONE:
                raise self._unexpected(exc, endpoint) from None
            self.warnings.append(
                f"project {path}: languages unavailable ({exc.status}); collected without them"
            )
            return {}
        return mapping.languages(data)

    def _scope_failed(self, scope: str, exc: Refused) -> None:
        """A group, user or project that cannot be listed: warn and go on with the others."""
        what = scope.split(" ", 1)[0]
        if exc.status == 404:
            self.warnings.append(
                f"{scope}: not found on {self._host} ({exc.message}); check the name in "
                f"{what}s and that the token in {self._config.token_env} can see it"
            )
        elif exc.status == 403:
            self.warnings.append(
                f"{scope}: access refused on {self._host} (403: {exc.message}); check the "
                f"token's access to it"
            )
        else:
            raise self._unexpected(exc, scope) from None

    # -- items ------------------------------------------------------------------------------

    def _item_endpoint(
        self, kind: Kind, base: str, repository: Repository
    ) -> tuple[str, dict[str, str], Callable[[Json], Item]]:
        if kind is Kind.MERGE_REQUEST:
            ref = repository.ref
            # Most recently updated first, so a later run can stop at what it has seen.
            params = {"state": "all", "order_by": "updated_at", "sort": "desc"}
            return f"{base}/merge_requests", params, lambda raw: mapping.merge_request(raw, ref)
        if kind is Kind.COMMIT:
            params = {"ref_name": repository.default_branch}
            return f"{base}/repository/commits", params, lambda raw: mapping.commit(raw, repository)
        if kind is Kind.RELEASE:
            params = {"order_by": "released_at", "sort": "desc"}
            return f"{base}/releases", params, lambda raw: mapping.release(raw, repository)
        if kind is Kind.TAG:
            params = {"order_by": "updated", "sort": "desc"}
            return f"{base}/repository/tags", params, lambda raw: mapping.tag(raw, repository)
        raise ValueError(f"the GitLab source does not collect {kind}")

    def _unexpected(self, exc: Refused, where: str) -> SourceError:
        return SourceError(
            self.name, f"unexpected answer {exc.status} from {self._host} ({where}): {exc.message}"
        )

    @property
    def _host(self) -> str:
        return self._config.host
