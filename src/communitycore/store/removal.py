"""Removing units: what each capability's rows do when the units they hang off go.

Each table module declares :class:`~communitycore.store.tables.UnitLink` values (``UNIT_LINKS``): a column
of one of its tables that holds a unit id, and what happens to those rows when the unit is
removed. :func:`blockers` counts the rows that refuse a plain removal; :func:`remove_units`
deletes or unlinks every linked row, children before parents, then the units themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, func, select, update

from communitycore.store.tables import OnUnitRemoval, UnitLink, load_all
from communitycore.store.tables import org as org_tables


def blockers(conn: Connection, links: Sequence[UnitLink], unit_ids: Sequence[int]) -> dict[UnitLink, int]:
    """The rows under ``unit_ids`` that refuse a plain removal, counted per refusing link (zeros included)."""
    return {
        link: int(conn.scalar(select(func.count()).select_from(link.table).where(link.column.in_(unit_ids))) or 0)
        for link in links if link.policy is OnUnitRemoval.REFUSE
    }


def remove_units(conn: Connection, links: Sequence[UnitLink], unit_ids: Sequence[int]) -> dict[str, int]:
    """Delete ``unit_ids`` and cascade into, or unlink, every linked row. Returns rows removed per table."""
    ids = list(unit_ids)
    removed: dict[str, int] = {}
    # Children before parents: a table's rows go before the rows of any table it refers to.
    order = {table.name: index for index, table in enumerate(reversed(load_all().sorted_tables))}
    for link in sorted(links, key=lambda link: order.get(link.table.name, -1)):
        if link.policy is OnUnitRemoval.UNLINK:
            conn.execute(update(link.table).where(link.column.in_(ids)).values({link.column.name: None}))
            continue
        for dependent in link.dependents:
            owned = select(link.table.c.id).where(link.column.in_(ids)).scalar_subquery()
            conn.execute(delete(dependent.table).where(dependent.in_(owned)))
        result = conn.execute(delete(link.table).where(link.column.in_(ids)))
        removed[link.key] = removed.get(link.key, 0) + max(result.rowcount, 0)
    units = org_tables.units
    # Break parent links first so the self-referencing foreign key never blocks the delete.
    conn.execute(update(units).where(units.c.id.in_(ids)).values(parent_id=None))
    removed["units"] = max(conn.execute(delete(units).where(units.c.id.in_(ids))).rowcount, 0)
    return removed


__all__ = ["OnUnitRemoval", "UnitLink", "blockers", "remove_units"]
