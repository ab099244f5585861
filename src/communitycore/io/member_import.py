"""Member import from spreadsheets (``.csv``, ``.xlsx``) and the import template.

:func:`import_members` reads a file whose first row names the columns (Chinese headers such as
公民身份号码, or the English field names of :data:`~communitycore.domain.members.MEMBER_FIELDS`)
and stores every row, or none: all bad rows are reported together, each with its row number (the
header is row 1), the column header as written in the file and the reason.

The file is read in batches and never held whole in memory. Each batch is parsed column by
column with the shared field parsers of :mod:`communitycore.domain.members` (in columns whose
values repeat, such as dates, codes and units, each distinct value is parsed once; ID numbers,
phones, ISO dates and plain text first go through a bulk parser that gives the same values at C
speed or declines), checked with :func:`~communitycore.domain.members.check_member` (a batch
that the same rules, applied to whole columns, find clean skips the call per row) and written
with one driver-level ``executemany`` of tuples. All batches go into one transaction, which is
rolled back at the end if any row was bad. ``benchmarks/bench_city.py`` measures the import
against raw ``sqlite3``.

:func:`~communitycore.io.templates.write_template` writes a ready template; :data:`MEMBER_HEADERS`
is the one mapping between headers and fields that both use.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import compress, islice, repeat
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from communitycore.domain.codes import Coded
from communitycore.domain.fields import is_plain_id, nfkc
from communitycore.domain.identity import all_valid_id_numbers
from communitycore.domain.members import (
    DATE_RANGE,
    EMPLOYER_LIMIT,
    ETHNICITY_LIMIT,
    JOINING_AGE,
    MEMBER_FIELDS,
    NAME_LIMIT,
    REQUIRED_MEMBER_FIELDS,
    Category,
    MemberStatus,
    Standing,
    check_member,
    field_parsers,
    id_birth_date,
    id_gender,
    parse_date,
)
from communitycore.errors import HEADER_FIELD, MORE_FIELD, InvalidValue, Problem, RejectedInput
from communitycore.i18n import _, listing
from communitycore.io.limits import given_path
from communitycore.io.sheets import SheetReader, cell_value, header_key

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from communitycore.sdk.community import Community
    from communitycore.store.units import Tree

__all__ = ["IGNORED_HEADERS", "MEMBER_HEADERS", "field_for_header", "import_members", "is_member_header"]

#: Field -> the Chinese headers accepted for it; the first is the one templates write. The order
#: is the column order of templates. The English field names (and ``unit``) are accepted too.
MEMBER_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "gender": ("性别",),
    "ethnicity": ("民族",),
    "birth_date": ("出生日期", "出生年月", "出生时间", "出生年月日"),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "身份证", "公民身份证号码", "证件号码"),
    "education": ("学历", "文化程度", "最高学历"),
    "join_date": ("入党日期", "入党时间", "入党年月日"),
    "full_date": ("转正日期", "转正时间"),
    "category": ("党员类别", "人员类别", "党员类型", "政治面貌"),
    "standing": ("党员状态", "党籍状态"),
    "unit": ("所在党组织", "所属党组织", "所在支部", "所属支部", "所在党支部", "党组织", "党组织名称"),
    "phone": ("联系电话", "手机号", "手机号码", "联系方式", "电话", "手机", "电话号码"),
    "post": ("党内职务", "职务"),
    "employer": ("工作单位", "单位"),
    "in_service": ("是否在职党员", "是否在职", "在职党员"),
}
#: Headers of columns that are read past: row numbers and remarks, which every office roster has.
IGNORED_HEADERS = ("序号", "备注")
assert set(MEMBER_HEADERS) == set(MEMBER_FIELDS), "MEMBER_HEADERS and MEMBER_FIELDS disagree"

#: Rows validated and written per batch. Small batches keep both the cells being parsed and
#: SQLite's hot index pages in the CPU caches: at a million rows, 2,000 ran about a fifth faster
#: than 10,000, while the per-batch overhead (a few set and list operations per column) stays small.
BATCH_ROWS = 2_000
#: Problems kept for the report; past this the rest are counted, not listed (a wholly wrong file
#: would otherwise build a million-line report).
MAX_PROBLEMS = 10_000
#: Distinct values remembered per column before the memo is cleared, which bounds memory for
#: columns whose values rarely repeat (names, ID numbers, phones).
_MEMO_LIMIT = 50_000
#: Rows a column is read with its memo before deciding whether its values repeat enough to keep it.
_MEMO_TRIAL_ROWS = 10_000
#: SQLite page cache (KiB) for the connection during an import (see ``_index_cache``).
IMPORT_CACHE_KB = 64 * 1024
#: Values per ``IN (...)`` when looking up existing ID numbers (below every engine's bind limit).
_LOOKUP_CHUNK = 500

_HEADER_LOOKUP: dict[str, str] = {
    **{header_key(field): field for field in MEMBER_FIELDS},
    **{header_key(header): field for field, headers in MEMBER_HEADERS.items() for header in headers},
}

_UNIT_COLUMN = "unit_id"  # the table's column for the field "unit"
DATE_FIELDS = frozenset(f for f, p in MEMBER_FIELDS.items() if p is parse_date)
#: The text fields and their limits, for their bulk parser (the field parser is text_parser(limit)).
_TEXT_LIMITS = {"name": NAME_LIMIT, "ethnicity": ETHNICITY_LIMIT, "employer": EMPLOYER_LIMIT}
assert all(MEMBER_FIELDS[f].__name__ == f"text_{limit}" for f, limit in _TEXT_LIMITS.items()), _TEXT_LIMITS
_FIRST17 = operator.itemgetter(slice(0, 17))
_BIRTH_DIGITS = operator.itemgetter(slice(6, 14))


def field_for_header(header: str) -> str | None:
    """The member field a column header names (Chinese header, alias or English name), or None.

    Spaces inside a header (``姓  名``, as offices align them) and full-width letters are ignored.
    """
    return _HEADER_LOOKUP.get(header_key(header))


def is_member_header(cells: Sequence[Any]) -> bool:
    """Whether a row reads as the header of a member sheet: at least two cells name member fields.

    A title row (``某某社区党员花名册``) or a line such as ``填报单位：…`` above the header does not.
    """
    named = 0
    for cell in cells:
        if cell is not None and field_for_header(str(cell)) is not None:
            named += 1
            if named >= 2:
                return True
    return False


def _coded_fields() -> dict[str, type[Coded]]:
    """Fields whose parser is a :class:`Coded` enum's ``parse`` (their allowed values are listed)."""
    out: dict[str, type[Coded]] = {}
    for field, parser in MEMBER_FIELDS.items():
        owner = getattr(parser, "__self__", None)
        if isinstance(owner, type) and issubclass(owner, Coded):
            out[field] = owner
    return out


