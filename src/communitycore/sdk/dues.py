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
import hashlib
import os
from collections.abc import Callable, Sequence
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Connection, Select, func, insert, select

from communitycore.domain.dues import (
    CENTRAL_FROM,
    DEFAULT_LAPSE_MONTHS,
    DEFAULT_ROUNDING,
    RETIREE_BASES,
    Arrears,
    DuesBase,
    MonthDue,
    MonthDues,
    Payment,
    RetireeBase,
    Standing,
    amount_for,
    before_joining,
    find_category,
    from_fen,
    month_end,
    month_of,
    month_text,
    parse_amount,
    parse_month,
    to_fen,
    unpaid_runs,
    work_out_standing,
)
from communitycore.domain.members import parse_date
from communitycore.domain.periods import Period
from communitycore.errors import NotFound, Problem, RejectedInput, bad_field
from communitycore.i18n import _
from communitycore.sdk.base import SubAPI, check_page, known_id
from communitycore.sdk.community import Tx
from communitycore.sdk.recruitment import setting_at
from communitycore.serialize import View, shape_of
from communitycore.store import activity as ledger
from communitycore.store.dues import latest_base, standing_query, write_standings
from communitycore.store.locks import lock_row, lock_rows
from communitycore.store.sql import driver_rows
from communitycore.store.tables import dues as tables
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.units import UnitRef, resolve, subtree_query

