"""Ledger entries from spreadsheets (``.csv``, ``.xlsx``), and the import template.

:func:`import_activity` reads a file whose first row names the columns, in Chinese or by their
English names (:data:`ACTIVITY_HEADERS`), and records every row or none: every bad row is
reported with its row number (the header is row 1), the column header as written in the file and
the reason, as the member import does. A subject is given by its kind (对象类型: ``member``,
``steward``, ``unit``, ``partner``, ``resident`` or their Chinese names) and its id (对象编号); a
member may also be given by 公民身份号码.

The file is read in batches of :data:`BATCH_ROWS`. Each batch is checked set-based (facts
against the registry, subjects with one query per kind and 500 ids) and written with one
driver-level ``executemany`` of tuples; the whole file is one transaction, rolled back at the end
if any row was bad, with one audit entry (``activity.import``) and one event.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from communitycore.domain.activity import (
    MAX_ID,
    NOTE_LENGTH,
    SubjectKind,
    parse_quantity,
    parse_source,
    parse_text,
    quantity_problem,
)
from communitycore.domain.fields import is_plain_id, nfkc
from communitycore.domain.members import parse_id_number, parse_past_date
from communitycore.errors import HEADER_FIELD, MORE_FIELD, InvalidValue, NotFound, Problem, RejectedInput
from communitycore.i18n import _, get_language, listing
from communitycore.io.files import staged_file
from communitycore.io.limits import given_path
from communitycore.io.sheets import SheetReader
from communitycore.records import _SLUG
from communitycore.store import activity as ledger
from communitycore.store.units import Tree

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from communitycore.sdk.community import Community

__all__ = ["ACTIVITY_HEADERS", "BATCH_ROWS", "import_activity", "write_template"]

#: Field -> the Chinese headers accepted for it; the first is the one templates write, in template order.
#: The English field names are accepted too.
ACTIVITY_HEADERS: dict[str, tuple[str, ...]] = {
    "subject_kind": ("对象类型",),
    "subject_id": ("对象编号", "公民身份号码"),
    "fact": ("事实", "事实代码"),
    "date": ("日期",),
    "quantity": ("数量",),
    "source": ("来源",),
    "note": ("备注",),
    "unit": ("所属党组织",),
}
REQUIRED = ("subject_kind", "subject_id", "fact", "date")
#: Rows checked and written per batch (one executemany each).
BATCH_ROWS = 5_000
#: Problems kept for the report; past this the rest are counted.
MAX_PROBLEMS = 10_000

_LOOKUP: dict[str, str] = {
    **{field: field for field in ACTIVITY_HEADERS},
    **{header: field for field, headers in ACTIVITY_HEADERS.items() for header in headers},
}


def field_for_header(header: str) -> str | None:
    """The field a column header names (Chinese header or English name), or None."""
    text = header.replace("\ufeff", "").strip()
    return _LOOKUP.get(text) or _LOOKUP.get(text.lower())


def _cell(value: Any) -> Any:
    """A cell as the parsers take it: text, a number, or a date for date cells; None when blank."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float) and value.is_integer():
        return int(value)  # Excel stores 12 as 12.0
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return value


class _Bad(Exception):
    """A cell its parser refused."""


