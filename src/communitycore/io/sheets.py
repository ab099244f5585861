"""Reading spreadsheets a person hands over: CSV/TXT and XLSX, row by row, streamed, within the limits.

Every file passes the checks of ``communitycore.io.limits`` before a parser sees it: a CSV or
TXT is opened with ``open_text`` (regular file, size, encoding: UTF-8
with or without BOM, UTF-16 with BOM as Excel's "Unicode text" writes it, GB18030; line lengths),
a workbook is checked with ``check_xlsx`` and its sheet counted with
``scan_xlsx_sheet`` before python-calamine or openpyxl reads it.

Offices' spreadsheets often carry a title row or two above the header (``某某社区党员花名册``,
``填报单位：……``). :class:`SheetReader` finds the header itself, given a test that recognises a
header row, or takes the row number it is told (``--header-row``); ``--sheet`` picks a sheet of a
workbook by name.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from communitycore.domain.fields import nfkc
from communitycore.errors import FILE_FIELD, InvalidValue, Problem
from communitycore.i18n import _, listing
from communitycore.io.limits import (
    DEFAULT_LIMITS,
    Limits,
    SheetScan,
    UnsafeInput,
    bounded_rows,
    capped_rows,
    check_xlsx,
    csv_problem,
    detect_delimiter,
    given_path,
    open_regular_file,
    open_text,
    scan_xlsx_sheet,
)

#: Rows looked at, from the top, for the header when no ``header_row`` is given.
HEADER_SEARCH_ROWS = 20

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
    ``check_xlsx`` without a spreadsheet library. Anything the
    limits refuse gives None: the import itself reports it properly.
    """
    source = given_path(path)
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


def _skip(rows: Iterator[Sequence[Any]], count: int) -> None:
    """Pass over ``count`` rows, stopping where the file ends: a header row given far beyond a
    short file (``--header-row 2147483647``) costs nothing, not two billion steps."""
    next(itertools.islice(rows, count, count), None)


