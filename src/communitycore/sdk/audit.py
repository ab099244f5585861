"""``community.audit``: the audit trail every mutation writes in its own transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from communitycore.errors import bad_field
from communitycore.i18n import _
from communitycore.records import AuditEntry
from communitycore.sdk.base import SubAPI, paged
from communitycore.store import audit_chain
from communitycore.store.audit_chain import Anchor, Verification
from communitycore.store.tables import audit as audit_tables

__all__ = ["AuditAPI", "AuditEntry"]


class AuditAPI(SubAPI):
    """Reading the audit trail (it is written by every other sub-API)."""

    def list(self, *, entity: str | None = None, entity_id: Any = None, action: str | None = None,
             actor: str | None = None, since: dt.datetime | dt.date | str | None = None, limit: int | None = 50,
             before: int | None = None) -> list[AuditEntry]:
        """Newest entries first, optionally filtered.

        At most ``limit`` entries (50; ``None``: all). ``before`` is a keyset cursor: only entries
        with a smaller id, so the next (older) page is ``before=`` the last id of this one.
        ``since`` is a moment (a naive one in the community's time zone), a day (from its start) or
        either written in ISO form (``2026-03-01``, ``2026-03-01T08:30``).

        :raises InvalidValue: a limit that is not a whole number from 0 to ``MAX_ID``, a
            ``before`` that is not an id, or a ``since`` that is no moment.
        :raises PermissionDenied: the actor may not read the audit trail on the whole database.
        """
        a = audit_tables.audit
        query = paged(select(a).order_by(a.c.id.desc()), a.c.id, limit=limit, before=before)
        if entity is not None:
            query = query.where(a.c.entity == entity)
        if entity_id is not None:
            query = query.where(a.c.entity_id == str(entity_id))
        if action is not None:
            query = query.where(a.c.action == action)
        if actor is not None:
            query = query.where(a.c.actor == actor)
        if since is not None:
            # Stored in UTC; SQLite and MySQL compare without time zones, so compare in UTC too.
            moment = _moment(since)
            aware = moment if moment.tzinfo else moment.replace(tzinfo=self.community.clock.tz)
            query = query.where(a.c.at >= aware.astimezone(dt.UTC))
        tz = self.community.clock.tz
        with self.community.reading() as conn:
            self._authorize(conn, "audit.read", None)  # the trail is the database's, not a unit's
            out = []
            for row in conn.execute(query).mappings():
                data = dict(row)
                del data["prev_hash"]
                at = data["at"]
                # SQLite hands back naive timestamps; they were stored in UTC.
                data["at"] = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(tz)
                out.append(AuditEntry(**data))
            return out

    def verify(self) -> Verification:
        """Walk the hash chain of the whole trail; the result names the first entry changed, removed or inserted.

        :raises PermissionDenied: the actor may not read the audit trail on the whole database.
        """
        with self.community.reading() as conn:
            self._authorize(conn, "audit.read", None)
            return audit_chain.verify(conn)

    def anchor(self) -> Anchor:
        """The chain's head (the newest entry's id and hash), to keep outside the database and compare later.

        :raises PermissionDenied: the actor may not read the audit trail on the whole database.
        """
        with self.community.reading() as conn:
            self._authorize(conn, "audit.read", None)
            return audit_chain.head(conn)


def _moment(value: Any) -> dt.datetime:
    """``since`` as a datetime: a day from its start; ISO text read."""
    read = value
    if isinstance(value, str):
        try:
            read = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            read = None
    if isinstance(read, dt.datetime):
        return read
    if isinstance(read, dt.date):
        return dt.datetime.combine(read, dt.time())
    raise bad_field("since", _("expected a moment such as 2026-03-01 or 2026-03-01T08:30, got {value!r}").format(
        value=value))
