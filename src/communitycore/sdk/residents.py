"""``community.residents``: residents and households, enough for services to find and serve them.

A resident's flags (独居老人, 残疾, 困难家庭 …) are rows of ``cc_resident_flags``, so a listing by
flag is filtered in SQL on every engine, never in Python.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, select, update

from communitycore.domain.fields import UNCHANGED, Keep, clean_text
from communitycore.domain.members import (
    ADDRESS_LIMIT,
    BUILDING_LIMIT,
    REASON_LIMIT,
    ROOM_LIMIT,
    Household,
    Resident,
    ResidentFlag,
    parse_flags,
    parse_phone,
    parse_resident_name,
)
from communitycore.errors import Conflict, InvalidValue, NotFound, bad_field
from communitycore.i18n import _, listing
from communitycore.sdk.base import SubAPI, known_id, paged, wanted_ids
from communitycore.store import locks
from communitycore.store.residents import flags_of
from communitycore.store.scope import Scope
from communitycore.store.tables import activity as activity_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.tables import residents as resident_tables
from communitycore.store.tables import rosters as roster_tables
from communitycore.store.tables import services as service_tables


def _records_naming(conn: Connection, resident_id: int) -> builtins.list[str]:
    """The records that name the resident, counted by kind (``3 service request(s)``); kinds with none left out."""
    q, a, e = service_tables.service_requests, activity_tables.activity, roster_tables.roster_entries
    counts = (
        (_("{count} service request(s)"), select(func.count()).select_from(q).where(q.c.resident_id == resident_id)),
        (_("{count} ledger entry(ies)"), select(func.count()).select_from(a).where(
            a.c.subject_kind == "resident", a.c.subject_id == resident_id)),
        (_("{count} roster entry(ies)"), select(func.count()).select_from(e).where(
            e.c.candidate_kind == "resident", e.c.candidate_id == resident_id)),
    )
    return [words.format(count=count) for words, query in counts if (count := int(conn.scalar(query) or 0))]


def _resident(row: Any, flags: Sequence[str] = ()) -> Resident:
    return Resident(id=row["id"], name=row["name"], household_id=row["household_id"], phone=row["phone"],
                    flags=tuple(ResidentFlag(f) for f in sorted(flags)))


class ResidentsAPI(SubAPI):
    """Residents (居民) and households (住户)."""

    # Households --------------------------------------------------------------------------------

    def add_household(self, compound_id: int | None, *, building: str | None = None, room: str | None = None,
                      address: str | None = None) -> Household:
        """Add a household at an address (compound, building, room).

        :raises NotFound: there is no such compound.
        :raises InvalidValue: a value is too long or holds characters that may not be stored.
        :raises PermissionDenied: the actor may not add residents on the compound's unit.
        """
        values = _household_values(building, room, address)
        compound_id = _compound_id(compound_id)
        with self.community.transaction() as tx:
            self._authorize(tx.conn, "resident.add", _compound_unit(tx.conn, compound_id))
            return self._add_household(tx, compound_id, **values)

    def household_at(self, compound_id: int | None, *, building: str | None = None, room: str | None = None,
                     address: str | None = None) -> Household:
        """The household at this address, added if there is none yet (an import's way to place people).

        :raises NotFound: there is no such compound.
        :raises PermissionDenied: the actor may not add residents on the compound's unit.
        """
        values = _household_values(building, room, address)
        compound_id = _compound_id(compound_id)
        with self.community.transaction() as tx:
            self._authorize(tx.conn, "resident.add", _compound_unit(tx.conn, compound_id))
            found = self._find_household(tx.conn, compound_id, **values)
            return found if found is not None else self._add_household(tx, compound_id, **values)

    def households(self, compound_id: int | None = None, *, limit: int | None = None,
                   after: int | None = None) -> builtins.list[Household]:
        """Households by id, optionally of one compound.

        At most ``limit`` households (default ``None``: all). ``after`` is a keyset cursor: only
        households with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: ``compound_id`` is not an id; a limit that is not a whole number from 0 to
            ``MAX_ID``, or an ``after`` that is not an id.
        :raises PermissionDenied: the actor may not read residents on any unit.
        """
        h = resident_tables.households
        query = paged(select(h).order_by(h.c.id), h.c.id, limit=limit, after=after)
        with self.community.reading() as conn:
            query = _in_scope(query, h.c.id, self._scope(conn, "resident.read"))
            if compound_id is not None:
                query = query.where(h.c.compound_id.in_(wanted_ids("compound_id", [compound_id])))
            return [Household(**row) for row in conn.execute(query).mappings()]

    # Residents ---------------------------------------------------------------------------------

    def add(self, name: str, *, household_id: int | None = None, phone: str | None = None,
            flags: Iterable[str | ResidentFlag] | str = (), compound_id: int | None = None,
            building: str | None = None, room: str | None = None, address: str | None = None) -> Resident:
        """Add a resident, with flags such as ``living-alone-elderly`` (独居老人), by code or label.

        The household is ``household_id``, or the one at the address given by ``compound_id``,
        ``building``, ``room`` and ``address`` (added, in the same transaction, if there is none).

        :raises InvalidValue: a bad name, phone, flag or address; both a household and an address.
        :raises NotFound: there is no such household or compound.
        :raises PermissionDenied: the actor may not add residents on the household's unit.
        """
        cleaned = parse_resident_name(name)
        parsed = parse_flags(flags)
        normalized = parse_phone(phone) if phone else None
        place = _place(household_id, compound_id, building, room, address)
        with self.community.transaction() as tx:
            household_id = self._place_household(tx, household_id, place)
            self._authorize(tx.conn, "resident.add", _household_unit(tx.conn, household_id))
            rid = tx.conn.execute(insert(resident_tables.residents).values(
                name=cleaned, household_id=household_id, phone=normalized)).inserted_primary_key[0]  # type: ignore[index]
            self._set_flags(tx.conn, rid, parsed)
            resident = Resident(id=rid, name=cleaned, household_id=household_id, phone=normalized, flags=parsed)
            tx.record("resident.add", "resident", rid, after=resident)
            return resident

    def household(self, household_id: int) -> Household:
        """One household by id.

        :raises NotFound: there is no such household.
        :raises PermissionDenied: the actor may not read residents on the household's unit.
        """
        h = resident_tables.households
        number = _household_id(household_id)
        with self.community.reading() as conn:
            row = conn.execute(select(h).where(h.c.id == number)).mappings().first()
            if row is None:
                raise _no_household(household_id)
            self._authorize(conn, "resident.read", _household_unit(conn, number))
            return Household(**row)

    def update(
        self,
        resident_id: int,
        *,
        name: str | Keep = UNCHANGED,
        household_id: int | Keep | None = UNCHANGED,
        phone: str | Keep | None = UNCHANGED,
        flags: Iterable[str | ResidentFlag] | str | Keep = UNCHANGED,
        compound_id: int | None = None,
        building: str | None = None,
        room: str | None = None,
        address: str | None = None,
    ) -> Resident:
        """Correct a resident: a field left out keeps its value, ``None`` clears it; ``flags`` replaces them all.

        A new home is ``household_id``, or the household at the address given (as in :meth:`add`).

        :raises InvalidValue: nothing to change, or a bad value.
        :raises NotFound: there is no such resident, household or compound.
        :raises PermissionDenied: the actor may not change residents on the resident's unit.
        """
        place = _place(None if household_id is UNCHANGED else household_id, compound_id, building, room, address)
        if all(v is UNCHANGED for v in (name, household_id, phone, flags)) and place is None:
            raise InvalidValue(_("nothing to change: give at least one field"))
        resident_id = _resident_id(resident_id)
        with self.community.transaction() as tx:
            # Locked before it is read: the audit's "before" is what this change replaced.
            locks.lock_row(tx.conn, resident_tables.residents, resident_id, missing=lambda: _no_resident(resident_id))
            before = self._get(tx.conn, resident_id)
            self._authorize(tx.conn, "resident.update", _household_unit(tx.conn, before.household_id))
            values: dict[str, Any] = {}
            if name is not UNCHANGED:
                values["name"] = parse_resident_name(name)
            if place is not None:
                values["household_id"] = self._place_household(tx, None, place)
            elif household_id is not UNCHANGED:
                values["household_id"] = self._check_household(tx.conn, household_id)
            if "household_id" in values:
                self._authorize(tx.conn, "resident.update", _household_unit(tx.conn, values["household_id"]))
            if phone is not UNCHANGED:
                values["phone"] = parse_phone(phone) if phone else None
            new_flags = before.flags if flags is UNCHANGED else parse_flags(flags)
            r = resident_tables.residents
            if values:
                tx.conn.execute(update(r).where(r.c.id == resident_id).values(**values))
            if new_flags != before.flags:
                tx.conn.execute(delete(resident_tables.resident_flags).where(
                    resident_tables.resident_flags.c.resident_id == resident_id))
                self._set_flags(tx.conn, resident_id, new_flags)
            after = Resident(id=resident_id, name=values.get("name", before.name),
                             household_id=values.get("household_id", before.household_id),
                             phone=values.get("phone", before.phone), flags=new_flags)
            tx.record("resident.update", "resident", resident_id, before=before, after=after)
            return after

    def remove(self, resident_id: int, *, note: str | None = None) -> Resident:
        """Remove a resident (moved away, died); the audit trail keeps what the record held.

        A resident that a service request, a ledger entry or a roster entry names stays: those are
        records of what happened, and they need the resident they name (decision 0031).

        :raises Conflict: a record still names the resident.
        :raises NotFound: there is no such resident.
        :raises PermissionDenied: the actor may not remove residents on the resident's unit.
        """
        remark = clean_text(note, REASON_LIMIT)
        resident_id = _resident_id(resident_id)
        with self.community.transaction() as tx:
            # Locked before it is read and the records naming it are counted: a request cannot name it meanwhile.
            locks.lock_row(tx.conn, resident_tables.residents, resident_id, missing=lambda: _no_resident(resident_id))
            before = self._get(tx.conn, resident_id)
            self._authorize(tx.conn, "resident.remove", _household_unit(tx.conn, before.household_id))
            if named := _records_naming(tx.conn, resident_id):
                raise Conflict(_("{name} (resident {id}) is still named by {records}; those records stay, "
                                 "so the resident stays too").format(name=before.name, id=resident_id,
                                                                    records=listing(named)),
                               entity="resident", key=resident_id)
            tx.conn.execute(delete(resident_tables.resident_flags).where(
                resident_tables.resident_flags.c.resident_id == resident_id))
            tx.conn.execute(delete(resident_tables.residents).where(resident_tables.residents.c.id == resident_id))
            tx.record("resident.remove", "resident", resident_id, before=before, note=remark)
            return before

    def get(self, resident_id: int) -> Resident:
        """One resident by id (unmasked: masking is for display).

        :raises NotFound: there is no such resident.
        :raises PermissionDenied: the actor may not read residents on the resident's unit.
        """
        with self.community.reading() as conn:
            resident = self._get(conn, resident_id)
            self._authorize(conn, "resident.read", _household_unit(conn, resident.household_id))
            return resident

    def reveal(self, resident_id: int, reason: str | None = None) -> Resident:
        """One resident, recording in the audit trail that their phone was shown and why.

        :raises InvalidValue: no reason while the config requires one.
        :raises NotFound: there is no such resident.
        :raises PermissionDenied: the actor may not see residents' personal data on the resident's unit.
        """
        why = self.community.members.reveal_reason(reason)
        resident_id = _resident_id(resident_id)
        with self.community.transaction() as tx:
            resident = self._get(tx.conn, resident_id)
            self._authorize(tx.conn, "resident.reveal", _household_unit(tx.conn, resident.household_id))
            tx.record("resident.reveal", "resident", resident_id, note=why)
            return resident

    def list(
        self,
        *,
        flag: str | ResidentFlag | None = None,
        flags: Iterable[str | ResidentFlag] = (),
        compound_id: int | None = None,
        household_id: int | None = None,
        limit: int | None = None,
        offset: int = 0,
        after: int | None = None,
    ) -> list[Resident]:
        """Residents by id: those holding every flag asked for (``flag`` and ``flags``), of one compound or household.

        The flags are filtered in SQL (``EXISTS`` on ``cc_resident_flags``, by its flag index).
        At most ``limit`` residents (default ``None``: all), past the first ``offset``. ``after`` is
        a keyset cursor: only residents with a greater id, so the next page is ``after=`` the last
        id of this one, and costs the same however deep it is.

        :raises InvalidValue: an unknown flag; ``compound_id`` or ``household_id`` is not an id; a limit or
            offset that is not a whole number from 0 to ``MAX_ID``, or an ``after`` that is not an id.
        :raises PermissionDenied: the actor may not read residents on any unit.
        """
        wanted = parse_flags([*([] if flag is None else [flag]), *flags])
        r, h, f = resident_tables.residents, resident_tables.households, resident_tables.resident_flags
        query = paged(select(r).order_by(r.c.id), r.c.id, limit=limit, after=after, offset=offset)
        if compound_id is not None:
            query = query.join(h, h.c.id == r.c.household_id).where(
                h.c.compound_id.in_(wanted_ids("compound_id", [compound_id])))
        if household_id is not None:
            query = query.where(r.c.household_id.in_(wanted_ids("household_id", [household_id])))
        for code in wanted:
            query = query.where(exists().where(and_(f.c.resident_id == r.c.id, f.c.flag == code.value)))
        with self.community.reading() as conn:
            rows = list(conn.execute(_in_scope(query, r.c.household_id, self._scope(conn, "resident.read"))).mappings())
            flags_by_id = flags_of(conn, [row["id"] for row in rows])
        return [_resident(row, flags_by_id.get(row["id"], ())) for row in rows]

    def count(self, *, flag: str | ResidentFlag | None = None) -> int:
        """Number of residents, optionally of those with a flag.

        :raises InvalidValue: an unknown flag.
        :raises PermissionDenied: the actor may not read residents on any unit.
        """
        r, f = resident_tables.residents, resident_tables.resident_flags
        query = select(func.count()).select_from(r)
        if flag is not None:
            code = ResidentFlag.parse(flag).value
            query = query.where(exists().where(and_(f.c.resident_id == r.c.id, f.c.flag == code)))
        with self.community.reading() as conn:
            return int(conn.scalar(_in_scope(query, r.c.household_id, self._scope(conn, "resident.read"))) or 0)

    def import_file(self, path: str | os.PathLike[str], *, sheet: str | None = None, header_row: int | None = None,
                    check: bool = False) -> int:
        """Import residents from ``.csv`` or ``.xlsx``: all rows or none; households are found or added.

        See :mod:`communitycore.io.resident_import` for the columns.

        :raises RejectedInput: one or more rows are bad; every problem is listed.
        :raises PermissionDenied: the actor may not add residents in the unit that looks after a
            compound the file names (on the whole database, for a row with no compound); nothing is kept.
        """
        from communitycore.io.resident_import import import_residents

        def may_add(conn: Connection, unit_ids: Sequence[int | None]) -> None:
            self._authorize_each(conn, "resident.add", unit_ids)

        return import_residents(self.community, path, sheet=sheet, header_row=header_row, check=check,
                                authorize=may_add)

    # Helpers -----------------------------------------------------------------------------------

    def _get(self, conn: Connection, resident_id: int) -> Resident:
        r = resident_tables.residents
        row = conn.execute(select(r).where(r.c.id == _resident_id(resident_id))).mappings().first()
        if row is None:
            raise _no_resident(resident_id)
        return _resident(row, flags_of(conn, [row["id"]]).get(row["id"], ()))

    def _place_household(self, tx: Any, household_id: int | None, place: dict[str, Any] | None) -> int | None:
        """The household id a resident gets: given, or found (or added) at the address ``place``."""
        if place is None:
            return self._check_household(tx.conn, household_id)
        compound = place.pop("compound_id")
        found = self._find_household(tx.conn, compound, **place)
        return (found if found is not None else self._add_household(tx, compound, **place)).id

    @staticmethod
    def _set_flags(conn: Connection, resident_id: int, flags: Sequence[ResidentFlag]) -> None:
        if flags:
            conn.execute(insert(resident_tables.resident_flags),
                         [{"resident_id": resident_id, "flag": flag.value} for flag in flags])

    @staticmethod
    def _check_household(conn: Connection, household_id: int | None) -> int | None:
        """The id of the household ``household_id`` names (None: none), or :class:`NotFound`."""
        if household_id is None:
            return None
        households = resident_tables.households
        number = _household_id(household_id)
        if conn.scalar(select(households.c.id).where(households.c.id == number)) is None:
            raise _no_household(household_id)
        return number

    @staticmethod
    def _find_household(conn: Connection, compound_id: int | None, *, building: str | None, room: str | None,
                        address: str | None) -> Household | None:
        h = resident_tables.households
        conditions = [column.is_(None) if value is None else column == value
                      for column, value in ((h.c.compound_id, compound_id), (h.c.building, building),
                                            (h.c.room, room), (h.c.address, address))]
        row = conn.execute(select(h).where(*conditions).order_by(h.c.id).limit(1)).mappings().first()
        return None if row is None else Household(**row)

    @staticmethod
    def _add_household(tx: Any, compound_id: int | None, *, building: str | None, room: str | None,
                       address: str | None) -> Household:
        if compound_id is not None and tx.conn.scalar(
                select(org_tables.compounds.c.id).where(org_tables.compounds.c.id == compound_id)) is None:
            raise NotFound(_("there is no compound with id {id}").format(id=compound_id), entity="compound",
                           key=compound_id)
        hid = tx.conn.execute(insert(resident_tables.households).values(
            compound_id=compound_id, building=building, room=room, address=address)).inserted_primary_key[0]
        household = Household(id=hid, compound_id=compound_id, building=building, room=room, address=address)
        tx.record("household.add", "household", hid, after=household)
        return household


def _compound_unit(conn: Connection, compound_id: int | None) -> int | None:
    """The unit a compound is looked after by (None: none, or no compound): where its residents are checked."""
    if compound_id is None:
        return None
    c = org_tables.compounds
    return conn.scalar(select(c.c.unit_id).where(c.c.id == compound_id))


def _household_unit(conn: Connection, household_id: int | None) -> int | None:
    """The unit of a household's compound (None: no household, no compound or an unlinked one)."""
    if household_id is None:
        return None
    h, c = resident_tables.households, org_tables.compounds
    return conn.scalar(select(c.c.unit_id).select_from(h.join(c, c.c.id == h.c.compound_id))
                       .where(h.c.id == household_id))


def _in_scope(query: Any, household: Any, scope: Scope) -> Any:
    """Only the rows whose household lies in a compound of a unit inside ``scope``."""
    if scope.everything:
        return query
    h, c = resident_tables.households, org_tables.compounds
    return query.where(household.in_(select(h.c.id).select_from(h.join(c, c.c.id == h.c.compound_id))
                                     .where(scope.clause(c.c.unit_id))))


def _place(household_id: int | None, compound_id: int | None, building: str | None, room: str | None,
           address: str | None) -> dict[str, Any] | None:
    """An address to find or add a household at, checked; None when none is given."""
    if all(v is None for v in (compound_id, building, room, address)):
        return None
    if household_id is not None:
        raise InvalidValue(_("give a household, or an address (compound, building, room, address), not both"))
    return {"compound_id": _compound_id(compound_id), **_household_values(building, room, address)}


def _household_values(building: str | None, room: str | None, address: str | None) -> dict[str, str | None]:
    """An address's parts, checked as every way in checks them."""
    out: dict[str, str | None] = {}
    for field, value, limit in (("building", building, BUILDING_LIMIT), ("room", room, ROOM_LIMIT),
                                ("address", address, ADDRESS_LIMIT)):
        try:
            out[field] = clean_text(value, limit)
        except InvalidValue as exc:
            raise bad_field(field, str(exc), entity="household") from None
    return out


def _no_resident(value: Any) -> NotFound:
    return NotFound(_("there is no resident with id {id}").format(id=value), entity="resident", key=value)


def _no_household(value: Any) -> NotFound:
    return NotFound(_("there is no household with id {id}").format(id=value), entity="household", key=value)


def _resident_id(value: Any) -> int:
    """``value`` as a resident id; one that is no id (``1.9``, None) or beyond any engine is not found."""
    return known_id(value, lambda: _no_resident(value))


def _household_id(value: Any) -> int:
    """``value`` as a household id, likewise."""
    return known_id(value, lambda: _no_household(value))


def _compound_id(value: Any) -> int | None:
    """``value`` as a compound id (None: no compound), likewise."""
    if value is None:
        return None
    return known_id(value, lambda: NotFound(_("there is no compound with id {id}").format(id=value),
                                            entity="compound", key=value))
