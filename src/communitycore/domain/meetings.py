"""Meetings as values and rules: attendance, quorum, resolutions, due windows and absences (domain-rules §2).

Pure functions over plain values: the store and the facade feed them what they loaded. The quorum
and pass rules are :class:`~communitycore.records.Threshold` values of the meeting type; counts
are compared in exact integer arithmetic, so "half" is never a rounding question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import attrs

from communitycore.domain.codes import Coded
from communitycore.domain.periods import KINDS, Period
from communitycore.errors import Conflict, InvalidValue
from communitycore.i18n import N_, _
from communitycore.records import MeetingType, Threshold

TOPIC_LIMIT = 200
NAME_LIMIT = 100
MINUTES_LIMIT = 20000
REASON_LIMIT = 200
TITLE_LIMIT = 200
#: Consecutive months without organizational life that make a member's absence a finding (党章 §9).
DEFAULT_ABSENCE_MONTHS = 6


class Presence(Coded):
    """How one invited person took part in a meeting."""

    PRESENT = ("present", "出席", "present", "到会", "参加", "已到")
    ABSENT = ("absent", "缺席", "absent", "未到", "未参加")
    LEAVE = ("leave", "请假", "on leave", "假")


class MeetingStatus(Coded):
    """A meeting on record, or one cancelled (kept, with its history)."""

    HELD = ("held", "已召开", "held")
    CANCELLED = ("cancelled", "已取消", "cancelled")


@attrs.frozen(kw_only=True)
class Attendance:
    """One invited member's attendance: present, absent (with a reason, or none) or on leave (请假)."""

    member_id: int
    presence: Presence
    reason: str | None = None


@attrs.frozen(kw_only=True)
class PartnerAttendance:
    """A partner organization at a joint meeting, and who represented it."""

    partner_id: int
    representative: str | None = None


@attrs.frozen(kw_only=True)
class QuorumCheck:
    """The numbers a quorum decision rests on."""

    rule: str
    present: int
    base: int
    required: int
    met: bool


@attrs.frozen(kw_only=True)
class Resolution:
    """A resolution taken at a meeting, with its votes and whether it passed."""

    id: int
    meeting_id: int
    title: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    passed: bool
    due: int
    """The voting members due to attend, the base of the pass rule."""


@attrs.frozen(kw_only=True)
class Meeting:
    """One meeting on record, with its attendance (one entry per invited member) and resolutions."""

    id: int
    unit_id: int
    type: str
    held_on: dt.date
    topic: str | None = None
    host: str | None = None
    recorder: str | None = None
    minutes: str | None = None
    status: MeetingStatus = MeetingStatus.HELD
    attendance: tuple[Attendance, ...] = ()
    partners: tuple[PartnerAttendance, ...] = ()
    resolutions: tuple[Resolution, ...] = ()

    def count(self, presence: Presence) -> int:
        """How many invited members had this presence."""
        return sum(1 for a in self.attendance if a.presence is presence)


class QuorumNotMet(Conflict):
    """A resolution was refused: the attendance does not meet the meeting type's quorum."""

    def __init__(self, check: QuorumCheck) -> None:
        self.check = check
        base = _("voting members") if " of all" not in check.rule else _("members due")
        super().__init__(_("no quorum for a resolution: {present} present of {base} {what}; {rule} requires "
                           "{required}").format(present=check.present, base=check.base, what=base, rule=check.rule,
                                                required=check.required))


def quorum_check(rule: Threshold, attendance: Iterable[Attendance], voting: Iterable[int]) -> QuorumCheck:
    """The quorum of ``rule`` over the attendance: present among the base (``voting`` ids or all invited)."""
    voters = set(voting)
    rows = list(attendance)
    counted = rows if rule.base == "all" else [a for a in rows if a.member_id in voters]
    present = sum(1 for a in counted if a.presence is Presence.PRESENT)
    base = len(counted)
    return QuorumCheck(rule=str(rule), present=present, base=base, required=rule.required(base),
                       met=base > 0 and rule.met(present, base))


def passes(rule: Threshold, votes_for: int, due: int) -> bool:
    """Whether ``votes_for`` out of ``due`` (voting members due to attend) carry a resolution."""
    return due > 0 and rule.met(votes_for, due)


