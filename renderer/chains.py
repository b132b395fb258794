"""Changes followed through production: merge request → release → deployment → incident.

Which release shipped a change, and which deployments and incidents followed, is
decided by ``collector.classify.trail`` over every stored item; this module keeps the
steps that have a page (surfaced evidence), so every step of a chain and every
item behind a figure is one click away. Until deployment records are collected,
published releases stand in for deployments; the pages say so
(``Timeline.deployment_definition``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from collector.classify import ClassifiedItem
from collector.classify.trail import Chain as TrailChain
from collector.classify.trail import link_trail
from collector.model.records import (
    Commit,
    Deployment,
    Incident,
    Item,
    MergeRequest,
    Release,
    RepoRef,
)
from renderer.entries import stable_key, utc
from renderer.model import Chain, ChainStep, EvidenceEntry

Pair = tuple[ClassifiedItem, EvidenceEntry]

# A change that undoes or patches what was deployed: the "change failure" signal
# besides incidents. Titles and labels, as the forge reports them.
FAILURE_TITLE = re.compile(r"^revert\b|\b(hotfix|hot-fix|rollback|roll back|revert)\b", re.I)
FAILURE_LABELS = frozenset({"revert", "hotfix", "rollback", "incident"})

RELEASES_AS_DEPLOYMENTS = (
    "Deployments are the published releases (not drafts or pre-releases) in the ledger; "
    "they stand in for deployments until deployment records are collected."
)
DEPLOYMENT_RECORDS = (
    "Deployments are the successful deployments in the ledger, superseded ones included "
    "(GitHub marks a deployment inactive once a newer one succeeds), each dated by when it ran."
)


@dataclass(frozen=True, slots=True)
class Event:
    """A dated step of a repository's history that has a page."""

    entry: EvidenceEntry
    at: datetime
    repo: RepoRef
    role: str  # "Released", "Deployed", "Incident", "Reverted", ...


@dataclass(frozen=True, slots=True)
class MergedChange:
    """A surfaced merged merge request, and what shipped it (from ``collector.classify.trail``)."""

    entry: EvidenceEntry
    repo: RepoRef
    opened_at: datetime
    merged_at: datetime
    shipped_at: datetime | None  # first deployment (or release standing in), None: not yet
    shipped_role: str  # "deployment" or "release"
    shipped_entry: EvidenceEntry | None  # its page, when surfaced
    steps: tuple[ChainStep, ...]  # release, deployments and incidents with pages


@dataclass(frozen=True, slots=True)
class ResolvedIncident:
    entry: EvidenceEntry
    repo: RepoRef
    opened_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class RepoHistory:
    """One repository's deployments and failures, oldest first, with their times apart so a
    deployment's follow-up is found by bisection rather than a scan of every repository."""

    deployed_at: tuple[datetime, ...]
    failures: tuple[Event, ...]
    failed_at: tuple[datetime, ...]


def repo_histories(
    deployments: Sequence[Event], failures: Sequence[Event]
) -> Mapping[RepoRef, RepoHistory]:
    deployed: defaultdict[RepoRef, list[datetime]] = defaultdict(list)
    failed: defaultdict[RepoRef, list[Event]] = defaultdict(list)
    for deployment in deployments:
        deployed[deployment.repo].append(deployment.at)
    for failure in failures:
        failed[failure.repo].append(failure)
    return {
        repo: RepoHistory(
            deployed_at=tuple(deployed.get(repo, ())),
            failures=tuple(failed.get(repo, ())),
            failed_at=tuple(f.at for f in failed.get(repo, ())),
        )
        for repo in deployed.keys() | failed.keys()
    }


@dataclass(frozen=True, slots=True)
class Timeline:
    """The surfaced history the chains and figures are computed from, oldest first."""

    changes: tuple[MergedChange, ...]
    releases: tuple[Event, ...]
    deployments: tuple[Event, ...]  # real deployments, or the releases standing in for them
    failures: tuple[Event, ...]  # incidents, reverts and hotfixes
    incidents: tuple[ResolvedIncident, ...]
    deployment_records: bool  # deployments are real deployment records
    incident_records: bool  # any incident record was collected (surfaced or not)
    histories: Mapping[RepoRef, RepoHistory]  # deployments and failures by repository

    @property
    def deployment_definition(self) -> str:
        return DEPLOYMENT_RECORDS if self.deployment_records else RELEASES_AS_DEPLOYMENTS


def _failure_role(item: Item) -> str | None:
    if isinstance(item, Incident):
        return "Incident"
    if not isinstance(item, MergeRequest | Commit):
        return None
    if isinstance(item, MergeRequest) and item.merged_at is None:
        return None
    labels = {label.strip().lower() for label in getattr(item, "labels", ())}
    if FAILURE_TITLE.search(item.title) or labels & FAILURE_LABELS:
        return "Reverted" if "revert" in item.title.lower() else "Hotfix"
    return None


def _oldest_first(events: Iterable[Event]) -> tuple[Event, ...]:
    # Entries arrive newest first with total ties already broken; keep that order for ties.
    return tuple(sorted(events, key=lambda e: e.at))


