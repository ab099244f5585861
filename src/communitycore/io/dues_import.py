"""Dues payments from a sheet (``.csv`` or ``.xlsx``): 党员编号 or 公民身份号码, 月份, 金额, 交纳日期.

Each row is one payment for one member and month. Every bad row is reported, by its spreadsheet
row number and column, in one :class:`~communitycore.errors.RejectedInput`; nothing is written
unless every row is good (the SDK writes them in one transaction).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import attrs
from sqlalchemy import Connection

from communitycore.domain.dues import parse_amount, parse_month
from communitycore.domain.fields import nfkc, parse_plain_id
from communitycore.domain.members import parse_past_date
from communitycore.errors import InvalidValue, Problem, RejectedInput, problem_message
from communitycore.i18n import _
from communitycore.io.limits import given_path
from communitycore.io.sheets import Columns, SheetReader, is_header_of
from communitycore.store import activity as ledger

ALIASES = {
    "member_id": ("党员编号", "member_id", "member"),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "id_number"),
    "month": ("月份", "所属月份", "month"),
    "amount": ("金额", "交纳金额", "amount"),
    "paid_on": ("交纳日期", "日期", "paid_on"),
}


@attrs.frozen
class PaymentRow:
    """One good row: who paid, for which month, how much, when."""

    row: int
    member_id: int
    month: int
    amount: Decimal
    paid_on: dt.date


def read_payments(conn: Connection, path: str | os.PathLike[str], *, today: dt.date) -> list[PaymentRow]:
    """The payments the file lists, each row checked; :class:`RejectedInput` naming every bad row."""
    source = given_path(path)
    reader = SheetReader(source, is_header=is_header_of(ALIASES), what=_("dues payments"))
    problems: list[Problem] = []
    parsed: list[tuple[int, int | None, str | None, int, Decimal, dt.date]] = []
    with reader.rows() as rows:
        header = next(rows, None)
        if header is None:
            raise InvalidValue(_("{file}: the file is empty").format(file=source.name))
        columns = Columns(header, reader.first_number, ALIASES, required=("month", "amount"))
        problems.extend(columns.problems)
        for number, cells in enumerate(rows, start=reader.first_number + 1):
            values = columns.read(cells)
            if not values:
                continue
            bad = False
            member_id: int | None = None
            id_number = str(values.get("id_number") or "").strip() or None
            raw_id = str(values.get("member_id") or "").strip()
            if raw_id:
                try:  # full-width digits as offices type them; "٣" and ids out of range are refused
                    member_id = parse_plain_id(nfkc(raw_id), what=_("member id"))
                except InvalidValue as exc:
                    problems.append(Problem(number, "党员编号", problem_message(exc)))
                    bad = True
            elif id_number is None:
                problems.append(Problem(number, "党员编号", _("give the member id or the 公民身份号码")))
                bad = True
            month, amount = 0, Decimal(0)
            try:
                month = parse_month(values.get("month"))
            except InvalidValue as exc:
                problems.append(Problem(number, "月份", problem_message(exc)))
                bad = True
            try:
                amount = parse_amount(values.get("amount"), zero=False)
            except InvalidValue as exc:
                problems.append(Problem(number, "金额", problem_message(exc)))
                bad = True
            paid_on = today
            try:
                paid_on = parse_past_date(values["paid_on"], today) if values.get("paid_on") else today
            except InvalidValue as exc:
                problems.append(Problem(number, "交纳日期", problem_message(exc)))
                bad = True
            if not bad:
                parsed.append((number, member_id, id_number, month, amount, paid_on))
    found = ledger.members_by_id_number(conn, [p[2] for p in parsed if p[1] is None and p[2]])
    out: list[PaymentRow] = []
    for number, member_id, id_number, month, amount, paid_on in parsed:
        if member_id is None:
            member = found.get(id_number or "")
            if member is None:
                problems.append(Problem(number, "公民身份号码", _("no member on record has this 公民身份号码")))
                continue
            member_id = member[0]
        out.append(PaymentRow(number, member_id, month, amount, paid_on))
    if problems:
        raise RejectedInput(problems, imported=True, source=source.name)
    return out
