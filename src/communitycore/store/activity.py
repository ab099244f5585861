"""The activity ledger in SQL: bulk recording, subjects' units, and the one set-based period query.

:func:`fact_values` answers "the values of these facts for the subjects of this subtree over
this period" with **one** ``GROUP BY`` over ``ix_cc_activity_period``, which covers every column
the query reads; reversals are folded in by the aggregates themselves (see
:mod:`communitycore.domain.activity`), so no query runs per subject and none per reversal.
:func:`insert_entries` writes a batch with one driver-level ``executemany`` of tuples.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import BigInteger, Connection, Select, Table, and_, case, func, insert, or_, select, type_coerce

from communitycore.domain.activity import ActivityEntry, FactValue, SubjectKind, day_limit, day_problem, fact_value
from communitycore.records import Aggregate, Fact
from communitycore.store.engine import placeholders
from communitycore.store.locks import lock_rows
from communitycore.store.sql import unindexed
from communitycore.store.tables import activity as activity_tables
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.tables import residents as resident_tables
from communitycore.store.tables import rosters as roster_tables

_a = activity_tables.activity

#: Columns in the order :func:`insert_entries` takes them (everything but ``id``).
ENTRY_COLUMNS = ("subject_kind", "subject_id", "fact", "occurred_on", "quantity", "unit_id", "source_kind",
                 "source_id", "recorder", "note", "reverses", "recorded_at")
#: Ids per ``IN (...)`` when looking subjects up (below every engine's bind limit).
LOOKUP_CHUNK = 500
#: Units in a subtree up to which SQLite may start from ``ix_cc_activity_unit``; past it the unit
#: filter stays a filter on the covering period index, which a long ``IN`` list would otherwise
#: make SQLite give up for an index that needs a table lookup per row.
SMALL_SUBTREE = 50


class _Decimals(dict[int, Decimal]):
    """Hundredths -> Decimal, each distinct value converted once (sums of small quantities repeat)."""

    def __missing__(self, value: int) -> Decimal:
        found = self[value] = Decimal(value).scaleb(-2)
        return found


def hundredths(quantity: Decimal) -> int:
    """The stored form of a quantity (already checked to two places): ``1.5`` -> ``150``."""
    return int(quantity.scaleb(2))


def from_hundredths(value: int) -> Decimal:
    """A stored quantity as a Decimal with two places: ``150`` -> ``1.50``."""
    return Decimal(value).scaleb(-2)


def _processor(conn: Connection, column: str) -> Any:
    """The dialect's own conversion of a column's values for a raw ``executemany`` (or None)."""
    return _a.c[column].type.bind_processor(conn.dialect)


def insert_entries(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert entries (tuples in :data:`ENTRY_COLUMNS` order, quantities in hundredths, times in UTC).

    One driver-level ``executemany``; dates and times are converted column by column the way the
    dialect stores them. Returns the number of rows.
    """
    if not rows:
        return 0
    on = _processor(conn, "occurred_on")
    at = _processor(conn, "recorded_at")
    if on is not None or at is not None:
        day, stamp = ENTRY_COLUMNS.index("occurred_on"), ENTRY_COLUMNS.index("recorded_at")
        converted = []
        for row in rows:
            values = list(row)
            if on is not None:
                values[day] = on(values[day])
            if at is not None:
                values[stamp] = at(values[stamp])
            converted.append(tuple(values))
        rows = converted
    quote = conn.dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {_a.name} ({', '.join(map(quote, ENTRY_COLUMNS))}) "
           f"VALUES ({placeholders(conn, len(ENTRY_COLUMNS))})")
    conn.exec_driver_sql(sql, list(rows))
    return len(rows)