def _subject_id(value: Any, today: dt.date) -> int | str:
    """An id (a positive whole number) or a 公民身份号码 (kept as text, checked on ``today``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 10**14:
        raise InvalidValue(_("is stored as a number, which keeps only 15 digits; format the column as text "
                             "(文本) and type the numbers again"))
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    text = nfkc(str(value).strip())  # full-width digits as offices type them; "٣" is no id
    if is_plain_id(text) and len(text) < 18:
        number = int(text)
        if 0 < number <= MAX_ID:
            return number
    if len(text) == 18:
        return parse_id_number(text, today=today)
    raise InvalidValue(_("{value!r} is neither an id nor a 公民身份号码").format(value=text))


class _Importer:
    def __init__(self, community: Community, conn: Connection, reader: SheetReader,
                 rows: Iterator[Sequence[Any]],
                 authorize: Callable[[Connection, set[int | None]], None] | None = None) -> None:
        self.community = community
        self.authorize = authorize
        self.conn = conn
        self.reader = reader
        self.rows = rows
        self.facts = community.registry.facts
        self.problems: list[Problem] = []
        self.unlisted = 0
        self.tree: Tree | None = None
        self.memo: dict[str, dict[Any, Any]] = {}
        self.source_id = reader.path.name[:64]
        self.today = community.clock.today()
        self._plan_header()

    # Header ----------------------------------------------------------------------------------

    def _plan_header(self) -> None:
        header_row = next(self.rows, None)
        name = self.reader.path.name
        if header_row is None:
            raise RejectedInput([Problem(1, HEADER_FIELD, _("the file is empty; the first row must name the columns"))],
                                imported=True, source=name)
        self.header_number = self.reader.first_number
        problems: list[Problem] = []
        self.columns: dict[str, int] = {}
        self.headers: dict[str, str] = {}
        self.unnamed: list[int] = []
        for index, cell in enumerate(header_row):
            header = "" if cell is None else str(cell).replace("\ufeff", "").strip()
            if not header:
                self.unnamed.append(index)
                continue
            field = field_for_header(header)
            if field is None:
                known = listing(h[0] for h in ACTIVITY_HEADERS.values())
                problems.append(Problem(self.header_number, header, _(
                    "unknown column; use one of {known} (or the English names {fields})").format(
                        known=known, fields=listing(ACTIVITY_HEADERS))))
            elif field in self.columns:
                problems.append(Problem(self.header_number, header, _("names the same field as column {other!r}")
                                        .format(other=self.headers[field])))
            else:
                self.columns[field] = index
                self.headers[field] = header
        for field in REQUIRED:
            if field not in self.columns:
                problems.append(Problem(self.header_number, ACTIVITY_HEADERS[field][0], _(
                    "the column is missing (field {field!r}); it is required").format(field=field)))
        if problems:
            raise RejectedInput(problems, imported=True, source=name)
        self.width = len(header_row)

    # Rows ------------------------------------------------------------------------------------

    def _problem(self, number: int, field: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(number, self.headers.get(field, field), message))
        else:
            self.unlisted += 1

    def _parse(self, field: str, parser: Callable[[Any], Any], raw: Any) -> Any:
        """A cell parsed once per distinct value (kinds, facts, dates and sources repeat)."""
        memo = self.memo.setdefault(field, {})
        try:
            found = memo[raw]  # cells are text, numbers and dates: all hashable
        except KeyError:
            try:
                found = parser(raw)
            except InvalidValue as exc:
                found = _Bad(str(exc))
            if len(memo) < 50_000:
                memo[raw] = found
        if isinstance(found, _Bad):
            raise found
        return found

    def _unit(self, raw: Any) -> int:
        if self.tree is None:  # loaded only for files that name units
            self.tree = Tree(self.conn)
        try:
            return self.tree.resolve_id(raw if not isinstance(raw, int) else int(raw))
        except NotFound as exc:
            raise InvalidValue(str(exc)) from None

    def run(self, progress: Callable[[int], None] | None) -> int:
        number = self.header_number + 1
        total = 0
        while True:
            failure = None
            batch: list[Sequence[Any]] = []
            try:
                batch.extend(islice(self.rows, BATCH_ROWS))
            except self.reader.read_errors as exc:
                failure = self.reader.failure(number + len(batch), exc)
            if not batch and failure is None:
                break
            total += self._batch(batch, number)
            number += len(batch)
            if progress is not None:
                progress(total)
            if failure is not None:
                self.problems.append(failure)
                break
        if self.problems:
            problems = sorted(self.problems, key=lambda p: (p.row is None, p.row or 0))
            if self.unlisted:
                problems.append(Problem(None, MORE_FIELD, _("{count} more problem(s) not listed; fix these first and "
                                                            "import again").format(count=self.unlisted)))
            raise RejectedInput(problems, imported=True, source=self.reader.path.name)
        return total

    def _batch(self, batch: list[Sequence[Any]], first: int) -> int:
        columns = self.columns
        parsed: list[tuple[int, dict[str, Any]]] = []
        count = 0
        for offset, cells in enumerate(batch):
            number = first + offset
            values = [_cell(c) for c in cells]
            if not any(v is not None for v in values):
                continue  # a blank row
            count += 1
            bad = False
            for index in [*self.unnamed, *range(self.width, len(values))]:
                if index < len(values) and values[index] is not None:
                    self._problem(number, _("column {n}").format(n=index + 1), _("has a value but no header"))
                    bad = True
            row: dict[str, Any] = {}
            for field, index in columns.items():
                raw = values[index] if index < len(values) else None
                if raw is None:
                    if field in REQUIRED:
                        self._problem(number, field, _("is required"))
                        bad = True
                    continue
                try:
                    row[field] = self._field(field, raw)
                except (InvalidValue, _Bad) as exc:
                    self._problem(number, field, str(exc))
                    bad = True
            if not bad:
                bad = not self._check_fact(number, row)
            if not bad:
                parsed.append((number, row))
        rows = self._resolve(parsed)
        if rows and not self.problems:  # after the first problem, keep checking but stop writing
            if self.authorize is not None:
                self.authorize(self.conn, {r[5] for r in rows})
            ledger.insert_entries(self.conn, rows)
        return count

    def _field(self, field: str, raw: Any) -> Any:
        if field == "subject_kind":
            return self._parse(field, lambda v: SubjectKind.parse(v).value, raw)
        if field == "subject_id":
            return _subject_id(raw, self.today)
        if field == "fact":
            return self._parse(field, _fact_code, raw)
        if field == "date":
            return self._parse(field, lambda v: parse_past_date(v, self.today), raw)
        if field == "quantity":
            return self._parse(field, parse_quantity, raw)
        if field == "source":
            return self._parse(field, parse_source, raw)
        if field == "note":
            return parse_text(raw, NOTE_LENGTH)
        return self._parse(field, self._unit, raw)

    def _check_fact(self, number: int, row: dict[str, Any]) -> bool:
        fact = self.facts.get(row["fact"])
        if fact is None:
            self._problem(number, "fact", _("unknown fact {code!r}; known: {known}").format(
                code=row["fact"], known=", ".join(self.facts) or _("none")))
            return False
        if fact.subject.value != row["subject_kind"]:
            self._problem(number, "subject_kind", _("fact {code!r} is about {subject}, not {kind}").format(
                code=row["fact"], subject=fact.subject.value, kind=row["subject_kind"]))
            return False
        if (wrong := quantity_problem(fact, row.get("quantity", _ONE))) is not None:  # as the ledger's check_entries
            self._problem(number, "quantity", wrong)
            return False
        if isinstance(row["subject_id"], str) and row["subject_kind"] != SubjectKind.MEMBER.value:
            self._problem(number, "subject_id", _("a 公民身份号码 names a member; give the id of the {kind}").format(
                kind=row["subject_kind"]))
            return False
        return True

    def _resolve(self, parsed: list[tuple[int, dict[str, Any]]]) -> list[tuple[Any, ...]]:
        """Subjects looked up set-based, then the stored tuples of the rows whose subjects exist."""
        by_number = ledger.members_by_id_number(
            self.conn, [r["subject_id"] for _n, r in parsed if isinstance(r["subject_id"], str)])
        capped = ledger.capped_kinds(self.facts, ((r["subject_kind"], r["fact"]) for _n, r in parsed))
        ids: dict[str, set[int]] = {}
        for _n, row in parsed:
            subject = row["subject_id"]
            if isinstance(subject, str):
                found = by_number.get(subject)
                if found is not None:
                    row["subject_id"], row["member_unit"] = found
                    if "member" in capped:  # locked with the others before the member's days are summed
                        ids.setdefault("member", set()).add(found[0])
                continue
            ids.setdefault(row["subject_kind"], set()).add(subject)
        units = {kind: ledger.subject_units(self.conn, kind, ids[kind], lock="update" if kind in capped else "share")
                 for kind in sorted(ids)}
        stamp = self.community.clock.now().astimezone(dt.UTC)
        actor = self.community.actor
        out, numbers = [], []
        for number, row in parsed:
            subject = row["subject_id"]
            kind = row["subject_kind"]
            if isinstance(subject, str):
                self._problem(number, "subject_id", _("no member with this 公民身份号码 is on record"))
                continue
            known = units.get(kind)
            if "member_unit" in row:
                unit_id = row["member_unit"]
            elif known is None:  # stewards: no table to look them up in
                unit_id = None
            elif subject in known:
                unit_id = known[subject]
            else:
                self._problem(number, "subject_id", _("there is no {kind} with id {id}").format(
                    kind=SubjectKind(kind).label(get_language()), id=subject))
                continue
            source_kind, source_id = row.get("source", ("import", self.source_id))
            out.append((kind, subject, row["fact"], row["date"], ledger.hundredths(row.get("quantity", _ONE)),
                        row.get("unit", unit_id), source_kind, source_id, actor, row.get("note"), None, stamp))
            numbers.append(number)
        for index, wrong in ledger.day_overruns(self.conn, self.facts, out):
            self._problem(numbers[index], "quantity", wrong)
        return out


def _fact_code(value: Any) -> str:
    text = str(value).strip()
    if not _SLUG.match(text):
        raise InvalidValue(_("{value!r} is not a fact code (such as volunteer-hours)").format(value=text))
    return text


_ONE = Decimal(1)


def import_activity(community: Community, path: str | os.PathLike[str], *,
                    progress: Callable[[int], None] | None = None,
                    authorize: Callable[[Connection, set[int | None]], None] | None = None) -> int:
    """Record the entries of a ``.csv`` or ``.xlsx`` file: every row, or none. Returns the rows recorded.

    Headers: :data:`ACTIVITY_HEADERS` (对象类型, 对象编号, 事实, 日期 required; 数量 defaults to 1;
    来源 is ``KIND`` or ``KIND:ID``, blank for ``import`` with the file's name; 所属党组织 sets the
    unit, which is otherwise the subject's own). If any row is bad, nothing is stored and
    :class:`~communitycore.errors.RejectedInput` lists every problem. ``progress`` is called with
    the rows read so far, once per batch; ``authorize`` with the units each batch records for (None:
    an entry of no unit), before it is written, and may refuse the whole import.
    """
    source = given_path(path)
    reader = SheetReader(source, what=_("ledger entries"))
    with community.transaction() as tx, reader.rows() as rows:
        importer = _Importer(community, tx.conn, reader, rows, authorize)
        count = importer.run(progress)
        summary = {"file": source.name, "rows": count}
        tx.record("activity.import", "activity", None, after=summary, data=summary)
        return count


# Template ----------------------------------------------------------------------------------------

_EXAMPLE: dict[str, tuple[str, str]] = {
    "subject_kind": ("党员", "member"),
    "subject_id": ("1", "1"),
    "fact": ("volunteer-hours", "volunteer-hours"),
    "date": ("2026-03-15", "2026-03-15"),
    "quantity": ("1.5", "1.5"),
    "source": ("manual", "manual"),
    "note": ("社区义诊", "free clinic"),
    "unit": ("", ""),
}


def write_template(path: str | os.PathLike[str], *, lang: str = "zh") -> Path:
    """Write an activity import template (``.csv`` or ``.xlsx``): the headers and one example row.

    Chinese headers by default, English field names with ``lang="en"``; a CSV is UTF-8 with a BOM.
    """
    if lang not in ("zh", "en"):
        raise InvalidValue(_("lang must be 'zh' or 'en', got {lang!r}").format(lang=lang))
    target = given_path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidValue(_("a template is a .csv or .xlsx file, not {name!r}").format(name=suffix or target.name),
                           entity="file", key=target.name)
    en = lang == "en"
    headers = [field if en else names[0] for field, names in ACTIVITY_HEADERS.items()]
    example = [_EXAMPLE[field][en] for field in ACTIVITY_HEADERS]
    with staged_file(target) as partial:  # a missing or read-only folder: CannotWrite naming the file
        if suffix == ".csv":
            with partial.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(headers)
                writer.writerow(example)
        else:
            import openpyxl  # slow to import: only .xlsx templates pay for it

            workbook = openpyxl.Workbook()
            sheet = workbook.active
            assert sheet is not None
            sheet.title = _SHEET_TITLE[en]
            sheet.append(headers)
            sheet.append(example)
            for column in range(1, len(headers) + 1):
                # Text cells, so Excel neither rounds 公民身份号码 nor turns dates into serials.
                sheet.cell(row=2, column=column).number_format = "@"
            workbook.save(partial)
    return target


#: The title of a template's sheet, Chinese or English (the template's own language, not the interface's).
_SHEET_TITLE = ("活动台账", "activity")
