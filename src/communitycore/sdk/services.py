"""``community.services``: programmes, resident requests as a workflow, 接诉即办 metrics, the three lists, hours.

A request is created in ``collected`` with its deadlines fixed from the settings at its unit
(``request-deadline-hours.<urgency>``, ``request-response-minutes.<urgency>``), and moves through
the ``resident-request`` workflow with :func:`communitycore.sdk.workflows.transition`: the row is
locked before its state is read, the move checked (an illegal one names the allowed ones), the
step kept in the shared history with actor, time and note, and audited. Each move also keeps the
facts the metrics count on the request (first acceptance, latest resolution, latest evaluation),
so :meth:`ServicesAPI.metrics` is one ``GROUP BY``. Volunteer hours, evaluations and handled
requests go to the activity ledger, with the request or project as their source.
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import (
    BigInteger,
    Connection,
    String,
    and_,
    case,
    cast,
    false,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    update,
)

from communitycore import capabilities, serialize
from communitycore.domain.activity import ActivityEntry, NewEntry, parse_quantity
from communitycore.domain.fields import clean_text
from communitycore.domain.identity import mask_id_number
from communitycore.domain.members import parse_date, parse_past_date
from communitycore.domain.periods import Period
from communitycore.domain.rosters import MEMBERSHIP_WORKFLOW, SERVING
from communitycore.domain.services import (
    CANCELLED,
    DEFAULT_RESPONSE_MINUTES,
    DEFAULT_WEIGHTS,
    HANDLED_FACTS,
    NAME_LENGTH,
    NOTE_LENGTH,
    PROJECT_WORKFLOW,
    REQUEST_TEXT_LENGTH,
    REQUEST_WORKFLOW,
    Assignee,
    AssigneeKind,
    Counts,
    Demand,
    Evaluation,
    Metrics,
    Milestone,
    Project,
    Resource,
    Satisfaction,
    ServiceRequest,
    VolunteerStars,
    median_seconds,
    metrics_from,
    parse_at,
    parse_channel,
    parse_urgency,
    star_level,
)
from communitycore.domain.settings import DEFAULT_DEADLINE_HOURS, DEFAULT_STAR_HOURS, defaults_of
from communitycore.domain.settings import resolve as resolve_settings
from communitycore.domain.workflows import TransitionRecord
from communitycore.errors import Conflict, InvalidValue, NotFound, PermissionDenied, Problem, RejectedInput
from communitycore.i18n import N_, _, get_language, listing, localized
from communitycore.io.certificate import write_certificate
from communitycore.io.table_files import write_table
from communitycore.labels import label
from communitycore.plugins.decisions import resolve_request_assignee
from communitycore.records import ServiceCategory, ServiceProgram, UnitSnapshot
from communitycore.sdk import access
from communitycore.sdk.base import SubAPI, check_page, known_id, paged
from communitycore.sdk.workflows import enter, transition
from communitycore.store import activity as ledger
from communitycore.store import workflows as workflow_store
from communitycore.store.locks import lock_row, lock_rows
from communitycore.store.sql import aware, unindexed
from communitycore.store.tables import activity as activity_tables
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.tables import residents as resident_tables
from communitycore.store.tables import rosters as roster_tables
from communitycore.store.tables import services as tables
from communitycore.store.units import UnitRef, chain, get_unit, resolve, subtree_ids, subtree_query

#: What :meth:`Services.metrics` groups requests by (``by=``).
_GROUPINGS = ("category", "program", "unit", "compound")


def _check_grouping(by: str) -> None:
    if by not in _GROUPINGS:
        raise InvalidValue(_("by must be one of {choices}, got {value!r}").format(
            choices=listing(_GROUPINGS), value=by))


def _headers(columns: Sequence[str], **own: tuple[str, str]) -> list[str]:
    """The header row of a services file in the run's language: the services' own field labels
    (a ``category`` is 服务类别 here), then ``own``'s, then the shared ones."""
    labels = {**dict(capabilities.load("communitycore.capabilities.services:CAPABILITY").labels), **own}
    return [label(c, get_language(), labels) for c in columns]


_r = tables.service_requests
_e = tables.service_evaluations
_p = tables.service_projects
_d = tables.service_demands
_dr = tables.demand_requests
_res = tables.service_resources
_m = tables.project_milestones
_a = activity_tables.activity

#: What the history and the audit call a request and a project.
REQUEST = "service-request"
PROJECT = "service-project"
#: The ledger facts services write.
HOURS_FACTS = {"member": "volunteer-hours", "resident": "resident-volunteer-hours"}
#: The most hours one person's day holds, all entries of the day together.
#: Units in a subtree past which the unit filter stays a filter on the time-range index.
SMALL_SUBTREE = 50


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)



def _bad(field: str, message: str) -> RejectedInput:
    return RejectedInput([Problem(None, field, message)], source=_("service"))


def _medians_in_aggregate(engine: str) -> list[Any]:
    """The columns that give the two medians in the counting query itself, where the engine can.

    PostgreSQL: ``percentile_cont(0.5)``, the mean of the two middle values as
    :func:`~communitycore.domain.services.median_seconds` takes it. SQLite has no percentile: the
    durations come back in the same pass as one string each (the driver's tuples of a million
    rows cost more than the scan), sorted here. MariaDB: none (see :meth:`ServicesAPI.metrics`).
    """
    columns = (_r.c.response_seconds, _r.c.resolution_seconds)
    if engine == "postgresql":
        return [func.percentile_cont(literal_column("0.5")).within_group(column) for column in columns]
    if engine == "sqlite":
        return [func.aggregate_strings(cast(column, String), ",") for column in columns]
    return []


def _median_of(joined: str | None) -> float | None:
    """The median of durations joined with commas (SQLite's ``group_concat``, which leaves NULLs out)."""
    return None if not joined else median_seconds(map(int, joined.split(",")))


