"""dues standing: each member's short months kept as payments and bases change; the retirees' base kind

The standing is derived: this migration creates the table empty, and members without a row are
worked out from their payments at each reading until ``community dues refresh`` writes them.

Each step first looks at what exists, so a migration killed halfway on MariaDB (whose DDL is not
transactional) can simply be run again.

Revision ID: 0013_dues_standing
Revises: 0012_grant_subjects
Create Date: 2026-12-02 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from communitycore.store.migrations.steps import columns as _columns
from communitycore.store.migrations.steps import tables as _tables

revision = "0013_dues_standing"
down_revision = "0012_grant_subjects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "base_kind" not in _columns("cc_dues_bases"):
        op.add_column("cc_dues_bases", sa.Column("base_kind", sa.String(length=32), nullable=True))
    if "cc_dues_standing" not in _tables():
        op.create_table(
            "cc_dues_standing",
            sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("rules", sa.String(length=32), nullable=False),
            sa.Column("join_date", sa.Date(), nullable=True),
            sa.Column("join_month", sa.Integer(), nullable=False),
            sa.Column("frontier", sa.Integer(), nullable=False),
            sa.Column("tail_due", sa.Boolean(), nullable=False),
            sa.Column("first_short", sa.Integer(), nullable=True),
            sa.Column("last_short", sa.Integer(), nullable=True),
            sa.Column("short_runs", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("member_id", name=op.f("pk_cc_dues_standing")),
        )


def downgrade() -> None:
    if "cc_dues_standing" in _tables():
        op.drop_table("cc_dues_standing")
    if "base_kind" in _columns("cc_dues_bases"):
        with op.batch_alter_table("cc_dues_bases") as batch:
            batch.drop_column("base_kind")
