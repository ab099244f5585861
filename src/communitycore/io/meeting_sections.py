"""The export sections of meetings: the meetings, their attendance, partner organizations and resolutions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from communitycore.domain.meetings import AttendanceRow, MeetingPartnerRow, MeetingRow, Resolution
from communitycore.io.exchange import Section
from communitycore.store.tables import meetings as meeting_tables


def meeting_from_row(row: Any) -> MeetingRow:
    """A stored meeting row; its recording time in UTC (SQLite and MySQL hand back naive times)."""
    data = dict(row)
    at = data["recorded_at"]
    data["recorded_at"] = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return MeetingRow(**data)


MEETING_SECTIONS = (
    Section("meetings", MeetingRow, meeting_tables.meetings, refs=(("unit_id", "units"),), from_row=meeting_from_row),
    Section("meeting_attendance", AttendanceRow, meeting_tables.attendance, order_by=("meeting_id", "member_id"),
            refs=(("meeting_id", "meetings"),)),  # attendance outlives a removed member, as the ledger does
    Section("meeting_partners", MeetingPartnerRow, meeting_tables.meeting_partners,
            order_by=("meeting_id", "partner_id"), refs=(("meeting_id", "meetings"), ("partner_id", "partners"))),
    Section("meeting_resolutions", Resolution, meeting_tables.resolutions, refs=(("meeting_id", "meetings"),)),
)
