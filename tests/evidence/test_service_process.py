"""`evidence schedule` and `evidence build` as real processes, stopped by a real SIGTERM.

The fake GitHub holds one page request open until the test has sent the signal,
so "between pages" is deterministic: the page in flight is stored, the next one
is never asked for, and the run is recorded as interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from collector.store import Store
from core.errors import ExitCode
from evidence.cli import cli
from tests.fakes.github_api import FakeGitHub
from tests.fakes.github_world import GitHubWorld

TOKEN = "ghp_scheduleTestToken0123456789abc"
EVIDENCE = Path(sys.executable).with_name("evidence")
BIG = "dana-dev/big"


class GatedGitHub(FakeGitHub):
    """Holds the request for page 2 of BIG's pull requests until ``opened`` is set."""

    def __init__(self, world: GitHubWorld) -> None:
        super().__init__(world, token=TOKEN)
        self.reached = threading.Event()
        self.opened = threading.Event()

    def _handle(self, request: Request) -> Response:
        if request.path == f"/repos/{BIG}/pulls" and request.args.get("page") == "2":
            self.reached.set()
            self.opened.wait(30)
        return super()._handle(request)


@pytest.fixture
def world() -> GitHubWorld:
    world = GitHubWorld(viewer="dana-dev")
    big = world.add_repo(BIG, description="Three pages of pull requests")
    for number in range(250):
        big.add_pull(title=f"Change {number}", labels=["evidence"] if number < 3 else [])
    big.add_commit("Initial commit")
    return world


@pytest.fixture
def fake(world: GitHubWorld) -> Iterator[GatedGitHub]:
    server = GatedGitHub(world)
    with server:
        yield server
        server.opened.set()


def write_config(folder: Path, api_url: str) -> Path:
    path = folder / "evidence.toml"
    path.write_text(
        f"""
[site]
owner = "Dana Developer"

[[sources]]
forge = "github"
name = "gh"
api_url = "{api_url}"
users = ["dana-dev"]

[schedule]
cron = "0 3 * * *"
""",
        encoding="utf-8",
    )
    return path


class Process:
    """A command running in a child process; stderr read line by line as it comes."""

    def __init__(self, config: Path, *args: str) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [str(EVIDENCE), "--config", str(config), *args],
            cwd=config.parent,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "GITHUB_TOKEN": TOKEN},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for_line(self, text: str, timeout: float = 30) -> str:
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(text in line for line in self.lines), timeout
            )
        assert found, f"no line with {text!r} in:\n" + "\n".join(self.lines)
        return next(line for line in self.lines if text in line)

    def finish(self, timeout: float = 60) -> int:
        code = self.process.wait(timeout)
        self._reader.join(10)
        return code


def stop_mid_collection(fake: GatedGitHub, process: Process) -> None:
    assert fake.reached.wait(60), "the build never reached page 2:\n" + "\n".join(process.lines)
    process.process.send_signal(signal.SIGTERM)
    process.wait_for_line("SIGTERM received: stopping after the current page")
    fake.opened.set()


def assert_stopped_between_pages(fake: GatedGitHub, config: Path) -> None:
    asked = [(r.path, r.query.get("page")) for r in fake.requests]
    assert (f"/repos/{BIG}/pulls", "2") in asked
    assert (f"/repos/{BIG}/pulls", "3") not in asked  # the next page was never requested
    assert f"/repos/{BIG}/commits" not in [path for path, _ in asked]
    with Store.open("sqlite:///.evidence/ledger.db", base_dir=config.parent) as store:
        assert [run.status for run in store.last_runs()] == ["interrupted"]
        assert len(store.snapshot().items) == 200  # both pages that arrived are kept


def test_sigterm_stops_the_scheduled_build_between_pages_and_the_service_exits_0(
    tmp_path: Path, fake: GatedGitHub
) -> None:
    config = write_config(tmp_path, fake.api_url)
    process = Process(config, "schedule")  # an empty store: it catches up at once
    process.wait_for_line("no successful build on record: building now")
    stop_mid_collection(fake, process)
    assert process.finish() == ExitCode.OK
    assert_stopped_between_pages(fake, config)
    stopped = process.wait_for_line("stopped on request after a page of dana-dev/big")
    run_id = stopped.split(" run=", 1)[1].split()[0]
    build_lines = [line for line in process.lines if f" run={run_id} " in line]
    assert any("build started" in line for line in build_lines)
    assert any("build finished: exit 8 (stopped)" in line for line in build_lines)
    assert TOKEN not in "\n".join(process.lines)


def test_sigterm_stops_a_manual_build_between_pages_with_exit_8(
    tmp_path: Path, fake: GatedGitHub
) -> None:
    config = write_config(tmp_path, fake.api_url)
    process = Process(config, "build")
    stop_mid_collection(fake, process)
    assert process.finish() == int(ExitCode.STOPPED) == 8
    assert_stopped_between_pages(fake, config)
    errors = [line for line in process.lines if line.startswith("error: ")]
    assert errors == [
        "error: source gh: stopped on request after a page of dana-dev/big "
        "(merge_request); what was collected is kept and the next run continues"
    ]
    assert not (tmp_path / "output").exists()  # a stopped build does not render


def test_schedule_once_runs_one_build_with_json_logs_and_its_exit_code(
    tmp_path: Path, fake: GatedGitHub
) -> None:
    fake.opened.set()  # no gate: the whole build runs
    config = write_config(tmp_path, fake.api_url)
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "--log-format", "json", "schedule", "--once"],
        env={"GITHUB_TOKEN": TOKEN},
        catch_exceptions=False,
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    entries = [entry for entry in lines if entry["logger"] != "werkzeug"]  # the fake's own
    messages = [entry["message"] for entry in entries]
    assert messages[0] == "build started"
    assert messages[-1].startswith("build finished: exit 0 (ok) in ")
    assert any(message.startswith("gh: 1 repositories, 251 new") for message in messages)
    run_ids = {entry.get("run_id") for entry in entries}
    assert len(run_ids) == 1 and None not in run_ids
    assert TOKEN not in result.stderr + result.stdout
    with Store.open("sqlite:///.evidence/ledger.db", base_dir=tmp_path) as store:
        assert [run.status for run in store.last_runs()] == ["complete"]
    assert (tmp_path / "output" / "index.html").is_file()


def test_schedule_once_passes_a_failed_build_exit_code_through(
    tmp_path: Path, fake: GatedGitHub
) -> None:
    fake.opened.set()
    config = write_config(tmp_path, fake.api_url)
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "schedule", "--once"],
        env={"GITHUB_TOKEN": "ghp_notTheRightToken000000000000000"},
        catch_exceptions=False,
    )
    assert result.exit_code == ExitCode.NOTHING_COLLECTED, result.stderr
    assert result.stderr.count("rejected the token in GITHUB_TOKEN") == 1, result.stderr
    assert "ghp_notTheRightToken" not in result.stderr
