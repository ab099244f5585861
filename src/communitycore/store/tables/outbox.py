"""The transactional outbox: every event is written in the transaction of its change, delivered after commit."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from communitycore.store.tables import PREFIX, metadata

outbox = Table(
    f"{PREFIX}outbox",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(64)),
    Column("data", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Index(None, "status", "next_attempt_at"),
)

#: Every failed delivery, with its time and error.
outbox_attempts = Table(
    f"{PREFIX}outbox_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(36), ForeignKey(f"{PREFIX}outbox.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("error", Text, nullable=False),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)
