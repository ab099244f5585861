"""Per-unit member counters (``cc_unit_stats``): how they are computed and kept current.

Every path that changes members changes the counters in its own transaction, so they never
disagree with the members table: a single change by delta (:func:`shares` of the members before
and after, then :func:`change`), a bulk path by :func:`refresh` of the units it touched. Roll-ups then read one row
per unit (20,000 at city scale) instead of aggregating a million members on every request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, Select, case, func, select

from communitycore.domain.members import ASSOCIATE_OR_ABOVE, COMMITTEE_POSTS, Education, MemberStatus, Post
from communitycore.domain.stats import COUNTERS
from communitycore.store.engine import placeholders
from communitycore.store.sql import completed_years, count_if
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.units import path_key, subtree_query, within

#: Only members on the roll are counted; removed members keep their records but leave the figures.
ACTIVE = MemberStatus.ACTIVE.value
#: Above this many units a full recompute is cheaper than an IN list.
FULL_REFRESH_FROM = 2000

_COUNTER_COLUMNS = tuple(c.name for c in org_tables.unit_stats.columns if c.name != "unit_id")


def _aggregates() -> list[Any]:
    m = member_tables.members
    cadre = m.c.post.in_(sorted(COMMITTEE_POSTS))
    educated = m.c.education.in_(sorted(ASSOCIATE_OR_ABOVE))
    secretary = m.c.post == Post.SECRETARY.value
    return [
        func.count(),
        count_if(m.c.category == "full"),
        count_if(m.c.gender == "male"),
        count_if(m.c.gender == "female"),
        *(count_if(m.c.education == e.value) for e in Education),
        count_if(cadre),
        count_if(cadre & educated),
        count_if(secretary),
        count_if(secretary & educated),
    ]


assert len(_COUNTER_COLUMNS) == len(COUNTERS), "cc_unit_stats columns and domain.stats.COUNTERS disagree"


def shares(conn: Connection, member_ids: Collection[int]) -> dict[int, list[int]]:
    """What these members contribute to their units' counters, per unit, as they are stored now."""
    m = member_tables.members
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    rows = conn.execute(select(m.c.unit_id, *_aggregates()).where(m.c.id.in_(ids), m.c.status == ACTIVE)
                        .group_by(m.c.unit_id)).all()
    return {row[0]: [int(v) for v in row[1:]] for row in rows}


def shares_after(conn: Connection, member_id: int) -> dict[int, list[int]]:
    """What the members past ``member_id`` contribute to their units' counters, per unit: one
    ``GROUP BY`` over that range of the primary key (a bulk path's own rows, where it knows them)."""
    m = member_tables.members
    rows = conn.execute(select(m.c.unit_id, *_aggregates()).where(m.c.id > member_id, m.c.status == ACTIVE)
                        .group_by(m.c.unit_id)).all()
    return {row[0]: [int(v) for v in row[1:]] for row in rows}


def change(conn: Connection, plus: dict[int, list[int]] | None = None,
           minus: dict[int, list[int]] | None = None) -> None:
    """Add ``plus`` to the counters and take ``minus`` away, unit by unit, by delta.

    Each unit's row is changed in place (``counter = counter + delta``, inserted when missing),
    in ascending unit order, so two writers never wait on each other's rows in opposite orders
    and a concurrent writer's delta is never overwritten.
    """
    delta: dict[int, list[int]] = {}
    for source, sign in ((plus or {}, 1), (minus or {}, -1)):
        for unit_id, values in source.items():
            total = delta.setdefault(unit_id, [0] * len(_COUNTER_COLUMNS))
            for i, value in enumerate(values):
                total[i] += sign * value
    rows = [(unit_id, *values) for unit_id, values in sorted(delta.items()) if any(values)]
    if rows:
        conn.exec_driver_sql(_upsert_sql(conn, add=True), rows)


