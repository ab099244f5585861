"""Whole-community export and import as JSON, through the one cattrs converter.

:func:`export_community` writes units, compounds, partners, unit settings, members, transfers,
双报到 registrations, households and residents, with their ids, to one JSON file;
:func:`import_community` reads such a file back, all or nothing, into an empty database, so that a
round trip gives back exactly the same community. The audit trail is not part of an export (it
records what happened in *this* database; the import writes its own entry), nor are the per-unit
counters, which the import recomputes.

The file is one JSON object::

    {"format": "communitycore-export", "version": 1, "schema_revision": "0001",
     "exported_at": "2026-11-28T10:00:00+08:00", "counts": {"units": 3, ...},
     "units": [{...}, ...], "compounds": [...], ..., "residents": [...]}

Records are the attrs classes of :mod:`communitycore.domain` as the converter unstructures them
(codes for enums, ISO dates, fields at their default left out), one per line. Both directions
stream: an export never holds a table in memory and an import reads the file element by element,
so a city of a million members exports and imports in bounded memory.

Exports hold personal data unmasked (公民身份号码, phone numbers): every export is audited.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import functools
import json
import operator
import os
from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs

from communitycore.domain.fields import MAX_ID, clean_text
from communitycore.domain.members import (
    ADDRESS_LIMIT,
    BUILDING_LIMIT,
    CHANNEL_LIMIT,
    MEMBER_FIELDS,
    NAME_LIMIT,
    REASON_LIMIT,
    ROOM_LIMIT,
    CommunityRegistration,
    Household,
    Member,
    Resident,
    Transfer,
    check_extension_value,
    check_removal,
    parse_member,
    parse_phone,
)
from communitycore.domain.org import ADDRESS_LIMIT as COMPOUND_ADDRESS_LIMIT
from communitycore.domain.org import (
    APPROVED_BY_LIMIT,
    CODE_LIMIT,
    CONTACT_LIMIT,
    Compound,
    OrgUnit,
    Partner,
    check_name,
    placement_problem,
)
from communitycore.domain.settings import parse_setting
from communitycore.errors import MORE_FIELD, Conflict, InvalidValue, Problem, RejectedInput
from communitycore.i18n import N_, _, get_language, listing
from communitycore.io.files import staged_file
from communitycore.io.limits import check_json_depth, given_path
from communitycore.serialize import converter, explain

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Table

    from communitycore.sdk.community import Community

__all__ = ["FORMAT", "FORMAT_VERSION", "Loader", "Section", "UnitSetting", "export_community",
           "import_community", "snapshot", "write_snapshot"]

#: The ``format`` value that marks a communitycore export.
FORMAT = "communitycore-export"
#: Version of the file layout; an import refuses files newer than it knows.
FORMAT_VERSION = 1

#: What one record of a section is called in a problem ("there is no unit with id 7"); a section
#: missing here (one a plugin adds) is named by its key.
RECORD_NAMES = {
    "units": N_("unit"),
    "compounds": N_("compound"),
    "partners": N_("partner"),
    "members": N_("member"),
    "households": N_("household"),
    "residents": N_("resident"),
    "activity": N_("ledger entry"),
    "meetings": N_("meeting"),
    "service_requests": N_("service request"),
    "assessment_runs": N_("assessment run"),
    "candidates": N_("candidate"),
}


def record_name(section: str) -> str:
    """One record of ``section`` in the current language, for a problem that names it."""
    name = RECORD_NAMES.get(section)
    return section if name is None else _(name)  # i18n: skip (the names above are marked)


#: Records written per batch (and per executemany on import).
BATCH = 5_000
#: Problems listed before the rest are only counted.
MAX_PROBLEMS = 1_000


@attrs.frozen(kw_only=True)
class UnitSetting:
    """One setting a unit sets for itself (see :mod:`communitycore.domain.settings`)."""

    unit_id: int
    key: str
    value: Any


@attrs.frozen
class Section:
    """One array of an export file: its records, table and the sections it refers to.

    Each capability declares its sections (see :mod:`communitycore.capabilities`); a file holds
    them in the order the capabilities are declared, each after those it refers to.
    """

    key: str
    record: type
    table: Table
    order_by: tuple[str, ...] = ("id",)
    refs: tuple[tuple[str, str], ...] = ()
    """(field, section) pairs: the field holds an id of that section (or None)."""
    check: Callable[[Loader, Any, str], bool] | None = None
    """The domain's own rules for one record beyond its types: report problems on the loader, return False to skip."""
    from_row: Callable[[Any], Any] | None = None
    """The record of a stored row, where it is not ``record(**row)`` (times kept in UTC, say)."""


