"""``community meeting``: meeting types, records with attendance, resolutions, corrections, the 台账.

JSON shapes (see docs/json.md): ``record`` prints ``{"id", "unit_id", "type", "type_label", "date",
"present", "absent", "leave", "quorum_met"}`` (counts); ``show`` adds ``topic``, ``host``, ``recorder``,
``minutes``, ``status``, ``status_label``, ``attendance`` (``{"member_id", "presence", "reason"}``), ``partners``
and ``resolutions``; ``compliance`` prints ``{"unit_id", "period", "rows", "absences"}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from communitycore.cli.params import COUNT, DAYS, MEETING_TYPE, PLAIN_ID, page_options, plain_id, plain_ids
from communitycore.cli.render import emit, fetch_page, more_follow, output_options, shown, state
from communitycore.domain.fields import UNCHANGED
from communitycore.i18n import N_, _
from communitycore.serialize import MEETING_SUMMARY

if TYPE_CHECKING:
    from communitycore.domain.meetings import Meeting

RECORD_COLUMNS = MEETING_SUMMARY
ROW_COLUMNS = ("unit_id", "unit", "type", "required", "held", "rate", "missing")


def _summary(meeting: Meeting, quorum_met: bool | None, *more: str) -> dict[str, Any]:
    """The meeting's shape cut to its counts and quorum (``null``: no quorum rule), and the ``more`` fields,
    with their labels (``type_label``)."""
    data = shown(meeting, quorum_met=quorum_met)
    kept = (*MEETING_SUMMARY, *more)
    return {key: value for key, value in data.items() if key in kept or key.removesuffix("_label") in kept}


def _quorum_met(meeting: Meeting) -> bool | None:
    check = state().community.meetings.quorum(meeting.id)
    return None if check is None else check.met


def _absent(text: str | None) -> dict[int, str | None]:
    out: dict[int, str | None] = {}
    if not text:
        return out
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        ident, _sep, reason = part.replace("：", ":").partition(":")
        if not ident.strip():  # ":出差" or " :出差": a reason with no one it belongs to
            raise click.BadParameter(_("{value!r} has no member id before its reason; write ID:REASON").format(
                value=part.strip()), param_hint="--absent")
        out[plain_id(ident, "--absent", _("member id"))] = reason.strip() or None
    return out


def _attendance_options(command: Any) -> Any:
    for option in reversed((
        click.option("--present", metavar="ID,ID…", help=N_("Members present.")),
        click.option("--absent", metavar="ID[:REASON],…",
                     help=N_("Members absent, each with a reason if one was given.")),
        click.option("--leave", metavar="ID,ID…", help=N_("Members on leave (请假).")),
        click.option("--attendance", "attendance_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help=N_("Attendance from a .csv or .xlsx file: 姓名, 公民身份号码, 出席情况, 缺席原因.")),
    )):
        command = option(command)
    return command


def _gather(present: str | None, absent: str | None, leave: str | None,
            attendance_file: Path | None) -> tuple[list[int], dict[int, str | None], list[int]]:
    here, away, off = plain_ids(present, "--present"), _absent(absent), plain_ids(leave, "--leave")
    if attendance_file is not None:
        more = state().community.meetings.attendance_file(attendance_file)
        here, off = here + more[0], off + more[2]
        away.update(more[1])
    return here, away, off


@click.group("meeting")
def meeting() -> None:
    """Meetings (三会一课, 主题党日, joint meetings): types, record, list, show, resolution, correct, cancel,
    compliance, plan, due.

    \b
    UNIT is a unit id or its full path joined with "/"; TYPE a meeting type code (`meeting types`);
    PERIOD is 2025, 2025H1, 2025Q1, 2025-03 or 2025年第一季度.
    """


@meeting.command("types")
@output_options
def types() -> None:
    """The registered meeting types with their cadence, attendees, quorum and pass rule."""
    app = state()
    registry = app.community.registry
    emit([shown(t, provider=registry.provider("meeting_types", t.code)) for t in app.community.meetings.types()],
         columns=("code", "label", "cadence", "times_per_period", "attendees", "quorum", "votes"))


@meeting.command("record")
@click.option("--unit", metavar="UNIT", required=True, help=N_("The unit that held the meeting."))
@click.option("--type", "type_", metavar="TYPE", required=True, type=MEETING_TYPE,
              help=N_("The meeting type: its code or its name (party-lecture or 党课)."))
@click.option("--date", "on", metavar="YYYY-MM-DD", required=True, help=N_("The day it was held."))
@click.option("--topic", help=N_("The topic."))
@click.option("--host", help=N_("Who chaired it (主持人)."))
@click.option("--recorder", help=N_("Who kept the minutes (记录人)."))
@click.option("--minutes", help=N_("The minutes (会议记录)."))
@click.option("--partner", "partners", multiple=True, metavar="ID[:REPRESENTATIVE]",
              help=N_("A partner organization at a joint meeting (repeatable)."))
@_attendance_options
@output_options
def record(unit: str, type_: str, on: str, topic: str | None, host: str | None, recorder: str | None,
           minutes: str | None, partners: tuple[str, ...], present: str | None, absent: str | None,
           leave: str | None, attendance_file: Path | None) -> None:
    """Record a meeting with its attendance; invited members not listed are recorded absent."""
    here, away, off = _gather(present, absent, leave, attendance_file)
    guests: list[tuple[int, str | None]] = []
    for item in partners:
        ident, _sep, who = item.partition(":")
        guests.append((plain_id(ident, "--partner", _("partner id")), who.strip() or None))
    done = state().community.meetings.record(unit, type_, on=on, topic=topic, host=host, recorder=recorder,
                                             minutes=minutes, present=here, absent=away, leave=off, partners=guests)
    emit(_summary(done, _quorum_met(done)), columns=RECORD_COLUMNS)


@meeting.command("correct")
@click.argument("meeting_id", metavar="MEETING", type=PLAIN_ID)
@_attendance_options
@click.option("--note", help=N_("Why the attendance is corrected."))
@output_options
def correct(meeting_id: int, present: str | None, absent: str | None, leave: str | None,
            attendance_file: Path | None, note: str | None) -> None:
    """Correct the attendance of the members listed; the ledger is corrected by reversing entries."""
    here, away, off = _gather(present, absent, leave, attendance_file)
    done = state().community.meetings.correct_attendance(meeting_id, present=here, absent=away, leave=off, note=note)
    emit(_summary(done, _quorum_met(done)), columns=RECORD_COLUMNS)


@meeting.command("update")
@click.argument("meeting_id", metavar="MEETING", type=PLAIN_ID)
@click.option("--date", "on", metavar="YYYY-MM-DD", help=N_("The day it was held."))
@click.option("--topic", help=N_("The topic."))
@click.option("--host", help=N_("Who chaired it (主持人)."))
@click.option("--recorder", help=N_("Who kept the minutes (记录人)."))
@click.option("--minutes", help=N_("The minutes (会议记录)."))
@click.option("--note", help=N_("Why it is corrected."))
@output_options
def update(meeting_id: int, on: str | None, topic: str | None, host: str | None, recorder: str | None,
           minutes: str | None, note: str | None) -> None:
    """Correct a meeting's date or minutes (the audit trail keeps what they were)."""
    given: dict[str, Any] = {k: v for k, v in {"on": on, "topic": topic, "host": host, "recorder": recorder,
                                               "minutes": minutes}.items() if v is not None}
    done = state().community.meetings.update(meeting_id, note=note, **{
        k: given.get(k, UNCHANGED) for k in ("on", "topic", "host", "recorder", "minutes")})
    emit(shown(done, quorum_met=_quorum_met(done)), columns=RECORD_COLUMNS)


