"""A real `evidence collect` process killed with SIGKILL mid-collection, then run again.

SIGKILL leaves no chance to clean up: whatever the first process committed is
all there is. The second run must resume from the cursor (not from the start),
and the store must end exactly equal to the fake's world: nothing lost, nothing
stored twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector.records import Kind
from collector.store import Store
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_expected import assert_store_matches, ref
from tests.fakes.github_world import GitHubWorld

TOKEN = "ghp_killTestToken0123456789abcdef"
EVIDENCE = Path(sys.executable).with_name("evidence")
BIG = "dana-dev/a-big"  # listed first: it is collected before the others
PULLS = f"/repos/{BIG}/pulls"


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


def write_config(folder: Path, api_url: str, database_url: str) -> Path:
    path = folder / "evidence.toml"
    path.write_text(
        f"""
[site]
owner = "Dana Developer"

[store]
url = "{database_url}"

[[sources]]
forge = "github"
name = "gh"
api_url = "{api_url}"
users = ["dana-dev"]
""",
        encoding="utf-8",
    )
    return path


def collect(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(EVIDENCE), "--config", str(config), "collect"],
        cwd=config.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "GITHUB_TOKEN": TOKEN},
    )


def test_a_killed_collection_resumes_from_its_cursor_and_loses_nothing(
    tmp_path: Path, fake: FakeGitHub, world: GitHubWorld, database_url: str
) -> None:
    config = write_config(tmp_path, fake.api_url, database_url)
    held = fake.block(PULLS, query={"page": "4"})

    first = collect(config)
    try:
        assert held.reached.wait(60), "the collection never asked for page 4"
        first.send_signal(signal.SIGKILL)
        assert first.wait(30) == -signal.SIGKILL
    finally:
        first.kill()
        held.release.set()

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

    second = collect(config)
    _, errors = second.communicate(timeout=120)
    assert second.returncode == 0, errors.decode()

    pages = [r.query.get("page") for r in fake.requests[before:] if r.path == PULLS]
    assert pages == ["3", "4", "5"]  # page 3 again to check it joins up, then on
    with Store.open(database_url, base_dir=tmp_path) as store:
        assert_store_matches(store, fake, source="gh")
        assert store.last_runs()[0].status == "complete"
