"""Alembic environment: always run on a connection handed over by :mod:`communitycore.store.migrate`."""

from __future__ import annotations

from alembic import context

from communitycore.store.migrate import VERSION_TABLE
from communitycore.store.tables import load_all

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=load_all(),
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