class _Pages:
    """Surfaced entries by item: a step of a chain is shown only when it has a page."""

    def __init__(self, pairs: Sequence[Pair]) -> None:
        self._by_key = {stable_key(c.item): e for c, e in pairs}

    def of(self, item: Item | None) -> EvidenceEntry | None:
        return None if item is None else self._by_key.get(stable_key(item))


def _change(
    link: TrailChain, entry: EvidenceEntry, pages: _Pages, deployment_records: bool
) -> MergedChange:
    change = link.change
    assert change.merged_at is not None  # link_trail only links merged changes
    steps: list[ChainStep] = []
    release_entry = pages.of(link.release)
    if release_entry is not None:
        steps.append(ChainStep("Released", release_entry))
    deployments = sorted((d for d in link.deployments if d.succeeded), key=lambda d: d.event_at)
    steps.extend(
        ChainStep("Deployed", found) for d in deployments if (found := pages.of(d)) is not None
    )
    steps.extend(
        ChainStep("Incident", found) for i in link.incidents if (found := pages.of(i)) is not None
    )
    shipped_at: datetime | None = None
    shipped_entry: EvidenceEntry | None = None
    role = "deployment" if deployment_records else "release"
    if deployment_records and deployments:
        shipped_at, shipped_entry = utc(deployments[0].event_at), pages.of(deployments[0])
    elif not deployment_records and link.release is not None:
        shipped_at, shipped_entry = utc(link.release.event_at), release_entry
    return MergedChange(
        entry=entry,
        repo=change.repo,
        opened_at=utc(change.created_at),
        merged_at=utc(change.merged_at),
        shipped_at=shipped_at,
        shipped_role=role,
        shipped_entry=shipped_entry,
        steps=tuple(steps),
    )


def build_timeline(
    pairs: Sequence[Pair], classified: Sequence[ClassifiedItem], *, incident_records: bool
) -> Timeline:
    """The surfaced history, with changes linked to releases, deployments and incidents by
    ``collector.classify.trail`` over every stored item an override did not hide."""
    pages = _Pages(pairs)
    releases: list[Event] = []
    deployments: list[Event] = []
    failures: list[Event] = []
    incidents: list[ResolvedIncident] = []
    for classified_item, entry in pairs:
        item = classified_item.item
        repo = item.repo
        if isinstance(item, Release) and not item.draft and not item.prerelease:
            releases.append(Event(entry, utc(item.event_at), repo, "Released"))
        elif isinstance(item, Deployment) and item.succeeded:
            deployments.append(Event(entry, utc(item.event_at), repo, "Deployed"))
        elif isinstance(item, Incident):
            closed = utc(item.closed_at) if item.closed_at else None
            incidents.append(ResolvedIncident(entry, repo, utc(item.created_at), closed))
        role = _failure_role(item)
        if role is not None:
            at = utc(item.created_at) if isinstance(item, Incident) else utc(item.event_at)
            failures.append(Event(entry, at, repo, role))
    real = bool(deployments)
    visible = [c.item for c in classified if not c.classification.hidden]
    changes = []
    for link in link_trail(visible):
        change_entry = pages.of(link.change)
        if change_entry is not None:
            changes.append(_change(link, change_entry, pages, real))
    shipped = _oldest_first(deployments if real else releases)
    failed = _oldest_first(failures)
    return Timeline(
        changes=tuple(sorted(changes, key=lambda c: (c.merged_at, c.entry.path))),
        releases=_oldest_first(releases),
        deployments=shipped,
        failures=failed,
        incidents=tuple(sorted(incidents, key=lambda i: i.opened_at)),
        deployment_records=real,
        incident_records=incident_records or bool(incidents),
        histories=repo_histories(shipped, failed),
    )


def first_after(events: Sequence[Event], moment: datetime) -> Event | None:
    """The first event at or after ``moment`` (``events`` oldest first)."""
    return next((e for e in events if e.at >= moment), None)


def failure_after(timeline: Timeline, deployment: Event) -> Event | None:
    """The first incident, revert or hotfix in the repository after ``deployment`` and
    before its next deployment: the sign that this deployment needed fixing."""
    history = timeline.histories.get(deployment.repo)
    if history is None:
        return None
    after = bisect_right(history.deployed_at, deployment.at)
    until = history.deployed_at[after] if after < len(history.deployed_at) else None
    first = bisect_right(history.failed_at, deployment.at)
    if first == len(history.failures):
        return None
    failure = history.failures[first]
    return failure if until is None or failure.at <= until else None


def build_chains(timeline: Timeline) -> tuple[Chain, ...]:
    """One chain per surfaced merged change that shipped in a release or deployment with a
    page, ending with what followed it (an incident, revert or hotfix); newest first."""
    shipped = {d.entry.path: d for d in timeline.deployments}
    chains = []
    for change in timeline.changes:
        if not change.steps:
            continue
        steps = [ChainStep("Merged", change.entry), *change.steps]
        has_incident = any(step.role == "Incident" for step in change.steps)
        last_ship = next(
            (shipped[s.entry.path] for s in reversed(change.steps) if s.entry.path in shipped),
            None,
        )
        if not has_incident and last_ship is not None:
            failure = failure_after(timeline, last_ship)
            if failure is not None and failure.entry != change.entry:
                steps.append(ChainStep(failure.role, failure.entry))
        chains.append(Chain(tuple(steps)))
    chains.reverse()  # newest merge first, like every other list
    return tuple(chains)
