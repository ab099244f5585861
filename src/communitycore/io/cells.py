"""Cells a spreadsheet shows as text and never runs: the one helper every CSV and XLSX writer uses.

A spreadsheet takes a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(and, as OWASP's "CSV injection" advice adds, one starting with a tab or a carriage return), so
a member named ``=HYPERLINK("http://…","点击")`` in an export would become a link, or run a
command through DDE, when a secretary opens the file. Writers neutralise such cells here:

* CSV has no types, so :func:`csv_cell` / :func:`csv_row` put an apostrophe ``'`` before the
  text, as OWASP recommends: Excel and WPS show it as text (the apostrophe stays in the file);
* XLSX has text cells: :func:`protect_xlsx_cells` makes such a cell a text cell with Excel's own
  "quote prefix" style, so it is shown, kept and read back exactly as written, and Excel does
  not turn it into a formula when the cell is edited.

Nothing here imports openpyxl: the XLSX helper works on the cells a writer already made.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_PREFIXES", "csv_cell", "csv_row", "is_formula_like", "protect_xlsx_cells"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """Whether ``value`` is text a spreadsheet would take as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_cell(value: Any) -> Any:
    """``value`` for a CSV cell: text a spreadsheet would run gets a leading ``'``; anything else as it is."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer.writerow`` with every cell through :func:`csv_cell`."""
    return [csv_cell(value) for value in values]


def protect_xlsx_cells(cells: Iterable[Any]) -> None:
    """Make every formula-like text cell among openpyxl ``cells`` a quote-prefixed text cell, in place.

    Works on the cells of a worksheet (``sheet[row]``) and on ``WriteOnlyCell`` objects before
    they are appended. openpyxl itself stores any text starting with ``=`` as a formula.
    """
    for cell in cells:
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
