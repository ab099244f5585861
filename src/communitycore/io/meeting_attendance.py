"""A meeting's attendance from a sheet (``.csv`` or ``.xlsx``): 姓名, 公民身份号码, 出席情况, 缺席原因.

Each row names a member by 公民身份号码 (the name is checked against it) and how they took part:
出席 (present), 缺席 (absent, with the reason if one was given) or 请假 (on leave). Every bad row
is reported, by its spreadsheet row number, in one :class:`~communitycore.errors.RejectedInput`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from communitycore.domain.identity import parse_id_number
from communitycore.domain.meetings import Presence
from communitycore.errors import InvalidValue, Problem, RejectedInput
from communitycore.i18n import _
from communitycore.io.limits import given_path
from communitycore.io.sheets import Columns, SheetReader, is_header_of
from communitycore.store import activity as ledger

ALIASES = {
    "name": ("姓名", "name"),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "id_number"),
    "presence": ("出席情况", "出席", "presence"),
    "reason": ("缺席原因", "原因", "reason"),
}


def read_attendance(conn: Connection, path: str | os.PathLike[str], *, today: dt.date,
                    readable: Callable[[int], bool] | None = None
                    ) -> tuple[list[int], dict[int, str | None], list[int]]:
    """``(present, absent with reasons, on leave)`` member ids listed in the file (``today``: the
    community's day, for the ID numbers' checks). A member whose unit is not ``readable`` (by the
    actor's grants) is reported as unknown, so the file cannot probe who is on record elsewhere."""
    source = given_path(path)
    reader = SheetReader(source, is_header=is_header_of(ALIASES), what=_("attendance lists"))
    problems: list[Problem] = []
    listed: list[tuple[int, str, Presence, str | None, str | None]] = []
    with reader.rows() as rows:
        header = next(rows, None)
        if header is None:
            raise InvalidValue(_("{file}: the file is empty").format(file=source.name))
        columns = Columns(header, reader.first_number, ALIASES, required=("id_number", "presence"))
        problems.extend(columns.problems)
        for number, cells in enumerate(rows, start=reader.first_number + 1):
            values = columns.read(cells)
            if not values:
                continue
            listed.append(_row(number, values, problems, today))
    found = ledger.members_by_id_number(conn, [r[1] for r in listed if r[1]])
    present: list[int] = []
    absent: dict[int, str | None] = {}
    leave: list[int] = []
    for number, id_number, presence, reason, _name in listed:
        if not id_number:
            continue
        member = found.get(id_number)
        if member is not None and readable is not None and not readable(member[1]):
            member = None
        if member is None:
            problems.append(Problem(number, "公民身份号码", _("no member on record has this 公民身份号码")))
            continue
        member_id = member[0]
        if presence is Presence.PRESENT:
            present.append(member_id)
        elif presence is Presence.LEAVE:
            leave.append(member_id)
        else:
            absent[member_id] = reason
    if problems:
        raise RejectedInput(problems, imported=True, source=source.name)
    return present, absent, leave


def _row(number: int, values: dict[str, Any], problems: list[Problem], today: dt.date
         ) -> tuple[int, str, Presence, str | None, str | None]:
    id_number = ""
    try:
        id_number = parse_id_number(str(values.get("id_number", "")), today=today).number
    except InvalidValue as exc:
        problems.append(Problem(number, "公民身份号码", str(exc)))
    presence = Presence.ABSENT
    try:
        presence = Presence.parse(values.get("presence", ""))
    except InvalidValue as exc:
        problems.append(Problem(number, "出席情况", str(exc)))
    reason = values.get("reason")
    return number, id_number, presence, None if reason is None else str(reason).strip() or None, values.get("name")


__all__ = ["ALIASES", "read_attendance"]
