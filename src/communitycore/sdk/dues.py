"""``community.dues``: Party dues (党费, 中组发〔2008〕3号): bases, monthly amounts, payments, arrears, the 台账.

A member's base holds from the month the new pay is received (§10) until the next; the amount of
a month is the registered category's rule on it (bands with inclusive upper bounds, or a fixed
amount), rounded to the fen by ``dues-rounding``, or the reduced amount a hardship approval set.
预备党员 owe from the month of the branch vote (their join date). Each payment is its own row,
so two payments for one member and month both count: what was paid is their sum. Arrears are the
months up to the last complete one where less than the amount was paid; a run of
``dues-lapse-months`` (6, 党章 §9) or more is flagged for attention, never acted on.
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, extract, func, insert, select

from communitycore.domain.dues import (
    CENTRAL_FROM,
    DEFAULT_LAPSE_MONTHS,
    DEFAULT_ROUNDING,
    Arrears,
    DuesBase,
    MonthDue,
    MonthDues,
    Payment,
    amount_for,
    find_category,
    from_fen,
    longest_run,
    month_end,
    month_of,
    month_text,
    parse_amount,
    parse_month,
    to_fen,
)
from communitycore.domain.members import parse_date
from communitycore.domain.periods import Period
from communitycore.errors import InvalidValue, NotFound, Problem, RejectedInput
from communitycore.i18n import _
from communitycore.sdk.base import SubAPI
from communitycore.sdk.community import Tx
from communitycore.sdk.recruitment import setting_at
from communitycore.serialize import View, shape_of
from communitycore.store import activity as ledger
from communitycore.store.dues import due_expr, in_force, short_members
from communitycore.store.locks import lock_row
from communitycore.store.tables import dues as tables
from communitycore.store.tables import members as member_tables
from communitycore.store.units import UnitRef, resolve, subtree_query

_b = tables.dues_bases
_p = tables.dues_payments
_m = member_tables.members
SOURCE = "dues"


class DuesAPI(SubAPI):
    """Party dues (党费): set a base, the amount due, pay, import payments, arrears, the 台账."""

    def categories(self) -> builtins.list[Any]:
        """The registered dues categories, by code."""
        return list(self.community.registry.dues_categories.values())

    def set_base(self, member_id: int, *, category: str, from_month: str | dt.date, base: str | Decimal | None = None,
                 reduced: str | Decimal | None = None, approval: str | None = None) -> DuesBase:
        """Set a member's category and monthly base from ``from_month`` (the month the new pay is received).

        A category paying a share needs ``base`` (元, after tax); a fixed one takes none. A hardship
        reduction (``reduced``, the monthly amount instead) needs the ``approval`` that granted it.

        :raises InvalidValue: a bad field, named.
        :raises NotFound: no such member.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        found = find_category(self.community.registry.dues_categories, category)
        month = parse_month(from_month, "from")
        amount = parse_amount(base, "base") if base is not None else None
        if found.fixed is None and amount is None:
            raise InvalidValue(_("base: the category {category} pays a share of a base: give --base").format(
                category=found.code), entity="dues", key="base")
        cut = parse_amount(reduced, "reduced") if reduced is not None else None
        why = (approval or "").strip()[:200] or None
        if cut is not None and why is None:
            raise InvalidValue(_("approval: a hardship reduction needs the approval that granted it"),
                               entity="dues", key="approval")
        with self.community.transaction() as tx:
            unit_id = self._member_unit(tx.conn, member_id, lock=True)
            self._authorize(tx.conn, "dues.update", unit_id)
            tx.conn.execute(insert(_b).values(
                member_id=int(member_id), from_month=month, category=found.code,
                base_fen=None if amount is None else to_fen(amount), reduced_fen=None if cut is None else to_fen(cut),
                approval=why, recorded_at=tx.now.astimezone(dt.UTC)))
            record = DuesBase(member_id=int(member_id), from_month=month_text(month), category=found.code,
                              base=amount, reduced=cut, approval=why)
            tx.record("dues.update", "member", member_id, after={"from": record.from_month, "category": found.code,
                                                                 "reduced": cut is not None},
                      data={"unit_id": unit_id})
            return record

    def amount(self, member_id: int, *, month: str | dt.date | None = None) -> MonthDue:
        """What a member owes for ``month`` (default: this month), with the rule applied.

        :raises NotFound: no such member, or no base set for that month.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        wanted = parse_month(month) if month is not None else month_of(self.community.clock.today())
        with self.community.reading() as conn:
            unit_id = self._member_unit(conn, member_id)
            self._authorize(conn, "dues.read", unit_id)
            rounding = str(setting_at(conn, unit_id, "dues-rounding", DEFAULT_ROUNDING))
            bases = self._bases(conn, [int(member_id)]).get(int(member_id), [])
            join = conn.execute(select(_m.c.join_date).where(_m.c.id == int(member_id))).scalar()
            paid = conn.execute(select(func.coalesce(func.sum(_p.c.amount_fen), 0)).where(
                _p.c.member_id == int(member_id), _p.c.month == wanted, _p.c.extra.is_(False))).scalar()
        row = _base_for(bases, wanted)
        if row is None:
            raise NotFound(_("member {id} has no dues base for {month}: set one with 'dues set-base'").format(
                id=member_id, month=month_text(wanted)), entity="dues", key=member_id)
        due = self._due(row, rounding)
        if join is not None and wanted < month_of(join):
            due = MonthDue(member_id=0, month="", category=due.category, base=due.base, rate=due.rate,
                           amount=Decimal("0.00"), rule=_("not a member yet in this month"))
        return MonthDue(member_id=int(member_id), month=month_text(wanted), category=due.category, base=due.base,
                        rate=due.rate, amount=due.amount, rule=due.rule, paid=from_fen(int(paid or 0)))

    def amounts(self, *, month: str | dt.date | None = None, unit: UnitRef | None = None) -> MonthDues:
        """What every member with a base owes for ``month`` (default: this month), in a subtree or everywhere:
        one query gives each member's base in force, each distinct (category, base) is worked out once, and
        the records are made as they are read (a ``MonthDues`` sequence, with its ``total``).

        :raises InvalidValue: a bad month. :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        wanted = parse_month(month) if month is not None else month_of(self.community.clock.today())
        with self.community.reading() as conn:
            members, _lapse, rounding = self._scoped(conn, unit)
            joined = members.where((_m.c.join_date.is_(None)) | (_join_month() <= wanted))
            rows = conn.execute(in_force(wanted, select(joined.subquery().c.id))
                                .order_by(_b.c.member_id)).all()
        kinds: dict[Any, int] = {}
        table: builtins.list[MonthDue] = []
        ids: builtins.list[int] = []
        picked: builtins.list[int] = []
        for member_id, code, base_fen, reduced_fen in rows:
            key = (code, base_fen, reduced_fen)
            kind = kinds.get(key)
            if kind is None:
                kind = kinds[key] = len(table)
                table.append(self._due((0, *key), rounding))
            ids.append(member_id)
            picked.append(kind)
        return MonthDues(month_text(wanted), ids, picked, table)

    def pay(self, member_id: int, *, month: str | dt.date, amount: str | Decimal, months: int = 1,
            on: str | dt.date | None = None, extra: bool = False) -> builtins.list[Payment]:
        """Record a payment of ``amount`` 元 for ``months`` months from ``month``, split evenly (the
        odd fen on the first month); ``extra`` records a voluntary payment (自愿多交), one of
        1000 元 or more marked for the Central Committee. A month paid by its end counts as on time
        (ledger fact ``dues-on-time``), later as ``dues-arrears``.

        :raises InvalidValue: a bad field, named. :raises NotFound: no such member.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        first = parse_month(month)
        total = parse_amount(amount, zero=False)
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60:
            raise InvalidValue(_("months: expected a whole number from 1 to 60, got {value!r}").format(value=months),
                               entity="dues", key="months")
        with self.community.transaction() as tx:
            day = parse_date(on) if on is not None else tx.today
            if day > tx.today:
                raise InvalidValue(_("on: the date {date} is in the future").format(date=day), entity="dues", key="on")
            unit_id = self._member_unit(tx.conn, member_id)
            self._authorize(tx.conn, "dues.record", unit_id)
            payments = self._insert(tx, [(int(member_id), unit_id, first + i, fen, day, extra)
                                         for i, fen in enumerate(_split(to_fen(total), months))])
            tx.record("dues.record", "member", member_id,
                      after={"from": month_text(first), "months": months, "amount": str(total), "extra": extra},
                      data={"unit_id": unit_id})
            return payments

    def import_payments(self, path: str | os.PathLike[str]) -> int:
        """Import payments from ``.csv`` or ``.xlsx`` (:mod:`communitycore.io.dues_import`): all rows or none.

        :raises RejectedInput: one or more rows are bad; ``problems`` names each (row, column, reason).
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        # openpyxl and the sheet readers load only for an import.
        from communitycore.io.dues_import import read_payments

        with self.community.transaction() as tx:
            rows = read_payments(tx.conn, Path(path), today=tx.today)
            units = dict(tx.conn.execute(select(_m.c.id, _m.c.unit_id).where(
                _m.c.id.in_(sorted({r.member_id for r in rows})))).all()) if rows else {}
            missing = sorted({r.member_id for r in rows} - set(units))
            if missing:
                raise RejectedInput([Problem(r.row, "党员编号", _("no member {id}").format(id=r.member_id))
                                     for r in rows if r.member_id in missing], source=Path(path).name)
            for unit_id in sorted(set(units.values())):
                self._authorize(tx.conn, "dues.import", int(unit_id))
            self._insert(tx, [(r.member_id, int(units[r.member_id]), r.month, to_fen(r.amount), r.paid_on, False)
                              for r in rows])
            tx.record("dues.import", "dues", None, after={"rows": len(rows), "file": Path(path).name})
            return len(rows)

    def arrears(self, *, unit: UnitRef | None = None, through: str | dt.date | None = None,
                since: str | dt.date | None = None, flagged_only: bool = False) -> builtins.list[Arrears]:
        """Unpaid months per member with a base, from ``since`` (default: their first base) up to ``through``
        (default: last month), and the lapse flag.

        A month is unpaid when less than its amount was paid for it (voluntary payments aside);
        ``longest_run`` is the longest run of consecutive unpaid months, flagged from
        ``dues-lapse-months`` (6, 党章 §9). Members with nothing unpaid are left out.

        :raises InvalidValue: a bad month. :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        last = parse_month(through) if through is not None else month_of(self.community.clock.today()) - 1
        first = parse_month(since, "since") if since is not None else 0
        with self.community.reading() as conn:
            members, lapse, rounding = self._scoped(conn, unit)
            scoped = members.add_columns(func.coalesce(_join_month(), 0).label("join_month"))
            # SQL finds the few members short of what they owe; only theirs are read month by month.
            short = short_members(conn, scoped, first, last, self._due_sql(conn, rounding))
            people = {int(i): (str(n), int(u), j) for chunk in _chunks(short) for i, n, u, j in conn.execute(
                select(_m.c.id, _m.c.name, _m.c.unit_id, _m.c.join_date).where(_m.c.id.in_(chunk)))}
            bases = self._bases(conn, short)
            paid: dict[tuple[int, int], int] = {}
            for chunk in _chunks(short):
                for member, month, fen in conn.execute(
                        select(_p.c.member_id, _p.c.month, func.sum(_p.c.amount_fen))
                        .where(_p.c.member_id.in_(chunk), _p.c.extra.is_(False), _p.c.month.between(first, last))
                        .group_by(_p.c.member_id, _p.c.month)):
                    paid[(int(member), int(month))] = int(fen)
        out: builtins.list[Arrears] = []
        due_cache: dict[Any, int] = {}
        for member_id in short:
            name, unit_id, join = people[member_id]
            rows = bases.get(member_id, [])
            start = max(rows[0][0], first)
            if join is not None:
                start = max(start, month_of(join))
            unpaid: builtins.list[int] = []
            for month in range(start, last + 1):
                row = _base_for(rows, month)
                if row is None:
                    continue
                key = row[1:]
                if key not in due_cache:
                    due_cache[key] = to_fen(self._due(row, rounding).amount)
                due = due_cache[key]
                if due > 0 and paid.get((member_id, month), 0) < due:
                    unpaid.append(month)
            if not unpaid:
                continue
            run = longest_run(unpaid)
            if flagged_only and run < lapse:
                continue
            out.append(Arrears(member_id=member_id, name=name, unit_id=unit_id,
                               unpaid_months=tuple(month_text(m) for m in unpaid), longest_run=run,
                               lapse_flag=run >= lapse))
        return out

    def ledger(self, unit: UnitRef, period: str, path: str | os.PathLike[str]) -> Path:
        """The 党费收缴台账 of a unit's subtree over a period (a year, say), as ``.xlsx`` or ``.csv``:
        one row per member, the amount paid in each month of the period, and the total.

        :raises InvalidValue: a bad period or file type. :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        from communitycore.io.results import write_table  # openpyxl loads only for an export

        span = Period.parse(period)
        first, last = month_of(span.start), month_of(span.end)
        with self.community.reading() as conn:
            root = resolve(conn, unit)
            self._authorize(conn, "dues.export", root.id)
            members = conn.execute(select(_m.c.id, _m.c.name).where(
                _m.c.unit_id.in_(subtree_query(conn, root.id)), _m.c.status == "active").order_by(_m.c.id)).all()
            sums: dict[tuple[int, int], int] = {}
            for member, month, fen in conn.execute(
                    select(_p.c.member_id, _p.c.month, func.sum(_p.c.amount_fen))
                    .where(_p.c.member_id.in_(select(_m.c.id).where(_m.c.unit_id.in_(subtree_query(conn, root.id)))),
                           _p.c.month.between(first, last)).group_by(_p.c.member_id, _p.c.month)):
                sums[(int(member), int(month))] = int(fen)
        months = list(range(first, last + 1))
        headers = ["党员编号", "姓名", *(month_text(m) for m in months), "合计"]
        rows = []
        for member in members:
            cells = [sums.get((int(member.id), m), 0) for m in months]
            rows.append([int(member.id), member.name, *(str(from_fen(c)) for c in cells), str(from_fen(sum(cells)))])
        return write_table(path, headers, rows, sheet="党费收缴台账")

    # Internals ---------------------------------------------------------------------------------

    def _due(self, row: tuple[int, str, int | None, int | None], rounding: str) -> MonthDue:
        _month, code, base_fen, reduced_fen = row
        categories = self.community.registry.dues_categories
        category = categories.get(code) or next((c for c in categories.values() if c.replaces == code), None)
        if category is None:
            raise InvalidValue(_("category: no dues category {code!r} is registered").format(code=code))
        base = None if base_fen is None else from_fen(base_fen)
        found = amount_for(category, base, rounding=rounding)
        if reduced_fen is not None:
            return MonthDue(member_id=0, month="", category=code, base=base, rate=None, amount=from_fen(reduced_fen),
                            rule=_("hardship reduction (approved)"))
        return MonthDue(member_id=0, month="", category=category.code, base=base, rate=found.rate,
                        amount=found.amount, rule=found.rule)

    def _insert(self, tx: Tx, rows: Sequence[tuple[int, int, int, int, dt.date, bool]]) -> builtins.list[Payment]:
        stamp = tx.now.astimezone(dt.UTC)
        out = []
        entries = []
        for member_id, unit_id, month, fen, day, extra in rows:
            central = extra and from_fen(fen) >= CENTRAL_FROM
            pid = int(tx.conn.execute(insert(_p).values(
                member_id=member_id, month=month, amount_fen=fen, paid_on=day, extra=extra, central=central,
                recorded_by=tx.actor, recorded_at=stamp)).inserted_primary_key[0])  # type: ignore[index]
            out.append(Payment(id=pid, member_id=member_id, month=month_text(month), amount=from_fen(fen),
                               paid_on=day, extra=extra, central=central))
            if not extra:
                fact = "dues-on-time" if day <= month_end(month) else "dues-arrears"
                entries.append(("member", member_id, fact, min(day, month_end(month)) if fact == "dues-on-time"
                                else day, 100, unit_id, SOURCE, str(pid), tx.actor, None, None, stamp))
        ledger.insert_entries(tx.conn, entries)
        return out

    def _scoped(self, conn: Connection, unit: UnitRef | None) -> tuple[Select[Any], int, str]:
        """The active members of a subtree (or all) the actor may read, as a query, and the lapse and rounding
        settings in force at the subtree's root (the defaults for the whole tree)."""
        query = select(_m.c.id).where(_m.c.status == "active")
        lapse, rounding = DEFAULT_LAPSE_MONTHS, DEFAULT_ROUNDING
        if unit is not None:
            root_id = resolve(conn, unit).id
            self._authorize(conn, "dues.read", root_id)
            query = query.where(_m.c.unit_id.in_(subtree_query(conn, root_id)))
            lapse = int(setting_at(conn, root_id, "dues-lapse-months", DEFAULT_LAPSE_MONTHS))
            rounding = str(setting_at(conn, root_id, "dues-rounding", DEFAULT_ROUNDING))
        return query.where(self._scope(conn, "dues.read").clause(_m.c.unit_id)), lapse, rounding

    def _due_sql(self, conn: Connection, rounding: str) -> Any:
        """The fen owed by a base row, as SQL over the stored codes in use; an unknown code is refused as
        :meth:`_due` refuses it."""
        categories = self.community.registry.dues_categories
        known: dict[str, Any] = {}
        for code in conn.scalars(select(_b.c.category).distinct()):
            found = categories.get(code) or next((c for c in categories.values() if c.replaces == code), None)
            if found is None:
                raise InvalidValue(_("category: no dues category {code!r} is registered").format(code=code))
            known[str(code)] = found
        return due_expr(known, rounding, _b.c.category, _b.c.base_fen, _b.c.reduced_fen)

    def _member_unit(self, conn: Connection, member_id: int, *, lock: bool = False) -> int:
        if lock:
            row = lock_row(conn, _m, int(member_id), columns=("unit_id",))
            return int(row.unit_id)
        unit_id = conn.execute(select(_m.c.unit_id).where(_m.c.id == int(member_id))).scalar()
        if unit_id is None:
            raise NotFound(_("no member {id}").format(id=member_id), entity="member", key=member_id)
        return int(unit_id)

    def _bases(self, conn: Connection, ids: Sequence[int]) -> dict[int, builtins.list[tuple[int, str, int | None,
                                                                                             int | None]]]:
        found: dict[int, builtins.list[tuple[int, str, int | None, int | None]]] = {}
        for chunk in _chunks(ids):
            for r in conn.execute(select(_b.c.member_id, _b.c.from_month, _b.c.category, _b.c.base_fen,
                                         _b.c.reduced_fen).where(_b.c.member_id.in_(chunk))
                                  .order_by(_b.c.member_id, _b.c.from_month, _b.c.id)):
                found.setdefault(int(r.member_id), []).append(
                    (int(r.from_month), str(r.category), r.base_fen, r.reduced_fen))
        return found


