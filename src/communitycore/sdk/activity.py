"""``community.activity``: the append-only activity ledger (活动台账) that every capability writes to.

Recording checks each entry's fact (registered, about the entry's kind of subject) and subject
(on record), takes the subject's unit unless one is given, and writes the entry with the
recorder and the time; :meth:`ActivityAPI.record_many` does the same for a batch, set-based, with
one ``executemany``. A correction is :meth:`ActivityAPI.reverse`. Nothing is ever updated or
deleted. :meth:`ActivityAPI.values` is the one set-based query scoring, rosters and metrics read.
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Connection, select

from communitycore.domain.activity import (
    MANUAL,
    NOTE_LENGTH,
    ActivityEntry,
    FactValue,
    NewEntry,
    SubjectKind,
    parse_text,
    quantity_problem,
)
from communitycore.domain.members import parse_past_date
from communitycore.domain.periods import Period
from communitycore.errors import Conflict, InvalidValue, NotFound, Problem, RejectedInput
from communitycore.i18n import _, get_language
from communitycore.records import Fact
from communitycore.sdk.base import SubAPI, known_id, paged, wanted_ids
from communitycore.store import activity as ledger
from communitycore.store.locks import lock_row
from communitycore.store.tables import activity as activity_tables
from communitycore.store.units import UnitRef, resolve, subtree_ids

_a = activity_tables.activity


class ActivityAPI(SubAPI):
    """The activity ledger (活动台账): record, reverse, list, and the values of facts over periods."""

    # Recording -------------------------------------------------------------------------------

    def record(self, subject_kind: str, subject_id: int, fact: str, *, on: dt.date | str | None = None,
               quantity: Decimal | int | str | float = 1, unit: UnitRef | None = None,
               source_kind: str = MANUAL, source_id: str | int | None = None,
               note: str | None = None) -> ActivityEntry:
        """Record one entry: ``subject_kind`` ``subject_id`` did ``quantity`` of ``fact`` on ``on`` (today).

        ``unit`` defaults to the subject's own unit (a steward's entry has none unless given).

        :raises RejectedInput: a field is bad (an unknown fact, a fact about another kind of
            subject, a bad date or one in the future, a bad quantity or source); ``problems`` names each.
        :raises NotFound: there is no such subject or unit.
        :raises PermissionDenied: the actor may not record ledger entries on the entry's unit (the subject's own by
            default).
        """
        with self.community.transaction() as tx:
            try:
                entry = NewEntry(subject_kind=subject_kind, subject_id=subject_id, fact=fact,
                                 on=tx.today if on is None else on, quantity=quantity,
                                 unit_id=None if unit is None else resolve(tx.conn, unit).id,
                                 source_kind=source_kind, source_id=None if source_id is None else str(source_id),
                                 note=note)
            except (InvalidValue, ValueError, TypeError) as exc:
                raise RejectedInput([Problem(None, "entry", str(exc))], source=_("activity")) from None
            try:
                rows = self._rows(tx.conn, [entry], tx.actor, tx.now)
            except RejectedInput as exc:  # one entry: its problems are of no row
                raise RejectedInput([attrs.evolve(p, row=None) for p in exc.problems],
                                    source=_("activity")) from None
            values = dict(zip(ledger.ENTRY_COLUMNS, rows[0], strict=True))
            self._authorize(tx.conn, "activity.record", values["unit_id"])
            values["quantity"] = entry.quantity
            values["recorded_at"] = tx.now.astimezone(dt.UTC)
            entry_id = ledger.insert_entry(tx.conn, values)
            stored = self._get(tx.conn, entry_id)
            tx.record("activity.record", "activity", entry_id, after=stored,
                      data={"subject_kind": stored.subject_kind, "subject_id": stored.subject_id,
                            "fact": stored.fact, "quantity": str(stored.quantity)})
            return stored

    def record_many(self, entries: Iterable[NewEntry], *, source: str | None = None) -> int:
        """Record a batch of :class:`~communitycore.domain.activity.NewEntry`, all or none; returns how many.

        Facts and subjects are checked set-based (one query per kind of subject and 500 ids), the
        rows written with one ``executemany`` of tuples, and one audit entry (``activity.record``)
        and one event describe the whole batch. Every bad entry is reported, by its position
        (1-based), in one :class:`~communitycore.errors.RejectedInput`.

        :raises RejectedInput: one or more entries are bad (or are no ``NewEntry``); ``problems`` names
            each by its position.
        :raises PermissionDenied: the actor may not record ledger entries on a unit one of the entries counts at.
        """
        batch = list(entries)
        wrong = [Problem(i, "entries", _("expected a NewEntry, got {kind}").format(kind=type(e).__name__))
                 for i, e in enumerate(batch, start=1) if not isinstance(e, NewEntry)]
        if wrong:  # the first hundred: a string passed for the list would name each of its characters
            raise RejectedInput(wrong[:100], source=_("activity"))
        with self.community.transaction() as tx:
            rows = self._rows(tx.conn, batch, tx.actor, tx.now)
            at = ledger.ENTRY_COLUMNS.index("unit_id")
            self._authorize_each(tx.conn, "activity.record",
                                 sorted({row[at] for row in rows}, key=lambda u: (u is not None, u or 0)))
            count = ledger.insert_entries(tx.conn, rows)
            summary = {"entries": count, "facts": sorted({e.fact for e in batch})}
            if source is not None:
                summary["source"] = source
            tx.record("activity.record", "activity", None, after=summary, data=summary)
            return count

    def reverse(self, entry_id: int, *, note: str | None = None) -> ActivityEntry:
        """Correct an entry by recording its reversal: the same entry with the quantity negated.

        The reversal keeps the entry's subject, fact, date, unit and source, so every period the
        entry counted in is corrected. An entry is reversed at most once, and a reversal is not
        reversed itself (record the entry again instead): both raise
        :class:`~communitycore.errors.Conflict`.
        :raises Conflict: the entry was reversed already, or is itself a reversal.
        :raises RejectedInput: the note is too long or holds characters that may not be stored.
        :raises NotFound: there is no such entry.
        :raises PermissionDenied: the actor may not record ledger entries on the entry's unit.
        """
        text = self._note(note)
        entry_id = _entry_id(entry_id)
        with self.community.transaction() as tx:
            # Locked first: two corrections of one entry at once must see each other.
            lock_row(tx.conn, _a, entry_id, missing=lambda: NotFound(
                _("there is no activity entry with id {id}").format(id=entry_id)))
            original = self._get(tx.conn, entry_id)
            self._authorize(tx.conn, "activity.record", original.unit_id)
            if original.reverses is not None:
                raise Conflict(_("entry {id} is itself the reversal of entry {other}; record the entry again "
                                 "instead of reversing the reversal").format(id=entry_id, other=original.reverses))
            earlier = ledger.reversal_of(tx.conn, entry_id)
            if earlier is not None:
                raise Conflict(_("entry {id} was already reversed by entry {other}").format(id=entry_id,
                                                                                            other=earlier))
            values = {
                "subject_kind": original.subject_kind, "subject_id": original.subject_id, "fact": original.fact,
                "occurred_on": original.occurred_on, "quantity": -original.quantity, "unit_id": original.unit_id,
                "source_kind": original.source_kind, "source_id": original.source_id, "recorder": tx.actor,
                "note": text, "reverses": entry_id, "recorded_at": tx.now.astimezone(dt.UTC),
            }
            reversal_id = ledger.insert_entry(tx.conn, values)
            stored = self._get(tx.conn, reversal_id)
            tx.record("activity.reverse", "activity", entry_id, before=original, after=stored, note=text,
                      data={"reversal_id": reversal_id, "fact": original.fact})
            return stored

    # Reading ---------------------------------------------------------------------------------

    def get(self, entry_id: int) -> ActivityEntry:
        """One entry by id.

        :raises NotFound: there is no such entry.
        :raises PermissionDenied: the actor may not read the ledger on the entry's unit.
        """
        with self.community.reading() as conn:
            entry = self._get(conn, entry_id)
            self._authorize(conn, "activity.read", entry.unit_id)
            return entry

    def list(self, *, subject_kind: str | None = None, subject_id: int | None = None, fact: str | None = None,
             period: Period | str | None = None, unit: UnitRef | None = None, limit: int | None = 100,
             offset: int = 0, after: int | None = None) -> builtins.list[ActivityEntry]:
        """Entries by id, optionally of one subject, fact, period or unit subtree; reversals included.

        At most ``limit`` entries (100; ``None``: all), past the first ``offset``. ``after`` is a
        keyset cursor: only entries with a greater id, so the next page is ``after=`` the last id
        of this one, and costs the same however deep it is (an offset reads past every row it skips).

        :raises InvalidValue: an unknown subject kind, a ``subject_id`` that is not an id, a period that cannot be
            read, or ``unit`` is neither a unit id nor a path; a limit or offset that is not a whole number from 0 to
            ``MAX_ID``, or an ``after`` that is not an id.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read the ledger on that unit, or on any unit.
        """
        query = paged(select(_a).order_by(_a.c.id), _a.c.id, limit=limit, after=after, offset=offset)
        if subject_kind is not None:
            query = query.where(_a.c.subject_kind == SubjectKind.parse(subject_kind).value)
        if subject_id is not None:
            query = query.where(_a.c.subject_id.in_(wanted_ids("subject_id", [subject_id])))
        if fact is not None:
            query = query.where(_a.c.fact == fact)
        if period is not None:
            span = _period(period)
            query = query.where(_a.c.occurred_on >= span.start, _a.c.occurred_on <= span.end)
        with self.community.reading() as conn:
            query = query.where(self._scope(conn, "activity.read").clause(_a.c.unit_id))
            if unit is not None:
                query = query.where(_a.c.unit_id.in_(subtree_ids(conn, self._unit(conn, unit))))
            tz = self.community.clock.tz
            return [ledger.entry_from_row(row, tz) for row in conn.execute(query).mappings()]

    def values(self, facts: Sequence[str] | str, period: Period | str, *, unit: UnitRef | None = None,
               subject_kind: str | None = None) -> builtins.list[FactValue]:
        """The value of each fact for each subject over ``period``: one set-based query.

        :param facts: fact codes (or one code, or codes joined with ``,``); each must be registered.
        :param period: a ``Period`` or its text (``2026Q1``, ``2026年第一季度``).
        :param unit: only entries counted for this unit and the units under it.
        :param subject_kind: only subjects of this kind.
        :returns: one :class:`~communitycore.domain.activity.FactValue` per subject and fact that
            has entries in the period, by subject kind, subject id and fact. A subject whose
            entries were all reversed has a sum and a count of 0 and no mean or maximum.

        :raises InvalidValue: an unknown fact, a period that cannot be read, or ``unit`` is neither a unit id nor a
            path.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read the ledger on that unit, or on any unit.
        """
        codes = _codes(facts)
        known = self.community.registry.facts
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise InvalidValue(_("unknown fact(s) {codes}; known: {known}").format(
                codes=", ".join(unknown), known=", ".join(known) or _("none")))
        span = _period(period)
        aggregates = {code: known[code].aggregate for code in codes}
        with self.community.reading() as conn:
            # A subtree's ids: one range of the units' path index (decision 0013).
            ids = None if unit is None else subtree_ids(conn, self._unit(conn, unit))
            scope = self._scope(conn, "activity.read")
            if not scope.everything:
                ids = sorted(scope.units if ids is None else scope.units & set(ids))
            return ledger.fact_values(conn, aggregates, span.start, span.end, unit_ids=ids,
                                      subject_kind=subject_kind)

    def _unit(self, conn: Connection, unit: UnitRef) -> int:
        """A unit's id, once the actor may read its ledger."""
        unit_id = resolve(conn, unit).id
        self._authorize(conn, "activity.read", unit_id)
        return unit_id

    # Files -----------------------------------------------------------------------------------

    def import_file(self, path: str | os.PathLike[str], *,
                    progress: Callable[[int], None] | None = None) -> int:
        """Import entries from ``.csv`` or ``.xlsx``: all rows or none (see :mod:`communitycore.io.activity_import`).

        :raises RejectedInput: one or more rows are bad; ``problems`` names each (row, column, reason).
        :raises UnsafeInput: the file is too large or built to exhaust the reader (see :doc:`limits`).
        :raises PermissionDenied: the actor may not import ledger entries on a unit a row records for
            (on the whole database for an entry of no unit); nothing is then imported.
        """
        from communitycore.io.activity_import import import_activity

        def authorize(conn: Connection, units: set[int | None]) -> None:
            # Each batch's units, before it is written: a refusal rolls the whole file back.
            self._authorize_each(conn, "activity.import", sorted(units, key=lambda u: (u is None, u or 0)))

        with self.community.reading() as conn:  # refused at once if the actor may import nowhere
            self._scope(conn, "activity.import")
        return import_activity(self.community, path, progress=progress, authorize=authorize)

    @staticmethod
    def write_template(path: str | os.PathLike[str], *, lang: str = "zh") -> Path:
        """Write an activity import template (``.csv`` or ``.xlsx``) with the headers and an example row.

        :raises InvalidValue: ``lang`` is neither ``zh`` nor ``en``, or the file is neither ``.csv`` nor ``.xlsx``.
        """
        from communitycore.io.activity_import import write_template

        return write_template(path, lang=lang)

    # Helpers ---------------------------------------------------------------------------------

    def _get(self, conn: Connection, entry_id: int) -> ActivityEntry:
        row = conn.execute(select(_a).where(_a.c.id == _entry_id(entry_id))).mappings().first()
        if row is None:
            raise NotFound(_("there is no activity entry with id {id}").format(id=entry_id))
        return ledger.entry_from_row(row, self.community.clock.tz)

    @staticmethod
    def _note(note: str | None) -> str | None:
        try:
            return parse_text(note, NOTE_LENGTH)
        except InvalidValue as exc:
            raise RejectedInput([Problem(None, "note", str(exc))], source=_("activity")) from None

    def _rows(self, conn: Connection, entries: Sequence[NewEntry], actor: str,
              now: dt.datetime) -> builtins.list[tuple[Any, ...]]:
        """The stored tuples of checked entries; every bad entry reported at once (by 1-based position)."""
        facts = self.community.registry.facts
        problems = check_entries(facts, entries)
        units = _subject_units(conn, entries, ledger.capped_kinds(facts, ((e.subject_kind, e.fact) for e in entries)))
        stamp, today = now.astimezone(dt.UTC), now.date()
        rows, positions = [], []
        for position, entry in enumerate(entries, start=1):
            try:
                parse_past_date(entry.on, today)  # the ledger records what happened
            except InvalidValue as exc:
                problems.append(Problem(position, "on", str(exc)))
                continue
            found = units.get(entry.subject_kind)
            if found is not None and entry.subject_id not in found:
                problems.append(Problem(position, "subject_id", _("there is no {kind} with id {id}").format(
                    kind=SubjectKind(entry.subject_kind).label(get_language()), id=entry.subject_id)))
                continue
            unit_id = entry.unit_id if entry.unit_id is not None else (found or {}).get(entry.subject_id)
            rows.append((entry.subject_kind, entry.subject_id, entry.fact, entry.on, ledger.hundredths(entry.quantity),
                         unit_id, entry.source_kind, entry.source_id, actor, entry.note, None, stamp))
            positions.append(position)
        if not problems:  # summed only for entries that are otherwise sound
            overruns = ledger.day_overruns(conn, facts, rows)
            problems += [Problem(positions[i], "quantity", wrong) for i, wrong in overruns]
        if problems:
            problems.sort(key=lambda p: p.row or 0)
            raise RejectedInput(problems, source=_("activity"))
        return rows


