"""Small SQL constructs whose spelling differs between engines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Float, Table, insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


def aware(at: dt.datetime | None, tz: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """A stored time in ``tz``; SQLite and MySQL hand back naive timestamps, stored in UTC."""
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(tz)


class day_number(FunctionElement[float]):  # noqa: N801 - reads like the SQL function it is
    """Days since 1970-01-01 of a DATE column, on every engine (for sums and averages of dates)."""

    type = Float()
    inherit_cache = True
    name = "day_number"


@compiles(day_number, "sqlite")
def _sqlite(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5)"


@compiles(day_number, "postgresql")
def _postgresql(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - DATE '1970-01-01')"


@compiles(day_number, "mysql")
def _mysql(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"(TO_DAYS({compiler.process(element.clauses, **kw)}) - 719528)"


@compiles(day_number)
def _default(element: day_number, compiler: Any, **kw: Any) -> str:  # pragma: no cover - other engines
    raise NotImplementedError(f"day_number is not defined for {compiler.dialect.name}")


def count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END): conditional counts in one pass."""
    from sqlalchemy import case, func

    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class unindexed(FunctionElement[Any]):  # noqa: N801 - reads like the SQL it stands for
    """A column that SQLite's planner must not pick an index for (``+column``); the column itself elsewhere.

    SQLite chooses an index by the terms it can use, without statistics on their selectivity;
    where a long ``IN`` list over one column would lead it to an index that does not cover the
    query, ``+`` keeps that term a filter on the index it should use.
    """

    inherit_cache = True
    name = "unindexed"

    @property
    def type(self) -> Any:  # type: ignore[override]
        return next(iter(self.clauses)).type


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


def insert_ids(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their new ids, in the order of ``rows``.

    One batched ``INSERT … RETURNING`` where the engine keeps the order (SQLite 3.35+,
    PostgreSQL, MariaDB 10.5+), else one insert per row.
    """
    if not rows:
        return []
    if conn.dialect.insert_executemany_returning_sort_by_parameter_order:
        result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows))
        return [int(row[0]) for row in result]
    return [int(conn.execute(insert(table).values(**row)).inserted_primary_key[0])  # type: ignore[index]
            for row in rows]


def driver_rows(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as the driver's own tuples, past SQLAlchemy's row objects and result
    processing: for reads of a city's worth of integer and text columns, where making a row object
    each costs as much as the query. Values come as the driver gives them (no date or boolean
    conversion), so only integer and text columns belong here."""
    result = conn.execute(query)
    try:
        return list(cast(Any, result).cursor.fetchall())
    finally:
        result.close()
