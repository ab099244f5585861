"""Assessment results as a file: ``.csv`` (UTF-8 with a BOM, as Excel on Chinese Windows expects) or ``.xlsx``.

Written through :func:`~communitycore.io.files.staged_file`: the file appears whole or not at
all. Text that a spreadsheet would take for a formula is written with a leading ``'``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from communitycore.errors import InvalidValue
from communitycore.i18n import _
from communitycore.io.files import staged_file

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def write_table(path: str | os.PathLike[str], headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                sheet: str) -> Path:
    """Write ``headers`` and ``rows`` to ``path`` (.csv or .xlsx); returns the path."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidValue(_("results are written as .xlsx or .csv, not {suffix}").format(
            suffix=suffix or target.name))
    with staged_file(target) as partial:
        if suffix == ".csv":
            with partial.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(headers)
                writer.writerows([_safe(c) for c in row] for row in rows)
        else:
            # openpyxl takes a while to import; only exports to .xlsx pay for it.
            import openpyxl

            book = openpyxl.Workbook(write_only=True)
            page = book.create_sheet(sheet)
            page.append(list(headers))
            for row in rows:
                page.append([_safe(c) for c in row])
            book.save(partial)
    return target
