"""Alembic environment: runs migrations on the connection the store hands over.

There is no alembic.ini: ``collector.store.migrate`` builds the Alembic config in
code, opens the transaction (and takes the upgrade lock) itself and passes its
connection in ``config.attributes["connection"]``. Running the migrations inside
that transaction is what makes concurrent starts safe.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from collector.store.migrate import VERSION_TABLE
from collector.store.schema import metadata

connection = context.config.attributes.get("connection")
if context.is_offline_mode() or not isinstance(connection, Connection):
    raise RuntimeError(
        "the evidence store migrates itself when it is opened (collector.store.Store.open); "
        "run `evidence build` or open the store instead of calling alembic directly"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    # SQLite cannot ALTER most things in place; batch mode recreates the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