CODED_FIELDS = _coded_fields()


# Reading files ---------------------------------------------------------------------------------

class _Bad:
    """A cell value its parser refused, with the parser's message."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _default_stored(field: str) -> Any:
    """What a blank cell (or a missing column) of ``field`` stores, as ``member_row`` fills it."""
    if field == "category":
        return Category.FULL.value
    if field == "standing":
        return Standing.NORMAL.value
    if field == "in_service":
        return False
    if field == "status":
        return MemberStatus.ACTIVE.value
    return None


def _stored(value: Any, sqlite: bool) -> Any:
    """The database form of a parsed value: codes for enums, ISO text for dates on SQLite."""
    if isinstance(value, Coded):
        return value.value
    if sqlite and isinstance(value, dt.date):
        return value.isoformat()  # the sqlite3 date adapter is deprecated (Python 3.12)
    return value


# Columns -------------------------------------------------------------------------------------

def _refuses(parser: Callable[[Any], Any], value: Any) -> bool:
    """Whether ``parser`` raises :class:`InvalidValue` for ``value``."""
    try:
        parser(value)
    except InvalidValue:
        return True
    return False


def _id_numbers(cells: list[str], *, today: dt.date) -> list[str] | None:
    """公民身份号码, stripped and upper-cased, each one checked (:func:`all_valid_id_numbers`)."""
    numbers = list(map(str.upper, map(str.strip, cells)))
    return numbers if all_valid_id_numbers(numbers, today=today) else None


def _mobiles(cells: list[str]) -> list[str] | None:
    """Plain 11-digit mobile numbers, which :func:`parse_phone` gives back stripped."""
    numbers = list(map(str.strip, cells))
    digits = "".join(numbers)
    if (not numbers or set(map(len, numbers)) != {11} or not (digits.isascii() and digits.isdigit())
            or not _MOBILE_STARTS.issuperset(map(_FIRST_TWO, numbers))):
        return None
    return numbers


def _texts(limit: int) -> Callable[[list[str]], list[str] | None]:
    """Text of at most ``limit`` characters, without surrounding spaces and printable throughout,
    which :func:`~communitycore.domain.fields.clean_text` gives back as it is."""

    def parse(cells: list[str]) -> list[str] | None:
        text = "".join(cells)
        if (not cells or max(map(len, cells)) > limit or not text.isprintable()
                or list(map(str.strip, cells)) != cells or "" in cells):
            return None
        return cells

    return parse


# Bulk parsers: a batch of text cells (no blanks) parsed at C speed, giving exactly what the
# field's parser gives for each, or None when any cell needs the parser (which words its problem).

_DASHES = operator.itemgetter(4, 7)
_FIRST_TWO = operator.itemgetter(0, 1)
_MOBILE_STARTS = frozenset(("1", second) for second in "3456789")


_FIRST_DAY, _LAST_DAY = (day.isoformat() for day in DATE_RANGE)


def _iso_dates(cells: list[str]) -> list[dt.date] | None:
    """Dates written ``YYYY-MM-DD`` with ASCII digits, as :func:`parse_date` reads them."""
    if not cells or set(map(len, cells)) != {10} or set(map(_DASHES, cells)) != {("-", "-")}:
        return None
    digits = "".join(cells).replace("-", "")
    if len(digits) != 8 * len(cells) or not (digits.isascii() and digits.isdigit()):
        return None
    if min(cells) < _FIRST_DAY or max(cells) > _LAST_DAY:  # ISO dates sort as text; the parser names the year
        return None
    try:
        return list(map(dt.date.fromisoformat, cells))
    except ValueError:  # 2023-02-30, month 13 ...
        return None


def _bulk_with_blanks(bulk: Callable[[list[str]], list[Any] | None], cells: Sequence[Any]) -> list[Any] | None:
    """``bulk`` over the filled cells of a batch of text, None in place of each blank ("" or None);
    None when any cell is not text or the bulk parser refuses the batch (a "  " cell included,
    which the field's parser judges)."""
    if not {str, type(None)}.issuperset(map(type, cells)):
        return None  # workbook dates and numbers take parse_cell
    filled = list(filter(None, cells))
    if len(filled) == len(cells):
        return bulk(filled)
    values = bulk(filled) if filled else []
    if values is None:
        return None
    taken = iter(values)
    return [next(taken) if cell else None for cell in cells]


class _DayNumbers(dict[Any, Any]):
    """Dates as the integers YYYYMMDD (None stays None), remembered: the rules compare them at C speed.

    For dates d1 <= d2, ``n(d2) - n(d1) >= 10000 * k`` exactly when k whole years lie between them.
    """

    def __missing__(self, day: dt.date | None) -> int | None:
        number = None if day is None else day.year * 10_000 + day.month * 100 + day.day
        if len(self) < _MEMO_LIMIT:
            self[day] = number
        return number


class _Column:
    """One column of the file: where it is, its header as written, and how its cells are parsed.

    Parsed values and database values are memoized per distinct cell value, so a column of a
    million rows with a few thousand distinct values (gender, education, unit, employer) costs a
    few thousand parser calls and a dictionary lookup per cell. Columns whose values repeat too
    little for that to pay (ID numbers, names, phones, dates) drop the memo after a trial: their
    bulk parser takes each whole batch, and cells it cannot judge go to the parser one by one.
    """

    def __init__(self, index: int, header: str, field: str, *, parser: Callable[[Any], Any], sqlite: bool,
                 tree: Tree | None, bulk: Callable[[list[str]], list[Any] | None] | None = None) -> None:
        self.index = index
        self.header = header
        self.field = field
        self.parser = parser
        self.sqlite = sqlite
        self.tree = tree
        self.memo: dict[Any, Any] = {}
        self.db_memo: dict[Any, Any] = {}
        self.bad: set[Any] = set()
        self.bulk = bulk
        # On SQLite a date the bulk parser took is stored as written: that is its ISO text.
        self.stored_as_written = sqlite and field in DATE_FIELDS
        # What the database stores for a value of the bulk parser (never blank nor bad): SQLite dates
        # as ISO text, in C.
        self.bulk_stored = dt.date.isoformat if self.stored_as_written else self.db_value
        # ID numbers must not repeat: remembering them would only cost.
        self.memoize = field != "id_number"
        self.seen = 0
        self.distinct = 0
        # A parser that refuses blanks may run straight over a batch of mostly distinct values
        # (see run); a unit reference must also be looked up, so that column never does.
        self.rejects_blank = tree is None and _refuses(self.parser, " ")
        # Text, numbers and unit ids are stored as parsed; codes, SQLite dates and defaults are not.
        self.converts = (field in CODED_FIELDS or (sqlite and field in DATE_FIELDS)
                         or _default_stored(field) is not None)

    def parse_cell(self, raw: Any) -> Any:
        """The parsed value of one cell (None if blank), or :class:`_Bad`."""
        if raw.__class__ is str:
            if not raw or raw.isspace():
                return None
        elif raw is None:
            return None
        else:
            if self.field == "id_number" and isinstance(raw, (int, float)):
                # An 18-digit number stored as a number has lost its last digits already.
                return _Bad(_("is stored as a number, which keeps only 15 digits; format the column as text "
                              "(文本) and type the numbers again"))
            raw = cell_value(raw)
            if raw == "":
                return None
        try:
            value = self.parser(raw)
        except InvalidValue as exc:
            return _Bad(str(exc))
        if self.tree is not None:
            return self._unit_id(value)
        return value

    def _unit_id(self, ref: Any) -> Any:
        from communitycore.errors import NotFound

        assert self.tree is not None
        if isinstance(ref, str) and not ref.isascii():
            # Full-width digits and slashes, as Chinese input methods type them: "０３", "街道／社区".
            plain = nfkc(ref)
            ref = plain if is_plain_id(plain) else ref.replace("\uff0f", "/")
        try:
            return self.tree.resolve_id(ref)
        except (NotFound, InvalidValue) as exc:
            return _Bad(str(exc))

    def db_value(self, value: Any) -> Any:
        """What the database column stores for a parsed value (the default for blank, None for bad)."""
        if value is None:
            return _default_stored(self.field)
        if value.__class__ is _Bad:
            return None
        return _stored(value, self.sqlite)

    def run(self, cells: Sequence[Any]) -> tuple[list[Any], list[Any], bool]:
        """Parsed values, database values, and whether any cell of this batch is bad."""
        if not self.memoize:
            return self._run_each(cells)
        memo, db_memo = self.memo, self.db_memo
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
            db_memo.clear()
            self.bad.clear()
        converts = self.converts
        new = 0
        try:
            parsed = list(map(memo.__getitem__, cells))  # once the memo is warm, every cell is a hit
        except KeyError:
            # set.difference with a dict argument walks the (small) set, not the memo.
            unseen = list(set(cells).difference(memo))
            values = self.bulk(unseen) if self.bulk is not None and set(map(type, unseen)) == {str} else None
            if values is not None:  # every new value parsed at once
                memo.update(zip(unseen, values, strict=True))
                if converts:
                    db_memo.update(zip(unseen, map(self.bulk_stored, values), strict=True))
            else:
                for raw in unseen:
                    value = self.parse_cell(raw)
                    memo[raw] = value
                    if converts:
                        db_memo[raw] = self.db_value(value)
                    if value.__class__ is _Bad:
                        self.bad.add(raw)
            new = len(unseen)
            parsed = list(map(memo.__getitem__, cells))
        stored = list(map(db_memo.__getitem__, cells)) if converts else parsed
        any_bad = bool(self.bad) and not self.bad.isdisjoint(cells)
        self.seen += len(cells)
        self.distinct += new
        # With a bulk parser, a memo pays only while most values repeat (units, codes, employers);
        # without one, as long as one value in ten does. Names, phones and dates drop it.
        if self.seen >= _MEMO_TRIAL_ROWS and self.distinct * (2 if self.bulk else 10) >= self.seen * (
                1 if self.bulk else 9):
            self.memoize = False
            memo.clear()
            db_memo.clear()
        return parsed, stored, any_bad

    def _run_each(self, cells: Sequence[Any]) -> tuple[list[Any], list[Any], bool]:
        """:meth:`run` without the memo: the bulk parser over the batch, else each cell parsed."""
        parsed = _bulk_with_blanks(self.bulk, cells) if self.bulk is not None else None
        if parsed is not None:
            if not self.converts:
                stored = parsed
            elif self.stored_as_written:
                stored = [cell or None for cell in cells]
            else:
                stored = list(map(self.db_value, parsed))
            return parsed, stored, False
        if self.rejects_blank and set(map(type, cells)) == {str}:
            # The parser straight over a batch of text: a blank or bad cell makes it raise, and then
            # parse_cell takes the batch cell by cell (workbook numbers and dates always do).
            with contextlib.suppress(InvalidValue):
                parsed = list(map(self.parser, cells))
        if parsed is None:
            parsed = list(map(self.parse_cell, cells))
        stored = list(map(self.db_value, parsed)) if self.converts else parsed
        return parsed, stored, _Bad in set(map(type, parsed))


def _no_rule_broken(parsed: dict[str, list[Any]], *, today: int, days: _DayNumbers) -> bool:
    """Whether :func:`check_member` finds nothing in any row of a batch, decided column by column.

    The same rules, on whole columns at C speed (dates as YYYYMMDD integers, ``today`` too). It
    errs one way only: False sends the batch through ``check_member`` row by row, which words the
    problems, so every message comes from there. The common case, a batch without problems in a file
    that has 公民身份号码, costs a few list operations per rule instead of a call per row.
    """
    ids = parsed.get("id_number")
    if ids is None or None in ids:
        return False
    day = days.__getitem__
    births = list(map(int, map(_BIRTH_DIGITS, ids)))  # the birth date each number encodes
    given = parsed.get("birth_date")
    if given is not None:  # a birth date, where given, is the one its number encodes
        written = list(map(day, given))
        if None in written:
            written = [b if w is None else w for w, b in zip(written, births, strict=True)]
        if written != births:
            return False
    genders = parsed.get("gender")
    if genders is not None:
        encoded = list(map(id_gender, ids))
        if None in genders:
            genders = [e if g is None else g for g, e in zip(genders, encoded, strict=True)]
        if genders != encoded:
            return False
    joins = list(map(day, parsed.get("join_date") or ()))
    fulls = list(map(day, parsed.get("full_date") or ()))
    for numbers in (births, joins, fulls):  # nothing after today
        if max(filter(None, numbers), default=0) > today:
            return False
    if joins:  # 18 or older (周岁) on the join date
        ages = (list(map(operator.sub, joins, births)) if None not in joins
                else [j - b for j, b in zip(joins, births, strict=True) if j is not None])
        if ages and min(ages) < JOINING_AGE * 10_000:
            return False
        if max(filter(None, joins), default=0) > today - 10_000:
            return False  # joined within the year: a full member without a 转正日期 is not yet one
    if fulls and any(fulls):
        categories = parsed.get("category")
        if categories is not None and Category.PROBATIONARY in categories:
            probationary = map(operator.is_, categories, repeat(Category.PROBATIONARY))
            if any(compress(fulls, probationary)):  # a 预备党员 with a full-member date
                return False
        if not joins:
            return False  # the full-member date without a join date: let the rules judge
        # A full-member date at least a year after joining is past the end of probation
        # (no extension on import); nearer ones are for check_member to judge.
        gaps = [f - j for f, j in zip(fulls, joins, strict=True) if f is not None and j is not None]
        if gaps and min(gaps) < 10_000:
            return False
    return True


# Import ----------------------------------------------------------------------------------------

class _Report:
    """Problems found so far, kept in row order up to :data:`MAX_PROBLEMS`."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.unlisted = 0

    def __bool__(self) -> bool:
        return bool(self.problems)

    def extend(self, problems: list[Problem]) -> None:
        room = MAX_PROBLEMS - len(self.problems)
        problems.sort(key=lambda p: p.row or 0)  # within a batch they are found column by column
        self.problems.extend(problems[:room])
        self.unlisted += max(0, len(problems) - room)

    def final(self) -> list[Problem]:
        """Every problem in row order (file-level ones, without a row, last)."""
        problems = sorted(self.problems, key=lambda p: (p.row is None, p.row or 0))  # stable: columns stay in order
        if self.unlisted:
            problems.append(Problem(None, MORE_FIELD, _("{n} more problem(s) not listed; fix these first and import "
                                                        "again").format(n=self.unlisted)))
        return problems


class _Checked(Exception):
    """Raised at the end of a ``check`` run so that the transaction rolls back; carries the count."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def import_members(community: Community, path: str | os.PathLike[str], *,
                   progress: Callable[[int], None] | None = None, sheet: str | None = None,
                   header_row: int | None = None, check: bool = False,
                   authorize: Callable[[Connection, Sequence[int]], None] | None = None) -> int:
    """Import members from a ``.csv`` or ``.xlsx`` file: every row, or none. Returns the rows imported.

    Headers: see :data:`MEMBER_HEADERS` (the English field names work too; columns headed
    :data:`IGNORED_HEADERS` are read past); ``所在党组织`` / ``unit`` is a unit id or a full path
    joined with ``/``. Title rows above the header are skipped (the header is the first row with
    two known headers), or ``header_row`` says where it is; ``sheet`` picks a workbook's sheet by
    name. A CSV may be UTF-8 (with or without BOM) or GB18030/GBK, as Excel on Chinese Windows
    saves it. Blank rows are skipped. Values are read as offices write them: dates such as
    ``2023年7月1日`` or Excel serial numbers, full-width digits, letters and slashes, and the value
    aliases of the code tables (``男性``, ``中共党员``, ``支部书记`` …).

    If any row is bad, nothing is stored and :class:`~communitycore.errors.RejectedInput` lists
    every problem (row number, header as written, reason), including 公民身份号码 repeated within
    the file or already on record. ``progress`` is called with the number of rows read so far,
    once per batch. The whole import is one transaction, with one audit entry for the batch
    (``member.import``) and one ``member.add`` entry per member, written set-based, and one event.
    With ``check``, every rule runs and nothing is kept: the count is that of the rows that would
    be imported.
    """
    from communitycore.store.engine import is_sqlite

    source = given_path(path)
    reader = SheetReader(source, sheet=sheet, header_row=header_row, is_header=is_member_header, what=_("members"))
    try:
        with community.transaction() as tx, reader.rows() as rows, _index_cache(tx.conn):
            marks = _audit_marks(tx.conn)
            # On SQLite the transaction holds the write lock from its first statement, so the ids
            # of each batch are known as it goes in, and so are its entries (see _audit_each).
            audit = (partial(_append_selected, tx, _("imported from {file}").format(file=source.name))
                     if is_sqlite(tx.conn) and not check else None)
            importer = _Importer(tx.conn, reader, rows, today=tx.today, members_before=marks[1], audit=audit)
            count = importer.run(progress)
            if authorize is not None:  # every unit the file puts members in, before anything is kept
                authorize(tx.conn, _new_units(tx.conn, marks))
            if check:
                raise _Checked(count)
            if audit is None:
                _audit_each(tx, marks, source.name)
            tx.record("member.import", "member", None, after={"file": source.name, "rows": count},
                      data={"file": source.name, "rows": count})
            return count
    except _Checked as done:
        return done.count


