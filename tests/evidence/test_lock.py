"""The store lock against a real second process, on SQLite (flock) and PostgreSQL (advisory)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.store import Store
from collector.sync.shard import WHOLE, Shard
from core.errors import ExitCode, StoreBusy
from evidence.cli import cli
from evidence.lock import COLLECT, RENDER, StoreLocks, shard_lock_name
from tests.evidence.conftest import HoldLock


def locks_for(database_url: str, tmp_path: Path) -> StoreLocks:
    return StoreLocks.for_store(database_url, base_dir=tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For behaviour the backends share: PostgreSQL's side is covered by the tests above."""
    return f"sqlite:///{tmp_path / 'store' / 'ledger.db'}"


def test_a_second_process_holding_the_lock_makes_a_build_refuse_at_once(
    database_url: str, tmp_path: Path, hold_lock: HoldLock
) -> None:
    holder = hold_lock(database_url, tmp_path, COLLECT)
    started = time.monotonic()
    with (
        pytest.raises(StoreBusy) as raised,
        locks_for(database_url, tmp_path).collecting(WHOLE, wait=0, purpose="build"),
    ):
        pytest.fail("the lock was taken twice")
    assert time.monotonic() - started < 3
    message = str(raised.value)
    assert "\n" not in message
    assert "is busy: another process is collecting into it" in message
    assert f"evidence lock-holder test, pid {holder.pid} on " in message
    assert "did not wait" in message and "--wait SECONDS" in message
    assert raised.value.exit_code is ExitCode.LOCKED


def test_a_waiting_build_goes_ahead_once_the_other_process_lets_go(
    database_url: str, tmp_path: Path, hold_lock: HoldLock
) -> None:
    holder = hold_lock(database_url, tmp_path, COLLECT)
    letting_go = threading.Timer(0.5, holder.release)
    letting_go.start()
    started = time.monotonic()
    try:
        with locks_for(database_url, tmp_path).collecting(WHOLE, wait=20, purpose="build"):
            waited = time.monotonic() - started
    finally:
        letting_go.join()
    assert 0.4 <= waited < 15


def test_the_wait_is_bounded(sqlite_url: str, tmp_path: Path, hold_lock: HoldLock) -> None:
    hold_lock(sqlite_url, tmp_path, COLLECT)
    started = time.monotonic()
    with (
        pytest.raises(StoreBusy, match=r"waited 0\.6 s"),
        locks_for(sqlite_url, tmp_path).hold(COLLECT, wait=0.6, purpose="build"),
    ):
        pytest.fail("the lock was taken twice")
    assert 0.5 <= time.monotonic() - started < 5


def test_a_killed_holder_leaves_no_stale_lock(
    database_url: str, tmp_path: Path, hold_lock: HoldLock
) -> None:
    hold_lock(database_url, tmp_path, COLLECT).kill()  # SIGKILL: none of its code runs
    # The kernel (flock) or the server (closed session) drops the lock; allow it a moment.
    with locks_for(database_url, tmp_path).hold(COLLECT, wait=10, purpose="build"):
        pass


def test_the_same_process_cannot_take_an_exclusive_lock_twice(
    database_url: str, tmp_path: Path
) -> None:
    locks = locks_for(database_url, tmp_path)
    with (
        locks.hold(COLLECT, wait=0, purpose="build"),
        pytest.raises(StoreBusy),
        locks.hold(COLLECT, wait=0, purpose="build"),
    ):
        pytest.fail("the lock was taken twice")
    with locks.hold(COLLECT, wait=0, purpose="build"):  # and it was released after use
        pass


def test_shards_collect_side_by_side_but_never_beside_an_unsharded_run_or_their_twin(
    database_url: str, tmp_path: Path, hold_lock: HoldLock
) -> None:
    # Another process is collecting shard 1 of 2: a shared collect lock plus its own.
    hold_lock(database_url, tmp_path, COLLECT, shared=True)
    hold_lock(database_url, tmp_path, shard_lock_name(Shard(1, 2)))
    locks = locks_for(database_url, tmp_path)
    with locks.collecting(Shard(0, 2), wait=0, purpose="build"):
        pass
    with (
        pytest.raises(StoreBusy, match="collecting shard 1/2 into it"),
        locks.collecting(Shard(1, 2), wait=0, purpose="build"),
    ):
        pytest.fail("shard 1 ran twice")
    with pytest.raises(StoreBusy), locks.collecting(WHOLE, wait=0, purpose="build"):
        pytest.fail("an unsharded run ran beside a shard")


