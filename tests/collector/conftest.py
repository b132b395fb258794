"""Fixtures for collector tests: GitHub and GitLab worlds, the fake APIs serving them, forges."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from collector.forges.base.limits import Limits
from collector.forges.github.forge import GitHubForge
from collector.forges.gitlab.forge import GitLabForge
from config.models import GitHubSource, GitLabSource
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld

GITHUB_TOKEN = "ghp_fakeTokenForTests0123456789"

MakeForge = Callable[..., GitHubForge]


@pytest.fixture
def github_world() -> GitHubWorld:
    """An empty world whose token belongs to ``dana-dev``; tests add what they need."""
    return GitHubWorld(viewer="dana-dev")


@pytest.fixture
def fake_github(github_world: GitHubWorld) -> Iterator[FakeGitHub]:
    """The fake GitHub on 127.0.0.1, serving ``github_world`` to ``GITHUB_TOKEN``.

    The world is read per request, so it may be built after the server starts.
    """
    with FakeGitHub(github_world, token=GITHUB_TOKEN) as fake:
        yield fake


@pytest.fixture
def github_sleeps() -> list[float]:
    """Every wait a GitHub forge made (backoff, rate limits): recorded, never slept."""
    return []


@pytest.fixture
def make_forge(fake_github: FakeGitHub, github_sleeps: list[float]) -> Iterator[MakeForge]:
    """``make_forge(users=[...], ...)``: a GitHubForge on the fake, closed after the test.

    Keyword arguments are GitHubSource settings, plus ``token``, ``retries`` (one
    retry by default), ``timeout``, ``reserve``, ``max_wait`` and ``sleep``. Waits go
    to ``github_sleeps`` (or ``sleep``) instead of sleeping; the backoff's jitter is fixed.
    """
    made: list[GitHubForge] = []

    def make(
        *,
        token: str = GITHUB_TOKEN,
        retries: int = 1,
        timeout: int = 5,
        reserve: int = 0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        **settings: Any,
    ) -> GitHubForge:
        config = GitHubSource(forge="github", api_url=fake_github.api_url, **settings)
        limits = Limits(
            timeout=timeout,
            retries=retries,
            rate_limit_reserve=reserve,
            max_rate_limit_wait=max_wait,
        )
        forge = GitHubForge(
            config, token, limits=limits, sleep=sleep or github_sleeps.append, random=lambda: 0.5
        )
        made.append(forge)
        return forge

    yield make
    for forge in made:
        forge.close()


# -- GitLab ------------------------------------------------------------------------------

GITLAB_TOKEN = "glpat-fakeTokenForTests0123456789"

MakeGitLabForge = Callable[..., GitLabForge]


@pytest.fixture
def gitlab_world() -> GitLabWorld:
    """An empty GitLab world whose token belongs to ``dana``; tests add what they need."""
    return GitLabWorld(viewer="dana")


@pytest.fixture
def fake_gitlab(gitlab_world: GitLabWorld) -> Iterator[FakeGitLab]:
    """The fake GitLab on 127.0.0.1, serving ``gitlab_world`` to ``GITLAB_TOKEN``."""
    with FakeGitLab(gitlab_world, token=GITLAB_TOKEN) as fake:
        yield fake


@pytest.fixture
def gitlab_sleeps() -> list[float]:
    """Every wait a GitLab forge made (it is given ``append`` as its sleep): no real sleeping."""
    return []


@pytest.fixture
def make_gitlab(fake_gitlab: FakeGitLab, gitlab_sleeps: list[float]) -> Iterator[MakeGitLabForge]:
    """``make_gitlab(groups=[...], ...)``: a GitLabForge on the fake, closed after the test.

    Keyword arguments are GitLabSource settings (``timeout`` among them), plus
    ``token``, ``retries`` (one by default), ``reserve``, ``max_wait``, ``sleep`` and
    ``wall_clock``. Waits go to ``gitlab_sleeps`` (or ``sleep``) instead of sleeping;
    the backoff's jitter is fixed.
    """
    made: list[GitLabForge] = []

    def make(
        *,
        token: str = GITLAB_TOKEN,
        retries: int = 1,
        reserve: int = 0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        wall_clock: Callable[[], float] = time.time,
        **settings: Any,
    ) -> GitLabForge:
        settings.setdefault("url", fake_gitlab.url)
        config = GitLabSource(forge="gitlab", **settings)
        limits = Limits(retries=retries, rate_limit_reserve=reserve, max_rate_limit_wait=max_wait)
        forge = GitLabForge(
            config,
            token,
            limits=limits,
            sleep=sleep or gitlab_sleeps.append,
            wall_clock=wall_clock,
            random=lambda: 0.5,
        )
        made.append(forge)
        return forge

    yield make
    for forge in made:
        forge.close()
