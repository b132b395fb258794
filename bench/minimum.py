"""The fewest requests a correct collector could make, computed from the world itself.

A list costs one request per page of 100, and one even when empty (only an
answer says it is empty). The repository listings carry no language breakdown,
so each repository costs one more request, again only when something was pushed.
The evidence signals add, per repository, one page of deployments, one of
workflows, one of issues per incident label and one request per configured ADR
folder (a folder that is not there answers 404: only asking tells).
"""

from __future__ import annotations

from bench.world import ORG, OWNER, Night
from config.models import EvidenceConfig
from tests.fakes.github_world import GitHubWorld

PAGE = 100


def pages(count: int) -> int:
    return max(1, -(-count // PAGE))


def listing_pages(world: GitHubWorld) -> int:
    return pages(len(world.owned_by(OWNER))) + pages(len(world.owned_by(ORG)))


def signal_lists(config: EvidenceConfig) -> int:
    """Requests per repository for workflows, incident issues and ADR folders."""
    classify = config.classify
    return 1 + len(classify.incident_labels) + len(classify.adr_paths)


def first_sync(world: GitHubWorld, config: EvidenceConfig) -> int:
    """Every list page of every repository, plus its languages."""
    return listing_pages(world) + sum(
        1
        + pages(len(r.pulls))
        + pages(len(r.commits))
        + pages(len(r.releases))
        + pages(len(r.tags))
        + pages(len(r.signals.deployments))
        + signal_lists(config)
        for r in world.repos.values()
    )


def no_change(world: GitHubWorld) -> int:
    """Nothing changed: only the repository listings, to learn that."""
    return listing_pages(world)


def night(world: GitHubWorld, changes: Night, config: EvidenceConfig) -> int:
    """The pages holding what changed (they come first: newest-updated first), plus listings.

    A push can change the default branch, so its languages, commits and ADR folders
    are read again; a new deployment is on page 1 of the deployments.
    """
    total = listing_pages(world)
    adr_folders = len(config.classify.adr_paths)
    for repo in changes.repositories.values():
        pulls = repo.new_pulls + repo.updated_pulls
        total += pages(pulls) if pulls else 0
        total += (pages(repo.new_commits) + 1 + adr_folders) if repo.pushed else 0
        total += 1 if repo.new_releases else 0
        total += 1 if repo.new_tags else 0
        total += 1 if repo.new_deployments else 0
    return total
