"""A real `evidence collect` process killed with SIGKILL mid-collection, then run again.

SIGKILL leaves no chance to clean up: whatever the first process committed is
all there is. The second run must resume from the cursor (not from the start),
and the store must end exactly equal to the fake's world: nothing lost, nothing
stored twice. Once against the fake GitHub, once against the fake GitLab.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pytest

from collector.model.records import Kind
from collector.store import Store
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_expected import assert_store_matches, ref
from tests.fakes.github_world import GitHubWorld
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_expected import assert_store_matches as assert_gitlab_store_matches
from tests.fakes.gitlab_expected import ref as gitlab_ref
from tests.fakes.gitlab_world import GitLabWorld

EVIDENCE = Path(sys.executable).with_name("evidence")
TOKEN = "ghp_killTestToken0123456789abcdef"
BIG = "dana-dev/a-big"  # listed first: it is collected before the others
PULLS = f"/repos/{BIG}/pulls"
GITLAB_TOKEN = "glpat-killTestToken0123456789"
GITLAB_BIG = "dana/a-big"  # created first: the user listing (by id) names it first


class Held(Protocol):
    """An answer the fake holds back (``block``) until ``release`` is set."""

    reached: threading.Event
    release: threading.Event


@pytest.fixture
def world() -> GitHubWorld:
    world = GitHubWorld(viewer="dana-dev")
    big = world.add_repo(BIG, languages={"Rust": 7000})
    for number in range(450):  # five pages
        big.add_pull(title=f"Change {number}", labels=["evidence"] if number % 50 == 0 else [])
    big.add_commit("Initial commit")
    big.add_release("v0.1.0")
    for name in ("b-notes", "c-site"):
        other = world.add_repo(f"dana-dev/{name}")
        other.add_pull(title=f"Work on {name}", labels=["evidence"])
        other.add_commit(f"Start {name}")
    return world


@pytest.fixture
def fake(world: GitHubWorld) -> Iterator[FakeGitHub]:
    with FakeGitHub(world, token=TOKEN) as server:
        yield server


@pytest.fixture
def gitlab_world() -> GitLabWorld:
    world = GitLabWorld(viewer="dana")
    big = world.add_project(GITLAB_BIG, languages={"Rust": 100.0})
    for number in range(450):  # five pages
        big.add_merge_request(
            title=f"Change {number}",
            labels=["evidence"] if number % 50 == 0 else [],
            state="merged" if number % 2 else "opened",
        )
    big.add_commit("Initial commit")
    big.add_tag("v0.1.0", message="First")
    big.add_release("v0.1.0")
    for name in ("b-notes", "c-site"):
        other = world.add_project(f"dana/{name}")
        other.add_merge_request(title=f"Work on {name}", labels=["evidence"], state="merged")
        other.add_commit(f"Start {name}")
    return world


@pytest.fixture
def gitlab_fake(gitlab_world: GitLabWorld) -> Iterator[FakeGitLab]:
    with FakeGitLab(gitlab_world, token=GITLAB_TOKEN) as server:
        yield server


def write_config(folder: Path, database_url: str, **source: str | list[str]) -> Path:
    """An evidence.toml with the store at ``database_url`` and one source of these settings."""
    # A JSON string or list of strings is also a TOML one.
    settings = "\n".join(f"{key} = {json.dumps(value)}" for key, value in source.items())
    path = folder / "evidence.toml"
    path.write_text(
        f"""
[site]
owner = "Dana Developer"

[store]
url = "{database_url}"

[[sources]]
{settings}
""",
        encoding="utf-8",
    )
    return path


def collect(config: Path, token: dict[str, str]) -> subprocess.Popen[bytes]:
    """``evidence collect`` in its own process; ``token``: the token's environment variable."""
    return subprocess.Popen(
        [str(EVIDENCE), "--config", str(config), "collect"],
        cwd=config.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **token},
    )


