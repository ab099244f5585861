"""The meetings 台账 as a file, in the layout inspections use.

``.xlsx``: a sheet with one row per meeting (date, unit, type, topic, host, recorder, invited,
present, absent, on leave), a summary sheet with one row per unit and required type (required,
held, rate, the windows missed), and a sheet of the members absent for months on end. ``.csv``:
the meetings sheet alone. Text cells are never formulas; the file appears whole or not at all
(:func:`~communitycore.io.files.staged_file`).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from communitycore.domain.meetings import Compliance, Meeting, Presence
from communitycore.errors import InvalidValue
from communitycore.i18n import _
from communitycore.io.cells import csv_row, protect_xlsx_cells
from communitycore.io.files import staged_file
from communitycore.records import MeetingType

MEETING_HEADERS = {
    "zh": ("日期", "党组织", "会议类型", "主题", "主持人", "记录人", "应到", "出席", "缺席", "请假"),
    "en": ("Date", "Unit", "Type", "Topic", "Host", "Recorder", "Invited", "Present", "Absent", "On leave"),
}
SUMMARY_HEADERS = {
    "zh": ("党组织", "会议类型", "周期", "应开次数", "实开次数", "完成率", "缺开时段"),
    "en": ("Unit", "Type", "Cadence", "Required", "Held", "Rate", "Missing"),
}
ABSENCE_HEADERS = {"zh": ("党员编号", "姓名", "连续缺席月份"), "en": ("Member ID", "Name", "Months absent")}
SHEETS = {"zh": ("会议台账", "汇总", "连续缺席"), "en": ("Meetings", "Summary", "Absences")}


def _label(types: Mapping[str, MeetingType], code: str, lang: str) -> str:
    found = types.get(code)
    if found is None:
        return code
    return (found.label_en or found.label) if lang == "en" else found.label


def meeting_rows(compliance: Compliance, meetings: Sequence[Meeting], types: Mapping[str, MeetingType],
                 lang: str) -> list[list[Any]]:
    """One row per meeting, by date."""
    names = {row.unit_id: row.unit for row in compliance.rows}
    return [[m.held_on, names.get(m.unit_id, str(m.unit_id)), _label(types, m.type, lang), m.topic or "",
             m.host or "", m.recorder or "", len(m.attendance), m.count(Presence.PRESENT), m.count(Presence.ABSENT),
             m.count(Presence.LEAVE)] for m in meetings]


def summary_rows(compliance: Compliance, types: Mapping[str, MeetingType], lang: str) -> list[list[Any]]:
    """One row per unit and required type."""
    return [[row.unit, _label(types, row.type, lang), row.cadence, row.required, row.held, round(row.rate, 4),
             "; ".join(f"{w.start.isoformat()}~{w.end.isoformat()}" for w in row.missing)]
            for row in compliance.rows]


def write_ledger(path: str | os.PathLike[str], compliance: Compliance, meetings: Sequence[Meeting],
                 types: Mapping[str, MeetingType], *, lang: str = "zh") -> Path:
    """Write the 台账 to ``path`` (``.xlsx`` or ``.csv``); returns the path."""
    target = Path(path)
    suffix = target.suffix.lower()
    lang = "en" if lang == "en" else "zh"
    if suffix not in (".xlsx", ".csv"):
        raise InvalidValue(_("out: write the ledger to a .xlsx or .csv file, not {name!r}").format(name=target.name))
    rows = meeting_rows(compliance, meetings, types, lang)
    with staged_file(target) as temp:
        if suffix == ".csv":
            # UTF-8 with a BOM: Excel on Chinese Windows opens it correctly.
            with temp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(MEETING_HEADERS[lang])
                for cells in rows:
                    writer.writerow(csv_row(c.isoformat() if hasattr(c, "isoformat") else c for c in cells))
        else:
            _write_xlsx(temp, lang, [
                (MEETING_HEADERS[lang], rows),
                (SUMMARY_HEADERS[lang], summary_rows(compliance, types, lang)),
                (ABSENCE_HEADERS[lang], [[a.member_id, a.name, ", ".join(a.months)] for a in compliance.absences]),
            ])
    return target


def _write_xlsx(path: Path, lang: str, sheets: Sequence[tuple[Sequence[str], list[list[Any]]]]) -> None:
    # openpyxl takes a while to import; only exports to .xlsx pay for it.
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    bold = Font(bold=True)
    for index, (title, (headers, rows)) in enumerate(zip(SHEETS[lang], sheets, strict=True)):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = title
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = bold
        for cells in rows:
            sheet.append(cells)
        for line in sheet.iter_rows(min_row=2):
            protect_xlsx_cells(line)
    workbook.save(path)


__all__ = ["MEETING_HEADERS", "SUMMARY_HEADERS", "meeting_rows", "summary_rows", "write_ledger"]
