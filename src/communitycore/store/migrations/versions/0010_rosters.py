"""rosters: entries of roster programmes, objections to their public notices, tier changes from reviews

Each step first looks at what exists, so a migration killed halfway on MariaDB (whose DDL is not
transactional) can simply be run again.

Revision ID: 0010_rosters
Revises: 0009_assessments
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from communitycore.store.migrations.steps import indexes as _indexes
from communitycore.store.migrations.steps import tables as _tables

revision = "0010_rosters"
down_revision = "0009_assessments"
branch_labels = None
depends_on = None


def _index(table: str, columns: list[str], *, name: str | None = None) -> None:
    name = name or f"ix_{table}_{'_'.join(columns)}"
    if name not in _indexes(table):
        op.create_index(name, table, columns)


def upgrade() -> None:
    have = _tables()
    if "cc_roster_entries" not in have:
        op.create_table(
            "cc_roster_entries",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("program", sa.String(length=64), nullable=False),
            sa.Column("unit_id", sa.Integer(), nullable=False),
            sa.Column("candidate_kind", sa.String(length=16), nullable=False),
            sa.Column("candidate_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("state", sa.String(length=64), nullable=True),
            sa.Column("tier", sa.String(length=64), nullable=True),
            sa.Column("applied_on", sa.Date(), nullable=False),
            sa.Column("qualified", sa.Boolean(), nullable=True),
            sa.Column("review_note", sa.String(length=400), nullable=True),
            sa.Column("notice_start", sa.Date(), nullable=True),
            sa.Column("notice_end", sa.Date(), nullable=True),
            sa.Column("admitted_on", sa.Date(), nullable=True),
            sa.Column("term_end", sa.Date(), nullable=True),
            sa.Column("exited_on", sa.Date(), nullable=True),
            sa.Column("exit_reason", sa.String(length=16), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("created_by", sa.String(length=200), nullable=False),
            sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_roster_entries_unit_id_cc_units")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_roster_entries")),
            sqlite_autoincrement=True,
        )
    _index("cc_roster_entries", ["candidate_kind", "candidate_id", "program"], name="ix_cc_roster_entries_candidate")
    _index("cc_roster_entries", ["program", "state", "unit_id"], name="ix_cc_roster_entries_program")
    if "cc_roster_objections" not in have:
        op.create_table(
            "cc_roster_objections",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("entry_id", sa.Integer(), nullable=False),
            sa.Column("raised_by", sa.String(length=200), nullable=False),
            sa.Column("reason", sa.String(length=400), nullable=False),
            sa.Column("raised_on", sa.Date(), nullable=False),
            sa.Column("state", sa.String(length=16), nullable=False),
            sa.Column("resolution_note", sa.String(length=400), nullable=True),
            sa.Column("resolved_by", sa.String(length=200), nullable=True),
            sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("recorded_by", sa.String(length=200), nullable=False),
            sa.ForeignKeyConstraint(["entry_id"], ["cc_roster_entries.id"],
                                    name=op.f("fk_cc_roster_objections_entry_id_cc_roster_entries")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_roster_objections")),
            sqlite_autoincrement=True,
        )
    _index("cc_roster_objections", ["entry_id"])
    if "cc_roster_tier_changes" not in have:
        op.create_table(
            "cc_roster_tier_changes",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("entry_id", sa.Integer(), nullable=False),
            sa.Column("run_id", sa.Integer(), nullable=False),
            sa.Column("result_id", sa.Integer(), nullable=False),
            sa.Column("grade", sa.String(length=64), nullable=True),
            sa.Column("total", sa.BigInteger(), nullable=False),
            sa.Column("outcome", sa.String(length=16), nullable=False),
            sa.Column("tier_from", sa.String(length=64), nullable=False),
            sa.Column("tier_to", sa.String(length=64), nullable=False),
            sa.Column("state_from", sa.String(length=64), nullable=False),
            sa.Column("state_to", sa.String(length=64), nullable=False),
            sa.Column("applied_by", sa.String(length=200), nullable=False),
            sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["entry_id"], ["cc_roster_entries.id"],
                                    name=op.f("fk_cc_roster_tier_changes_entry_id_cc_roster_entries")),
            sa.ForeignKeyConstraint(["run_id"], ["cc_assessment_runs.id"],
                                    name=op.f("fk_cc_roster_tier_changes_run_id_cc_assessment_runs")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_roster_tier_changes")),
            sqlite_autoincrement=True,
        )
    _index("cc_roster_tier_changes", ["entry_id"])
    _index("cc_roster_tier_changes", ["run_id"])


def downgrade() -> None:
    for table in ("cc_roster_tier_changes", "cc_roster_objections", "cc_roster_entries"):
        if table in _tables():
            op.drop_table(table)