def kill_when_held(process: subprocess.Popen[bytes], held: Held, what: str) -> None:
    """SIGKILL ``process`` once its request for ``what`` is held: no chance to clean up."""
    try:
        assert held.reached.wait(60), f"the collection never asked for {what}"
        process.send_signal(signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL
    finally:
        process.kill()
        held.release.set()


def finish(process: subprocess.Popen[bytes]) -> None:
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 0, errors.decode()


def test_a_killed_collection_resumes_from_its_cursor_and_loses_nothing(
    tmp_path: Path, fake: FakeGitHub, world: GitHubWorld, database_url: str
) -> None:
    config = write_config(
        tmp_path, database_url, forge="github", name="gh", api_url=fake.api_url, users=["dana-dev"]
    )
    token = {"GITHUB_TOKEN": TOKEN}
    held = fake.block(PULLS, query={"page": "4"})

    kill_when_held(collect(config, token), held, "page 4")

    big = world.repo(BIG)
    assert big is not None
    with Store.open(database_url, base_dir=tmp_path) as store:
        # Pages 1 to 3 were committed, each with the cursor that covers it.
        assert len(store.snapshot().items) == 300
        cursor = store.sync_state(
            "gh", ref(fake, big), Kind.MERGE_REQUEST, now=datetime.now(UTC)
        ).cursor
        assert cursor.current is not None and cursor.current.resume_url is not None
        assert "page=3" in cursor.current.resume_url
        assert [run.status for run in store.last_runs()] == ["running"]  # no chance to say more
    before = len(fake.requests)

    finish(collect(config, token))

    pages = [r.query.get("page") for r in fake.requests[before:] if r.path == PULLS]
    assert pages == ["3", "4", "5"]  # page 3 again to check it joins up, then on
    with Store.open(database_url, base_dir=tmp_path) as store:
        assert_store_matches(store, fake, source="gh")
        # The killed run could not record its end; the next run closed it as interrupted.
        resumed, killed = store.last_runs()
        assert (resumed.status, killed.status) == ("complete", "interrupted")
        assert killed.summary["abandoned"] is True and killed.finished_at == killed.started_at


def test_a_killed_gitlab_collection_resumes_from_its_cursor_and_loses_nothing(
    tmp_path: Path, gitlab_fake: FakeGitLab, gitlab_world: GitLabWorld, database_url: str
) -> None:
    config = write_config(
        tmp_path, database_url, forge="gitlab", name="gl", url=gitlab_fake.url, users=["dana"]
    )
    token = {"GITLAB_TOKEN": GITLAB_TOKEN}
    big = gitlab_world.project(GITLAB_BIG)
    assert big is not None
    merge_requests = f"/projects/{big.id}/merge_requests"
    held = gitlab_fake.block(merge_requests, query={"page": "4"})

    kill_when_held(collect(config, token), held, "page 4 of the merge requests")

    with Store.open(database_url, base_dir=tmp_path) as store:
        # Pages 1 to 3 were committed, each with the cursor that covers it.
        assert len(store.snapshot().items) == 300
        cursor = store.sync_state(
            "gl", gitlab_ref(gitlab_fake, big), Kind.MERGE_REQUEST, now=datetime.now(UTC)
        ).cursor
        assert cursor.current is not None and cursor.current.resume_url is not None
        assert "page=3" in cursor.current.resume_url
        assert [run.status for run in store.last_runs()] == ["running"]
    before = len(gitlab_fake.requests)

    finish(collect(config, token))

    pages = [r.query.get("page") for r in gitlab_fake.requests[before:] if r.path == merge_requests]
    assert pages == ["3", "4", "5"]  # page 3 again to check it joins up, then on
    with Store.open(database_url, base_dir=tmp_path) as store:
        assert_gitlab_store_matches(store, gitlab_fake, source="gl")
        # The killed run could not record its end; the next run closed it as interrupted.
        resumed, killed = store.last_runs()
        assert (resumed.status, killed.status) == ("complete", "interrupted")
        assert killed.summary["abandoned"] is True and killed.finished_at == killed.started_at