_HEADER_KEYS = ("format", "version", "schema_revision", "exported_at", "counts")
#: The fields of a member the shared parser checks (the lifecycle fields are checked by their own rule).
_MEMBER_VALUE_FIELDS = tuple(f for f in MEMBER_FIELDS if f != "unit")


# Export ----------------------------------------------------------------------------------------

def _record(section: Section, row: Any, flags: dict[int, list[str]] | None = None) -> Any:
    """The domain record of a stored row (``flags``: residents' flags by id, from their own table)."""
    if section.from_row is not None:
        return section.from_row(row)
    if section.record is Member:
        from communitycore.store.members import member_from_row

        return member_from_row(row)
    if section.record is Resident:
        from communitycore.domain.members import ResidentFlag

        data = dict(row)
        data["flags"] = tuple(ResidentFlag(f) for f in (flags or {}).get(data["id"], ()))
        return Resident(**data)
    return section.record(**row)


@contextlib.contextmanager
def snapshot(bind: Engine | Connection) -> Iterator[Connection]:
    """A connection whose reads all see one consistent state of the database.

    PostgreSQL and MySQL: a REPEATABLE READ transaction. SQLite: an explicit ``BEGIN``, since
    the driver starts transactions only before writes and each read would otherwise see the
    latest commit. A host's own ``Connection`` is used as it is, in its current transaction.
    """
    from sqlalchemy import Engine

    if not isinstance(bind, Engine):
        if bind.in_transaction():
            yield bind
        else:
            with bind.begin():
                yield bind
        return
    if bind.dialect.name == "sqlite":
        with bind.connect() as conn:
            driver = conn.connection.driver_connection
            started = driver is not None and not driver.in_transaction
            if started:
                conn.exec_driver_sql("BEGIN")  # a deferred read transaction: one snapshot for every SELECT
            try:
                yield conn
            finally:
                if started:
                    conn.exec_driver_sql("COMMIT")
        return
    with bind.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def write_snapshot(bind: Engine | Connection, path: str | os.PathLike[str], sections: Sequence[Section], *,
                   exported_at: dt.datetime | None = None) -> dict[str, int]:
    """Write the export file from one consistent snapshot; no audit entry (see :func:`export_community`).

    The file appears only when complete, readable by its owner only: it is written under a
    temporary name (``communitycore.io.files.staged_file``), removed on any failure,
    SIGTERM and SIGINT included, and renamed. Returns the number of records per section.
    """
    with staged_file(path) as temp:
        return _write_snapshot(bind, temp, sections, exported_at)


def _write_snapshot(bind: Engine | Connection, file: Path, sections: Sequence[Section],
                    exported_at: dt.datetime | None) -> dict[str, int]:
    from sqlalchemy import func, select

    from communitycore.store.migrate import current_revision

    when = exported_at or dt.datetime.now(dt.UTC)
    with snapshot(bind) as conn, file.open("w", encoding="utf-8") as fh:
        counts = {s.key: int(conn.scalar(select(func.count()).select_from(s.table)) or 0) for s in sections}
        header = {"format": FORMAT, "version": FORMAT_VERSION, "schema_revision": current_revision(conn),
                  "exported_at": when.isoformat(), "counts": counts}
        fh.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                                    for k, v in header.items()))
        for section in sections:
            written = _write_section(conn, section, fh)
            if written != counts[section.key]:  # cannot happen inside one snapshot; guard anyway
                raise Conflict(_("the {section} changed during the export; export again").format(section=section.key))
        fh.write("\n}\n")
    return counts


def _write_section(conn: Connection, section: Section, fh: IO[str]) -> int:
    from sqlalchemy import select

    table = section.table
    query = select(table).order_by(*(table.c[c] for c in section.order_by)).execution_options(yield_per=BATCH)
    fh.write(f",\n{json.dumps(section.key)}: [")
    written = 0
    unstructure = converter.unstructure
    for part in conn.execute(query).mappings().partitions():
        flags = None
        if section.record is Resident:
            from communitycore.store.residents import flags_of

            flags = flags_of(conn, [row["id"] for row in part])
        lines = [json.dumps(unstructure(_record(section, row, flags)), ensure_ascii=False) for row in part]
        fh.write(("\n" if not written else ",\n") + ",\n".join(lines))
        written += len(lines)
    fh.write("\n]" if written else "]")
    return written


