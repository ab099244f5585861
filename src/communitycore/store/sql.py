"""Small SQL constructs whose spelling differs between engines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Boolean, Connection, Integer, Table, insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


def aware(at: dt.datetime | None, tz: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """A stored time in ``tz``; SQLite and MySQL hand back naive timestamps, stored in UTC."""
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(tz)


class year_of(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it is
    """The year of a DATE column, as an integer, on every engine."""

    type = Integer()
    inherit_cache = True
    name = "year_of"


class birthday_after(FunctionElement[bool]):  # noqa: N801 - reads like the SQL function it is
    """Whether the month and day of the DATE ``born`` come after those of the DATE ``on``, whatever
    the years: ``birthday_after(column, literal(date, Date()))``."""

    type = Boolean()
    inherit_cache = True
    name = "birthday_after"


#: Each construct's SQL by dialect, ``{0}`` (and ``{1}``) standing for its arguments. SQLite keeps a
#: DATE as ISO text (YYYY-MM-DD), as SQLAlchemy's Date type and the import write it: CAST reads the
#: year off the front, and the month and day compare as the text after it.
_DIALECT_SQL: dict[str, dict[str, str]] = {
    "year_of": {
        "sqlite": "CAST({0} AS INTEGER)",
        "postgresql": "CAST(EXTRACT(YEAR FROM {0}) AS INTEGER)",
        "mysql": "YEAR({0})",
    },
    "birthday_after": {
        "sqlite": "(substr({0}, 6) > substr({1}, 6))",
        "postgresql": "(to_char({0}, 'MM-DD') > to_char(CAST({1} AS DATE), 'MM-DD'))",
        "mysql": ("(MONTH({0}) * 100 + DAYOFMONTH({0}) > "
                  "MONTH(CAST({1} AS DATE)) * 100 + DAYOFMONTH(CAST({1} AS DATE)))"),
    },
}


@compiles(year_of)
@compiles(birthday_after)
def _dialect_sql(element: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
    template = _DIALECT_SQL[element.name].get(compiler.dialect.name)
    if template is None:  # pragma: no cover - other engines
        raise NotImplementedError(f"{element.name} is not defined for {compiler.dialect.name}")
    return template.format(*(compiler.process(clause, **kw) for clause in element.clauses))


def completed_years(born: ColumnElement[Any], on: dt.date) -> ColumnElement[int]:
    """Age in 周岁 on ``on`` of a birth DATE column: the years completed, as
    :func:`communitycore.domain.members.completed_years` counts them (a birthday of 29 February
    comes on 1 March in other years)."""
    from sqlalchemy import Date, case, literal

    return on.year - year_of(born) - case((birthday_after(born, literal(on, Date())), 1), else_=0)


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
