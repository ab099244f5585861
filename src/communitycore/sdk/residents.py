"""``community.residents``: residents and households, enough for services to find and serve them."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select

from communitycore.domain.identity import normalize_phone
from communitycore.domain.members import Household, Resident, ResidentFlag
from communitycore.errors import InvalidValue, NotFound
from communitycore.sdk.base import SubAPI
from communitycore.store.tables import org as org_tables
from communitycore.store.tables import residents as resident_tables


def _resident(row: Any) -> Resident:
    return Resident(id=row["id"], name=row["name"], household_id=row["household_id"], phone=row["phone"],
                    flags=tuple(ResidentFlag(f) for f in row["flags"] or ()))


class ResidentsAPI(SubAPI):
    """Residents (居民) and households (住户)."""

    def add_household(self, compound_id: int | None, *, building: str | None = None, room: str | None = None,
                      address: str | None = None) -> Household:
        """Add a household at an address (compound, building, room)."""
        with self.community.transaction() as tx:
            if compound_id is not None and tx.conn.scalar(
                    select(org_tables.compounds.c.id).where(org_tables.compounds.c.id == compound_id)) is None:
                raise NotFound(f"there is no compound with id {compound_id}")
            hid = tx.conn.execute(insert(resident_tables.households).values(
                compound_id=compound_id, building=building, room=room, address=address)).inserted_primary_key[0]  # type: ignore[index]
            household = Household(id=hid, compound_id=compound_id, building=building, room=room, address=address)
            tx.record("household.add", "household", hid, after=household)
            return household

    def add(self, name: str, *, household_id: int | None = None, phone: str | None = None,
            flags: Iterable[str | ResidentFlag] = ()) -> Resident:
        """Add a resident, with flags such as ``living-alone-elderly`` (独居老人)."""
        if not name.strip():
            raise InvalidValue("a resident needs a name")
        parsed = tuple(sorted({ResidentFlag.parse(f) for f in flags}, key=lambda f: f.value))
        normalized = normalize_phone(phone) if phone else None
        households = resident_tables.households
        with self.community.transaction() as tx:
            if household_id is not None and tx.conn.scalar(
                    select(households.c.id).where(households.c.id == household_id)) is None:
                raise NotFound(f"there is no household with id {household_id}")
            rid = tx.conn.execute(insert(resident_tables.residents).values(
                name=name.strip(), household_id=household_id, phone=normalized,
                flags=[f.value for f in parsed])).inserted_primary_key[0]  # type: ignore[index]
            resident = Resident(id=rid, name=name.strip(), household_id=household_id, phone=normalized, flags=parsed)
            tx.record("resident.add", "resident", rid, after=resident)
            return resident

    def get(self, resident_id: int) -> Resident:
        """One resident by id."""
        with self.community.reading() as conn:
            r = resident_tables.residents
            row = conn.execute(select(r).where(r.c.id == resident_id)).mappings().first()
            if row is None:
                raise NotFound(f"there is no resident with id {resident_id}")
            return _resident(row)

    def list(self, *, flag: str | ResidentFlag | None = None, compound_id: int | None = None) -> list[Resident]:
        """Residents by id, optionally only those with a flag or living in one compound."""
        r, h = resident_tables.residents, resident_tables.households
        with self.community.reading() as conn:
            query = select(r).order_by(r.c.id)
            if compound_id is not None:
                query = query.join(h, h.c.id == r.c.household_id).where(h.c.compound_id == compound_id)
            rows = [_resident(row) for row in conn.execute(query).mappings()]
        if flag is not None:
            wanted = ResidentFlag.parse(flag)
            rows = [x for x in rows if wanted in x.flags]  # flags are JSON: filtered here, portably
        return rows

    def households(self, compound_id: int | None = None) -> builtins.list[Household]:
        """Households, optionally of one compound."""
        h = resident_tables.households
        with self.community.reading() as conn:
            query = select(h).order_by(h.c.id)
            if compound_id is not None:
                query = query.where(h.c.compound_id == compound_id)
            return [Household(**row) for row in conn.execute(query).mappings()]
