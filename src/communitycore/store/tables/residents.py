"""Households and residents."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
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
