"""Limits on input files, so that no file can crash, exhaust or hang the process.

Every file a person hands to the library (a member spreadsheet, a CSV, an export, a pack, a
config file) goes through one of the checks here *before* a parser sees it:

* :func:`require_regular_file` / :func:`open_regular_file`: only regular files, checked with
  ``os.stat`` and ``fstat`` (opening a FIFO would block forever), symlink loops and missing files
  reported plainly;
* :func:`check_xlsx`: the zip container and the sheets' declared sizes, read with :mod:`zipfile`
  and a bounded inflater, never with a spreadsheet library; :func:`scan_xlsx_sheet`: what a
  sheet really holds, since a dimension can be missing or lie (python-calamine allocates the
  rectangle from A1 to the farthest cell: one cell at ``XFD1048576`` in a 1.8 KB file is a
  512 GB allocation, and the process aborts, whatever the dimension says);
* :func:`detect_encoding`, :func:`open_text`, :func:`csv_rows`: CSV and TXT in UTF-8 (with or
  without BOM), UTF-16/32 with BOM, BOM-less UTF-16 and GB18030, validated in bounded memory;
* :func:`check_json_depth`, :func:`load_json_limited`, :func:`load_toml_limited`: nesting and
  size limits checked without recursion.

What is refused raises :class:`UnsafeInput` with a stable English :attr:`~UnsafeInput.reason_code`
and a Chinese message that says what to do. The messages live in :data:`MESSAGES`, one template
per message id, so that a translation pass can wrap them in one place.

This module imports only the standard library, ``attrs`` and :mod:`communitycore.errors`.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import itertools
import json
import os
import posixpath
import re
import stat
import struct
import tomllib
import zipfile
import zlib
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from xml.parsers import expat

import attrs

from communitycore.errors import CommunityCoreError, InvalidValue, os_reason
from communitycore.i18n import N_, _

__all__ = [
    "DEFAULT_LIMITS",
    "MESSAGES",
    "REASON_CODES",
    "BoundedTextIO",
    "InvalidSyntax",
    "Limits",
    "SheetInfo",
    "SheetScan",
    "UnsafeInput",
    "XlsxInfo",
    "bounded_rows",
    "capped_rows",
    "check_json_depth",
    "check_xlsx",
    "csv_problem",
    "csv_rows",
    "describe",
    "detect_delimiter",
    "detect_encoding",
    "load_json_limited",
    "load_toml_limited",
    "open_regular_file",
    "open_text",
    "require_regular_file",
    "scan_xlsx_sheet",
]

StrPath = str | os.PathLike[str]
T = TypeVar("T")

_KiB = 1024
_MiB = 1024 * _KiB
_GiB = 1024 * _MiB


# Limits --------------------------------------------------------------------------------------

_positive = attrs.validators.and_(attrs.validators.instance_of(int), attrs.validators.gt(0))


@attrs.frozen
class Limits:
    """The limits the checks apply; every figure is a positive int. See ``docs/limits.md``.

    The defaults fit the largest real input (a million-member city: a member CSV of about 210 MB,
    an xlsx of about 600 MB of XML) with room to spare, and refuse what no real file does.
    """

    #: Largest spreadsheet, CSV or TXT file on disk. A million-row member CSV is about 210 MB.
    max_file_bytes: int = attrs.field(default=512 * _MiB, validator=_positive)
    #: Largest JSON file checked by :func:`check_json_depth` (exports, read by a streaming parser).
    max_json_bytes: int = attrs.field(default=2 * _GiB, validator=_positive)
    #: Largest file read whole into memory: TOML packs and config, :func:`load_json_limited`.
    max_text_bytes: int = attrs.field(default=5 * _MiB, validator=_positive)
    #: Data rows of a sheet or CSV; one more row is allowed for the header.
    max_rows: int = attrs.field(default=1_000_000, validator=_positive)
    #: Columns of a sheet or CSV (a member sheet has 15).
    max_columns: int = attrs.field(default=200, validator=_positive)
    #: Cells of a sheet (rows × columns of its declared or real extent).
    max_cells: int = attrs.field(default=40_000_000, validator=_positive)
    #: Total uncompressed size of all members of an xlsx, as declared in its zip directory.
    max_uncompressed_bytes: int = attrs.field(default=1 * _GiB, validator=_positive)
    #: Uncompressed : compressed size of one xlsx member; real sheets stay well under 100:1.
    max_compression_ratio: int = attrs.field(default=200, validator=_positive)
    #: Members smaller than this uncompressed are not ratio-checked (tiny parts compress well).
    min_ratio_check_bytes: int = attrs.field(default=1 * _MiB, validator=_positive)
    #: Uncompressed size of an xlsx XML part other than a worksheet (shared strings, styles ...):
    #: readers hold those whole. 32 MB of shared strings is about 400,000 member rows of unique
    #: text; larger imports are made as CSV, which is streamed.
    max_part_bytes: int = attrs.field(default=32 * _MiB, validator=_positive)
    #: Members of an xlsx zip (a real workbook has tens); bounds the memory of its directory.
    max_zip_members: int = attrs.field(default=10_000, validator=_positive)
    #: Nesting of arrays and objects in JSON.
    max_json_depth: int = attrs.field(default=64, validator=_positive)
    #: Nesting of tables and arrays in TOML (inline, dotted keys and table headers alike).
    max_toml_depth: int = attrs.field(default=32, validator=_positive)
    #: Characters of one line of CSV/TXT, checked by :func:`open_text` (a member row has ~200).
    max_line_chars: int = attrs.field(default=1_000_000, validator=_positive)


DEFAULT_LIMITS = Limits()

# Fixed bounds that are implementation details rather than policy.
_CHUNK = 1 * _MiB  # read and inflate in pieces of this size
_MAX_XML_PART = 4 * _MiB  # workbook.xml and .rels parts are read whole (then streamed through expat)
_MAX_XML_DEPTH = 64  # element nesting in those parts (OOXML needs fewer than 10)
_SHEET_HEAD_BYTES = 4 * _MiB  # where <dimension> or <sheetData> must appear (after <cols> etc.)
_CD_BYTES_PER_MEMBER = 256  # central directory bytes allowed per member (names are short)


# Messages ------------------------------------------------------------------------------------

#: message id -> (reason code, English template, marked with ``N_``). Templates use
#: ``str.format`` fields; :func:`describe` translates the template, then fills it in.
MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("missing", N_("the file {name} does not exist: check the path and the file name")),
    "missing-target": ("missing", N_("{name} is a link to a file that does not exist: choose the file itself")),
    "not-regular-file": ("not-regular-file", N_("{name} is {kind}, not a regular file: choose the file itself")),
    "symlink-loop": ("symlink-loop", N_("{name} is a symbolic link that leads back to itself: choose the file "
                                        "itself")),
    "unreadable": ("unreadable", N_("cannot read the file {name} ({detail}): check that it exists and that you "
                                    "may read it")),
    "too-large": ("too-large", N_("the file {name} is {size}, more than the limit of {limit}: split it into "
                                  "smaller files and import them one by one")),
    "part-too-large": ("too-large", N_("the part {member} of {name} is {size} uncompressed, more than the limit "
                                       "of {limit}: the file may be damaged")),
    "line-too-long": ("too-large", N_("line {line} of {name} is longer than {limit} characters: the file may not "
                                      "be CSV, or it is damaged")),
    "xlsx-part": ("too-large", N_("the part {member} of {name} is {size} uncompressed, more than the {limit} a "
                                  "workbook part other than a sheet may have: for an import this large, save the "
                                  "sheet as CSV UTF-8 and import that")),
    "not-xlsx": ("not-xlsx", N_("{name} is not a valid .xlsx workbook ({detail}): open it in Excel and save it "
                                "as .xlsx")),
    "xlsx-ole": ("not-xlsx", N_("{name} is an old .xls workbook or a workbook with a password: remove the "
                                "password in Excel and save it as .xlsx")),
    "zip-members": ("zip-bomb", N_("{name} has {count} parts, more than the limit of {limit}: the file may be "
                                   "damaged or built to do harm")),
    "zip-total": ("zip-bomb", N_("{name} is {size} uncompressed, more than the limit of {limit}: the file may be "
                                 "built to do harm; if it really is data, split it into smaller workbooks")),
    "zip-ratio": ("zip-bomb", N_("the part {member} of {name} is compressed {ratio}:1, more than the limit of "
                                 "{limit}:1: the file may be built to do harm; open it in Excel and save it again")),
    "zip-lying": ("zip-bomb", N_("the part {member} of {name} inflates to more than the {size} it declares: the "
                                 "file is damaged or built to do harm")),
    "xlsx-dimension": ("xlsx-dimension", N_("the sheet “{sheet}” of {name} declares a range of {rows} rows "
                                            "× {columns} columns, more than the limit of {max_rows} rows × "
                                            "{max_columns} columns: check whether the file is damaged, or delete "
                                            "the extra rows and columns and save it again")),
    "xlsx-cells": ("xlsx-dimension", N_("the sheet “{sheet}” of {name} declares a range of {rows} rows "
                                        "× {columns} columns, {cells} cells, more than the limit of {limit}: "
                                        "check whether the file is damaged, or delete the extra rows and columns "
                                        "and save it again")),
    "xlsx-head": ("xlsx-dimension", N_("the sheet “{sheet}” of {name} holds no table in its first "
                                       "{limit}: the file may be damaged")),
    "too-many-rows": ("too-many-rows", N_("{name}{where} has more than {limit} data rows (plus one header row): "
                                          "split it into several files and import them one by one")),
    "too-many-columns": ("too-many-columns", N_("row {row} of {name}{where} has {columns} columns, more than the "
                                                "limit of {limit}: delete the extra columns")),
    "far-row": ("too-many-rows", N_("{name}{where} uses row {row}, beyond the limit of {limit} data rows (plus "
                                    "one header row): delete the extra rows and save it again")),
    "far-column": ("too-many-columns", N_("{name}{where} uses column {column}, beyond the limit of {limit} "
                                          "columns: delete the extra columns and save it again")),
    "too-many-cells": ("too-many-cells", N_("{name}{where} spans {rows} rows × {columns} columns, {cells} "
                                            "cells, more than the limit of {limit}: delete the extra rows and "
                                            "columns and save it again")),
    "encoding": ("encoding", N_("line {line} of {name} (byte {byte} of the file) holds bytes no known encoding "
                                "reads ({bytes}): save it as CSV in UTF-8 or GB18030")),
    "encoding-bom": ("encoding", N_("{name} starts by saying it is {codec}, but line {line} (byte {byte} of the "
                                    "file) holds bytes that are not valid {codec} ({bytes}): save the file again")),
    "encoding-changed": ("encoding", N_("line {line} of {name} holds bytes that cannot be read: the file may have "
                                        "changed while it was read; import it again")),
    "toml-encoding": ("encoding", N_("line {line} of {name} (byte {byte} of the file) holds bytes that are not "
                                     "UTF-8 ({bytes}): a TOML file must be UTF-8{hint}; save it as UTF-8")),
    "json-encoding": ("encoding", N_("line {line} of {name} (byte {byte} of the file) holds bytes that are not "
                                     "UTF-8 ({bytes}): a JSON file must be UTF-8; save it as UTF-8")),
    "bad-csv": ("bad-csv", N_("line {line} of {name} is not valid CSV ({detail}): open it in Excel and save it "
                              "as CSV again")),
    "too-deep": ("too-deep", N_("{name} is nested more than {limit} levels deep: check that the file has not "
                                "been changed or damaged")),
    # InvalidSyntax (no reason code: the file is safe to read, just not valid):
    "toml-syntax": ("", N_("{name} is not valid TOML at line {line}, column {column} ({detail}): check what is "
                           "written there")),
    "json-syntax": ("", N_("{name} is not valid JSON at line {line}, column {column} ({detail}): check what is "
                           "written there")),
    "toml-invalid": ("", N_("{name} is not valid TOML ({detail}): check its content")),
    "json-invalid": ("", N_("{name} is not valid JSON ({detail}): check its content")),
}

#: Every reason code :class:`UnsafeInput` can carry.
REASON_CODES: frozenset[str] = frozenset(code for code, _template in MESSAGES.values() if code)

#: What a non-regular file is, as the message names it (translated where it is shown).
_FILE_KINDS: dict[str, str] = {
    "directory": N_("a folder"),
    "fifo": N_("a named pipe (FIFO)"),
    "char-device": N_("a character device"),
    "block-device": N_("a block device"),
    "socket": N_("a socket"),
    "other": N_("a special file"),
}


def describe(message_id: str, **fields: Any) -> str:
    """The message for ``message_id`` (a key of :data:`MESSAGES`), translated, with ``fields`` filled in."""
    return _(MESSAGES[message_id][1]).format(**fields)


class UnsafeInput(CommunityCoreError, ValueError):
    """A file the library refuses to read because it could crash, exhaust or hang the process.

    ``reason_code`` is a stable English code (see :data:`REASON_CODES` and ``docs/limits.md``);
    ``message_id`` and ``details`` are the template and fields the message was made from, so a
    user interface can show it in another language.
    """

    code = "unsafe-input"

    def __init__(self, path: StrPath | None, reason_code: str, message: str, *,
                 message_id: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, entity="file", key=Path(path).name if path is not None else None)
        self.path = Path(path) if path is not None else None
        self.reason_code = reason_code
        self.message_id = message_id or reason_code
        self.details: dict[str, Any] = dict(details or {})

    def __reduce__(self) -> Any:  # picklable across processes despite the keyword arguments
        return (_rebuild, (type(self), self.path, self.reason_code, str(self), self.message_id, self.details))


class InvalidSyntax(InvalidValue):
    """A TOML or JSON file that is safe to read but not valid; ``line`` and ``column`` are 1-based."""

    def __init__(self, path: StrPath | None, message: str, *, line: int | None, column: int | None,
                 message_id: str = "", details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        self.message_id = message_id
        self.details: dict[str, Any] = dict(details or {})

    def __reduce__(self) -> Any:
        return (_rebuild_syntax, (type(self), self.path, str(self), self.line, self.column, self.message_id,
                                  self.details))


def _rebuild(cls: type[UnsafeInput], path: Path | None, reason: str, message: str, message_id: str,
             details: dict[str, Any]) -> UnsafeInput:
    return cls(path, reason, message, message_id=message_id, details=details)


def _rebuild_syntax(cls: type[InvalidSyntax], path: Path | None, message: str, line: int | None,
                    column: int | None, message_id: str, details: dict[str, Any]) -> InvalidSyntax:
    return cls(path, message, line=line, column=column, message_id=message_id, details=details)


def _unsafe(message_id: str, path: StrPath | None, **fields: Any) -> UnsafeInput:
    """The :class:`UnsafeInput` for ``message_id``; ``name`` defaults to the file's name."""
    fields.setdefault("name", _display_name(path))
    return UnsafeInput(path, MESSAGES[message_id][0], describe(message_id, **fields),
                       message_id=message_id, details=fields)