@meeting.command("cancel")
@click.argument("meeting_id", metavar="MEETING", type=PLAIN_ID)
@click.option("--note", help=N_("Why it is cancelled."))
@output_options
def cancel(meeting_id: int, note: str | None) -> None:
    """Cancel a meeting recorded in error: kept as cancelled, its ledger entries reversed."""
    done = state().community.meetings.cancel(meeting_id, note=note)
    emit(shown(done), columns=(*RECORD_COLUMNS[:4], "status"))


@meeting.command("resolution")
@click.argument("meeting_id", metavar="MEETING", type=PLAIN_ID)
@click.option("--title", required=True, help=N_("What was resolved."))
@click.option("--for", "votes_for", type=COUNT, required=True, help=N_("Votes for."))
@click.option("--against", type=COUNT, default=0, show_default=True, help=N_("Votes against."))
@click.option("--abstain", type=COUNT, default=0, show_default=True, help=N_("Abstentions."))
@output_options
def resolution(meeting_id: int, title: str, votes_for: int, against: int, abstain: int) -> None:
    """Record a resolution; refused without quorum (the refusal names present, base, required and the rule)."""
    done = state().community.meetings.add_resolution(meeting_id, title=title, votes_for=votes_for, against=against,
                                                     abstain=abstain)
    emit(shown(done), columns=("id", "meeting_id", "title", "for", "against", "abstain", "due", "passed"))


