"""Where an actor may act: the subtrees their grants cover, as a value and as a SQL filter."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from sqlalchemy import ColumnElement, Connection, true

from communitycore.store.units import subtree_ids


@attrs.frozen
class Scope:
    """The units an action is allowed on: everything, or the subtrees under ``roots``.

    ``units`` is the set of unit ids those subtrees hold (filled by :func:`scope_of`), so a check
    of one unit and a filter of a listing cost no further tree walk.
    """

    everything: bool = False
    roots: frozenset[int] = frozenset()
    units: frozenset[int] = frozenset()

    def covers(self, unit_id: int | None) -> bool:
        """Whether a unit (None: the database as a whole) lies inside the scope."""
        if self.everything:
            return True
        return unit_id is not None and unit_id in self.units

    def clause(self, column: ColumnElement[int] | ColumnElement[int | None]) -> ColumnElement[bool]:
        """A WHERE condition keeping the rows whose unit column lies inside the scope."""
        if self.everything:
            return true()
        return column.in_(sorted(self.units))


EVERYTHING = Scope(everything=True)


def scope_of(conn: Connection, roots: Iterable[int]) -> Scope:
    """The scope of the subtrees under ``roots`` (one range of the path index per root)."""
    roots = frozenset(roots)
    units: set[int] = set()
    for root in sorted(roots):
        if root not in units:  # a root inside another's subtree adds nothing
            units.update(subtree_ids(conn, root))
    return Scope(roots=roots, units=frozenset(units))
