"""``community.rosters``: vetted service corps (红色管家): admission, public notice, objections, training, tiers.

An entry is one person's membership of one programme. It moves through the
``roster-membership`` workflow with :func:`communitycore.sdk.workflows.transition`: the row is
locked before its state is read, the move checked (an illegal one names the allowed ones), the
step kept in the shared history with actor, time and note, and audited. Admission is refused
until the public notice has ended (``notice_days`` days from its start, both counted, by the
community's clock) with no open or upheld objection. Reviews apply the outcomes of an
assessment run of the programme's scheme to the tiers, in one transaction, each change kept with
the run and the result it came from. Training is read from the ledger.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from communitycore.domain.activity import NewEntry, SubjectKind, parse_quantity, quantity_problem
from communitycore.domain.fields import clean_text
from communitycore.domain.members import parse_date, parse_past_date
from communitycore.domain.periods import Period
from communitycore.domain.rosters import (
    ACTIVE,
    ADMITTED,
    DISMISSED,
    EXITED,
    MAX_NOTICE_DAYS,
    MEMBERSHIP_WORKFLOW,
    NAME_LENGTH,
    NOTE_LENGTH,
    OBJECTED,
    OBJECTION_STATE_WORDS,
    ON_NOTICE,
    OPEN,
    PENDING,
    QUALIFIED,
    REFUSED,
    SERVING,
    UNDER_REVIEW,
    UPHELD,
    WARNED,
    ExitReason,
    Objection,
    Proposal,
    RosterEntry,
    Training,
    apply_outcome,
    notice_end,
    parse_exit_reason,
    readmission_from,
    term_end,
)
from communitycore.domain.workflows import TransitionRecord
from communitycore.errors import Conflict, InvalidValue, NotFound, Problem, RejectedInput
from communitycore.i18n import _, get_language, listing, localized
from communitycore.records import OUTCOME_WORDS, Aggregate, Outcome, RosterProgram, grade_labels
from communitycore.sdk.base import SubAPI, known_id, paged
from communitycore.sdk.workflows import enter, transition
from communitycore.store import activity as ledger
from communitycore.store import workflows as workflow_store
from communitycore.store.locks import lock_row, lock_rows
from communitycore.store.sql import aware
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.tables import residents as resident_tables
from communitycore.store.tables import rosters as tables
from communitycore.store.units import UnitRef, resolve, subtree_ids

_e = tables.roster_entries
_o = tables.roster_objections
_t = tables.roster_tier_changes

#: What the history and the audit call an entry and an objection.
ENTRY = "roster-entry"
OBJECTION = "roster-objection"
#: The ledger facts of a steward's training, and of a member's training at meetings.
TRAINING_HOURS = "steward-training-hours"
TRAINING_ATTENDED = "training-attended"



def _no_candidate(kind: str, candidate: Any) -> NotFound:
    return NotFound(_("there is no {kind} with id {id}").format(kind=SubjectKind(kind).label(get_language()),
                                                                  id=candidate), entity=kind, key=candidate)


def _bad(field: str, message: str) -> RejectedInput:
    return RejectedInput([Problem(None, field, message)], source=_("roster"))


def _text(value: Any, limit: int, field: str, *, required: bool = False) -> str | None:
    try:
        return clean_text(value, limit, required=required)
    except InvalidValue as exc:
        raise _bad(field, str(exc)) from None


def _day(value: dt.date | str | None, field: str, default: dt.date, *, past: bool = False) -> dt.date:
    """A date parameter (``default`` when not given); with ``past``, one not after ``default``, today."""
    if value is None:
        return default
    try:
        return parse_past_date(value, default) if past else parse_date(value)
    except (InvalidValue, ValueError) as exc:
        raise _bad(field, str(exc)) from None


class RostersAPI(SubAPI):
    """Rosters (队伍): 红色管家 and other corps: admission with public notice, training, tiers and exit."""

    # Programmes ------------------------------------------------------------------------------

    def programs(self) -> list[RosterProgram]:
        """Every registered roster programme, by code.

        :raises PermissionDenied: the actor may read rosters nowhere (a listing keeps to the actor's subtrees).
        """
        with self.community.reading() as conn:
            self._authorize(conn, "roster.read", None)
        return list(self.community.registry.roster_programs.values())

    def program(self, code: str) -> RosterProgram:
        """One registered programme.

        :raises NotFound: no programme of that code is registered (the message names the known ones).
        """
        found = self.community.registry.roster_programs.get(code)
        if found is None:
            known = listing(self.community.registry.roster_programs) or _("none")
            raise NotFound(_("no roster programme {code!r} is registered; known: {known}").format(
                code=code, known=known), entity="roster-program", key=code)
        return found

    # Admission -------------------------------------------------------------------------------

    def apply(self, program: str, *, member: int | None = None, resident: int | None = None,
              partner: int | None = None, staff_name: str | None = None, unit: UnitRef | None = None,
              on: dt.date | str | None = None, note: str | None = None) -> RosterEntry:
        """Record an application to ``program`` (报名); the entry starts in ``applied``.

        Exactly one of ``member``, ``resident`` and ``partner`` names the candidate; ``partner``
        with ``staff_name`` is a member of a partner's staff (``partner-staff``). ``unit`` is the
        unit whose roster it is: by default the member's or the partner's unit (a resident's must
        be given). Refused when the programme does not take that kind of candidate, when the
        person already has an open entry on the programme, or within the re-admission wait after
        an elimination.
        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        prog = self.program(program)
        given = [(k, v) for k, v in (("member", member), ("resident", resident), ("partner", partner))
                 if v is not None]
        if len(given) != 1:
            raise _bad("candidate", _("name exactly one candidate: a member, a resident or a partner"))
        kind, candidate = given[0]
        if kind == "partner" and staff_name is not None:
            kind = "partner-staff"
        if kind not in prog.candidate_kinds:
            raise _bad("candidate", _("programme {code!r} takes {kinds}, not {kind}").format(
                code=prog.code, kinds=listing(prog.candidate_kinds), kind=kind))
        text_note = _text(note, NOTE_LENGTH, "note")
        staff = _text(staff_name, NAME_LENGTH, "staff_name") if staff_name is not None else None
        what = "partner" if kind == "partner-staff" else kind
        candidate_id = known_id(candidate, lambda: _no_candidate(what, candidate))
        with self.community.transaction() as tx:
            day = _day(on, "on", tx.now.date())
            name, own_unit = self._candidate(tx.conn, kind, candidate_id)
            target = resolve(tx.conn, unit).id if unit is not None else own_unit
            if target is None:
                raise _bad("unit", _("say which unit's roster the application is for (a resident has no unit of "
                                     "their own)"))
            self._authorize(tx.conn, "roster.add", target)
            self._check_candidate(tx.conn, prog, kind, candidate_id, day)
            entry_id = int(tx.conn.execute(insert(_e).values(
                program=prog.code, unit_id=target, candidate_kind=kind, candidate_id=candidate_id,
                name=staff or name, applied_on=day, created_at=tx.now.astimezone(dt.UTC),
                created_by=tx.actor)).inserted_primary_key[0])  # type: ignore[index]
            enter(tx, MEMBERSHIP_WORKFLOW, _e, entry_id, entity_kind=ENTRY, note=text_note)
            stored = self._get(tx.conn, entry_id)
            tx.record("roster-entry.add", ENTRY, entry_id, after=stored, note=text_note,
                      data={"program": prog.code, "unit_id": target, "candidate_kind": kind})
            return stored

    def start_review(self, entry_id: int, *, note: str | None = None) -> RosterEntry:
        """Take an application under qualification review (资格审查).

        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        return self._move(entry_id, UNDER_REVIEW, note=note)

    def qualify(self, entry_id: int, *, passed: bool, note: str) -> RosterEntry:
        """Record the qualification review's verdict, with its note.

        A pass is checked against the programme's declared checks (member categories, veto facts
        in the last ``veto_days``) and a plugin's ``communitycore_check_roster_candidate``; a
        failed check refuses the pass and names the check. A fail refuses the application.

        :raises RejectedInput: ``passed`` is not True or False; the note is missing or too long.
        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        if not isinstance(passed, bool):
            raise _bad("passed", _("passed must be yes or no (true or false)"))
        text = _text(note, NOTE_LENGTH, "note", required=True)
        with self.community.transaction() as tx:
            entry = self._locked(tx.conn, entry_id)
            self._authorize(tx.conn, "roster.transition", entry.unit_id)
            if passed:
                failed = self._qualification(tx.conn, self.program(entry.program), entry, tx.now.date())
                if failed:
                    raise Conflict(_("entry {id} does not qualify for {code!r}: {checks}").format(
                        id=entry.id, code=entry.program, checks=listing(failed)), entity=ENTRY, key=entry.id)
            tx.conn.execute(update(_e).where(_e.c.id == entry.id).values(qualified=passed, review_note=text))
            transition(tx, MEMBERSHIP_WORKFLOW, _e, entry.id, QUALIFIED if passed else REFUSED, entity_kind=ENTRY,
                       note=text)
            return self._get(tx.conn, entry.id)

    def notice(self, entry_id: int, *, start: dt.date | str | None = None, days: int | None = None,
               note: str | None = None) -> RosterEntry:
        """Put a qualified entry on public notice (公示) from ``start`` (today) for ``days`` (the programme's).

        The notice ends ``days`` days from its start, both counted: 7 days from 1 March end on
        7 March, and admission is possible from 8 March.
        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        text = _text(note, NOTE_LENGTH, "note")
        with self.community.transaction() as tx:
            entry = self._locked(tx.conn, entry_id)
            self._authorize(tx.conn, "roster.transition", entry.unit_id)
            prog = self.program(entry.program)
            first = _day(start, "start", tx.now.date())
            length = prog.notice_days if days is None else days
            if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_NOTICE_DAYS:
                raise _bad("days", _("a notice lasts a whole number of days from 1 to {most}, got {days!r}").format(
                    most=MAX_NOTICE_DAYS, days=days))
            transition(tx, MEMBERSHIP_WORKFLOW, _e, entry.id, ON_NOTICE, entity_kind=ENTRY, note=text)
            tx.conn.execute(update(_e).where(_e.c.id == entry.id).values(
                notice_start=first, notice_end=notice_end(first, length)))
            return self._get(tx.conn, entry.id)

    def object(self, entry_id: int, *, by: str, reason: str, on: dt.date | str | None = None) -> Objection:
        """Record an objection raised during the entry's public notice; it holds admission until resolved.

        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        who = _text(by, NAME_LENGTH, "by", required=True)
        why = _text(reason, NOTE_LENGTH, "reason", required=True)
        with self.community.transaction() as tx:
            entry = self._locked(tx.conn, entry_id)
            self._authorize(tx.conn, "roster.record", entry.unit_id)
            day = _day(on, "on", tx.now.date())
            if entry.state not in (ON_NOTICE, OBJECTED) or entry.notice_start is None or entry.notice_end is None:
                raise Conflict(_("entry {id} is not on public notice (state {state!r}); objections are raised during "
                                 "the notice").format(id=entry.id, state=self._state(entry.state)),
                               entity=ENTRY, key=entry.id)
            if not entry.notice_start <= day <= entry.notice_end:
                raise _bad("on", _("{day} is outside the notice, which runs from {start} to {end}").format(
                    day=day, start=entry.notice_start, end=entry.notice_end))
            objection_id = int(tx.conn.execute(insert(_o).values(
                entry_id=entry.id, raised_by=who, reason=why, raised_on=day, state=OPEN,
                recorded_by=tx.actor)).inserted_primary_key[0])  # type: ignore[index]
            if entry.state == ON_NOTICE:
                transition(tx, MEMBERSHIP_WORKFLOW, _e, entry.id, OBJECTED, entity_kind=ENTRY,
                           note=_("objection {id}").format(id=objection_id))
            stored = self._objection(tx.conn, objection_id)
            tx.record("roster-objection.add", OBJECTION, objection_id, after=stored,
                      data={"entry_id": entry.id})
            return stored

    def resolve_objection(self, objection_id: int, *, uphold: bool, note: str) -> Objection:
        """Dismiss or uphold an open objection. An upheld one refuses the application; when the last open
        one is dismissed, the entry is back on notice (and may be admitted once the notice has ended).

        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        text = _text(note, NOTE_LENGTH, "note", required=True)
        with self.community.transaction() as tx:
            found = self._objection(tx.conn, objection_id)
            entry = self._locked(tx.conn, found.entry_id)  # the entry first, as every move of it does
            self._authorize(tx.conn, "roster.transition", entry.unit_id)
            lock_row(tx.conn, _o, found.id)
            current = self._objection(tx.conn, found.id)
            if current.state != OPEN:
                words = OBJECTION_STATE_WORDS.get(current.state, current.state)
                raise Conflict(_("objection {id} is already {state}").format(
                    id=current.id, state=_(words)),  # i18n: skip (the words are marked in OBJECTION_STATE_WORDS)
                    entity=OBJECTION, key=current.id)
            verdict = UPHELD if uphold else DISMISSED
            tx.conn.execute(update(_o).where(_o.c.id == current.id).values(
                state=verdict, resolution_note=text, resolved_by=tx.actor, resolved_at=tx.now.astimezone(dt.UTC)))
            still_open = self._open_objections(tx.conn, entry.id)
            if uphold and entry.state == OBJECTED:
                transition(tx, MEMBERSHIP_WORKFLOW, _e, entry.id, REFUSED, entity_kind=ENTRY,
                           note=_("objection {id} upheld: {note}").format(id=current.id, note=text))
            elif not still_open and entry.state == OBJECTED:
                transition(tx, MEMBERSHIP_WORKFLOW, _e, entry.id, ON_NOTICE, entity_kind=ENTRY,
                           note=_("objection {id} dismissed: {note}").format(id=current.id, note=text))
            stored = self._objection(tx.conn, current.id)
            tx.record("roster-objection.resolve", OBJECTION, current.id, before=current, after=stored, note=text,
                      data={"entry_id": entry.id, "state": verdict})
            return stored

    def admit(self, entry_id: int, *, on: dt.date | str | None = None, note: str | None = None) -> RosterEntry:
        """Admit an entry whose notice has ended with no open or upheld objection (无异议方可进入).

        Refused, naming the reason, before the notice has ended (it names the end date) and
        while an objection is open (it names the objection). Admitted entries take the
        programme's last tier.
        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        text = _text(note, NOTE_LENGTH, "note")
        with self.community.transaction() as tx:
            entry = self._locked(tx.conn, entry_id)
            self._authorize(tx.conn, "roster.transition", entry.unit_id)
            day = _day(on, "on", tx.now.date())
            if day > tx.now.date():
                raise _bad("on", _("{day} is in the future").format(day=day))
            open_ids = self._open_objections(tx.conn, entry.id)
            if open_ids:
                raise Conflict(_("entry {id} cannot be admitted: objection {objection} is unresolved").format(
                    id=entry.id, objection=listing(str(i) for i in open_ids)), entity=ENTRY, key=entry.id,
                    code="objection-unresolved")
            if entry.state == ON_NOTICE and entry.notice_end is not None and day <= entry.notice_end:
                raise Conflict(_("entry {id} cannot be admitted yet: the notice ends on {end}, admission is possible "
                                 "from {next}").format(id=entry.id, end=entry.notice_end,
                                                      next=entry.notice_end + dt.timedelta(days=1)),
                               entity=ENTRY, key=entry.id, code="notice-running")
            prog = self.program(entry.program)
            transition(tx, MEMBERSHIP_WORKFLOW, _e, entry.id, ADMITTED, entity_kind=ENTRY, note=text)
            tx.conn.execute(update(_e).where(_e.c.id == entry.id).values(
                admitted_on=day, tier=prog.tiers[-1], term_end=term_end(prog, day)))
            return self._get(tx.conn, entry.id)

    def activate(self, entry_id: int, *, note: str | None = None) -> RosterEntry:
        """Put an admitted entry on duty (上岗), or clear a warning.

        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        return self._move(entry_id, ACTIVE, note=note)

    def warn(self, entry_id: int, *, note: str) -> RosterEntry:
        """Warn a serving entry (警示), with the reason.

        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        return self._move(entry_id, WARNED, note=_text(note, NOTE_LENGTH, "note", required=True))

    def exit(self, entry_id: int, *, reason: ExitReason | str, on: dt.date | str | None = None,
             note: str | None = None) -> RosterEntry:
        """Take a serving entry off the roster: ``eliminated``, ``resigned``, ``moved-away`` or ``term-ended``.

        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        try:
            why = reason if isinstance(reason, ExitReason) else parse_exit_reason(str(reason))
        except InvalidValue as exc:
            raise _bad("reason", str(exc)) from None
        text = _text(note, NOTE_LENGTH, "note")
        with self.community.transaction() as tx:
            entry = self._locked(tx.conn, entry_id)
            self._authorize(tx.conn, "roster.transition", entry.unit_id)
            day = _day(on, "on", tx.now.date())
            transition(tx, MEMBERSHIP_WORKFLOW, _e, entry.id, EXITED, entity_kind=ENTRY, note=text or why.value)
            tx.conn.execute(update(_e).where(_e.c.id == entry.id).values(exited_on=day, exit_reason=why.value))
            return self._get(tx.conn, entry.id)

    def move(self, entry_id: int, target: str, *, note: str | None = None) -> RosterEntry:
        """Move an entry to any state the workflow allows, such as one a plugin or pack added.

        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        return self._move(entry_id, target, note=note)

    # Reading ---------------------------------------------------------------------------------

    def get(self, entry_id: int) -> RosterEntry:
        """One entry; :class:`~communitycore.errors.NotFound` when there is none.

        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        with self.community.reading() as conn:
            entry = self._get(conn, entry_id)
            self._authorize(conn, "roster.read", entry.unit_id)
            return entry

    def list(self, *, program: str | None = None, state: str | None = None, unit: UnitRef | None = None,
             limit: int | None = 1000, after: int | None = None) -> builtins.list[RosterEntry]:
        """The entries the actor may read, by id; ``program``, ``state`` and ``unit`` (its subtree) filter.

        At most ``limit`` entries (1,000; ``None``: all). ``after`` is a keyset cursor: only entries
        with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: a limit that is not a whole number from 0 to ``MAX_ID``, or
            an ``after`` that is not an id.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may read rosters nowhere (a listing keeps to the actor's subtrees).
        """
        query = paged(select(_e).order_by(_e.c.id), _e.c.id, limit=limit, after=after)
        with self.community.reading() as conn:
            self._authorize(conn, "roster.read", None)
            query = query.where(self._scope(conn, "roster.read").clause(_e.c.unit_id))
            if program is not None:
                query = query.where(_e.c.program == program)
            if state is not None:
                query = query.where(_e.c.state == state)
            if unit is not None:
                query = query.where(_e.c.unit_id.in_(subtree_ids(conn, resolve(conn, unit).id)))
            return [self._entry(row) for row in conn.execute(query).mappings()]

    def objections(self, entry_id: int) -> builtins.list[Objection]:
        """The objections raised against one entry, oldest first.

        :raises PermissionDenied: the actor may read rosters nowhere (a listing keeps to the actor's subtrees).
        """
        with self.community.reading() as conn:
            entry = self._get(conn, entry_id)
            self._authorize(conn, "roster.read", entry.unit_id)
            rows = conn.execute(select(_o).where(_o.c.entry_id == entry.id).order_by(_o.c.id)).mappings()
            return [self._objection_of(row) for row in rows]

    def history(self, entry_id: int) -> builtins.list[TransitionRecord]:
        """Every move of one entry, oldest first.

        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        with self.community.reading() as conn:
            entry = self._get(conn, entry_id)
            self._authorize(conn, "roster.read", entry.unit_id)
            return workflow_store.history(conn, ENTRY, entry.id, self.community.clock.tz)

    def tier_changes(self, entry_id: int) -> builtins.list[dict[str, Any]]:
        """The tier changes reviews made to one entry, each with its run, result, grade, total and outcome.

        :raises PermissionDenied: the actor may read rosters nowhere (a listing keeps to the actor's subtrees).
        """
        with self.community.reading() as conn:
            entry = self._get(conn, entry_id)
            self._authorize(conn, "roster.read", entry.unit_id)
            rows = conn.execute(select(_t).where(_t.c.entry_id == entry.id).order_by(_t.c.id)).mappings()
            tz = self.community.clock.tz
            return [{**dict(row), "applied_at": aware(row["applied_at"], tz)} for row in rows]

    # Training --------------------------------------------------------------------------------

    def add_training(self, entry_id: int, *, on: dt.date | str, hours: Decimal | int | float | str,
                     topic: str) -> int:
        """Record a training session of a serving entry: a ledger entry of ``steward-training-hours``.

        Returns the ledger entry's id. Meetings of a type that ``counts_as_training`` count too,
        through the ledger's ``training-attended`` of the member (see :meth:`training`).
        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        text = _text(topic, NOTE_LENGTH, "topic", required=True)
        try:
            quantity = parse_quantity(hours)
        except (InvalidValue, ValueError) as exc:
            raise _bad("hours", str(exc)) from None
        if quantity <= 0:
            raise _bad("hours", _("training hours must be positive, got {hours}").format(hours=hours))
        fact = self.community.registry.facts.get(TRAINING_HOURS)
        if fact is not None and (wrong := quantity_problem(fact, quantity)) is not None:  # one session: a day at most
            raise _bad("hours", wrong)
        with self.community.transaction() as tx:
            entry = self._locked(tx.conn, entry_id)
            self._authorize(tx.conn, "roster.record", entry.unit_id)
            if entry.state not in SERVING:
                raise Conflict(_("entry {id} is not serving (state {state!r}); training is recorded for admitted "
                                 "members").format(id=entry.id, state=self._state(entry.state)),
                               entity=ENTRY, key=entry.id)
            day = _day(on, "on", tx.now.date(), past=True)
            rows = self.community.activity._rows(tx.conn, [NewEntry(
                subject_kind="steward", subject_id=entry.id, fact=TRAINING_HOURS, on=day, quantity=quantity,
                unit_id=entry.unit_id, source_kind="manual", note=text)], tx.actor, tx.now)
            values = dict(zip(ledger.ENTRY_COLUMNS, rows[0], strict=True))
            values["quantity"] = ledger.from_hundredths(values["quantity"])
            new_id = ledger.insert_entry(tx.conn, values)
            tx.record("roster-entry.training", ENTRY, entry.id, after={"on": day.isoformat(), "hours": str(quantity),
                                                                         "activity_id": new_id}, note=text)
            return new_id

    def training(self, program: str, period: Period | str) -> builtins.list[Training]:
        """Each serving entry's training over ``period`` against the programme's requirement.

        Hours are the steward's ``steward-training-hours``; sessions are those entries plus the
        member's ``training-attended`` (meetings that count as training), both from the ledger in
        one set-based query each.
        :raises PermissionDenied: the actor may read rosters nowhere (a listing keeps to the actor's subtrees).
        """
        prog = self.program(program)
        span = period if isinstance(period, Period) else Period.parse(str(period))
        with self.community.reading() as conn:
            self._authorize(conn, "roster.read", None)
            query = select(_e).where(_e.c.program == prog.code, _e.c.state.in_(SERVING),
                                     self._scope(conn, "roster.read").clause(_e.c.unit_id)).order_by(_e.c.id)
            entries = [self._entry(row) for row in conn.execute(query).mappings()]
            facts = self.community.registry.facts
            hours: dict[int, Decimal] = {}
            sessions: dict[int, int] = {}
            for v in ledger.fact_values(conn, {TRAINING_HOURS: facts[TRAINING_HOURS].aggregate}, span.start,
                                        span.end, subject_kind="steward"):
                hours[v.subject_id] = v.value
            counted = self._entry_counts(conn, span)
            for entry_key, count in counted.items():
                sessions[entry_key] = count
            attended: dict[int, int] = {}
            if TRAINING_ATTENDED in facts:
                for v in ledger.fact_values(conn, {TRAINING_ATTENDED: facts[TRAINING_ATTENDED].aggregate}, span.start,
                                            span.end, subject_kind="member"):
                    attended[v.subject_id] = int(v.value)
        required_hours = None if prog.training_hours is None else Decimal(str(prog.training_hours))
        out = []
        for entry in entries:
            extra = attended.get(entry.candidate_id, 0) if entry.candidate_kind == "member" else 0
            out.append(Training(entry_id=entry.id, period=str(span), hours=hours.get(entry.id, Decimal(0)),
                                sessions=sessions.get(entry.id, 0) + extra, required_hours=required_hours,
                                required_sessions=prog.training_sessions))
        return out

    # Reviews ---------------------------------------------------------------------------------

    def review(self, program: str, period: Period | str, *, apply: bool = False,
               run_id: int | None = None) -> builtins.list[Proposal]:
        """The tier changes and outcomes the programme's scheme proposes for ``period``; applied with ``apply``.

        The run is ``run_id``, else the latest run of the scheme for the period, else a new run
        (an assessment record; the roster itself changes only with ``apply``). Each proposal
        says the grade, the total and the rule (the band's outcome). ``apply`` applies every
        proposal in one transaction: tiers are updated set-based, warnings and eliminations go
        through the workflow, and each change is kept with the run and the result it came from
        and audited.
        :raises PermissionDenied: the actor may not do this on the roster's unit.
        """
        prog = self.program(program)
        if prog.scoring_scheme is None:
            raise Conflict(_("programme {code!r} has no scoring scheme to review by").format(code=prog.code),
                           entity="roster-program", key=prog.code)
        scheme = self.community.assessments.scheme(prog.scoring_scheme)
        if run_id is None:
            span = period if isinstance(period, Period) else Period.parse(str(period))
            runs = self.community.assessments.runs(scheme=scheme.code, period=str(span), limit=None)
            run = max(runs, key=lambda r: r.id) if runs else self.community.assessments.run(scheme, span)
        else:
            run = self.community.assessments.get(run_id)
            if run.scheme != scheme.code:
                raise _bad("run", _("run {id} is of scheme {scheme!r}, not {code!r}").format(
                    id=run.id, scheme=run.scheme, code=scheme.code))
        results = {r.subject_id: r for r in self.community.assessments.results(run.id)}
        if not apply:
            with self.community.reading() as conn:
                self._authorize(conn, "roster.read", None)
                return self._proposals(conn, prog, scheme.bands, run.id, results)
        with self.community.transaction() as tx:
            self._authorize(tx.conn, "roster.update", None)
            proposals = self._proposals(tx.conn, prog, scheme.bands, run.id, results, lock=True)
            self._apply(tx, proposals, day=tx.now.date())
            return proposals

    # Internals -------------------------------------------------------------------------------

    def _proposals(self, conn: Connection, prog: RosterProgram, bands: Sequence[Any], run_id: int,
                   results: dict[int, Any], *, lock: bool = False) -> builtins.list[Proposal]:
        outcomes = {band.grade: band.outcome for band in bands}
        grades = grade_labels(bands)
        query = select(_e.c.id).where(_e.c.program == prog.code, _e.c.state.in_(SERVING),
                                      self._scope(conn, "roster.read").clause(_e.c.unit_id))
        ids = sorted(int(i) for i in conn.scalars(query))
        if lock:
            lock_rows(conn, _e, ids)  # before the states and tiers are read
        rows: builtins.list[Any] = (list(conn.execute(select(_e).where(_e.c.id.in_(ids)).order_by(_e.c.id)).mappings())
                                    if ids else [])
        proposals = []
        for entry in (self._entry(row) for row in rows):
            if entry.state not in SERVING:
                continue
            result = results.get(entry.id)
            if result is None or result.grade is None:
                continue
            outcome = outcomes.get(result.grade) or Outcome.KEEP
            moved = apply_outcome(prog.tiers, entry.tier or prog.tiers[-1], entry.state, outcome)
            reason = _("grade {grade} with {total} points; the band's outcome: {outcome}").format(
                grade=grades.get(result.grade, result.grade), total=result.total,
                outcome=_(OUTCOME_WORDS[outcome.value]))
            proposals.append(Proposal(
                entry_id=entry.id, name=entry.name, grade=result.grade, total=result.total,
                tier_from=moved.tier_from, tier_to=moved.tier_to, state_from=moved.state_from,
                state_to=moved.state_to, outcome=outcome.value, reason=reason, run_id=run_id,
                result_id=result.id))
        return proposals

    def _apply(self, tx: Any, proposals: Sequence[Proposal], *, day: dt.date) -> None:
        by_move: dict[tuple[str, str], builtins.list[int]] = {}
        for p in proposals:
            if p.tier_to != p.tier_from:
                by_move.setdefault((p.tier_from, p.tier_to), []).append(p.entry_id)
        for (_from, to), ids in sorted(by_move.items()):
            tx.conn.execute(update(_e).where(_e.c.id.in_(ids)).values(tier=to))
        for p in proposals:
            if p.state_to == p.state_from:
                continue
            note = _("review run {run}: {reason}").format(run=p.run_id, reason=p.reason)
            transition(tx, MEMBERSHIP_WORKFLOW, _e, p.entry_id, p.state_to, entity_kind=ENTRY, note=note)
            if p.state_to == EXITED:
                tx.conn.execute(update(_e).where(_e.c.id == p.entry_id).values(
                    exited_on=day, exit_reason=ExitReason.ELIMINATED.value))
        if proposals:
            tx.conn.execute(insert(_t), [{
                "entry_id": p.entry_id, "run_id": p.run_id, "result_id": p.result_id, "grade": p.grade,
                "total": p.total, "outcome": p.outcome, "tier_from": p.tier_from, "tier_to": p.tier_to,
                "state_from": p.state_from, "state_to": p.state_to, "applied_by": tx.actor,
                "applied_at": tx.now.astimezone(dt.UTC)} for p in proposals])
        for p in proposals:
            tx.record("roster-entry.review", ENTRY, p.entry_id,
                      before={"tier": p.tier_from, "state": p.state_from},
                      after={"tier": p.tier_to, "state": p.state_to}, note=p.reason,
                      data={"run_id": p.run_id, "result_id": p.result_id, "grade": p.grade,
                            "outcome": p.outcome})

    @staticmethod
    def _entry_counts(conn: Connection, span: Period) -> dict[int, int]:
        # The sessions: the number of training entries, whatever their hours.
        return {v.subject_id: int(v.value) for v in ledger.fact_values(
            conn, {TRAINING_HOURS: Aggregate.COUNT}, span.start, span.end, subject_kind="steward")}

    def _move(self, entry_id: int, target: str, *, note: str | None) -> RosterEntry:
        text = _text(note, NOTE_LENGTH, "note")
        with self.community.transaction() as tx:
            entry = self._locked(tx.conn, entry_id)
            self._authorize(tx.conn, "roster.transition", entry.unit_id)
            transition(tx, MEMBERSHIP_WORKFLOW, _e, entry.id, target, entity_kind=ENTRY, note=text)
            return self._get(tx.conn, entry.id)

    def _candidate(self, conn: Connection, kind: str, candidate: int) -> tuple[str, int | None]:
        row: Any
        if kind == "member":
            m = member_tables.members
            row = conn.execute(select(m.c.name, m.c.unit_id).where(m.c.id == candidate)).first()
        elif kind == "resident":
            # In share mode: a resident's removal, which locks the resident first, waits for this entry.
            locked = lock_rows(conn, resident_tables.residents, [candidate], shared=True)
            row = (locked[candidate].name, None) if candidate in locked else None
        else:
            p = org_tables.partners
            row = conn.execute(select(p.c.name, p.c.unit_id).where(p.c.id == candidate)).first()
        if row is None:
            raise _no_candidate("partner" if kind == "partner-staff" else kind, candidate)
        return str(row[0]), None if row[1] is None else int(row[1])

    def _check_candidate(self, conn: Connection, prog: RosterProgram, kind: str, candidate: int,
                         day: dt.date) -> None:
        # The person's entries on the programme, locked: two applications of one person run one after the other.
        ids = list(conn.scalars(select(_e.c.id).where(_e.c.program == prog.code, _e.c.candidate_kind == kind,
                                                      _e.c.candidate_id == candidate)))
        rows = [self._entry(r) for r in conn.execute(select(_e).where(_e.c.id.in_(ids))).mappings()] if ids else []
        lock_rows(conn, _e, ids)
        for entry in rows:
            if entry.state in PENDING or entry.state in SERVING:
                raise Conflict(_("this person already has entry {id} on {code!r} (state {state!r})").format(
                    id=entry.id, code=prog.code, state=self._state(entry.state)), entity=ENTRY, key=entry.id)
            if entry.state == EXITED and entry.exit_reason == ExitReason.ELIMINATED.value and entry.exited_on:
                again = readmission_from(prog, entry.exited_on)
                if again is None or day < again:
                    when = _("never") if again is None else again.isoformat()
                    raise Conflict(_("entry {id} was eliminated on {on}; programme {code!r} re-admits from {when}")
                                   .format(id=entry.id, on=entry.exited_on, code=prog.code, when=when),
                                   entity=ENTRY, key=entry.id, code="readmission-wait")

    def _qualification(self, conn: Connection, prog: RosterProgram, entry: RosterEntry,
                       day: dt.date) -> builtins.list[str]:
        failed: builtins.list[str] = []
        if prog.member_categories:
            category = None
            if entry.candidate_kind == "member":
                m = member_tables.members
                category = conn.scalar(select(m.c.category).where(m.c.id == entry.candidate_id))
            if category not in prog.member_categories:
                failed.append(_("member category must be {categories}").format(
                    categories=listing(prog.member_categories)))
        if prog.veto_facts and entry.candidate_kind in ("member", "resident"):
            facts = self.community.registry.facts
            known = {f: facts[f].aggregate for f in prog.veto_facts if f in facts}
            start = day - dt.timedelta(days=prog.veto_days)
            hits = sorted({v.fact for v in ledger.fact_values(conn, known, start, day,
                                                                 subject_kind=entry.candidate_kind)
                           if v.subject_id == entry.candidate_id and v.value})
            if hits:
                failed.append(_("veto fact(s) {facts} within {days} days").format(facts=listing(hits),
                                                                                  days=prog.veto_days))
        if prog.candidate_check is not None:
            answers = self.community.pm.hook.communitycore_check_roster_candidate(
                check=prog.candidate_check, program=prog, kind=entry.candidate_kind,
                candidate_ids=[entry.candidate_id])
            refused = {int(i) for answer in answers for i in (answer or ())}
            if entry.candidate_id in refused:
                failed.append(_("the check {check!r}").format(check=prog.candidate_check))
        return failed

    def _open_objections(self, conn: Connection, entry_id: int) -> builtins.list[int]:
        return [int(i) for i in conn.scalars(select(_o.c.id).where(_o.c.entry_id == entry_id, _o.c.state == OPEN)
                                             .order_by(_o.c.id))]

    def _state(self, state: str) -> str:
        """An entry's state in words (公示中), as its workflow names it; the code where it names none."""
        found = self.community.registry.labels().get(MEMBERSHIP_WORKFLOW, {}).get(state)
        return state if found is None else localized(found.label, found.label_en)

    def _locked(self, conn: Connection, entry_id: Any) -> RosterEntry:
        number = self._id(entry_id, "entry")
        try:
            lock_row(conn, _e, number)
        except NotFound:
            raise NotFound(_("there is no roster entry with id {id}").format(id=entry_id), entity=ENTRY,
                           key=entry_id) from None
        return self._get(conn, number)

    @staticmethod
    def _id(value: Any, what: str) -> int:
        message = (_("there is no roster objection with id {id}") if what == "objection"
                   else _("there is no roster entry with id {id}"))
        return known_id(value, lambda: NotFound(message.format(id=value), entity=what if what == "objection"
                                                else ENTRY, key=str(value)))

    def _entry(self, row: Any) -> RosterEntry:
        data = dict(row)
        data["created_at"] = aware(data["created_at"], self.community.clock.tz)
        if data["qualified"] is not None:
            data["qualified"] = bool(data["qualified"])
        return RosterEntry(**data)

    def _get(self, conn: Connection, entry_id: Any) -> RosterEntry:
        number = self._id(entry_id, "entry")
        row = conn.execute(select(_e).where(_e.c.id == number)).mappings().first()
        if row is None:
            raise NotFound(_("there is no roster entry with id {id}").format(id=entry_id), entity=ENTRY,
                           key=entry_id)
        return self._entry(row)

    def _objection_of(self, row: Any) -> Objection:
        data = dict(row)
        data["resolved_at"] = aware(data["resolved_at"], self.community.clock.tz)
        return Objection(**data)

    def _objection(self, conn: Connection, objection_id: Any) -> Objection:
        number = self._id(objection_id, "objection")
        row = conn.execute(select(_o).where(_o.c.id == number)).mappings().first()
        if row is None:
            raise NotFound(_("there is no roster objection with id {id}").format(id=objection_id),
                           entity=OBJECTION, key=objection_id)
        return self._objection_of(row)


__all__ = ["ENTRY", "OBJECTION", "TRAINING_ATTENDED", "TRAINING_HOURS", "RostersAPI"]