def export_community(community: Community, path: str | os.PathLike[str], *, note: str | None = None,
                     action: str = "community.export") -> dict[str, int]:
    """Export the whole community to a JSON file; returns the number of records per section.

    Written: units, compounds, partners, unit settings, members, transfers, registrations (双报到),
    households and residents, with their ids. **Not** written: the audit trail, which belongs to
    this database, and the per-unit counters, which an import recomputes. The data comes from one
    consistent snapshot (REPEATABLE READ on PostgreSQL and MySQL), so it may be taken while the
    database is in use.

    The file holds unmasked personal data, so the export is audited (``action``: ``community.export``,
    or ``community.backup`` for ``db backup``) before the file appears under its name; ``note``
    goes into that entry. Until then it is a temporary
    file readable by its owner only, removed on any failure (SIGTERM and SIGINT included).
    """
    target = given_path(path)
    # One temporary file (owner-only, removed on any failure or SIGTERM/SIGINT) until the audit is in.
    with staged_file(target) as temp:
        counts = _write_snapshot(community.bind, temp, community.sections, community.clock.now())
        # Audited in its own short transaction: holding a write lock through a long export would
        # block every writer (SQLite), and a failed audit must leave no file behind.
        with community.transaction() as tx:
            tx.record(action, "community", None, after={"file": target.name, "counts": counts},
                      note=note, data={"file": str(target), "counts": counts})
    return counts


# Import: reading -------------------------------------------------------------------------------

class _JsonSyntaxError(Exception):
    """The file is not JSON, or not one object: ``path`` is where reading stopped (``$.members[12]``)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


#: What the parser (yajl) says of a file, in the interface's words: a fragment of its message -> ours.
_SYNTAX_WORDS = (
    ("premature EOF", N_("the file ends before the object does")),
    ("integer overflow", N_("a whole number too large to read")),
    ("numeric (floating point) overflow", N_("a number too large to read")),
    ("after the minus sign", N_("a minus sign without a digit after it")),
    ("after the decimal point", N_("a decimal point without a digit after it")),
    ("after the exponent", N_("an exponent without a digit")),
    ("separated by a colon", N_("a key without a colon after it")),
    ("inside map, I expect", N_("a missing comma or closing brace in an object")),
    ("after array element", N_("a missing comma or closing bracket in an array")),
    ("invalid object key", N_("a key that is not a string")),
    ("invalid string in json text", N_("a word that is not a JSON value (true, false, null or a quoted string)")),
    ("invalid character inside string", N_("a control character inside a string")),
    ("occurs before a character", N_("a backslash before a character it may not escape")),
    ("non-hex", N_("a unicode escape without four hexadecimal digits")),
    ("trailing garbage", N_("extra data after the top-level object")),
    ("unallowed token", N_("a character that does not belong here")),
)


def _syntax_detail(exc: Exception) -> str:
    """The parser's message without the excerpt of the file it quotes (which may hold personal data),
    in the interface's words where it is one the parser (yajl) is known to give."""
    text = str(exc)
    if text[:2] in ("b'", 'b"'):  # yajl's lexical errors come as the repr of bytes
        text = text[2:]
    text = text.replace("\\n", "\n").split("\n", 1)[0].strip().rstrip(".")
    for fragment, words in _SYNTAX_WORDS:
        if fragment in text:
            return _(words)
    return text


class _ExportReader:
    """The top-level object of an export read key by key, its arrays element by element, by ijson.

    ijson (its C backend, yajl) does the parsing; this only walks the outer structure, so
    memory stays at one element whatever the size of the file. ``path`` says where reading is,
    for the message of a syntax error.
    """

    def __init__(self, fh: IO[bytes]) -> None:
        import ijson  # the exchange's own parser; kept off the path of `community --help`

        self.ijson = ijson
        self.events = ijson.parse(fh, use_float=True)
        self.path = "$"

    def _next(self) -> tuple[str, str, Any]:
        try:
            return next(self.events)  # type: ignore[no-any-return]
        except StopIteration:
            raise _JsonSyntaxError(_("the file ends before the object does"), self.path) from None

    def _refused(self, exc: Exception) -> Exception:
        """The parser's error as this module's: not UTF-8 (UnicodeError), else a syntax error where reading was."""
        detail = _syntax_detail(exc)
        if "invalid bytes in UTF8" in detail:
            return UnicodeError(detail)
        return _JsonSyntaxError(detail, self.path)

    def items(self) -> Iterator[tuple[str, Any, bool]]:
        """``(key, value, is_array)``; an array value is an iterator, drained before the next key."""
        try:
            yield from self._items()
        except self.ijson.JSONError as exc:
            raise self._refused(exc) from None

    def _items(self) -> Iterator[tuple[str, Any, bool]]:
        _prefix, event, _value = self._next()
        if event != "start_map":
            found = _("an array") if event == "start_array" else _("a value")
            raise _JsonSyntaxError(_("expected '{{', found {found}").format(found=found), "$")
        while True:
            prefix, event, key = self._next()
            if event == "end_map" and prefix == "":
                break
            self.path = f"$.{key}"
            _prefix, event, value = self._next()
            if event == "start_array":
                elements = self._elements(key)
                yield key, elements, True
                for _unread in elements:  # what the caller left unread
                    pass
            elif event in ("start_map", "start_array"):
                yield key, self._build(event), False
            else:
                yield key, value, False
        self.path = "$"
        try:
            for _event in self.events:
                break
            else:
                return
        except self.ijson.JSONError:
            pass  # yajl's "trailing garbage"
        raise _JsonSyntaxError(_("extra data after the top-level object"), "$")

    def _elements(self, key: str) -> Iterator[Any]:
        def array_events() -> Iterator[tuple[str, str, Any]]:
            yield key, "start_array", None
            for prefix, event, value in self.events:
                yield prefix, event, value
                if event == "end_array" and prefix == key:
                    return

        self.path = f"$.{key}[0]"
        try:
            for index, element in enumerate(self.ijson.items(array_events(), f"{key}.item", use_float=True)):
                yield element
                self.path = f"$.{key}[{index + 1}]"
        except self.ijson.JSONError as exc:
            raise self._refused(exc) from None

    def _build(self, first: str) -> Any:
        from ijson.common import ObjectBuilder

        builder = ObjectBuilder()
        builder.event(first, None)
        depth = 1
        while depth:
            _prefix, event, value = self._next()
            builder.event(event, value)
            depth += event in ("start_map", "start_array")
            depth -= event in ("end_map", "end_array")
        return builder.value


