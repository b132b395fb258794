"""The naive PyGithub loop the benchmark compares against: all repos, all pulls, per-PR details.

This is the loop most scripts start as: PyGithub's lazy objects, a pull
request's ``merged`` read (which the list does not carry, so PyGithub fetches
the pull request itself), no state kept between runs. It is given every
courtesy that does not change its shape: 100 items per page, PyGithub's
pause between requests switched off, and what it collects written to the same
store per repository (so it is not charged for holding everything in memory).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from github import Auth, Github, GithubException
from github.Repository import Repository as GithubRepository

from bench.world import ORG, OWNER
from collector import github_mapping as mapping
from collector.records import Item, RepoRef
from collector.store import Store


def collect_naively(api_url: str, token: str, store_url: str, *, host: str) -> int:
    """Collect everything into the store at ``store_url``; returns the number of items."""
    github = Github(
        base_url=api_url, auth=Auth.Token(token), per_page=100, seconds_between_requests=None
    )
    collected = 0
    with Store.open(store_url, base_dir=Path.cwd()) as store:
        for repo in _repositories(github):
            languages = mapping.languages(repo.get_languages())
            repository = mapping.repository(
                repo.raw_data, host=host, source="naive", languages=languages
            )
            store.upsert_repositories([repository], seen_at=datetime.now(UTC))
            items = list(_items(repo, repository.ref, repository))
            store.upsert_items("naive", items, seen_at=datetime.now(UTC))
            collected += len(items)
    github.close()
    return collected


def _repositories(github: Github) -> Iterator[GithubRepository]:
    yield from github.get_user(OWNER).get_repos()
    yield from github.get_organization(ORG).get_repos()


def _items(repo: GithubRepository, ref: RepoRef, repository: Any) -> Iterator[Item]:
    for pull in repo.get_pulls(state="all"):
        if pull.merged:  # not in the list: PyGithub fetches the pull request
            pass
        yield mapping.merge_request(pull.raw_data, ref)
    try:
        # What the lists carry is read as is; ``raw_data`` would fetch each object again.
        for commit in repo.get_commits():
            yield mapping.commit(commit._rawData, ref)
    except GithubException as exc:
        if exc.status != 409:  # an empty repository has no commits
            raise
    for release in repo.get_releases():
        yield mapping.release(release._rawData, ref)
    for tag in repo.get_tags():
        yield mapping.tag(tag._rawData, repository)