def _new_units(conn: Connection, marks: tuple[int, int]) -> list[int]:
    """The units of the members this import added (ids past the mark)."""
    from sqlalchemy import select

    from communitycore.store.tables import members as member_tables

    m = member_tables.members
    return list(conn.scalars(select(m.c.unit_id).where(m.c.id > marks[1]).distinct().order_by(m.c.unit_id)))


#: Members audited per statement by :func:`_audit_each`.
AUDIT_BATCH = 20_000
#: A member.add entry's ``after``, {"name": name, "unit_id": unit_id}, as the canonical JSON writes it
#: (keys sorted, no spaces): filled with the name's JSON string and the unit id.
_AFTER_JSON = '{{"name":{},"unit_id":{}}}'.format


def _audit_marks(conn: Connection) -> tuple[int, int]:
    """The highest audit and member ids before the import (read in this order: see :func:`_audit_each`)."""
    from sqlalchemy import func, select

    from communitycore.store.tables import audit as audit_tables
    from communitycore.store.tables import members as member_tables

    audit_before = conn.scalar(select(func.max(audit_tables.audit.c.id))) or 0
    members_before = conn.scalar(select(func.max(member_tables.members.c.id))) or 0
    return int(audit_before), int(members_before)


def _audit_each(tx: Any, marks: tuple[int, int], file: str) -> None:
    """One ``member.add`` audit entry per member this import created, appended to the hash chain.

    The members are read set-based: those past the highest id seen at the start that have no
    audit entry yet. On PostgreSQL and MariaDB a member another writer added meanwhile is either
    not visible (not committed) or committed with its own ``member.add`` entry, which the
    anti-join finds; the audit side is read from the audit mark on (read before the member mark),
    so the anti-join looks at a handful of rows, not at the whole trail. (On SQLite the import's
    transaction holds the write lock from its first statement, so the ids of each batch are known
    as it goes in, and its entries are appended right after it by one ``INSERT … SELECT`` of that
    id range, :func:`_append_selected`, so they never come into Python.) The
    entry holds the name and unit, not personal data; here its JSON is put together in canonical
    form and the entries go in through :func:`~communitycore.store.audit_chain.append_alike`.
    """
    from sqlalchemy import String, and_, cast, exists, select

    from communitycore.store.tables import audit as audit_tables
    from communitycore.store.tables import members as member_tables

    audit_before, members_before = marks
    a, m = audit_tables.audit, member_tables.members
    conn = tx.conn
    logged = exists().where(and_(a.c.id > audit_before, a.c.entity == "member",
                                 a.c.entity_id == cast(m.c.id, String)))
    query = select(m.c.id, m.c.name, m.c.unit_id).where(m.c.id > members_before, ~logged).order_by(m.c.id)

    def page(after: int) -> list[Any]:
        return list(conn.execute(query.where(m.c.id > after).limit(AUDIT_BATCH)).all())
    note = _("imported from {file}").format(file=file)
    # In slices of AUDIT_BATCH members: a million entries at once would hold ~1.5 GB.
    last = members_before
    while True:
        rows = page(last)
        if not rows:
            return
        # {"name": name, "unit_id": unit_id} as the canonical JSON writes it (keys sorted, no spaces).
        ids, names, units = zip(*rows, strict=True)
        _append_entries(tx, note, ids, names, units)
        last = rows[-1][0]


