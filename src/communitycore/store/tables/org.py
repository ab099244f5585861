"""The organization tree's tables: units, compounds (小区), partners, unit settings and per-unit member counters."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from communitycore.store.tables import PREFIX, OnUnitRemoval, UnitLink, metadata

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
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)


compounds = Table(
    f"{PREFIX}compounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tier", String(32), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), index=True),
    Column("address", String(400)),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)


partners = Table(
    f"{PREFIX}partners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), index=True),
    Column("contact", String(200)),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)


unit_settings = Table(
    f"{PREFIX}unit_settings",
    metadata,
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
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
    Column("cadres", Integer, nullable=False),
    Column("cadres_associate_plus", Integer, nullable=False),
    Column("secretaries", Integer, nullable=False),
    Column("secretaries_associate_plus", Integer, nullable=False),
)


#: Each unit's materialised path: the ids from the root down to the unit, each written with
#: :data:`~communitycore.store.units.ID_WIDTH` digits (``0000000001000000000500000000017``), so a
#: subtree is one range of this index on every engine and collation (decision 0013). Derived from
#: ``parent_id`` like the counters: kept in the same transaction as every change of the tree,
#: never exported, rebuilt by an import.
unit_paths = Table(
    f"{PREFIX}unit_paths",
    metadata,
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), primary_key=True),
    Column("path", String(400), nullable=False, index=True),
)


#: What the tree's own rows do when their unit is removed.
UNIT_LINKS = (
    UnitLink(unit_paths.c.unit_id, OnUnitRemoval.CASCADE),
    UnitLink(unit_settings.c.unit_id, OnUnitRemoval.CASCADE),
    UnitLink(unit_stats.c.unit_id, OnUnitRemoval.CASCADE),
    UnitLink(compounds.c.unit_id, OnUnitRemoval.UNLINK),
    UnitLink(partners.c.unit_id, OnUnitRemoval.UNLINK),
)
