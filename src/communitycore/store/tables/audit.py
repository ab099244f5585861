"""The audit trail: one entry per change."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    String,
    Table,
    Text,
)

from communitycore.store.tables import PREFIX, metadata

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
