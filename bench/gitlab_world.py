"""A seeded, realistic GitLab world for the benchmark, and one night of changes to it.

The GitLab twin of ``bench.world``, with the same sizes and proportions: a long
tail of merge requests per project (``pull_counts``), seven in ten merged (each
with its merge commit on the default branch), up to 40 releases a project, one
in twenty merge requests labelled ``evidence``. Three fifths of the projects
live in the owner's user namespace, two fifths in a group and its subgroups.
On top, what GitLab's evidence signals read: every third project deploys each
release to staging and production from a pipeline (build, then one deploy job
per environment), every fourth has a few incidents, every fifth keeps ADRs in
``docs/adr/``; every project has a README, so its repository tree is not empty.

Every number comes from ``random.Random(seed)`` and every time from the world's
own clock, set to each event's moment, so the same seed builds the same world
and the same night, byte for byte.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from bench.world import FIRST_SYNC, HISTORY, OWNER, pull_counts
from tests.fakes.gitlab_world import FakeMergeRequest, FakeProject, GitLabWorld, fake_sha

GROUP = "bench-org"
# Where the group's projects go, in turn: the group itself and its subgroups.
NAMESPACES = (GROUP, f"{GROUP}/platform", f"{GROUP}/platform/infra", f"{GROUP}/apps")
TICK = timedelta(hours=1)  # how far the world clock moves for each thing created


@dataclass(slots=True)
class ProjectNight:
    """What one simulated day changed in one project."""

    new_merge_requests: int = 0
    updated_merge_requests: int = 0  # labelled or merged
    new_commits: int = 0
    new_releases: int = 0
    new_tags: int = 0
    new_deployments: int = 0
    new_pipelines: int = 0  # deploy pipelines: a record of their own
    pushed: bool = False  # the default branch moved

    @property
    def changed_items(self) -> int:
        return sum(
            int(getattr(self, entry.name)) for entry in fields(self) if entry.name != "pushed"
        )


@dataclass(frozen=True, slots=True)
class GitLabNight:
    """What one simulated day changed, per project (path with namespace)."""

    projects: dict[str, ProjectNight]

    @property
    def changed_items(self) -> int:
        return sum(project.changed_items for project in self.projects.values())

    def total(self, field: str) -> int:
        return sum(int(getattr(project, field)) for project in self.projects.values())


def build_world(*, seed: int = 7, projects: int = 200, merge_requests: int = 20_000) -> GitLabWorld:
    rng = random.Random(seed)
    world = GitLabWorld(viewer=OWNER, name="Bench Developer")
    _set_clock(world, FIRST_SYNC - HISTORY - timedelta(days=30))
    for namespace in NAMESPACES:
        world.add_group(namespace, members=[OWNER])
    for index, count in enumerate(pull_counts(projects, merge_requests, rng)):
        # Three fifths personal, two fifths the group's, as in the GitHub world.
        namespace = OWNER if index % 5 < 3 else NAMESPACES[(index // 5) % len(NAMESPACES)]
        python = rng.randint(1_000, 90_000)
        hcl = rng.randint(0, 9_000)
        project = world.add_project(
            f"{namespace}/service-{index:03d}",
            description=f"Service {index}",
            languages=_percentages({"Python": python, "HCL": hcl}),
            created_at=FIRST_SYNC - HISTORY + timedelta(days=rng.uniform(0, 200)),
        )
        _fill(project, index, count, rng)
    _set_clock(world, FIRST_SYNC)
    return world


def _percentages(sizes: dict[str, int]) -> dict[str, float]:
    total = sum(sizes.values())
    return {name: round(100 * size / total, 2) for name, size in sizes.items() if size}


def _set_clock(world: GitLabWorld, moment: datetime) -> None:
    """Make the world's next tick fall on ``moment``: things get the time of their event."""
    world.advance(moment - TICK - world.now)


def _fill(project: FakeProject, index: int, count: int, rng: random.Random) -> None:
    """The project's history, event by event in time order, so a tag lands on the commit
    that was newest when it was made."""
    start = project.created_at
    span = (FIRST_SYNC - start).total_seconds()

    def moment(share: float) -> datetime:
        return start + timedelta(seconds=span * share)

    events: list[tuple[datetime, int, str, int]] = [(start, 0, "readme", 0)]
    events.extend((moment(rng.uniform(0, 0.98)), 1, "merge_request", 0) for _ in range(count))
    events.extend((moment((r + 1) / 42), 2, "release", r) for r in range(rng.randint(0, 40)))
    if index % 4 == 1:
        incidents = rng.randint(1, 6)
        events.extend((moment(rng.uniform(0.1, 0.97)), 3, "incident", n) for n in range(incidents))
    if index % 5 == 2:
        records = rng.randint(1, 8)
        events.extend((moment(rng.uniform(0.05, 0.95)), 4, "adr", n) for n in range(records))
    deploys = index % 3 == 0
    for when, _, kind, number in sorted(events):
        _set_clock(project.world, when)
        if kind == "readme":
            project.add_file("README.md", f"# {project.name}\n")
        elif kind == "merge_request":
            _merge_request(project, when, rng)
        elif kind == "release":
            _release(project, f"v1.{number}.0", deployed=deploys)
        elif kind == "incident":
            project.add_incident(
                f"Service {index} degraded ({number + 1})",
                state="closed" if rng.random() < 0.9 else "opened",
                labels=["incident"],
                created_at=when,
                resolved_after=timedelta(minutes=rng.randint(10, 600)),
            )
        else:
            written = sum(path.startswith("docs/adr/") for path in project.files)
            _decision_record(project, written + 1, when)
    project.last_activity_at = max(
        [project.created_at]
        + [mr.updated_at for mr in project.merge_requests]
        + [commit.committed_at for commit in project.commits]
        + [release.created_at for release in project.releases]
        + [deployment.updated_at for deployment in project.deployments]
        + [issue.updated_at for issue in project.issues]
    )


