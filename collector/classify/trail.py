"""The evidence trail: merge request -> release that shipped it -> its deployments -> incidents.

Derived on every render from stored records only (default-branch commits, tags,
releases, deployments, incidents), so it needs no network and is always
consistent with what the store holds. Pure.

A merged change ships in the first release whose tagged commit comes at or
after the change's merge commit on the default branch. When the merge commit
or the tag is not among the stored default-branch commits (a squash that was
rewritten, history not collected that far), the release published first after
the merge is used instead and the link says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from collector.model.records import (
    Commit,
    Deployment,
    Incident,
    Item,
    MergeRequest,
    Release,
    RepoRef,
    Tag,
)

# An incident opened this long after a deployment is taken to have followed it.
INCIDENT_WINDOW = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Chain:
    """One merged change and what it led to; ``basis`` says how the release was found."""

    change: MergeRequest
    release: Release | None
    basis: str  # "commit order", "release date" or "" when no release shipped it yet
    deployments: tuple[Deployment, ...]
    incidents: tuple[Incident, ...]


@dataclass(frozen=True, slots=True)
class _Repo:
    order: dict[str, int]  # default-branch commit sha -> position, oldest first
    releases: list[Release]  # published, oldest first
    tag_sha: dict[str, str]  # tag name -> tagged commit
    deployments: list[Deployment]
    incidents: list[Incident]


def link_trail(items: Iterable[Item], *, window: timedelta = INCIDENT_WINDOW) -> tuple[Chain, ...]:
    """A chain for every merged change, in the order the changes were given."""
    grouped: dict[RepoRef, list[Item]] = defaultdict(list)
    for item in items:
        grouped[item.repo].append(item)
    chains: list[Chain] = []
    for repo_items in grouped.values():
        repo = _index(repo_items)
        for change in repo_items:
            if isinstance(change, MergeRequest) and change.merged_at is not None:
                chains.append(_chain(change, repo, window))
    return tuple(chains)


def _index(items: Sequence[Item]) -> _Repo:
    commits = sorted(
        (i for i in items if isinstance(i, Commit)),
        key=lambda c: (c.committed_at or c.created_at, c.sha),
    )
    tag_sha = {i.name: i.sha for i in items if isinstance(i, Tag)}
    releases = sorted(
        (r for r in items if isinstance(r, Release) and not r.draft),
        key=lambda r: (r.event_at, r.tag),
    )
    return _Repo(
        order={c.sha: n for n, c in enumerate(commits)},
        releases=releases,
        tag_sha=tag_sha,
        deployments=sorted(
            (i for i in items if isinstance(i, Deployment)), key=lambda d: (d.event_at, d.id)
        ),
        incidents=sorted(
            (i for i in items if isinstance(i, Incident)), key=lambda i: (i.created_at, i.number)
        ),
    )


def _chain(change: MergeRequest, repo: _Repo, window: timedelta) -> Chain:
    release, basis = _shipping_release(change, repo)
    deployments: tuple[Deployment, ...] = ()
    if release is not None:
        tag_sha = repo.tag_sha.get(release.tag)
        deployments = tuple(
            d for d in repo.deployments if d.ref == release.tag or (tag_sha and d.sha == tag_sha)
        )
    incidents = _following_incidents(deployments, repo, window)
    return Chain(change, release, basis, deployments, incidents)


def _shipping_release(change: MergeRequest, repo: _Repo) -> tuple[Release | None, str]:
    merged = repo.order.get(change.merge_commit_sha or "")
    if merged is not None:
        positions = {
            r.tag: repo.order[sha]
            for r in repo.releases
            if (sha := repo.tag_sha.get(r.tag)) in repo.order
        }
        shipped = [r for r in repo.releases if positions.get(r.tag, -1) >= merged]
        if shipped:
            return min(shipped, key=lambda r: positions[r.tag]), "commit order"
    assert change.merged_at is not None
    later = [r for r in repo.releases if r.event_at >= change.merged_at]
    if later:
        return later[0], "release date"
    return None, ""


def _following_incidents(
    deployments: Sequence[Deployment], repo: _Repo, window: timedelta
) -> tuple[Incident, ...]:
    """Incidents opened within ``window`` after a deployment and before the next one.

    A later deployment is the likelier cause of what follows it, so it takes over.
    """
    found: list[Incident] = []
    for deployment in deployments:
        start: datetime = deployment.event_at
        later = [d.event_at for d in repo.deployments if d.event_at > start]
        end = min([start + window, *later])
        for incident in repo.incidents:
            if start <= incident.created_at < end and incident not in found:
                found.append(incident)
    return tuple(found)
