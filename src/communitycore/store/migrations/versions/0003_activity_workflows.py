"""the activity ledger and the shared workflow history

Revision ID: 0003_activity_workflows
Revises: 0002_trust
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003_activity_workflows"
down_revision = "0002_trust"
branch_labels = None
depends_on = None


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def _indexes(table: str) -> set[str]:
    return {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table) if i["name"]}


def upgrade() -> None:
    # Each step checks what exists first, so a run killed halfway on MariaDB can simply run again.
    if "cc_activity" not in _tables():
        _create_activity()
    have = _indexes("cc_activity")
    wanted: list[tuple[str, list[str], dict[str, Any]]] = [
        ("ix_cc_activity_period", ["fact", "occurred_on", "subject_kind", "subject_id", "unit_id", "quantity",
                                   "reverses"], {}),
        ("ix_cc_activity_unit", ["unit_id", "fact", "occurred_on"], {}),
        ("ix_cc_activity_subject", ["subject_kind", "subject_id", "id"], {}),
        ("ix_cc_activity_reverses", ["reverses"], {"unique": True, "sqlite_where": sa.text("reverses IS NOT NULL"),
                                                   "postgresql_where": sa.text("reverses IS NOT NULL")}),
    ]
    for name, columns, options in wanted:
        if name not in have:
            op.create_index(name, "cc_activity", columns, **{"unique": False, **options})
    if "cc_workflow_history" not in _tables():
        _create_history()
    if "ix_cc_workflow_history_entity_kind_entity_id_id" not in _indexes("cc_workflow_history"):
        op.create_index("ix_cc_workflow_history_entity_kind_entity_id_id", "cc_workflow_history",
                        ["entity_kind", "entity_id", "id"], unique=False)


def _create_activity() -> None:
    op.create_table(
        "cc_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("fact", sa.String(length=64), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("source_kind", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("recorder", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=True),
        sa.Column("reverses", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_activity_unit_id_cc_units")),
        sa.ForeignKeyConstraint(["reverses"], ["cc_activity.id"], name=op.f("fk_cc_activity_reverses_cc_activity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_activity")),
    )


def _create_history() -> None:
    op.create_table(
        "cc_workflow_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow", sa.String(length=64), nullable=False),
        sa.Column("entity_kind", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_workflow_history")),
    )


def downgrade() -> None:
    # Each drop checks first, so a downgrade killed halfway on MariaDB (non-transactional DDL) can run again.
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "cc_workflow_history" in tables:
        op.drop_table("cc_workflow_history")
    if "cc_activity" in tables:
        op.drop_table("cc_activity")
