"""Building or extending the organization tree from a spreadsheet: one row per unit, all or nothing.

Each row names a unit by its full path from the top (``城南街道党工委/幸福社区党委/第一网格党支部``)
and gives its kind (code or label) and, optionally, its code, approving body, approval date and
term dates. A row whose path is already in the database extends nothing but may correct the
unit's fields (its kind must agree); every other row adds a unit. Parents come before children
whatever the order of the rows, and a parent may be in the database or in the file.

The rules are those of ``org add``: names (at most 100 characters, printable, no "/"), root kinds
at the top and parent kinds below, unique sibling names and codes, term dates in order. Every
problem is reported with its row number and column, and nothing is stored unless every row is
good. New units are inserted one level of the tree at a time, each level in one statement.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import Connection, update

from communitycore.domain.members import add_years
from communitycore.domain.org import (
    PATH_SEPARATOR,
    UNIT_FIELDS,
    OrgUnit,
    check_name,
    kind_named,
    parse_unit_fields,
    placement_problem,
    unknown_kind,
)
from communitycore.errors import HEADER_FIELD, InvalidValue, Problem, RejectedInput, problem_message
from communitycore.i18n import _
from communitycore.io.limits import given_path
from communitycore.io.sheets import Columns, SheetReader, is_header_of
from communitycore.records import UnitKind
from communitycore.serialize import unstructure
from communitycore.store import audit_chain
from communitycore.store.locks import lock_rows
from communitycore.store.sql import insert_ids
from communitycore.store.tables import org as org_tables
from communitycore.store.units import Tree, add_paths

if TYPE_CHECKING:
    from communitycore.sdk.community import Community

__all__ = ["ORG_HEADERS", "import_units"]

#: Field -> accepted headers (the first is the one messages and the docs name first).
ORG_HEADERS: dict[str, tuple[str, ...]] = {
    "path": ("路径", "党组织路径", "完整路径"),
    "kind": ("类别", "党组织类别", "组织类别", "类型"),
    "code": ("组织代码", "代码", "党组织代码"),
    "approved_by": ("批准机关", "上级批准机关"),
    "approved_on": ("批准日期", "批准时间", "成立日期", "成立时间"),
    "term_start": ("任期开始", "换届日期", "换届时间", "本届开始"),
    "term_end": ("任期届满", "任期结束", "届满日期", "届满时间"),
    "covered_units": ("覆盖单位数", "覆盖单位"),
}
_IGNORED = ("序号", "备注")


class _Checked(Exception):
    """Ends a ``check`` run so that its transaction rolls back; carries the counts."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__(counts)
        self.counts = counts


@attrs.define
class _Row:
    number: int
    names: tuple[str, ...]
    kind: str | None
    fields: dict[str, Any]
    refused: bool = False
    """The row has a problem of its own: it adds nothing, and its children say so."""

    @property
    def path(self) -> str:
        return PATH_SEPARATOR.join(self.names)


def _kind_code(kinds: Mapping[str, UnitKind], text: Any) -> str:
    """A unit kind from its code or either label."""
    wanted = str(text).strip()
    if wanted in kinds:
        return wanted
    lowered = wanted.lower()
    for code, kind in kinds.items():
        if lowered in (kind.label.lower(), (kind.label_en or "").lower()):
            return code
    raise InvalidValue(unknown_kind(kinds, wanted))


#: Asked before anything is written, with an action and the units it touches (None: the top of the tree).
Authorize = Callable[[Connection, str, Sequence[int | None]], None]


def import_units(community: Community, path: str | os.PathLike[str], *, sheet: str | None = None,
                 header_row: int | None = None, check: bool = False,
                 authorize: Authorize | None = None) -> dict[str, int]:
    """Build or extend the tree from ``path`` (``.csv``/``.xlsx``); returns ``{"added": n, "updated": m}``.
    ``authorize`` is asked for ``org.add`` under the nearest unit on record above each new unit
    (None for a new top of the tree) and ``org.update`` on each unit corrected, before anything is
    written; it refuses by raising.

    With ``check``, every rule runs and nothing is kept. One audit entry per unit added
    (``unit.add``) or corrected (``unit.update``), and one for the file (``unit.import``).

    :raises RejectedInput: a row is bad; every problem is listed with its row and column.
    :raises InvalidValue: the file cannot be read as a spreadsheet.
    """
    source = given_path(path)
    reader = SheetReader(source, sheet=sheet, header_row=header_row, is_header=is_header_of(ORG_HEADERS),
                         what=_("units"))
    kinds = community.registry.unit_kinds
    try:
        with community.transaction() as tx, reader.rows() as rows:
            header = next(rows, None)
            if header is None:
                raise RejectedInput([Problem(reader.first_number, HEADER_FIELD, _("the file is empty"))],
                                    imported=True, source=source.name)
            columns = Columns(header, reader.first_number, ORG_HEADERS, required=("path",), ignored=_IGNORED)
            if columns.problems:
                raise RejectedInput(columns.problems, imported=True, source=source.name)
            problems: list[Problem] = []
            parsed: list[_Row] = []
            for number, cells in enumerate(rows, start=reader.first_number + 1):
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                problems.extend(columns.stray(cells, number))
                row = _parse(columns, cells, number, kinds, problems, tx.today)
                if row is not None:
                    parsed.append(row)
            counts = _Plan(community, tx, parsed, kinds, columns.headers, problems).apply(source.name, authorize)
            if problems:
                raise RejectedInput(sorted(problems, key=lambda p: p.row or 0), imported=True, source=source.name)
            if check:
                raise _Checked(counts)
            tx.record("unit.import", "unit", None, after={"file": source.name, **counts},
                      data={"file": source.name, **counts})
            return counts
    except _Checked as done:
        return done.counts


