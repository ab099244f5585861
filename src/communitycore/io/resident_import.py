"""Residents from a spreadsheet: one row per resident, households found or added, all or nothing.

Columns (Chinese headers or the English field names; see :data:`RESIDENT_HEADERS`): the name
(required), the phone, where they live (the compound by id or name, building, room, or a free
address) and their flags: a 标签 column listing them (``独居老人、残疾``), and/or one column per
flag headed by its label (``独居老人``) holding 是/否. A household is identified by its compound,
building, room and address; rows at the same address share one, and one already on record is
used again.

The rules are those of ``resident add``. Every problem is reported with its row and column, and
nothing is stored unless every row is good. Residents are inserted in one batched statement,
their flags in another, and one audit entry per resident is written in one more.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select

from communitycore.domain.fields import clean_text, is_plain_id, nfkc
from communitycore.domain.members import (
    ADDRESS_LIMIT,
    BUILDING_LIMIT,
    ROOM_LIMIT,
    ResidentFlag,
    parse_bool,
    parse_flags,
    parse_phone,
    parse_resident_name,
)
from communitycore.errors import HEADER_FIELD, InvalidValue, Problem, RejectedInput
from communitycore.i18n import _
from communitycore.io.limits import given_path
from communitycore.io.sheets import Columns, SheetReader, is_header_of
from communitycore.store import audit_chain
from communitycore.store.sql import insert_ids
from communitycore.store.tables import org as org_tables
from communitycore.store.tables import residents as resident_tables

if TYPE_CHECKING:
    from communitycore.sdk.community import Community

__all__ = ["RESIDENT_HEADERS", "import_residents"]

#: Field -> accepted headers; besides these, a column headed by a flag's label (独居老人) holds 是/否.
RESIDENT_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "居民姓名"),
    "phone": ("联系电话", "手机号", "手机号码", "联系方式", "电话", "手机"),
    "compound": ("小区", "所在小区", "小区名称"),
    "building": ("楼栋", "楼号", "栋", "幢"),
    "room": ("房号", "门牌号", "室", "房间号"),
    "address": ("地址", "住址", "家庭住址", "居住地址"),
    "flags": ("标签", "特殊人群", "重点人群", "人员标签"),
}
_IGNORED = ("序号", "备注")
_FLAG_PREFIX = "flag:"


def _flag_column(header: str) -> str | None:
    """A column headed by a flag's code or label (独居老人, 残疾 …) holds yes/no for that flag."""
    try:
        return _FLAG_PREFIX + str(ResidentFlag.parse(header).value)
    except InvalidValue:
        return None


