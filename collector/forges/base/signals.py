"""Forge-neutral pieces of the evidence signals: what every forge module needs to read
deployments, pipelines, incidents, decision records and changed files the same way.

A forge is given ``SignalSettings`` (the owner's classification choices that
decide what to fetch) and a ``Recall`` (read access to what the store already
holds), so it can skip what it has: a changed-file list of a merge request that
did not change, an ADR whose blob did not change, list entries older than the
newest one stored; and ask again only for what can still change: a recent
deployment stored before its final status. Nothing here talks to a forge.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from collector.classify import Policy, needs_changed_files
from collector.forges.base.adr import ParsedDecision
from collector.model.records import Commit, Decision, Deployment, Item, Kind, MergeRequest, RepoRef
from config.models import EvidenceConfig
from config.rules import ClassifyConfig

# A change touching more files than this is a sweeping one; its first files decide its
# category as well as all of them would, and a record must stay a reasonable size.
MAX_CHANGED_FILES = 3000
# Kept per decision record: the commits that touched its file, newest first.
MAX_DECISION_COMMITS = 20

ItemT = TypeVar("ItemT", bound=Item)
Change = MergeRequest | Commit


class Recall(Protocol):
    """What the store already holds for one repository (``collector.store.Store`` is one)."""

    def stored_items(self, ref: RepoRef, kind: Kind, keys: Collection[str]) -> Mapping[str, Item]:
        """Stored items of ``kind`` with these keys, by key."""
        ...

    def newest_update(self, ref: RepoRef, kind: Kind) -> datetime | None:
        """The latest ``updated_at`` stored for ``kind``; None when nothing is stored."""
        ...

    def current_keys(self, ref: RepoRef, kind: Kind) -> frozenset[str]:
        """Keys of the stored items of ``kind`` not flagged gone."""
        ...

    def unfinished_deployments(
        self, ref: RepoRef, since: datetime, final: Collection[str]
    ) -> Sequence[Deployment]:
        """Stored deployments created at or after ``since``, not flagged as gone, whose
        status is not in ``final`` (the forge's words for "over"); newest first.
        """
        ...


class NothingStored:
    """A ``Recall`` for a forge used without a store: everything is read afresh."""

    def stored_items(self, ref: RepoRef, kind: Kind, keys: Collection[str]) -> Mapping[str, Item]:
        return {}

    def newest_update(self, ref: RepoRef, kind: Kind) -> datetime | None:
        return None

    def current_keys(self, ref: RepoRef, kind: Kind) -> frozenset[str]:
        return frozenset()

    def unfinished_deployments(
        self, ref: RepoRef, since: datetime, final: Collection[str]
    ) -> Sequence[Deployment]:
        return ()


def _classify_defaults() -> ClassifyConfig:
    return ClassifyConfig()


@dataclass(frozen=True, slots=True)
class SignalSettings:
    """The owner's choices a forge needs while collecting (not only when classifying)."""

    policy: Policy = field(default_factory=Policy)
    adr_paths: tuple[str, ...] = field(default_factory=lambda: _classify_defaults().adr_paths)
    deploy_workflows: tuple[str, ...] = field(
        default_factory=lambda: _classify_defaults().deploy_workflows
    )
    incident_labels: tuple[str, ...] = field(
        default_factory=lambda: _classify_defaults().incident_labels
    )

    @classmethod
    def from_config(cls, config: EvidenceConfig) -> SignalSettings:
        return cls(
            policy=Policy.from_config(config),
            adr_paths=config.classify.adr_paths,
            deploy_workflows=config.classify.deploy_workflows,
            incident_labels=config.classify.incident_labels,
        )

    def is_deploy_job(self, *names: str) -> bool:
        """Whether a job (by name, stage, workflow name or file) matches the deploy globs."""
        globs = [glob.lower() for glob in self.deploy_workflows]
        return any(
            fnmatch.fnmatchcase(name.lower(), glob) for name in names if name for glob in globs
        )


# -- changed files ---------------------------------------------------------------------------


def changed_paths(
    pairs: Iterable[tuple[object, object]], limit: int = MAX_CHANGED_FILES
) -> tuple[list[str], bool]:
    """Paths of (old, new) path pairs, new path first, each once; and whether ``limit`` cut."""
    seen: dict[str, None] = {}
    for old, new in pairs:
        for path in (new, old):
            if isinstance(path, str) and path and path not in seen:
                if len(seen) >= limit:
                    return list(seen), True
                seen[path] = None
    return list(seen), False


def reusable_files(stored: Item | None, current: Change) -> list[str] | None:
    """The stored file list of this change, when it still describes it; else None.

    A commit never changes; a merge request is unchanged while ``updated_at`` is
    (any push, edit or merge moves it).
    """
    if not isinstance(stored, MergeRequest | Commit) or type(stored) is not type(current):
        return None
    files = stored.extra.get("changed_files")
    if not isinstance(files, list) or not all(isinstance(path, str) for path in files):
        return None
    if isinstance(current, MergeRequest) and (
        current.updated_at is None or stored.updated_at != current.updated_at
    ):
        return None
    return list(files)


def with_files(item: ItemT, files: Sequence[str], *, truncated: bool = False) -> ItemT:
    """``item`` with its changed files in ``extra`` (``changed_files_truncated`` when cut)."""
    extra: dict[str, Any] = {**item.extra, "changed_files": list(files)}
    extra.pop("changed_files_truncated", None)
    if truncated:
        extra["changed_files_truncated"] = True
    return item.model_copy(update={"extra": extra})


def attach_changed_files(
    records: Sequence[Item],
    stored: Mapping[str, Item],
    policy: Policy,
    fetch: Callable[[Change], Item],
) -> list[Item]:
    """One page of changes with their file lists: stored ones reused, candidates fetched.

    The forge-specific part is only ``fetch`` (its endpoints); which changes get a
    list, and when a stored one still holds, is the same on every forge.
    """
    result: list[Item] = []
    for record in records:
        if not isinstance(record, MergeRequest | Commit):
            result.append(record)
            continue
        before = stored.get(record.key)
        cached = reusable_files(before, record)
        if cached is not None:
            truncated = before is not None and before.extra.get("changed_files_truncated")
            result.append(with_files(record, cached, truncated=truncated is True))
        elif needs_changed_files(record, policy):
            result.append(fetch(record))
        else:
            result.append(record)
    return result


# -- statuses -------------------------------------------------------------------------------

# The records speak one vocabulary across forges (GitHub's words where they differ).
_STATUS_WORDS = {"failed": "failure", "canceled": "cancelled", "cancelled": "cancelled"}


def status_word(raw: object, *, deployment: bool = False) -> str:
    """A forge's run or deployment status in the records' words; unknown words kept."""
    word = raw.strip().lower() if isinstance(raw, str) else ""
    if deployment and word == "running":
        return "in_progress"
    return _STATUS_WORDS.get(word, word)


# -- decision records -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileCommit:
    """A commit that touched a decision record's file."""

    sha: str
    title: str
    author: str
    at: datetime

    def as_json(self) -> dict[str, str]:
        return {
            "sha": self.sha,
            "title": self.title,
            "author": self.author,
            "at": self.at.isoformat(),
        }


def decision_record(
    repo: RepoRef,
    path: str,
    parsed: ParsedDecision,
    *,
    blob_sha: str,
    url: str,
    commits: Sequence[FileCommit],
    fallback_date: datetime | None,
) -> Decision | None:
    """A ``Decision`` from a parsed ADR file and the commits that touched it (newest first).

    Dated by the date the record states, else by the oldest commit seen (when it
    was written), else ``fallback_date``; None when there is no date at all.
    """
    ordered = sorted(commits, key=lambda c: c.at, reverse=True)[:MAX_DECISION_COMMITS]
    first = ordered[-1] if ordered else None
    created_at = parsed.date or (first.at if first else None) or fallback_date
    if created_at is None:
        return None
    return Decision(
        repo=repo,
        url=url,
        title=" ".join(parsed.title.split()) or path,
        author=first.author if first else "",
        created_at=created_at,
        updated_at=ordered[0].at if ordered else None,
        extra={"commits": [commit.as_json() for commit in ordered]},
        path=path,
        format=parsed.format,
        status=parsed.status,
        date=parsed.date,
        context=parsed.context,
        decision=parsed.decision,
        consequences=parsed.consequences,
        sha=blob_sha,
    )


def reusable_decision(stored: Item | None, *, blob_sha: str, url: str) -> Decision | None:
    """The stored record of an ADR file whose blob (and so its text) did not change."""
    if isinstance(stored, Decision) and stored.sha == blob_sha and stored.url == url:
        return stored
    return None
