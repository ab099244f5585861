"""Reading and writing grants (``cc_grants``); the checks that use them live in ``communitycore.sdk.access``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select

from communitycore.domain.access import Grant
from communitycore.store import audit_chain
from communitycore.store.scope import Scope
from communitycore.store.tables import audit as audit_tables
from communitycore.store.tables import grants as grant_tables

_g = grant_tables.grants


def _grant(row: Any) -> Grant:
    at = row["granted_at"]
    at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at  # SQLite and MySQL hand back naive UTC
    return Grant(id=row["id"], actor=row["actor"], role=row["role"], unit_id=row["unit_id"], granted_at=at,
                 granted_by=row["granted_by"], subject=row["subject"])


def serialize_changes(conn: Connection) -> None:
    """Wait for every other grant change to commit, and hold them off until this one does.

    It takes the audit chain's head, which each audited write takes before it commits anyway, so
    the checks a change makes next (the actor's own grants, a duplicate, the last administrator)
    read what the others committed.
    """
    audit_chain.lock_head(conn)


def of_actor(conn: Connection, actor: str) -> list[Grant]:
    """Every grant one actor holds (the rows every check reads: one indexed query)."""
    return [_grant(row) for row in conn.execute(select(_g).where(_g.c.actor == actor).order_by(_g.c.id)).mappings()]


def listed(conn: Connection, *, actor: str | None = None, unit_ids: Iterable[int | None] | None = None,
           within: Scope | None = None, limit: int | None = None, after: int | None = None) -> list[Grant]:
    """Grants by id, optionally of one actor, optionally only those on ``unit_ids`` (None in it: database-wide),
    optionally only those on a unit ``within`` a scope (a database-wide grant only when the scope is everything);
    at most ``limit`` of them, with an id above ``after``."""
    query = select(_g).order_by(_g.c.id)
    if within is not None:
        query = query.where(within.clause(_g.c.unit_id))
    if after is not None:
        query = query.where(_g.c.id > after)
    if limit is not None:
        query = query.limit(limit)
    if actor is not None:
        query = query.where(_g.c.actor == actor)
    if unit_ids is not None:
        wanted = list(unit_ids)
        ids = [i for i in wanted if i is not None]
        condition = or_(_g.c.unit_id.in_(ids), _g.c.unit_id.is_(None)) if None in wanted else _g.c.unit_id.in_(ids)
        query = query.where(condition)
    return [_grant(row) for row in conn.execute(query).mappings()]


def find(conn: Connection, actor: str, role: str, unit_id: int | None) -> Grant | None:
    """The grant of ``role`` to ``actor`` on exactly ``unit_id``, if there is one."""
    where = _g.c.unit_id.is_(None) if unit_id is None else _g.c.unit_id == unit_id
    row = conn.execute(select(_g).where(_g.c.actor == actor, _g.c.role == role, where)).mappings().first()
    return None if row is None else _grant(row)


def add(conn: Connection, *, actor: str, role: str, unit_id: int | None, at: dt.datetime, by: str,
        subject: str | None = None) -> Grant:
    """Store a grant; returns it."""
    at = at.astimezone(dt.UTC)  # stored in UTC, as every engine compares it
    grant_id = conn.execute(insert(_g).values(actor=actor, role=role, unit_id=unit_id, granted_at=at, granted_by=by,
                                              subject=subject)).inserted_primary_key[0]  # type: ignore[index]
    return Grant(id=int(grant_id), actor=actor, role=role, unit_id=unit_id, granted_at=at, granted_by=by,
                 subject=subject)


def delete_grant(conn: Connection, grant_id: int) -> None:
    """Remove one grant."""
    conn.execute(delete(_g).where(_g.c.id == grant_id))


def count(conn: Connection, *, role: str | None = None, unit_id: int | None = None, whole: bool = False) -> int:
    """Number of grants (of one role; with ``whole``, only database-wide ones)."""
    query = select(func.count()).select_from(_g)
    if role is not None:
        query = query.where(_g.c.role == role)
    if whole:
        query = query.where(_g.c.unit_id.is_(None))
    elif unit_id is not None:
        query = query.where(_g.c.unit_id == unit_id)
    return int(conn.scalar(query) or 0)


def never_granted(conn: Connection) -> bool:
    """True for a database that has never held a grant: none stored and none in the audit trail.

    Only then may the actor who opens it become its administrator (see decision 0016); the audit
    trail is read only when the (small) grants table is empty.
    """
    if conn.scalar(select(_g.c.id).limit(1)) is not None:
        return False
    a = audit_tables.audit
    return conn.scalar(select(a.c.id).where(a.c.action.in_(("grant.add", "grant.remove"))).limit(1)) is None


def check_subject(conn: Connection, subject: str) -> None:
    """Refuse (:class:`~communitycore.errors.NotFound`) a subject naming no roster entry or member."""
    from communitycore.errors import NotFound, bad_field
    from communitycore.i18n import _
    from communitycore.store.tables import members as member_tables
    from communitycore.store.tables import rosters as roster_tables

    kind, _sep, number = subject.partition(":")
    table = roster_tables.roster_entries if kind == "steward" else member_tables.members
    if conn.scalar(select(table.c.id).where(table.c.id == int(number))) is None:
        raise bad_field("subject", _("there is no {subject} on record").format(subject=subject), entity="grant",
                        key=subject, cls=NotFound)

