"""The permission checks every sub-API call passes through: roles, grants on subtrees, plugins' rules.

``SubAPI._authorize`` and ``SubAPI._scope`` (``communitycore.sdk.base``) call :func:`authorize`
and :func:`scope`. A call is allowed when the actor holds a grant, on the unit it touches or on a
unit above it (or on the whole database), of a role whose actions match; then every
``communitycore_authorize`` implementation is asked, and one ``False`` or one exception refuses it.
A refusal raises :class:`~communitycore.errors.PermissionDenied`; the facade writes it to the audit
trail after the call's transaction has rolled back (``Community._unit_of_work``).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from communitycore.domain.access import ADMIN, Grant, allows, covering, roles_allowing
from communitycore.errors import CommunityCoreError, InvalidValue, NotFound, PermissionDenied
from communitycore.i18n import _
from communitycore.store import grants as grant_store
from communitycore.store import locks
from communitycore.store.scope import EVERYTHING, Scope, scope_of
from communitycore.store.tables import audit as audit_tables
from communitycore.store.units import chain, get_unit, path_of

if TYPE_CHECKING:
    from communitycore.domain.org import OrgUnit
    from communitycore.plugins.registry import Registry
    from communitycore.sdk.community import Community


#: The roles allowing each action, per registry (its roles are fixed once it is built).
_ALLOWING: weakref.WeakKeyDictionary[Registry, dict[str, frozenset[str]]] = weakref.WeakKeyDictionary()


def _roles(community: Community, action: str) -> frozenset[str]:
    """The roles that allow ``action``, worked out once per registry.

    :raises InvalidValue: ``action`` is not text (``<capability>.<verb>``).
    """
    if not isinstance(action, str):
        raise InvalidValue(_("an action is named by its code, such as member.read, not {action!r}").format(
            action=action))
    known = _ALLOWING.setdefault(community.registry, {})
    found = known.get(action)
    if found is None:
        found = known[action] = roles_allowing(
            {code: role.actions for code, role in community.registry.roles.items()}, action)
    return found


def _has_rules(community: Community) -> bool:
    return bool(community.pm.hook.communitycore_authorize.get_hookimpls())


def _plugin_refusal(community: Community, action: str, unit: OrgUnit | None, roles: set[str],
                    *, path: str | None, listing: bool) -> str | None:
    """Why a plugin's rule refuses the call (None: no rule does). A deny wins over every other answer."""
    context = {"roles": tuple(sorted(roles)), "path": path, "now": community.clock.now(), "listing": listing}
    try:
        answers = community.pm.hook.communitycore_authorize(actor=community.actor, action=action, unit=unit,
                                                           context=context)
    except PermissionDenied as exc:
        return exc.reason or _("refused by a plugin's rule")
    except Exception as exc:  # a rule that fails refuses: a deny must never be lost to a bug
        return _("refused by a plugin's rule ({error})").format(error=type(exc).__name__)
    if any(answer is False for answer in answers):
        return _("refused by a plugin's rule")
    return None


def authorize(community: Community, conn: Connection, action: str, unit_id: int | None, *,
              held: list[Grant] | None = None) -> None:
    """Refuse (:class:`PermissionDenied`) unless the actor may do ``action`` on ``unit_id`` (None: the database);
    ``held``: the actor's grants, when the caller has read them already."""
    roles = _roles(community, action)
    held = grant_store.of_actor(conn, community.actor) if held is None else held
    if not _has_rules(community) and covering(held, roles, [None]):
        return  # a database-wide grant, and no plugin's rule to ask: one query
    unit = units = None
    if unit_id is not None:
        try:
            units = chain(conn, get_unit(conn, int(unit_id)))
        except NotFound:
            units = None  # the call itself says the unit does not exist, if the actor may know
        unit = units[-1] if units else None
    ancestors: list[int | None] = [None, *(u.id for u in units or ())]
    found = covering(held, roles, ancestors)
    path = "/".join(u.name for u in units) if units else None
    shown = path or unit_id
    if not found:
        raise PermissionDenied(community.actor, action, shown, unit_id=unit_id)
    reason = _plugin_refusal(community, action, unit, {g.role for g in found}, path=path, listing=False)
    if reason is not None:
        raise PermissionDenied(community.actor, action, shown, unit_id=unit_id, reason=reason)


def authorize_each(community: Community, conn: Connection, action: str, unit_ids: Iterable[int | None]) -> None:
    """:func:`authorize` for each unit of ``unit_ids`` (an import's; None: the database), reading the
    actor's grants once."""
    held = grant_store.of_actor(conn, community.actor)
    if not _has_rules(community) and covering(held, _roles(community, action), [None]):
        return
    for unit_id in unit_ids:
        authorize(community, conn, action, unit_id, held=held)


def own_subjects(community: Community, conn: Connection, action: str) -> set[str] | None:
    """What the actor's grants that allow ``action`` limit it to: None when one of them is of a role that
    reaches everything in its subtree, else the ``subject`` of each (a steward's own assignments; an empty
    set when no grant names one)."""
    roles = community.registry.roles
    subjects: set[str] = set()
    for grant in grant_store.of_actor(conn, community.actor):
        role = roles.get(grant.role)
        if role is None or not allows(role.actions, action):
            continue
        if not role.own:
            return None
        if grant.subject is not None:
            subjects.add(grant.subject)
    return subjects


def scope(community: Community, conn: Connection, action: str) -> Scope:
    """The subtrees where the actor may do ``action``; refused when there is none at all."""
    roles = _roles(community, action)
    found = [g for g in grant_store.of_actor(conn, community.actor) if g.role in roles]
    whole = {g.role for g in found if g.unit_id is None}
    if whole and not _has_rules(community):
        return EVERYTHING
    if whole and _plugin_refusal(community, action, None, whole, path=None, listing=True) is None:
        return EVERYTHING
    roots: list[int] = []
    for root in sorted({g.unit_id for g in found if g.unit_id is not None}):
        try:
            unit = get_unit(conn, root)
        except NotFound:
            continue
        granted = {g.role for g in found if g.unit_id == root}
        if _plugin_refusal(community, action, unit, granted, path=path_of(conn, unit), listing=True) is None:
            roots.append(root)
    if not roots:
        raise PermissionDenied(community.actor, action, None)
    return scope_of(conn, roots)


def record_denial(community: Community, exc: PermissionDenied) -> None:
    """Write a refusal to the audit trail, in a transaction of its own (the refused call's has rolled back)."""
    exc.recorded = True
    try:
        with community.transaction() as tx:
            tx.record("access.deny", "unit", exc.unit_id,
                      after={"action": exc.action, "unit": None if exc.unit is None else str(exc.unit)},
                      note=exc.reason)
    except CommunityCoreError:
        pass  # the refusal stands even when the database cannot take its audit entry now (busy)


def bootstrap(community: Community) -> None:
    """Make the actor ``admin`` of the whole database when the database has never held a grant."""
    with community.reading() as conn:
        if not grant_store.never_granted(conn):
            return  # every opening but the first: one indexed read
    with community.transaction() as tx:
        # The chain's head is locked first (on every engine), so two first openings make one administrator.
        locks.lock_rows(tx.conn, audit_tables.audit_head, [1])
        if not grant_store.never_granted(tx.conn):
            return
        grant = grant_store.add(tx.conn, actor=tx.actor, role=ADMIN, unit_id=None, at=tx.now, by=tx.actor)
        tx.record("grant.add", "grant", grant.id, after=grant, note=_("the actor who created the database"))

