"""Small SQL constructs whose spelling differs between engines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


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