def _display_name(path: StrPath | None) -> str:
    return Path(path).name or str(path) if path is not None else _("(input)")


def _size(n: int) -> str:
    """A byte count as Windows Explorer shows it (1024-based), e.g. ``1.6 KB``, ``512 MB``."""
    if n < _KiB:
        return _("{count} bytes").format(count=n)
    for unit, scale in (("GB", _GiB), ("MB", _MiB), ("KB", _KiB)):
        if n >= scale:
            text = f"{n / scale:.1f}"
            return f"{text.removesuffix('.0')} {unit}"
    raise AssertionError("unreachable")


def _sizes(size: int, limit: int) -> dict[str, str]:
    """``size`` and ``limit`` for a message, exact in bytes where rounding would make them look equal."""
    shown, cap = _size(size), _size(limit)
    if shown == cap:
        shown, cap = (_("{count} bytes").format(count=n) for n in (size, limit))
    return {"size": shown, "limit": cap}


def _hex(data: bytes) -> str:
    return " ".join(f"0x{b:02X}" for b in data[:4])


# Regular files -------------------------------------------------------------------------------

def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode):
        return "char-device"
    if stat.S_ISBLK(mode):
        return "block-device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "other"


def _stat_error(path: StrPath, exc: OSError | ValueError) -> UnsafeInput:
    if isinstance(exc, ValueError):  # an embedded NUL in the path
        return _unsafe("unreadable", path, detail=_("the path holds a NUL character"))
    if exc.errno == errno.ELOOP:
        return _unsafe("symlink-loop", path)
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        try:
            os.lstat(path)
        except OSError:
            return _unsafe("missing", path)
        return _unsafe("missing-target", path)  # the link exists, its target does not
    return _unsafe("unreadable", path, detail=os_reason(exc))


