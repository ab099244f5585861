"""What every sub-API shares: its community, running again when the database was busy, and pages of a listing."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from communitycore.domain.fields import MAX_ID
from communitycore.errors import InvalidValue
from communitycore.i18n import _
from communitycore.sdk import access
from communitycore.sdk.retry import retrying
from communitycore.store.scope import Scope

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Connection, Select

    from communitycore.sdk.community import Community

T = TypeVar("T")
S = TypeVar("S", bound="Select[Any]")


class SubAPI:
    """Base of the sub-APIs: access to the community.

    Every public method a sub-API defines is wrapped in :func:`~communitycore.sdk.retry.retrying`
    when the class is created: a call that found the database busy runs again, whole, under the
    one retry policy, and a new capability gets it without a line of its own.
    """

    def __init__(self, community: Community) -> None:
        self.community = community

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(value):
                setattr(cls, name, retrying(value))

    # Permissions ---------------------------------------------------------------------------------
    # Every public method names its action (``<capability>.<verb>``, declared in its capability) and
    # the unit it touches, before it reads or writes; listings filter their rows by the scope.

    def _authorize(self, conn: Connection, action: str, unit_id: int | None) -> None:
        """Refuse the call (:class:`~communitycore.errors.PermissionDenied`) unless the actor may do
        ``action`` on ``unit_id`` (None: the database as a whole)."""
        access.authorize(self.community, conn, action, unit_id)

    def _scope(self, conn: Connection, action: str) -> Scope:
        """The units where the actor may do ``action``; a listing keeps rows with ``scope.clause(column)``."""
        return access.scope(self.community, conn, action)


# Ids -----------------------------------------------------------------------------------------------


def known_id(value: Any, missing: Callable[[], Exception]) -> int:
    """``value`` as a record id; one no record can have (not a whole number from 1 to ``MAX_ID``)
    raises ``missing()``: such a lookup is not found on every engine, rather than failing in the
    driver (SQLite cannot bind an integer beyond 64 bits; servers refuse one beyond their column)."""
    if isinstance(value, bool):
        raise missing()
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise missing() from None
    if not 1 <= number <= MAX_ID:
        raise missing()
    return number


# Pages of a listing ----------------------------------------------------------------------------------
# A listing that can grow large at city scale takes ``limit`` (None: all); one ordered by id takes a
# keyset cursor as well (``after`` an id, or ``before`` one when the newest come first), so the next
# page costs the same however deep it is; one in another order takes ``offset``.


def check_page(limit: int | None, offset: int = 0, **cursors: int | None) -> None:
    """Refuse a page that cannot be asked of every engine: a limit or an offset that is not a whole
    number of at least 0, a cursor (``after=``, ``before=``) that is not an id from 0 to ``MAX_ID``.

    :raises InvalidValue: naming the parameter and the value given.
    """
    for name, value in (("limit", limit), ("offset", offset), *cursors.items()):
        if value is None:
            continue
        cursor = name not in ("limit", "offset")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (cursor and value > MAX_ID):
            if cursor:
                raise InvalidValue(_("{field}: expected an id from 0 to {top}, got {value!r}").format(
                    field=name, top=MAX_ID, value=value))
            raise InvalidValue(_("{field}: expected a whole number of at least 0, got {value!r}").format(
                field=name, value=value))


def paged(query: S, key: ColumnElement[Any], *, limit: int | None, after: int | None = None,
          before: int | None = None, offset: int = 0) -> S:
    """``query`` cut to one page: the rows whose ``key`` is above ``after`` and below ``before``
    (keyset cursors), then past the first ``offset``, at most ``limit`` (None: all). Which rows a
    page holds is the query's own ``ORDER BY``; a cursor belongs to a listing ordered by ``key``.

    :raises InvalidValue: see :func:`check_page`.
    """
    check_page(limit, offset, after=after, before=before)
    if after is not None:
        query = query.where(key > after)
    if before is not None:
        query = query.where(key < before)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return query


def sliced(rows: Sequence[T], limit: int | None, offset: int = 0) -> list[T]:
    """One page of rows a listing worked out in Python (sorted or filtered there): past the first
    ``offset``, at most ``limit`` (None: all).

    :raises InvalidValue: see :func:`check_page`.
    """
    check_page(limit, offset)
    return list(rows[offset:] if limit is None else rows[offset:offset + limit])