def read_export(fh: IO[bytes]) -> Iterator[tuple[str, Any, bool]]:
    """The top-level keys of an export, in file order: ``(key, value, is_array)``.

    An array's value is an iterator over its elements, each decoded when reached (read it before
    the next key). ``fh`` is the file opened in binary, after any UTF-8 byte order mark.
    """
    return _ExportReader(fh).items()


# Import: checking and loading ------------------------------------------------------------------

def _problems_from(exc: BaseException, path: str) -> list[Problem]:
    """Problems with key paths from a structuring error (``explain`` gives "message @ path")."""
    out = []
    for line in explain(exc, path):
        message, _sep, where = line.rpartition(" @ ")
        if not message:
            where, _sep, message = line.partition(": ")
        out.append(Problem(None, where, message))
    return out


class Loader:
    """Reads, checks and inserts one export file inside the caller's transaction."""

    def __init__(self, community: Community, conn: Connection, name: str) -> None:
        from communitycore.store.engine import is_sqlite

        self.community = community
        self.conn = conn
        self.name = name
        self.sqlite = is_sqlite(conn)
        self.problems: list[Problem] = []
        self.unlisted = 0
        self.sections = tuple(community.sections)
        self.by_key = {s.key: s for s in self.sections}
        self.ids: dict[str, set[int]] = {s.key: set() for s in self.sections}
        self.id_numbers: set[int] = set()
        self.settings_seen: set[tuple[int, str]] = set()
        self.reversed: set[int] = set()
        self.reversals: set[int] = set()
        self.counts: dict[str, int] = {}
        self.declared: dict[str, int] | None = None
        self.path = "$"

    def problem(self, path: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(None, path, message))
        else:
            self.unlisted += 1

    def load(self, fh: IO[bytes]) -> dict[str, int]:
        seen: list[str] = []
        try:
            for key, value, is_array in read_export(fh):
                self.path = f"$.{key}"
                if not seen and key != "format":
                    raise InvalidValue(_('{name} is not a communitycore export: it does not start with '
                                         '"format": "{format}"').format(name=self.name, format=FORMAT))
                seen.append(key)
                if key in self.by_key:
                    self._section(self.by_key[key], value, is_array, seen)
                elif key in _HEADER_KEYS and not is_array:
                    self._header(key, value)
                else:
                    self.problem(self.path, _("unknown key") if key not in _HEADER_KEYS else _("must not be an array"))
        except _JsonSyntaxError as exc:
            raise InvalidValue(_("{name}: not valid JSON at {path}: {detail}").format(
                name=self.name, path=exc.path, detail=exc)) from None
        if not seen:
            raise InvalidValue(_("{name} is not a communitycore export: it is an empty object").format(name=self.name))
        for section in self.sections:
            self.counts.setdefault(section.key, 0)
            if self.declared is not None and self.declared.get(section.key, 0) != self.counts[section.key]:
                self.problem(f"$.{section.key}", _(
                    "holds {held} records, but $.counts says {declared}: the file is incomplete or was edited").format(
                        held=self.counts[section.key], declared=self.declared.get(section.key, 0)))
        if self.problems:
            if self.unlisted:
                self.problems.append(Problem(None, MORE_FIELD, _("{count} more problem(s) not listed").format(
                    count=self.unlisted)))
            raise RejectedInput(self.problems, imported=True, source=self.name)
        return self.counts

    def _header(self, key: str, value: Any) -> None:
        if key == "format" and value != FORMAT:
            raise InvalidValue(_("{name} is not a communitycore export ($.format is {value!r}, expected {format!r})")
                               .format(name=self.name, value=value, format=FORMAT))
        if key == "version" and (not isinstance(value, int) or value > FORMAT_VERSION or value < 1):
            raise InvalidValue(_("{name} has format version {value!r}; this communitycore reads versions 1 to "
                                 "{version}: upgrade communitycore to import it").format(
                                     name=self.name, value=value, version=FORMAT_VERSION))
        if key == "counts":
            if not isinstance(value, dict) or not all(isinstance(v, int) for v in value.values()):
                self.problem("$.counts", _("must be an object of whole numbers"))
            else:
                self.declared = value

    def _section(self, section: Section, value: Any, is_array: bool, seen: list[str]) -> None:
        if not is_array:
            self.problem(self.path, _("must be an array"))
            return
        if self.counts.get(section.key) is not None:
            self.problem(self.path, _("appears twice"))
            return
        for field, target in section.refs:
            if target != section.key and target not in seen:
                raise InvalidValue(_("{name}: section {section!r} refers to {target!r} through {field!r}, so "
                                     "{target!r} must come before it; write the sections in the order {order}").format(
                                         name=self.name, section=section.key, target=target, field=field,
                                         order=", ".join(s.key for s in self.sections)))
        check = None if section.check is None else functools.partial(section.check, self)
        ids = self.ids[section.key]
        batch: list[Any] = []
        count = 0
        insert = (_ResidentInserter if section.record is Resident else _Inserter)(self.conn, section,
                                                                                 sqlite=self.sqlite)
        units: list[tuple[str, OrgUnit]] = []
        for index, element in enumerate(value):
            path = f"$.{section.key}[{index}]"
            self.path = path
            count += 1
            try:
                record: Any = converter.structure(element, section.record)
            except Exception as exc:  # cattrs error groups, and ValueErrors from attrs converters
                for p in _problems_from(exc, path):
                    self.problem(p.field, p.message)
                continue
            record_id = getattr(record, "id", None)
            if record_id is not None:
                if record_id in ids:
                    self.problem(f"{path}.id", _("id {id} appears twice in {section}").format(
                        id=record_id, section=section.key))
                    continue
                ids.add(record_id)
            if section.key != "units":  # units refer to each other in any order: checked at the end
                ok = True
                for field, target in section.refs:
                    ref = getattr(record, field)
                    if ref is not None and ref not in self.ids[target]:
                        self.problem(f"{path}.{field}", _("there is no {record} with id {id}").format(
                            record=record_name(target), id=ref))
                        ok = False
                if not ok:
                    continue
            if section.key == "units":
                if check is not None:
                    check(record, path)
                units.append((path, record))  # in the tree even when bad, so its children find it
                continue
            if check is not None and not check(record, path):
                continue
            if not self.problems:  # after the first problem, keep checking but stop writing
                batch.append(record)
                if len(batch) >= BATCH:
                    insert(batch)
                    batch = []
        if units:
            self._insert_units(units, insert)
        if batch and not self.problems:
            insert(batch)
        self.counts[section.key] = count

    # Checks beyond the types (the domain's own rules), named by the builtin sections ----------------

    def _text(self, path: str, value: str | None, limit: int) -> bool:
        """The same text rule as every other way in: length, no control characters, no spaces around."""
        if value is None:
            return True
        try:
            cleaned = clean_text(value, limit)
        except InvalidValue as exc:
            self.problem(path, str(exc))
            return False
        if cleaned != value:
            self.problem(path, _("has spaces around it") if cleaned else _("is blank"))
            return False
        return True

    def check_units(self, unit: OrgUnit, path: str) -> bool:
        """A unit's name, kind, code, approval and term."""
        try:
            if check_name(unit.name) != unit.name:
                self.problem(f"{path}.name", _("has spaces around it"))
                return False
        except InvalidValue as exc:
            self.problem(f"{path}.name", str(exc))
            return False
        if unit.kind not in self.community.registry.unit_kinds:
            self.problem(f"{path}.kind", _("unknown unit kind {kind!r} (is the plugin that defines it installed?)")
                         .format(kind=unit.kind))
            return False
        ok = self._text(f"{path}.code", unit.code, CODE_LIMIT)
        ok = self._text(f"{path}.approved_by", unit.approved_by, APPROVED_BY_LIMIT) and ok
        if unit.term_start and unit.term_end and unit.term_end <= unit.term_start:
            self.problem(f"{path}.term_end", _("must be after term_start"))
            ok = False
        if unit.covered_units is not None and not 0 <= unit.covered_units <= MAX_ID:
            self.problem(f"{path}.covered_units", _("must be between 0 and {max}").format(max=MAX_ID))
            ok = False
        return ok

    def check_compounds(self, compound: Compound, path: str) -> bool:
        """A compound's name and address."""
        return self._name(f"{path}.name", compound.name) & self._text(f"{path}.address", compound.address,
                                                                       COMPOUND_ADDRESS_LIMIT)

    def check_partners(self, partner: Partner, path: str) -> bool:
        """A partner's name and contact."""
        return self._name(f"{path}.name", partner.name) & self._text(f"{path}.contact", partner.contact,
                                                                      CONTACT_LIMIT)

    def check_transfers(self, transfer: Transfer, path: str) -> bool:
        """A transfer's reason."""
        return self._text(f"{path}.reason", transfer.reason, REASON_LIMIT)

    def check_registrations(self, registration: CommunityRegistration, path: str) -> bool:
        """A 双报到 registration's channel."""
        return self._text(f"{path}.channel", registration.channel, CHANNEL_LIMIT)

    def check_households(self, household: Household, path: str) -> bool:
        """A household's building, room and address."""
        return (self._text(f"{path}.building", household.building, BUILDING_LIMIT)
                & self._text(f"{path}.room", household.room, ROOM_LIMIT)
                & self._text(f"{path}.address", household.address, ADDRESS_LIMIT))

    def check_residents(self, resident: Resident, path: str) -> bool:
        """A resident's name and phone."""
        ok = self._text(f"{path}.name", resident.name, NAME_LIMIT)
        if ok and not resident.name:
            self.problem(f"{path}.name", _("is required"))
            ok = False
        if resident.phone is not None:
            try:
                if parse_phone(resident.phone) != resident.phone:
                    self.problem(f"{path}.phone", _("is not in its normal form"))
                    ok = False
            except InvalidValue as exc:
                self.problem(f"{path}.phone", str(exc))
                ok = False
        return ok

    def _name(self, path: str, name: str) -> bool:
        try:
            if check_name(name) != name:
                self.problem(path, _("has spaces around it"))
                return False
        except InvalidValue as exc:
            self.problem(path, str(exc))
            return False
        return True

    def check_unit_settings(self, setting: UnitSetting, path: str) -> bool:
        """A setting's key and value, and that a unit sets it once."""
        try:
            parse_setting(setting.key, setting.value, self.community.setting_specs)
        except InvalidValue as exc:
            self.problem(f"{path}.key", str(exc))
            return False
        pair = (setting.unit_id, setting.key)
        if pair in self.settings_seen:
            self.problem(f"{path}.key", _("unit {unit} sets {key!r} twice").format(unit=setting.unit_id,
                                                                                    key=setting.key))
            return False
        self.settings_seen.add(pair)
        return True

    def check_members(self, member: Member, path: str) -> bool:
        """A member's fields, by the same rules as every other way in, and a unique 公民身份号码."""
        # The same rules as every other way in: parse_member is the one place fields are checked.
        raw = {f: getattr(member, f) for f in _MEMBER_VALUE_FIELDS}
        raw["unit"] = member.unit_id
        today = self.community.clock.today()
        values, problems = parse_member(raw, today=today,
                                        probation_extension_months=member.probation_extension_months)
        problems.extend(check_extension_value(member.probation_extension_months))
        problems.extend(check_removal(status=member.status, removed_on=member.removed_on,
                                      reason=member.removal_reason, removed_to=member.removed_to,
                                      join_date=member.join_date, birth_date=member.birth_date, today=today))
        for field in ("name", "ethnicity", "employer"):
            if not problems and values.get(field) != getattr(member, field):
                problems.append(Problem(None, field, _("has spaces around it")))
        for p in problems:
            self.problem(f"{path}.{p.field}", p.message)
        if problems:
            return False
        if member.id_number is not None:
            key = int(member.id_number[:17])
            if key in self.id_numbers:
                self.problem(f"{path}.id_number", _("another member has the same 公民身份号码"))
                return False
            self.id_numbers.add(key)
        return True

    def check_activity(self, entry: Any, path: str) -> bool:
        """A ledger entry: a known fact about its kind of subject, a subject on record, a two-place
        quantity, and a reversal that reverses a plain entry, once."""
        from communitycore.domain.activity import SubjectKind, parse_quantity

        ok = True
        fact = self.community.registry.facts.get(entry.fact)
        if fact is None:
            self.problem(f"{path}.fact", _("unknown fact {fact!r} (is the plugin that defines it installed?)")
                         .format(fact=entry.fact))
            ok = False
        elif fact.subject.value != entry.subject_kind:
            self.problem(f"{path}.subject_kind", _("fact {fact!r} is about {subject}, not {kind}").format(
                fact=entry.fact, subject=fact.subject.value, kind=entry.subject_kind))
            ok = False
        try:
            kind = SubjectKind.parse(entry.subject_kind)
            parse_quantity(entry.quantity)
        except InvalidValue as exc:
            self.problem(path, str(exc))
            return False
        table = {SubjectKind.MEMBER: "members", SubjectKind.UNIT: "units", SubjectKind.PARTNER: "partners",
                 SubjectKind.RESIDENT: "residents"}.get(kind)
        if table is not None and entry.subject_id not in self.ids.get(table, ()):
            self.problem(f"{path}.subject_id", _("there is no {record} with id {id}").format(
                record=kind.label(get_language()), id=entry.subject_id))
            ok = False
        if entry.reverses is not None:
            if entry.reverses in self.reversals:
                self.problem(f"{path}.reverses", _("entry {id} is itself a reversal").format(id=entry.reverses))
                ok = False
            elif entry.reverses in self.reversed:
                self.problem(f"{path}.reverses", _("entry {id} is reversed twice").format(id=entry.reverses))
                ok = False
            self.reversed.add(entry.reverses)
            self.reversals.add(entry.id)
        return ok

    def _insert_units(self, units: list[tuple[str, OrgUnit]], insert: Callable[[list[Any]], None]) -> None:
        """Check the tree (parents exist, no cycles, unique sibling names) and insert parents first."""
        from communitycore.domain.org import parents_first

        by_id = {unit.id: (path, unit) for path, unit in units}
        parent_of: dict[int, int | None] = {}
        orphans: set[int] = set()
        for path, unit in units:
            if unit.parent_id is not None and unit.parent_id not in by_id:
                self.problem(f"{path}.parent_id", _("there is no {record} with id {id}").format(
                    record=record_name("units"), id=unit.parent_id))
                orphans.add(unit.id)
                parent_of[unit.id] = None  # ordered as a root, so the units under it are not called a cycle
            else:
                parent_of[unit.id] = unit.parent_id
        order = parents_first(parent_of)
        if len(order) != len(parent_of):
            reached = set(order)
            for unit_id in sorted(set(parent_of) - reached):
                self.problem(f"{by_id[unit_id][0]}.parent_id", _("the units' parents form a cycle"))
        names: dict[tuple[int | None, str], str] = {}
        codes: dict[str, str] = {}
        kinds = self.community.registry.unit_kinds
        for unit_id in order:
            path, unit = by_id[unit_id]
            parent = None if unit.parent_id is None or unit_id in orphans else by_id[unit.parent_id][1]
            if unit_id not in orphans and unit.kind in kinds and (parent is None or parent.kind in kinds):
                # Root kinds and parent kinds: the rule org.add and org.move apply.
                problem = placement_problem(kinds, unit.kind, None if parent is None else parent.kind,
                                            None if parent is None else parent.name)
                if problem is not None:
                    self.problem(f"{path}.kind", problem)
            other = names.setdefault((unit.parent_id, unit.name), path)
            if other != path and unit.parent_id is not None:
                self.problem(f"{path}.name", _("the same name as its sibling {other}").format(other=other))
            if unit.code is not None and codes.setdefault(unit.code, path) != path:
                self.problem(f"{path}.code", _("the same code as {other}").format(other=codes[unit.code]))
        if self.problems:
            return
        for start in range(0, len(order), BATCH):
            insert([by_id[i][1] for i in order[start:start + BATCH]])