def _parse(columns: Columns, cells: Any, number: int, kinds: Mapping[str, UnitKind],
           problems: list[Problem], today: dt.date) -> _Row | None:
    values = columns.read(cells)
    headers = columns.headers
    bad = False
    raw_path = values.get("path")
    names: tuple[str, ...] = ()
    if raw_path is None:
        problems.append(Problem(number, headers["path"], _("is required")))
        bad = True
    else:
        text = str(raw_path).replace("\uff0f", PATH_SEPARATOR).strip().strip(PATH_SEPARATOR)
        try:
            names = tuple(check_name(part) for part in text.split(PATH_SEPARATOR))
        except InvalidValue as exc:
            problems.append(Problem(number, headers["path"], str(exc)))
            bad = True
    kind = None
    if "kind" in values:
        try:
            kind = _kind_code(kinds, values["kind"])
        except InvalidValue as exc:
            problems.append(Problem(number, headers["kind"], str(exc)))
            bad = True
    fields: dict[str, Any] = {}
    for field in UNIT_FIELDS:
        if field in values:
            try:
                fields.update({k: v for k, v in parse_unit_fields({field: values[field]}, today=today).items()
                               if v is not None})
            except InvalidValue as exc:
                problems.append(Problem(number, headers[field], problem_message(exc)))
                bad = True
    if not bad and fields.get("term_start") and fields.get("term_end") and fields["term_end"] <= fields["term_start"]:
        problems.append(Problem(number, headers["term_end"], _("must be after the term start")))
        bad = True
    if bad:  # its path, when it has one, still tells its children why their parent is not added
        return _Row(number, names, kind, fields, refused=True) if names else None
    return _Row(number, names, kind, fields)


def _on_record_above(names: tuple[str, ...], existing: Mapping[str, int]) -> int | None:
    """The nearest unit on record above a new unit (whose parent may itself be new in the file)."""
    for depth in range(len(names) - 1, 0, -1):
        found = existing.get(PATH_SEPARATOR.join(names[:depth]))
        if found is not None:
            return found
    return None