def test_rendering_has_its_own_lock(sqlite_url: str, tmp_path: Path, hold_lock: HoldLock) -> None:
    locks = locks_for(sqlite_url, tmp_path)
    collector = hold_lock(sqlite_url, tmp_path, COLLECT)
    with locks.rendering(wait=0, purpose="render"):  # reading the store beside a collection
        pass
    collector.release()
    hold_lock(sqlite_url, tmp_path, RENDER)
    with (
        pytest.raises(StoreBusy, match="another process is rendering from it"),
        locks.rendering(wait=0, purpose="render"),
    ):
        pytest.fail("two renders at once")


def test_sqlite_lock_files_sit_beside_the_database_and_are_private(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state' / 'ledger.db'}"
    locks = StoreLocks.for_store(url, base_dir=tmp_path)
    with locks.hold(COLLECT, wait=0, purpose="build"):
        lock_file = tmp_path / "state" / "ledger.db.lock"
        assert lock_file.read_text(encoding="utf-8").startswith("evidence build, pid ")
    assert lock_file.stat().st_mode & 0o077 == 0
    assert lock_file.read_text(encoding="utf-8") == ""  # no stale holder once released


def test_an_in_memory_store_needs_no_lock(tmp_path: Path) -> None:
    locks = StoreLocks.for_store("sqlite://", base_dir=tmp_path)
    with locks.hold(COLLECT, wait=0, purpose="a"), locks.hold(COLLECT, wait=0, purpose="b"):
        pass
    assert list(tmp_path.iterdir()) == []


# -- through the command line -------------------------------------------------------


def write_config(folder: Path, database_url: str) -> Path:
    path = folder / "evidence.toml"
    path.write_text(
        f'[site]\nowner = "Dana"\n\n[store]\nurl = "{database_url}"\n', encoding="utf-8"
    )
    return path


def test_build_refuses_with_exit_7_and_one_line_while_another_build_runs(
    database_url: str, tmp_path: Path, hold_lock: HoldLock
) -> None:
    config = write_config(tmp_path, database_url)
    hold_lock(database_url, tmp_path, COLLECT)
    result = CliRunner().invoke(cli, ["--config", str(config), "build"], catch_exceptions=False)
    assert result.exit_code == int(ExitCode.LOCKED) == 7
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: store ") and "is busy" in lines[0]
    with Store.open(database_url, base_dir=tmp_path) as store:
        assert store.last_runs() == []  # nothing was done
    assert not (tmp_path / "output").exists()


def test_build_with_wait_runs_after_the_other_build_ends(
    sqlite_url: str, tmp_path: Path, hold_lock: HoldLock
) -> None:
    config = write_config(tmp_path, sqlite_url)
    holder = hold_lock(sqlite_url, tmp_path, COLLECT)
    letting_go = threading.Timer(0.5, holder.release)
    letting_go.start()
    try:
        result = CliRunner().invoke(
            cli, ["--config", str(config), "build", "--wait", "30"], catch_exceptions=False
        )
    finally:
        letting_go.join()
    assert result.exit_code == ExitCode.OK, result.stderr
    with Store.open(sqlite_url, base_dir=tmp_path) as store:
        assert [run.status for run in store.last_runs()] == ["complete"]


@pytest.mark.parametrize("command", ["collect", "render"])
def test_collect_and_render_take_their_locks_too(
    command: str, sqlite_url: str, tmp_path: Path, hold_lock: HoldLock
) -> None:
    config = write_config(tmp_path, sqlite_url)
    hold_lock(sqlite_url, tmp_path, COLLECT if command == "collect" else RENDER)
    result = CliRunner().invoke(cli, ["--config", str(config), command], catch_exceptions=False)
    assert result.exit_code == ExitCode.LOCKED, result.stderr
    assert "is busy" in result.stderr