@meeting.command("list")
@click.option("--unit", metavar="UNIT", help=N_("Only meetings of this unit's subtree."))
@click.option("--type", "type_", metavar="TYPE", type=MEETING_TYPE,
              help=N_("Only meetings of this type (its code or its name)."))
@click.option("--period", metavar="PERIOD", help=N_("Only meetings held in this period."))
@click.option("--status", type=click.Choice(["held", "cancelled"]), help=N_("Only held or cancelled meetings."))
@page_options(cursor=None, offset=True)
@output_options
def list_(unit: str | None, type_: str | None, period: str | None, status: str | None, limit: int,
          offset: int) -> None:
    """Meetings by date, with their attendance counts."""
    api = state().community.meetings
    found, more = fetch_page(lambda n: api.list(unit=unit, type=type_, period=period, status=status, limit=n,
                                                offset=offset), limit)
    emit([_summary(m, None, "topic", "status") for m in found],
         columns=("id", "date", "unit_id", "type", "topic", "present", "absent", "leave", "status"))
    more_follow(more, N_("(more meetings follow: the next page is --offset {offset}; --limit 0 shows all)"),
                offset=offset + limit)


@meeting.command("show")
@click.argument("meeting_id", metavar="MEETING", type=PLAIN_ID)
@output_options
def show(meeting_id: int) -> None:
    """One meeting with its attendance, partners and resolutions."""
    found = state().community.meetings.get(meeting_id)
    emit(shown(found, quorum_met=_quorum_met(found)),
         columns=("id", "date", "unit_id", "type", "topic", "host", "recorder", "present", "absent", "leave",
                  "quorum_met", "status"))


@meeting.command("compliance")
@click.option("--unit", metavar="UNIT", help=N_("The subtree to report on (default: the whole tree)."))
@click.option("--period", metavar="PERIOD", required=True, help=N_("The period, e.g. 2025Q1."))
@click.option("--out", "--xlsx", "out", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Also write the ledger to a .xlsx or .csv file (one row per meeting, a summary per unit)."))
@output_options
def compliance(unit: str | None, period: str, out: Path | None) -> None:
    """The compliance ledger (台账): meetings required and held per unit and type, windows missed, absences."""
    app = state()
    found = app.community.meetings.compliance(unit, period)
    if out is not None:
        app.community.meetings.write_ledger(out, unit, period, lang=app.lang)
    data = shown(found)
    if app.as_json:
        emit(data)
        return
    rows = [r | {"missing": ", ".join(f"{w['from']}~{w['to']}" for w in r["missing"])} for r in data["rows"]]
    emit(rows, columns=ROW_COLUMNS, title=_("Compliance ledger {period}").format(period=found.period))
    if data["absences"]:
        emit([a | {"months": ", ".join(a["months"])} for a in data["absences"]],
             columns=("member_id", "name", "months"),
             title=_("Absent from organizational life for {n} months or more").format(n=found.absence_months))


@meeting.command("plan")
@click.option("--unit", metavar="UNIT", help=N_("The subtree to plan for (default: the whole tree)."))
@click.option("--period", metavar="PERIOD", required=True, help=N_("The period, e.g. 2025Q1."))
@output_options
def plan(unit: str | None, period: str) -> None:
    """What each unit owes over PERIOD: one row per unit and type, with its due windows."""
    rows = state().community.meetings.plan(unit, period)
    data: list[dict[str, Any]] = shown(rows)
    if state().as_json:
        emit(data)
        return
    emit([d | {"windows": ", ".join(f"{w['from']}~{w['to']}" for w in d["windows"])} for d in data],
         columns=("unit_id", "unit", "type", "cadence", "required", "held", "windows"))


@meeting.command("due")
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree."))
@click.option("--days", type=DAYS, default=14, show_default=True,
              help=N_("Meetings due within this many days."))
@click.option("--announce", is_flag=True,
              help=N_("Also raise a meeting.overdue event for each overdue window not announced before."))
@page_options(cursor=None, offset=True)
@output_options
def due(unit: str | None, days: int, announce: bool, limit: int, offset: int) -> None:
    """Meetings due within DAYS and not yet held, and those overdue, by the end of their window.

    \b
    --announce raises the events of every overdue window, not only of those shown.
    """
    meetings = state().community.meetings
    found, more = fetch_page(lambda n: meetings.due(unit, days=days, limit=n, offset=offset), limit)
    if announce:
        meetings.announce_overdue(unit)
    emit(shown(found),
         columns=("unit_id", "unit", "type", "from", "to", "required", "held", "status"))
    more_follow(more, N_("(more meetings are due: the next page is --offset {offset}; --limit 0 shows all)"),
                offset=offset + limit)


meeting.add_command(record, "add")
meeting.add_command(compliance, "ledger")
