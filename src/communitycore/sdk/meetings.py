"""``community.meetings``: meetings held (三会一课, 主题党日, joint meetings), attendance, resolutions, 台账.

Recording a meeting stores its attendance (one row per invited member: present, absent with or
without a reason, or on leave; an invited member not listed is absent without a reason) and writes
the ledger in the same transaction, set-based: ``meeting-attended`` per member present (and
``training-attended`` where the type counts as training), ``meetings-held`` for the unit, each
with the meeting as its source. A correction of attendance, a new date or a cancellation writes
reversing entries, never changes the ledger. :meth:`MeetingsAPI.compliance` is the 台账: per unit
of a subtree and per required type, meetings due and held over a period, the windows missed, and
the members absent from organizational life for months on end.
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, insert, select, update

from communitycore.domain.fields import MAX_ID, UNCHANGED, Keep, clean_text, written_id
from communitycore.domain.meetings import (
    DEFAULT_ABSENCE_MONTHS,
    MINUTES_LIMIT,
    NAME_LIMIT,
    REASON_LIMIT,
    TITLE_LIMIT,
    TOPIC_LIMIT,
    Absence,
    Attendance,
    Compliance,
    ComplianceRow,
    DueMeeting,
    DueWindow,
    Meeting,
    MeetingStatus,
    PartnerAttendance,
    Presence,
    QuorumCheck,
    QuorumNotMet,
    Resolution,
    WindowHeld,
    absence_runs,
    check_votes,
    due_windows,
    missing_minutes,
    month_key,
    month_number,
    month_text,
    passes,
    quorum_check,
)
from communitycore.domain.members import Category, parse_date, parse_past_date
from communitycore.domain.org import parents_first
from communitycore.domain.periods import Period
from communitycore.errors import Conflict, InvalidValue, NotFound, Problem, RejectedInput, bad_field
from communitycore.i18n import N_, _, listing, localized
from communitycore.records import ATTENDEE_WORDS, MeetingType
from communitycore.sdk.base import SubAPI, check_days, check_page, known_id, paged, sliced
from communitycore.store import activity as ledger
from communitycore.store import meetings as store
from communitycore.store.locks import lock_row
from communitycore.store.tables import audit as audit_tables
from communitycore.store.tables import meetings as meeting_tables
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.units import Tree, UnitRef, chain, resolve, subtree_ids, subtree_query

_m = meeting_tables.meetings
_att = meeting_tables.attendance
_mp = meeting_tables.meeting_partners
_res = meeting_tables.resolutions
_FULL = Category.FULL  # a str enum: equal to the stored code


Presences = Mapping[int, str | None] | Iterable[int | tuple[int, str | None]]


class MeetingsAPI(SubAPI):
    """Meetings (会议): record with attendance and resolutions, correct, cancel, list, and the 台账."""

    # Types -------------------------------------------------------------------------------------

    def types(self) -> builtins.list[MeetingType]:
        """The registered meeting types, by code."""
        return list(self.community.registry.meeting_types.values())

    def type(self, code: str) -> MeetingType:
        """One meeting type by code.

        :raises InvalidValue: no such type is registered (the message lists those that are).
        """
        found = self.community.registry.meeting_types.get(str(code).strip())
        if found is None:
            raise bad_field("type", _("unknown meeting type {code!r}; known: {known}").format(
                code=code, known=listing(self.community.registry.meeting_types)))
        return found

    # Recording ---------------------------------------------------------------------------------

    def record(self, unit: UnitRef, type: str, *, on: dt.date | str,  # noqa: A002 - the domain's word
               topic: str | None = None, host: str | None = None, recorder: str | None = None,
               minutes: str | None = None, present: Iterable[int] = (), absent: Presences = (),
               leave: Iterable[int] = (), partners: Iterable[int | tuple[int, str | None]] = ()) -> Meeting:
        """Record a meeting held at ``unit`` with its attendance; invited members not listed are absent.

        ``absent`` maps member ids to reasons (or lists ids, or ``(id, reason)`` pairs); ``partners``
        lists partner organizations at a joint meeting, as ids or ``(id, representative)``.

        :raises RejectedInput: bad fields (each named: a date in the future among them), or minutes the type
            requires left empty.
        :raises NotFound: no such unit, member or partner.
        :raises InvalidValue: ``type`` is not a registered meeting type.
        :raises PermissionDenied: the actor may not record meetings on that unit.
        """
        meeting_type = self.type(type)
        fields = self._fields(self.community.clock.today(), on=on, topic=topic, host=host, recorder=recorder,
                              minutes=minutes)
        missing = missing_minutes(meeting_type, {**fields, "content": fields.get("minutes")})
        if missing:
            raise RejectedInput([Problem(None, f, _("the minutes of a {type} must give it").format(
                type=localized(meeting_type.label, meeting_type.label_en))) for f in missing], source=_("meeting"))
        listed = _listed(present, absent, leave)
        guests = _partners(partners)
        with self.community.transaction() as tx:
            target = resolve(tx.conn, unit)
            self._authorize(tx.conn, "meeting.add", target.id)
            rows = self._attendance(tx.conn, meeting_type, target.id, listed)
            self._check_partners(tx.conn, guests)
            meeting_id = int(tx.conn.execute(insert(_m).values(
                unit_id=target.id, type=meeting_type.code, held_on=fields["held_on"],
                held_month=month_number(fields["held_on"]), topic=fields.get("topic"),
                host=fields.get("host"), recorder=fields.get("recorder"), minutes=fields.get("minutes"),
                status=MeetingStatus.HELD.value, recorded_at=tx.now.astimezone(dt.UTC),
            )).inserted_primary_key[0])  # type: ignore[index]
            if rows:
                tx.conn.execute(insert(_att), [{"meeting_id": meeting_id, "member_id": a.member_id,
                                                "presence": a.presence.value, "reason": a.reason} for a in rows])
            if guests:
                tx.conn.execute(insert(_mp), [{"meeting_id": meeting_id, "partner_id": p.partner_id,
                                               "representative": p.representative} for p in guests])
            present_ids = [a.member_id for a in rows if a.presence is Presence.PRESENT]
            ledger.insert_entries(tx.conn, store.entry_rows(
                meeting_id, target.id, fields["held_on"], present_ids, training=meeting_type.counts_as_training,
                unit_entry=True, actor=tx.actor, stamp=tx.now.astimezone(dt.UTC)))
            meeting = self._get(tx.conn, meeting_id)
            tx.record("meeting.add", "meeting", meeting_id, after=_summary(meeting),
                      data={"unit_id": target.id, "type": meeting_type.code, "date": meeting.held_on.isoformat()})
            return meeting

    add = record

    def correct_attendance(self, meeting_id: int, *, present: Iterable[int] = (), absent: Presences = (),
                           leave: Iterable[int] = (), note: str | None = None) -> Meeting:
        """Correct the attendance of the members listed (the others keep theirs); the ledger is
        corrected by reversing entries of those no longer present and new entries for those now present.

        :raises NotFound: no such meeting or member.
        :raises Conflict: the meeting was cancelled.
        :raises InvalidValue: no member is named.
        :raises RejectedInput: a member id is bad, listed twice or not due at the meeting, or the note is too long.
        :raises PermissionDenied: the actor may not correct meetings on the meeting's unit.
        """
        listed = _listed(present, absent, leave)
        if not listed:
            raise bad_field("attendance", _("name at least one member to correct"))
        remark = _text(note, "note", REASON_LIMIT)
        with self.community.transaction() as tx:
            # The meeting's row first: two corrections of one meeting see each other's attendance.
            row = self._lock(tx.conn, meeting_id)
            self._authorize(tx.conn, "meeting.update", int(row.unit_id))
            before = self._get(tx.conn, meeting_id)
            _refuse_cancelled(before)
            meeting_type = self.type(before.type)
            current = {a.member_id: a for a in before.attendance}
            new = {a.member_id: a for a in self._attendance(tx.conn, meeting_type, before.unit_id, listed,
                                                              fill=False, known=set(current))}
            was = {m for m, a in current.items() if a.presence is Presence.PRESENT}
            now = {m for m, a in new.items() if a.presence is Presence.PRESENT} | (was - set(new))
            for member_id, entry in new.items():
                values = {"presence": entry.presence.value, "reason": entry.reason}
                if member_id in current:
                    tx.conn.execute(update(_att).where(_att.c.meeting_id == meeting_id,
                                                       _att.c.member_id == member_id).values(**values))
                else:
                    tx.conn.execute(insert(_att).values(meeting_id=meeting_id, member_id=member_id, **values))
            stamp = tx.now.astimezone(dt.UTC)
            gone = store.standing_entries(tx.conn, meeting_id, subject_kind="member", subject_ids=was - now)
            rows = store.reversal_rows(gone, tx.actor, stamp, remark)
            rows += store.entry_rows(meeting_id, before.unit_id, before.held_on, now - was,
                                     training=meeting_type.counts_as_training, unit_entry=False, actor=tx.actor,
                                     stamp=stamp)
            ledger.insert_entries(tx.conn, rows)
            after = self._get(tx.conn, meeting_id)
            tx.record("meeting.update", "meeting", meeting_id, before=_summary(before), after=_summary(after),
                      note=remark, data={"attendance": sorted(new)})
            return after

    def update(self, meeting_id: int, *, on: dt.date | str | Keep = UNCHANGED, topic: str | Keep | None = UNCHANGED,
               host: str | Keep | None = UNCHANGED, recorder: str | Keep | None = UNCHANGED,
               minutes: str | Keep | None = UNCHANGED, note: str | None = None) -> Meeting:
        """Correct a meeting's date or minutes; a field left out keeps its value, ``None`` clears it.

        A new date moves the meeting's ledger entries (reversed on the old date, recorded on the new).

        :raises InvalidValue: no field is given.
        :raises RejectedInput: a bad date or field (each named), or minutes the type requires left empty.
        :raises NotFound: there is no such meeting.
        :raises Conflict: the meeting was cancelled.
        :raises PermissionDenied: the actor may not correct meetings on the meeting's unit.
        """
        given = {k: v for k, v in {"on": on, "topic": topic, "host": host, "recorder": recorder,
                                   "minutes": minutes}.items() if v is not UNCHANGED}
        if not given:
            raise InvalidValue(_("nothing to change: give at least one field"))
        fields = self._fields(self.community.clock.today(), **given)
        remark = _text(note, "note", REASON_LIMIT)
        with self.community.transaction() as tx:
            row = self._lock(tx.conn, meeting_id)
            self._authorize(tx.conn, "meeting.update", int(row.unit_id))
            before = self._get(tx.conn, meeting_id)
            _refuse_cancelled(before)
            meeting_type = self.type(before.type)
            merged = {"topic": before.topic, "host": before.host, "recorder": before.recorder,
                      "minutes": before.minutes, **fields}
            missing = missing_minutes(meeting_type, {**merged, "content": merged.get("minutes")})
            if missing:
                raise RejectedInput([Problem(None, f, _("the minutes of a {type} must give it").format(
                    type=localized(meeting_type.label, meeting_type.label_en))) for f in missing], source=_("meeting"))
            if "held_on" in fields:
                fields["held_month"] = month_number(fields["held_on"])
            tx.conn.execute(update(_m).where(_m.c.id == meeting_id).values(**fields))
            held_on = fields.get("held_on", before.held_on)
            if held_on != before.held_on:
                stamp = tx.now.astimezone(dt.UTC)
                rows = store.reversal_rows(store.standing_entries(tx.conn, meeting_id), tx.actor, stamp, remark)
                present = [a.member_id for a in before.attendance if a.presence is Presence.PRESENT]
                rows += store.entry_rows(meeting_id, before.unit_id, held_on, present,
                                         training=meeting_type.counts_as_training, unit_entry=True, actor=tx.actor,
                                         stamp=stamp)
                ledger.insert_entries(tx.conn, rows)
            after = self._get(tx.conn, meeting_id)
            tx.record("meeting.update", "meeting", meeting_id, before=_summary(before), after=_summary(after),
                      note=remark)
            return after

    def cancel(self, meeting_id: int, *, note: str | None = None) -> Meeting:
        """Cancel a meeting recorded in error: it is kept, marked cancelled, and its ledger entries reversed.

        :raises Conflict: it was cancelled already.
        :raises NotFound: there is no such meeting.
        :raises RejectedInput: the note is too long.
        :raises PermissionDenied: the actor may not cancel meetings on the meeting's unit.
        """
        remark = _text(note, "note", REASON_LIMIT)
        with self.community.transaction() as tx:
            row = self._lock(tx.conn, meeting_id)
            self._authorize(tx.conn, "meeting.remove", int(row.unit_id))
            before = self._get(tx.conn, meeting_id)
            _refuse_cancelled(before)
            tx.conn.execute(update(_m).where(_m.c.id == meeting_id).values(status=MeetingStatus.CANCELLED.value))
            ledger.insert_entries(tx.conn, store.reversal_rows(store.standing_entries(tx.conn, meeting_id), tx.actor,
                                                               tx.now.astimezone(dt.UTC), remark))
            after = self._get(tx.conn, meeting_id)
            tx.record("meeting.cancel", "meeting", meeting_id, before=_summary(before), after=_summary(after),
                      note=remark)
            return after

    # Resolutions and quorum --------------------------------------------------------------------

    def quorum(self, meeting_id: int) -> QuorumCheck | None:
        """The quorum check of a meeting against its type's rule (``None``: the type has no quorum).

        :raises NotFound: there is no such meeting.
        :raises PermissionDenied: the actor may not read meetings on the meeting's unit.
        """
        with self.community.reading() as conn:
            meeting = self._get(conn, meeting_id)
            self._authorize(conn, "meeting.read", meeting.unit_id)
            return self._quorum(conn, meeting)

    def add_resolution(self, meeting_id: int, *, title: str, votes_for: int, against: int = 0,
                       abstain: int = 0) -> Resolution:
        """Record a resolution with its votes; refused without quorum, naming present, base, required and rule.

        It passes when the votes for meet the type's pass rule over the voting members due to
        attend (细则 §20: more than half).

        :raises QuorumNotMet: the attendance does not meet the type's quorum.
        :raises Conflict: the type takes no resolutions, or the meeting was cancelled.
        :raises InvalidValue: a vote count is not a whole number of at least 0, or the votes add up to more than
            the members present.
        :raises NotFound: there is no such meeting.
        :raises RejectedInput: the title is empty or too long.
        :raises PermissionDenied: the actor may not correct meetings on the meeting's unit.
        """
        text = _text(title, "title", TITLE_LIMIT, required=True)
        with self.community.transaction() as tx:
            row = self._lock(tx.conn, meeting_id)
            self._authorize(tx.conn, "meeting.update", int(row.unit_id))
            meeting = self._get(tx.conn, meeting_id)
            _refuse_cancelled(meeting)
            meeting_type = self.type(meeting.type)
            if not meeting_type.votes:
                raise Conflict(_("a {type} takes no resolutions (its type says votes = false)").format(
                    type=localized(meeting_type.label, meeting_type.label_en)))
            check = self._quorum(tx.conn, meeting)
            if check is not None and not check.met:
                raise QuorumNotMet(check)
            present = meeting.count(Presence.PRESENT)
            check_votes(votes_for, against, abstain, present)
            rule = meeting_type.pass_threshold
            voting = store.categories(tx.conn, [a.member_id for a in meeting.attendance])
            due = len(meeting.attendance) if rule.base == "all" else sum(
                1 for a in meeting.attendance if voting.get(a.member_id) == _FULL)
            passed = passes(rule, votes_for, due)
            resolution_id = int(tx.conn.execute(insert(_res).values(
                meeting_id=meeting_id, title=text, votes_for=votes_for, votes_against=against, votes_abstain=abstain,
                passed=passed, due=due)).inserted_primary_key[0])  # type: ignore[index]
            resolution = Resolution(id=resolution_id, meeting_id=meeting_id, title=str(text), votes_for=votes_for,
                                    votes_against=against, votes_abstain=abstain, passed=passed, due=due)
            tx.record("meeting.resolution", "meeting", meeting_id, after=resolution,
                      data={"resolution_id": resolution_id, "passed": passed})
            return resolution

    # Reading -----------------------------------------------------------------------------------

    def get(self, meeting_id: int) -> Meeting:
        """One meeting with its attendance, partners and resolutions.

        :raises NotFound: there is no such meeting.
        :raises PermissionDenied: the actor may not read meetings on the meeting's unit.
        """
        with self.community.reading() as conn:
            meeting = self._get(conn, meeting_id)
            self._authorize(conn, "meeting.read", meeting.unit_id)
            return meeting

    show = get

    def list(self, *, unit: UnitRef | None = None, type: str | None = None,  # noqa: A002
             period: Period | str | None = None, status: str | None = None, limit: int | None = 100,
             offset: int = 0) -> builtins.list[Meeting]:
        """Meetings by date then id, optionally of a unit's subtree, a type, a period or a status
        (``held``, ``cancelled``); with their attendance.

        At most ``limit`` meetings (100; ``None``: all), past the first ``offset``: the next page
        is ``offset=`` this one's offset plus ``limit``.

        :raises InvalidValue: an unknown type or status, or ``period`` is not a period; a limit or
            offset that is not a whole number from 0 to ``MAX_ID``.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read meetings on ``unit``, or on any unit.
        """
        query = paged(select(_m.c.id).order_by(_m.c.held_on, _m.c.id), _m.c.id, limit=limit, offset=offset)
        if type is not None:
            query = query.where(_m.c.type == self.type(type).code)
        if period is not None:
            span = _period(period)
            query = query.where(_m.c.held_on >= span.start, _m.c.held_on <= span.end)
        if status is not None:
            query = query.where(_m.c.status == MeetingStatus.parse(status).value)
        with self.community.reading() as conn:
            if unit is not None:
                root = resolve(conn, unit)
                self._authorize(conn, "meeting.read", root.id)
                query = query.where(_m.c.unit_id.in_(subtree_ids(conn, root.id)))
            query = query.where(self._scope(conn, "meeting.read").clause(_m.c.unit_id))
            return self._load(conn, [int(i) for i in conn.scalars(query)])

    # The compliance ledger (台账) ----------------------------------------------------------------

    def compliance(self, unit: UnitRef | None, period: Period | str) -> Compliance:
        """Per unit of the subtree (``None``: the whole tree) and required type: meetings due and
        held over ``period``, windows missed; and members absent without a reason from every
        meeting of ``meeting-absence-months`` (default 6) consecutive months ending in the period.

        Which types a unit owes: the effective ``required-meeting-types`` setting where one is set
        along the tree, else the types whose ``applies_to`` names the unit's kind; a type with
        ``applies_to`` is only ever owed by units of those kinds. The cadence of each type is the
        effective ``meeting-cadence.<type>``. Two counting queries in all, none per unit.

        :raises InvalidValue: ``period`` is not a period.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read meetings on ``unit`` (on the whole database when it is None).
        """
        span = _period(period)
        # A city's ledger is tens of thousands of records and tuples, none in a cycle: no collector passes.
        with self.community.reading() as conn, ledger.no_cycle_collection():
            tree, root_id, ids, effective = self._subtree(conn, unit)
            scope = self._scope_of(conn, root_id, ids)
            rows = self._rows(conn, tree, ids, effective, scope,
                              lambda _t, cadence, times: due_windows(span, cadence, times))
            top = effective.get(root_id, {}) if root_id is not None else {}
            minimum = int(top.get("meeting-absence-months", DEFAULT_ABSENCE_MONTHS))
            absences = self._absences(conn, span, scope, minimum)
            return Compliance(unit_id=root_id, period=str(span), rows=tuple(rows), absences=absences,
                              absence_months=minimum)

    def plan(self, unit: UnitRef | None, period: Period | str) -> builtins.list[ComplianceRow]:
        """What each unit of the subtree owes over ``period``: one row per unit and type, with its due windows
        (and what was held in each so far).

        :raises InvalidValue: ``period`` is not a period.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read meetings on ``unit`` (on the whole database when it is None).
        """
        return list(self.compliance(unit, period).rows)

    def due(self, unit: UnitRef | None = None, *, days: int = 14, on: dt.date | str | None = None,
            limit: int | None = None, offset: int = 0) -> builtins.list[DueMeeting]:
        """Meetings due within ``days`` of ``on`` (default today) and not yet held, and those overdue:
        per unit and type, the current window if it ends within ``days`` and the previous window if it
        was missed. Ordered by window end, unit and type.

        At most ``limit`` of them (default ``None``: all), past the first ``offset``. The whole
        subtree's windows are worked out for any page, then cut.

        :raises InvalidValue: ``days`` is not a whole number of at least 0, or ``on`` is not a date;
            a limit or offset that is not a whole number from 0 to ``MAX_ID``.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read meetings on ``unit`` (on the whole database when it is None).
        """
        check_days(days)
        check_page(limit, offset)
        today = self.community.clock.today() if on is None else parse_date(on)
        with self.community.reading() as conn:
            tree, root_id, ids, effective = self._subtree(conn, unit)
            scope = self._scope_of(conn, root_id, ids)

            def windows(_t: MeetingType, cadence: str, times: int) -> tuple[DueWindow, ...]:
                current = Period.containing(today, cadence)
                return tuple(DueWindow(start=p.start, end=p.end, required=times) for p in (current.previous(), current))

            out = []
            for row in self._rows(conn, tree, ids, effective, scope, windows):
                for window in row.missing:
                    if window.end < today:
                        status = "overdue"
                    elif (window.end - today).days <= days:
                        status = "due"
                    else:
                        continue
                    out.append(DueMeeting(unit_id=row.unit_id, unit=row.unit, type=row.type, start=window.start,
                                          end=window.end, required=window.required, held=window.held, status=status))
            return sliced(sorted(out, key=lambda d: (d.end, d.unit_id, d.type)), limit, offset)

    def announce_overdue(self, unit: UnitRef | None = None, *, on: dt.date | str | None = None) -> int:
        """Raise one ``meeting.overdue`` event (through the outbox, so notification plugins send SMS or
        WeChat messages) for each overdue window not announced before; returns how many were raised.

        :raises InvalidValue: ``on`` is not a date.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read meetings on ``unit`` (on the whole database when it is None).
        """
        overdue = [d for d in self.due(unit, days=0, on=on) if d.status == "overdue"]
        if not overdue:
            return 0
        with self.community.transaction() as tx:
            self._authorize(tx.conn, "meeting.read", None if unit is None else resolve(tx.conn, unit).id)
            a = audit_tables.audit
            keys = {d.key for d in overdue}
            known = set(tx.conn.scalars(select(a.c.entity_id).where(a.c.action == "meeting.overdue",
                                                                    a.c.entity == "meeting-window")))
            raised = 0
            for item in overdue:
                if item.key in known or item.key not in keys:
                    continue
                tx.record("meeting.overdue", "meeting-window", item.key, after=item,
                          data={"unit_id": item.unit_id, "type": item.type, "from": item.start.isoformat(),
                                "to": item.end.isoformat(), "required": item.required, "held": item.held})
                raised += 1
            return raised

    def write_ledger(self, path: str | os.PathLike[str], unit: UnitRef | None, period: Period | str, *,
                     lang: str = "zh") -> Path:
        """Write the 台账 to ``.xlsx`` (a sheet with one row per meeting, a summary sheet per unit and
        type, a sheet of absences) or ``.csv`` (the meetings); the file appears whole or not at all.

        :raises InvalidValue: ``period`` is not a period, or the file is neither ``.xlsx`` nor ``.csv``.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read meetings on ``unit`` (on the whole database when it is None).
        """
        from communitycore.io.meeting_ledger import write_ledger  # openpyxl only for those who write a file

        found = self.compliance(unit, period)
        meetings = self.list(unit=unit, period=period, status="held", limit=None)
        return write_ledger(path, found, meetings, self.community.registry.meeting_types, lang=lang)

    def attendance_file(self, path: str | os.PathLike[str]) -> tuple[builtins.list[int], dict[int, str | None],
                                                                     builtins.list[int]]:
        """``(present, absent with reasons, on leave)`` from a sheet with the headers 姓名, 公民身份号码,
        出席情况 and 缺席原因 (see :mod:`communitycore.io.meeting_attendance`), ready for :meth:`record`.

        :raises InvalidValue: the file is empty, or neither ``.csv`` nor ``.xlsx``.
        :raises RejectedInput: rows or headers are bad (an unknown 公民身份号码, an unknown 出席情况, a column missing);
            ``problems`` names each.
        :raises UnsafeInput: the file is too large or built to exhaust the reader (see :doc:`limits`).
        :raises PermissionDenied: the actor may not read members on any unit (members elsewhere are unknown).
        """
        from communitycore.io.meeting_attendance import read_attendance  # keeps the sheet readers off the import

        with self.community.reading() as conn:
            scope = self._scope(conn, "member.read")
            return read_attendance(conn, path, today=self.community.clock.today(), readable=scope.covers)

    # Helpers -----------------------------------------------------------------------------------

    def _subtree(self, conn: Connection, unit: UnitRef | None
                 ) -> tuple[Tree, int | None, builtins.list[int], dict[int, dict[str, Any]]]:
        """The tree (or the subtree, read through the path index), the root's id (None: every
        unit), the subtree's ids parents first, and their settings."""
        if unit is None:
            self._authorize(conn, "meeting.read", None)
            tree = Tree(conn)
            return tree, None, parents_first(tree.parent_of), self._effective(conn, tree, None, [])
        root = resolve(conn, unit)
        self._authorize(conn, "meeting.read", root.id)
        tree = Tree(conn, root.id)
        ids = parents_first(tree.parent_of)  # the order of the whole tree's listing
        above = [u.id for u in chain(conn, root)[:-1]]
        return tree, root.id, ids, self._effective(conn, tree, root.id, above)

    @staticmethod
    def _scope_of(conn: Connection, root_id: int | None, ids: Sequence[int]) -> _Scope | None:
        """What the counting queries filter on: nothing for the whole tree, else the subtree's
        ids and its range of the path index."""
        return None if root_id is None else _Scope(ids, subtree_query(conn, root_id))

    def _rows(self, conn: Connection, tree: Tree, ids: Sequence[int], effective: Mapping[int, Mapping[str, Any]],
              scope: _Scope | None,
              windows_of: Callable[[MeetingType, str, int], tuple[DueWindow, ...]]) -> builtins.list[ComplianceRow]:
        """One row per unit and owed type with the windows ``windows_of`` gives, counted by one query.

        Which types a unit owes: the effective ``required-meeting-types`` setting where one is set
        along the tree, else the types whose ``applies_to`` names the unit's kind; a type with
        ``applies_to`` is only ever owed by units of those kinds. The cadence of each type is the
        effective ``meeting-cadence.<type>``.

        The query gives each unit and type the months its meetings were held in; the windows of a
        row follow from those and the row's windows alone, so they are worked out once per
        distinct pair and shared by every row with the same months (most units of a city hold
        the same months).
        """
        types = self.community.registry.meeting_types
        # What a unit owes depends on its kind and its effective settings only, and most units
        # share the settings object of their parent: worked out once per pair, not once per unit.
        # The windows depend on the type and its cadence: worked out once each.
        known: dict[tuple[str, str], tuple[DueWindow, ...]] = {}
        owed_as: dict[tuple[int, str], builtins.list[tuple[MeetingType, str, tuple[DueWindow, ...]]]] = {}
        plans: builtins.list[tuple[int, builtins.list[tuple[MeetingType, str, tuple[DueWindow, ...]]]]] = []
        for unit_id in ids:
            settings = effective[unit_id]
            kind = tree.kind(unit_id)
            owed = owed_as.get((id(settings), kind))
            if owed is None:
                owed = owed_as[(id(settings), kind)] = []
                for code in _owed(types, kind, settings.get("required-meeting-types")):
                    cadence = str(settings.get(f"meeting-cadence.{code}", types[code].cadence.value))
                    windows = known.get((code, cadence))
                    if windows is None:
                        windows = known[(code, cadence)] = windows_of(types[code], cadence,
                                                                      types[code].times_per_period)
                    if windows:
                        owed.append((types[code], cadence, windows))
            if owed:
                plans.append((unit_id, owed))
        used = [entry for owed in owed_as.values() for entry in owed]
        if not used:
            return []
        first = min(w.start for *_rest, ws in used for w in ws)
        last = max(w.end for *_rest, ws in used for w in ws)
        weekly = {t.code for t, cadence, _w in used if cadence == "weekly"}
        monthly = {t.code for t, cadence, _w in used if cadence != "weekly"}
        ids_in, subtree = (None, None) if scope is None else (scope.ids, scope.paths)
        base = month_number(first)
        held_in = {(unit_id, code): months for unit_id, code, months
                   in store.held_months(conn, base, month_number(last), ids_in, monthly, subtree)}
        by_day: dict[tuple[int, str], builtins.list[tuple[dt.date, int]]] = {}
        for unit_id, code, day, number in store.held_by_day(conn, first, last, ids_in, weekly, subtree):
            by_day.setdefault((unit_id, code), []).append((day, number))
        # Per tuple of windows (they live in ``known``, so their ids stay theirs): the window of
        # each month offset from ``base``; per windows and months held, the counts.
        slots: dict[int, dict[int, int]] = {}
        counted_as: dict[tuple[int, str | None], _Counted] = {}
        rows = []
        for unit_id, owed in plans:
            name = tree.name(unit_id)
            for meeting_type, cadence, windows in owed:
                key = (unit_id, meeting_type.code)
                if cadence == "weekly":
                    days = by_day.get(key, [])
                    found = _counted(windows, [sum(n for d, n in days if w.start <= d <= w.end) for w in windows])
                else:
                    months = held_in.get(key)
                    memo = (id(windows), months)
                    cached = counted_as.get(memo)
                    if cached is not None:
                        found = cached
                    else:
                        slot = slots.get(id(windows))
                        if slot is None:
                            slot = slots[id(windows)] = {
                                number - base: index for index, w in enumerate(windows)
                                for number in range(month_number(w.start), month_number(w.end) + 1)}
                        numbers = [0] * len(windows)
                        for offset in (months.split(",") if months else ()):
                            index = slot.get(int(offset))
                            if index is not None:
                                numbers[index] += 1
                        found = counted_as[memo] = _counted(windows, numbers)
                rows.append(ComplianceRow(unit_id=unit_id, unit=name, type=meeting_type.code, cadence=cadence,
                                          required=found[0], held=found[1], windows=found[2]))
        return rows

    def _effective(self, conn: Connection, tree: Tree, root: int | None,
                   above_root: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The meeting settings in force at each unit of the (sub)tree, from one query and a walk
        down the tree; ``above_root``: the root's ancestors, top first, whose settings it inherits."""
        s = org_tables.unit_settings
        own: dict[int, dict[str, Any]] = {}
        query = select(s.c.unit_id, s.c.key, s.c.value).where(
            s.c.key.in_(("required-meeting-types", "meeting-absence-months")) | s.c.key.like("meeting-cadence.%"))
        for unit_id, key, value in conn.execute(query):
            own.setdefault(int(unit_id), {})[str(key)] = value
        above: dict[str, Any] = {}
        for unit_id in above_root:
            above.update(own.get(unit_id, {}))
        effective: dict[int, dict[str, Any]] = {}
        for unit_id in parents_first(tree.parent_of):
            parent = tree.parent_of[unit_id]
            base = above if unit_id == root or parent is None else effective[parent]
            mine = own.get(unit_id)
            effective[unit_id] = {**base, **mine} if mine else base
        return effective

    def _absences(self, conn: Connection, span: Period, scope: _Scope | None,
                  minimum: int) -> tuple[Absence, ...]:
        """Members absent without a reason from every meeting of ``minimum`` consecutive months ending in
        the period: the members with a long enough run of missed months first (one query, few),
        then their missed months and whether they took part anywhere."""
        first, last = month_number(span.start) - (minimum - 1), month_number(span.end)
        ids_in, subtree = (None, None) if scope is None else (scope.ids, scope.paths)
        candidates = store.absence_candidates(conn, first, last, ids_in, minimum, subtree)
        if not candidates:
            return ()
        missed = store.missed_months(conn, first, last, ids_in, candidates, subtree)
        took_part = store.months_taking_part(conn, candidates, first, last)
        months = [month_text(n) for n in range(first, last + 1)]
        runs = absence_runs(months, {m: {month_text(n) for n in missed[m]} for m in candidates if m in missed},
                            {m: {month_text(n) for n in took} for m, took in took_part.items()}, minimum,
                            ending_from=month_key(span.start))
        if not runs:
            return ()
        m = member_tables.members
        names = {int(i): (str(n), int(u)) for i, n, u in conn.execute(
            select(m.c.id, m.c.name, m.c.unit_id).where(m.c.id.in_(sorted(runs)))).all()}
        return tuple(Absence(member_id=i, name=names[i][0], unit_id=names[i][1], months=tuple(runs[i]))
                     for i in sorted(runs) if i in names)

    def _quorum(self, conn: Connection, meeting: Meeting) -> QuorumCheck | None:
        rule = self.type(meeting.type).quorum_rule
        if rule is None:
            return None
        voting = store.categories(conn, [a.member_id for a in meeting.attendance])
        return quorum_check(rule, meeting.attendance, [i for i, c in voting.items() if c == _FULL])

    def _attendance(self, conn: Connection, meeting_type: MeetingType, unit_id: int,
                    listed: Mapping[int, Attendance], *, fill: bool = True,
                    known: set[int] | None = None) -> builtins.list[Attendance]:
        """The attendance rows: the listed members checked against those invited, the unlisted invited absent."""
        due = store.invited(conn, meeting_type.attendees, subtree_ids(conn, unit_id), unit_id)
        problems = []
        if meeting_type.attendees in ("custom", "partners"):
            on_record = store.categories(conn, listed)
            for member_id in listed:
                if member_id not in on_record:
                    problems.append(Problem(None, "attendance", _("there is no member with id {id} on the roll")
                                            .format(id=member_id)))
        else:
            invited = ATTENDEE_WORDS.get(meeting_type.attendees, meeting_type.attendees)
            invited = _(invited)  # i18n: skip (the words are marked in records.ATTENDEE_WORDS)
            for member_id in listed:
                if member_id not in due and member_id not in (known or set()):
                    problems.append(Problem(None, "attendance", _(
                        "member {id} is not due at a {type} of this unit (attendees: {attendees})").format(
                        id=member_id, type=localized(meeting_type.label, meeting_type.label_en), attendees=invited)))
        if problems:
            raise RejectedInput(problems, source=_("meeting"))
        rows = dict(listed)
        if fill:
            for member_id in due:
                rows.setdefault(member_id, Attendance(member_id=member_id, presence=Presence.ABSENT))
        return [rows[i] for i in sorted(rows)]

    def _check_partners(self, conn: Connection, guests: Sequence[PartnerAttendance]) -> None:
        if not guests:
            return
        p = org_tables.partners
        found = set(conn.scalars(select(p.c.id).where(p.c.id.in_([g.partner_id for g in guests]))))
        for guest in guests:
            if guest.partner_id not in found:
                raise bad_field("partners", _("there is no partner organization with id {id}").format(
                    id=guest.partner_id), entity="partner", key=guest.partner_id, cls=NotFound)

    @staticmethod
    def _fields(today: dt.date, **given: Any) -> dict[str, Any]:
        """The meeting's own fields, parsed; every bad one reported at once (a meeting on record was
        held: its date is not after ``today``)."""
        limits = {"topic": TOPIC_LIMIT, "host": NAME_LIMIT, "recorder": NAME_LIMIT, "minutes": MINUTES_LIMIT}
        out: dict[str, Any] = {}
        problems = []
        for field, value in given.items():
            try:
                if field == "on":
                    out["held_on"] = parse_past_date(value, today)
                else:
                    out[field] = clean_text(value, limits[field])
            except (InvalidValue, ValueError, TypeError) as exc:
                problems.append(Problem(None, "date" if field == "on" else field, str(exc)))
        if problems:
            raise RejectedInput(problems, source=_("meeting"))
        return out

    def _lock(self, conn: Connection, meeting_id: int) -> Any:
        number = _meeting_id(meeting_id)
        try:
            return lock_row(conn, _m, number, columns=("id", "unit_id"))
        except NotFound:
            raise NotFound(_("there is no meeting with id {id}").format(id=meeting_id)) from None

    def _get(self, conn: Connection, meeting_id: int) -> Meeting:
        found = self._load(conn, [_meeting_id(meeting_id)])
        if not found:
            raise NotFound(_("there is no meeting with id {id}").format(id=meeting_id))
        return found[0]

    @staticmethod
    def _load(conn: Connection, ids: Sequence[int]) -> builtins.list[Meeting]:
        """Meetings by id, in the order given, each with its attendance, partners and resolutions."""
        out: builtins.list[Meeting] = []
        for start in range(0, len(ids), ledger.LOOKUP_CHUNK):
            chunk = list(ids[start:start + ledger.LOOKUP_CHUNK])
            attendance: dict[int, builtins.list[Attendance]] = {}
            for row in conn.execute(select(_att).where(_att.c.meeting_id.in_(chunk))
                                    .order_by(_att.c.meeting_id, _att.c.member_id)).mappings():
                attendance.setdefault(row["meeting_id"], []).append(Attendance(
                    member_id=row["member_id"], presence=Presence(row["presence"]), reason=row["reason"]))
            guests: dict[int, builtins.list[PartnerAttendance]] = {}
            for row in conn.execute(select(_mp).where(_mp.c.meeting_id.in_(chunk))
                                    .order_by(_mp.c.meeting_id, _mp.c.partner_id)).mappings():
                guests.setdefault(row["meeting_id"], []).append(PartnerAttendance(
                    partner_id=row["partner_id"], representative=row["representative"]))
            taken: dict[int, builtins.list[Resolution]] = {}
            for row in conn.execute(select(_res).where(_res.c.meeting_id.in_(chunk)).order_by(_res.c.id)).mappings():
                taken.setdefault(row["meeting_id"], []).append(Resolution(**dict(row)))
            found = {r["id"]: r for r in conn.execute(select(_m).where(_m.c.id.in_(chunk))).mappings()}
            for meeting_id in chunk:
                got = found.get(meeting_id)
                if got is None:
                    continue
                out.append(Meeting(
                    id=got["id"], unit_id=got["unit_id"], type=got["type"], held_on=got["held_on"],
                    topic=got["topic"], host=got["host"], recorder=got["recorder"], minutes=got["minutes"],
                    status=MeetingStatus(got["status"]), attendance=tuple(attendance.get(meeting_id, ())),
                    partners=tuple(guests.get(meeting_id, ())), resolutions=tuple(taken.get(meeting_id, ()))))
        return out


class _Scope(NamedTuple):
    """A subtree the counting queries keep to: its ids and its range of the unit path index."""

    ids: Sequence[int]
    paths: Select[Any]


#: A row's counts: required, held (at most required per window), and its windows with what was held.
_Counted = tuple[int, int, tuple[WindowHeld, ...]]


def _counted(windows: tuple[DueWindow, ...], numbers: Sequence[int]) -> _Counted:
    held = tuple(WindowHeld(w.start, w.end, w.required, n) for w, n in zip(windows, numbers, strict=True))
    return (sum(w.required for w in windows), sum(min(n, w.required) for w, n in zip(windows, numbers, strict=True)),
            held)


def _owed(types: Mapping[str, MeetingType], kind: str, required: Any) -> builtins.list[str]:
    """The codes a unit of ``kind`` owes, given its effective ``required-meeting-types`` (or None)."""
    if required is None:
        return [code for code, t in types.items() if kind in t.applies_to]
    return [code for code in required
            if code in types and (not types[code].applies_to or kind in types[code].applies_to)]


def _refuse_cancelled(meeting: Meeting) -> None:
    if meeting.status is MeetingStatus.CANCELLED:
        raise Conflict(_("meeting {id} was cancelled; record it again instead").format(id=meeting.id))


def _summary(meeting: Meeting) -> dict[str, Any]:
    """What the audit trail keeps of a meeting: its fields and its attendance (ids, no names)."""
    return {"id": meeting.id, "unit_id": meeting.unit_id, "type": meeting.type, "date": meeting.held_on.isoformat(),
            "topic": meeting.topic, "host": meeting.host, "recorder": meeting.recorder, "status": meeting.status.value,
            "attendance": {str(a.member_id): a.presence.value for a in meeting.attendance}}


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str | None:
    try:
        return clean_text(value, limit, required=required)
    except InvalidValue as exc:
        raise RejectedInput([Problem(None, field, str(exc))], source=_("meeting")) from None


def _member_id(value: Any, field: str) -> int:
    number = written_id(value)
    if number is None or not 1 <= number <= MAX_ID:
        raise RejectedInput([Problem(None, field, _("{value!r} is not a member id").format(value=value))],
                            source=_("meeting"))
    return number


#: The lists of attendance a member is named in, in words.
_LISTS = {"present": N_("present"), "absent": N_("absent"), "leave": N_("on leave")}


def _listed(present: Iterable[int], absent: Presences, leave: Iterable[int]) -> dict[int, Attendance]:
    """The attendance listed, by member id; a member listed twice is an error naming both lists."""
    found: dict[int, tuple[str, Attendance]] = {}
    problems = []

    def add(field: str, member: Any, presence: Presence, reason: str | None = None) -> None:
        member_id = _member_id(member, field)
        if member_id in found:
            first = found[member_id][0]
            lists = [_(_LISTS[first]), _(_LISTS[field])]  # i18n: skip (the words are marked in _LISTS)
            problems.append(Problem(None, field, _("member {id} is listed twice").format(id=member_id)
                                    if first == field else _("member {id} is listed in both {first} and {second}")
                                    .format(id=member_id, first=lists[0], second=lists[1])))
            return
        found[member_id] = (field, Attendance(member_id=member_id, presence=presence,
                                              reason=_text(reason, "absent", REASON_LIMIT)))

    for member in present:
        add("present", member, Presence.PRESENT)
    pairs = absent.items() if isinstance(absent, Mapping) else (
        item if isinstance(item, tuple) else (item, None) for item in absent)
    for member, reason in pairs:
        add("absent", member, Presence.ABSENT, reason)
    for member in leave:
        add("leave", member, Presence.LEAVE)
    if problems:
        raise RejectedInput(problems, source=_("meeting"))
    return {i: a for i, (_f, a) in found.items()}


def _partners(partners: Iterable[int | tuple[int, str | None]]) -> builtins.list[PartnerAttendance]:
    out = []
    for item in partners:
        ident, who = item if isinstance(item, tuple) else (item, None)
        number = written_id(ident)
        if number is None or not 1 <= number <= MAX_ID:
            raise RejectedInput([Problem(None, "partners", _("{value!r} is not a partner id").format(value=ident))],
                                source=_("meeting"))
        out.append(PartnerAttendance(partner_id=number, representative=_text(who, "partners", NAME_LIMIT)))
    return out


def _meeting_id(value: Any) -> int:
    return known_id(value, lambda: NotFound(_("there is no meeting with id {id}").format(id=value)))


def _period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else Period.parse(str(period))


__all__ = ["MeetingsAPI"]
