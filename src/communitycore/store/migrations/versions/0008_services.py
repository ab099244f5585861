"""services: resident requests and their evaluations; resources, demands, projects and milestones

Each table and index is created only when it is missing, so a run killed halfway on MariaDB
(whose DDL is not transactional) can simply be run again.

Revision ID: 0008_services
Revises: 0007_meetings
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from communitycore.store.migrations.steps import foreign_key as _fk

revision = "0008_services"
down_revision = "0007_meetings"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _requests() -> None:
    t = "cc_service_requests"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("program", sa.String(length=64), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("assignee_kind", sa.String(length=16), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("response_due", _TZ, nullable=False),
        sa.Column("resolution_due", _TZ, nullable=False),
        sa.Column("accepted_at", _TZ, nullable=True),
        sa.Column("response_seconds", sa.Integer(), nullable=True),
        sa.Column("resolved_at", _TZ, nullable=True),
        sa.Column("resolution_seconds", sa.Integer(), nullable=True),
        sa.Column("evaluations", sa.Integer(), server_default="0", nullable=False),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.Column("overdue_flagged_at", _TZ, nullable=True),
        sa.Column("responded", sa.Integer(), nullable=True),
        sa.Column("resolved_late", sa.Integer(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        _fk(t, "unit_id", "cc_units"),
        _fk(t, "resident_id", "cc_residents"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
    )


def _evaluations() -> None:
    t = "cc_service_evaluations"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("evaluated_at", _TZ, nullable=False),
        sa.Column("solved", sa.Boolean(), nullable=False),
        sa.Column("satisfaction", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.String(length=400), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        _fk(t, "request_id", "cc_service_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
    )


def _resources() -> None:
    t = "cc_service_resources"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        _fk(t, "unit_id", "cc_units"),
        _fk(t, "partner_id", "cc_partners"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
    )


def _demands() -> None:
    t = "cc_service_demands"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        _fk(t, "unit_id", "cc_units"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
    )


def _demand_requests() -> None:
    t = "cc_service_demand_requests"
    op.create_table(
        t,
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        _fk(t, "demand_id", "cc_service_demands"),
        _fk(t, "request_id", "cc_service_requests"),
        sa.PrimaryKeyConstraint("demand_id", "request_id", name=op.f(f"pk_{t}")),
    )


def _projects() -> None:
    t = "cc_service_projects"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", _TZ, nullable=True),
        sa.Column("delivered_at", _TZ, nullable=True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        _fk(t, "unit_id", "cc_units"),
        _fk(t, "demand_id", "cc_service_demands"),
        _fk(t, "partner_id", "cc_partners"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
    )


def _milestones() -> None:
    t = "cc_service_milestones"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        _fk(t, "project_id", "cc_service_projects"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
    )


#: In dependency order: (table, how to create it, its indexes as (name, columns)).
_TABLES: tuple[tuple[str, Callable[[], None], tuple[tuple[str, list[str]], ...]], ...] = (
    ("cc_service_requests", _requests, (
        ("ix_cc_service_requests_resident_id", ["resident_id"]),
        ("ix_cc_service_requests_metrics", ["created_at", "unit_id", "state", "responded", "solved", "points",
                                            "resolved_late", "resolution_seconds", "resolution_due",
                                            "response_seconds"]),
        ("ix_cc_service_requests_unit", ["unit_id", "created_at"]),
        ("ix_cc_service_requests_state", ["state", "resolution_due"]),
    )),
    ("cc_service_evaluations", _evaluations, (("ix_cc_service_evaluations_request_id", ["request_id"]),)),
    ("cc_service_resources", _resources, (("ix_cc_service_resources_unit_id", ["unit_id"]),
                                          ("ix_cc_service_resources_partner_id", ["partner_id"]))),
    ("cc_service_demands", _demands, (("ix_cc_service_demands_unit_id", ["unit_id"]),)),
    ("cc_service_demand_requests", _demand_requests, (("ix_cc_service_demand_requests_request_id", ["request_id"]),)),
    ("cc_service_projects", _projects, (("ix_cc_service_projects_unit_id", ["unit_id"]),
                                        ("ix_cc_service_projects_demand_id", ["demand_id"]),
                                        ("ix_cc_service_projects_partner_id", ["partner_id"]))),
    ("cc_service_milestones", _milestones, (("ix_cc_service_milestones_project_id", ["project_id"]),)),
)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    for table, create, indexes in _TABLES:
        if table not in existing:
            create()
        have = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table)}
        for name, columns in indexes:
            if name not in have:
                op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table, _create, _indexes in reversed(_TABLES):
        if table in existing:
            op.drop_table(table)
