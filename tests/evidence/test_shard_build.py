"""`--shard i/n` end to end: each shard collects only its repositories, shard 0 renders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.store import Store
from collector.sync.shard import shard_of
from core.errors import ExitCode
from evidence.cli import cli
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld

TOKEN = "ghp_shardTestToken0123456789abcdefg"
REPOSITORIES = [f"dana-dev/service-{number:02d}" for number in range(12)]


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    world = GitHubWorld(viewer="dana-dev")
    for name in REPOSITORIES:
        world.add_repo(name).add_pull(title=f"Tagged in {name}", labels=["evidence"], merged=True)
    with FakeGitHub(world, token=TOKEN) as server:
        yield server


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["--config", str(config), *args], env={"GITHUB_TOKEN": TOKEN}, catch_exceptions=False
    )
    return result.exit_code, result.stderr


def stored(config: Path, database_url: str) -> tuple[set[str], list[str]]:
    with Store.open(database_url, base_dir=config.parent) as store:
        snapshot = store.snapshot()
    items = sorted(stored.item.repo.path for stored in snapshot.items)
    return {repository.ref.path for repository in snapshot.repositories}, items


def test_shards_split_the_repositories_without_overlap_and_only_shard_0_renders(
    tmp_path: Path, fake: FakeGitHub, database_url: str
) -> None:
    config = tmp_path / "evidence.toml"
    config.write_text(
        f'[site]\nowner = "Dana"\n\n[store]\nurl = "{database_url}"\n\n'
        f'[[sources]]\nforge = "github"\nname = "gh"\napi_url = "{fake.api_url}"\n'
        'users = ["dana-dev"]\n',
        encoding="utf-8",
    )
    expected = {
        index: {r for r in REPOSITORIES if shard_of("gh", r, 3) == index} for index in (0, 1, 2)
    }
    assert all(expected.values())  # twelve repositories leave no shard empty

    code, err = run(config, "build", "--shard", "1/3")
    assert code == ExitCode.OK, err
    repositories, items = stored(config, database_url)
    assert repositories == expected[1]
    assert items == sorted(expected[1])  # one pull request each, nothing from other shards
    # Every shard lists the whole scope; only its own repositories' items are requested.
    asked = {
        "/".join(path.split("/")[2:4])
        for path in fake.paths()
        if path.startswith("/repos/") and path.endswith(("/pulls", "/commits", "/releases"))
    }
    assert asked == expected[1]
    assert not (tmp_path / "output").exists()  # shards other than 0 only collect

    for index in (2, 0):
        code, err = run(config, "build", "--shard", f"{index}/3")
        assert code == ExitCode.OK, err
    repositories, items = stored(config, database_url)
    assert repositories == set(REPOSITORIES)
    assert items == sorted(REPOSITORIES)  # each repository collected exactly once
    assert (tmp_path / "output" / "index.html").is_file()
    with Store.open(database_url, base_dir=tmp_path) as store:
        shards = [run.summary.get("shard") for run in store.last_runs()]
    assert shards == ["0/3", "2/3", "1/3"]


def test_a_bad_shard_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "evidence.toml"
    config.write_text('[site]\nowner = "Dana"\n', encoding="utf-8")
    code, err = run(config, "collect", "--shard", "3/3")
    assert code == 2
    assert "Invalid value for '--shard': shard index must be between 0 and 2" in err
