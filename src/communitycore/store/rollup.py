"""Per-unit member counters (``cc_unit_stats``): how they are computed and kept current.

Every path that changes members calls :func:`refresh` for the units it touched, inside its own
transaction, so the counters never disagree with the members table. Roll-ups then read one row
per unit (20,000 at city scale) instead of aggregating a million members on every request.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, case, delete, func, insert, select

from communitycore.domain.members import ASSOCIATE_OR_ABOVE, COMMITTEE_POSTS, Education, MemberStatus, Post
from communitycore.domain.stats import COUNTERS
from communitycore.store.sql import count_if, day_number
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables

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
    born = day_number(m.c.birth_date)
    return [
        func.count(),
        count_if(m.c.category == "full"),
        count_if(m.c.gender == "male"),
        count_if(m.c.gender == "female"),
        *(count_if(m.c.education == e.value) for e in Education),
        func.coalesce(func.sum(born), 0),
        func.count(m.c.birth_date),
        count_if(cadre),
        count_if(cadre & educated),
        func.coalesce(func.sum(case((cadre, born))), 0),
        func.count(case((cadre, m.c.birth_date))),
        count_if(secretary),
        count_if(secretary & educated),
    ]


assert len(_COUNTER_COLUMNS) == len(COUNTERS), "cc_unit_stats columns and domain.stats.COUNTERS disagree"


def refresh(conn: Connection, unit_ids: Collection[int] | None = None) -> None:
    """Recompute the counters of ``unit_ids`` (all units for ``None``) from the members table."""
    s, m = org_tables.unit_stats, member_tables.members
    ids = None if unit_ids is None or len(unit_ids) >= FULL_REFRESH_FROM else sorted(set(unit_ids))
    if ids is not None and not ids:
        return
    query = select(m.c.unit_id, *_aggregates()).where(m.c.status == ACTIVE).group_by(m.c.unit_id)
    if ids is None:
        conn.execute(delete(s))
    else:
        conn.execute(delete(s).where(s.c.unit_id.in_(ids)))
        query = query.where(m.c.unit_id.in_(ids))
    conn.execute(insert(s).from_select(["unit_id", *_COUNTER_COLUMNS], query))


def counters(conn: Connection) -> dict[int, list[int]]:
    """Every unit's counters, in the order of :data:`~communitycore.domain.stats.COUNTERS`."""
    s = org_tables.unit_stats
    rows = conn.execute(select(s.c.unit_id, *(s.c[c] for c in _COUNTER_COLUMNS))).all()
    return {row[0]: list(row[1:]) for row in rows}


def recompute(conn: Connection) -> dict[int, list[int]]:
    """The counters computed afresh from the members table, without storing them (for checks)."""
    m = member_tables.members
    rows = conn.execute(select(m.c.unit_id, *_aggregates()).where(m.c.status == ACTIVE).group_by(m.c.unit_id)).all()
    return {row[0]: [int(v) for v in row[1:]] for row in rows}