def refresh(conn: Connection, unit_ids: Collection[int] | None = None) -> None:
    """Recompute the counters of ``unit_ids`` (all units for ``None``) from the members table.

    For bulk paths (imports, ``refresh_stats``), whose own rows cannot be told apart from a
    concurrent writer's: the units' rows are first locked (a zero-delta upsert, ascending, which
    also creates missing rows), then counted afresh with one GROUP BY and set with one upsert
    per unit. A writer that changed a member of these units either committed before the lock
    (and is counted) or waits for it and adds its delta afterwards: nothing is lost or counted
    twice, and no row is ever deleted and inserted again.
    """
    m = member_tables.members
    if unit_ids is None:
        ids = list(conn.scalars(select(org_tables.units.c.id).order_by(org_tables.units.c.id)))
    else:
        ids = sorted(set(unit_ids))
    if not ids:
        return
    zero = [0] * len(_COUNTER_COLUMNS)
    conn.exec_driver_sql(_upsert_sql(conn, add=True), [(unit_id, *zero) for unit_id in ids])
    query = select(m.c.unit_id, *_aggregates()).where(m.c.status == ACTIVE).group_by(m.c.unit_id)
    if len(ids) < FULL_REFRESH_FROM:
        query = query.where(m.c.unit_id.in_(ids))
    fresh = {row[0]: row[1:] for row in conn.execute(query)}
    conn.exec_driver_sql(_upsert_sql(conn, add=False),
                         [(unit_id, *(int(v) for v in fresh.get(unit_id, zero))) for unit_id in ids])


def _upsert_sql(conn: Connection, *, add: bool) -> str:
    """INSERT one unit's counters, or on a conflict add them to (``add``) or put them in place of
    the stored ones: ``ON CONFLICT DO UPDATE`` (SQLite, PostgreSQL), ``ON DUPLICATE KEY UPDATE``
    (MariaDB/MySQL). For ``executemany`` with tuples of (unit_id, *counters)."""
    table = org_tables.unit_stats.name
    names = ", ".join(("unit_id", *_COUNTER_COLUMNS))
    values = placeholders(conn, len(_COUNTER_COLUMNS) + 1)
    if conn.dialect.name == "mysql":
        sets = ", ".join(f"{c} = {c} + VALUES({c})" if add else f"{c} = VALUES({c})" for c in _COUNTER_COLUMNS)
        return f"INSERT INTO {table} ({names}) VALUES ({values}) ON DUPLICATE KEY UPDATE {sets}"
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" if add else f"{c} = excluded.{c}" for c in _COUNTER_COLUMNS)
    return f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT (unit_id) DO UPDATE SET {sets}"


def counters(conn: Connection, root: int | None = None) -> dict[int, list[int]]:
    """Every unit's counters (or those of ``root``'s subtree, through the path index), in the order
    of :data:`~communitycore.domain.stats.COUNTERS`."""
    s = org_tables.unit_stats
    query = select(s.c.unit_id, *(s.c[c] for c in _COUNTER_COLUMNS))
    if root is not None:
        p = org_tables.unit_paths
        query = query.join(p, p.c.unit_id == s.c.unit_id).where(within(p.c.path, path_key(conn, root)))
    return {row[0]: list(row[1:]) for row in conn.execute(query).all()}


def age_sums(conn: Connection, on: dt.date, root: int | None = None) -> dict[int, list[int]]:
    """Every unit's members' ages in 周岁 on ``on``, summed, and how many members have a birth date
    on or before it; the same of the cadres (the order of
    :data:`~communitycore.domain.stats.AGE_SUMS`). Over ``root``'s subtree, through the path index,
    or every unit.

    Ages depend on the reporting date, so unlike the counters they are counted from the members
    table when asked for: one ``GROUP BY`` over the subtree's members, read from the members' unit
    index alone (it holds the status, the post and the birth date for this).
    """
    return {row[0]: [int(v) for v in row[1:]] for row in conn.execute(age_query(conn, on, root))}


def age_query(conn: Connection, on: dt.date, root: int | None = None) -> Select[Any]:
    """The query behind :func:`age_sums`."""
    m = member_tables.members
    age = completed_years(m.c.birth_date, on)
    cadre = m.c.post.in_(sorted(COMMITTEE_POSTS))
    query = (select(m.c.unit_id, func.coalesce(func.sum(age), 0), func.count(),
                    func.coalesce(func.sum(case((cadre, age))), 0), count_if(cadre))
             .where(m.c.status == ACTIVE, m.c.birth_date.is_not(None), m.c.birth_date <= on)
             .group_by(m.c.unit_id))
    if root is not None:
        query = query.where(m.c.unit_id.in_(subtree_query(conn, root)))
    return query
