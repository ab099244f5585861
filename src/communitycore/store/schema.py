"""The tables. Every name carries the ``cc_`` prefix so they can sit beside a host's own.

This module describes the *current* schema; the Alembic migrations under
``store/migrations`` build it step by step, and a test checks that the two agree.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

PREFIX = "cc_"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

units = Table(
    f"{PREFIX}units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("parent_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=True, index=True),
    Column("code", String(64), nullable=True, unique=True),
    Column("approved_by", String(200)),
    Column("approved_on", Date),
    Column("term_start", Date),
    Column("term_end", Date),
    Column("covered_units", Integer),
    UniqueConstraint("parent_id", "name"),
)

compounds = Table(
    f"{PREFIX}compounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tier", String(32), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), index=True),
    Column("address", String(400)),
)

partners = Table(
    f"{PREFIX}partners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), index=True),
    Column("contact", String(200)),
)

members = Table(
    f"{PREFIX}members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("gender", String(16)),
    Column("ethnicity", String(40)),
    Column("birth_date", Date),
    Column("id_number", String(18), unique=True),
    Column("phone", String(20)),
    Column("education", String(32)),
    Column("join_date", Date),
    Column("full_date", Date),
    Column("category", String(16), nullable=False),
    Column("standing", String(16), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False),
    Column("post", String(32)),
    Column("employer", String(200)),
    Column("in_service", Boolean, nullable=False),
    Index(None, "unit_id", "category"),
)

#: Member columns in the order bulk paths write them (everything but ``id``).
MEMBER_COLUMNS = tuple(c.name for c in members.columns if c.name != "id")

transfers = Table(
    f"{PREFIX}transfers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, ForeignKey(f"{PREFIX}members.id"), nullable=False, index=True),
    Column("from_unit_id", Integer, ForeignKey(f"{PREFIX}units.id")),
    Column("to_unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False),
    Column("transferred_on", Date, nullable=False),
    Column("reason", String(400)),
)

registrations = Table(
    f"{PREFIX}registrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, ForeignKey(f"{PREFIX}members.id"), nullable=False, index=True),
    Column("community_unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False, index=True),
    Column("reported_on", Date, nullable=False),
    Column("channel", String(64)),
)

households = Table(
    f"{PREFIX}households",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("compound_id", Integer, ForeignKey(f"{PREFIX}compounds.id"), index=True),
    Column("building", String(64)),
    Column("room", String(64)),
    Column("address", String(400)),
)

residents = Table(
    f"{PREFIX}residents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("household_id", Integer, ForeignKey(f"{PREFIX}households.id"), index=True),
    Column("phone", String(20)),
    Column("flags", JSON, nullable=False),
)

#: Per-unit member counters, kept up to date in the same transaction as every member change, so
#: that roll-ups over a city read 20,000 rows instead of scanning 1,000,000 (see store/rollup.py).
unit_stats = Table(
    f"{PREFIX}unit_stats",
    metadata,
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), primary_key=True),
    Column("members", Integer, nullable=False),
    Column("full_members", Integer, nullable=False),
    Column("male", Integer, nullable=False),
    Column("female", Integer, nullable=False),
    Column("edu_primary", Integer, nullable=False),
    Column("edu_junior_high", Integer, nullable=False),
    Column("edu_high_school", Integer, nullable=False),
    Column("edu_associate", Integer, nullable=False),
    Column("edu_bachelor", Integer, nullable=False),
    Column("edu_postgraduate", Integer, nullable=False),
    Column("birth_days", BigInteger, nullable=False),
    Column("with_birth", Integer, nullable=False),
    Column("cadres", Integer, nullable=False),
    Column("cadres_associate_plus", Integer, nullable=False),
    Column("cadre_birth_days", BigInteger, nullable=False),
    Column("cadres_with_birth", Integer, nullable=False),
    Column("secretaries", Integer, nullable=False),
    Column("secretaries_associate_plus", Integer, nullable=False),
)

unit_settings = Table(
    f"{PREFIX}unit_settings",
    metadata,
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
)

audit = Table(
    f"{PREFIX}audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(64)),
    Column("before", JSON),
    Column("after", JSON),
    Column("note", Text),
)

#: Tables children first, for deleting everything in a safe order.
DELETE_ORDER = tuple(reversed(metadata.sorted_tables))
