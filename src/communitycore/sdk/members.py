"""``community.members``: Party members, transfers, 双报到, confirmation, import."""

from __future__ import annotations

import builtins
import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Connection, func, insert, select, update

from communitycore.domain.members import (
    Category,
    CommunityRegistration,
    Member,
    Transfer,
    check_member,
    parse_date,
    parse_member,
    probation_end,
)
from communitycore.errors import Conflict, InvalidValue, NotFound, RejectedInput
from communitycore.sdk.base import SubAPI
from communitycore.store import rollup
from communitycore.store.members import member_from_row, member_row
from communitycore.store.tables import members as member_tables
from communitycore.store.units import UnitRef, resolve, subtree_ids


@attrs.frozen
class DueConfirmation:
    """A probationary member whose year of probation is over."""

    member: Member
    probation_ended: dt.date


class MembersAPI(SubAPI):
    """Party members (党员)."""

    @staticmethod
    def write_template(path: str | os.PathLike[str], *, lang: str = "zh") -> Path:
        """Write a member import template (``.csv`` or ``.xlsx``): see :mod:`communitycore.io.templates`."""
        from communitycore.io.templates import write_template

        return write_template(path, lang=lang)

    @staticmethod
    def estimate_rows(path: str | os.PathLike[str]) -> int | None:
        """Data rows in a member file, cheaply (see ``communitycore.io.sheets.estimate_rows``)."""
        from communitycore.io.sheets import estimate_rows

        return estimate_rows(path)

    def add(self, name: str, unit: UnitRef, **fields: Any) -> Member:
        """Add a member. Fields are those of :data:`~communitycore.domain.members.MEMBER_FIELDS`.

        A 公民身份号码 is checked (GB 11643) and must agree with the birth date and gender given;
        when they are left out they are taken from it.
        """
        values, problems = parse_member({"name": name, "unit": unit, **fields})
        if problems:
            raise RejectedInput(problems, source="member")
        with self.community.transaction() as tx:
            unit_id = resolve(tx.conn, values["unit"]).id
            row = member_row(values, unit_id)
            self._check_unique_id_number(tx.conn, row["id_number"])
            member_id = tx.conn.execute(insert(member_tables.members).values(**row)).inserted_primary_key[0]  # type: ignore[index]
            rollup.refresh(tx.conn, [unit_id])
            member = Member(id=member_id, **{k: v for k, v in values.items() if k != "unit"}, unit_id=unit_id)
            tx.record("member.add", "member", member_id, after=member)
            return member

    def get(self, member_id: int) -> Member:
        """One member by id (unmasked: masking is for display)."""
        with self.community.reading() as conn:
            return self._get(conn, member_id)

    def reveal(self, member_id: int, reason: str | None = None) -> Member:
        """One member, recording in the audit trail that their personal data was shown."""
        return self.reveal_many([member_id], reason)[0]

    def reveal_many(self, member_ids: Iterable[int], reason: str | None = None) -> builtins.list[Member]:
        """Several members in one transaction, with one ``member.reveal`` audit entry each, in the given order."""
        ids = [int(i) for i in member_ids]
        m = member_tables.members
        with self.community.transaction() as tx:
            found = {row["id"]: member_from_row(row)
                     for row in tx.conn.execute(select(m).where(m.c.id.in_(ids))).mappings()}
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFound(f"there is no member with id {missing[0]}")
            for member_id in ids:
                tx.record("member.reveal", "member", member_id, note=reason)
            return [found[i] for i in ids]

    def update(self, member_id: int, **fields: Any) -> Member:
        """Change a member's fields (not their unit: use :meth:`transfer`)."""
        if "unit" in fields or "unit_id" in fields:
            raise InvalidValue("a member changes unit through a transfer (组织关系转接), not an update")
        with self.community.transaction() as tx:
            before = self._get(tx.conn, member_id)
            current = {k: getattr(before, k) for k in attrs.fields_dict(Member) if k not in ("id", "unit_id")}
            merged = {**{k: v for k, v in current.items() if v is not None}, **fields, "unit": before.unit_id}
            values, problems = parse_member(merged)
            if problems:
                raise RejectedInput(problems, source=f"member {member_id}")
            row = member_row(values, before.unit_id)
            if row["id_number"] != before.id_number:
                self._check_unique_id_number(tx.conn, row["id_number"])
            tx.conn.execute(update(member_tables.members).where(member_tables.members.c.id == member_id).values(**row))
            rollup.refresh(tx.conn, [before.unit_id])
            after = self._get(tx.conn, member_id)
            tx.record("member.update", "member", member_id, before=before, after=after)
            return after

    def list(
        self,
        unit: UnitRef | None = None,
        *,
        recursive: bool = True,
        category: str | Category | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Member]:
        """Members, by id; optionally of one unit (and its subtree unless ``recursive=False``)."""
        m = member_tables.members
        with self.community.reading() as conn:
            query = select(m).order_by(m.c.id).offset(offset)
            if unit is not None:
                query = query.where(m.c.unit_id.in_(self._unit_ids(conn, unit, recursive)))
            if category is not None:
                query = query.where(m.c.category == Category.parse(category).value)
            if limit is not None:
                query = query.limit(limit)
            return [member_from_row(row) for row in conn.execute(query).mappings()]

    def count(self, unit: UnitRef | None = None, *, recursive: bool = True) -> int:
        """Number of members (of one unit's subtree, optionally)."""
        m = member_tables.members
        with self.community.reading() as conn:
            query = select(func.count()).select_from(m)
            if unit is not None:
                query = query.where(m.c.unit_id.in_(self._unit_ids(conn, unit, recursive)))
            return int(conn.scalar(query) or 0)

    def transfer(self, member_id: int, to_unit: UnitRef, *, on: dt.date | str | None = None,
                 reason: str | None = None) -> Transfer:
        """Move a member's organizational relationship (组织关系转接); the history is kept."""
        with self.community.transaction() as tx:
            member = self._get(tx.conn, member_id)
            target = resolve(tx.conn, to_unit)
            if target.id == member.unit_id:
                raise Conflict(f"member {member_id} already belongs to unit {target.id}")
            when = tx.today if on is None else parse_date(on)
            t = member_tables.transfers
            tid = tx.conn.execute(insert(t).values(
                member_id=member_id, from_unit_id=member.unit_id, to_unit_id=target.id,
                transferred_on=when, reason=reason)).inserted_primary_key[0]  # type: ignore[index]
            m = member_tables.members
            tx.conn.execute(update(m).where(m.c.id == member_id).values(unit_id=target.id))
            rollup.refresh(tx.conn, [member.unit_id, target.id])
            transfer = Transfer(id=tid, member_id=member_id, from_unit_id=member.unit_id, to_unit_id=target.id,
                                transferred_on=when, reason=reason)
            tx.record("member.transfer", "member", member_id, before={"unit_id": member.unit_id},
                      after={"unit_id": target.id},
                      data={"from_unit_id": member.unit_id, "to_unit_id": target.id})
            return transfer

    def transfers(self, member_id: int) -> builtins.list[Transfer]:
        """A member's transfer history, oldest first."""
        t = member_tables.transfers
        with self.community.reading() as conn:
            self._get(conn, member_id)
            rows = conn.execute(select(t).where(t.c.member_id == member_id).order_by(t.c.transferred_on, t.c.id))
            return [Transfer(**row) for row in rows.mappings()]

    def register_community(self, member_id: int, community: UnitRef, *, on: dt.date | str | None = None,
                           channel: str | None = None) -> CommunityRegistration:
        """双报到: an in-service member reports to the community where they live."""
        with self.community.transaction() as tx:
            member = self._get(tx.conn, member_id)
            if not member.in_service:
                raise Conflict(f"member {member_id} is not an in-service member (在职党员); only they register "
                               "with their residential community")
            unit = resolve(tx.conn, community)
            when = tx.today if on is None else parse_date(on)
            r = member_tables.registrations
            rid = tx.conn.execute(insert(r).values(member_id=member_id, community_unit_id=unit.id,
                                                   reported_on=when, channel=channel)).inserted_primary_key[0]  # type: ignore[index]
            reg = CommunityRegistration(id=rid, member_id=member_id, community_unit_id=unit.id,
                                        reported_on=when, channel=channel)
            tx.record("member.register", "member", member_id, after=reg)
            return reg

    def registrations(
        self, member_id: int | None = None, community: UnitRef | None = None
    ) -> builtins.list[CommunityRegistration]:
        """双报到 records, of one member or one community."""
        r = member_tables.registrations
        with self.community.reading() as conn:
            query = select(r).order_by(r.c.reported_on, r.c.id)
            if member_id is not None:
                query = query.where(r.c.member_id == member_id)
            if community is not None:
                query = query.where(r.c.community_unit_id == resolve(conn, community).id)
            return [CommunityRegistration(**row) for row in conn.execute(query).mappings()]

    def due_confirmation(
        self, unit: UnitRef | None = None, *, on: dt.date | None = None
    ) -> builtins.list[DueConfirmation]:
        """Probationary members whose one-year probation has ended by ``on`` (today): 转正 is due."""
        today = on or self.community.clock.today()
        m = member_tables.members
        # Anyone who joined on or before this day a year ago is due; the exact date is checked in Python
        # so that 29 February is handled once, in probation_end.
        latest = dt.date(today.year - 1, today.month, min(today.day, 28)) + dt.timedelta(days=3)
        with self.community.reading() as conn:
            query = (select(m).where(m.c.category == Category.PROBATIONARY.value, m.c.join_date.is_not(None),
                                     m.c.join_date <= latest).order_by(m.c.join_date, m.c.id))
            if unit is not None:
                query = query.where(m.c.unit_id.in_(self._unit_ids(conn, unit, True)))
            out = []
            for row in conn.execute(query).mappings():
                member = member_from_row(row)
                end = probation_end(member.join_date)  # type: ignore[arg-type]
                if end <= today:
                    out.append(DueConfirmation(member, end))
            return out

    def confirm(self, member_id: int, *, on: dt.date | str | None = None) -> Member:
        """转正: make a probationary member a full member from ``on`` (today)."""
        with self.community.transaction() as tx:
            member = self._get(tx.conn, member_id)
            if member.category is not Category.PROBATIONARY:
                raise Conflict(f"member {member_id} is already a full member (正式党员)")
            when = tx.today if on is None else parse_date(on)
            problems = check_member({"join_date": member.join_date, "full_date": when, "category": Category.FULL})
            if problems:
                raise RejectedInput(problems, source=f"member {member_id}")
            tx.conn.execute(update(member_tables.members).where(member_tables.members.c.id == member_id)
                            .values(category=Category.FULL.value, full_date=when))
            rollup.refresh(tx.conn, [member.unit_id])
            after = attrs.evolve(member, category=Category.FULL, full_date=when)
            tx.record("member.confirm", "member", member_id, before=member, after=after)
            return after

    def import_file(self, path: str | os.PathLike[str], *,
                    progress: Callable[[int], None] | None = None) -> int:
        """Import members from ``.csv`` or ``.xlsx``: all rows or none. Returns the number imported."""
        from communitycore.io.member_import import import_members

        return import_members(self.community, path, progress=progress)

    # Helpers ---------------------------------------------------------------------------------

    def _get(self, conn: Connection, member_id: int) -> Member:
        m = member_tables.members
        row = conn.execute(select(m).where(m.c.id == int(member_id))).mappings().first()
        if row is None:
            raise NotFound(f"there is no member with id {member_id}")
        return member_from_row(row)

    @staticmethod
    def _check_unique_id_number(conn: Connection, id_number: str | None) -> None:
        if id_number is None:
            return
        m = member_tables.members
        other = conn.scalar(select(m.c.id).where(m.c.id_number == id_number))
        if other is not None:
            raise Conflict(f"another member (id {other}) has the same 公民身份号码")

    @staticmethod
    def _unit_ids(conn: Connection, unit: UnitRef, recursive: bool) -> builtins.list[int]:
        root = resolve(conn, unit).id
        return subtree_ids(conn, root) if recursive else [root]
