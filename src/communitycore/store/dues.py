"""Dues queries: the base in force in a month, each member's standing read and written.

A member's standing (``cc_dues_standing``) is worked out in Python from their bases and payments
(:func:`communitycore.domain.dues.work_out_standing`) whenever either changes; here it is read
for the members an arrears list may name and written back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, literal, or_, select

from communitycore.domain.dues import Standing
from communitycore.store.tables import dues as tables

_b = tables.dues_bases
_p = tables.dues_payments
_s = tables.dues_standing


def latest_base(month: int, member_id: Any) -> Any:
    """The id of the base row holding in ``month`` for the member ``member_id`` (a column): the
    latest not after it, the later recorded on a tie; a scalar subquery over the bases' index."""
    x = _b.alias("x")
    return (select(x.c.id).where(x.c.member_id == member_id, x.c.from_month <= month)
            .order_by(x.c.from_month.desc(), x.c.id.desc()).limit(1).scalar_subquery())


def standing_query(members: Any, join_date: Any, rules: str, first: int, last: int) -> Any:
    """``(id, …, fresh, join_month, frontier, tail_due, short_runs)`` of the members of the ``members``
    query (``id`` first, then what it selects) who may have a short month from ``first`` to
    ``last``: those whose stored standing says so, and those whose standing is missing or was
    worked out under other rules or another ``join_date`` (``fresh`` false: to be worked out again)."""
    stale = or_(_s.c.rules != rules, _s.c.join_date.is_distinct_from(join_date))
    missing = and_(_s.c.member_id.is_(None),
                   select(literal(1)).where(_b.c.member_id == members.selected_columns[0]).exists())
    short = and_(_s.c.first_short <= last, _s.c.last_short >= first)
    tail = and_(_s.c.tail_due.is_(True), _s.c.frontier < last, literal(first) <= last)
    fresh = and_(_s.c.member_id.is_not(None), ~stale)
    return (members.add_columns(fresh.label("fresh"), _s.c.join_month, _s.c.frontier, _s.c.tail_due,
                                _s.c.short_runs)
            .outerjoin(_s, _s.c.member_id == members.selected_columns[0])
            .where(or_(missing, stale, short, tail)))


def write_standings(conn: Connection, rules: str, standings: Iterable[tuple[int, Standing]]) -> None:
    """Replace the stored standing of each member given."""
    standings_list = list(standings)
    rows = [{"member_id": member_id, "rules": rules, "join_date": st.join_date, "join_month": st.join_month,
             "frontier": st.frontier, "tail_due": st.tail_due, "first_short": st.short[0][0] if st.short else None,
             "last_short": st.short[-1][0] + st.short[-1][1] - 1 if st.short else None,
             "short_runs": st.runs_text()} for member_id, st in standings_list]
    if not rows:
        return
    ids = [member_id for member_id, _st in standings_list]
    conn.execute(delete(_s).where(_s.c.member_id.in_(ids)))
    conn.execute(insert(_s), rows)
