"""Rows of the transactional outbox: enqueue in the change's transaction, then mark delivered or failed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from communitycore.store.tables import outbox as outbox_tables

PENDING, DELIVERED = "pending", "delivered"
#: Seconds before the first retry; doubled after each failure, up to :data:`MAX_BACKOFF`.
FIRST_BACKOFF = 10
MAX_BACKOFF = 3600


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed delivery."""
    return dt.timedelta(seconds=min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF))


#: The outbox's times, stored in UTC.
_TIMES = ("at", "next_attempt_at", "delivered_at")


def _utc(at: dt.datetime) -> dt.datetime:
    # Stored in UTC, as every other time: SQLite and MySQL keep no offset, and a reader takes a
    # naive time for UTC (``store.sql.aware``), so a local time would come back hours off.
    return at.astimezone(dt.UTC)


def enqueue(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write events (dicts of the outbox columns) in the caller's transaction."""
    if rows:
        stored = [{**row, **{k: _utc(row[k]) for k in _TIMES if row.get(k) is not None}} for row in rows]
        conn.execute(insert(outbox_tables.outbox), stored)


def due(conn: Connection, now: dt.datetime, *, ignore_backoff: bool = False, limit: int = 1_000) -> list[Any]:
    """Pending events whose backoff has passed (all pending ones with ``ignore_backoff``), oldest first."""
    o = outbox_tables.outbox
    query = select(o).where(o.c.status == PENDING)
    if not ignore_backoff:
        query = query.where(or_(o.c.next_attempt_at.is_(None), o.c.next_attempt_at <= _utc(now)))
    return list(conn.execute(query.order_by(o.c.seq).limit(limit)).mappings())


def mark_delivered(conn: Connection, event_ids: Sequence[str], now: dt.datetime) -> None:
    """Events that every listener took."""
    o = outbox_tables.outbox
    if event_ids:
        conn.execute(update(o).where(and_(o.c.id.in_(list(event_ids)), o.c.status == PENDING))
                     .values(status=DELIVERED, delivered_at=_utc(now), attempts=o.c.attempts + 1))


def mark_failed(conn: Connection, event_id: str, now: dt.datetime, error: str) -> None:
    """A failed delivery: kept with its time and error; the event waits for its backoff."""
    o, a = outbox_tables.outbox, outbox_tables.outbox_attempts
    now = _utc(now)
    attempts = int(conn.scalar(select(o.c.attempts).where(o.c.id == event_id)) or 0) + 1
    conn.execute(update(o).where(o.c.id == event_id)
                 .values(attempts=attempts, next_attempt_at=now + backoff(attempts)))
    conn.execute(insert(a).values(event_id=event_id, at=now, error=error[:2000]))


def retry(conn: Connection, event_id: str) -> bool:
    """Make an event due now (a delivered one is sent again); False if there is no such event."""
    o = outbox_tables.outbox
    result = conn.execute(update(o).where(o.c.id == event_id).values(status=PENDING, next_attempt_at=None))
    return bool(result.rowcount)


def listing(conn: Connection, *, status: str | None = None, limit: int | None = 50,
            before: int | None = None) -> list[dict[str, Any]]:
    """Events newest first (only those whose ``seq`` is below ``before``, when given), each with its failed attempts."""
    o, a = outbox_tables.outbox, outbox_tables.outbox_attempts
    query = select(o).order_by(o.c.seq.desc())
    if status is not None:
        query = query.where(o.c.status == status)
    if before is not None:
        query = query.where(o.c.seq < before)
    if limit is not None:
        query = query.limit(limit)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    if rows:
        failures: dict[str, list[dict[str, Any]]] = {}
        ids = [r["id"] for r in rows]
        for f in conn.execute(select(a).where(a.c.event_id.in_(ids)).order_by(a.c.id)).mappings():
            failures.setdefault(f["event_id"], []).append({"at": f["at"], "error": f["error"]})
        for r in rows:
            r["failures"] = failures.get(r["id"], [])
    return rows


def counts(conn: Connection) -> dict[str, int]:
    """Events per status."""
    o = outbox_tables.outbox
    return {str(s): int(n) for s, n in conn.execute(select(o.c.status, func.count()).group_by(o.c.status))}
