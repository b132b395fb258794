"""The changed files of pull requests and commits on GitHub, for the changes that need them.

A change's paths can decide its category (``helm/`` is deployment evidence), but
asking for them costs requests per change, so only candidates are asked about
(``collector.classify.needs_changed_files``: shown items the owner gave no
category, or a commit with an ``Evidence:`` trailer and no category), and a
stored list is reused while the pull request's ``updated_at`` is unchanged (a
commit never changes). Cost: one request per hundred files of a pull request
(``/pulls/{n}/files``, at most 30 pages, GitHub's own limit of 3000 files), one
per commit (``/commits/{sha}``, its ``files``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote, urlencode

from github import GithubException

from collector.classify import Policy
from collector.forges.base.signals import (
    MAX_CHANGED_FILES,
    Change,
    Recall,
    attach_changed_files,
    changed_paths,
    with_files,
)
from collector.forges.github import signal_mapping
from collector.forges.github.signals import Get, NextUrl
from collector.model.records import Item, Kind, MergeRequest, Repository

MAX_FILE_PAGES = 30  # GitHub lists at most 3000 files of a pull request


class GitHubChangedFiles:
    """Adds ``changed_files`` to the pull requests and commits of one GitHub source."""

    def __init__(self, get: Get, next_url: NextUrl, policy: Policy, recall: Recall) -> None:
        self._get = get
        self._next_url = next_url
        self._policy = policy
        self._recall = recall

    def with_changed_files(
        self, kind: Kind, repository: Repository, records: Sequence[Item]
    ) -> tuple[Item, ...]:
        """One page's changes, with their file lists where stored or wanted."""
        if kind not in (Kind.MERGE_REQUEST, Kind.COMMIT) or not records:
            return tuple(records)
        stored = self._recall.stored_items(repository.ref, kind, [r.key for r in records])
        return tuple(
            attach_changed_files(
                records, stored, self._policy, lambda change: self._fetch(repository, change)
            )
        )

    def _fetch(self, repository: Repository, change: Change) -> Item:
        owner, _, name = repository.ref.path.partition("/")
        base = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        try:
            if isinstance(change, MergeRequest):
                files, truncated = self._pull_files(f"{base}/pulls/{change.number}/files")
            else:
                data = self._get(f"{base}/commits/{quote(change.sha, safe='')}", None).data
                entries = data.get("files") if isinstance(data, Mapping) else None
                pairs = signal_mapping.file_pairs(entries if isinstance(entries, list) else [])
                files, truncated = changed_paths(pairs)
        except GithubException as exc:
            if exc.status in (403, 404, 422):  # gone, hidden, or too big for GitHub to diff
                return change  # classified without its paths
            raise
        return with_files(change, files, truncated=truncated)

    def _pull_files(self, first_url: str) -> tuple[list[str], bool]:
        pairs: list[tuple[object, object]] = []
        url: str | None = f"{first_url}?{urlencode({'per_page': 100})}"
        pages = 0
        while url is not None and pages < MAX_FILE_PAGES and len(pairs) < MAX_CHANGED_FILES:
            answer = self._get(url, None)
            pages += 1
            pairs.extend(
                signal_mapping.file_pairs(answer.data if isinstance(answer.data, list) else [])
            )
            url = self._next_url(answer.headers, url)
        files, truncated = changed_paths(pairs)
        return files, truncated or url is not None
