"""The changed files of merge requests and commits on GitLab, for the changes that need them.

A change's paths can decide its category (``helm/`` is deployment evidence), but
asking for them costs a request per change, so only candidates are asked about
(``collector.classify.needs_changed_files``: shown items the owner gave no
category), and a stored list is reused until the merge request changes.
One request per hundred files: ``/merge_requests/:iid/diffs`` (``/changes`` on
GitLab before 15.7) and ``/repository/commits/:sha/diff``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from collector.classify import Policy
from collector.forges.base.signals import (
    MAX_CHANGED_FILES,
    Change,
    Recall,
    attach_changed_files,
    changed_paths,
    with_files,
)
from collector.forges.gitlab import signal_mapping
from collector.forges.gitlab.client import GitLabClient, Refused
from collector.model.records import Item, Kind, MergeRequest, Repository


class GitLabChangedFiles:
    """Adds ``changed_files`` to the merge requests and commits of one GitLab source."""

    def __init__(self, client: GitLabClient, policy: Policy, recall: Recall) -> None:
        self._client = client
        self._policy = policy
        self._recall = recall
        self._no_diffs_endpoint = False  # GitLab before 15.7: merge request /changes only

    def with_changed_files(
        self, kind: Kind, repository: Repository, base: str, records: Sequence[Item]
    ) -> list[Item]:
        """Merge requests and commits of one page, with their changed files where wanted.

        Stored file lists are reused while the change is unchanged; other lists are
        fetched only for candidates (``collector.classify.needs_changed_files``).
        """
        if kind not in (Kind.MERGE_REQUEST, Kind.COMMIT) or not records:
            return list(records)
        stored = self._recall.stored_items(repository.ref, kind, [r.key for r in records])
        return attach_changed_files(
            records, stored, self._policy, lambda change: self._fetch_files(base, change)
        )

    def _fetch_files(self, base: str, change: Change) -> Item:
        if isinstance(change, MergeRequest):
            found = self._merge_request_files(base, change.number)
        else:
            found = self._diff_files(f"{base}/repository/commits/{change.sha}/diff")
        if found is None:
            return change  # not visible to us (any more): classified without its paths
        files, truncated = found
        return with_files(change, files, truncated=truncated)

    def _merge_request_files(self, base: str, number: int) -> tuple[list[str], bool] | None:
        if not self._no_diffs_endpoint:
            try:
                return self._diff_pages(f"{base}/merge_requests/{number}/diffs")
            except Refused as exc:
                if exc.status != 404:
                    return _unless_hidden(exc)
        # GitLab before 15.7 has no /diffs; /changes gives every file in one answer.
        try:
            _, data = self._client.get(f"{base}/merge_requests/{number}/changes")
        except Refused as exc:
            return _unless_hidden(exc)
        self._no_diffs_endpoint = True
        changes = data.get("changes") if isinstance(data, Mapping) else None
        entries = (
            [c for c in changes if isinstance(c, Mapping)] if isinstance(changes, list) else []
        )
        return changed_paths(signal_mapping.diff_paths(entries))

    def _diff_files(self, endpoint: str) -> tuple[list[str], bool] | None:
        try:
            return self._diff_pages(endpoint)
        except Refused as exc:
            return _unless_hidden(exc)

    def _diff_pages(self, endpoint: str) -> tuple[list[str], bool]:
        pairs: list[tuple[object, object]] = []
        for page in self._client.pages(endpoint, {}):
            pairs.extend(signal_mapping.diff_paths(page))
            if len(pairs) >= MAX_CHANGED_FILES:
                break
        return changed_paths(pairs)


def _unless_hidden(exc: Refused) -> tuple[list[str], bool] | None:
    """No file list for a change we may not see (403) or that is gone (404); else raise."""
    if exc.status in (403, 404):
        return None
    raise exc
