"""Workflow transitions of stored entities, and their shared history (``cc_workflow_history``).

A capability that keeps a state machine (resident requests, roster memberships, appeals) keeps
each entity's current state in a column of its own table; :func:`apply_transition` moves it
inside the caller's transaction: it locks the entity's row, reads its state, asks the
:class:`~communitycore.domain.workflows.Workflow` whether the move is allowed, writes the new
state and one history row. The audit entry is the facade's (:mod:`communitycore.sdk.workflows`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from communitycore.domain.workflows import TransitionRecord, Workflow
from communitycore.errors import Conflict
from communitycore.i18n import _
from communitycore.store.locks import lock_row
from communitycore.store.tables.workflows import workflow_history

_h = workflow_history


def _store(conn: Connection, record: TransitionRecord) -> TransitionRecord:
    # Stored in UTC: SQLite and MySQL keep no time zone, and history rows from several hosts are compared.
    values = {name: getattr(record, name) for name in ("workflow", "entity_kind", "entity_id", "source", "target",
                                                        "actor", "note")}
    values["at"] = record.at.astimezone(dt.UTC)
    new_id = conn.execute(insert(_h).values(**values)).inserted_primary_key[0]  # type: ignore[index]
    return TransitionRecord(**{**values, "at": record.at, "id": int(new_id)})


def enter(conn: Connection, workflow: Workflow, table: Table, entity_id: Any, *, entity_kind: str, actor: str,
          at: dt.datetime, note: str | None = None, state_column: str = "state",
          key: str = "id") -> TransitionRecord:
    """Put a new entity in the workflow's initial state and record it (a history row with no source).

    The entity's row must exist; its state column must be empty or already hold the initial state.
    """
    row = lock_row(conn, table, entity_id, key=key, columns=(state_column,))
    current = row[0]
    initial = workflow.initial.code
    if current not in (None, initial):
        raise Conflict(_("{kind} {id} is already in the workflow {workflow!r} (state {state!r})").format(
            kind=entity_kind, id=entity_id, workflow=workflow.code, state=current))
    if current is None:
        conn.execute(update(table).where(table.c[key] == entity_id).values({state_column: initial}))
    return _store(conn, TransitionRecord(workflow=workflow.code, entity_kind=entity_kind, entity_id=entity_id,
                                         source=None, target=initial, actor=actor, at=at, note=note))


def apply_transition(conn: Connection, workflow: Workflow, table: Table, entity_id: Any, target: str, *,
                     entity_kind: str, actor: str, at: dt.datetime, note: str | None = None,
                     state_column: str = "state", key: str = "id") -> TransitionRecord:
    """Move one entity to ``target`` inside the caller's transaction, and record the move.

    The entity's row is locked before its state is read, so two concurrent moves of one entity
    run one after the other and the second is checked against the state the first left.
    Raises :class:`~communitycore.domain.workflows.IllegalTransition` (naming the states the
    entity may go to) and changes nothing when the workflow does not allow the move;
    :class:`~communitycore.errors.NotFound` when there is no such entity; and
    :class:`~communitycore.errors.Conflict` when it has not entered the workflow.
    """
    row = lock_row(conn, table, entity_id, key=key, columns=(state_column,))
    current = row[0]
    if current is None:
        raise Conflict(_("{kind} {id} has not entered the workflow {workflow!r}").format(
            kind=entity_kind, id=entity_id, workflow=workflow.code))
    workflow.transition(current, target)
    conn.execute(update(table).where(table.c[key] == entity_id).values({state_column: target}))
    return _store(conn, TransitionRecord(workflow=workflow.code, entity_kind=entity_kind, entity_id=entity_id,
                                         source=current, target=target, actor=actor, at=at, note=note))


def record_from_row(row: Any, tz: dt.tzinfo = dt.UTC) -> TransitionRecord:
    """A history row as a :class:`TransitionRecord`, its time in ``tz``."""
    data = dict(row)
    at = data["at"]
    # SQLite and MySQL hand back naive timestamps; they were stored in UTC.
    data["at"] = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(tz)
    return TransitionRecord(**data)


def history(conn: Connection, entity_kind: str, entity_id: Any, tz: dt.tzinfo = dt.UTC) -> list[TransitionRecord]:
    """Every recorded move of one entity, oldest first."""
    query = (select(_h).where(_h.c.entity_kind == entity_kind, _h.c.entity_id == str(entity_id))
             .order_by(_h.c.id))
    return [record_from_row(row, tz) for row in conn.execute(query).mappings()]


__all__ = ["apply_transition", "enter", "history", "record_from_row"]
