"""Unit references resolved against the stored tree, subtrees through the units' paths, and loaded trees.

Single units are found with indexed queries (by id, or one query per level of a path). A subtree
is one range of the ``cc_unit_paths`` index (decision 0013): each unit's path is the ids from the
root down to it, :data:`ID_WIDTH` digits each, so the subtree of a unit whose path is ``P`` is
every path that starts with ``P``. The paths are kept right in the same transaction as every
change of the tree (:func:`add_paths`, :func:`move_paths`, :func:`rebuild_paths`).
:class:`Tree` loads a subtree (or the whole tree), as plain tuples, for the operations that work
over every unit of it (listings, roll-ups, structure checks, imports).

A reference is an id or a path of names (:func:`ref_id`): plain ASCII digits with no ``/`` are
an id; anything with a ``/`` is a path, so a unit named ``2024`` is ``街道/2024``, and a top-level
unit named ``123`` is ``123/`` or ``/123``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, insert, literal, select, update

from communitycore.domain.fields import MAX_ID, is_plain_id, looks_like_id, written_id
from communitycore.domain.org import PATH_SEPARATOR, OrgUnit, parents_first
from communitycore.errors import InvalidValue, NotFound
from communitycore.i18n import _
from communitycore.store.tables import org as org_tables

#: A unit reference: an id, or a full path of names joined with "/".
UnitRef = int | str | OrgUnit

_u = org_tables.units
_p = org_tables.unit_paths
#: Digits per id in a unit's path (ids are below 2**31: ten digits).
ID_WIDTH = 10
#: The deepest tree a path can hold.
MAX_DEPTH = (_p.c.path.type.length or 400) // ID_WIDTH  # type: ignore[attr-defined]
#: The unit columns, without anything derived (the records are built from them).
_UNIT_COLUMNS = tuple(_u.c)


def _unit(row: Any) -> OrgUnit:
    return OrgUnit(**row._mapping)


def ref_id(ref: int | str) -> int | None:
    """The id a reference names (an int, or ASCII digits), or None for a path.

    Text with a ``/`` is always a path, whatever its names look like: ``街道/2024`` is the unit
    ``2024`` under ``街道``, and ``123/`` (or ``/123``) the top-level unit named ``123``, never the
    unit with id 123. Digits of other scripts (``٣``, ``０３``) are refused rather than read as an
    id, and an id no engine can hold is simply not found. Anything else (a bool, a float, even
    ``2.0``, None, bytes) is refused, never cut to an id.

    :raises InvalidValue: ``ref`` is neither an id nor text.
    :raises NotFound: an id no unit can have.
    """
    if not isinstance(ref, str):
        number = written_id(ref)
        if number is None:  # a bool, a float (2.0 too), None, bytes, a list …
            raise InvalidValue(_("a unit is given by its id, its path or (at the top) its name, not {ref!r}")
                               .format(ref=ref), entity="unit")
    elif PATH_SEPARATOR in ref:
        return None
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


def encode(unit_id: int) -> str:
    """One id as it is written in a path (:data:`ID_WIDTH` digits)."""
    return f"{unit_id:0{ID_WIDTH}d}"


def path_key(conn: Connection, unit_id: int, *, lock: bool = False) -> str:
    """The stored path of a unit (``lock``: a locking read, which sees the newest commit on every
    engine; for writers that build on it under a lock of the unit row)."""
    query = select(_p.c.path).where(_p.c.unit_id == unit_id)
    if lock and conn.dialect.name != "sqlite":
        query = query.with_for_update(read=True)
    found = conn.scalar(query)
    if found is None:
        raise NotFound(_("there is no unit with id {id}").format(id=unit_id))
    return str(found)


def within(column: ColumnElement[str], key: str) -> ColumnElement[bool]:
    """``column`` holds ``key`` or a path below it: one range of the index.

    The paths are all digits, which every engine and collation orders as plain text, so the
    paths starting with ``key`` are those from ``key`` up to the next number of its length.
    """
    upper = str(int(key) + 1).zfill(len(key))
    return (column >= key) & (column < upper)


def subtree_query(conn: Connection, root: int) -> Any:
    """A ``SELECT unit_id`` of ``root``'s subtree, to use as ``unit_id IN (...)``."""
    return select(_p.c.unit_id).where(within(_p.c.path, path_key(conn, root)))


