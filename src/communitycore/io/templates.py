"""The member import template: Chinese (or English) headers, an example row and, in XLSX, the allowed values."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from communitycore.domain.identity import check_character
from communitycore.errors import InvalidValue
from communitycore.i18n import _
from communitycore.io.cells import csv_row, protect_xlsx_cells
from communitycore.io.files import staged_file
from communitycore.io.limits import given_path
from communitycore.io.member_import import CODED_FIELDS, DATE_FIELDS, MEMBER_HEADERS

__all__ = ["template_headers", "write_template"]

_EXAMPLE_FIRST17 = "11010119850312123"  # 北京市东城区, born 1985-03-12, sequence 123 (odd: male)

_EXAMPLE: dict[str, tuple[str, str]] = {  # field -> (Chinese template value, English template value)
    "name": ("张三", "Zhang San"),
    "gender": ("男", "male"),
    "ethnicity": ("汉族", "Han"),
    "birth_date": ("1985-03-12", "1985-03-12"),
    "id_number": (_EXAMPLE_FIRST17 + check_character(_EXAMPLE_FIRST17),) * 2,
    "education": ("本科", "bachelor"),
    "join_date": ("2010-07-01", "2010-07-01"),
    "full_date": ("2011-07-01", "2011-07-01"),
    "category": ("正式党员", "full"),
    "standing": ("正常", "normal"),
    "unit": ("某某街道党工委/某某社区党委/第一党支部", "Street Committee/Community Committee/Branch 1"),
    "phone": ("13800138000", "13800138000"),
    "post": ("", ""),
    "employer": ("某某公司", "Example Ltd."),
    "in_service": ("是", "yes"),
}

_NOTES: dict[str, tuple[str, str]] = {  # field -> (Chinese note, English note)
    "name": ("必填", "required"),
    "gender": ("男/女；可留空，按公民身份号码填", "male/female; blank: taken from the ID number"),
    "ethnicity": ("如 汉族", "e.g. Han"),
    "birth_date": ("YYYY-MM-DD（也可 YYYY/MM/DD、YYYYMMDD）；须与公民身份号码一致；可留空",
                   "YYYY-MM-DD (or YYYY/MM/DD, YYYYMMDD); must agree with the ID number; blank: taken from it"),
    "id_number": ("18位，校验码正确；单元格请设为文本格式", "18 characters with a valid check character; "
                  "format the cells as text"),
    "education": ("见下表", "see the table below"),
    "join_date": ("YYYY-MM-DD", "YYYY-MM-DD"),
    "full_date": ("YYYY-MM-DD；预备党员留空", "YYYY-MM-DD; blank for probationary members"),
    "category": ("见下表；留空为正式党员", "see the table below; blank: full member"),
    "standing": ("见下表；留空为正常", "see the table below; blank: normal"),
    "unit": ("必填：党组织编号，或从顶层起的完整路径，用 / 分隔",
             "required: the unit id, or its full path from the top, joined with /"),
    "phone": ("手机号或固定电话（区号-号码）", "mobile, or landline as area code-number"),
    "post": ("见下表；无职务留空", "see the table below; blank for none"),
    "employer": ("", ""),
    "in_service": ("是/否", "yes/no"),
}


def template_headers(lang: str = "zh") -> list[str]:
    """The header row of a template: Chinese headers, or the English field names for ``lang="en"``."""
    return [field if lang == "en" else headers[0] for field, headers in MEMBER_HEADERS.items()]


def write_template(path: str | os.PathLike[str], *, lang: str = "zh") -> Path:
    """Write an import template (``.csv`` or ``.xlsx``) with the headers and one example row.

    Chinese headers by default, English field names with ``lang="en"``. A CSV is written as
    UTF-8 with a BOM so that Excel opens it correctly; an ``.xlsx`` has a second sheet listing
    each column's format and the allowed values (code and Chinese label) of the coded columns.
    """
    if lang not in ("zh", "en"):
        raise InvalidValue(_("lang must be 'zh' or 'en', got {lang!r}").format(lang=lang), key=lang)
    target = given_path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidValue(_("a template is a .csv or .xlsx file, not {name!r}").format(name=suffix or target.name),
                           entity="file", key=target.name)
    headers = template_headers(lang)
    example = [_EXAMPLE[field][lang == "en"] for field in MEMBER_HEADERS]
    # Written beside the target and renamed when complete; a folder that is missing or read-only is
    # a CannotWrite naming the file.
    with staged_file(target) as partial:
        if suffix == ".csv":
            with partial.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(csv_row(headers))
                writer.writerow(csv_row(example))
        else:
            _write_xlsx_template(partial, headers, example, lang)
    return target


def _write_xlsx_template(target: Path, headers: list[str], example: list[str], lang: str) -> None:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    en = lang == "en"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "members" if en else "党员信息"
    sheet.append(headers)
    sheet.append(example)
    protect_xlsx_cells(cell for row in sheet.iter_rows() for cell in row)
    bold = Font(bold=True)
    for index, field in enumerate(MEMBER_HEADERS, start=1):
        sheet.cell(row=1, column=index).font = bold
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if field == "unit" else 20 if field == "id_number" else 14
        if field in ("id_number", "phone") or field in DATE_FIELDS:
            # Text cells, so Excel neither rounds 18-digit numbers nor turns dates into serials.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("allowed values" if en else "填写说明")
    notes.append(["column", "field", "format"] if en else ["列", "字段", "填写要求"])
    for header, field in zip(headers, MEMBER_HEADERS, strict=True):
        notes.append([header, field, _NOTES[field][en]])
    notes.append([])
    notes.append(["column", "code", "中文", "English", "also accepted"] if en
                 else ["列", "代码", "中文", "English", "也可填写"])
    values_header = notes.max_row
    coded = CODED_FIELDS
    for header, field in zip(headers, MEMBER_HEADERS, strict=True):
        for member in coded.get(field, ()):
            notes.append([header, member.value, member.zh, member.en, "、".join(member.aliases)])
    protect_xlsx_cells(cell for row in notes.iter_rows() for cell in row)
    for row in (1, values_header):
        for cell in notes[row]:
            cell.font = bold
    for letter, width in zip("ABCDE", (16, 20, 60, 28, 24), strict=True):
        notes.column_dimensions[letter].width = width
    workbook.save(target)