def check_entries(facts: Any, entries: Sequence[NewEntry]) -> builtins.list[Problem]:
    """Problems of entries against the registered facts: known, about this kind of subject, and in a
    quantity the fact can have (its minimum and maximum)."""
    problems = []
    for position, entry in enumerate(entries, start=1):
        fact: Fact | None = facts.get(entry.fact)
        if fact is None:
            problems.append(Problem(position, "fact", _("unknown fact {code!r}; known: {known}").format(
                code=entry.fact, known=", ".join(facts) or _("none"))))
        elif fact.subject.value != entry.subject_kind:
            problems.append(Problem(position, "subject_kind", _("fact {code!r} is about {subject}, not {kind}").format(
                code=entry.fact, subject=fact.subject.value, kind=entry.subject_kind)))
        elif (wrong := quantity_problem(fact, entry.quantity)) is not None:
            problems.append(Problem(position, "quantity", wrong))
    return problems


def _subject_units(conn: Connection, entries: Sequence[NewEntry],
                   capped: set[str]) -> dict[str, dict[int, int | None] | None]:
    """Per subject kind, ``{id: unit id}`` of the subjects on record (``None``: stewards); the kinds
    ``capped`` by a day's maximum locked for update, in one order of kinds for every writer."""
    by_kind: dict[str, set[int]] = {}
    for entry in entries:
        by_kind.setdefault(entry.subject_kind, set()).add(entry.subject_id)
    return {kind: ledger.subject_units(conn, kind, by_kind[kind], lock="update" if kind in capped else "share")
            for kind in sorted(by_kind)}


def _entry_id(entry_id: Any) -> int:
    """An entry id as an int; one no entry can have is not found (not a database error on servers)."""
    return known_id(entry_id, lambda: NotFound(_("there is no activity entry with id {id}").format(id=entry_id)))


def _codes(facts: Sequence[str] | str) -> builtins.list[str]:
    items = [facts] if isinstance(facts, str) else list(facts)
    codes = [c.strip() for item in items for c in str(item).split(",") if c.strip()]
    if not codes:
        raise InvalidValue(_("name at least one fact"))
    return list(dict.fromkeys(codes))


def _period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else Period.parse(str(period))


__all__ = ["ActivityAPI", "check_entries"]
