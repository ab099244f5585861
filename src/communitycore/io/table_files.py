"""Tables as files: a header row and rows, as ``.csv`` (UTF-8 with a BOM, as Excel and WPS on
Chinese Windows open it) or ``.xlsx``. What assessment results, dues ledgers and service
metrics are exported through.

The file appears whole or not at all (:func:`~communitycore.io.files.staged_file`); cells a
spreadsheet would run as formulas are neutralised by :mod:`communitycore.io.cells`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from communitycore.errors import InvalidValue
from communitycore.i18n import _
from communitycore.io.cells import csv_row, protect_xlsx_cells
from communitycore.io.files import staged_file
from communitycore.io.limits import given_path

__all__ = ["write_csv", "write_table", "write_xlsx"]

#: One sheet of a workbook: its title (None: openpyxl's own), its header row and its rows.
Sheet = tuple[str | None, Sequence[str], Iterable[Sequence[Any]]]


def write_table(path: str | os.PathLike[str], headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                sheet: str | None = None) -> Path:
    """Write ``headers`` and ``rows`` to ``path`` (``.csv`` or ``.xlsx``, the sheet named ``sheet``); returns the path.

    :raises InvalidValue: the file is neither ``.csv`` nor ``.xlsx``.
    """
    target = given_path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidValue(_("the file must be .csv or .xlsx, not {name!r}").format(name=target.name))
    with staged_file(target) as partial:
        if suffix == ".csv":
            write_csv(partial, headers, rows)
        else:
            write_xlsx(partial, [(sheet, headers, rows)])
    return target


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """A CSV file at ``path`` (a staged file: see :func:`~communitycore.io.files.staged_file`),
    UTF-8 with a BOM as Excel and WPS on Chinese Windows open it; returns the rows written."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(csv_row(headers))
        for row in rows:
            writer.writerow(csv_row(row))
            count += 1
    return count


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> list[int]:
    """A workbook at ``path`` (a staged file), one sheet each, written as it streams; returns the
    rows written to each sheet.

    Headers are bold and stay in view; text is a text cell in Excel's text format, so ID numbers
    keep every digit and nothing is taken for a formula, even when the cell is edited.
    """
    # openpyxl takes a while to import; only exports to .xlsx pay for it.
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    counts = []
    for title, headers, rows in sheets:
        page = book.create_sheet(title)
        page.freeze_panes = "A2"

        def heading(text: str) -> Any:
            cell = WriteOnlyCell(page, value=text)  # noqa: B023 - used at once, in this sheet's turn
            cell.font = bold
            return cell

        def text(value: str) -> Any:
            cell = WriteOnlyCell(page, value=value)  # noqa: B023 - used at once, in this sheet's turn
            cell.data_type = "s"
            cell.number_format = "@"
            protect_xlsx_cells([cell])
            return cell

        page.append([heading(h) for h in headers])
        count = 0
        for row in rows:
            page.append([text(v) if isinstance(v, str) else v for v in row])
            count += 1
        counts.append(count)
    book.save(path)
    return counts
