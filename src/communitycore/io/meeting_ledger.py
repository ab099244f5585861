"""The meetings 台账 as a file, in the layout inspections use.

``.xlsx``: a sheet with one row per meeting (date, unit, type, topic, host, recorder, invited,
present, absent, on leave), a summary sheet with one row per unit and required type (required,
held, rate, the windows missed), and a sheet of the members absent for months on end. ``.csv``:
the meetings sheet alone. Text cells are never formulas; the file appears whole or not at all
(``communitycore.io.files.staged_file``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from communitycore.domain.meetings import Compliance, Meeting, Presence
from communitycore.errors import bad_field
from communitycore.i18n import _, language, localized
from communitycore.io.files import staged_file
from communitycore.io.limits import given_path
from communitycore.io.table_files import write_csv, write_xlsx
from communitycore.records import MeetingType

#: Headers as (中文, English) pairs: the file speaks the language it is written in.
MEETING_HEADERS = (("日期", "Date"), ("党组织", "Unit"), ("会议类型", "Type"), ("主题", "Topic"), ("主持人", "Host"),
                   ("记录人", "Recorder"), ("应到", "Invited"), ("出席", "Present"), ("缺席", "Absent"),
                   ("请假", "On leave"))
SUMMARY_HEADERS = (("党组织", "Unit"), ("会议类型", "Type"), ("周期", "Cadence"), ("应开次数", "Required"),
                   ("实开次数", "Held"), ("完成率", "Rate"), ("缺开时段", "Missing"))
ABSENCE_HEADERS = (("党员编号", "Member ID"), ("姓名", "Name"), ("连续缺席月份", "Months absent"))
SHEETS = (("会议台账", "Meetings"), ("汇总", "Summary"), ("连续缺席", "Absences"))


def _texts(pairs: Sequence[tuple[str, str]]) -> list[str]:
    return [localized(zh, en) for zh, en in pairs]


def _label(types: Mapping[str, MeetingType], code: str) -> str:
    found = types.get(code)
    return code if found is None else localized(found.label, found.label_en)


def meeting_rows(compliance: Compliance, meetings: Sequence[Meeting],
                 types: Mapping[str, MeetingType]) -> list[list[Any]]:
    """One row per meeting, by date."""
    names = {row.unit_id: row.unit for row in compliance.rows}
    return [[m.held_on, names.get(m.unit_id, str(m.unit_id)), _label(types, m.type), m.topic or "",
             m.host or "", m.recorder or "", len(m.attendance), m.count(Presence.PRESENT), m.count(Presence.ABSENT),
             m.count(Presence.LEAVE)] for m in meetings]


def summary_rows(compliance: Compliance, types: Mapping[str, MeetingType]) -> list[list[Any]]:
    """One row per unit and required type."""
    return [[row.unit, _label(types, row.type), row.cadence, row.required, row.held, round(row.rate, 4),
             "; ".join(f"{w.start.isoformat()}~{w.end.isoformat()}" for w in row.missing)]
            for row in compliance.rows]


def write_ledger(path: str | os.PathLike[str], compliance: Compliance, meetings: Sequence[Meeting],
                 types: Mapping[str, MeetingType], *, lang: str = "zh") -> Path:
    """Write the 台账 to ``path`` (``.xlsx`` or ``.csv``); returns the path."""
    target = given_path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise bad_field("out", _("write the ledger to a .xlsx or .csv file, not {name!r}").format(name=target.name),
                        entity="file", key=str(target))
    with language(lang), staged_file(target) as temp:
        rows = meeting_rows(compliance, meetings, types)
        if suffix == ".csv":
            write_csv(temp, _texts(MEETING_HEADERS),
                      ([c.isoformat() if hasattr(c, "isoformat") else c for c in cells] for cells in rows))
        else:
            meetings_title, summary_title, absences_title = _texts(SHEETS)
            write_xlsx(temp, [
                (meetings_title, _texts(MEETING_HEADERS), rows),
                (summary_title, _texts(SUMMARY_HEADERS), summary_rows(compliance, types)),
                (absences_title, _texts(ABSENCE_HEADERS),
                 [[a.member_id, a.name, ", ".join(a.months)] for a in compliance.absences]),
            ])
    return target


__all__ = ["MEETING_HEADERS", "SUMMARY_HEADERS", "meeting_rows", "summary_rows", "write_ledger"]
