"""Meetings in SQL: who is due to attend, the ledger entries of a meeting, and the set-based compliance counts.

:func:`held_months` answers "in which months did each unit hold each type of meeting" with
**one** ``GROUP BY (unit, type)`` over ``ix_cc_meetings_period``, the months of a group folded into
one string (a city's year is 60,000 groups instead of 400,000 rows of counts); weekly types are
counted by day (:func:`held_by_day`). :func:`absence_candidates` finds, in one query starting from
the absences, the members with enough consecutive months missed without a reason (gaps and
islands over the months, a window function), and :func:`missed_months` and
:func:`months_taking_part` read the months of those few only. A subtree is one range of the unit
path index. None runs a query per unit or per member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, String, and_, cast, func, select

from communitycore.domain.meetings import Presence
from communitycore.domain.members import Category, MemberStatus, Post
from communitycore.store import activity as ledger
from communitycore.store.sql import unindexed
from communitycore.store.tables import activity as activity_tables
from communitycore.store.tables import meetings as meeting_tables
from communitycore.store.tables import members as member_tables

_m = meeting_tables.meetings
_att = meeting_tables.attendance
_a = activity_tables.activity
#: The ``source_kind`` of a meeting's ledger entries.
SOURCE = "meeting"
#: Units in a subtree up to which a unit filter is an ``IN`` list the index may start from: a
#: street's 200 units hold a few thousand meetings a year, found through ``ix_cc_meetings_unit``
#: in a fraction of the time a scan of the whole period's index takes.
SMALL_SUBTREE = 2000
#: Posts that sit on a committee (a 党小组长 leads a group, not the committee).
COMMITTEE_POSTS = tuple(p.value for p in Post if p is not Post.GROUP_LEADER)


def invited(conn: Connection, attendees: str, unit_ids: Sequence[int], unit_id: int) -> dict[int, str]:
    """``{member id: category}`` of the active members a meeting of ``unit_id`` invites.

    ``members`` and ``group``: the members of the unit's subtree (``unit_ids``); ``full-members``:
    those of them who are 正式党员; ``committee``: the unit's own members holding a committee post;
    ``partners`` and ``custom``: nobody by default (those listed are recorded).
    """
    m = member_tables.members
    query = select(m.c.id, m.c.category).where(m.c.status == MemberStatus.ACTIVE.value)
    if attendees in ("members", "group", "full-members"):
        query = query.where(m.c.unit_id.in_(list(unit_ids)))
        if attendees == "full-members":
            query = query.where(m.c.category == Category.FULL.value)
    elif attendees == "committee":
        query = query.where(m.c.unit_id == unit_id, m.c.post.in_(COMMITTEE_POSTS))
    else:
        return {}
    return {int(i): str(c) for i, c in conn.execute(query).all()}


def categories(conn: Connection, member_ids: Collection[int]) -> dict[int, str]:
    """``{member id: category}`` of the active members among ``member_ids``."""
    m = member_tables.members
    found: dict[int, str] = {}
    ids = sorted(set(member_ids))
    for start in range(0, len(ids), ledger.LOOKUP_CHUNK):
        rows = conn.execute(select(m.c.id, m.c.category).where(
            m.c.id.in_(ids[start:start + ledger.LOOKUP_CHUNK]), m.c.status == MemberStatus.ACTIVE.value)).all()
        found.update((int(i), str(c)) for i, c in rows)
    return found


def entry_rows(meeting_id: int, unit_id: int, held_on: dt.date, present: Iterable[int], *, training: bool,
               unit_entry: bool, actor: str, stamp: dt.datetime) -> list[tuple[Any, ...]]:
    """Ledger tuples (:data:`~communitycore.store.activity.ENTRY_COLUMNS`) for a meeting: one
    ``meeting-attended`` (and ``training-attended`` for training) per member present, and, with
    ``unit_entry``, one ``meetings-held`` for the unit."""
    source = str(meeting_id)
    one = 100  # one, in hundredths
    rows: list[tuple[Any, ...]] = []
    facts = ("meeting-attended", "training-attended") if training else ("meeting-attended",)
    for member_id in sorted(present):
        for fact in facts:
            rows.append(("member", member_id, fact, held_on, one, unit_id, SOURCE, source, actor, None, None, stamp))
    if unit_entry:
        rows.append(("unit", unit_id, "meetings-held", held_on, one, unit_id, SOURCE, source, actor, None, None, stamp))
    return rows


def standing_entries(conn: Connection, meeting_id: int, *, subject_kind: str | None = None,
                     subject_ids: Collection[int] | None = None) -> list[Any]:
    """The meeting's ledger entries not reversed yet (of some subjects, or all)."""
    later = _a.alias("reversal")
    query = (select(_a).where(_a.c.source_kind == SOURCE, _a.c.source_id == str(meeting_id), _a.c.reverses.is_(None),
                              ~select(later.c.id).where(later.c.reverses == _a.c.id).exists())
             .order_by(_a.c.id))
    if subject_kind is not None:
        query = query.where(_a.c.subject_kind == subject_kind)
    if subject_ids is not None:
        if not subject_ids:
            return []
        query = query.where(_a.c.subject_id.in_(sorted(subject_ids)))
    return list(conn.execute(query).mappings())


