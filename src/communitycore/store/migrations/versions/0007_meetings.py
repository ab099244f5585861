"""meetings: the meetings held, their attendance, partner organizations and resolutions

Revision ID: 0007_meetings
Revises: 0006_grants
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from communitycore.store.migrations.steps import foreign_key as _fk
from communitycore.store.migrations.steps import indexes as _indexes
from communitycore.store.migrations.steps import tables as _tables

revision = "0007_meetings"
down_revision = "0006_grants"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Each step checks what exists first, so a run killed halfway on MariaDB can simply run again.
    if "cc_meetings" not in _tables():
        op.create_table(
            "cc_meetings",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("unit_id", sa.Integer(), nullable=False),
            sa.Column("type", sa.String(length=64), nullable=False),
            sa.Column("held_on", sa.Date(), nullable=False),
            sa.Column("held_month", sa.Integer(), nullable=False),
            sa.Column("topic", sa.String(length=200), nullable=True),
            sa.Column("host", sa.String(length=100), nullable=True),
            sa.Column("recorder", sa.String(length=100), nullable=True),
            sa.Column("minutes", sa.Text(), nullable=True),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            _fk("cc_meetings", "unit_id", "cc_units"),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_meetings")),
            sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
        )
    have = _indexes("cc_meetings")
    for name, columns in (("ix_cc_meetings_period", ["held_month", "status", "unit_id", "type"]),
                          ("ix_cc_meetings_type", ["type", "held_on", "status", "unit_id"]),
                          ("ix_cc_meetings_unit", ["unit_id", "held_on"])):
        if name not in have:
            op.create_index(name, "cc_meetings", columns, unique=False)

    if "cc_meeting_attendance" not in _tables():
        op.create_table(
            "cc_meeting_attendance",
            sa.Column("meeting_id", sa.Integer(), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=False),
            sa.Column("presence", sa.String(length=16), nullable=False),
            sa.Column("reason", sa.String(length=200), nullable=True),
            _fk("cc_meeting_attendance", "meeting_id", "cc_meetings"),
            sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_cc_meeting_attendance")),
        )
    have = _indexes("cc_meeting_attendance")
    for name, columns in (("ix_cc_meeting_attendance_member", ["member_id", "meeting_id", "presence"]),
                          ("ix_cc_meeting_attendance_presence", ["presence", "member_id", "meeting_id", "reason"])):
        if name not in have:
            op.create_index(name, "cc_meeting_attendance", columns, unique=False)

    if "cc_meeting_partners" not in _tables():
        op.create_table(
            "cc_meeting_partners",
            sa.Column("meeting_id", sa.Integer(), nullable=False),
            sa.Column("partner_id", sa.Integer(), nullable=False),
            sa.Column("representative", sa.String(length=100), nullable=True),
            _fk("cc_meeting_partners", "meeting_id", "cc_meetings"),
            _fk("cc_meeting_partners", "partner_id", "cc_partners"),
            sa.PrimaryKeyConstraint("meeting_id", "partner_id", name=op.f("pk_cc_meeting_partners")),
        )

    if "cc_meeting_resolutions" not in _tables():
        op.create_table(
            "cc_meeting_resolutions",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("meeting_id", sa.Integer(), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("votes_for", sa.Integer(), nullable=False),
            sa.Column("votes_against", sa.Integer(), nullable=False),
            sa.Column("votes_abstain", sa.Integer(), nullable=False),
            sa.Column("passed", sa.Boolean(), nullable=False),
            sa.Column("due", sa.Integer(), nullable=False),
            _fk("cc_meeting_resolutions", "meeting_id", "cc_meetings"),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_meeting_resolutions")),
            sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
        )
    if "ix_cc_meeting_resolutions_meeting_id" not in _indexes("cc_meeting_resolutions"):
        op.create_index("ix_cc_meeting_resolutions_meeting_id", "cc_meeting_resolutions", ["meeting_id"],
                        unique=False)


def downgrade() -> None:
    for table in ("cc_meeting_resolutions", "cc_meeting_partners", "cc_meeting_attendance", "cc_meetings"):
        if table in _tables():
            op.drop_table(table)
