"""grants: roles held by actors on units (``cc_grants``)

Revision ID: 0006_grants
Revises: 0005_ids_paths
Create Date: 2026-12-02 02:30:00

The step checks what exists first, so a run killed halfway on MariaDB (whose DDL is not
transactional) can simply be run again. A database that already has units gets no grant here:
``community grant add`` (run by whoever administers the database) gives the first one, and until
then every call is refused, which ``community whoami`` explains.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_grants"
down_revision = "0005_ids_paths"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "cc_grants" not in inspector.get_table_names():
        op.create_table(
            "cc_grants",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("actor", sa.String(length=200), nullable=False),
            sa.Column("role", sa.String(length=64), nullable=False),
            sa.Column("unit_id", sa.Integer(), nullable=True),
            sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("granted_by", sa.String(length=200), nullable=False),
            sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_grants_unit_id_cc_units")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_grants")),
            sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
        )
        inspector = sa.inspect(op.get_bind())
    indexes = {ix["name"] for ix in inspector.get_indexes("cc_grants")}
    if "ix_cc_grants_unit_id" not in indexes:
        op.create_index(op.f("ix_cc_grants_unit_id"), "cc_grants", ["unit_id"])
    if "ix_cc_grants_actor_role" not in indexes:
        op.create_index(op.f("ix_cc_grants_actor_role"), "cc_grants", ["actor", "role"])


def downgrade() -> None:
    op.drop_table("cc_grants")