_b = tables.dues_bases
_p = tables.dues_payments
_s = tables.dues_standing
_m = member_tables.members
SOURCE = "dues"
#: The category whose base ``dues-retiree-base`` describes.
RETIRED = "retired"


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
            raise bad_field("base", _("the category {category} pays a share of a base: give --base").format(
                category=found.code), entity="dues")
        cut = parse_amount(reduced, "reduced") if reduced is not None else None
        why = (approval or "").strip()[:200] or None
        if cut is not None and why is None:
            raise bad_field("approval", _("a hardship reduction needs the approval that granted it"), entity="dues")
        with self.community.transaction() as tx:
            unit_id = self._member_unit(tx.conn, member_id, lock=True)
            self._authorize(tx.conn, "dues.update", unit_id)
            kind = str(setting_at(tx.conn, unit_id, "dues-retiree-base", RETIREE_BASES[0])) \
                if found.code == RETIRED and amount is not None else None
            tx.conn.execute(insert(_b).values(
                member_id=int(member_id), from_month=month, category=found.code,
                base_fen=None if amount is None else to_fen(amount), reduced_fen=None if cut is None else to_fen(cut),
                approval=why, base_kind=kind, recorded_at=tx.now.astimezone(dt.UTC)))
            self._restand(tx.conn, [int(member_id)])
            record = DuesBase(member_id=int(member_id), from_month=month_text(month), category=found.code,
                              base=amount, reduced=cut, approval=why, base_kind=kind)
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
            row = conn.execute(select(_b.c.from_month, _b.c.category, _b.c.base_fen, _b.c.reduced_fen, _b.c.base_kind)
                               .where(_b.c.id == latest_base(wanted, int(member_id)))).first()
            join = conn.execute(select(_m.c.join_date).where(_m.c.id == int(member_id))).scalar()
            paid = conn.execute(select(func.coalesce(func.sum(_p.c.amount_fen), 0)).where(
                _p.c.member_id == int(member_id), _p.c.month == wanted, _p.c.extra.is_(False))).scalar()
        if row is None:
            raise NotFound(_("member {id} has no dues base for {month}: set one with 'dues set-base'").format(
                id=member_id, month=month_text(wanted)), entity="dues", key=member_id)
        due = self._due(tuple(row[:4]), rounding, base_kind=row.base_kind)
        if join is not None and wanted < month_of(join):
            due = attrs.evolve(due, amount=Decimal("0.00"), rule=_("not a member yet in this month"))
        return attrs.evolve(due, member_id=int(member_id), month=month_text(wanted), paid=from_fen(int(paid or 0)))

    def amounts(self, *, month: str | dt.date | None = None, unit: UnitRef | None = None) -> MonthDues:
        """What every member with a base owes for ``month`` (default: this month), in a subtree or everywhere:
        one query gives each member's base in force, each distinct (category, base, rounding) is worked out
        once, and the records are made as they are read (a ``MonthDues`` sequence, with its ``total``).

        :raises InvalidValue: a bad month. :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        wanted = parse_month(month) if month is not None else month_of(self.community.clock.today())
        with self.community.reading() as conn:
            members, _lapse = self._scoped(conn, unit)
            rounding_of = self._roundings(conn)
            joined = members.where((_m.c.join_date.is_(None)) | (_m.c.join_date <= month_end(wanted)))
            per_unit = () if rounding_of is None else (_m.c.unit_id,)
            # Every base up to the month, in order: the last of each member's holds. A plain join
            # along the bases' index costs less than a correlated lookup of the latest per member.
            rows = driver_rows(conn, joined.add_columns(_b.c.category, _b.c.base_fen, _b.c.reduced_fen, _b.c.base_kind,
                                                        *per_unit)
                               .join_from(_m, _b, (_b.c.member_id == _m.c.id) & (_b.c.from_month <= wanted))
                               .order_by(_m.c.id, _b.c.from_month, _b.c.id))
        held = dict(zip(map(itemgetter(0), rows), rows, strict=True))
        # Each member becomes two integers: its id and the index of its kind in a table of the few
        # distinct ones (C-level passes; a city has a million members and a few hundred kinds).
        if rounding_of is None:
            keys: builtins.list[Any] = builtins.list(map(itemgetter(1, 2, 3, 4), held.values()))
        else:
            keys = [(*row[1:5], rounding_of(int(row[5]))) for row in held.values()]
        index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
        table = [self._due((0, *key[:3]), key[4] if len(key) > 4 else DEFAULT_ROUNDING, base_kind=key[3])
                 for key in index]
        return MonthDues(month_text(wanted), builtins.list(held),
                         builtins.list(map(index.__getitem__, keys)), table)

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
            raise bad_field("months", _("expected a whole number from 1 to 60, got {value!r}").format(value=months),
                            entity="dues")
        with self.community.transaction() as tx:
            day = parse_date(on) if on is not None else tx.today
            if day > tx.today:
                raise bad_field("on", _("the date {date} is in the future").format(date=day), entity="dues")
            unit_id = self._member_unit(tx.conn, member_id, lock=True)
            self._authorize(tx.conn, "dues.record", unit_id)
            joined = tx.conn.execute(select(_m.c.join_date).where(_m.c.id == int(member_id))).scalar()
            if (early := before_joining(joined, first, day)) is not None:
                raise bad_field(*early, entity="dues")
            payments = self._insert(tx, [(int(member_id), unit_id, first + i, fen, day, extra)
                                         for i, fen in enumerate(_split(to_fen(total), months))])
            if not extra:
                self._restand(tx.conn, [int(member_id)])
            tx.record("dues.record", "member", member_id,
                      after={"from": month_text(first), "months": months, "amount": str(total), "extra": extra},
                      data={"unit_id": unit_id})
            return payments

    def import_payments(self, path: str | os.PathLike[str]) -> int:
        """Import payments from ``.csv`` or ``.xlsx`` (:mod:`communitycore.io.dues_import`): all rows or none.

        :raises InvalidValue: ``path`` is not a path.
        :raises RejectedInput: one or more rows are bad; ``problems`` names each (row, column, reason).
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        # openpyxl and the sheet readers load only for an import.
        from communitycore.io.dues_import import read_payments
        from communitycore.io.limits import given_path

        source = given_path(path)
        with self.community.transaction() as tx:
            rows = read_payments(tx.conn, source, today=tx.today)
            found = tx.conn.execute(select(_m.c.id, _m.c.unit_id, _m.c.join_date).where(
                _m.c.id.in_(sorted({r.member_id for r in rows})))).all() if rows else []
            units = {member_id: unit_id for member_id, unit_id, _joined in found}
            missing = sorted({r.member_id for r in rows} - set(units))
            if missing:
                raise RejectedInput([Problem(r.row, "党员编号", _("no member {id}").format(id=r.member_id))
                                     for r in rows if r.member_id in missing], imported=True, source=source.name)
            joined = {member_id: day for member_id, _unit, day in found}
            early = [(r.row, problem) for r in rows
                     if (problem := before_joining(joined[r.member_id], r.month, r.paid_on)) is not None]
            if early:  # the file's columns, as read_payments names them
                column = {"month": "月份", "on": "交纳日期"}
                raise RejectedInput([Problem(row, column[field], words) for row, (field, words) in early],
                                    imported=True, source=source.name)
            self._authorize_each(tx.conn, "dues.import", sorted({int(u) for u in units.values()}))
            self._insert(tx, [(r.member_id, int(units[r.member_id]), r.month, to_fen(r.amount), r.paid_on, False)
                              for r in rows])
            ids = sorted(units)
            rules = self._rules(tx.conn)
            for chunk in _chunks(ids):
                self._restand(tx.conn, chunk, rules)
            tx.record("dues.import", "dues", None, after={"rows": len(rows), "file": source.name})
            return len(rows)

    def arrears(self, *, unit: UnitRef | None = None, through: str | dt.date | None = None,
                since: str | dt.date | None = None, flagged_only: bool = False, limit: int | None = None,
                after: int | None = None) -> builtins.list[Arrears]:
        """Unpaid months per member with a base, from ``since`` (default: their first base) up to ``through``
        (default: last month), and the lapse flag.

        A month is unpaid when less than its amount was paid for it (voluntary payments aside);
        ``longest_run`` is the longest run of consecutive unpaid months, flagged from
        ``dues-lapse-months`` (6, 党章 §9). Members with nothing unpaid are left out. Each member's
        standing is read as stored; one missing or worked out under other rules is worked out
        from their payments here (:meth:`refresh` stores it).

        By member id: at most ``limit`` members (default ``None``: all), those with an id above
        ``after``, so the next page is ``after=`` the last ``member_id`` of this one. The standings
        of the members past the cursor are read for any page, then cut.

        :raises InvalidValue: a bad month; a limit that is not a whole number from 0 to ``MAX_ID``, or an
            ``after`` that is not an id.
        :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        check_page(limit, after=after)
        current = month_of(self.community.clock.today())
        last = parse_month(through, "through") if through is not None else current - 1
        if last > current:  # no month after this one has fallen due, and each would be listed as unpaid
            raise bad_field("through", _("{month} is after this month ({current}): arrears run to this month at "
                                         "the latest").format(month=month_text(last), current=month_text(current)),
                            entity="dues")
        first = parse_month(since, "since") if since is not None else 0
        with self.community.reading() as conn:
            members, lapse = self._scoped(conn, unit)
            # By id: SQLite reads the members in that order anyway (no sort), and a page's cursor needs it.
            members = members.order_by(_m.c.id)
            if after is not None:
                members = members.where(_m.c.id > after)
            rules, rounding_of = self._rules(conn)
            rows = driver_rows(conn, standing_query(members.add_columns(_m.c.name, _m.c.unit_id), _m.c.join_date,
                                                    rules, first, last))
            again = self._work_out(conn, [int(r[0]) for r in rows if not r[3]], rounding_of)
        texts: dict[int, str] = {}
        out: builtins.list[Arrears] = []
        for member_id, name, unit_id, fresh, join_month, frontier, tail_due, short_runs in rows:
            if fresh:
                spans = unpaid_runs(int(join_month), int(frontier), bool(tail_due), short_runs, first, last)
            else:
                standing = again.get(int(member_id))
                spans = standing.unpaid_runs(first, last) if standing is not None else []
            if not spans:
                continue
            run = max(high - low + 1 for low, high in spans)
            if flagged_only and run < lapse:
                continue
            unpaid = tuple(texts.get(m) or texts.setdefault(m, month_text(m))
                           for low, high in spans for m in range(low, high + 1))
            out.append(Arrears(member_id=int(member_id), name=str(name), unit_id=int(unit_id), unpaid_months=unpaid,
                               longest_run=run, lapse_flag=run >= lapse))
            if limit is not None and len(out) >= limit:
                break
        return out[:limit]

    def refresh(self, *, unit: UnitRef | None = None,
                progress: Callable[[int, int], None] | None = None) -> int:
        """Work out again and store the standing of every member with a base, in a subtree or everywhere:
        once after an upgrade, a restore or a change of the dues table in a pack, after which arrears
        read one row a member. ``progress`` is told (members done, members in all) per batch.

        :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        with self.community.transaction() as tx:
            query = select(_m.c.id)
            if unit is not None:
                root_id = resolve(tx.conn, unit).id
                self._authorize(tx.conn, "dues.update", root_id)
                query = query.where(_m.c.unit_id.in_(subtree_query(tx.conn, root_id)))
            query = query.where(self._scope(tx.conn, "dues.update").clause(_m.c.unit_id))
            ids = [int(i) for i in tx.conn.scalars(select(_b.c.member_id).distinct().where(
                _b.c.member_id.in_(query)).order_by(_b.c.member_id))]
            rules = self._rules(tx.conn)
            for done, chunk in enumerate(_chunks(ids), start=1):
                self._restand(tx.conn, chunk, rules)
                if progress is not None:
                    progress(min(done * _CHUNK, len(ids)), len(ids))
            tx.record("dues.update", "dues", None, after={"refreshed": len(ids)})
            return len(ids)

    def ledger(self, unit: UnitRef, period: str, path: str | os.PathLike[str]) -> Path:
        """The 党费收缴台账 of a unit's subtree over a period (a year, say), as ``.xlsx`` or ``.csv``:
        one row per member, the amount paid in each month of the period, and the total.

        :raises InvalidValue: a bad period or file type. :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (dues) on the unit concerned.
        """
        from communitycore.io.table_files import write_table  # openpyxl loads only for an export

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

    def _category(self, code: str) -> Any:
        categories = self.community.registry.dues_categories
        found = categories.get(code) or next((c for c in categories.values() if c.replaces == code), None)
        if found is None:
            raise bad_field("category", _("no dues category {code!r} is registered").format(code=code))
        return found

    def _due(self, row: tuple[int, str, int | None, int | None], rounding: str, *,
             base_kind: str | None = None) -> MonthDue:
        _month, code, base_fen, reduced_fen = row
        category = self._category(code)
        base = None if base_fen is None else from_fen(base_fen)
        found = amount_for(category, base, rounding=rounding)
        if reduced_fen is not None:
            return MonthDue(member_id=0, month="", category=code, base=base, rate=None, amount=from_fen(reduced_fen),
                            rule=_("hardship reduction (approved)"), base_kind=base_kind)
        return MonthDue(member_id=0, month="", category=category.code, base=base, rate=found.rate,
                        amount=found.amount, rule=found.rule, base_kind=base_kind)

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

    def _scoped(self, conn: Connection, unit: UnitRef | None) -> tuple[Select[Any], int]:
        """The active members of a subtree (or all) the actor may read, as a query, and the lapse setting
        in force at the subtree's root (the default for the whole tree)."""
        query = select(_m.c.id).where(_m.c.status == "active")
        lapse = DEFAULT_LAPSE_MONTHS
        if unit is not None:
            root_id = resolve(conn, unit).id
            self._authorize(conn, "dues.read", root_id)
            query = query.where(_m.c.unit_id.in_(subtree_query(conn, root_id)))
            lapse = int(setting_at(conn, root_id, "dues-lapse-months", DEFAULT_LAPSE_MONTHS))
        return query.where(self._scope(conn, "dues.read").clause(_m.c.unit_id)), lapse

    def _roundings(self, conn: Connection) -> Callable[[int], str] | None:
        """The ``dues-rounding`` in force at a unit, from the few units that set one and the tree's
        parents; None when no unit sets one (the default holds everywhere)."""
        s = org_tables.unit_settings
        own = {int(u): str(v) for u, v in conn.execute(
            select(s.c.unit_id, s.c.value).where(s.c.key == "dues-rounding"))}
        if not own:
            return None
        u = org_tables.units
        parents = {int(i): p for i, p in conn.execute(select(u.c.id, u.c.parent_id))}
        found: dict[int, str] = {}

        def at(unit_id: int) -> str:
            chain: builtins.list[int] = []
            current: int | None = unit_id
            while current is not None and current not in found and current not in own and len(chain) <= len(parents):
                chain.append(current)
                current = parents.get(current)
            value = found.get(current, own.get(current, DEFAULT_ROUNDING)) if current is not None else DEFAULT_ROUNDING
            for link in chain:
                found[link] = value
            return value

        return at

    def _rules(self, conn: Connection) -> tuple[str, Callable[[int], str]]:
        """A name for the dues table and the roundings set (a stored standing holds only under the rules
        it was worked out with), and the rounding in force at a unit."""
        s = org_tables.unit_settings
        text = repr((sorted((c.code, c.fixed, tuple(c.bands), c.replaces)
                            for c in self.community.registry.dues_categories.values()),
                     sorted(conn.execute(select(s.c.unit_id, s.c.value).where(s.c.key == "dues-rounding")).all()),
                     DEFAULT_ROUNDING))
        rounding_of = self._roundings(conn)
        return hashlib.sha256(text.encode()).hexdigest()[:32], rounding_of or (lambda _unit: DEFAULT_ROUNDING)

    def _work_out(self, conn: Connection, ids: Sequence[int], rounding_of: Callable[[int], str]
                  ) -> dict[int, Standing]:
        """The standing of each member of ``ids`` with a base, from their bases and payments."""
        out: dict[int, Standing] = {}
        owed: dict[tuple[str, int | None, int | None, str], int] = {}
        for chunk in _chunks(ids):
            people = {int(i): (int(u), j) for i, u, j in conn.execute(select(
                _m.c.id, _m.c.unit_id, _m.c.join_date).where(_m.c.id.in_(chunk)))}
            bases: dict[int, builtins.list[tuple[int, str, int | None, int | None]]] = {}
            for member_id, month, code, base_fen, reduced_fen in driver_rows(conn, select(
                    _b.c.member_id, _b.c.from_month, _b.c.category, _b.c.base_fen, _b.c.reduced_fen)
                    .where(_b.c.member_id.in_(chunk)).order_by(_b.c.member_id, _b.c.from_month, _b.c.id)):
                bases.setdefault(int(member_id), []).append((int(month), str(code), base_fen, reduced_fen))
            paid: dict[int, dict[int, int]] = {}
            for member_id, month, fen in driver_rows(conn, select(_p.c.member_id, _p.c.month, func.sum(_p.c.amount_fen))
                                                     .where(_p.c.member_id.in_(chunk), _p.c.extra.is_(False))
                                                     .group_by(_p.c.member_id, _p.c.month)):
                paid.setdefault(int(member_id), {})[int(month)] = int(fen)
            for member_id, rows in bases.items():
                if member_id not in people:
                    continue
                unit_id, join_date = people[member_id]
                rounding = rounding_of(unit_id)
                months = []
                for month, code, base_fen, reduced_fen in rows:
                    key = (code, base_fen, reduced_fen, rounding)
                    if key not in owed:
                        owed[key] = to_fen(self._due((month, code, base_fen, reduced_fen), rounding).amount)
                    months.append((month, owed[key]))
                out[member_id] = work_out_standing(months, paid.get(member_id, {}), join_date)
        return out

    def _restand(self, conn: Connection, ids: Sequence[int],
                 rules: tuple[str, Callable[[int], str]] | None = None) -> None:
        """Lock the members of ``ids``, work out their standing from what is stored now and store it
        (a writer of their bases or payments calls this in its transaction, after writing)."""
        lock_rows(conn, _m, ids)
        name, rounding_of = rules or self._rules(conn)
        write_standings(conn, name, self._work_out(conn, ids, rounding_of).items())

    def _member_unit(self, conn: Connection, member_id: int, *, lock: bool = False) -> int:
        def missing() -> NotFound:
            return NotFound(_("no member {id}").format(id=member_id), entity="member", key=member_id)

        number = known_id(member_id, missing)
        if lock:
            return int(lock_row(conn, _m, number, columns=("unit_id",), missing=missing).unit_id)
        unit_id = conn.execute(select(_m.c.unit_id).where(_m.c.id == number)).scalar()
        if unit_id is None:
            raise missing()
        return int(unit_id)