def subtree_ids(conn: Connection, root: int) -> list[int]:
    """``root`` and all its descendants, parents first (one range of the path index)."""
    key = path_key(conn, root)
    return list(conn.scalars(select(_p.c.unit_id).where(within(_p.c.path, key)).order_by(_p.c.path)))


def name_paths(conn: Connection, unit_ids: Iterable[int]) -> dict[int, str]:
    """The full paths of names of some units, by id: two queries, whatever their depth.

    The stored paths name every ancestor's id, so one query reads the paths and one the names.
    """
    wanted = sorted(set(unit_ids))
    if not wanted:
        return {}
    keys = {int(r[0]): str(r[1]) for r in conn.execute(select(_p.c.unit_id, _p.c.path).where(_p.c.unit_id.in_(wanted)))}
    chains = {i: [int(k[n:n + ID_WIDTH]) for n in range(0, len(k), ID_WIDTH)] for i, k in keys.items()}
    every = sorted({a for chain_ in chains.values() for a in chain_})
    names = {int(r[0]): str(r[1]) for r in conn.execute(select(_u.c.id, _u.c.name).where(_u.c.id.in_(every)))}
    return {i: PATH_SEPARATOR.join(names[a] for a in chain_) for i, chain_ in chains.items()
            if all(a in names for a in chain_)}


def subtree_parents(conn: Connection, root: int) -> dict[int, int | None]:
    """Unit id to parent id over ``root``'s subtree, ``root`` mapped to None (one range of the path index)."""
    rows = conn.execute(select(_u.c.id, _u.c.parent_id).join(_p, _p.c.unit_id == _u.c.id)
                        .where(within(_p.c.path, path_key(conn, root))))
    parent_of: dict[int, int | None] = {int(row[0]): row[1] for row in rows}
    parent_of[root] = None
    return parent_of


def add_paths(conn: Connection, units: list[tuple[int, int | None]]) -> None:
    """Store the paths of new units, given as (id, parent id), parents before their children.

    A parent that is not among ``units`` has its path read with a locking read (the caller
    holds a lock on its row, so no move can change it before the commit). One executemany.
    """
    if not units:
        return
    mine = {unit_id for unit_id, _parent in units}
    outside = sorted({p for _unit_id, p in units if p is not None and p not in mine})
    known: dict[int, str] = {}
    if outside:
        query = select(_p.c.unit_id, _p.c.path).where(_p.c.unit_id.in_(outside))
        if conn.dialect.name != "sqlite":
            query = query.with_for_update(read=True)
        known = {int(row[0]): str(row[1]) for row in conn.execute(query)}
    rows = []
    for unit_id, parent in units:
        key = encode(unit_id) if parent is None else known[parent] + encode(unit_id)
        if len(key) > MAX_DEPTH * ID_WIDTH:
            raise InvalidValue(_("the tree may be at most {depth} units deep").format(depth=MAX_DEPTH))
        known[unit_id] = key
        rows.append({"unit_id": unit_id, "path": key})
    conn.execute(insert(_p), rows)


def move_paths(conn: Connection, unit_id: int, new_parent: int | None) -> None:
    """Give ``unit_id`` and its whole subtree the paths under ``new_parent``: one UPDATE.

    The caller holds locks on the subtree's rows (``locks.lock_subtree``)
    and on the new parent's chain, so no unit arrives in or leaves the subtree meanwhile.
    """
    old = path_key(conn, unit_id, lock=True)
    new = encode(unit_id) if new_parent is None else path_key(conn, new_parent, lock=True) + encode(unit_id)
    if new == old:
        return
    deepest = conn.scalar(select(func.max(func.length(_p.c.path))).where(within(_p.c.path, old))) or len(old)
    if int(deepest) - len(old) + len(new) > MAX_DEPTH * ID_WIDTH:
        raise InvalidValue(_("the tree may be at most {depth} units deep").format(depth=MAX_DEPTH))
    conn.execute(update(_p).where(within(_p.c.path, old))
                 .values(path=literal(new) + func.substr(_p.c.path, len(old) + 1)))