class ServicesAPI(SubAPI):
    """Services (服务): programmes, resident requests, 接诉即办 metrics, the three lists, volunteer hours."""

    # Programmes --------------------------------------------------------------------------------

    def categories(self) -> list[ServiceCategory]:
        """The service categories every plugin and pack registered, by code.

        :raises PermissionDenied: the actor may read services nowhere.
        """
        with self.community.reading() as conn:
            self._scope(conn, "service.read")  # the registry is everyone's who reads services somewhere
        return list(self.community.registry.service_categories.values())

    def programs(self) -> list[ServiceProgram]:
        """The service programmes (红飘带, 爱心超市 …) every plugin and pack registered, by code.

        :raises PermissionDenied: the actor may read services nowhere.
        """
        with self.community.reading() as conn:
            self._scope(conn, "service.read")  # the registry is everyone's who reads services somewhere
        return list(self.community.registry.service_programs.values())

    # Requests ----------------------------------------------------------------------------------

    def add_request(self, unit: UnitRef, *, category: str, text: str, channel: str,
                    urgency: str | None = None, program: str | None = None, resident: int | None = None,
                    at: dt.datetime | str | None = None, note: str | None = None) -> ServiceRequest:
        """Collect a request (问题收集) at ``unit``; it starts in ``collected`` with its deadlines fixed.

        ``urgency`` defaults to the programme's, else ``general``. ``at`` records a past time (a paper
        record). Every bad field is named in one :class:`~communitycore.errors.RejectedInput`.

        :raises RejectedInput: a field is bad (an unknown category or programme, a channel or unit the programme does
            not take, a time in the future, no such resident or one the programme does not serve); ``problems`` names
            each.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not add service requests on that unit.
        """
        tz = self.community.clock.tz
        problems: list[Problem] = []
        registry = self.community.registry

        def field(name: str, parse: Any) -> Any:
            try:
                return parse()
            except (InvalidValue, ValueError) as exc:
                problems.append(Problem(None, name, str(exc)))
                return None

        if category not in registry.service_categories:
            problems.append(Problem(None, "category", _("unknown service category {code!r}; known: {known}").format(
                code=category, known=listing(registry.service_categories))))
        prog = None
        if program is not None:
            prog = registry.service_programs.get(program)
            if prog is None:
                problems.append(Problem(None, "program", _("unknown service programme {code!r}; known: {known}")
                                        .format(code=program, known=listing(registry.service_programs))))
        body = field("text", lambda: clean_text(text, REQUEST_TEXT_LENGTH, required=True))
        chan = field("channel", lambda: parse_channel(channel))
        default = prog.default_urgency.value if prog is not None and prog.default_urgency is not None else "general"
        level = field("urgency", lambda: parse_urgency(urgency if urgency is not None else default))
        when = None if at is None else field("at", lambda: parse_at(at, tz))
        text_note = field("note", lambda: clean_text(note, NOTE_LENGTH))
        if prog is not None and chan is not None and prog.channels and chan.value not in prog.channels:
            problems.append(Problem(None, "channel", _("programme {code!r} takes requests by {channels}, not {channel}")
                                    .format(code=prog.code, channels=listing(prog.channels), channel=chan.value)))
        with self.community.transaction() as tx:
            target = resolve(tx.conn, unit)
            self._authorize(tx.conn, "service.add", target.id)
            created = when or tx.now
            if when is not None and when > tx.now:
                problems.append(Problem(None, "at", _("{value} is in the future").format(value=when.isoformat())))
            if resident is not None:
                self._check_resident(tx.conn, resident, prog, problems)
            if prog is not None and prog.owner_kinds and target.kind not in prog.owner_kinds:
                problems.append(Problem(None, "unit", _("programme {code!r} is run by {kinds}, not by a {kind}").format(
                    code=prog.code, kinds=listing(prog.owner_kinds), kind=target.kind)))
            if problems:
                raise RejectedInput(problems, source=_("service request"))
            assert level is not None and chan is not None and body is not None
            settings = self._settings(tx.conn, target.id)
            hours = settings.get(f"request-deadline-hours.{level.value}", DEFAULT_DEADLINE_HOURS[level.value])
            minutes = settings.get(f"request-response-minutes.{level.value}", DEFAULT_RESPONSE_MINUTES[level.value])
            values = {
                "unit_id": target.id, "category": category, "program": program, "resident_id": resident,
                "urgency": level.value, "channel": chan.value, "text": body, "created_at": _utc(created),
                "created_by": tx.actor, "response_due": _utc(created + dt.timedelta(minutes=int(minutes))),
                "resolution_due": _utc(created + dt.timedelta(hours=int(hours))), "evaluations": 0,
            }
            request_id = int(tx.conn.execute(insert(_r).values(**values)).inserted_primary_key[0])  # type: ignore[index]
            enter(tx, REQUEST_WORKFLOW, _r, request_id, entity_kind=REQUEST, note=text_note, at=when)
            stored = self._get(tx.conn, request_id)
            tx.record("service-request.add", REQUEST, request_id, after=stored, note=text_note,
                      data={"unit_id": target.id, "category": category, "urgency": level.value,
                            "channel": chan.value, "program": program})
            return stored

    def accept(self, request_id: int, *, note: str | None = None,
               at: dt.datetime | str | None = None) -> ServiceRequest:
        """Accept a request (受理); the first acceptance is its response time.

        :raises RejectedInput: the note is too long, or ``at`` is not a time, is in the future or is before the request
            was created.
        :raises NotFound: there is no such request.
        :raises ~communitycore.domain.workflows.IllegalTransition: the request's state does not allow an acceptance; the
            message names the states it may go to.
        :raises PermissionDenied: the actor may not move service requests on the request's unit.
        """
        return self._move(request_id, "accepted", note=note, at=at)

    def assign(self, request_id: int, *, to: Assignee | str | None = None, note: str | None = None,
               at: dt.datetime | str | None = None) -> ServiceRequest:
        """Assign a request (派单) to ``member:ID``, ``steward:ID``, ``partner:ID`` or ``unit:ID``.

        Without ``to``, ``communitycore_resolve_request_assignee`` routes it; the host's rule is the
        unit linked to the resident's compound, else the request's own unit. Reassigning (改派) an
        assigned request is allowed.

        :raises RejectedInput: ``to`` is not ``KIND:ID``, the note is too long, or ``at`` is not a time, is in the
            future or is before the request was created.
        :raises NotFound: there is no such request, or no such member, partner or unit to assign it to.
        :raises ~communitycore.domain.workflows.IllegalTransition: the request's state does not allow an assignment; the
            message names the states it may go to.
        :raises PermissionDenied: the actor may not move service requests on the request's unit.
        """
        target = None
        if to is not None:
            try:
                target = Assignee.parse(to)
            except InvalidValue as exc:
                raise _bad("to", str(exc)) from None
        return self._move(request_id, "assigned", note=note, at=at, assignee=target, route=target is None)

    def start(self, request_id: int, *, note: str | None = None, at: dt.datetime | str | None = None) -> ServiceRequest:
        """Start work on an assigned request (办理).

        :raises RejectedInput: the note is too long, or ``at`` is not a time, is in the future or is before the request
            was created.
        :raises NotFound: there is no such request.
        :raises ~communitycore.domain.workflows.IllegalTransition: the request's state does not allow starting work; the
            message names the states it may go to.
        :raises PermissionDenied: the actor may not move service requests on the request's unit.
        """
        return self._move(request_id, "in-progress", note=note, at=at)

    def resolve(self, request_id: int, *, note: str | None = None,
                at: dt.datetime | str | None = None) -> ServiceRequest:
        """Resolve a request (办结); the latest resolution is its resolution time.

        :raises RejectedInput: the note is too long, or ``at`` is not a time, is in the future or is before the request
            was created.
        :raises NotFound: there is no such request.
        :raises ~communitycore.domain.workflows.IllegalTransition: the request's state does not allow a resolution; the
            message names the states it may go to.
        :raises PermissionDenied: the actor may not move service requests on the request's unit.
        """
        return self._move(request_id, "resolved", note=note, at=at)

    def close(self, request_id: int, *, note: str | None = None, at: dt.datetime | str | None = None) -> ServiceRequest:
        """Close a resolved request without an evaluation.

        :raises RejectedInput: the note is too long, or ``at`` is not a time, is in the future or is before the request
            was created.
        :raises NotFound: there is no such request.
        :raises ~communitycore.domain.workflows.IllegalTransition: the request's state does not allow closing it; the
            message names the states it may go to.
        :raises PermissionDenied: the actor may not move service requests on the request's unit.
        """
        return self._move(request_id, "closed", note=note, at=at)

    def cancel(self, request_id: int, *, note: str | None = None,
               at: dt.datetime | str | None = None) -> ServiceRequest:
        """Cancel a request that is not resolved yet (it no longer counts as received).

        :raises RejectedInput: the note is too long, or ``at`` is not a time, is in the future or is before the request
            was created.
        :raises NotFound: there is no such request.
        :raises ~communitycore.domain.workflows.IllegalTransition: the request's state does not allow a cancellation (it
            is resolved already); the message names the states it may go to.
        :raises PermissionDenied: the actor may not move service requests on the request's unit.
        """
        return self._move(request_id, CANCELLED, note=note, at=at)

    def move(self, request_id: int, target: str, *, note: str | None = None,
             at: dt.datetime | str | None = None) -> ServiceRequest:
        """Move a request to any state the workflow allows, such as one a plugin or pack added.

        :raises RejectedInput: the note is too long, or ``at`` is not a time, is in the future or is before the request
            was created.
        :raises NotFound: there is no such request.
        :raises ~communitycore.domain.workflows.IllegalTransition: the request's state does not allow the move to
            ``target``; the message names the states it may go to.
        :raises PermissionDenied: the actor may not move service requests on the request's unit.
        """
        return self._move(request_id, target, note=note, at=at)

    def evaluate(self, request_id: int, *, solved: bool, satisfaction: str | Satisfaction,
                 comment: str | None = None, at: dt.datetime | str | None = None) -> ServiceRequest:
        """Record the resident's evaluation of a resolved request (群众评议).

        Solved and 满意 or 基本满意 closes it (through ``evaluated``); not solved, or 不满意, reopens it
        (back to ``accepted``), and its next resolution is evaluated again. A request that is not
        resolved is refused, naming the states it may go to.

        :raises RejectedInput: ``satisfaction`` is not a level of satisfaction, ``solved`` is not a bool, the comment is
            too long, or ``at`` is not a time, is in the future or is before the request was created.
        :raises NotFound: there is no such request.
        :raises ~communitycore.domain.workflows.IllegalTransition: the request is not resolved; the message names the
            states it may go to.
        :raises PermissionDenied: the actor may not move service requests on the request's unit.
        """
        try:
            verdict = Satisfaction.parse(satisfaction)
        except InvalidValue as exc:
            raise _bad("satisfaction", str(exc)) from None
        if not isinstance(solved, bool):
            raise _bad("solved", _("solved must be yes or no"))
        try:
            text = clean_text(comment, NOTE_LENGTH)
        except InvalidValue as exc:
            raise _bad("comment", str(exc)) from None
        when = self._at(at)
        with self.community.transaction() as tx:
            request, moment = self._step(tx, request_id, when)
            transition(tx, REQUEST_WORKFLOW, _r, request.id, "evaluated", entity_kind=REQUEST, note=text, at=when)
            tx.conn.execute(insert(_e).values(request_id=request.id, evaluated_at=_utc(moment), solved=solved,
                                              satisfaction=verdict.value, comment=text, actor=tx.actor))
            tx.conn.execute(update(_r).where(_r.c.id == request.id).values(
                evaluations=_r.c.evaluations + 1, solved=solved, satisfaction=verdict.value, points=verdict.points))
            positive = solved and verdict is not Satisfaction.DISSATISFIED
            transition(tx, REQUEST_WORKFLOW, _r, request.id, "closed" if positive else "accepted",
                       entity_kind=REQUEST, note=text, at=when)
            entries = []
            facts = HANDLED_FACTS.get(str(request.assignee_kind))
            if facts is not None and request.assignee_id is not None:
                # Whoever handled it, member, steward, partner or unit, has the evaluation in the ledger.
                handled, satisfaction = facts
                on = moment.date()
                kind = str(request.assignee_kind)
                entries.append(NewEntry(subject_kind=kind, subject_id=request.assignee_id, fact=satisfaction,
                                        on=on, quantity=verdict.score, source_kind="request",
                                        source_id=str(request.id)))
                if positive:
                    entries.append(NewEntry(subject_kind=kind, subject_id=request.assignee_id, fact=handled, on=on,
                                            quantity=1, source_kind="request", source_id=str(request.id)))
            self._ledger(tx, entries)
            stored = self._get(tx.conn, request.id)
            tx.record("service-request.evaluate", REQUEST, request.id, after={
                "solved": solved, "satisfaction": verdict.value, "state": stored.state}, note=text,
                data={"solved": solved, "satisfaction": verdict.value, "reopened": not positive,
                      "assignee": request.assignee})
            return stored

    def get(self, request_id: int) -> ServiceRequest:
        """One request.

        :raises NotFound: there is no such request.
        :raises PermissionDenied: the actor may not read services on the request's unit.
        """
        with self.community.reading() as conn:
            request = self._get(conn, request_id)
            self._authorize(conn, "service.read", request.unit_id)
            self._own_only(conn, "service.read", request)
            return request

    def history(self, request_id: int) -> list[TransitionRecord]:
        """Every step of a request, oldest first, with actor, time and note.

        :raises NotFound: there is no such request.
        :raises PermissionDenied: the actor may not read services on the request's unit.
        """
        with self.community.reading() as conn:
            request = self._get(conn, request_id)
            self._authorize(conn, "service.read", request.unit_id)
            self._own_only(conn, "service.read", request)
            return workflow_store.history(conn, REQUEST, request.id, self.community.clock.tz)

    def evaluations(self, request_id: int) -> list[Evaluation]:
        """The evaluations of a request, oldest first.

        :raises NotFound: there is no such request.
        :raises PermissionDenied: the actor may not read services on the request's unit.
        """
        tz = self.community.clock.tz
        with self.community.reading() as conn:
            request = self._get(conn, request_id)
            self._authorize(conn, "service.read", request.unit_id)
            self._own_only(conn, "service.read", request)
            rows = conn.execute(select(_e).where(_e.c.request_id == request.id).order_by(_e.c.id)).mappings()
            return [Evaluation(**{**row, "evaluated_at": aware(row["evaluated_at"], tz)}) for row in rows]

    def list(self, *, state: str | None = None, unit: UnitRef | None = None, limit: int | None = 100,
             offset: int = 0, after: int | None = None) -> builtins.list[ServiceRequest]:
        """Requests by id, optionally in one state and one unit's subtree.

        At most ``limit`` requests (100; ``None``: all), past the first ``offset``. ``after`` is a
        keyset cursor: only requests with a greater id, so the next page is ``after=`` the last id
        of this one, and costs the same however deep it is.

        :raises InvalidValue: a limit or offset that is not a whole number from 0 to ``MAX_ID``, or an ``after``
            that is not an id.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may read services nowhere, or not on ``unit`` (a listing keeps
            to the actor's subtrees).
        """
        query = paged(select(_r).order_by(_r.c.id), _r.c.id, limit=limit, after=after, offset=offset)
        if state is not None:
            query = query.where(_r.c.state == state)
        with self.community.reading() as conn:
            query = self._assigned(conn, query.where(self._scope(conn, "service.read").clause(_r.c.unit_id)))
            if unit is not None:
                query = query.where(_r.c.unit_id.in_(subtree_query(conn, self._readable(conn, unit))))
            return [self._request(row) for row in conn.execute(query).mappings()]

    def overdue(self, *, unit: UnitRef | None = None, limit: int | None = None,
                offset: int = 0) -> builtins.list[ServiceRequest]:
        """Open requests past their resolution deadline (not resolved, closed or cancelled), oldest deadline first.

        At most ``limit`` requests (default ``None``: all), past the first ``offset``: the next page
        is ``offset=`` this one's offset plus ``limit``.

        :raises InvalidValue: a limit or offset that is not a whole number from 0 to ``MAX_ID``.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may read services nowhere, or not on ``unit`` (a listing keeps
            to the actor's subtrees).
        """
        done = ("resolved", "evaluated", "closed", CANCELLED)
        ordered = paged(select(_r).order_by(_r.c.resolution_due, _r.c.id), _r.c.id, limit=limit, offset=offset)
        with self.community.reading() as conn:
            now = _utc(self.community.clock.now())
            query = self._assigned(conn, ordered.where(
                _r.c.state.not_in(done), _r.c.resolution_due < now,
                self._scope(conn, "service.read").clause(_r.c.unit_id)))
            if unit is not None:
                query = query.where(_r.c.unit_id.in_(subtree_query(conn, self._readable(conn, unit))))
            return [self._request(row) for row in conn.execute(query).mappings()]

    def flag_overdue(self) -> builtins.list[int]:
        """Announce each request that has become overdue since the last call (one event each); returns their ids.

        :raises PermissionDenied: the actor may not update services on the whole database.
        """
        done = ("resolved", "evaluated", "closed", CANCELLED)
        with self.community.transaction() as tx:
            self._authorize(tx.conn, "service.update", None)
            now = _utc(tx.now)
            ids = list(tx.conn.scalars(select(_r.c.id).where(
                _r.c.state.not_in(done), _r.c.resolution_due < now, _r.c.overdue_flagged_at.is_(None))
                .order_by(_r.c.id)))
            for request_id in ids:
                lock_row(tx.conn, _r, request_id)
            if ids:
                tx.conn.execute(update(_r).where(_r.c.id.in_(ids), _r.c.overdue_flagged_at.is_(None))
                                .values(overdue_flagged_at=now))
            for request_id in ids:
                tx.record("service-request.overdue", REQUEST, request_id, after={"overdue": True},
                          data={"request_id": request_id})
            return ids

    # Metrics -----------------------------------------------------------------------------------

    def metrics(self, period: Period | str, *, unit: UnitRef | None = None,
                by: str | None = None) -> builtins.list[Metrics]:
        """The 接诉即办 metrics of the requests created in ``period`` at ``unit``'s subtree (all units: None).

        One ``GROUP BY`` counts and, where the engine can, takes the medians in the same pass (see
        :func:`_medians_in_aggregate`; MariaDB in a second query). Without ``by``, one
        :class:`~communitycore.domain.services.Metrics`; with ``by`` (``category``, ``program``,
        ``unit`` or ``compound``: the compound of the resident's household), one per group, by
        group; requests of no compound (or programme) form the group ``None``, which comes last.
        :raises InvalidValue: ``period`` is not a period, or ``by`` is none of ``category``, ``program``, ``unit``
            and ``compound``.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read services on ``unit`` (on the whole database when it is None).
        """
        span = period if isinstance(period, Period) else Period.parse(str(period))
        households = resident_tables.households
        groups = {"category": _r.c.category, "program": _r.c.program, "unit": _r.c.unit_id,
                  "compound": households.c.compound_id}
        if by is not None:
            _check_grouping(by)
        tz = self.community.clock.tz
        start = dt.datetime.combine(span.start, dt.time(), tz).astimezone(dt.UTC)
        end = dt.datetime.combine(span.end + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
        with self.community.reading() as conn:
            root = None if unit is None else resolve(conn, unit).id
            self._authorize(conn, "service.read", root)
            now = _utc(self.community.clock.now())
            where = [_r.c.created_at >= start, _r.c.created_at < end, _r.c.state != CANCELLED,
                     self._scope(conn, "service.read").clause(_r.c.unit_id)]
            if root is not None:
                ids = subtree_ids(conn, root)
                column = _r.c.unit_id if len(ids) <= SMALL_SUBTREE else unindexed(_r.c.unit_id)
                where.append(column.in_(ids))
            key = groups[by] if by is not None else None
            # Plain sums of the small integers the workflow steps keep (NULLs are left out), read
            # from the covering metrics index; only the overdue count of unresolved requests
            # compares a time.
            counts = [
                func.count(),
                func.coalesce(func.sum(_r.c.responded), 0),
                func.count(_r.c.points),
                func.sum(case((_r.c.solved.is_(True), 1), else_=0)),
                func.sum(case((_r.c.points == 10, 1), else_=0)),
                func.sum(case((_r.c.points == 9, 1), else_=0)),
                func.coalesce(func.sum(_r.c.resolved_late), 0)
                + func.sum(case((and_(_r.c.resolution_seconds.is_(None), _r.c.resolution_due < now), 1), else_=0)),
            ]
            source: Any = _r
            if by == "compound":
                # A request's compound is its resident's household's: two outer joins, so requests of
                # no resident, or of a resident with no household, still count (group None).
                residents = resident_tables.residents
                source = _r.outerjoin(residents, _r.c.resident_id == residents.c.id).outerjoin(
                    households, residents.c.household_id == households.c.id)
            engine = conn.dialect.name
            keys = [key] if key is not None else []
            query = select(*keys, *counts, *_medians_in_aggregate(engine)).select_from(source).where(*where)
            if key is not None:
                query = query.group_by(key).order_by(key)
            with ledger.no_cycle_collection():
                result = conn.execute(query)
                # The driver's own tuples: no Row object per group.
                rows = list(result.cursor.fetchall())
                result.close()
            medians: dict[Any, tuple[float | None, float | None]] = {}
            if engine == "postgresql":
                medians = {row[0] if key is not None else None: (row[-2], row[-1]) for row in rows}
            elif engine == "sqlite":
                medians = {row[0] if key is not None else None: (_median_of(row[-2]), _median_of(row[-1]))
                           for row in rows}
            else:
                # MariaDB has the percentile as a window function only: one more query, the same filter.
                found = conn.execute(select(*keys, *(
                    func.percentile_cont(literal_column("0.5")).within_group(column).over(partition_by=key)
                    for column in (_r.c.response_seconds, _r.c.resolution_seconds))).select_from(source)
                    .where(*where).distinct())
                medians = {row[0] if key is not None else None: (row[-2], row[-1]) for row in found}
            weights = self._settings(conn, root).get("service-metric-weights", DEFAULT_WEIGHTS) if root else \
                DEFAULT_WEIGHTS
        offset = 1 if key is not None else 0
        width = len(counts)
        out = []
        for row in rows:
            group = row[0] if key is not None else None
            numbers = [int(v or 0) for v in row[offset:offset + width]]
            found_counts = Counts(received=numbers[0], responded=numbers[1], evaluated=numbers[2], solved=numbers[3],
                                  satisfied=numbers[4], basic=numbers[5], overdue=numbers[6])
            response, resolution = medians.get(group, (None, None))
            out.append(metrics_from(found_counts, None if response is None else float(response),
                                    None if resolution is None else float(resolution), weights=weights,
                                    group=None if group is None else str(group)))
        out.sort(key=lambda m: m.group is None)  # engines sort NULL first or last: last everywhere
        return out

    # Volunteer hours ---------------------------------------------------------------------------

    def record_hours(self, *, member: int | None = None, resident: int | None = None, on: dt.date | str,
                     hours: Decimal | int | float | str, activity: str, project: int | None = None,
                     request: int | None = None) -> ActivityEntry:
        """Record one person's hours for one activity (谁组织谁记录) in the ledger, as ``volunteer-hours``.

        Exactly one of ``member`` and ``resident``; the entry's source is the project or the
        request it served (at most one), else ``manual``.

        :raises RejectedInput: a field is bad (not exactly one of member and resident, both a project and a request, a
            bad date, hours outside 0 to 24 a day, no activity), or the ledger refuses the entry; ``problems`` names
            each.
        :raises NotFound: there is no such project or request.
        :raises PermissionDenied: the actor may not record volunteer hours on the project's or request's unit (on the
            whole database for hours of neither).
        """
        problems: list[Problem] = []
        if (member is None) == (resident is None):
            problems.append(Problem(None, "member", _("name exactly one of member and resident")))
        if project is not None and request is not None:
            problems.append(Problem(None, "project", _("name at most one of project and request")))
        day = hours_value = text = None
        try:
            day = parse_past_date(on, self.community.clock.today())
        except (InvalidValue, ValueError) as exc:
            problems.append(Problem(None, "date", str(exc)))
        try:
            hours_value = parse_quantity(hours)
            if hours_value <= 0 or hours_value > 24:
                problems.append(Problem(None, "hours", _("hours must be more than 0 and at most 24 a day")))
        except (InvalidValue, ValueError) as exc:
            problems.append(Problem(None, "hours", str(exc)))
        try:
            text = clean_text(activity, NOTE_LENGTH, required=True)
        except InvalidValue as exc:
            problems.append(Problem(None, "activity", str(exc)))
        kind = "member" if member is not None else "resident"
        subject = 0
        if (member is None) != (resident is None):
            try:
                subject = self._id(member if member is not None else resident, kind)
            except NotFound as exc:  # no such person, as the ledger says of one it does not find
                problems.append(Problem(None, kind, str(exc)))
        if problems:
            raise RejectedInput(problems, source=_("volunteer hours"))
        with self.community.transaction() as tx:
            unit_id = None
            source_kind, source_id = "manual", None
            if project is not None:
                unit_id = self._project(tx.conn, project).unit_id
                source_kind, source_id = "project", str(project)
            elif request is not None:
                unit_id = self._get(tx.conn, request).unit_id
                source_kind, source_id = "request", str(request)
            self._authorize(tx.conn, "service.record", unit_id)
            assert day is not None and hours_value is not None
            entry = NewEntry(subject_kind=kind, subject_id=subject, fact=HOURS_FACTS[kind], on=day,
                             quantity=hours_value, unit_id=unit_id, source_kind=source_kind, source_id=source_id,
                             note=text)
            try:
                entry_id = self._ledger(tx, [entry])[0]
            except RejectedInput as exc:  # the ledger's word (the person's day holds 24 hours), in this call's fields
                fields = {"quantity": "hours", "subject_id": kind}
                raise RejectedInput([attrs.evolve(p, row=None, field=fields.get(p.field, p.field))
                                     for p in exc.problems], source=_("volunteer hours")) from None
            stored = self.community.activity._get(tx.conn, entry_id)
            tx.record("service.hours", "activity", entry_id, after=stored,
                      data={"subject_kind": kind, "subject_id": subject, "hours": str(hours_value),
                            "source_kind": source_kind, "source_id": source_id})
            return stored

    def stars(self, *, unit: UnitRef | None = None, limit: int | None = None,
              offset: int = 0) -> builtins.list[VolunteerStars]:
        """Every volunteer's cumulative hours and stars, most hours first (then by subject kind and id):
        one ``GROUP BY`` over the ledger.

        The thresholds are the setting ``volunteer-star-hours`` at ``unit`` (default 100/300/600/1000/1500).
        At most ``limit`` volunteers (default ``None``: all), past the first ``offset``: the next
        page is ``offset=`` this one's offset plus ``limit``.

        :raises InvalidValue: a limit or offset that is not a whole number from 0 to ``MAX_ID``.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read services on ``unit`` (on the whole database when it is None).
        """
        check_page(limit, offset)
        with self.community.reading() as conn:
            root = None if unit is None else resolve(conn, unit).id
            self._authorize(conn, "service.read", root)
            summed = func.sum(type_coerce(_a.c.quantity, BigInteger))
            query = (select(_a.c.subject_kind, _a.c.subject_id, summed)
                     .where(_a.c.fact.in_(sorted(HOURS_FACTS.values())))
                     .group_by(_a.c.subject_kind, _a.c.subject_id))
            if limit is not None or offset:
                # The page is cut in SQL, in the order the list is sorted in below.
                query = paged(query.order_by(summed.desc(), _a.c.subject_kind, _a.c.subject_id), _a.c.subject_id,
                              limit=limit, offset=offset)
            thresholds: Sequence[int] = DEFAULT_STAR_HOURS
            if root is not None:
                query = query.where(_a.c.unit_id.in_(subtree_ids(conn, root)))
                thresholds = self._settings(conn, root).get("volunteer-star-hours", DEFAULT_STAR_HOURS)
            rows = conn.execute(query).all()
        out = [VolunteerStars(subject_kind=kind, subject_id=int(ident), hours=ledger.from_hundredths(int(total)),
                              stars=star_level(ledger.from_hundredths(int(total)), thresholds))
               for kind, ident, total in rows]
        return sorted(out, key=lambda s: (-s.hours, s.subject_kind, s.subject_id))

    def certificate(self, person: str, year: int) -> dict[str, Any]:
        """The contents of a volunteer-service certificate (2015 意见) for ``member:ID`` or ``resident:ID``.

        Identity (the ID number masked), the hours of ``year`` only with their content, the issuer
        (the person's unit) and handler, and a certificate number. Returns a mapping ready for
        :func:`~communitycore.io.certificate.write_certificate`.
        :raises InvalidValue: ``person`` is neither ``member:ID`` nor ``resident:ID``.
        :raises NotFound: there is no such member or resident.
        :raises PermissionDenied: the actor may not read services on the person's unit.
        """
        kind, _sep, ident = str(person).partition(":")
        if kind not in HOURS_FACTS or not ident:
            raise InvalidValue(_("person must be member:ID or resident:ID, got {value!r}").format(value=person))
        number = self._id(ident, kind)
        start, end = dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
        with self.community.reading() as conn:
            if kind == "member":
                m = member_tables.members
                row = conn.execute(select(m.c.name, m.c.id_number, m.c.unit_id).where(m.c.id == number)).first()
            else:
                r, h, c = resident_tables.residents, resident_tables.households, org_tables.compounds
                row = conn.execute(select(r.c.name, null(), c.c.unit_id)
                                   .select_from(r.outerjoin(h, r.c.household_id == h.c.id)
                                                .outerjoin(c, h.c.compound_id == c.c.id))
                                   .where(r.c.id == number)).first()
            if row is None:
                raise _missing(kind, ident)
            self._authorize(conn, "service.read", row[2])
            entries = conn.execute(
                select(_a.c.occurred_on, _a.c.note, type_coerce(_a.c.quantity, BigInteger))
                .where(_a.c.fact == HOURS_FACTS[kind], _a.c.subject_kind == kind, _a.c.subject_id == number,
                       _a.c.occurred_on >= start, _a.c.occurred_on <= end).order_by(_a.c.occurred_on, _a.c.id)).all()
            issuer = get_unit(conn, row[2]).name if row[2] is not None else ""
        total = sum((ledger.from_hundredths(int(q)) for _d, _n, q in entries), Decimal(0))
        return {"number": f"{year}-{kind[0].upper()}{number:08d}", "issued_on": self.community.clock.now().date(),
                "name": row[0], "id_number": mask_id_number(row[1]) if kind == "member" else None,
                "volunteer": f"{kind}:{number}", "total": total, "issuer": issuer, "handler": self.community.actor,
                "entries": [(d, n, ledger.from_hundredths(int(q))) for d, n, q in entries]}

    def employer_feedback(self, period: Period | str) -> builtins.list[dict[str, Any]]:
        """双报到 feedback: per employer, each in-service member's hours, requests handled and projects over ``period``.

        One ``GROUP BY`` over the ledger joined to the members; by employer, then member id.

        :raises InvalidValue: ``period`` is not a period.
        :raises PermissionDenied: the actor may not read services on the whole database.
        """
        span = period if isinstance(period, Period) else Period.parse(str(period))
        m = member_tables.members
        facts = ("volunteer-hours", "requests-handled")
        with self.community.reading() as conn:
            self._authorize(conn, "service.read", None)
            quantity = type_coerce(_a.c.quantity, BigInteger)
            query = (select(m.c.employer, m.c.id, m.c.name,
                            func.sum(case((_a.c.fact == "volunteer-hours", quantity), else_=0)),
                            func.sum(case((_a.c.fact == "requests-handled", quantity), else_=0)),
                            func.count(func.distinct(case((_a.c.source_kind == "project", _a.c.source_id)))))
                     .select_from(m.join(_a, and_(_a.c.subject_kind == "member", _a.c.subject_id == m.c.id)))
                     .where(m.c.in_service.is_(True), m.c.employer.is_not(None), _a.c.fact.in_(facts),
                            _a.c.occurred_on >= span.start, _a.c.occurred_on <= span.end,
                            self._scope(conn, "service.read").clause(m.c.unit_id))
                     .group_by(m.c.employer, m.c.id, m.c.name).order_by(m.c.employer, m.c.id))
            rows = conn.execute(query).all()
        return [{"employer": employer, "member_id": int(ident), "name": name,
                 "hours": ledger.from_hundredths(int(hours or 0)), "requests_handled": int((handled or 0) // 100),
                 "projects": int(projects or 0)} for employer, ident, name, hours, handled, projects in rows]

    def write_certificate(self, person: str, year: int, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Write the certificate of :meth:`certificate` as one printable HTML page; returns its contents.

        :raises InvalidValue: ``person`` is neither ``member:ID`` nor ``resident:ID``, or the file is not ``.html``.
        :raises NotFound: there is no such member or resident.
        :raises PermissionDenied: the actor may not read services on the person's unit.
        """
        data = self.certificate(person, year)
        write_certificate(path, data)
        return data

    def write_employer_feedback(self, period: Period | str, path: str | os.PathLike[str]) -> builtins.list[
            dict[str, Any]]:
        """Write :meth:`employer_feedback` to a ``.csv`` or ``.xlsx`` file; returns its rows.

        :raises InvalidValue: ``period`` is not a period, or the file is neither ``.csv`` nor ``.xlsx``.
        :raises PermissionDenied: the actor may not read services on the whole database.
        """
        rows = self.employer_feedback(period)
        columns = ("employer", "member_id", "name", "hours", "requests_handled", "projects")
        write_table(path, _headers(columns, name=("姓名", "Name"), projects=("服务项目数", "Projects served")),
                    [[float(r[c]) if c == "hours" else r[c] for c in columns] for r in rows],
                    sheet=_("Employer feedback"))
        return rows

    def write_metrics(self, found: Sequence[Metrics], path: str | os.PathLike[str], *, by: str | None = None) -> None:
        """Write metrics (one row per group) to a ``.csv`` or ``.xlsx`` file, headed in the run's language.

        With ``by`` (the grouping ``found`` was made with), each group's code or id is followed by
        what it is in words (:meth:`group_labels`).

        :raises InvalidValue: the file is neither ``.csv`` nor ``.xlsx``, or ``by`` is no grouping.
        """
        columns: tuple[str, ...] = ("received", "evaluated", "response_rate", "resolution_rate", "satisfaction_rate",
                                    "composite", "median_response_hours", "median_resolution_hours", "overdue")
        rows = [[getattr(m, c) for c in columns] for m in found]
        if by is not None:
            named = self.group_labels(by, [m.group for m in found])
            columns = ("group", "group_label", *columns)
            rows = [[m.group, named.get(m.group), *row] for m, row in zip(found, rows, strict=True)]
        write_table(path, _headers(columns), rows, sheet=_("Service metrics"))

    def group_labels(self, by: str, groups: Iterable[str | None]) -> dict[str | None, str | None]:
        """What each group of :meth:`metrics` ``by=`` is, in words, in the run's language: a
        category's or programme's label, a unit's full path, a compound's name. A code or id no
        longer known stays as it is; the group ``None`` has no entry.

        :raises InvalidValue: ``by`` is none of ``category``, ``program``, ``unit`` and ``compound``.
        """
        _check_grouping(by)
        wanted = [g for g in dict.fromkeys(groups) if g is not None]
        if by in ("category", "program"):
            view = serialize.view_of(self.community, lang=get_language())
            family = "service_categories" if by == "category" else "service_programs"
            return {code: view.label_of(family, code) for code in wanted}
        ids = {int(g) for g in wanted}
        org = self.community.org
        named = org.paths_of(ids) if by == "unit" else org.compound_names(ids)
        return {g: named.get(int(g), g) for g in wanted}

    # The three lists ---------------------------------------------------------------------------

    def add_resource(self, unit: UnitRef, *, name: str, partner: int | None = None, category: str | None = None,
                     description: str | None = None) -> Resource:
        """Add to the resource list (资源清单) what a partner or the unit offers.

        :raises RejectedInput: the name is empty or too long, the description too long, or the category unknown;
            ``problems`` names each.
        :raises NotFound: there is no such unit or partner.
        :raises PermissionDenied: the actor may not add services on that unit.
        """
        fields = self._list_fields(name, category, description)
        with self.community.transaction() as tx:
            target = resolve(tx.conn, unit)
            self._authorize(tx.conn, "service.add", target.id)
            if partner is not None:
                self._partner(tx.conn, partner)
            new_id = int(tx.conn.execute(insert(_res).values(
                unit_id=target.id, partner_id=partner, created_at=_utc(tx.now), **fields)).inserted_primary_key[0])  # type: ignore[index]
            stored = self._resource(tx.conn, new_id)
            tx.record("service-resource.add", "service-resource", new_id, after=stored)
            return stored

    def resources(self, *, unit: UnitRef | None = None, limit: int | None = None,
                  after: int | None = None) -> builtins.list[Resource]:
        """The resource list, by id.

        At most ``limit`` resources (default ``None``: all). ``after`` is a keyset cursor: only
        resources with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: a limit that is not a whole number from 0 to ``MAX_ID``, or
            an ``after`` that is not an id.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may read services nowhere, or not on ``unit``.
        """
        return [Resource(**self._row(row)) for row in self._listing(_res, unit, limit, after)]

    def add_demand(self, unit: UnitRef, *, name: str, category: str | None = None, description: str | None = None,
                   from_requests: Sequence[int] = ()) -> Demand:
        """Add to the demand list (需求清单), raised from ``from_requests`` if given.

        :raises RejectedInput: the name is empty or too long, the description too long, or the category unknown;
            ``problems`` names each.
        :raises NotFound: there is no such unit or request.
        :raises PermissionDenied: the actor may not add services on that unit.
        """
        fields = self._list_fields(name, category, description)
        with self.community.transaction() as tx:
            target = resolve(tx.conn, unit)
            self._authorize(tx.conn, "service.add", target.id)
            for request_id in sorted(set(from_requests)):
                self._get(tx.conn, request_id)
            new_id = int(tx.conn.execute(insert(_d).values(
                unit_id=target.id, created_at=_utc(tx.now), **fields)).inserted_primary_key[0])  # type: ignore[index]
            if from_requests:
                links = [{"demand_id": new_id, "request_id": r} for r in sorted(set(from_requests))]
                tx.conn.execute(insert(_dr), links)
            stored = self._demand(tx.conn, new_id)
            tx.record("service-demand.add", "service-demand", new_id, after=stored)
            return stored

    def demands(self, *, unit: UnitRef | None = None, limit: int | None = None,
                after: int | None = None) -> builtins.list[Demand]:
        """The demand list, by id, each with the requests it was raised from.

        At most ``limit`` demands (default ``None``: all). ``after`` is a keyset cursor: only
        demands with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: a limit that is not a whole number from 0 to ``MAX_ID``, or
            an ``after`` that is not an id.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may read services nowhere, or not on ``unit``.
        """
        rows = self._listing(_d, unit, limit, after)
        links: dict[int, list[int]] = {}
        if rows:
            with self.community.reading() as conn:
                query = select(_dr.c.demand_id, _dr.c.request_id).order_by(_dr.c.request_id)
                if limit is not None or after is not None:  # the page's links only
                    query = query.where(_dr.c.demand_id.in_([row["id"] for row in rows]))
                for demand_id, request_id in conn.execute(query):
                    links.setdefault(int(demand_id), []).append(int(request_id))
        return [Demand(**self._row(row), request_ids=tuple(links.get(row["id"], ()))) for row in rows]

    def add_project(self, unit: UnitRef, *, name: str, demand: int | None = None, category: str | None = None,
                    description: str | None = None) -> Project:
        """Add to the project list (项目清单), from ``demand`` if given; it waits to be claimed (``open``).

        :raises RejectedInput: the name is empty or too long, the description too long, or the category unknown;
            ``problems`` names each.
        :raises NotFound: there is no such unit or demand.
        :raises PermissionDenied: the actor may not add services on that unit.
        """
        fields = self._list_fields(name, category, description)
        with self.community.transaction() as tx:
            target = resolve(tx.conn, unit)
            self._authorize(tx.conn, "service.add", target.id)
            if demand is not None:
                self._demand(tx.conn, demand)
            new_id = int(tx.conn.execute(insert(_p).values(
                unit_id=target.id, demand_id=demand, created_at=_utc(tx.now), **fields)).inserted_primary_key[0])  # type: ignore[index]
            enter(tx, PROJECT_WORKFLOW, _p, new_id, entity_kind=PROJECT)
            stored = self._project(tx.conn, new_id)
            tx.record("service-project.add", PROJECT, new_id, after=stored)
            return stored

    def projects(self, *, unit: UnitRef | None = None, limit: int | None = None,
                 after: int | None = None) -> builtins.list[Project]:
        """The project list, by id.

        At most ``limit`` projects (default ``None``: all). ``after`` is a keyset cursor: only
        projects with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: a limit that is not a whole number from 0 to ``MAX_ID``, or
            an ``after`` that is not an id.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may read services nowhere, or not on ``unit``.
        """
        return [Project(**self._row(row)) for row in self._listing(_p, unit, limit, after)]

    def project(self, project_id: int) -> Project:
        """One project.

        :raises NotFound: there is no such project.
        :raises PermissionDenied: the actor may not read services on the project's unit.
        """
        with self.community.reading() as conn:
            found = self._project(conn, project_id)
            self._authorize(conn, "service.read", found.unit_id)
            return found

    def claim_project(self, project_id: int, *, partner: int, note: str | None = None) -> Project:
        """A partner claims an open project (认领); one claim wins, a second is refused naming the allowed moves.

        :raises NotFound: there is no such project or partner.
        :raises ~communitycore.domain.workflows.IllegalTransition: the project is not open (it was claimed already); the
            message names the states it may go to.
        :raises PermissionDenied: the actor may not move service projects on the project's unit.
        """
        with self.community.transaction() as tx:
            found = self._project(tx.conn, project_id)
            self._authorize(tx.conn, "service.transition", found.unit_id)
            self._partner(tx.conn, partner)
            transition(tx, PROJECT_WORKFLOW, _p, found.id, "claimed", entity_kind=PROJECT, note=note)
            tx.conn.execute(update(_p).where(_p.c.id == found.id).values(partner_id=partner, claimed_at=_utc(tx.now)))
            tx.record("service-project.claim", PROJECT, found.id, after={"partner_id": partner},
                      data={"partner_id": partner, "unit_id": found.unit_id})
            return self._project(tx.conn, found.id)

    def add_milestone(self, project_id: int, *, on: dt.date | str, note: str) -> Milestone:
        """Record a milestone a claimed project reached.

        :raises RejectedInput: the date is bad or the note empty or too long.
        :raises NotFound: there is no such project.
        :raises InvalidValue: the project is not claimed.
        :raises PermissionDenied: the actor may not update services on the project's unit.
        """
        try:
            day = parse_date(on)
            text = clean_text(note, NOTE_LENGTH, required=True)
        except (InvalidValue, ValueError) as exc:
            raise _bad("milestone", str(exc)) from None
        with self.community.transaction() as tx:
            lock_row(tx.conn, _p, self._id(project_id, "project"), missing=lambda: _missing("project", project_id))
            found = self._project(tx.conn, project_id)
            self._authorize(tx.conn, "service.update", found.unit_id)
            if found.state != "claimed":
                raise InvalidValue(_("project {id} is {state}; milestones are recorded while it is {claimed}").format(
                    id=found.id, state=self._state_name(PROJECT_WORKFLOW, found.state),
                    claimed=self._state_name(PROJECT_WORKFLOW, "claimed")))
            new_id = int(tx.conn.execute(insert(_m).values(project_id=found.id, reached_on=day, note=text,
                                                           actor=tx.actor)).inserted_primary_key[0])  # type: ignore[index]
            tx.record("service-project.milestone", PROJECT, found.id, after={"reached_on": day, "note": text})
            return Milestone(id=new_id, project_id=found.id, reached_on=day, note=text or "", actor=tx.actor)

    def milestones(self, project_id: int) -> builtins.list[Milestone]:
        """A project's milestones, in order.

        :raises NotFound: there is no such project.
        :raises PermissionDenied: the actor may not read services on the project's unit.
        """
        with self.community.reading() as conn:
            found = self._project(conn, project_id)
            self._authorize(conn, "service.read", found.unit_id)
            rows = conn.execute(select(_m).where(_m.c.project_id == found.id).order_by(_m.c.reached_on, _m.c.id))
            return [Milestone(**row) for row in rows.mappings()]

    def deliver_project(self, project_id: int, *, note: str | None = None) -> Project:
        """Mark a claimed project delivered; the partner's ``projects-delivered`` fact counts it.

        :raises NotFound: there is no such project.
        :raises ~communitycore.domain.workflows.IllegalTransition: the project is not claimed; the message names the
            states it may go to.
        :raises PermissionDenied: the actor may not move service projects on the project's unit.
        """
        with self.community.transaction() as tx:
            found = self._project(tx.conn, project_id)
            self._authorize(tx.conn, "service.transition", found.unit_id)
            transition(tx, PROJECT_WORKFLOW, _p, found.id, "delivered", entity_kind=PROJECT, note=note)
            tx.conn.execute(update(_p).where(_p.c.id == found.id).values(delivered_at=_utc(tx.now)))
            if found.partner_id is not None:
                self._ledger(tx, [NewEntry(subject_kind="partner", subject_id=found.partner_id,
                                           fact="projects-delivered", on=tx.today, quantity=1,
                                           source_kind="project", source_id=str(found.id))])
            return self._project(tx.conn, found.id)

    def evaluate_project(self, project_id: int, *, satisfaction: str | Satisfaction,
                         note: str | None = None) -> Project:
        """The residents' evaluation of a delivered project.

        :raises RejectedInput: ``satisfaction`` is not a level of satisfaction.
        :raises NotFound: there is no such project.
        :raises ~communitycore.domain.workflows.IllegalTransition: the project is not delivered; the message names the
            states it may go to.
        :raises PermissionDenied: the actor may not move service projects on the project's unit.
        """
        try:
            verdict = Satisfaction.parse(satisfaction)
        except InvalidValue as exc:
            raise _bad("satisfaction", str(exc)) from None
        with self.community.transaction() as tx:
            found = self._project(tx.conn, project_id)
            self._authorize(tx.conn, "service.transition", found.unit_id)
            transition(tx, PROJECT_WORKFLOW, _p, found.id, "evaluated", entity_kind=PROJECT, note=note)
            tx.conn.execute(update(_p).where(_p.c.id == found.id).values(satisfaction=verdict.value))
            return self._project(tx.conn, found.id)

    def trace(self, kind: str, entity_id: int) -> dict[str, Any]:
        """Follow a request, demand or project along request → demand → project → volunteer hours →
        points, and back.

        Returns ``{"requests", "demands", "projects", "entries", "points"}``: the ids of the linked
        requests, demands and projects, the ledger entries given to them (volunteer hours, and the
        evaluations of whoever handled a request), and the points those entries earned in
        assessment runs: for each run of a subject's kind whose period holds an entry's day, the
        lines of the subject's latest result that score the entry's fact.

        :raises InvalidValue: ``kind`` is none of ``request``, ``demand`` and ``project``.
        :raises NotFound: there is no such request, demand or project.
        :raises PermissionDenied: the actor may not read services on the whole database.
        """
        if kind not in ("request", "demand", "project"):
            raise InvalidValue(_("trace follows a request, a demand or a project, not {kind!r}").format(kind=kind))
        with self.community.reading() as conn:
            self._authorize(conn, "service.read", None)
            requests: set[int] = set()
            demands: set[int] = set()
            projects: set[int] = set()
            if kind == "request":
                requests.add(self._get(conn, entity_id).id)
                demands.update(conn.scalars(select(_dr.c.demand_id).where(_dr.c.request_id == int(entity_id))))
            elif kind == "demand":
                demands.add(self._demand(conn, entity_id).id)
            else:
                found = self._project(conn, entity_id)
                projects.add(found.id)
                if found.demand_id is not None:
                    demands.add(found.demand_id)
            if demands:
                requests.update(conn.scalars(select(_dr.c.request_id).where(_dr.c.demand_id.in_(sorted(demands)))))
                projects.update(conn.scalars(select(_p.c.id).where(_p.c.demand_id.in_(sorted(demands)))))
            sources = [and_(_a.c.source_kind == "request", _a.c.source_id.in_([str(i) for i in sorted(requests)])),
                       and_(_a.c.source_kind == "project", _a.c.source_id.in_([str(i) for i in sorted(projects)]))]
            query = select(_a).where(or_(*sources)).order_by(_a.c.id)
            tz = self.community.clock.tz
            entries = [ledger.entry_from_row(row, tz) for row in conn.execute(query).mappings()]
        return {"requests": sorted(requests), "demands": sorted(demands), "projects": sorted(projects),
                "entries": entries, "points": self._points(entries)}

    def _points(self, entries: Sequence[ActivityEntry]) -> builtins.list[dict[str, Any]]:
        """The lines of assessment results that score the facts of ``entries`` for their subjects over
        a period holding one of their days (latest revisions), one per run, subject and item."""
        if not entries:
            return []
        runs = self.community.assessments.runs(limit=None)
        out: builtins.list[dict[str, Any]] = []
        seen: set[tuple[int, int, str]] = set()
        for run in sorted(runs, key=lambda r: r.id):
            span = Period.parse(run.period)
            mine = [e for e in entries
                    if e.subject_kind == run.subject_kind and span.start <= e.occurred_on <= span.end]
            for subject_id in sorted({e.subject_id for e in mine}):
                facts = {e.fact for e in mine if e.subject_id == subject_id}
                try:
                    result = self.community.assessments.explain(run.id, subject_id)
                except NotFound:  # the subject was not in that run's subtree or cohort
                    continue
                for line in result.lines:
                    if line.get("fact") in facts and (run.id, subject_id, line["item"]) not in seen:
                        seen.add((run.id, subject_id, line["item"]))
                        out.append({"run_id": run.id, "scheme": run.scheme, "period": run.period,
                                    "revision": result.revision, "subject_kind": run.subject_kind,
                                    "subject_id": subject_id, "item": line["item"], "fact": line["fact"],
                                    "quantity": line["quantity"], "points": line["points"]})
        return out

    # Helpers -----------------------------------------------------------------------------------

    def _move(self, request_id: int, target: str, *, note: str | None, at: dt.datetime | str | None,
              assignee: Assignee | None = None, route: bool = False) -> ServiceRequest:
        try:
            text = clean_text(note, NOTE_LENGTH)
        except InvalidValue as exc:
            raise _bad("note", str(exc)) from None
        when = self._at(at)
        with self.community.transaction() as tx:
            request, moment = self._step(tx, request_id, when)
            if target == "assigned":
                if route:
                    assignee = self._route(tx.conn, request)
                assert assignee is not None
                self._check_assignee(tx.conn, assignee)
            done = transition(tx, REQUEST_WORKFLOW, _r, request.id, target, entity_kind=REQUEST, note=text, at=when)
            changes: dict[str, Any] = {}
            seconds = max(0, int((moment - request.created_at).total_seconds()))
            if target == "accepted" and request.accepted_at is None:
                changes.update(accepted_at=_utc(moment), response_seconds=seconds,
                               responded=int(moment <= request.response_due))
            if target == "resolved":
                changes.update(resolved_at=_utc(moment), resolution_seconds=seconds,
                               resolved_late=int(moment > request.resolution_due))
            if assignee is not None and target == "assigned":
                changes.update(assignee_kind=assignee.kind.value, assignee_id=assignee.id)
            if changes:
                tx.conn.execute(update(_r).where(_r.c.id == request.id).values(**changes))
            if target == "assigned":
                tx.record("service-request.assign", REQUEST, request.id,
                          before={"assignee": request.assignee}, after={"assignee": str(assignee)}, note=text,
                          data={"assignee": str(assignee), "unit_id": request.unit_id, "source": done.source})
            return self._get(tx.conn, request.id)

    def _route(self, conn: Connection, request: ServiceRequest) -> Assignee:
        """The unit a request goes to: a plugin's answer, else the resident's compound's unit, else its own."""
        default = request.unit_id
        if request.resident_id is not None:
            r, h, c = resident_tables.residents, resident_tables.households, org_tables.compounds
            found = conn.scalar(select(c.c.unit_id).select_from(r.join(h, r.c.household_id == h.c.id)
                                                                .join(c, h.c.compound_id == c.c.id))
                                .where(r.c.id == request.resident_id))
            if found is not None:
                default = int(found)
        units = chain(conn, get_unit(conn, request.unit_id))
        paths: list[str] = []
        for u in units:
            paths.append(f"{paths[-1]}/{u.name}" if paths else u.name)
        snapshots = [UnitSnapshot(id=u.id, name=u.name, kind=u.kind, parent_id=u.parent_id, path=p)
                     for u, p in zip(units, paths, strict=True)]
        facts = {"id": request.id, "category": request.category, "program": request.program,
                 "urgency": request.urgency, "channel": request.channel, "resident_id": request.resident_id,
                 "unit_id": default, "request_unit_id": request.unit_id}
        decided = resolve_request_assignee(self.community, facts, snapshots)
        return Assignee(AssigneeKind.UNIT, int(decided.unit_id if decided.unit_id is not None else default))

    def _check_assignee(self, conn: Connection, assignee: Assignee) -> None:
        table = {AssigneeKind.MEMBER: member_tables.members, AssigneeKind.PARTNER: org_tables.partners,
                 AssigneeKind.UNIT: org_tables.units}.get(assignee.kind)
        if table is not None and conn.scalar(select(table.c.id).where(table.c.id == assignee.id)) is None:
            raise NotFound(_("there is no {kind} with id {id} to assign the request to").format(
                kind=assignee.kind.label(get_language()), id=assignee.id))
        if assignee.kind is AssigneeKind.STEWARD:
            # A steward is a roster entry: only one serving on its roster takes requests.
            e = roster_tables.roster_entries
            found = conn.scalar(select(e.c.state).where(e.c.id == assignee.id))
            if found is None:
                raise NotFound(_("there is no roster entry with id {id} to assign the request to").format(
                    id=assignee.id))
            if found not in SERVING:
                raise Conflict(_("roster entry {id} is {state}, not serving; only serving stewards take requests")
                               .format(id=assignee.id, state=self._state_name(MEMBERSHIP_WORKFLOW, str(found))))

    def _check_resident(self, conn: Connection, resident: int, program: ServiceProgram | None,
                        problems: builtins.list[Problem]) -> None:
        r = resident_tables.residents
        try:
            resident = self._id(resident, "resident")
        except NotFound as exc:
            problems.append(Problem(None, "resident", str(exc)))
            return
        # In share mode: a removal, which locks the resident before counting what names it, waits for this request.
        if not lock_rows(conn, r, [resident], shared=True):
            problems.append(Problem(None, "resident", _("there is no resident with id {id}").format(id=resident)))
            return
        if program is None:
            return
        if program.eligible_flags:
            f = resident_tables.resident_flags
            flags = set(conn.scalars(select(f.c.flag).where(f.c.resident_id == resident)))
            if not flags & set(program.eligible_flags):
                problems.append(Problem(None, "resident", _(
                    "resident {id} is not eligible for programme {code!r}: it serves residents flagged {flags}").format(
                    id=resident, code=program.code, flags=listing(program.eligible_flags))))
                return
        if program.eligibility_check is not None:
            answers = self.community.pm.hook.communitycore_check_service_eligibility(
                check=program.eligibility_check, program=program, resident_ids=[int(resident)])
            refused = {int(i) for answer in answers for i in (answer or ())}
            if int(resident) in refused:
                problems.append(Problem(None, "resident", _(
                    "resident {id} is not eligible for programme {code!r} ({check})").format(
                    id=resident, code=program.code, check=program.eligibility_check)))

    def _ledger(self, tx: Any, entries: Sequence[NewEntry]) -> builtins.list[int]:
        """Write ledger entries in this transaction, checked as the ledger checks them; returns their ids."""
        if not entries:
            return []
        # The ledger's own checks and stored form, inside this transaction (one executemany would
        # not give the ids back, and these batches are small).
        rows = self.community.activity._rows(tx.conn, entries, tx.actor, tx.now)
        ids = []
        for row in rows:
            values = dict(zip(ledger.ENTRY_COLUMNS, row, strict=True))
            values["quantity"] = ledger.from_hundredths(values["quantity"])
            ids.append(ledger.insert_entry(tx.conn, values))
        return ids

    def _settings(self, conn: Connection, unit_id: int | None) -> dict[str, Any]:
        """The effective settings at a unit, read on this connection (inside the caller's transaction)."""
        defaults = defaults_of(self.community.setting_specs, self.community.registry)
        if unit_id is None:
            return {key: value for key, (value, _source) in defaults.items()}
        units = chain(conn, get_unit(conn, unit_id))
        s = org_tables.unit_settings
        own: dict[int, dict[str, Any]] = {}
        for row in conn.execute(select(s).where(s.c.unit_id.in_([u.id for u in units]))):
            own.setdefault(row.unit_id, {})[row.key] = row.value
        found = resolve_settings([(u.id, u.name, own.get(u.id, {})) for u in units], defaults)
        return {key: effective.value for key, effective in found.items()}

    def _at(self, at: dt.datetime | str | None) -> dt.datetime | None:
        if at is None:
            return None
        try:
            return parse_at(at, self.community.clock.tz)
        except InvalidValue as exc:
            raise _bad("at", str(exc)) from None

    @staticmethod
    def _moment(now: dt.datetime, when: dt.datetime | None, request: ServiceRequest) -> dt.datetime:
        if when is None:
            return now
        if when > now:
            raise _bad("at", _("{value} is in the future").format(value=when.isoformat()))
        if when < request.created_at:
            raise _bad("at", _("{value} is before the request was created ({created})").format(
                value=when.isoformat(), created=request.created_at.isoformat()))
        return when

    def _state_name(self, workflow: str, code: str) -> str:
        """A state as messages name it: its label in the reader's language, with its code."""
        try:
            found = self.community.registry.workflow(workflow).state(code)
        except (NotFound, InvalidValue):  # a state no provider defines any more: its code alone
            return repr(code)
        return _("'{label}' ({code})").format(label=localized(found.label, found.label_en), code=found.code)

    def _step(self, tx: Any, request_id: int, at: dt.datetime | None) -> tuple[ServiceRequest, dt.datetime]:
        """The first moves of every request step: lock the row before anything about the request is
        read, check the actor may move it, and the moment the step stands for (``at``, checked, or now)."""
        request = self._locked(tx.conn, request_id)
        self._authorize(tx.conn, "service.transition", request.unit_id)
        self._own_only(tx.conn, "service.transition", request)
        return request, self._moment(tx.now, at, request)

    def _own_only(self, conn: Connection, action: str, request: ServiceRequest) -> None:
        """Refuse a request not assigned to the actor when their role reaches only their own (a steward)."""
        own = access.own_subjects(self.community, conn, action)
        if own is not None and str(request.assignee) not in own:
            raise PermissionDenied(self.community.actor, action, request.unit_id, unit_id=request.unit_id,
                                   reason=_("request {id} is not assigned to them").format(id=request.id))

    def _assigned(self, conn: Connection, query: Any) -> Any:
        """A listing of requests kept to those assigned to the actor when their role reaches only their own."""
        own = access.own_subjects(self.community, conn, "service.read")
        if own is None:
            return query
        pairs = [(kind, int(number)) for kind, _sep, number in (s.partition(":") for s in sorted(own))]
        if not pairs:
            return query.where(false())
        return query.where(or_(*(and_(_r.c.assignee_kind == k, _r.c.assignee_id == i) for k, i in pairs)))

    def _locked(self, conn: Connection, request_id: int) -> ServiceRequest:
        number = self._id(request_id, "request")
        try:
            lock_row(conn, _r, number)
        except NotFound:
            raise NotFound(_("there is no service request with id {id}").format(id=request_id)) from None
        return self._get(conn, number)

    @staticmethod
    def _id(value: Any, what: str) -> int:
        return known_id(value, lambda: _missing(what, value))

    def _request(self, row: Any) -> ServiceRequest:
        tz = self.community.clock.tz
        data = dict(row)
        for name in ("created_at", "response_due", "resolution_due", "accepted_at", "resolved_at",
                     "overdue_flagged_at"):
            data[name] = aware(data[name], tz)
        if data["solved"] is not None:
            data["solved"] = bool(data["solved"])
        return ServiceRequest(**data)

    def _get(self, conn: Connection, request_id: Any) -> ServiceRequest:
        number = self._id(request_id, "request")
        row = conn.execute(select(_r).where(_r.c.id == number)).mappings().first()
        if row is None:
            raise NotFound(_("there is no service request with id {id}").format(id=request_id))
        return self._request(row)

    def _row(self, row: Any) -> dict[str, Any]:
        tz = self.community.clock.tz
        data = dict(row)
        for name in ("created_at", "claimed_at", "delivered_at"):
            if name in data:
                data[name] = aware(data[name], tz)
        return data

    def _one(self, conn: Connection, table: Any, value: Any, what: str) -> dict[str, Any]:
        number = self._id(value, what)
        row = conn.execute(select(table).where(table.c.id == number)).mappings().first()
        if row is None:
            raise _missing(what, value)
        return self._row(row)

    def _project(self, conn: Connection, project_id: Any) -> Project:
        return Project(**self._one(conn, _p, project_id, "project"))

    def _resource(self, conn: Connection, resource_id: Any) -> Resource:
        return Resource(**self._one(conn, _res, resource_id, "resource"))

    def _demand(self, conn: Connection, demand_id: Any) -> Demand:
        data = self._one(conn, _d, demand_id, "demand")
        links = tuple(int(i) for i in conn.scalars(select(_dr.c.request_id).where(_dr.c.demand_id == data["id"])
                                                   .order_by(_dr.c.request_id)))
        return Demand(**data, request_ids=links)

    @staticmethod
    def _partner(conn: Connection, partner: int) -> None:
        p = org_tables.partners
        # "٣", "x" or an id past every engine's is no partner, as a lookup that finds nothing.
        if conn.scalar(select(p.c.id).where(p.c.id == ServicesAPI._id(partner, "partner"))) is None:
            raise _missing("partner", partner)

    def _readable(self, conn: Connection, unit: UnitRef) -> int:
        """The id of a unit whose services the actor may read."""
        unit_id = resolve(conn, unit).id
        self._authorize(conn, "service.read", unit_id)
        return unit_id

    def _listing(self, table: Any, unit: UnitRef | None, limit: int | None = None,
                 after: int | None = None) -> builtins.list[Any]:
        """One page of the rows of one of the three lists, by id, in the actor's scope and ``unit``'s subtree."""
        query = paged(select(table).order_by(table.c.id), table.c.id, limit=limit, after=after)
        with self.community.reading() as conn:
            query = query.where(self._scope(conn, "service.read").clause(table.c.unit_id))
            if unit is not None:
                query = query.where(table.c.unit_id.in_(subtree_query(conn, self._readable(conn, unit))))
            return list(conn.execute(query).mappings())

    def _list_fields(self, name: str, category: str | None, description: str | None) -> dict[str, Any]:
        problems: builtins.list[Problem] = []
        out: dict[str, Any] = {}
        for field, value, limit, required in (("name", name, NAME_LENGTH, True), ("description", description, 2000,
                                                                                  False)):
            try:
                out[field] = clean_text(value, limit, required=required)
            except InvalidValue as exc:
                problems.append(Problem(None, field, str(exc)))
        if category is not None and category not in self.community.registry.service_categories:
            problems.append(Problem(None, "category", _("unknown service category {code!r}; known: {known}").format(
                code=category, known=listing(self.community.registry.service_categories))))
        if problems:
            raise RejectedInput(problems, source=_("service list"))
        out["category"] = category
        return out



#: What a lookup by id names when there is no such record, by what it looks for.
_MISSING = {
    "request": N_("there is no service request with id {id}"),
    "project": N_("there is no service project with id {id}"),
    "resource": N_("there is no service resource with id {id}"),
    "demand": N_("there is no service demand with id {id}"),
    "member": N_("there is no member with id {id}"),
    "resident": N_("there is no resident with id {id}"),
    "partner": N_("there is no partner with id {id}"),
}


def _missing(what: str, value: Any) -> NotFound:
    return NotFound(_(_MISSING[what]).format(id=value), entity=what, key=value)


__all__ = ["HOURS_FACTS", "PROJECT", "REQUEST", "ServicesAPI"]
