"""recruitment and dues: candidates and their steps (发展党员); dues bases and payments (党费)

Each step first looks at what exists, so a migration killed halfway on MariaDB (whose DDL is not
transactional) can simply be run again.

Revision ID: 0011_recruitment_dues
Revises: 0010_rosters
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from communitycore.store.migrations.steps import indexes as _indexes
from communitycore.store.migrations.steps import tables as _tables

revision = "0011_recruitment_dues"
down_revision = "0010_rosters"
branch_labels = None
depends_on = None


def _index(name: str, table: str, columns: list[str]) -> None:
    if name not in _indexes(table):
        op.create_index(name, table, columns)


def upgrade() -> None:
    have = _tables()
    if "cc_candidates" not in have:
        op.create_table(
            "cc_candidates",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("unit_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("id_number", sa.String(length=18), nullable=True),
            sa.Column("birth_date", sa.Date(), nullable=True),
            sa.Column("gender", sa.String(length=16), nullable=True),
            sa.Column("stage", sa.String(length=16), nullable=False),
            sa.Column("last_step", sa.String(length=64), nullable=False),
            sa.Column("last_on", sa.Date(), nullable=False),
            sa.Column("applied_on", sa.Date(), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_candidates_unit_id_cc_units")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_candidates")),
            sa.UniqueConstraint("id_number", name=op.f("uq_cc_candidates_id_number")),
            sqlite_autoincrement=True,
        )
    _index("ix_cc_candidates_unit_stage", "cc_candidates", ["unit_id", "stage"])
    if "cc_candidate_steps" not in have:
        op.create_table(
            "cc_candidate_steps",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("candidate_id", sa.Integer(), nullable=False),
            sa.Column("step", sa.String(length=64), nullable=False),
            sa.Column("done_on", sa.Date(), nullable=False),
            sa.Column("responsible", sa.String(length=100), nullable=True),
            sa.Column("note", sa.String(length=500), nullable=True),
            sa.Column("meeting_id", sa.Integer(), nullable=True),
            sa.Column("data", sa.JSON(), nullable=True),
            sa.Column("recorded_by", sa.String(length=200), nullable=False),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["candidate_id"], ["cc_candidates.id"],
                                    name=op.f("fk_cc_candidate_steps_candidate_id_cc_candidates")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_candidate_steps")),
            sa.UniqueConstraint("candidate_id", "step", name="uq_cc_candidate_steps_candidate_id_step"),
            sqlite_autoincrement=True,
        )
    if "cc_dues_bases" not in have:
        op.create_table(
            "cc_dues_bases",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=False),
            sa.Column("from_month", sa.Integer(), nullable=False),
            sa.Column("category", sa.String(length=64), nullable=False),
            sa.Column("base_fen", sa.BigInteger(), nullable=True),
            sa.Column("reduced_fen", sa.BigInteger(), nullable=True),
            sa.Column("approval", sa.String(length=200), nullable=True),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_dues_bases")),
            sqlite_autoincrement=True,
        )
    _index("ix_cc_dues_bases_member_month", "cc_dues_bases", ["member_id", "from_month"])
    if "cc_dues_payments" not in have:
        op.create_table(
            "cc_dues_payments",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=False),
            sa.Column("month", sa.Integer(), nullable=False),
            sa.Column("amount_fen", sa.BigInteger(), nullable=False),
            sa.Column("paid_on", sa.Date(), nullable=False),
            sa.Column("extra", sa.Boolean(), nullable=False),
            sa.Column("central", sa.Boolean(), nullable=False),
            sa.Column("recorded_by", sa.String(length=200), nullable=False),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_dues_payments")),
            sqlite_autoincrement=True,
        )
    _index("ix_cc_dues_payments_member_month", "cc_dues_payments", ["member_id", "month", "amount_fen"])
    _index("ix_cc_dues_payments_month", "cc_dues_payments", ["month", "member_id"])


def downgrade() -> None:
    for table in ("cc_dues_payments", "cc_dues_bases", "cc_candidate_steps", "cc_candidates"):
        if table in _tables():
            op.drop_table(table)
