"""``community.grants``: who holds which role on which unit's subtree (see :doc:`/security`)."""

from __future__ import annotations

import builtins

import attrs
from sqlalchemy import Connection

from communitycore.domain.access import ADMIN, Grant
from communitycore.domain.fields import clean_text
from communitycore.errors import Conflict, InvalidValue, NotFound, bad_field
from communitycore.i18n import _, listing
from communitycore.sdk.base import SubAPI, check_page
from communitycore.store import grants as grant_store
from communitycore.store.grants import check_subject
from communitycore.store.units import UnitRef, path_of, resolve, subtree_ids

#: Longest actor name (the audit trail's column).
ACTOR_LIMIT = 200
#: Who an actor may be on a grant: a roster entry (a steward) or a member.
SUBJECT_KINDS = ("steward", "member")


class GrantsAPI(SubAPI):
    """Grants of roles to actors on units; each covers the unit's subtree (no unit: the whole database).

    Adding or removing a grant on a unit needs ``grant.add`` / ``grant.remove`` there; a
    database-wide grant needs them on the whole database (an administrator's).
    """

    def add(self, actor: str, role: str, unit: UnitRef | None = None, *, subject: str | None = None) -> Grant:
        """Give ``actor`` the ``role`` on ``unit``'s subtree (None: the whole database); audited.

        ``subject`` says who the actor is on this grant (``steward:ENTRY``, a roster entry, or
        ``member:ID``): a role limited to its own (``Role.own``, the builtin ``steward``) reaches only
        the requests assigned to that subject.

        :raises InvalidValue: an unknown role (the message lists the known ones), an empty actor, or a
            subject that is not ``steward:ID`` or ``member:ID``.
        :raises Conflict: the actor holds that role on that unit already.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not grant roles on ``unit`` (on the whole database when it is None).
        """
        who = self._actor(actor)
        self._role(role)
        person = None if subject is None else self._subject(subject)
        with self.community.transaction() as tx:
            grant_store.serialize_changes(tx.conn)  # before the checks read the grants
            unit_id = None if unit is None else resolve(tx.conn, unit).id
            self._authorize(tx.conn, "grant.add", unit_id)
            if person is not None:
                check_subject(tx.conn, person)
            if grant_store.find(tx.conn, who, role, unit_id) is not None:
                raise Conflict(_("{actor} already holds {role} on {unit}").format(
                    actor=who, role=role, unit=self._where(tx.conn, unit_id)))
            grant = grant_store.add(tx.conn, actor=who, role=role, unit_id=unit_id, at=tx.now, by=tx.actor,
                                    subject=person)
            tx.record("grant.add", "grant", grant.id, after=grant)
            return self._shown(tx.conn, grant)

    def remove(self, actor: str, role: str, unit: UnitRef | None = None) -> Grant:
        """Take back the grant of ``role`` to ``actor`` on exactly ``unit``; audited. Returns the removed grant.

        The last database-wide ``admin`` grant cannot be removed: nobody could grant anything again.

        :raises NotFound: there is no such grant or unit.
        :raises Conflict: it is the last database-wide administrator.
        :raises PermissionDenied: the actor may not take back grants on ``unit`` (the whole database when None).
        """
        who = self._actor(actor)
        with self.community.transaction() as tx:
            grant_store.serialize_changes(tx.conn)  # before the checks read the grants
            unit_id = None if unit is None else resolve(tx.conn, unit).id
            self._authorize(tx.conn, "grant.remove", unit_id)
            grant = grant_store.find(tx.conn, who, role, unit_id)
            if grant is None:
                raise NotFound(_("{actor} holds no {role} grant on {unit}").format(
                    actor=who, role=role, unit=self._where(tx.conn, unit_id)))
            if role == ADMIN and unit_id is None and grant_store.count(tx.conn, role=ADMIN, whole=True) <= 1:
                raise Conflict(_("{actor} is the last administrator of the whole database: grant admin to someone "
                                 "else first").format(actor=who))
            grant_store.delete_grant(tx.conn, grant.id)
            tx.record("grant.remove", "grant", grant.id, before=grant)
            return self._shown(tx.conn, grant)

    def list(self, actor: str | None = None, unit: UnitRef | None = None, *, limit: int | None = None,
             after: int | None = None) -> builtins.list[Grant]:
        """Grants by id, optionally of one actor, optionally only those on ``unit``'s subtree.

        The actor's own grants are always shown to them; others' only where the actor may
        ``grant.read``. At most ``limit`` grants (default ``None``: all); ``after`` is a keyset
        cursor: only grants with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: a limit that is not a whole number from 0 to ``MAX_ID``, or
            an ``after`` that is not an id.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read grants on any unit (the actor's own grants are always shown).
        """
        check_page(limit, after=after)
        with self.community.reading() as conn:
            own = actor is not None and actor == self.community.actor
            # Someone else's grants only where the actor may read grants.
            within = None if own else self._scope(conn, "grant.read")
            # Only the subtree's units: a database-wide grant is on none of them.
            ids = None if unit is None else subtree_ids(conn, resolve(conn, unit).id)
            found = grant_store.listed(conn, actor=actor, unit_ids=ids, within=within, limit=limit, after=after)
            return [self._shown(conn, g) for g in found]

    def mine(self) -> builtins.list[Grant]:
        """The acting actor's own grants (what ``community whoami`` shows)."""
        return self.list(actor=self.community.actor)

    # Helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _actor(actor: str) -> str:
        who = clean_text(actor, ACTOR_LIMIT, required=True)
        assert who is not None
        return who

    @staticmethod
    def _subject(subject: str) -> str:
        kind, _sep, number = str(subject).strip().partition(":")
        if kind not in SUBJECT_KINDS or not (number.isascii() and number.isdigit()):
            raise bad_field("subject", _("expected steward:ID or member:ID, got {value!r}").format(value=subject),
                            entity="grant")
        return f"{kind}:{int(number)}"

    def _role(self, role: str) -> None:
        roles = self.community.registry.roles
        if role not in roles:
            raise InvalidValue(_("unknown role {role!r}; known roles: {known}").format(
                role=role, known=listing(roles)))

    def _shown(self, conn: Connection, grant: Grant) -> Grant:
        """A grant with its unit's path and its time in the community's time zone."""
        return attrs.evolve(grant, unit=self._path(conn, grant.unit_id),
                            granted_at=grant.granted_at.astimezone(self.community.clock.tz))

    @staticmethod
    def _path(conn: Connection, unit_id: int | None) -> str | None:
        if unit_id is None:
            return None
        try:
            return path_of(conn, resolve(conn, unit_id))
        except NotFound:
            return str(unit_id)

    def _where(self, conn: Connection, unit_id: int | None) -> str:
        return _("the whole database") if unit_id is None else self._path(conn, unit_id) or str(unit_id)