class SheetReader:
    """The rows of a file's sheet as sequences of cells, header first, streamed, within the limits.

    For CSV the iterator handed out is ``csv.reader`` itself (capped), with little in between:
    per-row overhead is what limits a million-row import. Row numbers are counted by the caller
    from :attr:`first_number`, the spreadsheet row of the header.

    :param sheet: a workbook's sheet by name (default: the first sheet); refused for CSV.
    :param header_row: the row number (1 = the top) holding the headers; rows above it are
        ignored. Default: the first row that ``is_header`` accepts among the first
        :data:`HEADER_SEARCH_ROWS` rows with anything in them, else the first such row.
    :param is_header: recognises a header row (the member import: two cells naming known fields).
    :param what: what the file holds, in words of the run's language, for the refusal of a file
        of another type (the member import's ``_("members")`` reads 党员; default: rows, 数据行).
    """

    def __init__(self, path: Path, *, sheet: str | None = None, header_row: int | None = None,
                 is_header: Callable[[Sequence[Any]], bool] | None = None, what: str | None = None,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        what = _("rows") if what is None else what
        suffix = path.suffix.lower()
        if not suffix:
            raise InvalidValue(_("{file}: {what} are imported from .csv, .txt or .xlsx files, and this name has no "
                                 "such ending").format(file=path.name, what=what))
        if suffix not in (*TEXT_SUFFIXES, ".xlsx"):
            raise InvalidValue(_("{file}: {what} are imported from .csv, .txt or .xlsx files, not {suffix}").format(
                file=path.name, what=what, suffix=suffix))
        self.kind = "csv" if suffix in TEXT_SUFFIXES else "xlsx"
        if sheet is not None and self.kind == "csv":
            raise InvalidValue(_("{file} is a CSV file, which has no sheets; --sheet is for .xlsx workbooks")
                               .format(file=path.name))
        if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)
                                       or header_row < 1):
            raise InvalidValue(_("the header row is counted from 1 (the top row), got {row}").format(row=header_row))
        self.sheet = sheet
        self.header_row = header_row
        self.is_header = is_header
        self.limits = limits
        self._scan: SheetScan | None = None  # the sheet counted once, for every read of it
        self.encoding = ""
        self.first_number = 1
        """The spreadsheet row number of the first row handed out (the header)."""
        self._found_header: int | None = None  # found on the first read; later reads start there too
        self.read_errors: tuple[type[BaseException], ...] = (UnicodeDecodeError, csv.Error)
        """Errors the iterator may raise part-way through a damaged file."""

    @contextlib.contextmanager
    def rows(self) -> Iterator[Iterator[Sequence[Any]]]:
        """Every row from the header on; streamed, never loaded whole.

        Raises ``UnsafeInput`` for a file the limits refuse (not a
        regular file, too large, an undecodable byte with its line and offset, a sheet too big).
        """
        self.first_number = 1
        if self.kind == "csv":
            with open_text(self.path, self.limits) as fh:
                self.encoding = fh.encoding
                first = fh.readline()
                fh.seek(0)
                # Comma, tab (Excel's "Unicode text", or tab-separated text named .csv) or semicolon.
                delimiter = detect_delimiter(first)
                header = self._header_number(csv.reader(fh, delimiter=delimiter))
                fh.seek(0)
                reader = capped_rows(csv.reader(fh, delimiter=delimiter), self.limits, path=self.path)
                _skip(reader, header - 1)
                self.first_number = header
                yield reader
        else:
            with self._xlsx_rows() as rows:
                if self._found_header is None:
                    # Look at the top rows, then hand them out again: the workbook is read once.
                    top = list(itertools.islice(rows, 10 * HEADER_SEARCH_ROWS))
                    header = self._header_number(iter(top))
                    rows = itertools.chain(top, rows)
                else:
                    header = self._found_header
                _skip(rows, header - 1)
                self.first_number = header
                yield rows

    def _header_number(self, rows: Iterator[Sequence[Any]]) -> int:
        """The row number of the header, by ``header_row`` or by looking (remembered for later reads)."""
        if self._found_header is not None:
            return self._found_header
        if self.header_row is not None:
            self._found_header = self.header_row
            return self.header_row
        first_filled = None
        looked = 0
        for number, cells in enumerate(itertools.islice(rows, 10 * HEADER_SEARCH_ROWS), start=1):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if first_filled is None:
                first_filled = number
            if self.is_header is None or self.is_header(cells):
                self._found_header = number
                return number
            looked += 1
            if looked >= HEADER_SEARCH_ROWS:
                break
        self._found_header = first_filled or 1
        return self._found_header

    def failure(self, number: int, exc: BaseException) -> Problem:
        """The problem to report when reading stopped at row ``number``."""
        if isinstance(exc, UnicodeDecodeError):
            return Problem(number, FILE_FIELD, _("is not valid {encoding} text from here on; save the file as UTF-8 "
                                                 "(CSV UTF-8) and import it again").format(encoding=self.encoding))
        error = csv_problem(exc) if isinstance(exc, csv.Error) else exc
        return Problem(number, FILE_FIELD, _("cannot be read from here on: {error}").format(error=error))

    def scan(self) -> SheetScan:
        """The workbook checked and its sheet counted, once, before a reader opens it.

        Raises ``UnsafeInput`` for a workbook the limits refuse.
        """
        if self._scan is None:
            if self.sheet is not None:
                names = check_xlsx(self.path, self.limits).sheet_names
                if self.sheet not in names:
                    raise self._missing_sheet(names)
            # check_xlsx first, then the sheet's cells
            self._scan = scan_xlsx_sheet(self.path, 0 if self.sheet is None else self.sheet, self.limits)
        return self._scan

    def _missing_sheet(self, names: Sequence[str]) -> InvalidValue:
        return InvalidValue(_("{file} has no sheet named {sheet!r}; its sheets are: {names}").format(
            file=self.path.name, sheet=self.sheet, names=listing(names)))

    def _uncalculated(self, scan: SheetScan) -> InvalidValue:
        cells, more = listing(scan.uncalculated_cells), scan.uncalculated - len(scan.uncalculated_cells)
        if more:
            cells = _("{cells} and {more} more").format(cells=cells, more=more)
        return InvalidValue(_("{file} holds formulas saved without their results ({cells}): it was written by a "
                              "program and never calculated, so they would read as empty. Open it in Excel or WPS, "
                              "save it, and import it again").format(file=self.path.name, cells=cells))

    def _unreadable(self, exc: BaseException) -> InvalidValue:
        return InvalidValue(_("{file} is not a readable .xlsx workbook: {error}").format(
            file=self.path.name, error=exc))

    @contextlib.contextmanager
    def _xlsx_rows(self) -> Iterator[Iterator[Sequence[Any]]]:
        """The sheet's rows from row 1 (blank rows included, so numbers stay the spreadsheet's)."""
        scan = self.scan()  # before calamine: one far cell would make it allocate hundreds of gigabytes
        if scan.uncalculated:
            raise self._uncalculated(scan)
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
            yield iter(sheet.iter_rows())
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
                worksheet = workbook[self.scan().name]
            except Exception as exc:
                raise self._unreadable(exc) from exc
            # Streamed, so the rows and columns are capped as they come; the scan counted them already.
            yield iter(bounded_rows(worksheet.iter_rows(min_row=1, values_only=True), self.limits, path=self.path))
        finally:
            workbook.close()


