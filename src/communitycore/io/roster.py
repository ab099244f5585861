"""The member roster (花名册): an ``.xlsx`` or ``.csv`` file with the import template's Chinese headers.

:func:`write_roster` writes the members of a unit's subtree (or everyone), one row each, in the
columns of :data:`~communitycore.io.member_import.MEMBER_HEADERS` and with their first (the
template's) headers, so that a roster imports again. Codes are written as their Chinese labels,
dates as ``YYYY-MM-DD`` text, the unit as its full path. 公民身份号码 and phone numbers are masked
unless the caller revealed them (with a reason, which the audit entry keeps).

The file appears only when complete: it is written under a temporary name, readable by its
owner only, and renamed after the export's audit entry is committed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from communitycore.domain.codes import Coded
from communitycore.domain.identity import mask_id_number, mask_phone
from communitycore.domain.members import Member, MemberStatus
from communitycore.domain.org import children_map, subtree
from communitycore.errors import InvalidValue
from communitycore.i18n import _
from communitycore.io.files import staged_file
from communitycore.io.limits import given_path
from communitycore.io.member_import import MEMBER_HEADERS
from communitycore.io.table_files import write_csv, write_xlsx
from communitycore.store.members import member_from_row
from communitycore.store.scope import EVERYTHING, Scope
from communitycore.store.tables import members as member_tables
from communitycore.store.units import Tree

if TYPE_CHECKING:
    from communitycore.sdk.community import Community
    from communitycore.store.units import UnitRef

__all__ = ["ROSTER_FIELDS", "roster_headers", "write_roster"]

#: The roster's columns, in the template's order.
ROSTER_FIELDS = tuple(MEMBER_HEADERS)
#: Rows read from the database per batch.
_BATCH = 2_000


def roster_headers() -> list[str]:
    """The header row: the template's Chinese headers."""
    return [MEMBER_HEADERS[field][0] for field in ROSTER_FIELDS]


def _cell(member: Member, field: str, unit_path: str, reveal: bool) -> Any:
    if field == "unit":
        return unit_path
    value = getattr(member, field)
    if field == "id_number" and not reveal:
        return mask_id_number(value)
    if field == "phone" and not reveal:
        return mask_phone(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Coded):
        return value.zh
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_roster(community: Community, path: str | os.PathLike[str], *, unit: UnitRef | None = None,
                 reveal: bool = False, reason: str | None = None,
                 status: MemberStatus | None = MemberStatus.ACTIVE,
                 scope: Callable[[Connection, int | None, bool], Scope] | None = None) -> int:
    """Write the roster of ``unit``'s subtree (everyone for None) to ``path``; returns the members written.

    ``reveal`` is the caller's decision, already checked (see ``MembersAPI.export``); it is
    recorded in the ``member.export`` audit entry with ``reason``.
    """
    target = given_path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidValue(_("a roster is written as .xlsx or .csv, not {suffix}").format(
            suffix=suffix or target.name))
    # Owner-only (it may hold personal data), beside the target and renamed when complete; removed on
    # any failure or SIGTERM; a folder that is missing or read-only is a CannotWrite naming the file.
    with staged_file(target) as partial:
        with community.reading() as conn:
            tree = Tree(conn)
            root = None if unit is None else tree.resolve_id(unit)
            root_path = None if root is None else tree.path(root)
            allowed = EVERYTHING if scope is None else scope(conn, root, reveal)
            rows = _rows(conn, tree, root, status, reveal, allowed)
            if suffix == ".xlsx":
                [written] = write_xlsx(partial, [("党员花名册", roster_headers(), rows)])
            else:
                written = write_csv(partial, roster_headers(), rows)
        with community.transaction() as tx:
            tx.record("member.export", "member", None, note=reason,
                      after={"file": target.name, "rows": written, "unit": root_path, "revealed": reveal,
                             "scope": _scope_paths(tree, allowed)},
                      data={"file": str(target), "rows": written, "revealed": reveal})
    return written


def _scope_paths(tree: Tree, allowed: Scope) -> list[str] | None:
    """The subtrees an export was limited to, by path (None: the whole database)."""
    return None if allowed.everything else sorted(tree.path(r) for r in allowed.roots)


def _rows(conn: Connection, tree: Tree, root: int | None, status: MemberStatus | None,
          reveal: bool, allowed: Scope = EVERYTHING) -> Iterator[list[Any]]:
    m = member_tables.members
    query = select(m).order_by(m.c.unit_id, m.c.id)
    if status is not None:
        query = query.where(m.c.status == status.value)
    units = None if root is None else set(subtree(children_map(tree.parent_of), root))
    for part in conn.execute(query.execution_options(yield_per=_BATCH)).mappings().partitions():
        for row in part:
            if (units is not None and row["unit_id"] not in units) or not allowed.covers(row["unit_id"]):
                continue
            member = member_from_row(row)
            path = tree.path(member.unit_id)
            yield [_cell(member, field, path, reveal) for field in ROSTER_FIELDS]
