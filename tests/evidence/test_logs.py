"""Log lines: readable or JSON, a run id on each line of a run, where it happened, no token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from core import logs
from core.errors import ExitCode
from core.redaction import RedactSecrets, register_secret
from evidence.cli import cli
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld

TOKEN = "ghp_logsTestToken0123456789abcdefgh"


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """Logging configured as the CLI does, into a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    yield stream
    root.handlers[:], root.level = saved


def test_json_lines_carry_the_run_id_and_the_context_of_each_line(
    configured: io.StringIO,
) -> None:
    logs.configure(verbose=False, debug=False, log_format="json", stream=configured)
    log = logging.getLogger("collector.sync")
    log.info("outside any run")
    with logs.run_context("r1") as run_id, logs.log_context(source="gh"):
        log.info("listing")
        with logs.log_context(repository="dana-dev/api"):
            log.warning("dana-dev/api: gone (404)")
        log.info("done")
    entries = [json.loads(line) for line in configured.getvalue().splitlines()]
    assert run_id == "r1"
    assert [(e.get("run_id"), e.get("source"), e.get("repository")) for e in entries] == [
        (None, None, None),
        ("r1", "gh", None),
        ("r1", "gh", "dana-dev/api"),
        ("r1", "gh", None),
    ]
    assert entries[2]["level"] == "warning" and entries[2]["logger"] == "collector.sync"
    assert entries[2]["time"].endswith("Z")


def test_text_lines_read_as_one_line_each_with_run_and_context(configured: io.StringIO) -> None:
    logs.configure(verbose=True, debug=False, stream=configured)
    with logs.run_context("abc123"), logs.log_context(source="gh", repository="o/r"):
        logging.getLogger("evidence.schedule").info("build started")
    line = configured.getvalue().strip()
    assert line.endswith(
        " INFO evidence.schedule run=abc123 source=gh repository=o/r: build started"
    )
    assert line[:20].endswith("Z") and "\n" not in line


def test_text_shows_only_problems_without_verbose_but_json_shows_progress(
    configured: io.StringIO,
) -> None:
    logs.configure(verbose=False, debug=False, log_format="text", stream=configured)
    logging.getLogger("evidence.x").info("progress")
    logging.getLogger("evidence.x").warning("problem")
    assert "progress" not in configured.getvalue() and "problem" in configured.getvalue()
    logs.show_progress("evidence")
    logging.getLogger("evidence.x").info("service progress")
    assert "service progress" in configured.getvalue()
    logs.configure(verbose=False, debug=False, log_format="text", stream=configured)
    logging.getLogger("evidence.x").info("hidden again")  # a new configuration starts clean
    assert "hidden again" not in configured.getvalue()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_token_in_any_line_not_even_in_a_traceback(
    configured: io.StringIO, log_format: logs.LogFormat
) -> None:
    register_secret(TOKEN)
    logs.configure(verbose=False, debug=False, log_format=log_format, stream=configured)
    assert all(
        any(isinstance(f, RedactSecrets) for f in handler.filters)
        for handler in logging.getLogger().handlers
    )
    log = logging.getLogger("github.Requester")
    log.warning("sent Authorization: token %s", TOKEN)
    try:
        raise RuntimeError(f"request with {TOKEN} failed")
    except RuntimeError:
        logging.getLogger("evidence.schedule").exception("build failed unexpectedly")
    output = configured.getvalue()
    assert TOKEN not in output
    assert output.count("***") >= 2 and "RuntimeError" in output


def test_a_failing_repository_is_logged_with_its_source_repository_and_run(
    tmp_path: Path,
) -> None:
    world = GitHubWorld(viewer="dana-dev")
    world.add_repo("dana-dev/fine").add_pull(title="Works", labels=["evidence"], merged=True)
    world.add_repo("dana-dev/broken")
    config = tmp_path / "evidence.toml"
    with FakeGitHub(world, token=TOKEN) as fake:
        # A list that cannot be read: that repository's list fails, the others go on.
        fake.fail("/repos/dana-dev/broken/pulls", 404)
        config.write_text(
            f'[site]\nowner = "Dana"\n\n[[sources]]\nforge = "github"\nname = "gh"\n'
            f'api_url = "{fake.api_url}"\nusers = ["dana-dev"]\n',
            encoding="utf-8",
        )
        result = CliRunner().invoke(
            cli,
            ["--config", str(config), "--log-format", "json", "build"],
            env={"GITHUB_TOKEN": TOKEN},
            catch_exceptions=False,
        )
    assert result.exit_code == ExitCode.PARTIAL, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    product = [e for e in entries if e["logger"] != "werkzeug"]  # the fake's own log
    problems = [e for e in product if e["level"] in ("warning", "error")]
    assert problems, result.stderr
    broken = [e for e in problems if e.get("repository") == "dana-dev/broken"]
    assert broken and all(e["source"] == "gh" for e in broken)
    assert all("dana-dev/broken" in e["message"] for e in broken)
    # Once: the collector's line, with its fields; the command does not repeat it.
    assert len([e for e in problems if "dana-dev/broken" in e["message"]]) == 1, problems
    assert len({e.get("run_id") for e in product}) == 1 and product[0].get("run_id")
    assert TOKEN not in result.stderr + result.stdout


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_verbose_says_what_each_stage_does_on_a_clean_build(
    tmp_path: Path, log_format: str
) -> None:
    world = GitHubWorld(viewer="dana-dev")
    for name in ("api", "web"):
        world.add_repo(f"dana-dev/{name}").add_pull(title="Work", labels=["evidence"], merged=True)
    config = tmp_path / "evidence.toml"
    with FakeGitHub(world, token=TOKEN) as fake:
        config.write_text(
            f'[site]\nowner = "Dana"\n\n[[sources]]\nforge = "github"\nname = "gh"\n'
            f'api_url = "{fake.api_url}"\nusers = ["dana-dev"]\n',
            encoding="utf-8",
        )
        result = CliRunner().invoke(
            cli,
            ["--config", str(config), "-v", "--log-format", log_format, "build"],
            env={"GITHUB_TOKEN": TOKEN},
            catch_exceptions=False,
        )
    assert result.exit_code == ExitCode.OK, result.stderr
    lines = [line for line in result.stderr.splitlines() if "werkzeug" not in line]
    if log_format == "json":
        lines = [json.loads(line)["message"] for line in lines]
    text = "\n".join(lines)
    assert "source gh: listing repositories" in text
    assert "source gh: 2 repositories in scope" in text
    for name in ("api", "web"):
        for kind in ("merge_request", "commit", "release", "deployment"):
            assert f"dana-dev/{name}: {kind}: " in text, (name, kind)
    assert "dana-dev/api: merge_request: 1 new, 0 updated" in text
    assert "source gh: done: 2 new" in text
    assert "classifying" in text and "rendering the site into" in text
    assert "published " in text and "pages written" in text
