"""The tables, one module per capability. Every name carries the ``cc_`` prefix so they can sit beside a host's own.

The modules here describe the *current* schema; the Alembic migrations under ``store/migrations``
build it step by step, and a test checks that the two agree. :func:`load_all` imports every
module of this package, so the shared :data:`metadata` is complete without a list kept by hand.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData, Table

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
    """Import every table module of this package and return the complete :data:`metadata`."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return metadata


def delete_order() -> tuple[Table, ...]:
    """Every table, children first: a safe order for deleting everything."""
    return tuple(reversed(load_all().sorted_tables))