def reversal_rows(entries: Iterable[Any], actor: str, stamp: dt.datetime, note: str | None) -> list[tuple[Any, ...]]:
    """Ledger tuples reversing ``entries`` (rows of :func:`standing_entries`): the same entry, quantity negated."""
    return [(e["subject_kind"], e["subject_id"], e["fact"], e["occurred_on"], -ledger.hundredths(e["quantity"]),
             e["unit_id"], e["source_kind"], e["source_id"], actor, note, e["id"], stamp) for e in entries]


def _unit_filter(column: Any, unit_ids: Sequence[int] | None, subtree: Select[Any] | None = None) -> Any:
    """``column`` among ``unit_ids``: the list itself for a small subtree (an index may start from
    it), else the subtree's range of the path index as a subquery, kept a filter (``unindexed``)."""
    if unit_ids is None:
        return None
    if len(unit_ids) <= SMALL_SUBTREE or subtree is None:
        target = column if len(unit_ids) <= SMALL_SUBTREE else unindexed(column)
        return target.in_(list(unit_ids))
    return unindexed(column).in_(subtree)


def held_months(conn: Connection, first: int, last: int, unit_ids: Sequence[int] | None,
                types: Collection[str], subtree: Select[Any] | None = None) -> list[tuple[int, str, str]]:
    """``(unit id, type, months)`` of the meetings held in the months ``first`` to ``last``
    (``year * 12 + month - 1``): ``months`` lists each meeting's month as its offset from
    ``first``, comma-separated, in no particular order (a month held twice appears twice).

    One ``GROUP BY`` over ``ix_cc_meetings_period``. The string stays short: a year of a monthly
    type is a dozen offsets, far below MariaDB's ``group_concat_max_len`` (1 MB by default).
    """
    if not types:
        return []
    offset = cast(_m.c.held_month - first, String)
    query = (select(_m.c.unit_id, _m.c.type, func.aggregate_strings(offset, ","))
             .where(_m.c.held_month >= first, _m.c.held_month <= last, _m.c.status == "held",
                    _m.c.type.in_(sorted(types)))
             .group_by(_m.c.unit_id, _m.c.type))
    where = _unit_filter(_m.c.unit_id, unit_ids, subtree)
    if where is not None:
        query = query.where(where)
    result = conn.execute(query)
    # Plain ints and strings: the driver's own tuples, without a Row object per group.
    rows: list[tuple[int, str, str]] = list(result.cursor.fetchall())
    result.close()
    return rows


