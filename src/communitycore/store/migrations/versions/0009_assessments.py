"""assessments: runs of points schemes, their revisions, explained results and appeals

Each step first looks at what exists, so a migration killed halfway on MariaDB (whose DDL is not
transactional) can simply be run again.

Revision ID: 0009_assessments
Revises: 0008_services
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from communitycore.store.migrations.steps import indexes as _indexes
from communitycore.store.migrations.steps import tables as _tables

revision = "0009_assessments"
down_revision = "0008_services"
branch_labels = None
depends_on = None


def _index(table: str, columns: list[str], *, unique: bool = False) -> None:
    name = f"ix_{table}_{'_'.join(columns)}"
    if name not in _indexes(table):
        op.create_index(name, table, columns, unique=unique)


def upgrade() -> None:
    have = _tables()
    if "cc_assessment_runs" not in have:
        op.create_table(
            "cc_assessment_runs",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("scheme", sa.String(length=64), nullable=False),
            sa.Column("scheme_version", sa.Integer(), nullable=False),
            sa.Column("rules", sa.JSON(), nullable=False),
            sa.Column("period", sa.String(length=16), nullable=False),
            sa.Column("subject_kind", sa.String(length=16), nullable=False),
            sa.Column("unit_id", sa.Integer(), nullable=True),
            sa.Column("subjects", sa.Integer(), nullable=False),
            sa.Column("ran_by", sa.String(length=200), nullable=False),
            sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_assessment_runs_unit_id_cc_units")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_assessment_runs")),
            sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
        )
    _index("cc_assessment_runs", ["scheme", "period"])
    if "cc_assessment_revisions" not in have:
        op.create_table(
            "cc_assessment_revisions",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("run_id", sa.Integer(), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.Column("appeal_id", sa.Integer(), nullable=True),
            sa.Column("reason", sa.String(length=400), nullable=True),
            sa.Column("made_by", sa.String(length=200), nullable=False),
            sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["run_id"], ["cc_assessment_runs.id"],
                                    name=op.f("fk_cc_assessment_revisions_run_id_cc_assessment_runs")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_assessment_revisions")),
            sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
        )
    _index("cc_assessment_revisions", ["run_id", "revision"], unique=True)
    if "cc_assessment_results" not in have:
        op.create_table(
            "cc_assessment_results",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("run_id", sa.Integer(), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.Column("subject_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("unit_id", sa.Integer(), nullable=True),
            sa.Column("total", sa.BigInteger(), nullable=False),
            sa.Column("grade", sa.String(length=64), nullable=True),
            sa.Column("reached", sa.String(length=64), nullable=True),
            sa.Column("rank", sa.Integer(), nullable=True),
            sa.Column("vetoed", sa.Boolean(), nullable=False),
            sa.Column("exempt", sa.Boolean(), nullable=False),
            sa.Column("rated", sa.Boolean(), nullable=False),
            sa.Column("override", sa.String(length=400), nullable=True),
            sa.Column("facts", sa.JSON(), nullable=False),
            sa.Column("lines", sa.JSON(), nullable=False),
            sa.Column("held", sa.JSON(), nullable=False),
            sa.ForeignKeyConstraint(["run_id"], ["cc_assessment_runs.id"],
                                    name=op.f("fk_cc_assessment_results_run_id_cc_assessment_runs")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_assessment_results")),
            sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
        )
    _index("cc_assessment_results", ["run_id", "revision", "subject_id"], unique=True)
    if "cc_assessment_appeals" not in have:
        op.create_table(
            "cc_assessment_appeals",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("run_id", sa.Integer(), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.Column("subject_id", sa.Integer(), nullable=False),
            sa.Column("unit_id", sa.Integer(), nullable=True),
            sa.Column("item", sa.String(length=64), nullable=False),
            sa.Column("reason", sa.String(length=400), nullable=False),
            sa.Column("state", sa.String(length=64), nullable=False),
            sa.Column("filed_by", sa.String(length=200), nullable=False),
            sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("quantity", sa.BigInteger(), nullable=True),
            sa.Column("decision", sa.String(length=400), nullable=True),
            sa.Column("decided_by", sa.String(length=200), nullable=True),
            sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("result_revision", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(["run_id"], ["cc_assessment_runs.id"],
                                    name=op.f("fk_cc_assessment_appeals_run_id_cc_assessment_runs")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_assessment_appeals")),
            sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
        )
    _index("cc_assessment_appeals", ["run_id", "subject_id"])


def downgrade() -> None:
    for table in ("cc_assessment_appeals", "cc_assessment_results", "cc_assessment_revisions", "cc_assessment_runs"):
        if table in _tables():
            op.drop_table(table)