class _Plan:
    """The rows checked against the tree and each other, then written level by level."""

    def __init__(self, community: Community, tx: Any, rows: list[_Row], kinds: Mapping[str, UnitKind],
                 headers: dict[str, str], problems: list[Problem]) -> None:
        self.community = community
        self.tx = tx
        self.rows = rows
        self.kinds = kinds
        self.headers = headers
        self.problems = problems
        self.tree = Tree(tx.conn)

    def _problem(self, row: _Row, field: str, message: str) -> None:
        self.problems.append(Problem(row.number, self.headers.get(field, field), message))

    def apply(self, file: str, authorize: Authorize | None = None) -> dict[str, int]:
        by_path: dict[str, _Row] = {}
        refused: dict[str, int] = {}  # path -> the row that cannot add it
        for row in self.rows:
            if row.refused:
                refused.setdefault(row.path, row.number)
                continue
            first = by_path.setdefault(row.path, row)
            if first is not row:
                self._problem(row, "path", _("the same unit as row {row}").format(row=first.number))
        existing = self.tree.by_path()
        codes = {u.code: u.id for u in map(self.tree.unit, self.tree.ids()) if u.code}
        file_codes: dict[str, int] = {}
        kind_of: dict[str, str] = {p: self.tree.kind(i) for p, i in existing.items()}
        new: list[_Row] = []
        updates: list[tuple[OrgUnit, dict[str, Any], _Row]] = []
        for row in sorted(by_path.values(), key=lambda r: len(r.names)):
            path = row.path
            code = row.fields.get("code")
            if code is not None:
                other_row = file_codes.setdefault(code, row.number)
                owner = codes.get(code)
                here = existing.get(path)
                if other_row != row.number:
                    self._problem(row, "code", _("the same code as row {row}").format(row=other_row))
                elif owner is not None and owner != here:
                    self._problem(row, "code", _("unit {id} ({path}) already has this code").format(
                        id=owner, path=self.tree.path(owner)))
            if path in existing:
                unit = self.tree.unit(existing[path])
                if row.kind is not None and row.kind != unit.kind:
                    self._problem(row, "kind", _("{path} is already a {kind}; a kind changes through `org update`, "
                                                 "not an import").format(path=path, kind=self._label(unit.kind)))
                    continue
                changes = {k: v for k, v in row.fields.items() if getattr(unit, k) != v}
                start = changes.get("term_start", unit.term_start)
                end = changes.get("term_end", unit.term_end)
                if start and end and end <= start:
                    self._problem(row, "term_end", _("must be after the term start"))
                elif changes:
                    updates.append((unit, changes, row))
                continue
            if row.kind is None:
                self._problem(row, "kind", _("a new unit needs its kind (code or label, see `org kinds`)"))
                continue
            parent_path = PATH_SEPARATOR.join(row.names[:-1]) or None
            if parent_path is not None and parent_path not in kind_of:
                if parent_path in refused:
                    self._problem(row, "path", _("its parent {parent} is not added: row {row} has a problem")
                                  .format(parent=parent_path, row=refused[parent_path]))
                    refused.setdefault(path, row.number)  # and so on down
                else:
                    self._problem(row, "path", _("its parent {parent} is neither in the database nor in the file")
                                  .format(parent=parent_path))
                continue
            problem = placement_problem(self.kinds, row.kind, None if parent_path is None else kind_of[parent_path],
                                        None if parent_path is None else row.names[-2])
            if problem is not None:
                self._problem(row, "kind", problem)
                continue
            kind_of[path] = row.kind
            new.append(row)
        if self.problems:
            return {"added": 0, "updated": 0}
        if authorize is not None:
            above = dict.fromkeys(_on_record_above(row.names, existing) for row in new)
            authorize(self.tx.conn, "org.add", list(above))
            authorize(self.tx.conn, "org.update", [unit.id for unit, _changes, _row in updates])
        note = _("imported from {file}").format(file=file)
        entries = [self._entry("unit.add", unit.id, None, unit, note) for unit in self._insert(new, existing)]
        for unit, changes, _row in updates:
            self.tx.conn.execute(update(org_tables.units).where(org_tables.units.c.id == unit.id).values(**changes))
            entries.append(self._entry("unit.update", unit.id, unit, attrs.evolve(unit, **changes), note))
        if entries:  # one audit entry per unit, in one executemany (the file's own entry follows)
            audit_chain.append(self.tx.conn, entries)
        return {"added": len(new), "updated": len(updates)}

    def _entry(self, action: str, unit_id: int, before: OrgUnit | None, after: OrgUnit, note: str) -> dict[str, Any]:
        return {"at": self.tx.now.astimezone(dt.UTC), "actor": self.tx.actor, "action": action, "entity": "unit",
                "entity_id": str(unit_id), "before": None if before is None else unstructure(before),
                "after": unstructure(after), "note": note}

    def _label(self, code: str) -> str:
        return kind_named(self.kinds, code)

    def _insert(self, new: list[_Row], existing: dict[str, int]) -> list[OrgUnit]:
        """Insert the new units a level at a time (parents get their ids before their children)."""
        ids = dict(existing)
        by_depth: dict[int, list[_Row]] = {}
        for row in new:
            by_depth.setdefault(len(row.names), []).append(row)
        added: list[OrgUnit] = []
        # The existing units the new ones hang under: locked (shared) so that none is moved or
        # removed before the new units' paths, built on theirs, are in.
        under = sorted({existing[PATH_SEPARATOR.join(row.names[:-1])] for row in new
                        if PATH_SEPARATOR.join(row.names[:-1]) in existing})
        if under:
            lock_rows(self.tx.conn, org_tables.units, under, shared=True)
        for depth in sorted(by_depth):
            level = by_depth[depth]
            values: list[dict[str, Any]] = []
            for row in level:
                fields = dict(row.fields)
                unit_kind = self.kinds[row.kind]  # type: ignore[index]
                if unit_kind.term_years and fields.get("term_start") and not fields.get("term_end"):
                    fields["term_end"] = add_years(fields["term_start"], unit_kind.term_years)
                parent_path = PATH_SEPARATOR.join(row.names[:-1])
                values.append({"kind": row.kind, "name": row.names[-1],
                               "parent_id": ids[parent_path] if parent_path else None,
                               **{f: fields.get(f) for f in UNIT_FIELDS}})
            new_ids = insert_ids(self.tx.conn, org_tables.units, values)
            add_paths(self.tx.conn, [(unit_id, value["parent_id"]) for unit_id, value in zip(new_ids, values,
                                                                                            strict=True)])
            for row, unit_id, value in zip(level, new_ids, values, strict=True):
                ids[row.path] = unit_id
                added.append(OrgUnit(id=unit_id, **value))
        return added
