"""The dashboard's figures as an Excel workbook: one sheet per capability, headers in the current language.

A sheet holds one or more blocks, each a bold title row, a bold header row and its rows, with a
blank row between blocks; a block with nothing to show holds one "no data" row. Rates are
numbers formatted as percentages, so they can be summed and charted in the spreadsheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from communitycore.i18n import _, ngettext
from communitycore.io.cells import protect_xlsx_cells
from communitycore.io.files import staged_file
from communitycore.labels import word
from communitycore.reports.figures import Figures

#: One block of a sheet: its title, its headers, its rows, which columns are rates.
Block = tuple[str, Sequence[str], Sequence[Sequence[Any]], Sequence[int]]


def sheets(figures: Figures) -> list[tuple[str, list[Block]]]:
    """The workbook's sheets, ``(title, blocks)``, in the order of the dashboard's sections."""
    s, m, sv = figures.structure, figures.meetings, figures.services
    structure: list[Block] = [
        (_("Head counts"), [_("Units"), _("Members"), _("Full members"), _("Probationary members")],
         [[s.units, s.members, s.full_members, s.probationary_members]], ()),
        (_("Units by kind"), [_("Kind"), _("Units")], [[c.label, int(c.value)] for c in s.units_by_kind], ()),
        (_("Members by sub-unit"), [_("Unit"), _("Members")], [[c.label, int(c.value)] for c in s.members_by_child],
         ()),
        (_("Findings of the structure check"), [_("Unit"), _("Severity"), _("Rule"), _("Finding"), _("Suggestion")],
         [[f.unit, word(f.severity.value, figures.lang), f.rule, f.message, f.suggestion] for f in s.findings], ()),
    ]
    meetings: list[Block] = [
        (_("Compliance by meeting type"),
         [_("Meeting type"), _("Units owing"), _("Units complete"), _("Required"), _("Held"), _("Rate")],
         [[t.label, t.units, t.complete, t.required, t.held, t.rate] for t in m.by_type], (5,)),
        (ngettext("Absent without a reason for {n} month or more", "Absent without a reason for {n} months or more",
                  m.absence_months).format(n=m.absence_months),
         [_("Member ID"), _("Name"), _("Unit"), _("Months")],
         [[a.member_id, a.name, a.unit, ", ".join(a.months)] for a in m.absences], ()),
    ]
    grades: list[Block] = [
        (_("Grades"), [_("Scheme"), _("Period"), _("Run"), _("Revision"), _("Grade"), _("Subjects")],
         [[d.label, d.period, d.run_id, d.revision, g.label, int(g.value)] for d in figures.assessments
          for g in d.grades], ()),
    ]
    rates = [_("Response rate"), _("Resolution rate"), _("Satisfaction rate")]
    services: list[Block] = [
        (_("Service metrics"),
         [_("Requests received"), _("Evaluated"), *rates, _("Composite"), _("Median response (hours)"),
          _("Median resolution (hours)"), _("Overdue")],
         [[sv.received, sv.evaluated, sv.response_rate, sv.resolution_rate, sv.satisfaction_rate, sv.composite,
           sv.median_response_hours, sv.median_resolution_hours, sv.overdue]] if sv.received else [], (2, 3, 4, 5)),
        (_("Trend by month"), [_("Month"), _("Received"), *rates, _("Overdue")],
         [[p.label, p.received, p.response_rate, p.resolution_rate, p.satisfaction_rate, p.overdue]
          for p in sv.trend] if sv.received else [], (2, 3, 4)),
    ]
    rosters: list[Block] = [
        (_("Rosters by tier"), [_("Roster"), _("Tier"), _("Serving")],
         [[p.label, t.label, int(t.value)] for p in figures.rosters for t in p.tiers], ()),
        (_("Applications"), [_("Roster"), _("Serving"), _("On public notice"), _("Applications pending")],
         [[p.label, p.serving, p.on_notice, p.pending] for p in figures.rosters], ()),
    ]
    return [(_("Structure"), structure), (_("Meetings"), meetings), (_("Assessments"), grades),
            (_("Services"), services), (_("Rosters"), rosters)]


def write_workbook_file(figures: Figures, path: str | Path) -> Path:
    """Write ``figures`` to the ``.xlsx`` file ``path``, whole or not at all."""
    import openpyxl  # heavy: only when a workbook is written
    from openpyxl.styles import Font

    target = Path(path)
    bold = Font(bold=True)
    workbook = openpyxl.Workbook()
    for index, (title, blocks) in enumerate(sheets(figures)):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = title[:31]  # Excel's limit on a sheet name
        for number, (block_title, headers, rows, rate_columns) in enumerate(blocks):
            if number:
                sheet.append([])
            sheet.append([block_title])
            sheet.cell(sheet.max_row, 1).font = bold
            sheet.append(list(headers))
            for cell in sheet[sheet.max_row]:
                cell.font = bold
            if not rows:
                sheet.append([_("No data")])
            for row in rows:
                sheet.append(list(row))
                line = sheet[sheet.max_row]
                protect_xlsx_cells(line)
                for column in rate_columns:
                    line[column].number_format = "0.0%"
        sheet.column_dimensions["A"].width = 28
    with staged_file(target) as temp:
        workbook.save(temp)
    return target


__all__ = ["Block", "sheets", "write_workbook_file"]