class _Inserter:
    """Bulk inserts of records with their ids: driver-level executemany of tuples."""

    def __init__(self, conn: Connection, section: Section, *, sqlite: bool) -> None:
        from sqlalchemy import JSON, Date, DateTime, String, TypeDecorator

        from communitycore.store.engine import placeholders

        table = section.table
        self.conn = conn
        columns = [c.name for c in table.columns]
        quote = conn.dialect.identifier_preparer.quote  # `key` is a reserved word in MySQL
        self.sql = (f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
                    f"VALUES ({placeholders(conn, len(columns))})")
        self.get = operator.attrgetter(*columns)  # one C call per record for all its values
        self.convert: list[tuple[int, Callable[[Any], Any]]] = []
        for index, column in enumerate(table.columns):
            if isinstance(column.type, JSON):
                self.convert.append((index, _json_value))
            elif isinstance(column.type, Date) and sqlite:
                self.convert.append((index, _iso_date))  # the sqlite3 date adapter is deprecated (Python 3.12)
            elif isinstance(column.type, (TypeDecorator, DateTime)):
                # The type's own conversion, as SQLAlchemy binds it (hundredths of a quantity; times in UTC).
                process = column.type.bind_processor(conn.dialect) or _same
                self.convert.append((index, functools.partial(_bind_utc, process)))
            elif isinstance(column.type, String):
                self.convert.append((index, _plain))  # codes of enums

    def __call__(self, records: list[Any]) -> None:
        # Column by column: one map() per converted column instead of a Python loop per value.
        columns = list(zip(*map(self.get, records), strict=True))
        for index, convert in self.convert:
            columns[index] = tuple(map(convert, columns[index]))
        self.conn.exec_driver_sql(self.sql, list(zip(*columns, strict=True)))