def given_path(path: Any) -> Path:
    """``path`` as a :class:`~pathlib.Path`: the path of a file to read or write, as text or an
    ``os.PathLike``; anything else (None, bytes, a number) is refused here, in our words, before
    the standard library fails on it.

    :raises InvalidValue: ``path`` is not a path.
    """
    try:
        text = os.fspath(path)
    except TypeError:
        text = None
    if not isinstance(text, str):
        raise InvalidValue(_("a file is given by its path (text or a path object), not {value!r}").format(value=path))
    if _NOT_UTF8.search(text):
        # Python keeps a name's bytes that are not UTF-8 as lone surrogates; the audit and the ledger
        # record file names as text, so such a name is refused here, before anything is read.
        raw = os.fsencode(next(part for part in Path(text).parts if _NOT_UTF8.search(part)))
        try:
            shown = _("{name} (read as GBK)").format(name=raw.decode("gb18030"))
        except UnicodeDecodeError:
            shown = raw.decode("utf-8", "backslashreplace")
        raise InvalidValue(_("the name {name} in the file's path is not UTF-8 text (a name from a Windows archive "
                             "is often GBK): rename it and give the path again").format(name=shown), entity="file")
    return Path(text)


_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def require_regular_file(path: StrPath) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a regular file (symlinks followed), else refuse.

    Uses ``os.stat`` only: a FIFO, device, socket or directory is never opened (opening a FIFO
    blocks until someone writes to it). Raises :class:`UnsafeInput` with reason ``missing``,
    ``symlink-loop``, ``not-regular-file`` or ``unreadable``.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError) as exc:
        raise _stat_error(path, exc) from None
    if not stat.S_ISREG(mode):
        raise _unsafe("not-regular-file", path, kind=_(_FILE_KINDS[_kind(mode)]))
    return Path(path)