def held_by_day(conn: Connection, start: dt.date, end: dt.date, unit_ids: Sequence[int] | None,
                types: Collection[str], subtree: Select[Any] | None = None) -> list[tuple[int, str, dt.date, int]]:
    """``(unit id, type, day, meetings)`` of the meetings held between ``start`` and ``end``, for
    types whose windows are weeks."""
    if not types:
        return []
    query = (select(_m.c.unit_id, _m.c.type, _m.c.held_on, func.count())
             .where(_m.c.type.in_(sorted(types)), _m.c.held_on >= start, _m.c.held_on <= end,
                    _m.c.status == "held")
             .group_by(_m.c.unit_id, _m.c.type, _m.c.held_on))
    where = _unit_filter(_m.c.unit_id, unit_ids, subtree)
    if where is not None:
        query = query.where(where)
    return [(int(u), str(t), _date(d), int(n)) for u, t, d, n in conn.execute(query).all()]


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _missed(first: int, last: int, unit_ids: Sequence[int] | None, subtree: Select[Any] | None) -> Select[Any]:
    """``(member id, month)`` of each month with a meeting of these units the member missed without a reason.

    Starts from the absences (``ix_cc_meeting_attendance_presence``), a small part of all
    attendance, and looks each meeting up by its key: the month range is kept a filter
    (``unindexed``), or SQLite would scan the period's meetings and probe their attendance.
    """
    no_reason = and_(_att.c.presence == Presence.ABSENT.value, _att.c.reason.is_(None))
    month = unindexed(_m.c.held_month)
    query = (select(_att.c.member_id, _m.c.held_month.label("month"))
             .select_from(_att.join(_m, _m.c.id == _att.c.meeting_id))
             .where(no_reason, month >= first, month <= last, _m.c.status == "held")
             .group_by(_att.c.member_id, _m.c.held_month))
    where = _unit_filter(_m.c.unit_id, unit_ids, subtree)
    return query if where is None else query.where(where)


def absence_candidates(conn: Connection, first: int, last: int, unit_ids: Sequence[int] | None, minimum: int,
                       subtree: Select[Any] | None = None) -> set[int]:
    """The members who missed, without a reason, meetings in ``minimum`` or more consecutive months
    between ``first`` and ``last``: one query, the runs found by gaps and islands (a month minus
    its rank among the member's months is the same along a run)."""
    missed = _missed(first, last, unit_ids, subtree).subquery()
    rank = func.row_number().over(partition_by=missed.c.member_id, order_by=missed.c.month)
    runs = select(missed.c.member_id, (missed.c.month - rank).label("island")).subquery()
    query = (select(runs.c.member_id).group_by(runs.c.member_id, runs.c.island)
             .having(func.count() >= minimum))
    return {int(member_id) for member_id in conn.scalars(query)}


def missed_months(conn: Connection, first: int, last: int, unit_ids: Sequence[int] | None,
                  member_ids: Collection[int] | None = None,
                  subtree: Select[Any] | None = None) -> dict[int, set[int]]:
    """Per member (among ``member_ids``, if given), the months (numbers) with a meeting of these
    units they missed without a reason."""
    out: dict[int, set[int]] = {}
    if member_ids is None:
        batches: list[list[int] | None] = [None]
    else:
        ids = sorted(set(member_ids))
        batches = [ids[start:start + ledger.LOOKUP_CHUNK] for start in range(0, len(ids), ledger.LOOKUP_CHUNK)]
    for batch in batches:
        query = _missed(first, last, unit_ids, subtree)
        if batch is not None:
            query = query.where(_att.c.member_id.in_(batch))
        for member_id, month in conn.execute(query).all():
            out.setdefault(int(member_id), set()).add(int(month))
    return out


def months_taking_part(conn: Connection, member_ids: Collection[int], first: int, last: int) -> dict[int, set[int]]:
    """Per member among ``member_ids``, the months they took part in any meeting: present, on
    leave, or absent with a reason given."""
    took_part = ~and_(_att.c.presence == Presence.ABSENT.value, _att.c.reason.is_(None))
    out: dict[int, set[int]] = {}
    ids = sorted(set(member_ids))
    for start in range(0, len(ids), ledger.LOOKUP_CHUNK):
        query = (select(_att.c.member_id, _m.c.held_month)
                 .select_from(_att.join(_m, _m.c.id == _att.c.meeting_id))
                 .where(_att.c.member_id.in_(ids[start:start + ledger.LOOKUP_CHUNK]), took_part,
                        _m.c.held_month >= first, _m.c.held_month <= last, _m.c.status == "held")
                 .group_by(_att.c.member_id, _m.c.held_month))
        for member_id, month in conn.execute(query).all():
            out.setdefault(int(member_id), set()).add(int(month))
    return out


__all__ = ["COMMITTEE_POSTS", "SOURCE", "absence_candidates", "categories", "entry_rows", "held_by_day",
           "held_months", "invited", "missed_months", "months_taking_part", "reversal_rows", "standing_entries"]
