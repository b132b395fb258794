"""The fewest requests a correct collector could make, computed from the world itself.

A list costs one request per page of 100, and one even when empty (only an
answer says it is empty). The repository listings carry no language breakdown,
so each repository costs one more request, again only when something was pushed.
The evidence signals add, per repository, one page of deployments, one of
workflows, one of issues per incident label and one recursive tree of the
default branch, which lists the ADR files of every folder at once.

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

from datetime import date

from bench.gitlab_world import GROUP, GitLabNight
from bench.world import ORG, OWNER, Night
from collector.forges.gitlab.deletions import due
from collector.forges.gitlab.quiet import GROUP_LOOKBACK
from config.models import EvidenceConfig
from tests.fakes.github_world import GitHubWorld
from tests.fakes.gitlab_world import FakeProject, GitLabWorld

PAGE = 100


def pages(count: int, size: int = PAGE) -> int:
    return max(1, -(-count // size))


def listing_pages(world: GitHubWorld) -> int:
    return pages(len(world.owned_by(OWNER))) + pages(len(world.owned_by(ORG)))


def signal_lists(config: EvidenceConfig) -> int:
    """Requests per repository for workflows, incident issues and the ADR files' tree."""
    return 1 + len(config.classify.incident_labels) + 1


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

    A push can change the default branch, so its languages, commits and ADR tree
    are read again; a new deployment is on page 1 of the deployments.
    """
    total = listing_pages(world)
    adr_tree = 1
    for repo in changes.repositories.values():
        pulls = repo.new_pulls + repo.updated_pulls
        total += pages(pulls) if pulls else 0
        total += (pages(repo.new_commits) + 1 + adr_tree) if repo.pushed else 0
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


def gitlab_no_change(
    world: GitLabWorld, config: EvidenceConfig, day: date, size: int = PAGE
) -> int:
    """Nothing changed, and what a collector must still ask to keep its guarantees.

    GitLab counts every request, a 304 too. ``collector.forges.gitlab.quiet`` says
    which lists a night needs: the two listings; the group's merge request and
    incident lists over their reach; one page of deployments per project that has
    some (a schedule deploys without activity); and for the projects whose full
    read it is tonight, every list as if nothing were known, with the weekly count
    of merge requests and incidents (``collector.forges.gitlab.deletions``).
    """
    projects = list(world.projects.values())
    full = [p for p in projects if _full_read(p, config, day)]
    deploying = sum(1 for p in projects if p.deployments and p not in full)
    checks = sum(_deletion_checks(p, config, day) for p in projects)
    return (
        gitlab_listing_pages(world, size)
        + group_lists(world, size)
        + deploying
        + sum(_unprovable_lists(p, size) for p in full)
        + checks
    )


def _full_read(project: FakeProject, config: EvidenceConfig, day: date) -> bool:
    nights = config.collect.full_read_nights
    return nights == 0 or due(project.id, day, nights)


def _deletion_checks(project: FakeProject, config: EvidenceConfig, day: date) -> int:
    if not due(project.id, day, config.collect.deletion_check_nights):
        return 0
    return int(project.merge_requests_enabled) + int(project.issues_enabled)


def group_lists(world: GitLabWorld, size: int) -> int:
    """The group's merge requests and incidents updated within the group lists' reach."""
    since = world.now - GROUP_LOOKBACK
    in_group = [p for p in world.projects.values() if p.namespace_kind == "group"]
    changes = sum(1 for p in in_group for mr in p.merge_requests if mr.updated_at >= since)
    incidents = sum(
        1
        for p in in_group
        for issue in p.issues
        if issue.issue_type == "incident" and not issue.confidential and issue.updated_at >= since
    )
    return pages(changes, size) + pages(incidents, size)


def _unprovable_lists(project: FakeProject, size: int) -> int:
    """The requests one unchanged project costs read in full: one per list, every page of
    the unordered (releases, tags), the branch head for commits and ADR files."""
    has_repository = not project.empty_repo
    asked = [
        project.merge_requests_enabled,
        has_repository,  # the branch head
        has_repository and project.environments_enabled,  # deployments
        has_repository and project.jobs_enabled,  # jobs
        project.issues_enabled,  # incidents
    ]
    unordered = pages(len(project.releases), size) + pages(len(project.tags), size)
    return sum(asked) + (unordered if has_repository else 0)


def gitlab_night(
    world: GitLabWorld, changes: GitLabNight, config: EvidenceConfig, day: date, size: int = PAGE
) -> int:
    """What a night without changes costs, plus the lists that what changed makes asked.

    A project with new or merged merge requests had activity: its lists are read as on
    a full read (unless it is one tonight), its languages too, and after a push its
    commits and ADR tree. A project whose merge requests only changed labels is named
    by the group list: its merge request pages. Changed merge requests come first
    (updated after the last sync): pages past the first.
    """
    total = gitlab_no_change(world, config, day, size)
    adr_paths = config.classify.adr_paths
    for path, project in changes.projects.items():
        fake = world.projects[path.lower()]
        touched = project.new_merge_requests + project.updated_merge_requests
        active = project.new_merge_requests > 0 or project.pushed
        if not _full_read(fake, config, day):
            if active:
                total += _unprovable_lists(fake, size) + 1  # and its languages
                total -= 1 if fake.deployments else 0  # asked anyway
            elif touched:
                total += 1  # its merge requests, named by the group list
        total += pages(touched, size) - 1 if touched else 0
        if project.pushed:
            tree = adr_tree_pages(fake, adr_paths, size)
            total += pages(project.new_commits, size) + tree
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
