"""``community.members``: Party members, their lifecycle, transfers, 双报到, confirmation, import and export.

The lifecycle: :meth:`MembersAPI.add`, :meth:`~MembersAPI.update` (a correction, with the same
checks as an add), :meth:`~MembersAPI.extend_probation` (延长预备期), :meth:`~MembersAPI.confirm`
(转正), :meth:`~MembersAPI.remove` (死亡, 出党, 停止党籍, 转出 or 错误录入: the record stays with
its history and leaves the active lists) and :meth:`~MembersAPI.restore` (a removal undone). Only
a record entered by mistake may be deleted, with ``remove(..., purge=True)``; its audit trail stays.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from sqlalchemy import Connection, delete, func, insert, or_, select, update

from communitycore.domain.fields import MAX_ID, UNCHANGED, Keep, clean_text, nfkc
from communitycore.domain.identity import fast_check, normalize_phone
from communitycore.domain.members import (
    CHANNEL_LIMIT,
    DESTINATION_LIMIT,
    LIFECYCLE_FIELDS,
    NAME_LIMIT,
    REASON_LIMIT,
    Category,
    CommunityRegistration,
    Education,
    Gender,
    Member,
    MemberStatus,
    Post,
    RemovalReason,
    Standing,
    Transfer,
    check_extension,
    check_member,
    check_removal,
    parse_date,
    parse_member,
    parse_past_date,
    probation_end,
)
from communitycore.errors import Conflict, InvalidValue, NotFound, RejectedInput
from communitycore.i18n import _
from communitycore.sdk.base import SubAPI, check_page, known_id, paged, wanted_ids
from communitycore.store import locks, rollup
from communitycore.store.members import member_from_row, member_row
from communitycore.store.scope import Scope
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.units import UnitRef, resolve, subtree_query

if TYPE_CHECKING:
    from communitycore.sdk.community import Tx

#: A date parameter: a ``date`` or text as :func:`~communitycore.domain.members.parse_date` reads it.
DateLike = dt.date | str
#: Which members a listing shows: a status (``active``, ``removed``), or None for all.
StatusFilter = str | MemberStatus | None
#: How many members :meth:`MembersAPI.list` returns unless told otherwise.
DEFAULT_LIMIT = 100


class MemberPage(builtins.list[Member]):
    """One page of a member listing: the members, in id order, and where the next page starts.

    ``next_after`` is the id to pass as ``after=`` for the next page, or None on the last page.
    """

    next_after: int | None = None


@attrs.frozen
class DueConfirmation:
    """A probationary member whose probation (with any extension) is over."""

    member: Member
    probation_ended: dt.date


class MembersAPI(SubAPI):
    """Party members (党员)."""

    @staticmethod
    def write_template(path: str | os.PathLike[str], *, lang: str = "zh") -> Path:
        """Write a member import template (``.csv`` or ``.xlsx``): see :mod:`communitycore.io.templates`.

        :raises InvalidValue: ``lang`` is neither ``zh`` nor ``en``, or the file is neither ``.csv`` nor ``.xlsx``.
        """
        from communitycore.io.templates import write_template

        return write_template(path, lang=lang)

    @staticmethod
    def estimate_rows(path: str | os.PathLike[str]) -> int | None:
        """Data rows in a member file, cheaply (see ``communitycore.io.sheets.estimate_rows``)."""
        from communitycore.io.sheets import estimate_rows

        return estimate_rows(path)

    # Adding and correcting ---------------------------------------------------------------------

    def add(
        self,
        name: str,
        unit: UnitRef,
        *,
        gender: str | Gender | None = None,
        ethnicity: str | None = None,
        birth_date: DateLike | None = None,
        id_number: str | None = None,
        phone: str | None = None,
        education: str | Education | None = None,
        join_date: DateLike | None = None,
        full_date: DateLike | None = None,
        category: str | Category | None = None,
        standing: str | Standing | None = None,
        post: str | Post | None = None,
        employer: str | None = None,
        in_service: bool | str | None = None,
    ) -> Member:
        """Add a member to ``unit`` (an id, a path or an :class:`~communitycore.domain.org.OrgUnit`).

        Codes take their code, label or an alias (``"男"``, ``"本科"``, ``"预备"``); dates a
        ``date`` or text (``2023-07-01``, ``2023年7月1日`` ...). A 公民身份号码 is checked (GB 11643)
        and must agree with the birth date and gender given; when they are left out they are taken
        from it. The rules are the import's: no date in the future, 18 or older at joining, a
        full-member date not before the end of probation.

        :raises RejectedInput: a field is bad; ``problems`` names each.
        :raises NotFound: there is no such unit.
        :raises Conflict: another member has the same 公民身份号码.
        :raises PermissionDenied: the actor may not add members on that unit.
        """
        raw = {"name": name, "unit": unit, "gender": gender, "ethnicity": ethnicity, "birth_date": birth_date,
               "id_number": id_number, "phone": phone, "education": education, "join_date": join_date,
               "full_date": full_date, "category": category, "standing": standing, "post": post,
               "employer": employer, "in_service": in_service}
        values, problems = parse_member({k: v for k, v in raw.items() if v is not None},
                                        today=self.community.clock.today())
        if problems:
            raise RejectedInput(problems, source=_("member"))
        with self.community.transaction() as tx:
            return self._add(tx, values)

    def _add(self, tx: Tx, values: dict[str, Any]) -> Member:
        """Insert a member from parsed ``values`` in ``tx`` (also how recruitment admits a candidate)."""
        unit_id = resolve(tx.conn, values["unit"]).id
        self._authorize(tx.conn, "member.add", unit_id)
        if not locks.lock_rows(tx.conn, org_tables.units, [unit_id], shared=True):  # not removed meanwhile
            raise NotFound(_("unit {unit} was removed by someone else meanwhile").format(unit=unit_id),
                           entity="unit", key=unit_id)
        row = member_row(values, unit_id)
        self._check_unique_id_number(tx.conn, row["id_number"])
        member_id = tx.conn.execute(insert(member_tables.members).values(**row)).inserted_primary_key[0]  # type: ignore[index]
        rollup.change(tx.conn, plus=rollup.shares(tx.conn, [member_id]))
        member = Member(id=member_id, **{k: v for k, v in values.items() if k != "unit"}, unit_id=unit_id)
        tx.record("member.add", "member", member_id, after=member)
        return member

    def update(
        self,
        member_id: int,
        *,
        name: str | Keep = UNCHANGED,
        gender: str | Gender | Keep | None = UNCHANGED,
        ethnicity: str | Keep | None = UNCHANGED,
        birth_date: DateLike | Keep | None = UNCHANGED,
        id_number: str | Keep | None = UNCHANGED,
        phone: str | Keep | None = UNCHANGED,
        education: str | Education | Keep | None = UNCHANGED,
        join_date: DateLike | Keep | None = UNCHANGED,
        full_date: DateLike | Keep | None = UNCHANGED,
        category: str | Category | Keep | None = UNCHANGED,
        standing: str | Standing | Keep | None = UNCHANGED,
        post: str | Post | Keep | None = UNCHANGED,
        employer: str | Keep | None = UNCHANGED,
        in_service: bool | str | Keep | None = UNCHANGED,
    ) -> Member:
        """Correct a member's record, with the same checks as :meth:`add`.

        A field left out (:data:`~communitycore.domain.fields.UNCHANGED`) keeps its value; ``None``
        clears it. The unit changes through :meth:`transfer`, the category to 正式 through
        :meth:`confirm` (or here, as a correction, with the same rules). A removed member's record
        may be corrected too; it stays removed.

        :raises RejectedInput: a field is bad, or the corrected record breaks a rule.
        :raises NotFound: there is no such member.
        :raises Conflict: another member has the same 公民身份号码.
        :raises PermissionDenied: the actor may not change members on the member's unit.
        """
        given = {"name": name, "gender": gender, "ethnicity": ethnicity, "birth_date": birth_date,
                 "id_number": id_number, "phone": phone, "education": education, "join_date": join_date,
                 "full_date": full_date, "category": category, "standing": standing, "post": post,
                 "employer": employer, "in_service": in_service}
        changes = {k: v for k, v in given.items() if v is not UNCHANGED}
        if not changes:
            raise InvalidValue(_("nothing to change: give at least one field"))
        with self.community.transaction() as tx:
            member_id = _member_id(member_id)
            locks.lock_rows(tx.conn, member_tables.members, [member_id])
            before = self._get(tx.conn, member_id)
            self._authorize(tx.conn, "member.update", before.unit_id)
            current = {k: getattr(before, k) for k in attrs.fields_dict(Member)
                       if k not in ("id", "unit_id", *LIFECYCLE_FIELDS)}
            merged = {**{k: v for k, v in current.items() if v is not None}, **changes, "unit": before.unit_id}
            values, problems = parse_member({k: v for k, v in merged.items() if v is not None}, today=tx.today,
                                            probation_extension_months=before.probation_extension_months)
            if problems:
                raise RejectedInput(problems, source=_("member {id}").format(id=member_id))
            row = {k: v for k, v in member_row(values, before.unit_id).items() if k not in LIFECYCLE_FIELDS}
            if row["id_number"] != before.id_number:
                self._check_unique_id_number(tx.conn, row["id_number"])
            old_share = rollup.shares(tx.conn, [before.id])
            tx.conn.execute(update(member_tables.members).where(member_tables.members.c.id == member_id).values(**row))
            rollup.change(tx.conn, plus=rollup.shares(tx.conn, [before.id]), minus=old_share)
            after = self._get(tx.conn, member_id)
            tx.record("member.update", "member", member_id, before=before, after=after)
            return after

    # Leaving the roll and coming back ----------------------------------------------------------

    def remove(
        self,
        member_id: int,
        *,
        reason: str | RemovalReason,
        on: DateLike | None = None,
        to: str | None = None,
        note: str | None = None,
        purge: bool = False,
    ) -> Member:
        """Take a member off the roll, keeping the record and its history; returns the removed record.

        :param reason: ``death`` (死亡), ``expelled`` (出党), ``membership-stopped`` (停止党籍),
            ``transferred-out`` (转出) or ``mistaken-entry`` (错误录入), by code or label.
        :param on: the date they left (default today; not in the future, not before joining).
        :param to: for ``transferred-out``: the receiving organization, outside this database.
        :param note: kept in the audit entry.
        :param purge: delete the record (and its transfers and 双报到 records) instead of keeping
            it: only for a record entered by mistake. Its audit trail stays. A record already
            removed as ``mistaken-entry`` may be purged later the same way.

        :raises InvalidValue: an unknown reason, or a purge of a record that was not a mistake.
        :raises RejectedInput: the date or the receiving organization is wrong.
        :raises Conflict: the member was removed already.
        :raises NotFound: there is no such member.
        :raises PermissionDenied: the actor may not remove members on the member's unit.
        """
        parsed = RemovalReason.parse(reason)
        destination = clean_text(to, DESTINATION_LIMIT)
        remark = clean_text(note, REASON_LIMIT)
        if purge and parsed is not RemovalReason.MISTAKEN_ENTRY:
            raise InvalidValue(_("only a record entered by mistake (错误录入, mistaken-entry) may be deleted; a member "
                                 "who left for another reason keeps their record and history"))
        with self.community.transaction() as tx:
            member_id = _member_id(member_id)
            locks.lock_rows(tx.conn, member_tables.members, [member_id])
            member = self._get(tx.conn, member_id)
            self._authorize(tx.conn, "member.remove", member.unit_id)
            if member.removed:
                if purge and member.removal_reason is RemovalReason.MISTAKEN_ENTRY:
                    self._purge(tx, member, remark)
                    return member
                raise Conflict(_("member {id} was already removed on {on} ({reason}); restore them first to change "
                                 "that").format(id=member_id, on=member.removed_on, reason=_reason_label(member)))
            when = tx.today if on is None else parse_date(on)
            problems = check_removal(status=MemberStatus.REMOVED, removed_on=when, reason=parsed,
                                     removed_to=destination, join_date=member.join_date,
                                     birth_date=member.birth_date, today=tx.today)
            if problems:
                raise RejectedInput(problems, source=_("member {id}").format(id=member_id))
            removed = attrs.evolve(member, status=MemberStatus.REMOVED, removed_on=when, removal_reason=parsed,
                                   removed_to=destination)
            if purge:
                self._purge(tx, removed, remark)
                return removed
            m = member_tables.members
            old_share = rollup.shares(tx.conn, [member.id])
            tx.conn.execute(update(m).where(m.c.id == member_id).values(
                status=MemberStatus.REMOVED.value, removed_on=when, removal_reason=parsed.value,
                removed_to=destination))
            rollup.change(tx.conn, minus=old_share)
            tx.record("member.remove", "member", member_id, before=member, after=removed, note=remark,
                      data={"reason": parsed.value, "unit_id": member.unit_id})
            return removed

    def restore(self, member_id: int, *, note: str | None = None) -> Member:
        """Put a removed member back on the roll (a removal made in error); the removal stays in the audit trail.

        :raises Conflict: the member is on the roll.
        :raises NotFound: there is no such member (a purged record cannot be restored).
        :raises PermissionDenied: the actor may not remove (and restore) members on the member's unit.
        """
        remark = clean_text(note, REASON_LIMIT)
        with self.community.transaction() as tx:
            member_id = _member_id(member_id)
            locks.lock_rows(tx.conn, member_tables.members, [member_id])
            member = self._get(tx.conn, member_id)
            self._authorize(tx.conn, "member.remove", member.unit_id)
            if not member.removed:
                raise Conflict(_("member {id} is on the roll; only a removed member can be restored").format(
                    id=member_id))
            m = member_tables.members
            tx.conn.execute(update(m).where(m.c.id == member_id).values(
                status=MemberStatus.ACTIVE.value, removed_on=None, removal_reason=None, removed_to=None))
            rollup.change(tx.conn, plus=rollup.shares(tx.conn, [member.id]))
            restored = attrs.evolve(member, status=MemberStatus.ACTIVE, removed_on=None, removal_reason=None,
                                    removed_to=None)
            tx.record("member.restore", "member", member_id, before=member, after=restored, note=remark)
            return restored

    def _purge(self, tx: Any, member: Member, note: str | None) -> None:
        """Delete a mistaken record and what hangs off it; the audit trail keeps its entries."""
        m, t, r = member_tables.members, member_tables.transfers, member_tables.registrations
        old_share = rollup.shares(tx.conn, [member.id])  # nothing when it was removed first
        tx.conn.execute(delete(t).where(t.c.member_id == member.id))
        tx.conn.execute(delete(r).where(r.c.member_id == member.id))
        tx.conn.execute(delete(m).where(m.c.id == member.id))
        rollup.change(tx.conn, minus=old_share)
        tx.record("member.delete", "member", member.id, before=member, note=note,
                  data={"reason": RemovalReason.MISTAKEN_ENTRY.value, "unit_id": member.unit_id})

    def extend_probation(self, member_id: int, *, months: int | str, note: str | None = None) -> Member:
        """延长预备期: extend a 预备党员's probation once, by 6 to 12 months; the 转正 date moves with it.

        :raises InvalidValue: not a 预备党员, extended already, or months outside 6 to 12.
        :raises Conflict: the member has been removed.
        :raises NotFound: there is no such member.
        :raises PermissionDenied: the actor may not change members on the member's unit.
        """
        remark = clean_text(note, REASON_LIMIT)
        with self.community.transaction() as tx:
            member_id = _member_id(member_id)
            member = self._get(tx.conn, member_id)
            self._authorize(tx.conn, "member.update", member.unit_id)
            self._check_on_roll(member)
            extension = check_extension(months, category=member.category, already=member.probation_extension_months)
            m = member_tables.members
            tx.conn.execute(update(m).where(m.c.id == member_id).values(probation_extension_months=extension))
            after = attrs.evolve(member, probation_extension_months=extension)
            tx.record("member.extend-probation", "member", member_id, before=member, after=after, note=remark,
                      data={"months": extension, "probation_end": after.probation_end})
            return after

    # Reading -------------------------------------------------------------------------------------

    def get(self, member_id: int) -> Member:
        """One member by id, on the roll or removed (unmasked: masking is for display).

        :raises NotFound: there is no such member.
        :raises PermissionDenied: the actor may not read members on the member's unit.
        """
        with self.community.reading() as conn:
            member = self._get(conn, member_id)
            self._authorize(conn, "member.read", member.unit_id)
            return member

    def reveal(self, member_id: int, reason: str | None = None) -> Member:
        """One member, recording in the audit trail that their personal data was shown and why.

        :raises InvalidValue: no reason was given while the config requires one
            (``[privacy] reveal_requires_reason``, on by default).
        :raises NotFound: there is no such member.
        :raises PermissionDenied: the actor may not see members' personal data on the member's unit.
        """
        return self.reveal_many([member_id], reason)[0]

    def reveal_many(self, member_ids: Iterable[int], reason: str | None = None) -> builtins.list[Member]:
        """Several members, in the given order: one query, and one ``member.reveal`` audit entry for them all.

        The entry names the member when there is one (``entity_id``); for several it holds their
        number and ids (``after = {"count": n, "ids": [...]}``), so a page of a listing costs one
        entry, not one per member.

        :raises InvalidValue: no reason was given while the config requires one.
        :raises NotFound: one of the members does not exist.
        :raises PermissionDenied: the actor may not see members' personal data on one of the members' units.
        """
        why = self.reveal_reason(reason)
        ids = [_member_id(i) for i in member_ids]
        m = member_tables.members
        with self.community.transaction() as tx:
            found = {row["id"]: member_from_row(row)
                     for row in tx.conn.execute(select(m).where(m.c.id.in_(sorted(set(ids))))).mappings()}
            missing = [i for i in ids if i not in found]
            if missing:
                raise _no_member(missing[0])
            self._authorize_each(tx.conn, "member.reveal", sorted({found[i].unit_id for i in ids}))
            unique = sorted(set(ids))
            if len(unique) == 1:
                tx.record("member.reveal", "member", unique[0], note=why)
            elif unique:
                tx.record("member.reveal", "member", None, note=why, after={"count": len(unique), "ids": unique},
                          data={"count": len(unique), "ids": unique})
            return [found[i] for i in ids]

    def reveal_reason(self, reason: str | None) -> str | None:
        """The reason for showing personal data, checked: required unless the config says otherwise.

        :raises InvalidValue: no reason while ``[privacy] reveal_requires_reason`` is on.
        """
        why = clean_text(reason, REASON_LIMIT)
        if why is None and self.community.config.privacy.reveal_requires_reason:
            raise InvalidValue(_("showing personal data needs a reason, kept in the audit trail (--reason, "
                                 "reason=); a single-user install may turn this off with "
                                 "[privacy] reveal_requires_reason = false"))
        return why

    def list(
        self,
        unit: UnitRef | None = None,
        *,
        recursive: bool = True,
        category: str | Category | None = None,
        status: StatusFilter = MemberStatus.ACTIVE,
        limit: int | None = DEFAULT_LIMIT,
        after: int | None = None,
        offset: int = 0,
        ids: Iterable[int] | None = None,
    ) -> MemberPage:
        """One page of members by id: by default those on the roll, optionally of one unit (and
        its subtree unless ``recursive=False``), optionally only those of ``ids`` (one query for a
        few hundred named members). ``status="removed"`` lists the removed, ``None`` everyone.

        At most ``limit`` members (:data:`DEFAULT_LIMIT`; ``None``: all). ``after`` is a keyset
        cursor: only members with a greater id, so the next page is ``after=page.next_after``
        (None on the last page); unlike an offset, a page costs the same however deep it is.
        A subtree is read through the units' path index.

        :raises InvalidValue: an unknown category or status; a limit or offset that is not a whole
            number from 0 to ``MAX_ID``, or an ``after`` that is not an id.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read members on ``unit``, or on any unit.
        """
        check_page(limit, offset, after=after)
        m = member_tables.members
        with self.community.reading() as conn:
            scope = self._scope(conn, "member.read")
            query = select(m).where(scope.clause(m.c.unit_id)).order_by(m.c.id)
            if unit is not None:
                query = self._in_unit(conn, query, unit, recursive)
            if category is not None:
                query = query.where(m.c.category == Category.parse(category).value)
            if ids is not None:
                query = query.where(m.c.id.in_(wanted_ids("ids", ids)))
            query = _with_status(query, status)
            # One more than the page: is there a next one?
            query = paged(query, m.c.id, limit=None if limit is None else min(limit, MAX_ID - 1) + 1, after=after,
                          offset=offset)
            page = MemberPage(member_from_row(row) for row in conn.execute(query).mappings())
            if limit is not None and len(page) > limit:
                del page[limit:]
                page.next_after = page[-1].id if page else None
            return page

    def count(self, unit: UnitRef | None = None, *, recursive: bool = True,
              status: StatusFilter = MemberStatus.ACTIVE) -> int:
        """Number of members (on the roll by default; of one unit's subtree, optionally).

        :raises InvalidValue: an unknown status, or ``unit`` is neither a unit id nor a path.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read members on ``unit``, or on any unit.
        """
        m = member_tables.members
        with self.community.reading() as conn:
            query = _with_status(select(func.count()).select_from(m), status).where(
                self._scope(conn, "member.read").clause(m.c.unit_id))
            if unit is not None:
                query = self._in_unit(conn, query, unit, recursive)
            return int(conn.scalar(query) or 0)

    def search(self, text: str, *, unit: UnitRef | None = None, status: StatusFilter = MemberStatus.ACTIVE,
               limit: int | None = 50, after: int | None = None) -> builtins.list[Member]:
        """Members whose name contains ``text``, or whose 公民身份号码 or phone is ``text``, by id.

        An ID number or a phone number matches whole (spaces, dashes and full-width digits
        allowed), or by its last four characters, which the masked display shows anyway: a search
        never tells more about a number than the listing does.

        At most ``limit`` members (50; ``None``: all); ``after`` is a keyset cursor: only members
        with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: the text is empty or holds characters no name holds; an unknown
            status; a limit that is not a whole number from 0 to ``MAX_ID``, or an ``after`` that is not an id.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read members on that unit, or on any unit.
        """
        check_page(limit, after=after)
        wanted = clean_text(text, NAME_LIMIT, required=True)
        assert wanted is not None
        m = member_tables.members
        conditions = [m.c.name.contains(wanted, autoescape=True)]
        compact = nfkc(wanted).replace(" ", "").replace("-", "").upper()
        if len(compact) == 18 and fast_check(compact, today=self.community.clock.today()) is None:
            conditions.append(m.c.id_number == compact)
        with contextlib.suppress(InvalidValue):
            conditions.append(m.c.phone == normalize_phone(nfkc(wanted)))
        if len(compact) == 4 and compact[:3].isdigit() and (compact[3].isdigit() or compact[3] == "X"):
            conditions.append(m.c.id_number.endswith(compact, autoescape=True))
            if compact.isdigit():
                conditions.append(m.c.phone.endswith(compact, autoescape=True))
        with self.community.reading() as conn:
            query = _with_status(select(m).where(or_(*conditions), self._scope(conn, "member.read").clause(m.c.unit_id))
                                 .order_by(m.c.id), status)
            if unit is not None:
                query = self._in_unit(conn, query, unit, True)
            query = paged(query, m.c.id, limit=limit, after=after)
            return [member_from_row(row) for row in conn.execute(query).mappings()]

    # Transfers and 双报到 ---------------------------------------------------------------------------

    def transfer(self, member_id: int, to_unit: UnitRef, *, on: DateLike | None = None,
                 reason: str | None = None) -> Transfer:
        """Move a member's organizational relationship (组织关系转接); the history is kept.

        To an organization outside this database, :meth:`remove` with ``transferred-out``.

        :raises InvalidValue: ``on`` is not a date, or is in the future.
        :raises Conflict: the member is already in that unit, or has been removed.
        :raises NotFound: there is no such member or unit.
        :raises PermissionDenied: the actor may not transfer members on the member's unit or on the receiving unit.
        """
        why = clean_text(reason, REASON_LIMIT)
        with self.community.transaction() as tx:
            member_id = _member_id(member_id)
            locks.lock_rows(tx.conn, member_tables.members, [member_id])  # first: then its unit is current
            member = self._get(tx.conn, member_id)
            self._check_on_roll(member)
            target = resolve(tx.conn, to_unit)
            self._authorize(tx.conn, "member.transfer", member.unit_id)
            self._authorize(tx.conn, "member.transfer", target.id)
            if not locks.lock_rows(tx.conn, org_tables.units, [target.id], shared=True):  # not removed meanwhile
                raise NotFound(_("unit {unit} was removed by someone else meanwhile").format(unit=target.id),
                               entity="unit", key=target.id)
            if target.id == member.unit_id:
                raise Conflict(_("member {id} already belongs to unit {unit}").format(id=member_id, unit=target.id))
            when = tx.today if on is None else parse_past_date(on, tx.today)
            t = member_tables.transfers
            last = tx.conn.scalar(select(func.max(t.c.transferred_on)).where(t.c.member_id == member_id))
            _check_after(when, (member.birth_date, _("the birth date")), (member.join_date, _("the join date")),
                         (last, _("the member's last transfer")))
            tid = tx.conn.execute(insert(t).values(
                member_id=member_id, from_unit_id=member.unit_id, to_unit_id=target.id,
                transferred_on=when, reason=why)).inserted_primary_key[0]  # type: ignore[index]
            m = member_tables.members
            old_share = rollup.shares(tx.conn, [member.id])
            tx.conn.execute(update(m).where(m.c.id == member_id).values(unit_id=target.id))
            rollup.change(tx.conn, plus=rollup.shares(tx.conn, [member.id]), minus=old_share)
            transfer = Transfer(id=tid, member_id=member_id, from_unit_id=member.unit_id, to_unit_id=target.id,
                                transferred_on=when, reason=why)
            tx.record("member.transfer", "member", member_id, before={"unit_id": member.unit_id},
                      after={"unit_id": target.id},
                      data={"from_unit_id": member.unit_id, "to_unit_id": target.id})
            return transfer

    def transfers(self, member_id: int) -> builtins.list[Transfer]:
        """A member's transfer history, oldest first.

        :raises NotFound: there is no such member.
        :raises PermissionDenied: the actor may not read members on the member's unit.
        """
        t = member_tables.transfers
        with self.community.reading() as conn:
            self._authorize(conn, "member.read", self._get(conn, member_id).unit_id)
            rows = conn.execute(select(t).where(t.c.member_id == member_id).order_by(t.c.transferred_on, t.c.id))
            return [Transfer(**row) for row in rows.mappings()]

    def register_community(self, member_id: int, community: UnitRef, *, on: DateLike | None = None,
                           channel: str | None = None) -> CommunityRegistration:
        """双报到: an in-service member reports to the community where they live.

        :raises InvalidValue: ``on`` is not a date, or is in the future.
        :raises Conflict: the member is not in service, or has been removed.
        :raises NotFound: there is no such member or unit.
        :raises PermissionDenied: the actor may not change members on the member's unit.
        """
        how = clean_text(channel, CHANNEL_LIMIT)
        with self.community.transaction() as tx:
            member = self._get(tx.conn, member_id)
            self._authorize(tx.conn, "member.update", member.unit_id)
            self._check_on_roll(member)
            if not member.in_service:
                raise Conflict(_("member {id} is not an in-service member (在职党员); only they register with their "
                                 "residential community").format(id=member_id))
            unit = resolve(tx.conn, community)
            when = tx.today if on is None else parse_past_date(on, tx.today)
            r = member_tables.registrations
            rid = tx.conn.execute(insert(r).values(member_id=member_id, community_unit_id=unit.id,
                                                   reported_on=when, channel=how)).inserted_primary_key[0]  # type: ignore[index]
            reg = CommunityRegistration(id=rid, member_id=member_id, community_unit_id=unit.id,
                                        reported_on=when, channel=how)
            tx.record("member.register", "member", member_id, after=reg)
            return reg

    def registrations(
        self, member_id: int | None = None, community: UnitRef | None = None
    ) -> builtins.list[CommunityRegistration]:
        """双报到 records, of one member or one community.

        :raises InvalidValue: ``member_id`` is not an id, or ``community`` is neither a unit id nor a path.
        :raises NotFound: there is no such community unit.
        :raises PermissionDenied: the actor may not read members on any unit.
        """
        r = member_tables.registrations
        with self.community.reading() as conn:
            m = member_tables.members
            scope = self._scope(conn, "member.read")
            query = select(r).where(r.c.member_id.in_(select(m.c.id).where(scope.clause(m.c.unit_id)))).order_by(
                r.c.reported_on, r.c.id)
            if member_id is not None:
                query = query.where(r.c.member_id.in_(wanted_ids("member_id", [member_id])))
            if community is not None:
                query = query.where(r.c.community_unit_id == resolve(conn, community).id)
            return [CommunityRegistration(**row) for row in conn.execute(query).mappings()]

    # 转正 -------------------------------------------------------------------------------------------

    def due_confirmation(
        self, unit: UnitRef | None = None, *, on: DateLike | None = None, limit: int | None = None,
        offset: int = 0,
    ) -> builtins.list[DueConfirmation]:
        """Probationary members on the roll whose probation (plus any extension) has ended by ``on``
        (today): 转正 is due. By join date, then id.

        At most ``limit`` of them (default ``None``: all), past the first ``offset``; the reading
        stops once the page is full.

        :raises InvalidValue: ``unit`` is neither a unit id nor a path; ``on`` is not a date; a limit
            or offset that is not a whole number from 0 to ``MAX_ID``.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not read members on ``unit``, or on any unit.
        """
        check_page(limit, offset)
        today = self.community.clock.today() if on is None else parse_date(on)
        m = member_tables.members
        # Anyone who joined on or before this day a year ago may be due; the exact date (extensions,
        # 29 February) is checked in Python, in probation_end.
        latest = dt.date(today.year - 1, today.month, min(today.day, 28)) + dt.timedelta(days=3)
        with self.community.reading() as conn:
            query = (select(m).where(m.c.category == Category.PROBATIONARY.value, m.c.join_date.is_not(None),
                                     m.c.join_date <= latest, m.c.status == MemberStatus.ACTIVE.value)
                     .where(self._scope(conn, "member.read").clause(m.c.unit_id)).order_by(m.c.join_date, m.c.id))
            if unit is not None:
                query = self._in_unit(conn, query, unit, True)
            out: builtins.list[DueConfirmation] = []
            skip = offset
            for row in conn.execute(query).mappings():
                if limit is not None and len(out) >= limit:
                    break
                member = member_from_row(row)
                end = probation_end(member.join_date, member.probation_extension_months or 0)  # type: ignore[arg-type]
                if end > today:
                    continue
                if skip:
                    skip -= 1
                    continue
                out.append(DueConfirmation(member, end))
            return out

    def confirm(self, member_id: int, *, on: DateLike | None = None) -> Member:
        """转正: make a probationary member a full member from ``on``.

        ``on`` defaults to the day probation ends (a year after joining, plus any extension), not
        to today. The full-member date may not be before that day, nor in the future.

        :raises Conflict: the member is a full member already, has been removed, or their
            probation has not ended yet (the message names the earliest date).
        :raises RejectedInput: ``on`` is before the end of probation or in the future.
        :raises NotFound: there is no such member.
        :raises PermissionDenied: the actor may not confirm members on the member's unit.
        """
        with self.community.transaction() as tx:
            return self._confirm(tx, member_id, on)

    def _confirm(self, tx: Tx, member_id: int, on: DateLike | None) -> Member:
        """转正 in ``tx`` (also how recruitment's confirmation approval confirms a member)."""
        member_id = _member_id(member_id)
        locks.lock_rows(tx.conn, member_tables.members, [member_id])
        member = self._get(tx.conn, member_id)
        self._authorize(tx.conn, "member.confirm", member.unit_id)
        self._check_on_roll(member)
        if member.category is not Category.PROBATIONARY:
            raise Conflict(_("member {id} is already a full member (正式党员)").format(id=member_id))
        end = member.probation_end
        if on is None and end is not None and end > tx.today:
            raise Conflict(_("member {id}'s probation ends on {end}: the earliest full-member date is {end}, "
                             "after today ({today})").format(id=member_id, end=end.isoformat(),
                                                             today=tx.today.isoformat()))
        when = (end or tx.today) if on is None else parse_date(on)
        problems = check_member({"join_date": member.join_date, "full_date": when, "category": Category.FULL,
                                 "probation_extension_months": member.probation_extension_months},
                                today=tx.today)
        if problems:
            raise RejectedInput(problems, source=_("member {id}").format(id=member_id))
        old_share = rollup.shares(tx.conn, [member.id])
        tx.conn.execute(update(member_tables.members).where(member_tables.members.c.id == member_id)
                        .values(category=Category.FULL.value, full_date=when))
        rollup.change(tx.conn, plus=rollup.shares(tx.conn, [member.id]), minus=old_share)
        after = attrs.evolve(member, category=Category.FULL, full_date=when)
        tx.record("member.confirm", "member", member_id, before=member, after=after)
        return after

    # Files -----------------------------------------------------------------------------------------

    def import_file(self, path: str | os.PathLike[str], *, progress: Callable[[int], None] | None = None,
                    sheet: str | None = None, header_row: int | None = None, check: bool = False) -> int:
        """Import members from ``.csv`` or ``.xlsx``: all rows or none. Returns the number of rows.

        :param sheet: the workbook's sheet, by name (default: the first).
        :param header_row: the spreadsheet row holding the headers (default: found, skipping title rows).
        :param check: validate only; nothing is written, and the number of rows that would be
            imported is returned.

        :raises RejectedInput: one or more rows are bad; ``problems`` names each (row, column, reason).
        :raises InvalidValue: the file cannot be read as a spreadsheet.
        :raises PermissionDenied: the actor may not import members on a unit the file names.
        """
        from communitycore.io.member_import import import_members

        return import_members(self.community, path, progress=progress, sheet=sheet, header_row=header_row,
                              check=check, authorize=self._may_import)

    def export(self, path: str | os.PathLike[str], *, unit: UnitRef | None = None, reveal: bool = False,
               reason: str | None = None, status: StatusFilter = MemberStatus.ACTIVE) -> int:
        """Write a roster (花名册) of ``unit``'s subtree (everyone without ``unit``) to ``.xlsx`` or ``.csv``.

        The columns are the import template's, with its Chinese headers, so the file imports
        again. 公民身份号码 and phone numbers are masked unless ``reveal``, which needs a reason
        (see :meth:`reveal_reason`). The export is audited (``member.export``). Returns the number of
        members written.

        :raises InvalidValue: another file type, or ``reveal`` without a required reason.
        :raises NotFound: there is no such unit.
        :raises PermissionDenied: the actor may not export members (and, with ``reveal``, see their personal data) on
            ``unit``, or on any unit.
        """
        from communitycore.io.roster import write_roster

        why = self.reveal_reason(reason) if reveal else clean_text(reason, REASON_LIMIT)
        return write_roster(self.community, path, unit=unit, reveal=reveal, reason=why,
                            status=None if status is None else MemberStatus.parse(status), scope=self._export_scope)

    # Helpers ---------------------------------------------------------------------------------

    def _may_import(self, conn: Connection, unit_ids: Sequence[int]) -> None:
        self._authorize_each(conn, "member.import", unit_ids)

    def _export_scope(self, conn: Connection, root: int | None, reveal: bool) -> Scope:
        """Where a roster may come from: ``member.export`` there, and ``member.reveal`` too when it reveals."""
        actions = ("member.export", "member.reveal") if reveal else ("member.export",)
        for action in actions:
            if root is not None:
                self._authorize(conn, action, root)
        scopes = [self._scope(conn, action) for action in actions]
        if all(s.everything for s in scopes):
            return scopes[0]
        units = frozenset.intersection(*(s.units for s in scopes if not s.everything))
        return Scope(roots=frozenset().union(*(s.roots for s in scopes if not s.everything)) & units, units=units)

    def _get(self, conn: Connection, member_id: int) -> Member:
        m = member_tables.members
        row = conn.execute(select(m).where(m.c.id == _member_id(member_id))).mappings().first()
        if row is None:
            raise _no_member(member_id)
        return member_from_row(row)

    @staticmethod
    def _check_on_roll(member: Member) -> None:
        if member.removed:
            raise Conflict(_("member {id} was removed on {on} ({reason}); restore them first").format(
                id=member.id, on=member.removed_on, reason=_reason_label(member)))

    @staticmethod
    def _check_unique_id_number(conn: Connection, id_number: str | None) -> None:
        if id_number is None:
            return
        m = member_tables.members
        other = conn.scalar(select(m.c.id).where(m.c.id_number == id_number))
        if other is not None:
            raise Conflict(_("another member (id {id}) has the same 公民身份号码").format(id=other), entity="member",
                           key=other)

    def _in_unit(self, conn: Connection, query: Any, unit: UnitRef, recursive: bool) -> Any:
        """``query`` kept to the members of ``unit`` (and its subtree, through the path index), where
        the actor may read members."""
        m = member_tables.members
        root = resolve(conn, unit).id
        self._authorize(conn, "member.read", root)
        return query.where(m.c.unit_id.in_(subtree_query(conn, root)) if recursive else m.c.unit_id == root)


def _no_member(member_id: Any) -> NotFound:
    return NotFound(_("there is no member with id {id}").format(id=member_id), entity="member", key=member_id)


def _member_id(value: Any) -> int:
    """``value`` as a member id; one that is no id (``1.9``, None) or beyond any engine is not found."""
    return known_id(value, lambda: _no_member(value))


def _check_after(day: dt.date, *earlier: tuple[dt.date | None, str]) -> None:
    """Refuse ``day`` for an event of a member's life before one that came first (its date, its words)."""
    for date, what in earlier:
        if date is not None and day < date:
            raise InvalidValue(_("{date} is before {what} ({earlier})").format(
                date=day.isoformat(), what=what, earlier=date.isoformat()))


def _reason_label(member: Member) -> str:
    reason = member.removal_reason
    if reason is None:
        return "-"
    label = reason.zh
    return f"{label}: {member.removed_to}" if member.removed_to else label


def _with_status(query: Any, status: StatusFilter) -> Any:
    if status is None:
        return query
    return query.where(member_tables.members.c.status == MemberStatus.parse(status).value)