def insert_entry(conn: Connection, values: Mapping[str, Any]) -> int:
    """Insert one entry (a mapping of :data:`ENTRY_COLUMNS`, quantity as a Decimal); returns its id."""
    return int(conn.execute(insert(_a).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def _chunks(ids: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(dict.fromkeys(ids))
    for start in range(0, len(items), LOOKUP_CHUNK):
        yield items[start:start + LOOKUP_CHUNK]


def _subject_table(kind: SubjectKind) -> Table:
    """The table that keeps a kind of subject (a steward is an entry of a roster)."""
    return {SubjectKind.MEMBER: member_tables.members, SubjectKind.UNIT: org_tables.units,
            SubjectKind.PARTNER: org_tables.partners, SubjectKind.RESIDENT: resident_tables.residents,
            SubjectKind.STEWARD: roster_tables.roster_entries}[kind]


def subject_units(conn: Connection, kind: SubjectKind | str, ids: Iterable[int], *,
                  lock: Literal["share", "update"] | None = None) -> dict[int, int | None] | None:
    """``{id: unit id}`` of the subjects of one kind that exist; ``None`` for stewards, whose unit
    is the one an entry gives.

    A member's unit is its organization; a partner's and a resident's is their community's (the
    resident's through household and compound); a unit is its own. A writer about to record
    entries locks them first: ``share`` locks residents in share mode (a resident's removal, which
    locks the resident before counting the entries naming it, then waits for this transaction);
    ``update`` locks the subjects of any kind for update, before their days are summed against a
    fact's day limit (``communitycore.domain.activity.day_limit``).
    """
    kind = SubjectKind.parse(kind)
    m, u, p = member_tables.members, org_tables.units, org_tables.partners
    r, h, c = resident_tables.residents, resident_tables.households, org_tables.compounds
    found: dict[int, int | None] = {}
    for chunk in _chunks(ids):
        if lock == "update":
            lock_rows(conn, _subject_table(kind), chunk)
        if kind is SubjectKind.MEMBER:
            query = select(m.c.id, m.c.unit_id).where(m.c.id.in_(chunk))
        elif kind is SubjectKind.UNIT:
            query = select(u.c.id, u.c.id).where(u.c.id.in_(chunk))
        elif kind is SubjectKind.PARTNER:
            query = select(p.c.id, p.c.unit_id).where(p.c.id.in_(chunk))
        elif kind is SubjectKind.RESIDENT:
            if lock == "share":
                lock_rows(conn, r, chunk, shared=True)
            query = (select(r.c.id, c.c.unit_id).select_from(r.outerjoin(h, r.c.household_id == h.c.id)
                                                                .outerjoin(c, h.c.compound_id == c.c.id))
                     .where(r.c.id.in_(chunk)))
        else:
            return None
        found.update((int(i), None if unit is None else int(unit)) for i, unit in conn.execute(query).all())
    return found


def day_totals(conn: Connection, kind: str, fact: str, subjects: Iterable[int], start: dt.date,
               end: dt.date) -> dict[tuple[int, dt.date], Decimal]:
    """``{(subject id, day): total}`` of one fact's entries (reversals netted) of some subjects of one
    kind, on the days from ``start`` to ``end``; days with no entry left out. Lock the subjects first
    (:func:`subject_units` with ``lock="update"``) when a new entry is checked against the totals."""
    total = func.sum(type_coerce(_a.c.quantity, BigInteger))
    found: dict[tuple[int, dt.date], Decimal] = {}
    for chunk in _chunks(subjects):
        query = (select(_a.c.subject_id, _a.c.occurred_on, total)
                 .where(_a.c.fact == fact, _a.c.occurred_on.between(start, end), _a.c.subject_kind == kind,
                        _a.c.subject_id.in_(chunk))
                 .group_by(_a.c.subject_id, _a.c.occurred_on))
        found.update(((int(s), on), from_hundredths(int(held or 0))) for s, on, held in conn.execute(query))
    return found


def capped_kinds(facts: Mapping[str, Fact], kinds_and_facts: Iterable[tuple[str, str]]) -> set[str]:
    """The subject kinds, among ``(kind, fact)`` pairs, with a fact that caps a day's total: their
    subjects are locked for update (:func:`subject_units` with ``lock="update"``) before they are summed."""
    return {kind for kind, code in set(kinds_and_facts)  # a few distinct pairs, however many entries
            if (fact := facts.get(code)) is not None and day_limit(fact) is not None}


def day_overruns(conn: Connection, facts: Mapping[str, Fact], rows: Sequence[Sequence[Any]]) -> list[tuple[int, str]]:
    """``(index, problem)`` of the stored tuples (:data:`ENTRY_COLUMNS`) that would take a subject's
    day past its fact's limit (``communitycore.domain.activity.day_limit``): the day's stored entries
    first, then the batch's own in order. One query per capped fact and kind of subject, over the
    batch's days; the subjects must be locked already."""
    limits = {code: most for code in {row[2] for row in rows}
              if (fact := facts.get(code)) is not None and (most := day_limit(fact)) is not None}
    wanted: dict[tuple[str, str], list[int]] = {}
    for index, row in enumerate(rows):
        if row[2] in limits:
            wanted.setdefault((row[0], row[2]), []).append(index)
    problems = []
    for (kind, code), indexes in wanted.items():
        days = [rows[i][3] for i in indexes]
        held = day_totals(conn, kind, code, {rows[i][1] for i in indexes}, min(days), max(days))
        most, zero = limits[code], Decimal(0)
        for i in indexes:
            key, quantity = (rows[i][1], rows[i][3]), from_hundredths(rows[i][4])
            before = held.get(key, zero)
            # day_problem words what passes the limit; the common entry within it needs no call.
            if quantity > 0 and before + quantity > most and (
                    wrong := day_problem(facts[code], kind, rows[i][3], before, quantity)) is not None:
                problems.append((i, wrong))
            held[key] = before + quantity
    return sorted(problems)


def members_by_id_number(conn: Connection, id_numbers: Iterable[str]) -> dict[str, tuple[int, int]]:
    """``{公民身份号码: (member id, unit id)}`` of the members on record among ``id_numbers``."""
    m = member_tables.members
    found: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(id_numbers):
        rows = conn.execute(select(m.c.id_number, m.c.id, m.c.unit_id).where(m.c.id_number.in_(chunk))).all()
        found.update((str(n), (int(i), int(unit))) for n, i, unit in rows)
    return found


def entry_from_row(row: Any, tz: dt.tzinfo = dt.UTC) -> ActivityEntry:
    """A stored row as an :class:`ActivityEntry`, its recording time in ``tz``."""
    data = dict(row)
    at = data["recorded_at"]
    # SQLite and MySQL hand back naive timestamps; they were stored in UTC.
    data["recorded_at"] = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(tz)
    return ActivityEntry(**data)


def reversal_of(conn: Connection, entry_id: int) -> int | None:
    """The id of the entry that reverses ``entry_id``, if there is one."""
    found = conn.scalar(select(_a.c.id).where(_a.c.reverses == entry_id))
    return None if found is None else int(found)


def fact_values(conn: Connection, aggregates: Mapping[str, Aggregate], start: dt.date, end: dt.date, *,
                unit_ids: Sequence[int] | None = None, subject_kind: str | None = None) -> list[FactValue]:
    """The value of each fact for each subject with entries between ``start`` and ``end`` (inclusive).

    One ``GROUP BY (subject_kind, subject_id, fact)``. Only the aggregates the facts need are
    computed: the total always; the number of standing entries for ``count`` and ``mean`` facts;
    the largest standing quantity for ``max`` facts, leaving out the entries reversed in the
    period (gathered once by a subquery). Ordered by subject kind, subject id, then fact.

    :param aggregates: fact code -> how it aggregates.
    :param unit_ids: only entries counted for these units (a subtree's ids); ``None``: all.
    """
    if not aggregates:
        return []
    query, counted, maxima = _grouped(aggregates, start, end, [_a.c.subject_kind], subject_kind=subject_kind)
    if unit_ids is not None:
        units = _a.c.unit_id if len(unit_ids) <= SMALL_SUBTREE else unindexed(_a.c.unit_id)
        query = query.where(units.in_(list(unit_ids)))
    result = conn.execute(query.order_by(_a.c.subject_kind, _a.c.subject_id, _a.c.fact))
    decimals = _Decimals()
    with no_cycle_collection():
        # Every column is a plain int or str: the driver's own tuples, without a Row object per group.
        rows = result.cursor.fetchall()
        result.close()
        if not counted and not maxima:  # the common case, one C-level tuple per group
            make = functools.partial(tuple.__new__, FactValue)
            return list(map(make, ((kind, subject, fact, decimals[total]) for kind, subject, fact, total in rows)))
        # Sums go through the memo as above; only counts, means and maxima take fact_value's rule.
        summed = {fact for fact, agg in aggregates.items() if agg is Aggregate.SUM}
        make = functools.partial(tuple.__new__, FactValue)
        out: list[FactValue] = []
        append = out.append
        for row in rows:
            kind, subject, fact, total = row[0], row[1], row[2], row[3]
            if fact in summed:
                append(make((kind, subject, fact, decimals[total])))
                continue
            top = row[-1] if maxima else None
            value = fact_value(aggregates[fact], decimals[total], int(row[4]) if counted else 0,
                               None if top is None else decimals[top])
            if value is not None:
                append(make((kind, subject, fact, value)))
        return out


def subject_facts(conn: Connection, aggregates: Mapping[str, Aggregate], start: dt.date, end: dt.date,
                  subject_kind: str, *, subjects: Select[Any] | None = None, also: Sequence[int] = (),
                  by_subject: bool = False, keep: Container[int] | None = None) -> dict[int, dict[str, Decimal]]:
    """``{subject id: {fact: value}}`` of one kind of subject over ``start``..``end``, whatever unit the entries name.

    The query of :func:`fact_values`, grouped by subject and fact, its rows folded straight into
    one mapping per subject (what a run scores from) without a record per value.

    :param subjects: only the subjects this ``SELECT id`` lists (and those in ``also``); ``None``: all.
    :param by_subject: start from the subjects' own entries (``ix_cc_activity_subject``), for a
        few subjects; otherwise the subject terms stay filters on the period index, which SQLite
        would otherwise give up for the subject index at a table lookup per entry of the year.
    :param keep: only these subjects in the answer (the rows of others are skipped as they come).
    """
    out: dict[int, dict[str, Decimal]] = {}
    if not aggregates:
        return out
    query, counted, maxima = _grouped(aggregates, start, end, [], subject_kind=subject_kind, by_subject=by_subject)
    if subjects is not None:
        subject = _a.c.subject_id if by_subject else unindexed(_a.c.subject_id)
        listed = subject.in_(subjects)
        query = query.where(or_(listed, subject.in_(list(also))) if also else listed)
    result = conn.execute(query)
    decimals = _Decimals()
    summed = {fact for fact, agg in aggregates.items() if agg is Aggregate.SUM}
    with no_cycle_collection():
        rows = result.cursor.fetchall()
        result.close()
        get = out.get
        for row in rows:
            subject, fact, total = row[0], row[1], row[2]
            if keep is not None and subject not in keep:
                continue
            if fact in summed:
                value = decimals[total]
            else:
                top = row[-1] if maxima else None
                computed = fact_value(aggregates[fact], decimals[total], int(row[3]) if counted else 0,
                                      None if top is None else decimals[top])
                if computed is None:
                    continue
                value = computed
            found = get(subject)
            if found is None:
                found = out[subject] = {}
            found[fact] = value
    return out


def _grouped(aggregates: Mapping[str, Aggregate], start: dt.date, end: dt.date, leading: list[Any], *,
             subject_kind: str | None, by_subject: bool = False) -> tuple[Select[Any], bool, bool]:
    """The one ``GROUP BY (leading…, subject_id, fact)`` over the period, and whether it counts and takes maxima."""
    # Sums of hundredths as plain integers: the conversion to Decimal happens once per distinct value.
    quantity = type_coerce(_a.c.quantity, BigInteger)
    wanted = set(aggregates.values())
    columns: list[Any] = [*leading, _a.c.subject_id, _a.c.fact, func.sum(quantity)]
    counted = bool(wanted & {Aggregate.COUNT, Aggregate.MEAN})
    if counted:
        columns.append(func.sum(case((_a.c.reverses.is_(None), 1), else_=-1)))
    maxima = sorted(f for f, agg in aggregates.items() if agg is Aggregate.MAX)
    if maxima:
        # The entries reversed in the period, found once (a reversal keeps its entry's fact and date)
        # and probed per row in memory, rather than one index lookup per row for a later reversal.
        later = _a.alias("reversal")  # Core, not the ORM: importing sqlalchemy.orm costs ~0.2 s a command
        reversed_ids = select(later.c.reverses).where(later.c.reverses.is_not(None), later.c.fact.in_(maxima),
                                                      later.c.occurred_on >= start, later.c.occurred_on <= end)
        stands = and_(_a.c.reverses.is_(None), _a.c.fact.in_(maxima), _a.c.id.not_in(reversed_ids))
        columns.append(func.max(case((stands, quantity))))
    query = select(*columns).where(_a.c.fact.in_(sorted(aggregates)), _a.c.occurred_on >= start,
                                   _a.c.occurred_on <= end)
    if subject_kind is not None:
        # Left a filter on the period index: with the kind alone SQLite would take the subject index.
        kind = _a.c.subject_kind if by_subject else unindexed(_a.c.subject_kind)
        query = query.where(kind == SubjectKind.parse(subject_kind).value)
    return query.group_by(*leading, _a.c.subject_id, _a.c.fact), counted, bool(maxima)


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a large result is turned into tuples.

    Half a million new tuples would set it off hundreds of times, each pass walking every object
    the process holds (it doubled the time of a city-wide query); tuples of strings, ints and
    Decimals cannot form cycles. A host that turned the collector off keeps it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


__all__ = ["ENTRY_COLUMNS", "entry_from_row", "fact_values", "from_hundredths", "hundredths", "insert_entries",
           "insert_entry", "members_by_id_number", "no_cycle_collection", "reversal_of", "subject_facts",
           "subject_units"]
