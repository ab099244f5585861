"""Grants: an actor holds a role on a unit (and its subtree), or on the whole database (``unit_id`` NULL)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table

from communitycore.store.tables import PREFIX, OnUnitRemoval, UnitLink, metadata

grants = Table(
    f"{PREFIX}grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor", String(200), nullable=False),
    Column("role", String(64), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=True, index=True),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("granted_by", String(200), nullable=False),
    # Who the actor is, for a role limited to its own (a steward's ``steward:ENTRY``).
    Column("subject", String(64)),
    # Every check reads one actor's grants.
    Index(None, "actor", "role"),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

#: A grant goes with its unit.
UNIT_LINKS = (UnitLink(grants.c.unit_id, OnUnitRemoval.CASCADE),)
