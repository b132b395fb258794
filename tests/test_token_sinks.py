"""A token a forge echoes back never leaves the process or enters the store.

Both fakes are made to echo the configured token in the error bodies of every
kind of failure the collector reports: a failed list (an error line, the
list's ``last_error``), a refused scope (a warning) and an unexpected answer
that fails a whole source. ``evidence build`` (plain and JSON logs, verbose),
``evidence status`` and ``evidence status --json`` then run; the token must be
absent from stdout, stderr, every row of the store (SQLite and PostgreSQL) and
every file of the published site, while the errors themselves are reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, select

from core.errors import ExitCode
from evidence.cli import cli
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld
from tests.fakes.gitlab_api import FakeGitLab
from tests.fakes.gitlab_world import GitLabWorld

GITHUB_TOKEN = "ghp_plantedTokenEchoedBack0123456789"
GITLAB_TOKEN = "glpat-plantedTokenEchoedBack987"
OTHER_GITLAB_TOKEN = "glpat-secondSourceTokenEchoed42"
TOKENS = (GITHUB_TOKEN, GITLAB_TOKEN, OTHER_GITLAB_TOKEN)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    world = GitHubWorld(viewer="dana-dev")
    repo = world.add_repo("dana-dev/ledger-api")
    repo.add_pull(title="Split ingestion from rendering", labels=["evidence"], merged=True)
    repo.add_commit("Initial commit")
    with FakeGitHub(world, token=GITHUB_TOKEN) as server:
        # A sub-list answers 404 with a body that quotes the request's credentials.
        server.fail("/repos/dana-dev/ledger-api/releases", 404, f"Not Found for {GITHUB_TOKEN}")
        yield server


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    world = GitLabWorld(viewer="dana")
    world.add_group("platform", members=["dana"])
    infra = world.add_project("platform/infra")
    infra.add_merge_request(title="Blue/green deploys", labels=["evidence"], state="merged")
    infra.add_commit("Initial commit")
    with FakeGitLab(world, token=GITLAB_TOKEN) as server:
        project = f"/projects/{infra.id}"
        server.fail(f"{project}/releases", 404, f"404 Not Found (token {GITLAB_TOKEN})")
        server.fail("/groups/ghost", 404, f"404 Group Not Found for {GITLAB_TOKEN}")
        yield server


@pytest.fixture
def failing_gitlab() -> Iterator[FakeGitLab]:
    """A second instance whose answer fails the whole source, echoing its own token."""
    world = GitLabWorld(viewer="dana")
    world.add_group("ops", members=["dana"])
    world.add_project("ops/runbooks").add_commit("Initial commit")
    with FakeGitLab(world, token=OTHER_GITLAB_TOKEN, prefix="/other") as server:
        server.fail("/groups/ops/projects", 422, f"invalid request from {OTHER_GITLAB_TOKEN}")
        yield server


def config(
    folder: Path, github: FakeGitHub, gitlab: FakeGitLab, other: FakeGitLab, db: str
) -> Path:
    path = folder / "evidence.toml"
    path.write_text(
        f"""
[site]
owner = "Dana Developer"

[store]
url = "{db}"

[[sources]]
forge = "github"
api_url = "{github.api_url}"
users = ["dana-dev"]

[[sources]]
forge = "gitlab"
name = "corp"
url = "{gitlab.url}"
groups = ["platform", "ghost"]

[[sources]]
forge = "gitlab"
name = "other"
url = "{other.url}"
token_env = "OTHER_GITLAB_TOKEN"
groups = ["ops"]
""",
        encoding="utf-8",
    )
    return path


def run(*args: str) -> tuple[int, str]:
    env = {
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "GITLAB_TOKEN": GITLAB_TOKEN,
        "OTHER_GITLAB_TOKEN": OTHER_GITLAB_TOKEN,
    }
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr


def store_text(url: str) -> str:
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return "\n".join(
                json.dumps(list(row), default=str)  # in full: a Row repr shortens JSON
                for table in metadata.sorted_tables
                for row in connection.execute(select(table))
            )
    finally:
        engine.dispose()


def site_text(folder: Path) -> str:
    return "\n".join(
        path.read_bytes().decode("utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    )


@pytest.mark.parametrize("logs", [["-v"], ["-v", "--log-format", "json"]])
def test_no_sink_receives_an_echoed_token(
    tmp_path: Path,
    github: FakeGitHub,
    gitlab: FakeGitLab,
    failing_gitlab: FakeGitLab,
    database_url: str,
    logs: list[str],
) -> None:
    path = config(tmp_path, github, gitlab, failing_gitlab, database_url)

    code, built = run("--config", str(path), *logs, "build")
    _, status = run("--config", str(path), "status")
    _, status_json = run("--config", str(path), "status", "--json")

    assert code == ExitCode.PARTIAL, built
    # The problems are reported, with the token masked where the forge echoed it.
    assert "/repos/dana-dev/ledger-api/releases" in built
    assert "releases" in status and "***" in built + status
    assert "ghost" in built and "422" in built
    stored = store_text(database_url)
    assert "***" in stored and "releases" in stored
    site = site_text(tmp_path / "output")
    assert "Split ingestion from rendering" in site
    for token in TOKENS:
        assert token not in built, token
        assert token not in status, token
        assert token not in status_json, token
        assert token not in stored, token
        assert token not in site, token
