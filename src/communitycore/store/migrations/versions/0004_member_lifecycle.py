"""member lifecycle: removal and probation extension on members; resident flags in their own table

Members gain ``status`` (``active`` / ``removed``), ``removed_on``, ``removal_reason``,
``removed_to`` and ``probation_extension_months``; existing members are ``active``. Resident flags
move from the JSON column ``cc_residents.flags`` into ``cc_resident_flags`` (one row per flag), so
that every engine can filter residents by flag in SQL.

Each step first looks at what exists, so a migration killed halfway on MariaDB (whose DDL is not
transactional) can simply be run again.

Revision ID: 0004_member_lifecycle
Revises: 0003_activity_workflows
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004_member_lifecycle"
down_revision = "0003_activity_workflows"
branch_labels = None
depends_on = None

_MEMBER_COLUMNS = (
    ("status", lambda: sa.Column("status", sa.String(length=16), nullable=False, server_default="active")),
    ("removed_on", lambda: sa.Column("removed_on", sa.Date(), nullable=True)),
    ("removal_reason", lambda: sa.Column("removal_reason", sa.String(length=32), nullable=True)),
    ("removed_to", lambda: sa.Column("removed_to", sa.String(length=200), nullable=True)),
    ("probation_extension_months", lambda: sa.Column("probation_extension_months", sa.Integer(), nullable=True)),
)


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def _flags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):  # SQLite and some drivers hand JSON back as text
        value = json.loads(value)
    return [str(flag) for flag in value]


def upgrade() -> None:
    existing = _columns("cc_members")
    missing = [make() for name, make in _MEMBER_COLUMNS if name not in existing]
    if missing:
        with op.batch_alter_table("cc_members", schema=None) as batch_op:
            for column in missing:
                batch_op.add_column(column)

    if "cc_resident_flags" not in _tables():
        op.create_table(
            "cc_resident_flags",
            sa.Column("resident_id", sa.Integer(), nullable=False),
            sa.Column("flag", sa.String(length=32), nullable=False),
            sa.ForeignKeyConstraint(
                ["resident_id"], ["cc_residents.id"], name=op.f("fk_cc_resident_flags_resident_id_cc_residents")
            ),
            sa.PrimaryKeyConstraint("resident_id", "flag", name=op.f("pk_cc_resident_flags")),
        )
        with op.batch_alter_table("cc_resident_flags", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_cc_resident_flags_flag"), ["flag"], unique=False)

    if "flags" in _columns("cc_residents"):
        bind = op.get_bind()
        residents = sa.table("cc_residents", sa.column("id", sa.Integer()), sa.column("flags", sa.JSON()))
        flags = sa.table("cc_resident_flags", sa.column("resident_id", sa.Integer()), sa.column("flag", sa.String()))
        done = {(row[0], row[1]) for row in bind.execute(sa.select(flags.c.resident_id, flags.c.flag))}
        rows = [{"resident_id": rid, "flag": flag}
                for rid, value in bind.execute(sa.select(residents.c.id, residents.c.flags))
                for flag in sorted(set(_flags(value))) if (rid, flag) not in done]
        if rows:
            bind.execute(sa.insert(flags), rows)
        with op.batch_alter_table("cc_residents", schema=None) as batch_op:
            batch_op.drop_column("flags")


def downgrade() -> None:
    bind = op.get_bind()
    if "flags" not in _columns("cc_residents"):
        with op.batch_alter_table("cc_residents", schema=None) as batch_op:
            batch_op.add_column(sa.Column("flags", sa.JSON(), nullable=True))
    if "cc_resident_flags" in _tables():
        flags = sa.table("cc_resident_flags", sa.column("resident_id", sa.Integer()), sa.column("flag", sa.String()))
        by_resident: dict[int, list[str]] = {}
        for rid, flag in bind.execute(sa.select(flags.c.resident_id, flags.c.flag).order_by(flags.c.flag)):
            by_resident.setdefault(rid, []).append(flag)
        residents = sa.table("cc_residents", sa.column("id", sa.Integer()), sa.column("flags", sa.JSON()))
        bind.execute(sa.update(residents).values(flags=[]))
        for rid, values in by_resident.items():
            bind.execute(sa.update(residents).where(residents.c.id == rid).values(flags=values))
        op.drop_table("cc_resident_flags")  # its index goes with it
    with op.batch_alter_table("cc_residents", schema=None) as batch_op:
        batch_op.alter_column("flags", existing_type=sa.JSON(), nullable=False)

    existing = _columns("cc_members")
    gone = [name for name, _make in reversed(_MEMBER_COLUMNS) if name in existing]
    if gone:
        with op.batch_alter_table("cc_members", schema=None) as batch_op:
            for name in gone:
                batch_op.drop_column(name)