def rebuild_paths(conn: Connection) -> None:
    """Compute every unit's path afresh from ``parent_id`` (after a bulk load such as the exchange import)."""
    parent_of = {int(row[0]): row[1] for row in conn.execute(select(_u.c.id, _u.c.parent_id))}
    conn.execute(delete(_p))
    keys: dict[int, str] = {}
    for unit_id in parents_first(parent_of):
        parent = parent_of[unit_id]
        keys[unit_id] = (keys[parent] if parent is not None else "") + encode(unit_id)
    rows = [{"unit_id": i, "path": k} for i, k in keys.items()]
    for start in range(0, len(rows), 10_000):
        conn.execute(insert(_p), rows[start:start + 10_000])


def sibling_named(conn: Connection, parent_id: int | None, name: str) -> OrgUnit | None:
    """The unit under ``parent_id`` (or at the top) called ``name``, if any."""
    where = _u.c.parent_id.is_(None) if parent_id is None else _u.c.parent_id == parent_id
    row = conn.execute(select(_u).where(where, _u.c.name == name)).first()
    return None if row is None else _unit(row)


class Tree:
    """The unit tree, or the subtree under ``root``, for operations over every unit of it.

    Rows are loaded as tuples (20,000 units in a few tens of milliseconds); :class:`OrgUnit`
    records are built only for the units asked for. A subtree is read through the path index
    alone; in :attr:`parent_of` its root has no parent (it is the root of what was loaded), while
    its record keeps its real ``parent_id``, and its paths of names start from the real root.
    """

    def __init__(self, conn: Connection, root: int | None = None) -> None:
        self._paths: dict[int, str] = {}
        if root is None:
            rows = conn.execute(select(*_UNIT_COLUMNS)).all()
        else:
            unit = get_unit(conn, root)
            key = path_key(conn, root)
            rows = conn.execute(select(*_UNIT_COLUMNS).join(_p, _p.c.unit_id == _u.c.id)
                                .where(within(_p.c.path, key)).order_by(_p.c.path)).all()
            if unit.parent_id is not None:
                self._paths[unit.parent_id] = path_of(conn, get_unit(conn, unit.parent_id))
        self._rows = {row[0]: row for row in rows}
        self.parent_of: dict[int, int | None] = {i: row.parent_id for i, row in self._rows.items()}
        if root is not None:
            self.parent_of[root] = None
        self.root = root
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
        parent = self._rows[unit_id].parent_id
        name = self._rows[unit_id].name
        path = name if parent is None else f"{self.path(parent)}{PATH_SEPARATOR}{name}"
        self._paths[unit_id] = path
        return path

    def by_path(self) -> dict[str, int]:
        """Full path to id, built on first use."""
        if self._by_path is None:
            for unit_id in parents_first(self.parent_of):
                self.path(unit_id)
            self._by_path = {path: i for i, path in self._paths.items() if i in self._rows}
        return self._by_path

    def resolve(self, ref: UnitRef) -> OrgUnit:
        """The unit an id, a path or a unit record refers to, looked up in memory."""
        return self.unit(self.resolve_id(ref))

    def resolve_id(self, ref: UnitRef) -> int:
        """The id of the unit ``ref`` refers to (as :meth:`resolve`), building no record: what a
        bulk path asks for each distinct unit of its rows."""
        if isinstance(ref, OrgUnit):
            ref = ref.id
        unit_id = ref_id(ref)
        if unit_id is not None:
            if unit_id not in self._rows:
                raise NotFound(_("there is no unit with id {id}").format(id=unit_id), entity="unit", key=unit_id)
            return unit_id
        path = PATH_SEPARATOR.join(split_path(str(ref)))
        found = self.by_path().get(path)
        if found is None:
            raise NotFound(_("there is no unit at path {path!r}; give an id or the full path from the root, "
                             "joined with {separator!r}").format(path=path, separator=PATH_SEPARATOR),
                           entity="unit", key=path)
        return found