def check_votes(votes_for: int, against: int, abstain: int, present: int) -> None:
    """Votes are whole numbers of at least 0, and no more of them than members present."""
    for field, value in (("for", votes_for), ("against", against), ("abstain", abstain)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidValue(_("votes {field}: expected a whole number of at least 0, got {value!r}").format(
                field=field, value=value))
    if votes_for + against + abstain > present:
        raise InvalidValue(_("votes for, against and abstaining add up to {total}, more than the {present} "
                             "members present").format(total=votes_for + against + abstain, present=present))


def missing_minutes(meeting_type: MeetingType, filled: Mapping[str, object]) -> list[str]:
    """The fields the type's minutes require that ``filled`` leaves empty (``resolutions`` is checked later)."""
    return [f for f in meeting_type.minutes_required if f != "resolutions" and not filled.get(f)]


@attrs.frozen(kw_only=True)
class DueWindow:
    """A window a meeting type is due in: the meetings required in it, first and last day inclusive."""

    start: dt.date
    end: dt.date
    required: int


def due_windows(period: Period, cadence: str, times: int) -> tuple[DueWindow, ...]:
    """The windows of ``cadence`` a report over ``period`` counts, each requiring ``times`` meetings.

    A cadence as fine as the period or finer gives its sub-periods (the months of a quarter). A
    coarser one (a yearly meeting in a quarter's report) gives its enclosing window only in the
    report whose period holds the window's last day: that is when it falls due.
    """
    kind = Period.containing(period.start, cadence).kind
    if KINDS.index(kind) >= KINDS.index(period.kind):
        return tuple(DueWindow(start=p.start, end=p.end, required=times) for p in period.subperiods(cadence))
    window = period.enclosing(cadence)
    if period.start <= window.end <= period.end:
        return (DueWindow(start=window.start, end=window.end, required=times),)
    return ()


def month_number(day: dt.date) -> int:
    """A day's month as one number, ``year * 12 + month - 1`` (what ``cc_meetings.held_month`` stores)."""
    return day.year * 12 + day.month - 1


def month_text(number: int) -> str:
    """``YYYY-MM`` of a :func:`month_number`."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def month_key(day: dt.date) -> str:
    """``YYYY-MM`` of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: dt.date, last: dt.date) -> list[str]:
    """Every ``YYYY-MM`` from ``first``'s month to ``last``'s, in order."""
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def absence_runs(months: Sequence[str], absent: Mapping[int, set[str]], attended: Mapping[int, set[str]],
                 minimum: int, *, ending_from: str | None = None) -> dict[int, list[str]]:
    """Members with ``minimum`` or more consecutive months of absence without a reason.

    A month counts against a member when they were invited and absent without a reason (in
    ``absent``) and took part in nothing that month (``attended``: present, on leave or absent
    with a reason). A month without any meeting for them ends a run: no meeting is not an absence.
    Returns, per member, the months of their longest run (the latest, on a tie) that ends in or
    after ``ending_from``.
    """
    found: dict[int, list[str]] = {}
    for member, missed in absent.items():
        took_part = attended.get(member, set())
        best: list[str] = []
        run: list[str] = []
        for month in months:
            if month in missed and month not in took_part:
                run.append(month)
                if len(run) >= len(best):
                    best = list(run)
            else:
                run = []
        if len(best) >= minimum and (ending_from is None or best[-1] >= ending_from):
            found[member] = best
    return found




# The compliance ledger (台账) ------------------------------------------------------------------


class WindowHeld(NamedTuple):
    """One due window of a compliance row: its days, the meetings required and those held.

    A named tuple rather than a record: a city's ledger holds half a million of them.
    """

    start: dt.date
    end: dt.date
    required: int
    held: int


@attrs.frozen(kw_only=True)
class ComplianceRow:
    """One unit and one required meeting type over a period: required, held (at most required per window), rate."""

    unit_id: int
    unit: str
    type: str
    cadence: str
    required: int
    held: int
    windows: tuple[WindowHeld, ...]

    @property
    def rate(self) -> float:
        """Held over required, 0-1 (1 when nothing was due)."""
        return 1.0 if self.required == 0 else self.held / self.required

    @property
    def missing(self) -> tuple[WindowHeld, ...]:
        """The windows where fewer meetings were held than required."""
        return tuple(w for w in self.windows if w.held < w.required)


@attrs.frozen(kw_only=True)
class Absence:
    """A member absent without a reason from every meeting of ``months`` consecutive months (党章 §9)."""

    member_id: int
    name: str
    unit_id: int
    months: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Compliance:
    """The compliance ledger (台账) of a subtree over a period."""

    unit_id: int | None
    """The root of the subtree (``None``: the whole tree)."""
    period: str
    rows: tuple[ComplianceRow, ...]
    absences: tuple[Absence, ...]
    absence_months: int


#: The words of a due meeting's ``status``, for labels.
DUE_STATUS_WORDS = {"due": N_("Due soon"), "overdue": N_("Overdue")}


@attrs.frozen(kw_only=True)
class DueMeeting:
    """A meeting a unit owes: due soon (``due``) or its window passed without it (``overdue``)."""

    unit_id: int
    unit: str
    type: str
    start: dt.date
    end: dt.date
    required: int
    held: int
    status: str

    @property
    def key(self) -> str:
        """The window's identity: ``unit:type:first day``."""
        return f"{self.unit_id}:{self.type}:{self.start.isoformat()}"


# Rows as the export file holds them (one array per table) ---------------------------------------


@attrs.frozen(kw_only=True)
class MeetingRow:
    """A meeting's own row, without its attendance (exported beside it)."""

    id: int
    unit_id: int
    type: str
    held_on: dt.date
    held_month: int
    topic: str | None = None
    host: str | None = None
    recorder: str | None = None
    minutes: str | None = None
    status: str = attrs.field(default="held", validator=attrs.validators.in_(("held", "cancelled")))
    recorded_at: dt.datetime


@attrs.frozen(kw_only=True)
class AttendanceRow:
    """One invited member's attendance at one meeting."""

    meeting_id: int
    member_id: int
    presence: str = attrs.field(validator=attrs.validators.in_(("present", "absent", "leave")))
    reason: str | None = None


@attrs.frozen(kw_only=True)
class MeetingPartnerRow:
    """One partner organization at one joint meeting."""

    meeting_id: int
    partner_id: int
    representative: str | None = None


__all__ = [
    "DEFAULT_ABSENCE_MONTHS",
    "DUE_STATUS_WORDS",
    "Absence",
    "Attendance",
    "AttendanceRow",
    "Compliance",
    "ComplianceRow",
    "DueWindow",
    "Meeting",
    "MeetingPartnerRow",
    "MeetingRow",
    "MeetingStatus",
    "PartnerAttendance",
    "Presence",
    "QuorumCheck",
    "QuorumNotMet",
    "Resolution",
    "WindowHeld",
    "absence_runs",
    "check_votes",
    "due_windows",
    "missing_minutes",
    "month_key",
    "months_between",
    "passes",
    "quorum_check",
]