# Headers and cells, as every import reads them -------------------------------------------------------


def cell_value(value: Any) -> Any:
    """A spreadsheet cell as the field parsers take it: text, or a date for date cells."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 13812345678 and 12 as floats
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value
    return str(value)


def header_key(text: str) -> str:
    """A header as it is looked up: no BOM, no spaces inside (``姓  名``), full-width letters plain, lower case."""
    return nfkc("".join(text.replace("\ufeff", "").split())).lower()


class Columns:
    """Where each field's column is, read from a header row against a table of accepted headers.

    :param aliases: field -> accepted headers (the English field name is accepted too); the
        first is the one messages name.
    :param required: fields whose column must be there.
    :param ignored: headers of columns read past (``序号``, ``备注``).
    :param extra: a function naming the field of a header the aliases do not list (or None).
    """

    def __init__(self, cells: Sequence[Any], number: int, aliases: Mapping[str, Sequence[str]], *,
                 required: Sequence[str] = (), ignored: Sequence[str] = (),
                 extra: Callable[[str], str | None] | None = None) -> None:
        lookup = {header_key(field): field for field in aliases}
        lookup.update({header_key(h): field for field, headers in aliases.items() for h in headers})
        skip = {header_key(h) for h in ignored}
        self.index: dict[str, int] = {}
        self.headers: dict[str, str] = {}
        self.unnamed: list[int] = []
        self.problems: list[Problem] = []
        for position, cell in enumerate(cells):
            header = str(cell_value(cell)).replace("\ufeff", "").strip()
            key = header_key(header)
            if not key:
                self.unnamed.append(position)
                continue
            if key in skip:
                continue
            field = lookup.get(key) or (extra(header) if extra is not None else None)
            if field is None:
                known = listing(headers[0] for headers in aliases.values() if headers)
                self.problems.append(Problem(number, header, _("unknown column; use one of {known}").format(
                    known=known)))
            elif field in self.index:
                self.problems.append(Problem(number, header, _("names the same field as column {other!r}").format(
                    other=self.headers[field])))
            else:
                self.index[field] = position
                self.headers[field] = header
        for field in required:
            if field not in self.index:
                first = aliases[field][0] if aliases[field] else field
                self.problems.append(Problem(number, first, _("the column is missing (field {field!r}); it is "
                                                              "required").format(field=field)))

    def read(self, cells: Sequence[Any]) -> dict[str, Any]:
        """The row's non-blank values by field (cells as :func:`cell_value` gives them)."""
        out: dict[str, Any] = {}
        for field, position in self.index.items():
            if position < len(cells):
                value = cell_value(cells[position])
                if not (isinstance(value, str) and not value.strip()):
                    out[field] = value
        return out

    def stray(self, cells: Sequence[Any], number: int) -> list[Problem]:
        """Values in columns without a header (a problem: where would they go?)."""
        return [Problem(number, _("column {n}").format(n=position + 1), _("has a value but no header"))
                for position in self.unnamed
                if position < len(cells) and str(cell_value(cells[position])).strip()]


def is_header_of(aliases: Mapping[str, Sequence[str]], minimum: int = 2) -> Callable[[Sequence[Any]], bool]:
    """A header test for :class:`SheetReader`: at least ``minimum`` cells name fields of ``aliases``."""
    keys = {header_key(field) for field in aliases} | {header_key(h) for hs in aliases.values() for h in hs}

    def test(cells: Sequence[Any]) -> bool:
        return sum(1 for c in cells if c is not None and header_key(str(c)) in keys) >= minimum

    return test
