"""Bring a store's schema to the newest revision, safely, every time it is opened.

Alembic runs in code (no alembic.ini) on the caller's connection and inside the
caller's transaction. On PostgreSQL a transaction-scoped advisory lock makes two
processes that start at once take turns; the second then finds the schema at head
and does nothing. On SQLite the transaction starts with BEGIN IMMEDIATE, so the
database's own write lock does the same job.

To add a migration: copy ``versions/0001_initial.py`` to the next number, set
``revision``/``down_revision``, write the operations by hand, and extend the
store tests; ``tests/collector/test_store.py`` checks the result against
``schema.py``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from core.errors import StoreError

# Not Alembic's default "alembic_version": a PostgreSQL database shared with another
# application may already have that table, holding revisions we know nothing about.
VERSION_TABLE = "evidence_schema_version"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any fixed 64-bit number works as long as it stays the same: "EVIDENCE" in ASCII.
_POSTGRES_LOCK_KEY = int.from_bytes(b"EVIDENCE", "big") & 0x7FFF_FFFF_FFFF_FFFF


def alembic_config() -> Config:
    config = Config()
    # ConfigParser interpolates "%", so a path containing one must be escaped.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the store has no migrations"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database, or None for a database never migrated."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade_to_head(connection: Connection, *, where: str) -> None:
    """Upgrade inside the connection's open transaction; a no-op when already at head.

    ``where`` names the store (masked URL) in error messages.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK_KEY})
    config = alembic_config()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    current = current_revision(connection)
    if current is not None and current not in known:
        raise StoreError(
            f"store {where}: schema revision {current!r} is newer than this version of "
            f"evidence-ledger knows (newest {head_revision()!r}); upgrade evidence-ledger "
            "or point [store] url at another database"
        )
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