def _split(fen: int, months: int) -> builtins.list[int]:
    share, odd = divmod(fen, months)
    return [share + (odd if i == 0 else 0) for i in range(months)]


_CHUNK = 5000


def _chunks(ids: Sequence[int], size: int = _CHUNK) -> builtins.list[Sequence[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)] or []


def _base_kind_label(code: str | None, view: View) -> str | None:
    """The label of a retiree's base kind (the code if it is none of them), or None without one."""
    if code is None:
        return None
    try:
        return RetireeBase(code).label(view.language)
    except ValueError:
        return code


@shape_of(MonthDue)
def _due_shape(due: MonthDue, view: View) -> dict[str, Any]:
    return {"member_id": due.member_id, "month": due.month, "category": due.category,
            "category_label": view.dues_category_label(due.category),
            "base": None if due.base is None else str(due.base), "rate": None if due.rate is None else str(due.rate),
            "amount": str(due.amount), "rule": due.rule, "paid": str(due.paid), "base_kind": due.base_kind,
            "base_kind_label": _base_kind_label(due.base_kind, view)}


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
            "category_label": view.dues_category_label(item.category),
            "base": None if item.base is None else str(item.base),
            "reduced": None if item.reduced is None else str(item.reduced), "approval": item.approval,
            "base_kind": item.base_kind, "base_kind_label": _base_kind_label(item.base_kind, view)}
