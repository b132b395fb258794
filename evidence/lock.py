"""Cross-process locks on a store, so two builds never run at once.

``evidence build``, ``collect``, ``render`` and every run of ``evidence schedule``
take them; a second process waits up to ``--wait`` seconds, then gives up with
one line and exit code 7 (``StoreBusy``) instead of running alongside.

Two named locks per store, plus one per shard:

- ``collect``: exclusive for an unsharded collection; shared by sharded
  collectors, which each also hold their own ``shard-I-of-N`` lock exclusively.
  So shards of one store run side by side, but never next to an unsharded run
  or a second copy of the same shard.
- ``render``: exclusive; two renders would race to swap the published folder.
  Rendering only reads the store, so it may overlap a collection.

Backends: PostgreSQL session advisory locks on a dedicated connection held for
the whole section (released by the server if the process dies); SQLite an OS
file lock (``flock``) on ``<database>.lock`` files beside the database (released
by the kernel if the process dies). An in-memory SQLite store is private to one
process and needs none.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from collector.store.connection import (
    POSTGRES_CONNECT_TIMEOUT_S,
    failure_reason,
    is_sqlite_memory,
    masked,
    parse_store_url,
)
from collector.sync.shard import WHOLE, Shard
from core.errors import StoreBusy, StoreError

log = logging.getLogger(__name__)

COLLECT = "collect"
RENDER = "render"
_WHAT = {COLLECT: "collecting into", RENDER: "rendering from"}
_HINT = "rerun when it has finished, or pass --wait SECONDS to wait for it"
# Advisory-lock namespace (first key of the two-key form): "EVLK". The store's
# migration lock uses the one-key form, which PostgreSQL keeps apart from this one.
_PG_NAMESPACE = int.from_bytes(b"EVLK", "big") & 0x7FFF_FFFF
_POLL_FIRST_S, _POLL_MAX_S = 0.05, 1.0


def shard_lock_name(shard: Shard) -> str:
    return f"shard-{shard.index}-of-{shard.count}"


def holder_label(purpose: str) -> str:
    """Who holds a lock, as the waiting side will read it: command, pid, host, since when."""
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"evidence {purpose}, pid {os.getpid()} on {socket.gethostname()}, since {since}"


class _Backend(Protocol):
    def try_acquire(self, name: str, *, shared: bool, purpose: str) -> object | None:
        """A handle when the lock was taken, None when someone else holds it."""
        ...

    def release(self, handle: object) -> None: ...

    def holders(self, name: str) -> list[str]:
        """Best-effort descriptions of the current holders, for the refusal message."""
        ...


class StoreLocks:
    """The named locks of one store. Cheap to create; holds nothing until asked."""

    def __init__(self, backend: _Backend, location: str) -> None:
        self._backend = backend
        self.location = location  # masked URL, for messages

    @classmethod
    def for_store(cls, url: str, *, base_dir: Path) -> StoreLocks:
        parsed = parse_store_url(url, base_dir=base_dir)
        backend: _Backend
        if parsed.get_backend_name() == "postgresql":
            backend = _AdvisoryLocks(parsed)
        elif is_sqlite_memory(parsed) or parsed.database is None:
            backend = _NoLocks()
        else:
            backend = _FileLocks(Path(parsed.database))
        return cls(backend, masked(parsed))

    @contextmanager
    def hold(self, name: str, *, wait: float, purpose: str, shared: bool = False) -> Iterator[None]:
        """Hold lock ``name`` for the block; wait up to ``wait`` seconds, then ``StoreBusy``."""
        handle = self._acquire(name, wait=wait, purpose=purpose, shared=shared)
        if handle is None:
            raise StoreBusy(self._busy_message(name, wait))
        try:
            yield
        finally:
            self._backend.release(handle)

    def try_hold_within(self, name: str, *, wait: float, purpose: str) -> bool:
        """Take and at once release ``name`` exclusively: True once nobody holds it."""
        handle = self._acquire(name, wait=wait, purpose=purpose, shared=False)
        if handle is None:
            return False
        self._backend.release(handle)
        return True

    @contextmanager
    def collecting(self, shard: Shard, *, wait: float, purpose: str) -> Iterator[None]:
        """The locks a collection of ``shard`` (``WHOLE`` when unsharded) needs."""
        with ExitStack() as stack:
            if shard == WHOLE:
                stack.enter_context(self.hold(COLLECT, wait=wait, purpose=purpose))
            else:
                stack.enter_context(self.hold(COLLECT, wait=wait, purpose=purpose, shared=True))
                stack.enter_context(self.hold(shard_lock_name(shard), wait=wait, purpose=purpose))
            yield

    @contextmanager
    def rendering(self, *, wait: float, purpose: str) -> Iterator[None]:
        with self.hold(RENDER, wait=wait, purpose=purpose):
            yield

    def _acquire(self, name: str, *, wait: float, purpose: str, shared: bool) -> object | None:
        deadline = time.monotonic() + max(wait, 0.0)
        pause = _POLL_FIRST_S
        announced = False
        while True:
            handle = self._backend.try_acquire(name, shared=shared, purpose=purpose)
            if handle is not None:
                return handle
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if not announced:
                log.info(
                    "store %s: %s lock is held (%s); waiting up to %g s",
                    self.location,
                    name,
                    "; ".join(self._backend.holders(name)) or "holder unknown",
                    wait,
                )
                announced = True
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, _POLL_MAX_S)

    def _busy_message(self, name: str, wait: float) -> str:
        holders = "; ".join(self._backend.holders(name)) or "holder unknown"
        if name.startswith("shard-"):  # shard-1-of-4
            index, _, count = name.removeprefix("shard-").partition("-of-")
            doing = f"collecting shard {index}/{count} into"
        else:
            doing = _WHAT.get(name, f"holding the {name} lock of")
        waited = f"waited {wait:g} s" if wait > 0 else "did not wait"
        return (
            f"store {self.location} is busy: another process is {doing} it ({holders}); "
            f"{waited}; {_HINT}"
        )


class _NoLocks:
    def try_acquire(self, name: str, *, shared: bool, purpose: str) -> object | None:
        return name

    def release(self, handle: object) -> None:
        return None

    def holders(self, name: str) -> list[str]:
        return []


class _FileLocks:
    """``flock`` on files beside the SQLite database: ledger.db.lock, ledger.db.render.lock."""

    def __init__(self, database: Path) -> None:
        self._database = database

    def path(self, name: str) -> Path:
        suffix = ".lock" if name == COLLECT else f".{name}.lock"
        return self._database.with_name(self._database.name + suffix)

    def try_acquire(self, name: str, *, shared: bool, purpose: str) -> object | None:
        path = self.path(name)
        try:
            # The folder exists: parse_store_url created it. Lock files are never
            # deleted, since unlinking a file someone else is about to lock races.
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StoreError(
                f"store {self._database}: cannot open lock file {path}: "
                f"{exc.strerror or exc}; check the folder's permissions"
            ) from None
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        if not shared:
            # Only an exclusive holder writes who it is; a waiter reads it for its message.
            os.ftruncate(fd, 0)
            os.pwrite(fd, (holder_label(purpose) + "\n").encode(), 0)
        return _FileHandle(fd, shared)

    def release(self, handle: object) -> None:
        assert isinstance(handle, _FileHandle)
        try:
            if not handle.shared:
                os.ftruncate(handle.fd, 0)
            fcntl.flock(handle.fd, fcntl.LOCK_UN)
        finally:
            os.close(handle.fd)

    def holders(self, name: str) -> list[str]:
        try:
            content = self.path(name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        line = "".join(ch for ch in content.strip() if ch.isprintable())[:200]
        return [line] if line else []


class _FileHandle:
    __slots__ = ("fd", "shared")

    def __init__(self, fd: int, shared: bool) -> None:
        self.fd = fd
        self.shared = shared


class _AdvisoryLocks:
    """Session advisory locks, each on its own connection kept open while held."""

    def __init__(self, url: URL) -> None:
        self._url = url

    def _key(self, name: str) -> int:
        return zlib.crc32(name.encode()) & 0x7FFF_FFFF

    def try_acquire(self, name: str, *, shared: bool, purpose: str) -> object | None:
        function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        # application_name is what a waiting process reads back from pg_stat_activity
        # (at most 63 bytes; the time comes from the server's backend_start).
        label = f"evidence {purpose}, pid {os.getpid()} on {socket.gethostname()}"[:63]
        engine = create_engine(
            self._url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",  # a session lock, outside any transaction
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S, "application_name": label},
        )
        try:
            connection = engine.connect()
            taken = connection.execute(
                text(f"SELECT {function}(:namespace, :key)"),
                {"namespace": _PG_NAMESPACE, "key": self._key(name)},
            ).scalar_one()
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(
                f"store {masked(self._url)}: taking the {name} lock failed: "
                f"{failure_reason(exc, self._url)}; check that the database is reachable"
            ) from exc
        if not taken:
            connection.close()
            engine.dispose()
            return None
        return _AdvisoryHandle(connection, name, shared, self._key(name))

    def release(self, handle: object) -> None:
        assert isinstance(handle, _AdvisoryHandle)
        function = "pg_advisory_unlock_shared" if handle.shared else "pg_advisory_unlock"
        try:
            handle.connection.execute(
                text(f"SELECT {function}(:namespace, :key)"),
                {"namespace": _PG_NAMESPACE, "key": handle.key},
            )
        except SQLAlchemyError as exc:
            # The server dropped the connection, and with it the lock: nothing to undo.
            log.warning("store %s: releasing the %s lock: %s", masked(self._url), handle.name, exc)
        finally:
            engine = handle.connection.engine
            handle.connection.close()
            engine.dispose()

    def holders(self, name: str) -> list[str]:
        query = text(
            "SELECT a.application_name, a.backend_start FROM pg_locks AS l "
            "JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
            "AND l.classid = :namespace AND l.objid = :key "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY a.backend_start"
        )
        engine = create_engine(
            self._url,
            poolclass=NullPool,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
        )
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    query, {"namespace": _PG_NAMESPACE, "key": self._key(name)}
                ).all()
        except SQLAlchemyError:
            return []  # the description is a courtesy; the refusal stands without it
        finally:
            engine.dispose()
        # Another role's sessions show NULLs here unless it may read all statistics.
        return [
            f"{app}, since {started.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if started else app
            for app, started in rows
            if app
        ]


class _AdvisoryHandle:
    __slots__ = ("connection", "key", "name", "shared")

    def __init__(self, connection: Connection, name: str, shared: bool, key: int) -> None:
        self.connection = connection
        self.name = name
        self.shared = shared
        self.key = key
