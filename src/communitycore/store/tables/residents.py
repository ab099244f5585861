"""Households and residents."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
)

from communitycore.store.tables import PREFIX, metadata
from communitycore.store.tables import org as _org  # noqa: F401 - the foreign keys point at cc_compounds

households = Table(
    f"{PREFIX}households",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("compound_id", Integer, ForeignKey(f"{PREFIX}compounds.id"), index=True),
    Column("building", String(64)),
    Column("room", String(64)),
    Column("address", String(400)),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)


residents = Table(
    f"{PREFIX}residents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("household_id", Integer, ForeignKey(f"{PREFIX}households.id"), index=True),
    Column("phone", String(20)),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)


#: A resident's flags (独居老人, 残疾 ...), one row each, so every engine filters them in SQL
#: (migration 0002 moved them here from a JSON column).
resident_flags = Table(
    f"{PREFIX}resident_flags",
    metadata,
    Column("resident_id", Integer, ForeignKey(f"{PREFIX}residents.id"), primary_key=True),
    Column("flag", String(32), primary_key=True, index=True),
)
