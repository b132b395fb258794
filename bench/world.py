"""A seeded, realistic GitHub world for the benchmark, and one night of changes to it.

Sizes follow a long tail, as real accounts do: a few repositories hold most of
the pull requests (the largest about 2,000), most hold a few dozen. Every
number comes from ``random.Random(seed)``, so the same seed builds the same
world and the same night, byte for byte.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.fakes.github_world import FakeRepo, GitHubWorld

OWNER = "bench-dev"
ORG = "bench-org"
FIRST_SYNC = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # the world as the first sync finds it
HISTORY = timedelta(days=3 * 365)
NIGHT = timedelta(days=1)


@dataclass(slots=True)
class RepoNight:
    """What one simulated day changed in one repository."""

    new_pulls: int = 0
    updated_pulls: int = 0  # labelled or merged
    new_commits: int = 0
    new_releases: int = 0
    new_tags: int = 0
    new_deployments: int = 0
    pushed: bool = False  # pushed_at moved

    @property
    def changed_items(self) -> int:
        return (
            self.new_pulls
            + self.updated_pulls
            + self.new_commits
            + self.new_releases
            + self.new_tags
            + self.new_deployments
        )


@dataclass(frozen=True, slots=True)
class Night:
    """What one simulated day changed, per repository (full name)."""

    repositories: dict[str, RepoNight]

    @property
    def changed_items(self) -> int:
        return sum(repo.changed_items for repo in self.repositories.values())

    def total(self, field: str) -> int:
        return sum(int(getattr(repo, field)) for repo in self.repositories.values())


def pull_counts(repositories: int, pulls: int, rng: random.Random) -> list[int]:
    """``pulls`` spread over ``repositories`` with a long tail (weight ~ rank^-0.8)."""
    weights = [(rank + 1) ** -0.8 for rank in range(repositories)]
    rng.shuffle(weights)
    total = sum(weights)
    counts = [max(1, int(pulls * weight / total)) for weight in weights]
    # Hand the rounding remainder to the largest repositories, one each.
    largest = sorted(range(repositories), key=lambda index: -counts[index])
    for step in range(pulls - sum(counts)):
        counts[largest[step % repositories]] += 1
    return counts


def build_world(*, seed: int = 7, repositories: int = 200, pulls: int = 20_000) -> GitHubWorld:
    rng = random.Random(seed)
    world = GitHubWorld(viewer=OWNER, start=FIRST_SYNC - HISTORY)
    world.add_org(ORG, members=[OWNER])
    counts = pull_counts(repositories, pulls, rng)
    for index, count in enumerate(counts):
        owner = OWNER if index % 5 < 3 else ORG  # three fifths personal, two fifths the org's
        created = FIRST_SYNC - HISTORY + timedelta(days=rng.uniform(0, 200))
        repo = world.add_repo(
            f"{owner}/service-{index:03d}",
            description=f"Service {index}",
            languages={"Python": rng.randint(1_000, 90_000), "HCL": rng.randint(0, 9_000)},
            created_at=created,
            pushed_at=created,
        )
        _fill(repo, count, rng)
    return world


def _fill(repo: FakeRepo, pulls: int, rng: random.Random) -> None:
    span = (FIRST_SYNC - repo.created_at).total_seconds()
    opened = sorted(
        repo.created_at + timedelta(seconds=rng.uniform(0, span * 0.98)) for _ in range(pulls)
    )
    for number, created in enumerate(opened, start=1):
        fate = rng.random()
        labels = ["evidence"] if rng.random() < 0.05 else []
        pull = repo.add_pull(
            title=f"Change {number} in {repo.name}",
            body=f"Why: reason {number}.\n\nHow: a careful change.",
            labels=labels,
            created_at=created,
            merged=fate < 0.7,
            closed=0.7 <= fate < 0.8,
        )
        if pull.merged_at is not None:
            repo.add_commit(
                f"Merge pull request #{number}\n\n{pull.title}",
                authored_at=pull.merged_at,
            )
    for release in range(rng.randint(0, 40)):
        tag = f"v1.{release}.0"
        moment = repo.created_at + timedelta(seconds=span * (release + 1) / 42)
        repo.add_release(tag, name=f"Release {tag}", created_at=moment)
        repo.add_tag(tag)


def simulate_night(world: GitHubWorld, *, seed: int = 7) -> Night:
    """One day of work after the first sync: new and updated pull requests, merges, and a
    release deployed to production. About one pull request in a hundred changes."""
    rng = random.Random(seed * 1_000_003)
    clock = FIRST_SYNC + timedelta(hours=1)
    repos = sorted(world.repos.values(), key=lambda repo: repo.full_name)
    touched = rng.sample(repos, k=max(1, len(repos) // 7))
    night = Night({repo.full_name: RepoNight() for repo in touched})
    for repo in touched:
        changes = night.repositories[repo.full_name]
        chosen = rng.sample(repo.pulls, k=min(len(repo.pulls), rng.randint(1, 8)))
        for _ in range(rng.randint(0, 3)):
            clock += timedelta(minutes=7)
            repo.add_pull(title="New work", labels=["evidence"], created_at=clock)
            changes.new_pulls += 1
        for pull in chosen:
            clock += timedelta(minutes=7)
            if pull.state == "open" and rng.random() < 0.5:
                repo.update_pull(pull, at=clock, merged=True)
                repo.add_commit(f"Merge pull request #{pull.number}", authored_at=clock)
                changes.new_commits += 1
                changes.pushed = True
            else:
                repo.update_pull(pull, at=clock, labels=[*pull.labels, "evidence:deployment"])
            changes.updated_pulls += 1
    release_repo = touched[0]
    clock += timedelta(minutes=7)
    release_repo.add_release("v9.0.0", name="The night's release", created_at=clock)
    release_repo.add_tag("v9.0.0")
    release_repo.pushed_at = clock  # the tag was pushed
    changes = night.repositories[release_repo.full_name]
    changes.new_releases += 1
    changes.new_tags += 1
    changes.pushed = True
    # ... and the release is deployed to production.
    signals = release_repo.signals
    sha = release_repo.commits[-1].sha if release_repo.commits else "0" * 40
    deployment = signals.add_deployment(
        release_repo, "production", ref="v9.0.0", sha=sha, at=clock + timedelta(minutes=3)
    )
    signals.add_status(release_repo, deployment, "success", at=clock + timedelta(minutes=9))
    changes.new_deployments += 1
    return night
