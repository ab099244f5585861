"""initial schema

Every step checks what exists first, so a run killed halfway on MariaDB (whose DDL is not
transactional: each CREATE commits at once) can simply be run again, by ``community init`` or
``community db upgrade``.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 03:12:17.670020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create_table(name: str, *elements: sa.schema.SchemaItem) -> None:
    """``op.create_table`` unless the table is there already (from a run that was killed)."""
    if not sa.inspect(op.get_bind()).has_table(name):
        op.create_table(name, *elements)


def _create_index(table: str, name: str, columns: list[str]) -> None:
    """``op.create_index`` unless the table has an index of that name already."""
    if name not in {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(table)}:
        op.create_index(name, table, columns, unique=False)


def upgrade() -> None:
    _create_table(
        "cc_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_audit")),
    )
    _create_index("cc_audit", op.f("ix_cc_audit_at"), ["at"])

    _create_table(
        "cc_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("covered_units", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["cc_units.id"], name=op.f("fk_cc_units_parent_id_cc_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_units")),
        sa.UniqueConstraint("code", name=op.f("uq_cc_units_code")),
        sa.UniqueConstraint("parent_id", "name", name=op.f("uq_cc_units_parent_id_name")),
    )
    _create_index("cc_units", op.f("ix_cc_units_parent_id"), ["parent_id"])

    _create_table(
        "cc_compounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_compounds_unit_id_cc_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_compounds")),
    )
    _create_index("cc_compounds", op.f("ix_cc_compounds_unit_id"), ["unit_id"])

    _create_table(
        "cc_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("ethnicity", sa.String(length=40), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("education", sa.String(length=32), nullable=True),
        sa.Column("join_date", sa.Date(), nullable=True),
        sa.Column("full_date", sa.Date(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("standing", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("post", sa.String(length=32), nullable=True),
        sa.Column("employer", sa.String(length=200), nullable=True),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_members_unit_id_cc_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_members")),
        sa.UniqueConstraint("id_number", name=op.f("uq_cc_members_id_number")),
    )
    _create_index("cc_members", op.f("ix_cc_members_unit_id_category"), ["unit_id", "category"])

    _create_table(
        "cc_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_partners_unit_id_cc_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_partners")),
    )
    _create_index("cc_partners", op.f("ix_cc_partners_unit_id"), ["unit_id"])

    _create_table(
        "cc_unit_settings",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_unit_settings_unit_id_cc_units")),
        sa.PrimaryKeyConstraint("unit_id", "key", name=op.f("pk_cc_unit_settings")),
    )
    _create_table(
        "cc_unit_stats",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("full_members", sa.Integer(), nullable=False),
        sa.Column("male", sa.Integer(), nullable=False),
        sa.Column("female", sa.Integer(), nullable=False),
        sa.Column("edu_primary", sa.Integer(), nullable=False),
        sa.Column("edu_junior_high", sa.Integer(), nullable=False),
        sa.Column("edu_high_school", sa.Integer(), nullable=False),
        sa.Column("edu_associate", sa.Integer(), nullable=False),
        sa.Column("edu_bachelor", sa.Integer(), nullable=False),
        sa.Column("edu_postgraduate", sa.Integer(), nullable=False),
        sa.Column("birth_days", sa.BigInteger(), nullable=False),
        sa.Column("with_birth", sa.Integer(), nullable=False),
        sa.Column("cadres", sa.Integer(), nullable=False),
        sa.Column("cadres_associate_plus", sa.Integer(), nullable=False),
        sa.Column("cadre_birth_days", sa.BigInteger(), nullable=False),
        sa.Column("cadres_with_birth", sa.Integer(), nullable=False),
        sa.Column("secretaries", sa.Integer(), nullable=False),
        sa.Column("secretaries_associate_plus", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_unit_stats_unit_id_cc_units")),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_cc_unit_stats")),
    )
    _create_table(
        "cc_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compound_id", sa.Integer(), nullable=True),
        sa.Column("building", sa.String(length=64), nullable=True),
        sa.Column("room", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["compound_id"], ["cc_compounds.id"], name=op.f("fk_cc_households_compound_id_cc_compounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_households")),
    )
    _create_index("cc_households", op.f("ix_cc_households_compound_id"), ["compound_id"])

    _create_table(
        "cc_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_unit_id", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_unit_id"], ["cc_units.id"], name=op.f("fk_cc_registrations_community_unit_id_cc_units")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["cc_members.id"], name=op.f("fk_cc_registrations_member_id_cc_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_registrations")),
    )
    _create_index("cc_registrations", op.f("ix_cc_registrations_community_unit_id"), ["community_unit_id"])
    _create_index("cc_registrations", op.f("ix_cc_registrations_member_id"), ["member_id"])

    _create_table(
        "cc_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=True),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("transferred_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(["from_unit_id"], ["cc_units.id"], name=op.f("fk_cc_transfers_from_unit_id_cc_units")),
        sa.ForeignKeyConstraint(["member_id"], ["cc_members.id"], name=op.f("fk_cc_transfers_member_id_cc_members")),
        sa.ForeignKeyConstraint(["to_unit_id"], ["cc_units.id"], name=op.f("fk_cc_transfers_to_unit_id_cc_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_transfers")),
    )
    _create_index("cc_transfers", op.f("ix_cc_transfers_member_id"), ["member_id"])

    _create_table(
        "cc_residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["cc_households.id"], name=op.f("fk_cc_residents_household_id_cc_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_residents")),
    )
    _create_index("cc_residents", op.f("ix_cc_residents_household_id"), ["household_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes; dropping an index first fails on MySQL while a foreign key needs it.
    for table in (
        "cc_residents", "cc_transfers", "cc_registrations", "cc_households", "cc_unit_stats", "cc_unit_settings",
        "cc_partners", "cc_members", "cc_compounds", "cc_units", "cc_audit",
    ):
        op.drop_table(table)
