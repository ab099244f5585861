"""What a migration step asks before it acts, so that a migration killed halfway on MariaDB (whose
DDL is not transactional) can simply be run again: which tables and indexes exist already."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def tables() -> set[str]:
    """The tables the database holds now."""
    return set(sa.inspect(op.get_bind()).get_table_names())


def indexes(table: str) -> set[str]:
    """The names of ``table``'s indexes now."""
    return {str(i["name"]) for i in sa.inspect(op.get_bind()).get_indexes(table)}


def foreign_key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """``table.column`` referring to ``target.id``, named by the project's convention."""
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def columns(table: str) -> set[str]:
    """The names of ``table``'s columns now."""
    return {str(c["name"]) for c in sa.inspect(op.get_bind()).get_columns(table)}
