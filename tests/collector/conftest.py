"""Fixtures for collector tests: a GitHub world, the fake API serving it, forges on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from collector.github import GitHubForge
from config.models import GitHubSource
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld

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
def make_forge(fake_github: FakeGitHub) -> Iterator[MakeForge]:
    """``make_forge(users=[...], ...)``: a GitHubForge on the fake, closed after the test.

    Keyword arguments are GitHubSource settings, plus ``token`` and ``retries``
    (one retry by default, so injected failures do not make tests slow).
    """
    made: list[GitHubForge] = []

    def make(*, token: str = GITHUB_TOKEN, retries: int = 1, **settings: Any) -> GitHubForge:
        config = GitHubSource(forge="github", api_url=fake_github.api_url, **settings)
        forge = GitHubForge(config, token, timeout=5, retries=retries)
        made.append(forge)
        return forge

    yield make
    for forge in made:
        forge.close()
