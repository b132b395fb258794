"""The fewest requests a correct collector could make, computed from the world itself.

A list costs one request per page of 100, and one even when empty (only an
answer says it is empty). The repository listings carry no language breakdown,
so each repository costs one more request, again only when something was pushed.
The evidence signals add, per repository, one page of deployments, one of
workflows, one of issues per incident label and one request per configured ADR
folder (a folder that is not there answers 404: only asking tells).

GitLab, at the page size of the source (100 by default), counts the same way:
the group's project listing (subgroups included) and the user's, then per
project its languages, and one request per page of merge requests, commits
of the default branch, releases, tags, deployments, finished jobs (where the
deploy jobs are: the list cannot be filtered by name) and incidents. GitLab
has no way to ask "is this folder there?" for several folders at once, so the
ADR folders are found as the collector does, by walking the repository tree:
the root, each folder on the way to an ADR folder that exists (``docs/``),
and each ADR folder that exists, listed with everything below it. The file
of a decision record and its history are about one item, like a merge
request's changed files: not list pages, not counted here.
"""

from __future__ import annotations

from bench.gitlab_world import GROUP, GitLabNight
from bench.world import ORG, OWNER, Night
from config.models import EvidenceConfig
from tests.fakes.github_world import GitHubWorld
from tests.fakes.gitlab_world import FakeProject, GitLabWorld

PAGE = 100


def pages(count: int, size: int = PAGE) -> int:
    return max(1, -(-count // size))


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


# -- GitLab --------------------------------------------------------------------------------


def gitlab_listing_pages(world: GitLabWorld, size: int = PAGE) -> int:
    in_group = [p for p in world.projects.values() if p.namespace_kind == "group"]
    assert all(p.namespace.lower().startswith(GROUP) for p in in_group), "one group, one user"
    return pages(len(in_group), size) + pages(len(world.projects) - len(in_group), size)


def gitlab_first_sync(world: GitLabWorld, config: EvidenceConfig, size: int = PAGE) -> int:
    """Every list page of every project, its languages and its ADR tree walk."""
    adr_paths = config.classify.adr_paths
    return gitlab_listing_pages(world, size) + sum(
        1
        + pages(len(p.merge_requests), size)
        + pages(len(p.commits), size)
        + pages(len(p.releases), size)
        + pages(len(p.tags), size)
        + pages(len(p.deployments), size)
        + pages(_finished_jobs(p), size)
        + pages(sum(1 for i in p.issues if i.issue_type == "incident" and not i.confidential), size)
        + adr_tree_pages(p, adr_paths, size)
        for p in world.projects.values()
    )


def gitlab_no_change(world: GitLabWorld, size: int = PAGE) -> int:
    """Nothing changed: only the project listings (``last_activity_at``), to learn that."""
    return gitlab_listing_pages(world, size)


def gitlab_night(
    world: GitLabWorld, changes: GitLabNight, config: EvidenceConfig, size: int = PAGE
) -> int:
    """The pages holding what changed (newest first, or updated after the last sync), plus
    the listings. A push can change the default branch: its languages, commits and ADR
    tree are read again. A deployment is on page 1 of the deployments, its deploy job on
    page 1 of the jobs."""
    total = gitlab_listing_pages(world, size)
    adr_paths = config.classify.adr_paths
    for path, project in changes.projects.items():
        touched = project.new_merge_requests + project.updated_merge_requests
        total += pages(touched, size) if touched else 0
        if project.pushed:
            tree = adr_tree_pages(world.projects[path.lower()], adr_paths, size)
            total += pages(project.new_commits, size) + 1 + tree
        total += sum(
            1 if count else 0
            for count in (
                project.new_releases,
                project.new_tags,
                project.new_deployments,
                project.new_pipelines,
            )
        )
    return total


def _finished_jobs(project: FakeProject) -> int:
    return sum(
        1 for p in project.pipelines for job in p.jobs if job.status in ("success", "failed")
    )


def adr_tree_pages(project: FakeProject, adr_paths: tuple[str, ...], size: int = PAGE) -> int:
    """Tree pages to find a project's ADR files: the root, each folder on the way to an ADR
    folder, and each ADR folder with everything below it (only those that exist)."""
    targets = {folder.strip("/") for folder in adr_paths if folder.strip("/")}
    folders = {
        path.rsplit("/", depth)[0]
        for path in project.files
        for depth in range(1, path.count("/") + 1)
    }
    entries = [*project.files, *folders]

    def inside(folder: str, *, recursive: bool) -> int:
        below = [e for e in entries if e.startswith(folder + "/")]
        if not recursive:
            below = [e for e in below if "/" not in e[len(folder) + 1 :]]
        return len(below)

    on_the_way = {f for f in folders if any(t.startswith(f + "/") for t in targets)}
    root = sum(1 for e in entries if "/" not in e)
    return (
        pages(root, size)
        + sum(pages(inside(f, recursive=False), size) for f in on_the_way)
        + sum(pages(inside(t, recursive=True), size) for t in targets & folders)
    )