def _append_selected(tx: Any, note: str, first: int, last: int) -> None:
    """SQLite: the ``member.add`` entries of the members with ids ``first`` to ``last``, in one
    ``INSERT … SELECT`` (their ``after`` as :data:`_AFTER_JSON` writes it, by ``json_object``)."""
    from communitycore.store import audit_chain
    from communitycore.store.tables import members as member_tables

    audit_chain.append_selected(
        tx.conn, at=tx.now, actor=tx.actor, action="member.add", entity="member", note=note,
        rows=f"SELECT CAST(id AS TEXT), json_object('name', name, 'unit_id', unit_id) "
             f"FROM {member_tables.members.name} WHERE id BETWEEN ? AND ? ORDER BY id",
        params=(first, last))


def _append_entries(tx: Any, note: str, ids: Iterable[int], names: Iterable[str], units: Iterable[int]) -> None:
    """The ``member.add`` entries of these members (id, name, unit id in step), in one statement."""
    from communitycore.store import audit_chain

    audit_chain.append_alike(
        tx.conn, at=tx.now, actor=tx.actor, action="member.add", entity="member", note=note,
        items=zip(map(str, ids), map(_AFTER_JSON, map(encode_basestring, names), map(int, units)), strict=True))


@contextlib.contextmanager
def _index_cache(conn: Connection) -> Iterator[None]:
    """SQLite: a larger page cache for the import's connection while it runs, then the old size again.

    Every row goes into the unique index of 公民身份号码 at a random place; with SQLite's default
    2 MB cache most of those places are read back from the operating system. 64 MB holds the
    index of about a million members and took a third off the insert time in the city benchmark.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


class _Importer:
    """One import: the header plan, the running checks and the batches."""

    def __init__(self, conn: Connection, reader: SheetReader, rows: Iterator[Sequence[Any]], *,
                 today: dt.date, members_before: int,
                 audit: Callable[[int, int], None] | None = None) -> None:
        from sqlalchemy import select

        from communitycore.store.engine import is_sqlite
        from communitycore.store.tables import members as member_tables
        from communitycore.store.units import Tree

        self.conn = conn
        self.reader = reader
        self.rows = rows
        self.members_before = members_before
        self.audit = audit
        """Appends the entries of a batch as it is written (SQLite), given its first and last id."""
        self.check_member = partial(check_member, today=today)
        self.bulk_parsers: dict[str, Callable[[list[str]], list[Any] | None]] = {
            "id_number": partial(_id_numbers, today=today), "phone": _mobiles,
            **dict.fromkeys(DATE_FIELDS, _iso_dates),
            **{field: _texts(limit) for field, limit in _TEXT_LIMITS.items()},
        }
        self.day_numbers = _DayNumbers()
        self.today_number = self.day_numbers[today]
        self.parsers = field_parsers(today)
        self.report = _Report()
        self.sqlite = is_sqlite(conn)
        self.seen_ids: set[int] = set()
        """First 17 digits of every valid 公民身份号码 so far, as ints (28 bytes each, not ~70)."""
        self.duplicates: list[tuple[int, int]] = []
        """(row, key) of rows repeating an earlier ID number; the earlier row is found at the end."""
        self.units_touched: set[int] = set()
        self.check_existing = conn.execute(select(member_tables.members.c.id).limit(1)).first() is not None
        self.columns = self._plan_header(Tree(conn))
        by_field = {c.field: c for c in self.columns}
        self.by_field = by_field
        self.headers = {c.field: c.header for c in self.columns}
        # Fields are laid out in the table's column order; a missing column stores its default. One
        # the file cannot fill (by a column, or from the 公民身份号码) whose default is NULL is left
        # out of the statement: binding a NULL per row for it costs time and says nothing.
        filled = set(by_field) | ({"birth_date", "gender"} if "id_number" in by_field else set())
        self.table_fields = [f for f in ("unit" if c == _UNIT_COLUMN else c for c in member_tables.MEMBER_COLUMNS)
                             if f in filled or _default_stored(f) is not None]
        self.writer = _Writer(conn, member_tables.members.name,
                              [_UNIT_COLUMN if f == "unit" else f for f in self.table_fields])

    # Header ----------------------------------------------------------------------------------

    def _plan_header(self, tree: Tree) -> list[_Column]:
        header_row = next(self.rows, None)
        if header_row is None:
            raise RejectedInput([Problem(self.reader.first_number, HEADER_FIELD,
                                         _("the file is empty; the header row must name the columns"))],
                                imported=True, source=self.reader.path.name)
        number, cells = self.reader.first_number, header_row
        self.header_row = number
        self.width = len(cells)
        problems: list[Problem] = []
        columns: list[_Column] = []
        self.unnamed: list[int] = []
        taken: dict[str, str] = {}
        for index, cell in enumerate(cells):
            header = str(cell_value(cell)).replace("\ufeff", "").strip()
            if not header:
                self.unnamed.append(index)  # allowed as long as the column stays empty
                continue
            if header_key(header) in IGNORED_HEADERS:
                continue  # 序号, 备注: read past, whatever they hold
            field = field_for_header(header)
            if field is None:
                known = listing(h[0] for h in MEMBER_HEADERS.values())
                problems.append(Problem(number, header, _(
                    "unknown column; use one of {known} (or the English field names {fields}); see the list of "
                    "accepted headers in the members guide").format(known=known, fields=listing(MEMBER_FIELDS))))
                continue
            if field in taken:
                problems.append(Problem(number, header, _("names the same field as column {other!r}").format(
                    other=taken[field])))
                continue
            taken[field] = header
            columns.append(_Column(index, header, field, parser=self.parsers[field], sqlite=self.sqlite,
                                   tree=tree if field == "unit" else None,
                                   bulk=self.bulk_parsers.get(field)))
        for field in REQUIRED_MEMBER_FIELDS:
            if field not in taken:
                problems.append(Problem(number, MEMBER_HEADERS[field][0], _(
                    "the column is missing (field {field!r}); it is required").format(field=field)))
        if problems:
            raise RejectedInput(problems, imported=True, source=self.reader.path.name)
        return columns

    # Batches ---------------------------------------------------------------------------------

    def run(self, progress: Callable[[int], None] | None) -> int:
        total = 0
        number = self.header_row + 1
        width = self.width
        rows = self.rows
        while True:
            batch: list[Sequence[Any]] = []
            failure = None
            try:
                batch.extend(islice(rows, BATCH_ROWS))  # rows read before an error stay in the batch
            except self.reader.read_errors as exc:
                failure = self.reader.failure(number + len(batch), exc)
            if not batch and failure is None:
                break
            numbers: Sequence[int] = range(number, number + len(batch))
            number += len(batch)
            # The common case is checked at C speed; odd rows (blank, short, long) take the slow path.
            if batch and (set(map(len, batch)) != {width} or not all(map(any, batch))):
                batch, numbers = self._tidy(batch, numbers)
            if batch:
                total += self._batch(batch, numbers)
                if progress is not None:
                    progress(total)
            if failure is not None:
                self.report.extend([failure])
                break
        if self.duplicates:
            self._name_first_occurrences()
        if self.report:
            raise RejectedInput(self.report.final(), imported=True, source=self.reader.path.name)
        from communitycore.store import rollup

        if self.sqlite:
            # The transaction holds SQLite's write lock from its first statement, so every member
            # past the mark is this import's: its counters go in as one delta per unit.
            rollup.change(self.conn, plus=rollup.shares_after(self.conn, self.members_before))
        else:  # another writer's members may lie past the mark: count the units afresh
            rollup.refresh(self.conn, self.units_touched)
        return total

    def _tidy(self, batch: list[Sequence[Any]], numbers: Sequence[int]) -> tuple[list[Sequence[Any]], list[int]]:
        """Drop blank rows (Excel leaves them at the end) and bring every row to the header's width."""
        rows: list[Sequence[Any]] = []
        kept: list[int] = []
        width = self.width
        for number, cells in zip(numbers, batch, strict=True):
            if not any(cells):  # a blank cell is "" or None, both falsy
                continue
            if len(cells) < width:
                cells = [*cells, *repeat("", width - len(cells))]
            elif len(cells) > width:
                if any(c is not None and str(c).strip() for c in cells[width:]):
                    self.report.extend([Problem(number, _("column {n}").format(n=width + 1),
                                                        _("has a value but no header"))])
                cells = cells[:width]
            rows.append(cells)
            kept.append(number)
        return rows, kept

    def _batch(self, batch: list[Sequence[Any]], numbers: Sequence[int]) -> int:
        cells_by_index = list(zip(*batch, strict=True))
        problems: list[Problem] = []
        bad_rows: set[int] = set()
        parsed: dict[str, list[Any]] = {}
        stored: dict[str, list[Any]] = {}
        bad_fields: set[str] = set()
        for column in self.columns:
            values, db_values, any_bad = column.run(cells_by_index[column.index])
            parsed[column.field] = values
            stored[column.field] = db_values
            if any_bad:
                bad_fields.add(column.field)
                for i, value in enumerate(values):
                    if value.__class__ is _Bad:
                        problems.append(Problem(numbers[i], column.header, value.message))
                        bad_rows.add(i)
        for field in REQUIRED_MEMBER_FIELDS:
            values = parsed[field]
            if None in values:
                header = self.headers[field]
                for i, value in enumerate(values):
                    if value is None:
                        problems.append(Problem(numbers[i], header, _("is required")))
                        bad_rows.add(i)
        for index in self.unnamed:
            for i, cell in enumerate(cells_by_index[index]):
                if cell not in (None, "") and str(cell).strip():
                    problems.append(Problem(numbers[i], _("column {n}").format(n=index + 1),
                                            _("has a value but no header")))
                    bad_rows.add(i)
        self._check_rows(parsed, numbers, bad_rows, problems)
        if "id_number" in parsed:
            self._check_ids(parsed["id_number"], "id_number" in bad_fields, numbers, bad_rows, problems)
        if problems:
            self.report.extend(problems)
        if not self.report and not self.duplicates:  # after the first problem, keep checking but stop writing
            self._insert(parsed, stored, len(batch))
        return len(batch)

    def _check_rows(self, parsed: dict[str, list[Any]], numbers: Sequence[int], bad_rows: set[int],
                    problems: list[Problem]) -> None:
        """The rules across fields, for every row whose cells all parsed (as parse_member does)."""
        if not bad_rows and _no_rule_broken(parsed, today=self.today_number, days=self.day_numbers):
            return
        fields = tuple(f for f in parsed if f != "unit")
        rows: Iterator[tuple[Any, ...]] = zip(*(parsed[f] for f in fields), strict=True)
        kept: Sequence[int] = range(len(numbers))
        if bad_rows:  # rows holding unparsed cells must not reach the rules
            keep = [i not in bad_rows for i in kept]
            kept = list(compress(kept, keep))
            rows = compress(rows, keep)
        # map() all the way down: no Python-level loop per row in the common case of no problems.
        found = list(map(self.check_member, map(dict, map(partial(zip, fields), rows))))
        headers = self.headers
        for position in compress(range(len(found)), found):
            i = kept[position]
            bad_rows.add(i)
            problems.extend(Problem(numbers[i], headers.get(p.field, p.field), p.message) for p in found[position])

    def _check_ids(self, ids: list[Any], any_bad: bool, numbers: Sequence[int], bad_rows: set[int],
                   problems: list[Problem]) -> None:
        """Each 公民身份号码 once in the file, and not already on record."""
        header = self.headers["id_number"]
        if any_bad or None in ids:
            pairs = [(i, v) for i, v in enumerate(ids) if v.__class__ is str]
            positions: Sequence[int] = [i for i, _value in pairs]
            numbers_ok: list[str] = [v for _index, v in pairs]
        else:  # every cell holds a valid number: no per-row filtering
            positions, numbers_ok = range(len(ids)), ids
        # A valid number is determined by its first 17 digits (the 18th is their checksum), and an
        # int of them is far smaller than the string: a million fit in a few tens of megabytes.
        keys = list(map(int, map(_FIRST17, numbers_ok)))
        batch_keys = set(keys)
        seen = self.seen_ids
        if len(batch_keys) != len(keys) or not seen.isdisjoint(batch_keys):
            local: set[int] = set()
            for i, key in zip(positions, keys, strict=True):
                if key in seen or key in local:
                    self.duplicates.append((numbers[i], key))
                    bad_rows.add(i)
                else:
                    local.add(key)
        seen.update(batch_keys)
        if self.check_existing and numbers_ok:
            on_record = self._on_record(numbers_ok)
            if on_record:
                for i, value in zip(positions, numbers_ok, strict=True):
                    member_id = on_record.get(value)
                    if member_id is not None:
                        problems.append(Problem(numbers[i], header, _("a member with this 公民身份号码 is already on "
                                                                  "record (member id {id})").format(id=member_id)))
                        bad_rows.add(i)

    def _on_record(self, id_numbers: list[str]) -> dict[str, int]:
        from sqlalchemy import select

        from communitycore.store.tables import members as member_tables

        m = member_tables.members
        found: dict[str, int] = {}
        for start in range(0, len(id_numbers), _LOOKUP_CHUNK):
            chunk = id_numbers[start:start + _LOOKUP_CHUNK]
            found.update(self.conn.execute(select(m.c.id_number, m.c.id).where(m.c.id_number.in_(chunk))).all())
        return found

    def _name_first_occurrences(self) -> None:
        """Say which earlier row each repeated 公民身份号码 first appeared in (a second, cheap pass)."""
        wanted = {key for _row, key in self.duplicates}
        first: dict[int, int] = {}
        index = self.by_field["id_number"].index
        with self.reader.rows() as rows:
            next(rows, None)
            for number, cells in enumerate(rows, start=self.header_row + 1):
                if index >= len(cells) or cells[index].__class__ is not str:
                    continue
                text = cells[index].strip()
                if len(text) == 18 and text[:17].isdigit():
                    key = int(text[:17])
                    if key in wanted and key not in first:
                        first[key] = number
        header = self.headers["id_number"]
        self.report.extend([
            Problem(row, header, _("the same 公民身份号码 as row {row}").format(row=first.get(key, "?")))
            for row, key in self.duplicates
        ])

    def _insert(self, parsed: dict[str, list[Any]], stored: dict[str, list[Any]], n: int) -> None:
        self._derive_from_id(parsed, stored)
        columns = [stored[f] if f in stored else repeat(_default_stored(f), n) for f in self.table_fields]
        self.units_touched.update(stored["unit"])
        self.writer.insert(list(zip(*columns, strict=False)))  # repeat() columns are endless
        if self.audit is not None:
            # Ids come one after another under the write lock: the batch ends at the highest.
            last = int(self.conn.exec_driver_sql(self.writer.last_id).scalar_one())
            self.audit(last - n + 1, last)

    def _derive_from_id(self, parsed: dict[str, list[Any]], stored: dict[str, list[Any]]) -> None:
        """Fill blank birth dates and genders from the 公民身份号码, as ``parse_member`` does."""
        ids = parsed.get("id_number")
        if ids is None:
            return
        sqlite = self.sqlite
        for field, derive in (("birth_date", id_birth_date), ("gender", id_gender)):
            values = parsed.get(field)
            if values is None:
                stored[field] = [None if v is None else _stored(derive(v), sqlite) for v in ids]
            elif None in values:
                out = stored[field]
                for i, value in enumerate(values):
                    if value is None and ids[i] is not None:
                        out[i] = _stored(derive(ids[i]), sqlite)


class _Writer:
    """Bulk inserts: one driver-level ``executemany`` of tuples per batch.

    Two alternatives were measured on the city benchmark and dropped: several hundred rows per
    statement (``VALUES (...), (...), ...``) was faster on small imports and about a tenth slower
    at a million rows, and inserting in a background thread while the next batch is parsed gained
    nothing, because the GIL hand-overs cost what the overlap saved.
    """

    def __init__(self, conn: Connection, table: str, columns: Sequence[str]) -> None:
        from communitycore.store.engine import placeholders

        self.conn = conn
        self.sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(conn, len(columns))})"
        self.last_id = f"SELECT max(id) FROM {table}"

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (tuples in the table's column order)."""
        self.conn.exec_driver_sql(self.sql, rows)

