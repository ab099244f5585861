"""Party members, their transfers and their 双报到 registrations."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from communitycore.i18n import N_
from communitycore.store.tables import PREFIX, OnUnitRemoval, UnitLink, metadata
from communitycore.store.tables import org as _org  # noqa: F401 - the foreign keys point at cc_units

members = Table(
    f"{PREFIX}members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("gender", String(16)),
    Column("ethnicity", String(40)),
    Column("birth_date", Date),
    Column("id_number", String(18), unique=True),
    Column("phone", String(20)),
    Column("education", String(32)),
    Column("join_date", Date),
    Column("full_date", Date),
    Column("category", String(16), nullable=False),
    Column("standing", String(16), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False),
    Column("post", String(32)),
    Column("employer", String(200)),
    Column("in_service", Boolean, nullable=False),
    # The lifecycle (migration 0002): a removed member keeps their record and history.
    Column("status", String(16), nullable=False, server_default="active"),
    Column("removed_on", Date),
    Column("removal_reason", String(32)),
    Column("removed_to", String(200)),
    Column("probation_extension_months", Integer),
    # Covers the roll-ups' read of the ages (store/rollup.py: age_sums), so a city's birth dates
    # are read from the index in unit order, not row by row from the table (migration 0014).
    Index(None, "unit_id", "category", "status", "post", "birth_date"),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)


#: Member columns in the order bulk paths write them (everything but ``id``).
MEMBER_COLUMNS = tuple(c.name for c in members.columns if c.name != "id")


transfers = Table(
    f"{PREFIX}transfers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, ForeignKey(f"{PREFIX}members.id"), nullable=False, index=True),
    Column("from_unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), index=True),
    Column("to_unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False, index=True),
    Column("transferred_on", Date, nullable=False),
    Column("reason", String(400)),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)


registrations = Table(
    f"{PREFIX}registrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, ForeignKey(f"{PREFIX}members.id"), nullable=False, index=True),
    Column("community_unit_id", Integer, ForeignKey(f"{PREFIX}units.id"), nullable=False, index=True),
    Column("reported_on", Date, nullable=False),
    Column("channel", String(64)),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)


#: Members refuse the removal of their unit (unless it cascades, taking their history with them).
UNIT_LINKS = (
    UnitLink(members.c.unit_id, OnUnitRemoval.REFUSE, dependents=(transfers.c.member_id, registrations.c.member_id),
             label=N_("{count} member(s)")),
    UnitLink(transfers.c.from_unit_id, OnUnitRemoval.CASCADE),
    UnitLink(transfers.c.to_unit_id, OnUnitRemoval.CASCADE),
    UnitLink(registrations.c.community_unit_id, OnUnitRemoval.CASCADE),
)
