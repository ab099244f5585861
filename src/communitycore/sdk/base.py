"""What every sub-API shares: its community, running again when the database was busy, and pages of a listing."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from communitycore.domain.fields import MAX_DAYS_AHEAD, MAX_ID, written_id
from communitycore.errors import InvalidValue, bad_field
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

    def _authorize_each(self, conn: Connection, action: str, unit_ids: Iterable[int | None]) -> None:
        """:meth:`_authorize` for each of ``unit_ids`` in turn (a batch's units), the actor's grants read once."""
        access.authorize_each(self.community, conn, action, unit_ids)

    def _scope(self, conn: Connection, action: str) -> Scope:
        """The units where the actor may do ``action``; a listing keeps rows with ``scope.clause(column)``."""
        return access.scope(self.community, conn, action)


# Ids -----------------------------------------------------------------------------------------------


def known_id(value: Any, missing: Callable[[], Exception]) -> int:
    """``value`` as a record id; one no record can have (not written as an id, see
    :func:`~communitycore.domain.fields.written_id`, or not from 1 to ``MAX_ID``) raises
    ``missing()``: such a lookup is not found on every engine, rather than failing in the driver
    (SQLite cannot bind an integer beyond 64 bits; servers refuse one beyond their column) or
    finding a record nobody named (``1.9`` is not record 1)."""
    number = written_id(value)
    if number is None or not 1 <= number <= MAX_ID:
        raise missing()
    return number


def wanted_ids(field: str, values: Iterable[Any]) -> list[int]:
    """The ids a listing is kept to (``ids=``, ``compound_id=`` …), sorted, each once; an id no
    record can have (beyond ``MAX_ID``) is dropped, as it matches nothing.

    :raises InvalidValue: a value that is not written as an id (see
        :func:`~communitycore.domain.fields.written_id`), named with ``field``.
    """
    out = set()
    for value in values:
        number = written_id(value)
        if number is None:
            raise InvalidValue(_("{field}: expected an id, got {value!r}").format(field=field, value=value))
        if 1 <= number <= MAX_ID:
            out.add(number)
    return sorted(out)


# Pages of a listing ----------------------------------------------------------------------------------
# A listing that can grow large at city scale takes ``limit`` (None: all); one ordered by id takes a
# keyset cursor as well (``after`` an id, or ``before`` one when the newest come first), so the next
# page costs the same however deep it is; one in another order takes ``offset``.


def check_page(limit: int | None, offset: int = 0, **cursors: int | None) -> None:
    """Refuse a page that cannot be asked of every engine: a limit, an offset or a cursor (``after=``,
    ``before=``) that is not a whole number from 0 to ``MAX_ID`` (a larger one fails in the driver).

    :raises InvalidValue: naming the parameter and the value given.
    """
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None:
            check_count(name, value)
    for name, value in cursors.items():
        if value is not None and not _whole(value):
            raise InvalidValue(_("{field}: expected an id from 0 to {top}, got {value!r}").format(
                field=name, top=MAX_ID, value=value))


def check_days(value: Any) -> None:
    """Refuse ``days=`` (how far ahead a "what falls due" question looks) unless it is a whole number
    from 0 to ``MAX_DAYS_AHEAD``.

    :raises InvalidValue: naming ``days`` and the value given.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS_AHEAD:
        raise bad_field("days", _("expected a whole number of days from 0 to {top}, got {value!r}").format(
            top=MAX_DAYS_AHEAD, value=value))


def check_count(field: str, value: Any) -> None:
    """Refuse a count (a limit, an offset, a depth …) that is not a whole number from 0 to ``MAX_ID``.

    :raises InvalidValue: naming ``field`` and the value given.
    """
    if not _whole(value):
        raise InvalidValue(_("{field}: expected a whole number from 0 to {top}, got {value!r}").format(
            field=field, top=MAX_ID, value=value))


def _whole(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= MAX_ID


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