class _Checked(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def import_residents(community: Community, path: str | os.PathLike[str], *, sheet: str | None = None,
                     header_row: int | None = None, check: bool = False,
                     authorize: Callable[[Connection, Sequence[int | None]], None] | None = None) -> int:
    """Import residents from ``path`` (``.csv``/``.xlsx``); returns the number of residents.
    ``authorize`` is given the units whose compounds the rows name (None for a row with no compound,
    or a compound no unit looks after) before anything is written, and refuses by raising.

    :raises RejectedInput: a row is bad; every problem is listed with its row and column.
    :raises InvalidValue: the file cannot be read as a spreadsheet.
    """
    source = given_path(path)
    flag_headers = {f.zh: () for f in ResidentFlag}
    reader = SheetReader(source, sheet=sheet, header_row=header_row,
                         is_header=is_header_of({**RESIDENT_HEADERS, **flag_headers}), what=_("residents"))
    try:
        with community.transaction() as tx, reader.rows() as rows:
            header = next(rows, None)
            if header is None:
                raise RejectedInput([Problem(reader.first_number, HEADER_FIELD, _("the file is empty"))],
                                    imported=True, source=source.name)
            columns = Columns(header, reader.first_number, RESIDENT_HEADERS, required=("name",), ignored=_IGNORED,
                              extra=_flag_column)
            if columns.problems:
                raise RejectedInput(columns.problems, imported=True, source=source.name)
            compounds = _Compounds(tx.conn)
            problems: list[Problem] = []
            people: list[tuple[dict[str, Any], tuple[int | None, str | None, str | None, str | None]]] = []
            for number, cells in enumerate(rows, start=reader.first_number + 1):
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                problems.extend(columns.stray(cells, number))
                found = _parse(columns, cells, number, compounds, problems)
                if found is not None:
                    people.append(found)
            if problems:
                raise RejectedInput(problems, imported=True, source=source.name)
            if authorize is not None:
                authorize(tx.conn, list(dict.fromkeys(compounds.unit_of.get(place[0]) for _person, place in people)))
            count = _write(tx, people, source.name)
            if check:
                raise _Checked(count)
            tx.record("resident.import", "resident", None, after={"file": source.name, "rows": count},
                      data={"file": source.name, "rows": count})
            return count
    except _Checked as done:
        return done.count


class _Compounds:
    """Compounds by id or by name (a name two compounds share must be given as an id)."""

    def __init__(self, conn: Connection) -> None:
        c = org_tables.compounds
        self.unit_of: dict[int | None, int | None] = {}  # compound id -> the unit that looks after it
        self.by_name: dict[str, list[int]] = {}
        for cid, name, unit_id in conn.execute(select(c.c.id, c.c.name, c.c.unit_id)):
            self.unit_of[cid] = unit_id
            self.by_name.setdefault(name, []).append(cid)

    def find(self, value: Any) -> int:
        text = str(value).strip()
        plain = nfkc(text)
        if is_plain_id(plain):
            if int(plain) in self.unit_of:
                return int(plain)
            raise InvalidValue(_("there is no compound with id {id}").format(id=plain))
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise InvalidValue(_("{count} compounds are named {name!r} (ids {ids}): give the id").format(
                count=len(found), name=text, ids=", ".join(map(str, found))))
        raise InvalidValue(_("there is no compound named {name!r}; add it with `org compound add`").format(name=text))


def _parse(columns: Columns, cells: Any, number: int, compounds: _Compounds, problems: list[Problem],
           ) -> tuple[dict[str, Any], tuple[int | None, str | None, str | None, str | None]] | None:
    values = columns.read(cells)
    headers = columns.headers
    before = len(problems)
    person: dict[str, Any] = {}
    flags: set[ResidentFlag] = set()

    def attempt(field: str, fn: Any) -> Any:
        try:
            return fn(values[field])
        except InvalidValue as exc:
            problems.append(Problem(number, headers[field], str(exc)))
            return None

    if "name" not in values:
        problems.append(Problem(number, headers["name"], _("is required")))
    else:
        person["name"] = attempt("name", parse_resident_name)
    if "phone" in values:
        person["phone"] = attempt("phone", parse_phone)
    compound = attempt("compound", compounds.find) if "compound" in values else None
    place = {field: attempt(field, lambda v, limit=limit: clean_text(v, limit)) if field in values else None
             for field, limit in (("building", BUILDING_LIMIT), ("room", ROOM_LIMIT), ("address", ADDRESS_LIMIT))}
    if "flags" in values:
        flags.update(attempt("flags", parse_flags) or ())
    for field in values:
        if field.startswith(_FLAG_PREFIX) and attempt(field, parse_bool):
            flags.add(ResidentFlag(field.removeprefix(_FLAG_PREFIX)))
    if len(problems) > before:
        return None
    person["flags"] = tuple(sorted(flags, key=lambda f: f.value))
    return person, (compound, place["building"], place["room"], place["address"])


def _write(tx: Any, people: list[tuple[dict[str, Any], tuple[int | None, str | None, str | None, str | None]]],
           file: str) -> int:
    conn = tx.conn
    h = resident_tables.households
    households: dict[tuple[int | None, str | None, str | None, str | None], int | None] = {}
    for _person, place in people:
        if any(v is not None for v in place):
            households.setdefault(place, None)
    known = conn.execute(select(h.c.id, h.c.compound_id, h.c.building, h.c.room, h.c.address)
                         .order_by(h.c.id)).all()
    for hid, *key in known:
        place = (key[0], key[1], key[2], key[3])
        if place in households and households[place] is None:
            households[place] = hid
    missing = [place for place, hid in households.items() if hid is None]
    new_ids = insert_ids(conn, h, [dict(zip(("compound_id", "building", "room", "address"), place, strict=True))
                                   for place in missing])
    households.update(zip(missing, new_ids, strict=True))
    rows = [{"name": p["name"], "household_id": households.get(place), "phone": p.get("phone")}
            for p, place in people]
    ids = insert_ids(conn, resident_tables.residents, rows)
    flag_rows = [{"resident_id": rid, "flag": flag.value}
                 for rid, (person, _place) in zip(ids, people, strict=True) for flag in person["flags"]]
    if flag_rows:
        conn.execute(insert(resident_tables.resident_flags), flag_rows)
    at = tx.now.astimezone(dt.UTC)
    note = _("imported from {file}").format(file=file)
    entries = [{"at": at, "actor": tx.actor, "action": "household.add", "entity": "household",
                "entity_id": str(hid), "before": None, "after": None, "note": note} for hid in new_ids]
    entries += [{"at": at, "actor": tx.actor, "action": "resident.add", "entity": "resident", "entity_id": str(rid),
                 "before": None, "after": {"name": row["name"], "household_id": row["household_id"],
                                           "flags": [f.value for f in person["flags"]]},
                 "note": note} for rid, row, (person, _place) in zip(ids, rows, people, strict=True)]
    if entries:
        audit_chain.append(conn, entries)
    return len(ids)


def flag_headers() -> list[str]:
    """The flag columns a sheet may have, by label (for the docs)."""
    return [f.zh for f in ResidentFlag]