def _join_month() -> Any:
    return extract("year", _m.c.join_date) * 12 + extract("month", _m.c.join_date) - 1


def _base_for(rows: Sequence[tuple[int, str, int | None, int | None]], month: int
              ) -> tuple[int, str, int | None, int | None] | None:
    # Rows ascend by month (then by recording): the last one not after ``month`` holds.
    found = None
    for row in rows:
        if row[0] > month:
            break
        found = row
    return found


def _split(fen: int, months: int) -> builtins.list[int]:
    share, odd = divmod(fen, months)
    return [share + (odd if i == 0 else 0) for i in range(months)]


def _chunks(ids: Sequence[int], size: int = 5000) -> builtins.list[Sequence[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)] or []


@shape_of(MonthDue)
def _due_shape(due: MonthDue, view: View) -> dict[str, Any]:
    return {"member_id": due.member_id, "month": due.month, "category": due.category,
            "base": None if due.base is None else str(due.base), "rate": None if due.rate is None else str(due.rate),
            "amount": str(due.amount), "rule": due.rule, "paid": str(due.paid)}


@shape_of(Arrears)
def _arrears_shape(item: Arrears, view: View) -> dict[str, Any]:
    return {"member_id": item.member_id, "name": item.name, "unit_id": item.unit_id, "unit": view.path(item.unit_id),
            "unpaid_months": list(item.unpaid_months), "longest_run": item.longest_run, "lapse_flag": item.lapse_flag}


@shape_of(Payment)
def _payment_shape(item: Payment, view: View) -> dict[str, Any]:
    return {"id": item.id, "member_id": item.member_id, "month": item.month, "amount": str(item.amount),
            "paid_on": item.paid_on, "extra": item.extra, "central": item.central}


@shape_of(DuesBase)
def _base_shape(item: DuesBase, view: View) -> dict[str, Any]:
    return {"member_id": item.member_id, "from": item.from_month, "category": item.category,
            "base": None if item.base is None else str(item.base),
            "reduced": None if item.reduced is None else str(item.reduced), "approval": item.approval}
