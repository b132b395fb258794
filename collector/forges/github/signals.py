"""GitHub's evidence signals: deployments, deploy workflow runs, incidents and decision records.

Requests go through the source's ``GitHubRequests`` (counted, conditional,
retried, within the rate-limit budget); JSON is mapped by
``collector.forges.github.signal_mapping``. Each list is read newest first: page 1 is
asked conditionally with the ETag of its last reading, so a list that did not
change answers 304 (free on GitHub) and nothing else is read; otherwise pages
are read down to the newest stored entry (less an overlap). Each kind of one
repository is committed as one page, with the memos of its lists, so a 304 can
only ever mean "stored".

Cost per repository per night (docs/forges.md, "What GitHub collects"):

- deployments: 1 list request (304 when nothing was deployed), plus one
  ``/statuses?per_page=100`` request per *production* deployment not stored with a
  final status yet (success, failure, error): those on the list when it
  changed, and, whatever the list answered, those stored unfinished that were
  created in the last ``REFRESH_WINDOW`` (30 days; at most ``MAX_REFRESHES``, 20);
- deploy workflow runs: 1 request for the workflows, plus 1 per deploy workflow;
- incidents: 1 per incident label;
- decision records: nothing while the repository's ``pushed_at`` has not moved
  since their last complete reading (files change only with a push); after a
  push, 1 recursive tree of the default branch (conditional: a 304 when no file
  changed; a truncated tree falls back to 1 per ADR folder), plus 2 per new or
  changed ADR file (its text, the commits that touched it).

A production deployment stored while still pending gets its final status on the
next run after it ends, even when the deployments list answers 304: the stored
unfinished ones are asked again (``_unfinished``), since a new status need not
change the list and an older deployment is beyond the pages read anyway. One still
unfinished ``REFRESH_WINDOW`` after it was created is taken as abandoned and keeps
the status it was stored with.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

from github import GithubException

from collector.forges.base.adr import is_adr_file, parse_adr
from collector.forges.base.entries import EntryMapper
from collector.forges.base.fields import parse_datetime
from collector.forges.base.passes import unchanged_since
from collector.forges.base.signals import Recall, SignalSettings, decision_record, reusable_decision
from collector.forges.github import signal_mapping
from collector.forges.github.client import Answer, short
from collector.forges.github.signal_mapping import ContentsEntry, Json, Workflow
from collector.forges.github.sync import pushed_marker
from collector.model.incremental import Cursor, PageMemo, SyncPage, SyncState, Validators
from collector.model.records import Deployment, Item, Kind, Pipeline, Repository

SIGNAL_KINDS = (Kind.DEPLOYMENT, Kind.PIPELINE, Kind.INCIDENT, Kind.DECISION)

PAGE_SIZE = 100
# The first reading of a list takes this many of its newest entries (runs: one page).
FIRST_READING = 1000
FIRST_RUNS = 100
# Lists are read down to the newest stored update less this; a run that was in
# progress at the last reading and finished since shows up within it.
OVERLAP = timedelta(days=1)
MAX_DECISIONS = 500  # a repository with more ADR files is not a decision log
MAX_ADR_CHARS = 256_000  # an ADR is a page or two; the rest of a huge file is not read
DECISION_COMMITS = 30  # per_page of the commits that touched an ADR file
# A production deployment stored before its final status is asked again on every run,
# whatever the deployments list answered, while it is younger than REFRESH_WINDOW; at
# most MAX_REFRESHES per repository and run, newest first. A deploy ends within hours:
# one without a final status after 30 days was abandoned (its job died before reporting,
# or its tool never reports the end) and nothing on GitHub will end it, so asking on
# would cost a request a night for nothing. The cap bounds what a tool that never posts
# final statuses (an unfinished deployment per deploy) costs a repository per night;
# the newest are the ones still likely to finish.
REFRESH_WINDOW = timedelta(days=30)
MAX_REFRESHES = 20

# get(url relative to the API root, validators or None) -> Answer; raises GithubException.
Get = Callable[[str, Validators | None], Answer]
# next_url(response headers, url asked) -> the next page's URL, or None.
NextUrl = Callable[[Mapping[str, str], str], str | None]
Entries = Callable[[Any], list[Json]]
At = Callable[[Json], datetime | None]


def _bare_list(data: Any) -> list[Json]:
    return [entry for entry in data if isinstance(entry, Mapping)] if isinstance(data, list) else []


class GitHubSignals:
    """Reads the signal kinds of one GitHub source's repositories."""

    def __init__(
        self,
        get: Get,
        next_url: NextUrl,
        settings: SignalSettings,
        recall: Recall,
        *,
        entries: EntryMapper,
        warnings: list[str],
        host: str,
    ) -> None:
        self._entries = entries
        self._get = get
        self._next_url = next_url
        self._settings = settings
        self._recall = recall
        self._warnings = warnings
        self._host = host

    def pages(self, repository: Repository, kind: Kind, state: SyncState) -> Iterator[SyncPage]:
        """The pages to commit for one signal kind of ``repository``."""
        readers: dict[Kind, Callable[[Repository, SyncState, _Reading], Iterator[list[Item]]]] = {
            Kind.DEPLOYMENT: self._deployments,
            Kind.PIPELINE: self._pipelines,
            Kind.INCIDENT: self._incidents,
            Kind.DECISION: self._decisions,
        }
        # Decision records are files: they change only with a push. Skipped without a
        # request while ``pushed_at`` (and the ADR folders asked for) are as they were at
        # the last complete reading; the same marker test as commits (collector.forges.github.sync).
        marker = self._decision_marker(repository) if kind is Kind.DECISION else None
        if unchanged_since(state.cursor, marker):
            return
        reading = _Reading()
        try:
            batches = list(readers[kind](repository, state, reading))
        except GithubException as exc:
            if exc.status != 403:
                raise
            # Not readable with this token (fine-grained without that permission): the
            # repository's other kinds are still collected; nothing stored is dropped.
            self._warnings.append(
                f"repo {repository.ref.path}: {kind.value} records not readable with this "
                f"token (403); grant it read access to them to collect them"
            )
            return
        items = tuple(item for batch in batches for item in batch)
        if not reading.changed:
            # Every list answered 304 (or is absent as before): what is stored is current,
            # but for the deployments whose final status came since (``_unfinished``).
            cursor = replace(state.cursor, current=None)
            if marker is not None:  # complete from this marker on: skipped until the next push
                cursor = replace(
                    cursor, marker=marker, completed_at=cursor.completed_at or state.now
                )
            yield SyncPage(items=items, cursor=cursor, not_modified=not items)
            return
        # One commit per kind: the memos go with the items they describe.
        yield SyncPage(
            items=items,
            cursor=Cursor(marker=marker, completed_at=state.now),
            memos=tuple(reading.memos),
        )

    def _decision_marker(self, repository: Repository) -> str | None:
        """``pushed_at`` plus the configured ADR folders: a new folder must be read at once."""
        pushed = pushed_marker(repository)
        if pushed is None:  # never pushed: no marker, so read every run (a 404, nothing stored)
            return None
        return "\t".join((pushed, *sorted(self._settings.adr_paths)))

    # -- lists -------------------------------------------------------------------------------

    def _read(
        self,
        url: str,
        state: SyncState,
        reading: _Reading,
        *,
        entries: Entries = _bare_list,
        at: At | None = None,
        stop_before: datetime | None = None,
        first_reading: int = FIRST_READING,
    ) -> list[Json]:
        """A newest-first list down to ``stop_before`` (the first reading: ``first_reading``).

        Page 1 is asked with its memo; a 304 returns nothing. Its new memo is kept in
        ``reading`` for the commit.
        """
        memo = state.memos.get(url)
        answer = self._get(url, memo.validators if memo is not None else None)
        if answer.not_modified:
            return []
        reading.changed = True
        validators = Validators.from_headers(answer.headers)
        first_next = self._next_url(answer.headers, url)
        if validators is not None:
            reading.memos.append(PageMemo(url, validators, first_next))
        collected: list[Json] = []
        page_url = url
        while True:
            page = entries(answer.data)
            collected.extend(page)
            next_url = self._next_url(answer.headers, page_url)
            times = [moment for moment in (at(e) for e in page) if moment is not None] if at else []
            if (
                next_url is None
                or not page
                or (stop_before is None and len(collected) >= first_reading)
                or (stop_before is not None and times and min(times) < stop_before)
            ):
                return collected
            page_url = next_url
            answer = self._get(page_url, None)

    def _stop_before(self, repository: Repository, kind: Kind) -> datetime | None:
        newest = self._recall.newest_update(repository.ref, kind)
        return None if newest is None else newest - OVERLAP

    # -- deployments ---------------------------------------------------------------------------

    def _deployments(
        self, repository: Repository, state: SyncState, reading: _Reading
    ) -> Iterator[list[Item]]:
        base = _base(repository)
        raw = self._read(
            f"{base}/deployments?{urlencode({'per_page': PAGE_SIZE})}",
            state,
            reading,
            at=lambda e: parse_datetime(e.get("created_at")),
            stop_before=self._stop_before(repository, Kind.DEPLOYMENT),
        )
        records = self._entries.each(
            Kind.DEPLOYMENT, repository, raw, lambda e: signal_mapping.deployment(e, repository)
        )
        stored = self._recall.stored_items(
            repository.ref, Kind.DEPLOYMENT, [r.key for r in records]
        )
        result: list[Item] = []
        for record in records:
            before = stored.get(record.key)
            if (
                isinstance(before, Deployment)
                and before.status in signal_mapping.FINAL_DEPLOYMENT_STATUSES
            ):
                result.append(signal_mapping.with_stored_status(record, before))
            elif self._settings.policy.is_production(record.environment):
                # One request per production deployment not yet final: the list has no status.
                result.append(signal_mapping.with_statuses(record, self._statuses(base, record)))
            else:
                result.append(record)
        yield result
        yield self._unfinished(repository, state.now, listed={r.key for r in records})

    def _unfinished(
        self, repository: Repository, now: datetime, *, listed: Collection[str]
    ) -> list[Item]:
        """Stored production deployments not final yet, asked again: those whose status moved.

        Not those on the list just read (asked above). Asked even when the list answered
        304: a new status need not change the list, and a deployment older than the pages
        read is not on them. Within ``REFRESH_WINDOW`` and ``MAX_REFRESHES`` (see there).
        """
        stored = self._recall.unfinished_deployments(
            repository.ref, now - REFRESH_WINDOW, signal_mapping.FINAL_DEPLOYMENT_STATUSES
        )
        due = [
            d
            for d in stored
            if d.key not in listed and self._settings.policy.is_production(d.environment)
        ]
        base = _base(repository)
        moved: list[Item] = []
        for before in due[:MAX_REFRESHES]:
            after = signal_mapping.with_statuses(before, self._statuses(base, before))
            if after != before:  # still as stored: nothing to write
                moved.append(after)
        return moved

    def _statuses(self, base: str, record: Deployment) -> list[Json]:
        """A deployment's statuses, newest first: one request (a deployment has a handful).

        All of them, not just the newest: a superseded deployment's success is under
        its ``inactive`` status (``signal_mapping.with_statuses``).
        """
        url = f"{base}/deployments/{quote(record.id, safe='')}/statuses?per_page={PAGE_SIZE}"
        try:
            data = self._get(url, None).data
        except GithubException as exc:
            if exc.status == 404:  # deleted since it was listed
                return []
            raise
        return _bare_list(data)

    # -- deploy workflow runs ----------------------------------------------------------------------

    def _pipelines(
        self, repository: Repository, state: SyncState, reading: _Reading
    ) -> Iterator[list[Item]]:
        base = _base(repository)
        url = f"{base}/actions/workflows?{urlencode({'per_page': PAGE_SIZE})}"
        memo = state.memos.get(url)
        try:
            answer = self._get(url, memo.validators if memo is not None else None)
        except GithubException as exc:
            # Not readable with this token. A 404 is no such answer (GitHub's description
            # gives this list only a 200): it fails the list, the caller says so.
            if exc.status == 403:
                return
            raise
        if answer.not_modified and memo is not None:
            # The memo's keys are the deploy workflows "id\tname\tpath" found last time.
            deploy = [Workflow(*key.split("\t", 2)) for key in memo.keys if key.count("\t") == 2]
        else:
            reading.changed = True
            deploy = [
                w
                for w in signal_mapping.workflows(answer.data)
                if self._settings.is_deploy_job(w.name, w.path, w.path.rsplit("/", 1)[-1])
            ]
            validators = Validators.from_headers(answer.headers)
            if validators is not None:
                keys = tuple(f"{w.id}\t{w.name}\t{w.path}" for w in deploy)
                reading.memos.append(PageMemo(url, validators, None, keys))
        stop_before = self._stop_before(repository, Kind.PIPELINE)
        for workflow in deploy:
            params = {"status": "completed", "per_page": PAGE_SIZE}
            runs = self._read(
                f"{base}/actions/workflows/{quote(workflow.id, safe='')}/runs?{urlencode(params)}",
                state,
                reading,
                entries=signal_mapping.workflow_runs,
                at=lambda e: parse_datetime(e.get("created_at")),
                stop_before=stop_before,
                first_reading=FIRST_RUNS,
            )
            yield self._entries.each(
                Kind.PIPELINE,
                repository,
                runs,
                partial(_workflow_run, repository=repository, workflow=workflow),
            )

    # -- incidents -------------------------------------------------------------------------------

    def _incidents(
        self, repository: Repository, state: SyncState, reading: _Reading
    ) -> Iterator[list[Item]]:
        base = _base(repository)
        stop_before = self._stop_before(repository, Kind.INCIDENT)
        for label in self._settings.incident_labels:
            params = {
                "labels": label,
                "state": "all",
                "sort": "updated",
                "direction": "desc",
                "per_page": PAGE_SIZE,
            }
            try:
                raw = self._read(
                    f"{base}/issues?{urlencode(params)}",
                    state,
                    reading,
                    at=lambda e: parse_datetime(e.get("updated_at")),
                    stop_before=stop_before,
                )
            except GithubException as exc:
                if exc.status == 410:  # issues are switched off for this repository
                    return
                raise
            issues = [e for e in raw if not signal_mapping.is_pull_request(e)]
            yield self._entries.each(
                Kind.INCIDENT, repository, issues, lambda e: signal_mapping.incident(e, repository)
            )

    # -- decision records ------------------------------------------------------------------------

    def _decisions(
        self, repository: Repository, state: SyncState, reading: _Reading
    ) -> Iterator[list[Item]]:
        files = self._adr_files(repository, state, reading)
        if len(files) > MAX_DECISIONS:
            self._warnings.append(
                f"repo {repository.ref.path}: {len(files)} files in the ADR folders; "
                f"the first {MAX_DECISIONS} are read"
            )
            files = files[:MAX_DECISIONS]
        stored = self._recall.stored_items(repository.ref, Kind.DECISION, [f.path for f in files])
        branch = quote(repository.default_branch, safe="")
        for entry in files:
            url = f"{repository.url}/blob/{branch}/{quote(entry.path)}"
            record: Item | None = reusable_decision(
                stored.get(entry.path), blob_sha=entry.sha, url=url
            )
            if record is None:
                record = self._read_decision(repository, entry, url)
            if record is not None:
                yield [record]

    def _adr_files(
        self, repository: Repository, state: SyncState, reading: _Reading
    ) -> list[ContentsEntry]:
        """Markdown files of the ADR folders; [] when nothing changed (a 304).

        One request: the default branch's recursive tree lists every file with its
        blob sha, so a missing folder costs nothing (asking each candidate folder
        cost a 404 apiece). A tree GitHub truncated (over 100,000 entries or 7 MB)
        falls back to asking each folder's contents.
        """
        branch = quote(repository.default_branch, safe="")
        url = f"{_base(repository)}/git/trees/{branch}?recursive=1"
        memo = state.memos.get(url)
        try:
            answer = self._get(url, memo.validators if memo is not None else None)
        except GithubException as exc:
            if exc.status in (404, 409):  # no such branch, or an empty repository
                return []
            raise
        if answer.not_modified:
            return []
        tree = signal_mapping.tree_files(answer.data)
        if tree is None:
            return self._adr_files_by_folder(repository, state, reading)
        reading.changed = True
        validators = Validators.from_headers(answer.headers)
        if validators is not None:
            reading.memos.append(PageMemo(url, validators, None))
        adr_paths = self._settings.adr_paths
        return sorted((e for e in tree if is_adr_file(e.path, adr_paths)), key=lambda e: e.path)

    def _adr_files_by_folder(
        self, repository: Repository, state: SyncState, reading: _Reading
    ) -> list[ContentsEntry]:
        """The ADR folders' files through ``/contents``, one request per folder."""
        base = _base(repository)
        ref = urlencode({"ref": repository.default_branch})
        found: dict[str, ContentsEntry] = {}
        for folder in dict.fromkeys(f.strip("/") for f in self._settings.adr_paths if f.strip("/")):
            url = f"{base}/contents/{quote(folder)}?{ref}"
            memo = state.memos.get(url)
            try:
                answer = self._get(url, memo.validators if memo is not None else None)
            except GithubException as exc:
                if exc.status == 404:  # no such folder (or an empty repository)
                    continue
                raise
            if answer.not_modified:
                continue
            reading.changed = True
            validators = Validators.from_headers(answer.headers)
            if validators is not None:
                reading.memos.append(PageMemo(url, validators, None))
            for entry in signal_mapping.contents_entries(answer.data):
                if entry.type == "file" and is_adr_file(entry.path, self._settings.adr_paths):
                    found[entry.path] = entry
        return sorted(found.values(), key=lambda e: e.path)

    def _read_decision(self, repository: Repository, entry: ContentsEntry, url: str) -> Item | None:
        base = _base(repository)
        ref = urlencode({"ref": repository.default_branch})
        history = urlencode(
            {"path": entry.path, "sha": repository.default_branch, "per_page": DECISION_COMMITS}
        )
        try:
            # The base64 ``content``; ``download_url`` is another host, never sent the token.
            content = self._get(f"{base}/contents/{quote(entry.path)}?{ref}", None).data
            commits = self._get(f"{base}/commits?{history}", None).data
        except GithubException as exc:
            if exc.status == 404:  # removed since the folder was listed: the next run sees it
                return None
            raise
        try:
            record = decision_record(
                repository.ref,
                entry.path,
                parse_adr(entry.path, signal_mapping.file_text(content, MAX_ADR_CHARS)),
                blob_sha=entry.sha,
                url=url,
                commits=[
                    commit
                    for commit in map(signal_mapping.file_commit, _bare_list(commits))
                    if commit is not None
                ],
                fallback_date=repository.pushed_at or repository.created_at,
            )
        except (KeyError, TypeError, ValueError) as exc:  # ValidationError included
            problem = f"unexpected data from {self._host} ({short(exc)})"
        else:
            if record is not None:
                return record
            problem = "no date and no commits"
        # One odd file must not cost the repository its other records.
        self._warnings.append(f"repo {repository.ref.path}: {entry.path}: {problem}; skipped")
        return None


class _Reading:
    """What one kind's reading found: whether any list changed, and the memos to store."""

    def __init__(self) -> None:
        self.changed = False
        self.memos: list[PageMemo] = []


def _base(repository: Repository) -> str:
    owner, _, name = repository.ref.path.partition("/")
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def _workflow_run(run: Json, *, repository: Repository, workflow: Workflow) -> Pipeline:
    return signal_mapping.workflow_run(run, repository, workflow)
