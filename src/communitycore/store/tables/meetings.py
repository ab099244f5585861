"""Meetings (三会一课 and the rest): the meetings held, who attended, partner organizations, resolutions.

A meeting's ledger entries (attendance, training, meetings held) live in ``cc_activity`` with
``source_kind = 'meeting'`` and the meeting's id as ``source_id``; corrections are reversals there.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text

from communitycore.i18n import N_
from communitycore.store.tables import PREFIX, OnUnitRemoval, UnitLink, metadata
from communitycore.store.tables import org as _org  # noqa: F401 - the foreign keys point at cc_units and cc_partners

meetings = Table(
    f"{PREFIX}meetings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("held_on", Date, nullable=False),
    # The month of held_on as one number (year * 12 + month - 1), so the ledger groups by month
    # on every engine without a date function per row.
    Column("held_month", Integer, nullable=False),
    Column("topic", String(200)),
    Column("host", String(100)),
    Column("recorder", String(100)),
    Column("minutes", Text),
    Column("status", String(16), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # The compliance ledger: meetings of a span of months by unit and type, answered from this index
    # alone; weekly types by day from the second.
    Index("ix_cc_meetings_period", "held_month", "status", "unit_id", "type"),
    Index("ix_cc_meetings_type", "type", "held_on", "status", "unit_id"),
    Index("ix_cc_meetings_unit", "unit_id", "held_on"),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

#: One row per invited member: present, absent (with a reason or none) or on leave (请假).
#: ``member_id`` has no foreign key, as the ledger's subject ids have none: who attended a meeting
#: stays on record when the member's own record is removed with their unit (a cascade), and the
#: meeting itself belongs to a unit that may outlive them.
attendance = Table(
    f"{PREFIX}meeting_attendance",
    metadata,
    Column("meeting_id", Integer, ForeignKey(f"{PREFIX}meetings.id"), primary_key=True),
    Column("member_id", Integer, primary_key=True),
    Column("presence", String(16), nullable=False),
    Column("reason", String(200)),
    Index("ix_cc_meeting_attendance_member", "member_id", "meeting_id", "presence"),
    # The absence rule starts from the absences: a small part of all attendance.
    Index("ix_cc_meeting_attendance_presence", "presence", "member_id", "meeting_id", "reason"),
)

#: Partner organizations at a joint meeting (联席会议) and who represented them.
meeting_partners = Table(
    f"{PREFIX}meeting_partners",
    metadata,
    Column("meeting_id", Integer, ForeignKey(f"{PREFIX}meetings.id"), primary_key=True),
    Column("partner_id", Integer, ForeignKey(f"{PREFIX}partners.id"), primary_key=True),
    Column("representative", String(100)),
)

resolutions = Table(
    f"{PREFIX}meeting_resolutions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("meeting_id", Integer, ForeignKey(f"{PREFIX}meetings.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("votes_for", Integer, nullable=False),
    Column("votes_against", Integer, nullable=False),
    Column("votes_abstain", Integer, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("due", Integer, nullable=False),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

#: A unit with meetings on record is not removed unless the caller cascades (taking them along):
#: the meetings are the evidence an inspection asks for.
UNIT_LINKS = (
    UnitLink(meetings.c.unit_id, OnUnitRemoval.REFUSE,
             dependents=(attendance.c.meeting_id, meeting_partners.c.meeting_id, resolutions.c.meeting_id),
             label=N_("{count} meeting(s)")),
)
