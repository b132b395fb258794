"""The naive loops the benchmark compares against: all repos, all pulls, per-PR details.

This is the loop most scripts start as: PyGithub's lazy objects, a pull
request's ``merged`` read (which the list does not carry, so PyGithub fetches
the pull request itself), no state kept between runs. It is given every
courtesy that does not change its shape: 100 items per page, PyGithub's
pause between requests switched off, and what it collects written to the same
store per repository (so it is not charged for holding everything in memory).

The GitLab loop is the same with python-gitlab: the group's projects (its
subgroups included) and the user's, each project's languages, every merge
request fetched again by itself for its details and changed files (the list
leaves out what a script usually wants: ``diff_refs``, the pipeline, the
files), then the default branch's commits, the releases and the tags.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gitlab
from github import Auth, Github, GithubException
from github.Repository import Repository as GithubRepository
from gitlab.v4.objects import Project as GitLabProject

from bench.gitlab_world import GROUP
from bench.world import ORG, OWNER
from collector.forges.github import mapping
from collector.forges.gitlab import mapping as gitlab_mapping
from collector.model.records import Item, RepoRef, Repository
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


def collect_gitlab_naively(url: str, token: str, store_url: str, *, host: str) -> int:
    """The python-gitlab loop into the store at ``store_url``; returns the number of items."""
    instance = gitlab.Gitlab(url, private_token=token, per_page=100)
    collected = 0
    with Store.open(store_url, base_dir=Path.cwd()) as store:
        for listed in _gitlab_projects(instance):
            project = instance.projects.get(listed["id"], lazy=True)  # no request
            languages = gitlab_mapping.languages(project.languages())
            repository = gitlab_mapping.repository(
                listed, host=host, source="naive", languages=languages
            )
            store.upsert_repositories([repository], seen_at=datetime.now(UTC))
            items = list(_gitlab_items(project, repository))
            store.upsert_items("naive", items, seen_at=datetime.now(UTC))
            collected += len(items)
    instance.session.close()
    return collected


def _gitlab_projects(instance: gitlab.Gitlab) -> Iterator[dict[str, Any]]:
    group = instance.groups.get(GROUP, lazy=True)
    for project in group.projects.list(include_subgroups=True, iterator=True):
        yield project.asdict()
    for user in instance.users.list(username=OWNER, iterator=True):
        for owned in user.projects.list(iterator=True):
            yield owned.asdict()


def _gitlab_items(project: GitLabProject, repository: Repository) -> Iterator[Item]:
    for listed in project.mergerequests.list(state="all", iterator=True):
        # One request per merge request: the request with its changes. (The fake GitLab
        # has no plain GET of one merge request; this costs the same one request.)
        details = project.mergerequests.get(listed.iid, lazy=True).changes()
        assert isinstance(details, dict)
        yield gitlab_mapping.merge_request(details, repository.ref)
    branch = repository.default_branch
    for commit in project.commits.list(ref_name=branch, iterator=True):
        yield gitlab_mapping.commit(commit.asdict(), repository)
    for release in project.releases.list(iterator=True):
        yield gitlab_mapping.release(release.asdict(), repository)
    for tag in project.tags.list(iterator=True):
        yield gitlab_mapping.tag(tag.asdict(), repository)
