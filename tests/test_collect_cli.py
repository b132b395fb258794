"""`evidence build` / `status` as a scheduler meets them: exit codes, status.json, resumption."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.forges.base.signals import SignalSettings
from collector.store import Store
from core.errors import ExitCode
from evidence.cli import cli
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_expected import assert_store_matches
from tests.fakes.github_world import GitHubWorld

# The lists asked conditionally every night per repository: pulls, releases, tags,
# deployments, workflows and one per incident label (the default rules).
LISTS_PER_REPOSITORY = 3 + 2 + len(SignalSettings().incident_labels)

WORK_TOKEN = "ghp_workToken0123456789abcdefABCD"
HOME_TOKEN = "ghp_homeToken0123456789abcdefABCD"


def world_of(owner: str, repos: int) -> GitHubWorld:
    world = GitHubWorld(viewer=owner)
    for index in range(repos):
        repo = world.add_repo(f"{owner}/project-{index}", languages={"Python": 100})
        for number in range(120):
            repo.add_pull(title=f"Change {number}", labels=["evidence"] if number == 7 else [])
        repo.add_commit(f"Start project {index}")
        repo.add_release("v1.0.0", name="First")
    return world


@pytest.fixture
def work() -> Iterator[FakeGitHub]:
    with FakeGitHub(world_of("dana-at-work", 2), token=WORK_TOKEN) as fake:
        yield fake


@pytest.fixture
def home() -> Iterator[FakeGitHub]:
    with FakeGitHub(world_of("dana-dev", 2), token=HOME_TOKEN) as fake:
        yield fake


def write_config(folder: Path, work: FakeGitHub, home: FakeGitHub, database_url: str) -> Path:
    path = folder / "evidence.toml"
    path.write_text(
        f"""
[site]
owner = "Dana Developer"

[store]
url = "{database_url}"

[collect]
max_rate_limit_wait = 30
rate_limit_reserve = 0
retries = 1

[[sources]]
forge = "github"
name = "work"
api_url = "{work.api_url}"
token_env = "WORK_TOKEN"
users = ["dana-at-work"]

[[sources]]
forge = "github"
name = "home"
api_url = "{home.api_url}"
token_env = "HOME_TOKEN"
users = ["dana-dev"]
""",
        encoding="utf-8",
    )
    return path


def invoke(config: Path, *args: str, work_token: str = WORK_TOKEN) -> tuple[int, str, str]:
    env = {"WORK_TOKEN": work_token, "HOME_TOKEN": HOME_TOKEN}
    result = CliRunner().invoke(cli, ["--config", str(config), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def published_status(folder: Path) -> dict[str, dict[str, object]]:
    document = json.loads((folder / "output" / "status.json").read_text(encoding="utf-8"))
    return {source["name"]: source for source in document["sources"]}


def test_one_source_refused_is_partial_and_the_other_is_collected_whole(
    tmp_path: Path, work: FakeGitHub, home: FakeGitHub, database_url: str
) -> None:
    config = write_config(tmp_path, work, home, database_url)

    code, _, errors = invoke(config, "build", work_token="ghp_revoked0000000000000000000000")

    assert code == ExitCode.PARTIAL
    assert "error: source work: " in errors and "rejected the token in WORK_TOKEN" in errors
    assert errors.count("rejected the token in WORK_TOKEN") == 1  # one line per problem
    with Store.open(database_url, base_dir=tmp_path) as store:
        assert_store_matches(store, home, source="home")
    status = published_status(tmp_path)
    assert status["work"]["status"] == "failed" and status["work"]["errors"] == 1
    assert status["home"]["status"] == "partial" and status["home"]["errors"] == 0
    assert "error_messages" not in status["work"]  # the published file holds counts only


def test_a_rate_limit_stop_is_partial_and_the_next_build_completes(
    tmp_path: Path, work: FakeGitHub, home: FakeGitHub, database_url: str
) -> None:
    config = write_config(tmp_path, work, home, database_url)
    home.rate_limit = 5  # the listing, two languages, then two pages of pull requests

    code, _, errors = invoke(config, "build")

    assert code == ExitCode.PARTIAL
    assert "rate limit exhausted" in errors and "the next run resumes" in errors
    assert errors.count("rate limit exhausted") == 1, errors
    assert (tmp_path / "output" / "index.html").is_file()  # rendered from what was collected
    assert published_status(tmp_path)["home"]["stopped_early"] is True

    home.rate_limit = 5000
    home.reset_rate()
    code, _, errors = invoke(config, "build")

    assert code == ExitCode.OK, errors
    status = published_status(tmp_path)
    assert status["home"]["stopped_early"] is False and status["home"]["status"] == "complete"
    with Store.open(database_url, base_dir=tmp_path) as store:
        assert_store_matches(store, home, source="home")


def test_a_failing_repository_is_reported_once(
    tmp_path: Path, work: FakeGitHub, home: FakeGitHub, database_url: str
) -> None:
    config = write_config(tmp_path, work, home, database_url)
    home.fail("/repos/dana-dev/project-1/pulls", 502)  # the repository fails
    home.fail("/repos/dana-dev/project-0/releases", 404)  # one list of a readable one fails

    code, _, errors = invoke(config, "build")

    assert code == ExitCode.PARTIAL
    ours = [line for line in errors.splitlines() if " werkzeug: " not in line]  # the fake's
    for repository in ("dana-dev/project-1", "dana-dev/project-0"):
        [line] = [line for line in ours if repository in line]
        assert line.startswith(f"error: source home: {repository}")
        assert line.endswith("skipped, its stored items are kept")


def test_a_night_without_changes_costs_the_listings_and_status_says_so(
    tmp_path: Path, work: FakeGitHub, home: FakeGitHub, database_url: str
) -> None:
    config = write_config(tmp_path, work, home, database_url)
    assert invoke(config, "build")[0] == ExitCode.OK

    code, _, _ = invoke(config, "build")

    assert code == ExitCode.OK
    status = published_status(tmp_path)
    for name in ("work", "home"):
        assert status[name]["rate_limit_cost"] == 1  # the repository listing, nothing else
        # Two repositories, each: pulls, releases, tags and the signal lists answer 304;
        # nothing was pushed, so no commits and no ADR folders are asked.
        assert status[name]["not_modified"] == 2 * LISTS_PER_REPOSITORY
        assert status[name]["new"] == status[name]["updated"] == 0
    code, out, _ = invoke(config, "status")
    assert code == 0 and "Last run per source" in out and "home" in out
    code, out, _ = invoke(config, "status", "--json")
    shown = {source["name"]: source for source in json.loads(out)["sources"]}
    assert shown["home"]["error_messages"] == []
    assert shown["home"]["requests"] == 1 + 2 * LISTS_PER_REPOSITORY  # listing; 304s
