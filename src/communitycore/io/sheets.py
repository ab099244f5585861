"""Reading spreadsheets a person hands over: CSV (UTF-8 or GB18030) and XLSX, row by row, streamed."""

from __future__ import annotations

import codecs
import contextlib
import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from communitycore.errors import InvalidValue, Problem

#: Workbooks up to this size are read with python-calamine, which is fast but holds the sheet in
#: memory (about 15 MB per 10,000 rows); larger ones are streamed with openpyxl's read-only mode,
#: slower but in constant memory. For the largest imports, CSV is the fastest format.
XLSX_IN_MEMORY_LIMIT = 8 << 20


def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the start of the file decodes as such, else GB18030.

    Excel on Chinese Windows saves "CSV" in the ANSI code page (GBK), which GB18030 contains.
    """
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    try:
        # Not final: a multi-byte character cut at the end of the sample is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


class SheetReader:
    """The rows of a file's first sheet as sequences of cells, header first, streamed.

    For CSV the iterator handed out is ``csv.reader`` itself, with no generator in between:
    per-row overhead is what limits a million-row import. Row numbers are counted by the caller
    from :attr:`first_number`, the row of the header (after blank leading rows of a workbook).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise InvalidValue(f"{path.name}: imports read .csv or .xlsx files, not {suffix or 'this'}")
        self.kind = suffix[1:]
        self.encoding = ""
        self.first_number = 1
        """The spreadsheet row number of the first row (the header)."""
        self.read_errors: tuple[type[BaseException], ...] = (UnicodeDecodeError, csv.Error)
        """Errors the iterator may raise part-way through a damaged file."""

    @contextlib.contextmanager
    def rows(self) -> Iterator[Iterator[Sequence[Any]]]:
        """Every row, header first; streamed, never loaded whole."""
        if not self.path.is_file():
            raise InvalidValue(f"there is no file {self.path}")
        self.first_number = 1
        if self.kind == "csv":
            self.encoding = csv_encoding(self.path)
            with self.path.open(encoding=self.encoding, newline="") as fh:
                first = fh.readline()
                fh.seek(0)
                # Some tools write tab-separated text with a .csv name; the header line tells.
                yield csv.reader(fh, delimiter="\t" if "\t" in first and "," not in first else ",")
        else:
            with self._xlsx_rows() as rows:
                yield rows

    def failure(self, number: int, exc: BaseException) -> Problem:
        """The problem to report when reading stopped at row ``number``."""
        if isinstance(exc, UnicodeDecodeError):
            return Problem(number, "(file)", f"is not valid {self.encoding} text from here on; save the file as "
                           "UTF-8 (CSV UTF-8) and import it again")
        return Problem(number, "(file)", f"cannot be read from here on: {exc}")

    @contextlib.contextmanager
    def _xlsx_rows(self) -> Iterator[Iterator[Sequence[Any]]]:
        if self.path.stat().st_size > XLSX_IN_MEMORY_LIMIT:
            with self._openpyxl_rows() as rows:
                yield rows
            return
        from python_calamine import CalamineError, CalamineWorkbook

        self.read_errors = (CalamineError,)
        try:
            workbook = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine's errors are not CommunityCoreErrors; say which file
            raise InvalidValue(f"{self.path.name} is not a readable .xlsx workbook: {exc}") from exc
        try:
            # Rows come from the sheet's row 1, blank leading rows included (as empty strings).
            yield self._skip_leading_blank_rows(iter(workbook.get_sheet_by_index(0).iter_rows()))
        finally:
            workbook.close()

    @contextlib.contextmanager
    def _openpyxl_rows(self) -> Iterator[Iterator[Sequence[Any]]]:
        import zipfile

        import openpyxl

        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise InvalidValue(f"{self.path.name} is not a readable .xlsx workbook: {exc}") from exc
        try:
            yield self._skip_leading_blank_rows(workbook.worksheets[0].iter_rows(min_row=1, values_only=True))
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