def _merge_request(project: FakeProject, created: datetime, rng: random.Random) -> None:
    number = len(project.merge_requests) + 1
    fate = rng.random()
    request = project.add_merge_request(
        title=f"Change {number} in {project.path}",
        description=f"Why: reason {number}.\n\nHow: a careful change.",
        labels=["evidence"] if rng.random() < 0.05 else [],
        created_at=created,
        state="merged" if fate < 0.7 else "closed" if fate < 0.8 else "opened",
        files=[f"src/module_{rng.randint(0, 40)}.py" for _ in range(rng.randint(1, 3))],
    )
    if request.state == "merged":
        project.add_merge_commit(request)


def _release(project: FakeProject, tag: str, *, deployed: bool) -> None:
    project.add_release(tag, name=f"Release {tag}")
    if deployed:  # one pipeline: build, deploy to staging, deploy to production
        staging = project.add_deployment("staging", ref=tag, job_name="deploy-staging")
        assert staging.job is not None
        project.add_deployment(
            "production", ref=tag, job_name="deploy-production", pipeline=staging.job.pipeline
        )


def _decision_record(project: FakeProject, number: int, when: datetime) -> None:
    path = f"docs/adr/{number:04d}-decision-{number}.md"
    project.add_file(
        path,
        f"# {number}. Decision {number}\n\nDate: {when:%Y-%m-%d}\n\n## Status\n\nAccepted\n\n"
        f"## Context\n\nWhy it mattered.\n\n## Decision\n\nWhat we chose.\n\n"
        f"## Consequences\n\nWhat follows.\n",
        message=f"docs: ADR {number}",
    )


def simulate_night(world: GitLabWorld, *, seed: int = 7) -> GitLabNight:
    """One day of work after the first sync, as in the GitHub world: new and updated merge
    requests, merges, and a release deployed to production by a pipeline's deploy job."""
    rng = random.Random(seed * 1_000_003)
    clock = FIRST_SYNC + TICK
    projects = sorted(world.projects.values(), key=lambda p: p.path_with_namespace)
    touched = rng.sample(projects, k=max(1, len(projects) // 7))
    night = GitLabNight({p.path_with_namespace: ProjectNight() for p in touched})
    for project in touched:
        changes = night.projects[project.path_with_namespace]
        chosen = rng.sample(
            project.merge_requests, k=min(len(project.merge_requests), rng.randint(1, 8))
        )
        for _ in range(rng.randint(0, 3)):
            clock += timedelta(minutes=7)
            project.add_merge_request(title="New work", labels=["evidence"], created_at=clock)
            changes.new_merge_requests += 1
        for request in chosen:
            clock += timedelta(minutes=7)
            if request.state == "opened" and rng.random() < 0.5:
                _merge(project, request, clock)
                project.add_merge_commit(request)
                changes.new_commits += 1
                changes.pushed = True
            else:
                request.labels = [*request.labels, "evidence::deployment"]
            request.updated_at = clock
            changes.updated_merge_requests += 1
        # New merge requests and merges moved last_activity_at (the fake does as GitLab
        # does); a label edit did not.
    clock += timedelta(minutes=7)
    _release_overnight(touched[0], night.projects[touched[0].path_with_namespace], clock)
    _set_clock(world, clock + timedelta(hours=2))
    return night


def _merge(project: FakeProject, request: FakeMergeRequest, at: datetime) -> None:
    """Merge an open request at ``at``, as GitLab records it (no squash)."""
    request.state = "merged"
    request.merged_at = at
    request.merged_by = request.author
    request.merge_commit_sha = fake_sha(project.path_with_namespace, "merge", str(request.iid))


def _release_overnight(project: FakeProject, changes: ProjectNight, at: datetime) -> None:
    """A release, its tag, and the pipeline that deploys it to production."""
    _set_clock(project.world, at)
    project.add_release("v9.0.0", name="The night's release")
    project.add_deployment("production", ref="v9.0.0", job_name="deploy-production")
    changes.new_releases += 1
    changes.new_tags += 1
    changes.new_deployments += 1
    changes.new_pipelines += 1
    changes.pushed = True  # the tag was pushed
