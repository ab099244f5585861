"""The audit trail: one entry per change, hash-chained."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from communitycore.store.tables import PREFIX, metadata

audit = Table(
    f"{PREFIX}audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(64)),
    Column("before", JSON),
    Column("after", JSON),
    Column("note", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # One entity's history, newest first (``audit list --entity member --entity-id N``).
    Index(None, "entity", "entity_id", "id"),
)

#: The chain's head: one row holding the newest entry's id and hash (see store/audit_chain.py).
audit_head = Table(
    f"{PREFIX}audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_id", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)
