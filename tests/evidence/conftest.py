"""Fixtures for the service tests: a lock held by a real second process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class LockHolder:
    """``python -m tests.evidence.lock_holder`` running; ``release()`` lets go cleanly."""

    def __init__(self, url: str, base_dir: Path, name: str, *, shared: bool = False) -> None:
        command = [sys.executable, "-m", "tests.evidence.lock_holder", url, str(base_dir), name]
        if shared:
            command.append("--shared")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until the lock is held (or it failed)
        if line.strip() != "held":
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"lock holder did not take {name}: {line!r} {err}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=10)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


HoldLock = Callable[..., LockHolder]


@pytest.fixture
def hold_lock() -> Iterator[HoldLock]:
    """``hold_lock(url, base_dir, name, shared=False)``: held until released or test end."""
    holders: list[LockHolder] = []

    def hold(url: str, base_dir: Path, name: str, *, shared: bool = False) -> LockHolder:
        holder = LockHolder(url, base_dir, name, shared=shared)
        holders.append(holder)
        return holder

    yield hold
    for holder in holders:
        if holder.process.poll() is None:
            holder.kill()
        for stream in (holder.process.stdin, holder.process.stdout, holder.process.stderr):
            if stream is not None:
                stream.close()