def open_regular_file(path: StrPath, *, max_bytes: int | None = None) -> io.BufferedReader:
    """Open a regular file for binary reading, refusing anything else and files over ``max_bytes``.

    Checks with :func:`require_regular_file`, then opens non-blocking and checks the open
    descriptor again (``fstat``), so a file swapped for a FIFO in between cannot hang the process.
    The caller closes the returned file (use it as a context manager).
    """
    file = require_regular_file(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(file, flags)
    except OSError as exc:
        raise _stat_error(file, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _unsafe("not-regular-file", file, kind=_(_FILE_KINDS[_kind(st.st_mode)]))
        if max_bytes is not None and st.st_size > max_bytes:
            raise _unsafe("too-large", file, **_sizes(st.st_size, max_bytes))
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        raw = io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise
    raw.name = str(file)  # messages and reprs show the path, not the fd
    return io.BufferedReader(raw, buffer_size=64 * _KiB)


# xlsx ----------------------------------------------------------------------------------------

@attrs.frozen
class SheetInfo:
    """One sheet of a workbook as its files declare it.

    ``rows`` and ``columns`` are the last row and column of the sheet's ``<dimension>`` (what a
    reader allocates), or None when the sheet declares none; a dimension can lie, so a reader
    still caps what it reads (:func:`scan_xlsx_sheet`, :func:`bounded_rows`).
    """

    name: str
    member: str
    """The zip member holding the sheet XML, e.g. ``xl/worksheets/sheet1.xml``."""
    kind: str
    """``worksheet``, ``chartsheet`` or another relationship type's last word."""
    rows: int | None
    columns: int | None
    uncompressed_bytes: int
    compressed_bytes: int

    @property
    def dimension(self) -> tuple[int, int] | None:
        """(rows, columns) as declared, or None."""
        return None if self.rows is None or self.columns is None else (self.rows, self.columns)

    @property
    def declared_cells(self) -> int | None:
        """rows × columns as declared, or None."""
        return None if self.rows is None or self.columns is None else self.rows * self.columns


@attrs.frozen
class XlsxInfo:
    """What :func:`check_xlsx` found: the sheets in workbook order and the zip's sizes."""

    path: Path
    sheets: tuple[SheetInfo, ...]
    file_bytes: int
    uncompressed_bytes: int
    """Total declared uncompressed size of all members."""
    members: int

    @property
    def sheet_names(self) -> list[str]:
        """The sheet names in workbook order."""
        return [s.name for s in self.sheets]

    @property
    def worksheets(self) -> tuple[SheetInfo, ...]:
        """The sheets that hold cells (not chart sheets), in order: ``worksheets[0]`` is what readers open."""
        return tuple(s for s in self.sheets if s.kind == "worksheet")

    def sheet(self, which: int | str = 0) -> SheetInfo:
        """A worksheet by index among :attr:`worksheets` or by name; raises :class:`InvalidValue`."""
        if isinstance(which, str):
            for s in self.sheets:
                if s.name == which:
                    return s
            raise InvalidValue(_("{file} has no sheet named “{sheet}”").format(file=self.path.name, sheet=which))
        sheets = self.worksheets
        if not -len(sheets) <= which < len(sheets):
            raise InvalidValue(_("{file} has no sheet number {number}").format(file=self.path.name, number=which + 1))
        return sheets[which]


@attrs.frozen
class SheetScan:
    """What a sheet really holds, counted by :func:`scan_xlsx_sheet`."""

    name: str
    rows: int
    """``<row>`` elements."""
    cells: int
    """``<c>`` elements."""
    max_row: int
    """The largest row number (what a reader allocates for), 0 for an empty sheet."""
    max_column: int
    """The largest column number, 0 for an empty sheet."""
    uncalculated: int = 0
    """Formula cells saved without their result: every reader sees them empty."""
    uncalculated_cells: tuple[str, ...] = ()
    """The first few of them, by reference (``C5``)."""


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EOCD = struct.Struct("<4sHHHHIIH")
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError,
               struct.error, KeyError, UnicodeDecodeError, zlib.error)

_DIM_OR_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(dimension|sheetData)(?=[\s/>])([^>]*)>")
_REF_ATTR = re.compile(rb"""(?:^|\s)ref\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_RANGE = re.compile(r"\$?([A-Za-z]{1,7})\$?([0-9]{1,10})(?::\$?([A-Za-z]{1,7})\$?([0-9]{1,10}))?")
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']\$?([A-Za-z]*)\$?([0-9]*)["']""")
# The fast path of the sheet scan. Each starts with a rare literal, which re finds at C speed (a
# leading space would make every space of a whitespace-padded sheet a candidate). No other
# attribute of <row> or <c> ends in "r"; a match elsewhere (firstPageNumber="1") makes that
# chunk's counts disagree, and the chunk takes the exact path.
_CELL_LETTERS = re.compile(rb'r="([A-Za-z]{1,7})[0-9]{1,10}"')
# A formula cell with no result, or an empty one (openpyxl writes ``<f>…</f><v />``).
_UNCALCULATED = re.compile(rb"<c\b([^>]*)>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")
_FORMULA = re.compile(rb"<f[\s>/]")  # a regular expression finds it twice as fast as ``in``
_UNCALCULATED_NAMED = 5
_REF_NUMBERS = re.compile(rb'r="[A-Za-z]{0,7}([0-9]{1,10})"')


def _column_number(letters: str | bytes) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


def _parse_range(ref: str) -> tuple[int, int] | None:
    """(last row, last column) of an A1 range such as ``A1:XFD1048576``; None if unreadable."""
    m = _RANGE.fullmatch(ref.strip())
    if not m:
        return None
    rows = int(m.group(2))
    columns = _column_number(m.group(1))
    if m.group(3):
        rows = max(rows, int(m.group(4)))
        columns = max(columns, _column_number(m.group(3)))
    return rows, columns


def _not_xlsx(path: StrPath, detail: str) -> UnsafeInput:
    return _unsafe("not-xlsx", path, detail=detail)


def _check_zip_directory(fh: BinaryIO, size: int, path: Path, limits: Limits) -> None:
    """Refuse a zip whose central directory is absent or too big, before zipfile parses it.

    zipfile builds a ZipInfo per directory entry, as many as the directory's declared byte
    size holds; a forged directory of millions of entries would cost gigabytes.
    """
    tail_len = min(size, _EOCD.size + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < _EOCD.size:
        raise _not_xlsx(path, _("not a zip file, or an incomplete one"))
    entries, cd_size, cd_offset = _EOCD.unpack_from(tail, pos)[4:7]
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        # zip64: the real figures are in the zip64 end record the locator points to.
        locator_at = size - tail_len + pos - _ZIP64_LOCATOR.size
        if locator_at >= 0:
            fh.seek(locator_at)
            locator = fh.read(_ZIP64_LOCATOR.size)
            if len(locator) == _ZIP64_LOCATOR.size and locator[:4] == b"PK\x06\x07":
                record_at = _ZIP64_LOCATOR.unpack(locator)[2]
                fh.seek(record_at)
                record = fh.read(_ZIP64_EOCD.size)
                if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
                    fields = _ZIP64_EOCD.unpack(record)
                    entries, cd_size = fields[7], fields[8]
    if entries > limits.max_zip_members or cd_size > limits.max_zip_members * _CD_BYTES_PER_MEMBER:
        raise _unsafe("zip-members", path, count=max(entries, cd_size // 46), limit=limits.max_zip_members)


def _member_chunks(fh: BinaryIO, info: zipfile.ZipInfo, path: Path) -> Generator[bytes, None, None]:
    """The uncompressed bytes of one member, in pieces of at most ``_CHUNK``.

    Inflates with zlib directly (not ``ZipFile.open``) so that the output is bounded by the
    member's declared size and a member whose data inflates to more is refused: other readers
    might trust the data over the declared size. The CRC is checked when the member is read to
    its end; a consumer that stops early simply closes the generator.
    """
    if info.flag_bits & 0x1:
        raise _unsafe("xlsx-ole", path)  # encrypted member
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _not_xlsx(path, _("the part {member} uses a compression method that is not supported").format(
            member=info.filename))
    fh.seek(info.header_offset)
    header = fh.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise _not_xlsx(path, _("the part {member} is damaged").format(member=info.filename))
    name_len, extra_len = _LOCAL_HEADER.unpack(header)[9:11]
    local_name = fh.read(name_len).decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
    if local_name != info.orig_filename:  # two directories disagreeing: readers would differ too
        raise _not_xlsx(path, _("the header of the part {member} disagrees with the zip directory").format(
            member=info.filename))
    fh.seek(extra_len, io.SEEK_CUR)
    left = info.compress_size
    produced = 0
    crc = 0
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while True:
        if inflater is not None and inflater.unconsumed_tail:
            data = inflater.unconsumed_tail
        elif left > 0:
            data = fh.read(min(_CHUNK, left))
            if not data:
                raise _not_xlsx(path, _("the part {member} is incomplete: the file may be cut short").format(
                    member=info.filename))
            left -= len(data)
        else:
            data = b""
        out = data if inflater is None else inflater.decompress(data, _CHUNK)
        produced += len(out)
        if produced > info.file_size:
            raise _unsafe("zip-lying", path, member=info.filename, size=_size(info.file_size))
        crc = zlib.crc32(out, crc)
        if out:
            yield out
        if inflater is None:
            if left <= 0:
                break
        elif inflater.eof:
            break
        elif not data and not out:
            raise _not_xlsx(path, _("the part {member} is incomplete: the file may be cut short").format(
                    member=info.filename))
    if produced != info.file_size or crc != info.CRC:
        raise _not_xlsx(path, _("the checksum of the part {member} is wrong: the file is damaged").format(
            member=info.filename))


def _read_part(fh: BinaryIO, info: zipfile.ZipInfo, path: Path) -> bytes:
    """A small XML part read whole (workbook, relationships)."""
    if info.file_size > _MAX_XML_PART:
        raise _unsafe("part-too-large", path, member=info.filename, **_sizes(info.file_size, _MAX_XML_PART))
    return b"".join(_member_chunks(fh, info, path))


def _xml_items(data: bytes, parent: str, child: str, member: str, path: Path, limits: Limits) -> list[dict[str, str]]:
    """The attributes (by local name) of every ``<child>`` directly inside a ``<parent>`` of an XML part.

    Streamed through expat with no tree (an ElementTree of a few MB of tiny elements would take
    gigabytes); a DTD is refused outright, since OOXML never has one and its entities can expand.
    """
    found: list[dict[str, str]] = []
    stack: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == child and stack and stack[-1] == parent:
            if len(found) >= limits.max_zip_members:  # each names a part; there cannot be more
                raise _unsafe("zip-members", path, count=len(found) + 1, limit=limits.max_zip_members)
            found.append({key.rpartition(":")[2]: value for key, value in attrs.items()})
        stack.append(local)
        if len(stack) > _MAX_XML_DEPTH:
            raise _not_xlsx(path, _("the part {member} is nested too deep").format(member=member))

    def end(_name: str) -> None:
        stack.pop()

    def no_dtd(*_args: object) -> None:
        raise _not_xlsx(path, _("the part {member} holds a DTD, which is not allowed").format(member=member))

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        parser.Parse(data, True)
    except UnsafeInput:  # from the handlers above (an UnsafeInput is a ValueError too)
        raise
    except (expat.ExpatError, LookupError, ValueError, UnicodeError):
        # Malformed XML, or an encoding expat hands to Python codecs: unknown, multi-byte, not text.
        raise _not_xlsx(path, _("the part {member} is not valid XML").format(member=member)) from None
    return found


def _relationships(fh: BinaryIO, members: dict[str, zipfile.ZipInfo], part: str, path: Path,
                   limits: Limits) -> dict[str, tuple[str, str]]:
    """The relationships of ``part``: Id -> (type's last word, target member name)."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    info = members.get(rels_name)
    if info is None:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for rel in _xml_items(_read_part(fh, info, path), "Relationships", "Relationship", rels_name, path, limits):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        # Targets are relative to the part's folder, or absolute from the package root.
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", "").rpartition("/")[2], name)
    return out


def _declared_dimension(fh: BinaryIO, info: zipfile.ZipInfo, sheet: str, path: Path) -> tuple[int, int] | None:
    """The sheet's ``<dimension ref=...>`` as (last row, last column), reading only its first bytes.

    None when the sheet has ``<sheetData>`` first (no dimension) or an unreadable ref. Readers
    honour a dimension only before ``<sheetData>``, so that is where the search stops; a sheet
    whose first ``_SHEET_HEAD_BYTES`` hold neither is refused.
    """
    buf = b""
    read = 0
    chunks = _member_chunks(fh, info, path)
    try:
        for piece in chunks:
            read += len(piece)
            buf += piece
            m = _DIM_OR_DATA.search(buf)
            if m:
                if m.group(1) == b"sheetData":
                    return None
                ref = _REF_ATTR.search(m.group(2))
                return _parse_range(ref.group(2).decode("ascii", "replace")) if ref else None
            if read > _SHEET_HEAD_BYTES:
                raise _unsafe("xlsx-head", path, sheet=sheet, limit=_size(_SHEET_HEAD_BYTES))
            cut = buf.rfind(b"<")  # keep a tag cut at the chunk's end, drop the rest
            buf = buf[cut:] if cut >= 0 else b""
    finally:
        chunks.close()
    return None


def _open_xlsx(path: StrPath, limits: Limits) -> tuple[Path, io.BufferedReader, int]:
    file = require_regular_file(path)
    fh = open_regular_file(file, max_bytes=limits.max_file_bytes)
    try:
        size = os.fstat(fh.fileno()).st_size
        magic = fh.read(len(_OLE_MAGIC))
        if magic == _OLE_MAGIC:
            raise _unsafe("xlsx-ole", file)
        if not magic.startswith(b"PK"):
            raise _not_xlsx(file, _("not a zip file") if magic else _("the file is empty"))
        _check_zip_directory(fh, size, file, limits)
    except BaseException:
        fh.close()
        raise
    return file, fh, size


def check_xlsx(path: StrPath, limits: Limits = DEFAULT_LIMITS) -> XlsxInfo:
    """Check an xlsx file without a spreadsheet library; return its sheets and sizes.

    Refuses (:class:`UnsafeInput`): a file that is not regular or larger than
    ``max_file_bytes`` (``too-large``); not a zip, truncated, encrypted, an old .xls, or
    missing its workbook (``not-xlsx``); more than ``max_zip_members`` members, a total
    declared uncompressed size above ``max_uncompressed_bytes``, or a member (of at least
    ``min_ratio_check_bytes``) compressed more than ``max_compression_ratio``:1 (``zip-bomb``);
    a worksheet whose declared dimension exceeds ``max_rows`` (+1 for the header),
    ``max_columns`` or ``max_cells`` (``xlsx-dimension``); an XML part other than a worksheet
    (shared strings, styles) above ``max_part_bytes`` uncompressed (``too-large``).

    Reads the zip directory, the workbook and its relationships, and the first bytes of each
    worksheet; memory stays in the low megabytes whatever the file claims. A dimension can be
    missing or lie: before reading a sheet into memory, run :func:`scan_xlsx_sheet` on it, or
    cap a streaming reader with :func:`bounded_rows`.
    """
    file, fh, size = _open_xlsx(path, limits)
    with fh:
        return _check_open_xlsx(file, fh, size, limits)


def _check_open_xlsx(file: Path, fh: BinaryIO, size: int, limits: Limits) -> XlsxInfo:
    try:
        fh.seek(0)
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
    except UnsafeInput:
        raise
    except _ZIP_ERRORS as exc:
        raise _not_xlsx(file, _("the zip directory is damaged: {error}").format(error=exc)) from None
    if len(infos) > limits.max_zip_members:
        raise _unsafe("zip-members", file, count=len(infos), limit=limits.max_zip_members)
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.filename in members:  # readers disagree on which duplicate they take
            raise _not_xlsx(file, _("the part {member} is there twice").format(member=info.filename))
        members[info.filename] = info
        if info.file_size >= limits.min_ratio_check_bytes and (
                info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)):
            raise _unsafe("zip-ratio", file, member=info.filename,
                          ratio=info.file_size // max(info.compress_size, 1), limit=limits.max_compression_ratio)
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise _unsafe("zip-total", file, **_sizes(total, limits.max_uncompressed_bytes))
    try:
        sheets = _sheets(fh, members, file, limits)
    except UnsafeInput:
        raise
    except _ZIP_ERRORS as exc:
        raise _not_xlsx(file, str(exc)) from None
    # Readers stream a worksheet, but take every other XML part whole into memory (the shared
    # strings above all: openpyxl needs about 7 bytes per byte of their XML, calamine about 2.5).
    streamed = {s.member for s in sheets if s.kind == "worksheet"}
    for info in infos:
        if (info.file_size > limits.max_part_bytes and info.filename not in streamed
                and info.filename.lower().endswith((".xml", ".rels"))):
            raise _unsafe("xlsx-part", file, member=info.filename, **_sizes(info.file_size, limits.max_part_bytes))
    return XlsxInfo(path=file, sheets=tuple(sheets), file_bytes=size, uncompressed_bytes=total, members=len(infos))


def _sheets(fh: BinaryIO, members: dict[str, zipfile.ZipInfo], file: Path, limits: Limits) -> list[SheetInfo]:
    workbook = "xl/workbook.xml"
    for rel_type, target in _relationships(fh, members, "", file, limits).values():
        if rel_type == "officeDocument":
            workbook = target
            break
    if workbook not in members:
        raise _not_xlsx(file, _("there is no {part} (an .xlsb or another format?)").format(part=workbook))
    entries = _xml_items(_read_part(fh, members[workbook], file), "sheets", "sheet", workbook, file, limits)
    rels = _relationships(fh, members, workbook, file, limits)
    sheets: list[SheetInfo] = []
    seen: set[str] = set()
    for entry in entries:
        name = entry.get("name", "")
        rel_type, member = rels.get(entry.get("id", ""), ("", ""))
        info = members.get(member)
        if info is None:
            raise _not_xlsx(file, _("the part of the sheet “{sheet}” is missing").format(sheet=name))
        if member in seen:  # each sheet's head is read once: no re-reading one part per entry
            raise _not_xlsx(file, _("two sheets share the part {member}").format(member=member))
        seen.add(member)
        rows = columns = None
        if rel_type == "worksheet":
            dimension = _declared_dimension(fh, info, name, file)
            if dimension is not None:
                rows, columns = dimension
                if rows > limits.max_rows + 1 or columns > limits.max_columns:
                    raise _unsafe("xlsx-dimension", file, sheet=name, rows=rows, columns=columns,
                                  max_rows=limits.max_rows, max_columns=limits.max_columns)
                if rows * columns > limits.max_cells:
                    raise _unsafe("xlsx-cells", file, sheet=name, rows=rows, columns=columns,
                                  cells=rows * columns, limit=limits.max_cells)
        sheets.append(SheetInfo(name=name, member=member, kind=rel_type or "unknown", rows=rows, columns=columns,
                                uncompressed_bytes=info.file_size, compressed_bytes=info.compress_size))
    return sheets


def scan_xlsx_sheet(path: StrPath, sheet: int | str = 0, limits: Limits = DEFAULT_LIMITS) -> SheetScan:
    """Count the rows, cells and real extent of one worksheet, streaming its XML; refuse a sheet too big.

    For a sheet whose declared dimension is missing or lies. Runs :func:`check_xlsx` first, then
    reads the sheet's XML once in bounded memory and stops at the first limit passed:
    ``too-many-rows`` (rows or last row number above ``max_rows`` + 1), ``too-many-columns``,
    ``too-many-cells`` (last row × last column above ``max_cells``). A reader that holds the
    whole sheet in memory (python-calamine allocates last row × last column cells) should
    run this first; it costs about as much as parsing the XML once.
    """
    file, fh, size = _open_xlsx(path, limits)
    with fh:
        info = _check_open_xlsx(file, fh, size, limits)
        target = info.sheet(sheet)
        with zipfile.ZipFile(fh) as zf:
            member = zf.getinfo(target.member)
        return _scan_sheet(fh, member, target.name, file, limits)


class _ScanState:
    """Running figures of :func:`_scan_sheet`, and the limit checks on them."""

    def __init__(self, sheet: str, file: Path, limits: Limits) -> None:
        self.where = _(" (sheet “{sheet}”)").format(sheet=sheet)
        self.file = file
        self.limits = limits
        self.rows = self.cells = self.max_row = self.max_column = 0
        self.row = self.column = 0  # position of the last row / cell, for those without ``r``

    def check(self) -> None:
        limits = self.limits
        if self.rows > limits.max_rows + 1:
            raise _unsafe("too-many-rows", self.file, where=self.where, limit=limits.max_rows)
        if self.max_row > limits.max_rows + 1:
            raise _unsafe("far-row", self.file, where=self.where, row=self.max_row, limit=limits.max_rows)
        if self.max_column > limits.max_columns:
            raise _unsafe("far-column", self.file, where=self.where, column=self.max_column,
                          limit=limits.max_columns)
        if self.max_row * self.max_column > limits.max_cells:
            raise _unsafe("too-many-cells", self.file, where=self.where, rows=self.max_row, columns=self.max_column,
                          cells=self.max_row * self.max_column, limit=limits.max_cells)

    def fast(self, xml: bytes) -> bool:
        """Take the figures of ``xml`` (whole tags only) at C speed; False if that would not be exact.

        Exact when every ``<row>`` and ``<c>`` carries a plain ``r="..."`` (Excel, openpyxl and
        calamine write them so) and no element has a namespace prefix.
        """
        # "<c" and "<row" also count <col>, <cellWatch>, <rowBreaks> ...: such a chunk (the sheet's
        # first or last) then disagrees with the references and takes the slow path, still exact.
        cells = xml.count(b"<c")
        rows = xml.count(b"<row")
        letters = _CELL_LETTERS.findall(xml)
        numbers = _REF_NUMBERS.findall(xml)
        if cells != len(letters) or rows != len(numbers) - len(letters):
            return False
        if b":" in xml and (b":c" in xml or b":row" in xml):  # prefixed tags are not counted above
            return False
        self.rows += rows
        self.cells += cells
        if numbers:
            self.max_row = max(self.max_row, max(map(int, set(numbers))))
        if letters:
            self.max_column = max(self.max_column, max(_column_number(x) for x in set(letters)))
        # Upper bounds for a following chunk's cells or rows without ``r`` (none in such files).
        self.row, self.column = self.max_row, self.max_column
        return True

    def slow(self, xml: bytes) -> None:
        """Walk the ``<row>`` and ``<c>`` tags of ``xml`` one by one (any prefix, quoting, missing ``r``)."""
        for m in _ROW_OR_CELL.finditer(xml):
            r = _R_ATTR.search(m.group(2))
            letters, digits = (r.group(1), r.group(2)) if r else (b"", b"")
            if m.group(1) == b"row":
                self.rows += 1
                self.row = int(digits) if 0 < len(digits) <= 10 else self.row + 1 if not digits else 1 << 40
                self.column = 0
            else:
                self.cells += 1
                if digits:  # a cell's own reference places it, whatever its row says
                    self.row = max(self.row, int(digits) if len(digits) <= 10 else 1 << 40)
                self.column = _column_number(letters) if 0 < len(letters) <= 7 else self.column + 1
                self.max_column = max(self.max_column, self.column if len(letters) <= 7 else 1 << 40)
            self.max_row = max(self.max_row, self.row)
            if self.max_row * max(self.max_column, 1) > self.limits.max_cells or self.rows > self.limits.max_rows:
                self.check()  # refuse as early as possible; the full check runs per chunk anyway


class _Uncalculated:
    """Formula cells saved without their result, as a program writes them and Excel never would:
    calamine and openpyxl read them empty, so an import would take a blank where the sheet shows a value."""

    def __init__(self) -> None:
        self.count = 0
        self.cells: list[str] = []
        self.tail = b""

    def feed(self, piece: bytes) -> None:
        buf = self.tail + piece
        cut = buf.rfind(b"</c>") + 4  # cells do not nest: every one before the last end is whole
        if cut < 4:
            self.tail = buf[-_CHUNK:]  # no cell ends here; a formula cell is far shorter than this
            return
        xml, self.tail = buf[:cut], buf[cut:]
        if not _FORMULA.search(xml):
            return
        for m in _UNCALCULATED.finditer(xml):
            self.count += 1
            if len(self.cells) < _UNCALCULATED_NAMED and (r := _R_ATTR.search(m.group(1))):
                self.cells.append((r.group(1) + r.group(2)).decode("ascii", "replace"))


def _scan_sheet(fh: BinaryIO, info: zipfile.ZipInfo, sheet: str, file: Path, limits: Limits) -> SheetScan:
    state = _ScanState(sheet, file, limits)
    formulas = _Uncalculated()
    tail = b""
    chunks = _member_chunks(fh, info, file)
    try:
        for piece in chunks:
            formulas.feed(piece)
            buf = tail + piece
            # Every tag before the last "<" is complete (attribute values cannot hold "<").
            cut = buf.rfind(b"<")
            xml, tail = (buf[:cut], buf[cut:]) if cut >= 0 else (buf, b"")
            if len(tail) > _CHUNK:  # no cell tag is that long; do not let a "tag" grow without bound
                tail = b""
            if not state.fast(xml):
                state.slow(xml)
            state.check()
        if tail and not state.fast(tail):
            state.slow(tail)
        state.check()
    finally:
        chunks.close()
    return SheetScan(name=sheet, rows=state.rows, cells=state.cells, max_row=state.max_row,
                     max_column=state.max_column, uncalculated=formulas.count,
                     uncalculated_cells=tuple(formulas.cells))


def bounded_rows(rows: Iterable[Sequence[T]], limits: Limits = DEFAULT_LIMITS, *,
                 path: StrPath | None = None) -> Iterator[Sequence[T]]:
    """Pass ``rows`` through, refusing more than ``max_rows`` + 1 (header) and over-wide rows.

    For any row reader (``csv.reader``, openpyxl's ``iter_rows``): raises ``too-many-rows``
    after the limit, and ``too-many-columns`` for a row with a non-empty cell beyond
    ``max_columns`` (empty trailing cells, which Excel writes for formatted columns, pass).
    """
    max_rows = limits.max_rows + 1
    max_columns = limits.max_columns
    for number, row in enumerate(rows, 1):
        if number > max_rows:
            raise _unsafe("too-many-rows", path, where="", limit=limits.max_rows)
        if len(row) > max_columns and any(c is not None and c != "" for c in row[max_columns:]):
            raise _unsafe("too-many-columns", path, where="", row=number, columns=len(row), limit=max_columns)
        yield row


def capped_rows(rows: Iterable[T], limits: Limits = DEFAULT_LIMITS, *, path: StrPath | None = None) -> Iterator[T]:
    """``rows`` as they are, refused with ``too-many-rows`` past ``max_rows`` + 1 (header), at C speed.

    For a bulk reader whose rows are bounded otherwise (``csv.reader`` over :func:`open_text`,
    whose lines are at most ``max_line_chars`` long): no Python code runs per row, where
    :func:`bounded_rows` costs about a microsecond per row for its width check.
    """
    source = iter(rows)

    def refuse_more() -> Iterator[T]:
        for _row in source:
            raise _unsafe("too-many-rows", path, where="", limit=limits.max_rows)
        yield from ()

    return itertools.chain(itertools.islice(source, limits.max_rows + 1), refuse_more())


# Text: encodings, CSV ------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


@attrs.frozen
class _DecodeError:
    offset: int  # 0-based byte offset in the file
    line: int  # 1-based
    bad: bytes


class _LineMeter:
    """Longest line of decoded text fed in pieces, lines ending at ``\\n`` or ``\\r`` as ``newline=''`` reads them."""

    def __init__(self, limit: int, path: StrPath | None) -> None:
        self.limit = limit
        self.path = path
        self.newlines = 0  # "\n" seen so far: line numbers as a person counts them
        self.current = 0  # characters of the line still open at the end of the last piece
        self.current_line = 1

    def feed(self, text: str) -> None:
        """Take the next piece of text; refuse the first line longer than the limit, with its number."""
        if not self._fits(text):
            self._feed_exact(text)  # raises, naming the line
            raise AssertionError("unreachable: _fits and _feed_exact disagree")
        count = text.count("\n")
        last = max(text.rfind("\n"), text.rfind("\r"))
        if last >= 0:
            self.current_line = self.newlines + count + 1  # no "\n" follows the last line break
            self.current = len(text) - last - 1
        else:
            self.current += len(text)
        self.newlines += count

    def _fits(self, text: str) -> bool:
        """Whether no line reaches past the limit, with a few C scans instead of a split into lines.

        The text is taken in windows of ``limit`` characters: a line inside one window is shorter
        than the limit, so only lines that cross a window's edge need measuring.
        """
        limit = self.limit
        current = self.current
        size = len(text)
        for start in range(0, size, limit):
            end = min(start + limit, size)
            breaks = [i for i in (text.find("\n", start, end), text.find("\r", start, end)) if i >= 0]
            if not breaks:
                current += end - start
                if current > limit:
                    return False
                continue
            if current + min(breaks) - start > limit:
                return False
            current = end - 1 - max(text.rfind("\n", start, end), text.rfind("\r", start, end))
        return True

    def _feed_exact(self, text: str) -> None:
        parts = (text.replace("\r", "\n") if "\r" in text else text).split("\n")
        lengths = list(map(len, parts))
        lengths[0] += self.current
        if max(lengths) > self.limit:
            index = next(i for i, n in enumerate(lengths) if n > self.limit)
            offset = sum(lengths[:index]) - self.current + index  # where that line starts in ``text``
            line = self.current_line if index == 0 else self.newlines + text.count("\n", 0, offset) + 1
            raise _unsafe("line-too-long", self.path, line=line, limit=self.limit)
        if len(parts) > 1:
            self.current_line = self.newlines + text.count("\n", 0, len(text) - lengths[-1]) + 1
        self.current = lengths[-1]
        self.newlines += text.count("\n")


def _first_decode_error(fh: BinaryIO, codec: str, meter: _LineMeter | None = None) -> _DecodeError | None:
    """Decode the whole stream strictly, in chunks; the first error's position, or None.

    ``meter``, if given, sees the decoded text and refuses an over-long line.
    """
    fh.seek(0)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    fed = 0
    lines = 0
    while True:
        chunk = fh.read(_CHUNK)
        state = decoder.getstate()
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            pending = state[0]
            data = pending + chunk
            # Count the lines of the valid part before the error, from the same decoder state.
            again = codecs.getincrementaldecoder(codec)("strict")
            again.setstate(state)
            lines += again.decode(chunk[:max(0, exc.start - len(pending))], final=False).count("\n")
            return _DecodeError(fed - len(pending) + exc.start, lines + 1, data[exc.start:max(exc.end, exc.start + 1)])
        lines += text.count("\n")
        if meter is not None and text:
            meter.feed(text)
        fed += len(chunk)
        if not chunk:
            return None


def _guess_bomless_utf16(sample: bytes) -> str | None:
    """UTF-16 without BOM, told by NULs in every other byte (ASCII digits and commas); else None.

    The guess must also read as a table: a stray NUL in a short UTF-8 file puts one in every other
    byte too, but read as UTF-16 its commas and line ends are gone."""
    n = len(sample) // 2 * 2
    if n < 8:
        return None
    zero_even = sample[0:n:2].count(0)
    zero_odd = sample[1:n:2].count(0)
    pairs = n // 2
    guess = None
    if zero_odd * 10 >= pairs and zero_even * 10 < zero_odd:
        guess = "utf-16-le"
    elif zero_even * 10 >= pairs and zero_odd * 10 < zero_even:
        guess = "utf-16-be"
    if guess is None or not _SEPARATORS.intersection(sample[:n].decode(guess, errors="replace")):
        return None
    return guess


#: What a table's text holds in any encoding: a separator or a line end.
_SEPARATORS = frozenset(",\t;\n\r")


def _detect_stream(fh: BinaryIO, path: StrPath | None, max_line_chars: int | None = None) -> str:
    def meter() -> _LineMeter | None:
        return _LineMeter(max_line_chars, path) if max_line_chars is not None else None

    fh.seek(0)
    head = fh.read(64 * _KiB)
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            # Validate with the BOM-detecting codec (the BOM itself decodes as U+FEFF or is eaten).
            error = _first_decode_error(fh, "utf-8" if codec == "utf-8-sig" else codec, meter())
            if error is not None:
                raise _unsafe("encoding-bom", path, codec=label, line=error.line, byte=error.offset + 1,
                              offset=error.offset, bytes=_hex(error.bad))
            return codec
    guessed = _guess_bomless_utf16(head)
    candidates = ([guessed] if guessed else []) + ["utf-8", "gb18030"]
    first_error: _DecodeError | None = None
    for codec in candidates:
        error = _first_decode_error(fh, codec, meter())
        if error is None:
            return codec
        if codec == "utf-8":
            first_error = error
    assert first_error is not None
    raise _unsafe("encoding", path, line=first_error.line, byte=first_error.offset + 1, offset=first_error.offset,
                  bytes=_hex(first_error.bad))


def detect_encoding(source: StrPath | bytes, limits: Limits = DEFAULT_LIMITS, *, name: str | None = None) -> str:
    """The codec that decodes a CSV/TXT file (or its bytes) entirely, for :func:`open`.

    In order: a BOM (``utf-8-sig``, ``utf-16``, ``utf-32``; the rest of the file must then decode
    as the BOM says), UTF-16 without BOM (``utf-16-le``/``utf-16-be``, from NUL bytes in every
    other position), strict UTF-8 (``utf-8``), strict GB18030 (``gb18030``, which contains the
    GBK that Excel on Chinese Windows writes). The whole file is decoded in 1 MB pieces, so
    memory stays bounded. When nothing decodes it raises :class:`UnsafeInput` (``encoding``)
    naming the line and the byte position of the first byte UTF-8 cannot decode. A path must be
    a regular file of at most ``max_file_bytes``; ``name`` names bytes in messages (an upload's
    file name, say).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return _detect_stream(io.BytesIO(bytes(source)), name)
    with open_regular_file(source, max_bytes=limits.max_file_bytes) as fh:
        return _detect_stream(fh, source)


def detect_delimiter(first_line: str) -> str:
    """The field separator of a CSV/TXT from its header line: ``,``, ``\\t`` or ``;``.

    The one that occurs most often outside double quotes; ``,`` when none does or on a tie with
    it. Excel's "Unicode text" (UTF-16 .txt) is tab-separated; European Excel writes ``;``.
    """
    counts = {",": 0, "\t": 0, ";": 0}
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])  # dicts keep order: "," wins ties
    return best if counts[best] else ","


class _CappedRaw(io.RawIOBase):
    """A raw file that ends at ``size`` bytes: what was checked is all that is read."""

    def __init__(self, raw: io.FileIO, size: int) -> None:
        super().__init__()
        self._raw = raw
        self._size = size

    @property
    def name(self) -> Any:  # TextIOWrapper.name and reprs show the path
        return self._raw.name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._size - self._raw.tell()
        if left <= 0:
            return 0
        view = memoryview(buffer).cast("B")
        return self._raw.readinto(view[:left]) or 0

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def fileno(self) -> int:
        return self._raw.fileno()

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class BoundedTextIO(io.TextIOWrapper):
    """The text stream :func:`open_text` returns (``newline=''``, for :mod:`csv`), with the checks behind it.

    Iterating it runs at the speed of a plain file: the checks (encoding, line lengths) were
    made on the whole file when it was opened, and the stream ends where the checked file
    ended, so bytes appended since are not read. A change made in place since raises
    ``UnicodeDecodeError``, which :func:`csv_rows` turns into :class:`UnsafeInput`.
    """

    def __init__(self, buffer: BinaryIO, encoding: str, *, path: StrPath | None = None) -> None:
        super().__init__(buffer, encoding=encoding, errors="strict", newline="")
        self.path = Path(path) if path is not None else None


def open_text(path: StrPath, limits: Limits = DEFAULT_LIMITS) -> BoundedTextIO:
    """Open a CSV/TXT file for :mod:`csv`: regular file, size, encoding, line lengths checked; close it after use.

    Combines :func:`open_regular_file` (``max_file_bytes``), :func:`detect_encoding` (whose
    result is the stream's ``encoding``) and a check that no line is longer than
    ``max_line_chars`` (a file without line breaks would otherwise be read into memory whole),
    all in the one pass that decodes the file. Read rows with :func:`csv_rows` (delimiter, row
    and column limits, errors as :class:`UnsafeInput`) or hand the stream to ``csv.reader``.
    """
    fh = open_regular_file(path, max_bytes=limits.max_file_bytes)
    try:
        encoding = _detect_stream(fh, path, limits.max_line_chars)
        size = fh.tell()  # the decode pass read to the end: this much was checked
        raw = fh.detach()
        assert isinstance(raw, io.FileIO)
    except BaseException:
        fh.close()
        raise
    try:
        raw.seek(0)
        buffer = io.BufferedReader(_CappedRaw(raw, size), buffer_size=64 * _KiB)
        return BoundedTextIO(buffer, encoding, path=path)
    except BaseException:
        raw.close()
        raise


def csv_problem(exc: csv.Error) -> str:
    """What a ``csv.Error`` says, in the run's language. The one a file that decoded raises (a cell
    past the csv module's size limit) is worded here; any other keeps the csv module's words."""
    if str(exc).startswith("field larger than field limit"):
        return _("a cell holds more than {limit} characters").format(limit=csv.field_size_limit())
    return str(exc)


def csv_rows(fh: Iterable[str], limits: Limits = DEFAULT_LIMITS, *, delimiter: str | None = None,
             path: StrPath | None = None) -> Iterator[list[str]]:
    """The rows of a CSV/TXT stream (from :func:`open_text`), header first, within the limits.

    The delimiter is ``delimiter`` or :func:`detect_delimiter` of the first line. Rows pass
    through :func:`bounded_rows`; a :mod:`csv` error (a field over the csv module's field size
    limit, say) becomes :class:`UnsafeInput` with reason ``bad-csv`` and its line.
    """
    if path is None:
        path = getattr(fh, "path", None)
    lines = iter(fh)
    try:
        first = next(lines, None)
    except UnicodeDecodeError:
        raise _unsafe("encoding-changed", path, line=1) from None
    if first is None:
        return
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter or detect_delimiter(first))

    def read() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as exc:
            raise _unsafe("bad-csv", path, line=reader.line_num, detail=csv_problem(exc)) from None
        except UnicodeDecodeError:  # the file changed in place after it was checked
            raise _unsafe("encoding-changed", path, line=reader.line_num + 1) from None

    for row in bounded_rows(read(), limits, path=path):
        yield list(row)


# JSON ----------------------------------------------------------------------------------------

# A complete JSON string (escapes included), in the unrolled form that matches in linear time.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))


class _TooDeep(Exception):
    """Internal: nesting passed the limit (turned into UnsafeInput by the public functions)."""


def _json_depth(chunks: Iterable[bytes], limit: int) -> int:
    """The deepest nesting of arrays and objects in JSON bytes, without recursion; _TooDeep past ``limit``.

    Strings are removed with a regex and everything but brackets with ``bytes.translate``, then
    the running depth is a prefix sum (``accumulate``), all at C speed. A string cut at a chunk's
    end is carried over as just its state (``"`` or ``"\\``), so even a huge string costs no memory.
    """
    depth = deepest = 0
    carry = b""
    for chunk in chunks:
        stripped = _JSON_STRING.sub(b"", carry + chunk)
        carry = b""
        # With complete strings gone, the first quote left opens a string that runs to the chunk's
        # end; any quote after it is an escaped one inside it (an unescaped one would have closed it).
        quote = stripped.find(b'"')
        if quote >= 0:
            rest = stripped[quote + 1:]
            carry = b'"\\' if (len(rest) - len(rest.rstrip(b"\\"))) % 2 else b'"'
            stripped = stripped[:quote]
        brackets = stripped.translate(None, _NOT_BRACKETS)
        if not brackets:
            continue
        peak = max(itertools.accumulate(map(_BRACKET_STEP.__getitem__, brackets), initial=depth))
        if peak > limit:
            raise _TooDeep
        deepest = max(deepest, peak)
        openers = brackets.count(b"[") + brackets.count(b"{")
        # Below zero only in invalid JSON, which a parser refuses at the stray closer anyway.
        depth = max(0, depth + 2 * openers - len(brackets))
    return deepest


def check_json_depth(path: StrPath, limits: Limits = DEFAULT_LIMITS) -> int:
    """Refuse a JSON file nested deeper than ``max_json_depth`` or larger than ``max_json_bytes``.

    Scans the bytes once in 1 MB pieces, counting brackets outside strings (escaped quotes
    handled), with no recursion and no parse; run it before a parser (Python's ``json`` raises
    ``RecursionError`` at about 1,000 levels). Returns the deepest nesting found (0 for a scalar).
    Raises :class:`UnsafeInput`: ``too-deep``, ``too-large`` or the regular-file reasons.
    """
    with open_regular_file(path, max_bytes=limits.max_json_bytes) as fh:
        try:
            return _json_depth(iter(lambda: fh.read(_CHUNK), b""), limits.max_json_depth)
        except _TooDeep:
            raise _unsafe("too-deep", path, limit=limits.max_json_depth) from None


def _read_limited(path: StrPath, max_bytes: int) -> bytes:
    with open_regular_file(path, max_bytes=max_bytes) as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew after the check
        raise _unsafe("too-large", path, **_sizes(len(data), max_bytes))
    return data


def _decode_utf8(data: bytes, path: StrPath, message_id: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
        hint = ""
        if message_id == "toml-encoding":
            try:
                data.decode("gb18030")
                hint = _(" (this file looks like GBK/GB18030)")
            except UnicodeDecodeError:
                pass
        raise _unsafe(message_id, path, line=data.count(b"\n", 0, start) + 1, byte=start + 1, offset=start,
                      bytes=_hex(data[start:start + 1]), hint=hint) from None


def load_json_limited(path: StrPath, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Read a small JSON file whole (at most ``max_text_bytes``), within the depth limit.

    UTF-8 with or without BOM. Raises :class:`UnsafeInput` (``too-large``, ``too-deep``,
    ``encoding``, regular-file reasons) or :class:`InvalidSyntax` with the line and column.
    For exports, which can be large, use :func:`check_json_depth` and a streaming reader.
    """
    data = _read_limited(path, limits.max_text_bytes)
    try:
        _json_depth([data], limits.max_json_depth)
    except _TooDeep:
        raise _unsafe("too-deep", path, limit=limits.max_json_depth) from None
    text = _decode_utf8(data, path, "json-encoding")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSyntax(path, describe("json-syntax", name=_display_name(path), line=exc.lineno, column=exc.colno,
                                           detail=exc.msg), line=exc.lineno, column=exc.colno,
                            message_id="json-syntax", details={"detail": exc.msg}) from None
    except RecursionError:  # last resort: the pre-scan should have refused it
        raise _unsafe("too-deep", path, limit=limits.max_json_depth) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InvalidSyntax(path, describe("json-invalid", name=_display_name(path), detail=str(exc)),
                            line=None, column=None, message_id="json-invalid", details={"detail": str(exc)}) from None


# TOML ----------------------------------------------------------------------------------------

# Tokens that matter for nesting: strings and comments (skipped whole), and brackets.
_TOML_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"{1,2}(?!"))*"{3,5}'  # multi-line basic string (may end with up to 2 extra quotes)
    r"|'''(?:[^']|'{1,2}(?!'))*'{3,5}"  # multi-line literal string
    r'|"(?:[^"\\\n]|\\.)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|[\[\]{}]",
    re.DOTALL,
)
_TOML_LOCATION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")


def _toml_bracket_depth(text: str, limit: int) -> None:
    """Raise _TooDeep if brackets/braces outside strings and comments nest deeper than ``limit``."""
    if text.count("[") + text.count("{") <= limit:
        return  # depth can never exceed the number of openers
    depth = 0
    for m in _TOML_TOKENS.finditer(text):
        token = m.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                raise _TooDeep
        elif token in ("]", "}"):
            depth = max(0, depth - 1)


def _data_depth(value: Any, limit: int) -> None:
    """Raise _TooDeep if nested dicts/lists go deeper than ``limit`` (the document itself is 0); no recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    raise _TooDeep
                stack.append((child, depth + 1))


def load_toml_limited(path: StrPath, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Read a TOML file (pack, config) within the limits, as :func:`tomllib.loads` would.

    Regular file of at most ``max_text_bytes``; UTF-8 (a BOM, which Notepad writes, is
    dropped), else ``encoding`` with the line and byte and a hint when the file is GBK; nesting
    (inline tables, arrays, dotted keys and table headers) up to ``max_toml_depth``, checked by
    a pre-scan before parsing and on the result, else ``too-deep``. Syntax errors raise
    :class:`InvalidSyntax` (an :class:`~communitycore.errors.InvalidValue`) with line and column.
    """
    data = _read_limited(path, limits.max_text_bytes)
    text = _decode_utf8(data, path, "toml-encoding")
    try:
        _toml_bracket_depth(text, limits.max_toml_depth)
        try:
            result = tomllib.loads(text)
        except RecursionError:  # last resort: the pre-scan should have refused it
            raise _TooDeep from None
        _data_depth(result, limits.max_toml_depth)
    except _TooDeep:
        raise _unsafe("too-deep", path, limit=limits.max_toml_depth) from None
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4,300 digits
        detail = str(exc)
        line = column = None
        m = _TOML_LOCATION.search(detail)
        if m:
            detail = detail[:m.start()]
            if m.group(1):
                line, column = int(m.group(1)), int(m.group(2))
            else:
                line = text.count("\n") + 1
                column = len(text) - text.rfind("\n")
        message_id = "toml-syntax" if line is not None else "toml-invalid"
        raise InvalidSyntax(path, describe(message_id, name=_display_name(path), line=line, column=column,
                                           detail=detail),
                            line=line, column=column, message_id=message_id, details={"detail": detail}) from None
    return result
