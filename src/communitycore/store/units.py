"""Unit references resolved against the stored tree, and the whole tree for the operations that need it.

Single units are found with indexed queries (by id, or one query per level of a path), so an
ordinary call never loads the whole tree; :class:`Tree` loads it, as plain tuples, only for the
operations that need every unit (listings, roll-ups, structure checks, imports).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from communitycore.domain.fields import MAX_ID, is_plain_id, looks_like_id
from communitycore.domain.org import PATH_SEPARATOR, OrgUnit, parents_first
from communitycore.errors import InvalidValue, NotFound
from communitycore.i18n import _
from communitycore.store.tables import org as org_tables

#: A unit reference: an id, or a full path of names joined with "/".
UnitRef = int | str | OrgUnit

_u = org_tables.units


def _unit(row: Any) -> OrgUnit:
    return OrgUnit(**row._mapping)


def ref_id(ref: int | str) -> int | None:
    """The id a reference names (an int, or ASCII digits), or None for a path.

    Digits of other scripts (``٣``, ``０３``) are refused rather than read as an id, and an id no
    engine can hold is simply not found.
    """
    if isinstance(ref, bool):
        raise InvalidValue(_("a unit is named by its id or its path, not {ref!r}").format(ref=ref))
    if isinstance(ref, int):
        number = ref
    elif is_plain_id(ref):
        number = int(ref.strip())
    elif looks_like_id(ref):
        raise InvalidValue(_("unit id {ref!r} is not written with the digits 0-9").format(ref=ref.strip()),
                           entity="unit", key=ref.strip())
    else:
        return None
    if not 0 < number <= MAX_ID:
        raise NotFound(_("there is no unit with id {id}").format(id=number), entity="unit", key=number)
    return number


def get_unit(conn: Connection, unit_id: int) -> OrgUnit:
    """One unit by id, or :class:`NotFound`."""
    if not 0 < unit_id <= MAX_ID:
        raise NotFound(_("there is no unit with id {id}").format(id=unit_id), entity="unit", key=unit_id)
    row = conn.execute(select(_u).where(_u.c.id == unit_id)).first()
    if row is None:
        raise NotFound(_("there is no unit with id {id}").format(id=unit_id), entity="unit", key=unit_id)
    return _unit(row)


def split_path(ref: str) -> list[str]:
    """The names of a path such as ``街道/社区/支部`` (spaces around parts ignored)."""
    return [part.strip() for part in ref.strip().strip(PATH_SEPARATOR).split(PATH_SEPARATOR)]


def resolve(conn: Connection, ref: UnitRef) -> OrgUnit:
    """The unit an id, a full path or a unit record refers to; a clear error if there is none."""
    if isinstance(ref, OrgUnit):
        return get_unit(conn, ref.id)
    unit_id = ref_id(ref)
    if unit_id is not None:
        return get_unit(conn, unit_id)
    names = split_path(str(ref))
    parent: int | None = None
    row = None
    for name in names:  # one indexed query per level
        where = _u.c.parent_id.is_(None) if parent is None else _u.c.parent_id == parent
        row = conn.execute(select(_u).where(where, _u.c.name == name)).first()
        if row is None:
            raise NotFound(_("there is no unit at path {path!r}; give an id or the full path from the root, "
                             "joined with {separator!r}").format(path=PATH_SEPARATOR.join(names),
                                                                 separator=PATH_SEPARATOR),
                           entity="unit", key=PATH_SEPARATOR.join(names))
        parent = row.id
    assert row is not None
    return _unit(row)


def chain(conn: Connection, unit: OrgUnit) -> list[OrgUnit]:
    """The units from the root down to ``unit`` (one query per level)."""
    out = [unit]
    seen = {unit.id}
    while out[-1].parent_id is not None:
        parent = get_unit(conn, out[-1].parent_id)
        if parent.id in seen:  # a corrupt store; never loop forever
            raise NotFound(_("the tree has a cycle through unit {id}").format(id=parent.id), entity="unit",
                           key=parent.id)
        seen.add(parent.id)
        out.append(parent)
    return out[::-1]


def path_of(conn: Connection, unit: OrgUnit) -> str:
    """The full path of names, root first."""
    return PATH_SEPARATOR.join(u.name for u in chain(conn, unit))


def subtree_ids(conn: Connection, root: int) -> list[int]:
    """``root`` and all its descendants, parents first (one query per level of the tree)."""
    out = [root]
    frontier = [root]
    while frontier:
        frontier = list(conn.scalars(select(_u.c.id).where(_u.c.parent_id.in_(frontier)).order_by(_u.c.id)))
        out.extend(frontier)
    return out


def sibling_named(conn: Connection, parent_id: int | None, name: str) -> OrgUnit | None:
    """The unit under ``parent_id`` (or at the top) called ``name``, if any."""
    where = _u.c.parent_id.is_(None) if parent_id is None else _u.c.parent_id == parent_id
    row = conn.execute(select(_u).where(where, _u.c.name == name)).first()
    return None if row is None else _unit(row)


class Tree:
    """The whole unit tree, for operations that need every unit.

    Rows are loaded as tuples (20,000 units in a few tens of milliseconds); :class:`OrgUnit`
    records are built only for the units asked for.
    """

    def __init__(self, conn: Connection) -> None:
        self._rows = {row[0]: row for row in conn.execute(select(_u)).all()}
        self.parent_of: dict[int, int | None] = {i: row.parent_id for i, row in self._rows.items()}
        self._paths: dict[int, str] = {}
        self._by_path: dict[str, int] | None = None

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def ids(self) -> Iterator[int]:
        """Every unit id."""
        return iter(self._rows)

    def unit(self, unit_id: int) -> OrgUnit:
        """The record of one unit."""
        try:
            return _unit(self._rows[unit_id])
        except KeyError:
            raise NotFound(_("there is no unit with id {id}").format(id=unit_id), entity="unit",
                           key=unit_id) from None

    def name(self, unit_id: int) -> str:
        """A unit's own name."""
        return str(self._rows[unit_id].name)

    def kind(self, unit_id: int) -> str:
        """A unit's kind code."""
        return str(self._rows[unit_id].kind)

    def path(self, unit_id: int) -> str:
        """The full path of names, root first, joined with "/" (memoized along the way)."""
        known = self._paths.get(unit_id)
        if known is not None:
            return known
        parent = self.parent_of[unit_id]
        name = self._rows[unit_id].name
        path = name if parent is None else f"{self.path(parent)}{PATH_SEPARATOR}{name}"
        self._paths[unit_id] = path
        return path

    def by_path(self) -> dict[str, int]:
        """Full path to id, built on first use."""
        if self._by_path is None:
            for unit_id in parents_first(self.parent_of):
                self.path(unit_id)
            self._by_path = {path: i for i, path in self._paths.items()}
        return self._by_path

    def resolve(self, ref: UnitRef) -> OrgUnit:
        """The unit an id, a path or a unit record refers to, looked up in memory."""
        if isinstance(ref, OrgUnit):
            ref = ref.id
        unit_id = ref_id(ref)
        if unit_id is not None:
            return self.unit(unit_id)
        path = PATH_SEPARATOR.join(split_path(str(ref)))
        found = self.by_path().get(path)
        if found is None:
            raise NotFound(_("there is no unit at path {path!r}; give an id or the full path from the root, "
                             "joined with {separator!r}").format(path=path, separator=PATH_SEPARATOR),
                           entity="unit", key=path)
        return self.unit(found)
