"""From the configured store URL to a ready engine, and one-line failure messages.

Only SQLite (the default, a file next to the config) and PostgreSQL are
supported. Every message names the database by its URL with the password masked;
a URL that cannot even be parsed is never echoed, since it may hold a secret.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from core.errors import StoreError

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
# Execution option that marks a connection whose transaction will write; on SQLite
# it starts with BEGIN IMMEDIATE so a writer waits for the lock up front instead of
# failing half-way when a concurrent writer got there first.
WRITE_OPTION = "evidence_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRES_CONNECT_TIMEOUT_S = 10
_URL_EXAMPLES = "sqlite:///.evidence/ledger.db or postgresql+psycopg://user@host:5432/evidence"


def masked(url: URL) -> str:
    """The URL as it may be printed: password replaced by ***."""
    return url.render_as_string(hide_password=True)


def parse_store_url(raw: str, *, base_dir: Path) -> URL:
    """Parse and check a store URL; relative SQLite paths resolve against ``base_dir``."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise StoreError(
            f"store URL in [store] url is not a database URL; use e.g. {_URL_EXAMPLES}"
        ) from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreError(
            f"store {masked(url)}: unsupported database {backend!r}; use e.g. {_URL_EXAMPLES}"
        )
    if url.drivername == "postgresql":
        # The bare scheme means psycopg2 to SQLAlchemy; psycopg 3 is the driver we ship.
        url = url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        url = _resolve_sqlite_path(url, base_dir)
    return url


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _resolve_sqlite_path(url: URL, base_dir: Path) -> URL:
    if is_sqlite_memory(url) or url.query.get("uri"):
        return url  # in-memory, or an SQLite URI filename the owner wrote out in full
    assert url.database is not None  # excluded by is_sqlite_memory
    path = Path(url.database).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    try:
        # The store holds what was collected, private work included: owner-only folder.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"store {masked(url)}: cannot create folder {path.parent}: "
            f"{exc.strerror or exc}; check the path in [store] url and its permissions"
        ) from None
    return url.set(database=str(path))


def create_store_engine(url: URL) -> Engine:
    """An engine with the per-backend settings the store relies on."""
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return create_engine(
            url,
            pool_pre_ping=True,  # long-lived schedulers outlive server restarts
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
        )
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            f"store {masked(url)}: database driver not available ({exc}); use e.g. {_URL_EXAMPLES}"
        ) from None


def _sqlite_engine(url: URL) -> Engine:
    memory = is_sqlite_memory(url)
    # One shared connection keeps an in-memory database alive across checkouts.
    engine = (
        create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        if memory
        else create_engine(url)
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _entry: ConnectionPoolEntry) -> None:
        # Take BEGIN away from the sqlite3 module (it skips it before SELECT and DDL)
        # and emit it ourselves below, so every transaction really is one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if not memory:
                # Readers (a render, `evidence status`) never block the nightly writer.
                _enable_wal(cursor)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Switch to WAL, waiting out a concurrent opener.

    Changing the journal mode needs an exclusive lock, and SQLite reports a clash
    over it as "database is locked" at once instead of calling the busy handler;
    two processes opening a new database together meet exactly that.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def failure_reason(exc: BaseException, url: URL) -> str:
    """The first line of what the database said, with any password scrubbed."""
    cause: Any = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    reason = lines[0].strip() if lines else type(cause).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return reason
