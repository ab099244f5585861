"""The shared workflow history: every transition of every workflow's entities, with actor, time and note."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text

from communitycore.store.tables import PREFIX, metadata

workflow_history = Table(
    f"{PREFIX}workflow_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workflow", String(64), nullable=False),
    Column("entity_kind", String(64), nullable=False),
    # Text, so that one table holds the history of entities of every kind, whatever their keys.
    Column("entity_id", String(64), nullable=False),
    Column("source", String(64)),
    Column("target", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", Text),
    # One entity's history, oldest first, is one index range.
    Index(None, "entity_kind", "entity_id", "id"),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

#: History rows hang off entities, not units; the capability that owns an entity declares them.
UNIT_LINKS = ()
