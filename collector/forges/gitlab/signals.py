"""GitLab's evidence signals: deployments, deploy pipelines, incidents and decision records.

Requests go through the source's ``GitLabClient`` (counted, bounded, retried);
JSON is mapped by ``collector.forges.gitlab.signal_mapping``. What the store already
holds (``Recall``) decides how much is read: lists are read on from the newest
stored update, and an ADR whose blob did not change is not read again.

Cost per project per night, with nothing new: one request each for deployments,
deploy jobs and incidents, and one to three tree listings for the ADR folders.
Each new or changed ADR file costs two (its text, its commits). The changed files
of merge requests and commits are ``collector.forges.gitlab.changed_files``' job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import quote

from collector.forges.base.adr import is_adr_file, parse_adr
from collector.forges.base.entries import EntryMapper
from collector.forges.base.interface import RepositoryUnavailable
from collector.forges.base.signals import Recall, SignalSettings, decision_record, reusable_decision
from collector.forges.gitlab import signal_mapping
from collector.forges.gitlab.client import GitLabClient, Json, Query, Refused, short
from collector.forges.gitlab.signal_mapping import Job, TreeEntry
from collector.model.records import Item, Kind, Pipeline, Repository

T = TypeVar("T")

SIGNAL_KINDS = (Kind.DEPLOYMENT, Kind.PIPELINE, Kind.INCIDENT, Kind.DECISION)

# The first reading of a list takes this many of its newest entries; later ones read on
# from the newest stored update, oldest first, so an interrupted run resumes where it
# stopped. The overlap re-reads a little, for updates committed late on the server.
FIRST_READING = 1000
OVERLAP = timedelta(hours=1)
EARLIEST = "2011-01-01T00:00:00Z"  # older than GitLab itself
# The jobs list cannot be filtered by time: it is read newest first down to the jobs
# created some days before the newest stored deploy pipeline, and never beyond
# MAX_JOBS jobs. A deploy job played long after its pipeline was created may be missed;
# one that deployed to an environment is a deployment record all the same.
MAX_JOBS = 1000
JOB_OVERLAP = timedelta(days=3)
# A repository with more ADR files than this is not a decision log; read that many.
MAX_DECISIONS = 500
MAX_ADR_CHARS = 256_000  # an ADR is a page or two; the rest of a huge file is not read
DECISIONS_PER_PAGE = 20  # records committed together while the files are read


# The incidents the collector reads. A confidential incident is for the project's
# members only: never read it.
INCIDENT_FILTERS = {"issue_type": "incident", "state": "all", "confidential": "false"}


class GitLabSignals:
    """Reads the signal kinds of one GitLab source's projects."""

    def __init__(
        self,
        client: GitLabClient,
        settings: SignalSettings,
        recall: Recall,
        *,
        entries: EntryMapper,
        warnings: list[str],
        host: str,
    ) -> None:
        self._entries = entries
        self._client = client
        self._settings = settings
        self._recall = recall
        self._warnings = warnings
        self._host = host
        # pipeline id -> environments its deployments went to, per project, from this run.
        self._environments: dict[str, dict[int, set[str]]] = {}

    def items(self, kind: Kind, repository: Repository, base: str) -> Iterator[list[Item]]:
        """Pages of ``kind`` for the project at ``base`` (``/projects/<id>``)."""
        readers: dict[Kind, Callable[[Repository, str], Iterator[list[Item]]]] = {
            Kind.DEPLOYMENT: self._deployments,
            Kind.PIPELINE: self._pipelines,
            Kind.INCIDENT: self._incidents,
            Kind.DECISION: self._decisions,
        }
        try:
            yield from readers[kind](repository, base)
        except Refused as exc:
            if exc.status != 403:
                raise
            # The feature is open to members only (or to nobody): nothing to read for us.
            return

    # -- deployments, pipelines, incidents -----------------------------------------------------

    def _deployments(self, repository: Repository, base: str) -> Iterator[list[Item]]:
        # GitLab's list carries each deployment's status, and a status change moves its
        # updated_at, so reading on by updated_after brings a pending deployment back once
        # it ends: no stored unfinished deployment to ask again, unlike GitHub's
        # (collector.forges.github.signals, ``_unfinished``), whose list has no status.
        params: dict[str, str] = {"order_by": "updated_at"}
        environments = self._environments.setdefault(base, {})
        for page in self._read_on(repository, Kind.DEPLOYMENT, f"{base}/deployments", params):
            records: list[Item] = []
            for raw in page:
                record = self._entries.one(
                    Kind.DEPLOYMENT,
                    repository,
                    raw,
                    lambda e: signal_mapping.deployment(e, repository),
                )
                if record is None:
                    continue
                pipeline_id = signal_mapping.pipeline_of(raw)
                if pipeline_id is not None:
                    environments.setdefault(pipeline_id, set()).add(record.environment)
                records.append(record)
            if records:
                yield records

    def _incidents(self, repository: Repository, base: str) -> Iterator[list[Item]]:
        params = {**INCIDENT_FILTERS, "order_by": "updated_at"}
        for page in self._read_on(repository, Kind.INCIDENT, f"{base}/issues", params):
            records: list[Item] = self._entries.each(
                Kind.INCIDENT, repository, page, lambda e: signal_mapping.incident(e, repository)
            )
            if records:
                yield records

    def _read_on(
        self, repository: Repository, kind: Kind, endpoint: str, params: dict[str, str]
    ) -> Iterator[list[Json]]:
        """A list sortable and filterable by ``updated_at``, read on from what is stored."""
        newest = self._recall.newest_update(repository.ref, kind)
        if newest is None:
            # Sorting by updated_at without filtering by it is deprecated for deployments
            # (gitlab#328500): the first reading filters too, from before anything existed.
            query = {**params, "sort": "desc", "updated_after": EARLIEST}
            read = 0
            for page in self._client.pages(endpoint, query):
                yield page
                read += len(page)
                if read >= FIRST_READING:
                    return
            return
        since = utc_iso(newest - OVERLAP)
        yield from self._client.pages(endpoint, {**params, "sort": "asc", "updated_after": since})

    def _pipelines(self, repository: Repository, base: str) -> Iterator[list[Item]]:
        # One list for every job of the project, finished ones only; a pipeline is kept
        # when one of its jobs matches the deploy globs. No request per pipeline.
        newest = self._recall.newest_update(repository.ref, Kind.PIPELINE)
        stop_before = newest - JOB_OVERLAP if newest is not None else None
        query: Query = {"scope[]": ("success", "failed")}
        deploy_jobs: list[Job] = []
        read = 0
        for page in self._client.pages(f"{base}/jobs", query):
            jobs = self._entries.each(Kind.PIPELINE, repository, page, signal_mapping.job)
            deploy_jobs.extend(j for j in jobs if self._settings.is_deploy_job(j.name, j.stage))
            read += len(jobs)
            oldest = min((j.created_at for j in jobs if j.created_at is not None), default=None)
            if read >= MAX_JOBS or (stop_before and oldest is not None and oldest < stop_before):
                break
        environments = self._environments.get(base, {})
        try:
            fresh = signal_mapping.pipelines(deploy_jobs, repository, environments)
        except (KeyError, TypeError, ValueError) as exc:
            raise self._unexpected(Kind.PIPELINE, repository, exc) from None
        stored = self._recall.stored_items(repository.ref, Kind.PIPELINE, [p.key for p in fresh])
        records: list[Item] = []
        for pipeline in fresh:
            before = stored.get(pipeline.key)
            records.append(
                signal_mapping.merged_pipeline(
                    pipeline, before if isinstance(before, Pipeline) else None
                )
            )
        for start in range(0, len(records), 100):
            yield records[start : start + 100]

    # -- decision records -----------------------------------------------------------------------

    def _decisions(self, repository: Repository, base: str) -> Iterator[list[Item]]:
        branch = repository.default_branch
        files = self._adr_files(base, branch)
        if len(files) > MAX_DECISIONS:
            self._warnings.append(
                f"project {repository.ref.path}: {len(files)} files in the ADR folders; "
                f"the first {MAX_DECISIONS} are read"
            )
            files = files[:MAX_DECISIONS]
        stored = self._recall.stored_items(repository.ref, Kind.DECISION, [f.path for f in files])
        batch: list[Item] = []
        for entry in files:
            url = f"{repository.url}/-/blob/{quote(branch, safe='')}/{quote(entry.path)}"
            record: Item | None = reusable_decision(
                stored.get(entry.path), blob_sha=entry.id, url=url
            )
            if record is None:
                record = self._read_decision(repository, base, entry, url)
            if record is not None:
                batch.append(record)
            if len(batch) >= DECISIONS_PER_PAGE:
                yield batch
                batch = []
        if batch:
            yield batch

    def _adr_files(self, base: str, branch: str) -> list[TreeEntry]:
        """Markdown files in the ADR folders, found by walking down to them from the root.

        Folders on the way are listed one level deep (usually the root and ``docs/``),
        an ADR folder with everything below it; a folder that is not there costs nothing.
        """
        folders = self._settings.adr_paths
        targets = {f.strip("/").lower() for f in folders if f.strip("/")}

        def on_the_way(path: str) -> bool:
            return any(t == path or t.startswith(path + "/") for t in targets)

        def inside_target(path: str) -> bool:
            return any(path == t or path.startswith(t + "/") for t in targets)

        found: dict[str, TreeEntry] = {}
        queue, listed = [""], {""}
        while queue:
            folder = queue.pop(0)
            recursive = bool(folder) and inside_target(folder.lower())
            for entry in self._tree(base, branch, folder, recursive=recursive):
                if entry.type == "blob" and is_adr_file(entry.path, folders):
                    found[entry.path] = entry
                elif (
                    entry.type == "tree"
                    and not recursive
                    and on_the_way(entry.path.lower())
                    and entry.path not in listed  # a server naming a folder twice: once
                ):
                    listed.add(entry.path)
                    queue.append(entry.path)
        return sorted(found.values(), key=lambda e: e.path)

    def _tree(self, base: str, branch: str, folder: str, *, recursive: bool) -> list[TreeEntry]:
        params: dict[str, str] = {"ref": branch}
        if folder:
            params["path"] = folder
        if recursive:
            params["recursive"] = "true"
        try:
            return [
                entry
                for page in self._client.pages(f"{base}/repository/tree", params)
                for entry in map(signal_mapping.tree_entry, page)
                if entry is not None
            ]
        except Refused as exc:
            if exc.status == 404:  # no such folder (or an empty repository)
                return []
            raise

    def _read_decision(
        self, repository: Repository, base: str, entry: TreeEntry, url: str
    ) -> Item | None:
        branch = repository.default_branch
        path = quote(entry.path, safe="")
        try:
            _, content = self._client.get(
                f"{base}/repository/files/{path}/raw", {"ref": branch}, raw=True
            )
            _, history = self._client.get(
                f"{base}/repository/commits",
                {"ref_name": branch, "path": entry.path, "per_page": "20"},
            )
        except Refused as exc:
            if exc.status == 404:  # removed since the tree was listed: the next run sees it
                return None
            raise
        try:
            commits = [
                commit
                for commit in (
                    signal_mapping.file_commit(raw)
                    for raw in (history if isinstance(history, list) else [])
                    if isinstance(raw, Mapping)
                )
                if commit is not None
            ]
            record = decision_record(
                repository.ref,
                entry.path,
                parse_adr(entry.path, str(content)[:MAX_ADR_CHARS]),
                blob_sha=entry.id,
                url=url,
                commits=commits,
                fallback_date=repository.pushed_at or repository.created_at,
            )
        except (KeyError, TypeError, ValueError) as exc:  # ValidationError included
            problem = f"unexpected data from {self._host} ({short(exc)})"
        else:
            if record is not None:
                return record
            problem = "no date and no commits"
        # One odd file must not cost the project its other records.
        self._warnings.append(f"project {repository.ref.path}: {entry.path}: {problem}; skipped")
        return None

    # -- errors -----------------------------------------------------------------------------------

    def _unexpected(self, kind: Kind, repository: Repository, exc: Exception) -> Exception:
        reason = f"unexpected {kind.value} data from {self._host}: {short(exc)}"
        return RepositoryUnavailable(repository.ref.path, reason)


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