def _same(value: Any) -> Any:
    return value


def _bind_utc(process: Callable[[Any], Any], value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return process(value)


class _ResidentInserter(_Inserter):
    """Residents, then their flags (their own table) in one executemany."""

    def __init__(self, conn: Connection, section: Section, *, sqlite: bool) -> None:
        from communitycore.store.engine import placeholders
        from communitycore.store.tables import residents as resident_tables

        super().__init__(conn, section, sqlite=sqlite)
        self.flags_sql = (f"INSERT INTO {resident_tables.resident_flags.name} (resident_id, flag) "
                          f"VALUES ({placeholders(conn, 2)})")

    def __call__(self, records: list[Any]) -> None:
        super().__call__(records)
        rows = [(r.id, flag.value) for r in records for flag in r.flags]
        if rows:
            self.conn.exec_driver_sql(self.flags_sql, rows)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _iso_date(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _json_value(value: Any) -> str:
    return json.dumps(converter.unstructure(value))


# Import: the entry point -----------------------------------------------------------------------

def _require_empty(conn: Connection, sections: Sequence[Section]) -> None:
    from sqlalchemy import select

    held = []
    for section in sections:
        table = section.table
        if conn.execute(select(table.c[table.primary_key.columns.keys()[0]]).limit(1)).first() is not None:
            held.append(section.key)
    if held:
        # The records by their names (党组织、党员 …), the sections without one counted as the rest.
        named = list(dict.fromkeys(record_name(key) for key in held if key in RECORD_NAMES))
        if len(named) < len(held):
            named.append(_("other records"))
        raise Conflict(_("the database already holds records ({records}): a community is imported only into an "
                         "empty database (create one with `community --db NEW init`, then import there)").format(
                             records=listing(named)), entity="database", key=",".join(held))


def _reset_sequences(conn: Connection, sections: Sequence[Section]) -> None:
    """PostgreSQL: move each id sequence past the ids just inserted (MySQL and SQLite do it themselves)."""
    if conn.dialect.name != "postgresql":
        return
    for section in sections:
        table = section.table
        if "id" not in table.c:
            continue
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
            f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"
        )


def import_community(community: Community, path: str | os.PathLike[str]) -> dict[str, int]:
    """Import an export file into this (empty) database, keeping every id; all or nothing.

    Refuses a database that already holds units, members or any other exported records
    (:class:`~communitycore.errors.Conflict`). Every record is checked: its types and codes
    through the converter, members through the same rules as every other way in, ids and
    references between sections, the unit tree. Problems are reported together with their key
    paths (``$.members[12].unit_id``) in :class:`~communitycore.errors.RejectedInput`; a file that
    is not a communitycore export, or not JSON, raises :class:`~communitycore.errors.InvalidValue`.
    A file the input limits refuse (not a regular file, too large, nested too deep) raises
    ``communitycore.io.limits.UnsafeInput`` before anything is read into the database.
    Returns the number of records per section.
    """
    source = given_path(path)
    # A regular file within max_json_bytes, nested no deeper than max_json_depth: checked before any parser runs.
    check_json_depth(source)
    with community.transaction() as tx:
        _require_empty(tx.conn, community.sections)
        loader = Loader(community, tx.conn, source.name)
        with source.open("rb") as fh:
            if fh.read(3) != codecs.BOM_UTF8:
                fh.seek(0)
            try:
                counts = loader.load(fh)
            except UnicodeError:
                raise InvalidValue(_("{name} is not UTF-8 text; an export is always UTF-8 JSON").format(
                    name=source.name)) from None
        _reset_sequences(tx.conn, community.sections)
        from communitycore.store import rollup
        from communitycore.store.units import rebuild_paths

        rebuild_paths(tx.conn)  # derived, like the counters: never in the file
        rollup.refresh(tx.conn)
        tx.record("community.import", "community", None, after={"file": source.name, "counts": counts},
                  data={"file": str(source), "counts": counts})
        return counts
