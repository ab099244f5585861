"""The tables, one module per capability. Every name carries the ``cc_`` prefix so they can sit beside a host's own.

The modules here describe the *current* schema; the Alembic migrations under ``store/migrations``
build it step by step, and a test checks that the two agree. :func:`load_all` imports every
module of this package, so the shared ``metadata`` is complete without a list kept by hand.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
from collections.abc import Iterable

import attrs
from sqlalchemy import Column, MetaData, Table

PREFIX = "cc_"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def load_all() -> MetaData:
    """Import every table module of this package and return the complete shared ``metadata``."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return metadata


def delete_order() -> tuple[Table, ...]:
    """Every table, children first: a safe order for deleting everything."""
    return tuple(reversed(load_all().sorted_tables))


class OnUnitRemoval(str, enum.Enum):
    """What a row does when its unit is removed."""

    CASCADE = "cascade"
    """The row goes with the unit."""
    UNLINK = "unlink"
    """The row stays, its unit column set to NULL (a compound that outlives its branch)."""
    REFUSE = "refuse"
    """The unit may not be removed while such rows exist, unless the caller asks for a cascade."""


def _columns(value: Iterable[Column[int]]) -> tuple[Column[int], ...]:
    return tuple(value)


@attrs.frozen
class UnitLink:
    """A column holding a unit id, what its rows do when the unit goes, and the rows that hang off them."""

    column: Column[int]
    policy: OnUnitRemoval = attrs.field(converter=OnUnitRemoval)
    dependents: tuple[Column[int], ...] = attrs.field(default=(), converter=_columns)
    """Columns of other tables that hold ids of this table's rows; those rows go first."""
    label: str = ""
    """How a refusal counts the rows: a message marked with ``N_`` holding ``{count}``
    (``"{count} member(s)"``), translated when shown; default: the count and :attr:`key`."""

    @property
    def table(self) -> Table:
        """The table the column belongs to."""
        table = self.column.table
        assert isinstance(table, Table)
        return table

    @property
    def key(self) -> str:
        """The rows' name in counts: the table name without its prefix."""
        return self.table.name.removeprefix("cc_")
