"""Reading spreadsheets a person hands over: CSV/TXT and XLSX, row by row, streamed, within the limits.

Every file passes the checks of :mod:`communitycore.io.limits` before a parser sees it: a CSV or
TXT is opened with :func:`~communitycore.io.limits.open_text` (regular file, size, encoding: UTF-8
with or without BOM, UTF-16 with BOM as Excel's "Unicode text" writes it, GB18030; line lengths),
a workbook is checked with :func:`~communitycore.io.limits.check_xlsx` and its sheet counted with
:func:`~communitycore.io.limits.scan_xlsx_sheet` before python-calamine or openpyxl reads it.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from communitycore.errors import InvalidValue, Problem
from communitycore.i18n import _
from communitycore.io.limits import (
    DEFAULT_LIMITS,
    Limits,
    SheetScan,
    UnsafeInput,
    bounded_rows,
    capped_rows,
    check_xlsx,
    detect_delimiter,
    open_regular_file,
    open_text,
    scan_xlsx_sheet,
)

#: Workbooks up to this size are read with python-calamine, which is fast but holds the sheet in
#: memory (about 15 MB per 10,000 rows); larger ones are streamed with openpyxl's read-only mode,
#: slower but in constant memory. For the largest imports, CSV is the fastest format.
XLSX_IN_MEMORY_LIMIT = 8 << 20
#: python-calamine allocates one cell for every position from A1 to the sheet's farthest cell,
#: so a sheet whose rectangle (last row × last column, as counted by ``scan_xlsx_sheet``) is
#: larger than this is streamed with openpyxl instead, whatever the file's size: 1,000,000
#: cells are about 100 MB in calamine.
XLSX_IN_MEMORY_CELLS = 1_000_000
#: File name suffixes read as text: ``.txt`` is what Excel's "Unicode text" (UTF-16, tab-separated) saves.
TEXT_SUFFIXES = (".csv", ".txt")


def estimate_rows(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> int | None:
    """Data rows in a spreadsheet, cheaply and safely (for a progress bar's length); None if unknown.

    A CSV/TXT's line breaks are counted (its encoding is not checked: this is an estimate); a
    workbook's first sheet gives its declared dimension, read by
    :func:`~communitycore.io.limits.check_xlsx` without a spreadsheet library. Anything the
    limits refuse gives None: the import itself reports it properly.
    """
    source = Path(path)
    try:
        if source.suffix.lower() in TEXT_SUFFIXES:
            lines = 0
            last = b"\n"
            with open_regular_file(source, max_bytes=limits.max_file_bytes) as fh:
                while chunk := fh.read(1 << 20):
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
            return max(0, lines + (last != b"\n") - 1)  # minus the header row
        if source.suffix.lower() == ".xlsx":
            sheets = check_xlsx(source, limits).worksheets
            rows = sheets[0].rows if sheets else None
            return None if rows is None else max(0, rows - 1)
    except (UnsafeInput, OSError):
        return None
    return None


class SheetReader:
    """The rows of a file's first sheet as sequences of cells, header first, streamed.

    For CSV the iterator handed out is ``csv.reader`` itself, with no generator in between:
    per-row overhead is what limits a million-row import. Row numbers are counted by the caller
    from :attr:`first_number`, the row of the header (after blank leading rows of a workbook).
    """

    def __init__(self, path: Path, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        suffix = path.suffix.lower()
        if suffix not in (*TEXT_SUFFIXES, ".xlsx"):
            raise InvalidValue(_("{file}: imports read .csv, .txt or .xlsx files, not {suffix}").format(
                file=path.name, suffix=suffix or _("this")))
        self.kind = "csv" if suffix in TEXT_SUFFIXES else "xlsx"
        self.limits = limits
        self._scan: SheetScan | None = None  # the sheet counted once, for every read of it
        self.encoding = ""
        self.first_number = 1
        """The spreadsheet row number of the first row (the header)."""
        self.read_errors: tuple[type[BaseException], ...] = (UnicodeDecodeError, csv.Error)
        """Errors the iterator may raise part-way through a damaged file."""

    @contextlib.contextmanager
    def rows(self) -> Iterator[Iterator[Sequence[Any]]]:
        """Every row, header first; streamed, never loaded whole.

        Raises :class:`~communitycore.io.limits.UnsafeInput` for a file the limits refuse (not a
        regular file, too large, an undecodable byte with its line and offset, a sheet too big).
        """
        self.first_number = 1
        if self.kind == "csv":
            with open_text(self.path, self.limits) as fh:
                self.encoding = fh.encoding
                first = fh.readline()
                fh.seek(0)
                # Comma, tab (Excel's "Unicode text", or tab-separated text named .csv) or semicolon.
                yield capped_rows(csv.reader(fh, delimiter=detect_delimiter(first)), self.limits, path=self.path)
        else:
            with self._xlsx_rows() as rows:
                yield rows

    def failure(self, number: int, exc: BaseException) -> Problem:
        """The problem to report when reading stopped at row ``number``."""
        if isinstance(exc, UnicodeDecodeError):
            return Problem(number, "(file)", f"is not valid {self.encoding} text from here on; save the file as "
                           "UTF-8 (CSV UTF-8) and import it again")
        return Problem(number, "(file)", f"cannot be read from here on: {exc}")

    def scan(self) -> SheetScan:
        """The workbook checked and its first worksheet counted, once, before a reader opens it.

        Raises :class:`~communitycore.io.limits.UnsafeInput` for a workbook the limits refuse.
        """
        if self._scan is None:
            self._scan = scan_xlsx_sheet(self.path, 0, self.limits)  # check_xlsx first, then the sheet's cells
        return self._scan

    def _unreadable(self, exc: BaseException) -> InvalidValue:
        return InvalidValue(_("{file} is not a readable .xlsx workbook: {error}").format(
            file=self.path.name, error=exc))

    @contextlib.contextmanager
    def _xlsx_rows(self) -> Iterator[Iterator[Sequence[Any]]]:
        scan = self.scan()  # before calamine: one far cell would make it allocate hundreds of gigabytes
        if self.path.stat().st_size > XLSX_IN_MEMORY_LIMIT or scan.max_row * scan.max_column > XLSX_IN_MEMORY_CELLS:
            with self._openpyxl_rows() as rows:
                yield rows
            return
        from python_calamine import CalamineError, CalamineWorkbook

        self.read_errors = (CalamineError, ValueError, OverflowError)  # and its cell conversions
        try:
            workbook = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine's errors are not CommunityCoreErrors; say which file
            raise self._unreadable(exc) from exc
        try:
            try:
                # The sheet scanned, by name: calamine's indexes count chart sheets too.
                sheet = workbook.get_sheet_by_name(scan.name)
            except Exception as exc:
                raise self._unreadable(exc) from exc
            # Rows come from the sheet's row 1, blank leading rows included (as empty strings).
            yield self._skip_leading_blank_rows(iter(sheet.iter_rows()))
        finally:
            workbook.close()

    @contextlib.contextmanager
    def _openpyxl_rows(self) -> Iterator[Iterator[Sequence[Any]]]:
        import openpyxl

        # openpyxl raises whatever its XML and value parsers raise on a damaged sheet part.
        self.read_errors = (Exception,)
        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl's errors are not CommunityCoreErrors; say which file
            raise self._unreadable(exc) from exc
        try:
            try:
                sheet = workbook[self.scan().name]
            except Exception as exc:
                raise self._unreadable(exc) from exc
            # Streamed, so the rows and columns are capped as they come; the scan counted them already.
            rows = bounded_rows(sheet.iter_rows(min_row=1, values_only=True), self.limits, path=self.path)
            yield self._skip_leading_blank_rows(iter(rows))
        finally:
            workbook.close()

    def _skip_leading_blank_rows(self, rows: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        # The header is the first row with anything in it; rows are still numbered from the top.
        for cells in rows:
            if any(c is not None and c != "" for c in cells):
                yield cells
                break
            self.first_number += 1
        yield from rows
