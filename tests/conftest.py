"""Database fixtures shared by every test that needs a store.

``database_url`` gives an empty, isolated database on SQLite (a file in
tmp_path) and on PostgreSQL (a fresh database, dropped afterwards). PostgreSQL
comes from ``EVIDENCE_TEST_POSTGRES_URL``; when it is unreachable the PostgreSQL
cases skip locally but fail in CI (``CI=true``), so CI cannot go green untested.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from collector.store import Store

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the test server's maintenance database, checked once."""
    url = make_url(os.environ.get("EVIDENCE_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL))
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        where = url.render_as_string(hide_password=True)
        message = (
            f"PostgreSQL at {where} is unreachable ({type(exc).__name__}); "
            "start it or set EVIDENCE_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must run the PostgreSQL store tests", pytrace=False)
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of each supported kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'ledger.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = f"evidence_test_{secrets.token_hex(6)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(database_url, base_dir=tmp_path)
    try:
        yield opened
    finally:
        opened.close()
