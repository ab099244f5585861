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
from communitycore.io.cells import csv_row, is_formula_like, protect_xlsx_cells
from communitycore.io.files import staged_file

__all__ = ["write_table"]


def write_table(path: str | os.PathLike[str], headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                sheet: str | None = None) -> Path:
    """Write ``headers`` and ``rows`` to ``path`` (``.csv`` or ``.xlsx``, the sheet named ``sheet``); returns the path.

    :raises InvalidValue: the file is neither ``.csv`` nor ``.xlsx``.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidValue(_("the file must be .csv or .xlsx, not {name!r}").format(name=target.name))
    with staged_file(target) as partial:
        if suffix == ".csv":
            with open(partial, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(csv_row(headers))
                writer.writerows(csv_row(row) for row in rows)
        else:
            _write_xlsx(partial, headers, rows, sheet)
    return target


def _write_xlsx(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str | None) -> None:
    # openpyxl takes a while to import; only exports to .xlsx pay for it.
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    page = book.create_sheet(sheet)

    def cells(values: Sequence[Any]) -> list[Any]:
        # Only a formula-like text needs a cell object of its own; the rest go in as plain values.
        return [_text_cell(page, WriteOnlyCell, v) if is_formula_like(v) else v for v in values]

    page.append(cells(headers))
    for row in rows:
        page.append(cells(row))
    book.save(path)


def _text_cell(page: Any, make: Any, value: str) -> Any:
    cell = make(page, value=value)
    protect_xlsx_cells([cell])
    return cell
