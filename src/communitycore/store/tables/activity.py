"""The activity ledger: one append-only table of what subjects did, fact by fact.

``quantity`` is stored as a whole number of **hundredths** (1.5 hours is ``150``), so that sums
are exact on every engine (SQLite has no exact decimal type); :class:`Hundredths` converts to and
from :class:`~decimal.Decimal` for everything that goes through SQLAlchemy. Hand-written SQL sees
the integers: ``SUM(quantity) / 100.0``.

The date column is ``occurred_on``, not ``on``: ``ON`` is a reserved word on every engine.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, text
from sqlalchemy.types import TypeDecorator

from communitycore.i18n import _
from communitycore.store.tables import PREFIX, OnUnitRemoval, UnitLink, metadata
from communitycore.store.tables import org as _org  # noqa: F401 - the foreign key points at cc_units

_HUNDRED = Decimal(100)


class Hundredths(TypeDecorator[Decimal]):
    """A :class:`~decimal.Decimal` with at most two places, stored as a BIGINT of hundredths."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, _dialect: Any) -> int | None:
        """Decimal (or int) -> hundredths; more than two places is an error, never a silent rounding."""
        if value is None:
            return None
        scaled = Decimal(value) * _HUNDRED
        if scaled != scaled.to_integral_value():
            raise ValueError(_("{value} has more than two decimal places").format(value=value))
        return int(scaled)

    def process_result_value(self, value: Any, _dialect: Any) -> Decimal | None:
        """Hundredths -> Decimal with two places (``150`` -> ``Decimal('1.50')``)."""
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-2)


activity = Table(
    f"{PREFIX}activity",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subject_kind", String(16), nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("fact", String(64), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("quantity", Hundredths(), nullable=False),
    Column("unit_id", Integer, ForeignKey(f"{PREFIX}units.id")),
    Column("source_kind", String(32), nullable=False),
    Column("source_id", String(64)),
    Column("recorder", String(200), nullable=False),
    Column("note", String(400)),
    Column("reverses", Integer, ForeignKey(f"{PREFIX}activity.id")),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # The period query: facts over a date range, grouped by subject, answered from this index
    # alone (it covers every column the query reads, the unit filter included).
    Index("ix_cc_activity_period", "fact", "occurred_on", "subject_kind", "subject_id", "unit_id", "quantity",
          "reverses"),
    # Small subtrees (a branch) start from their units; removing a unit finds its rows here.
    Index("ix_cc_activity_unit", "unit_id", "fact", "occurred_on"),
    # One subject's entries, in order.
    Index("ix_cc_activity_subject", "subject_kind", "subject_id", "id"),
    # An entry is reversed at most once, whoever tries at the same time. Partial where the engine
    # allows it: nearly every row has no reversal to index.
    Index("ix_cc_activity_reverses", "reverses", unique=True, sqlite_where=text("reverses IS NOT NULL"),
          postgresql_where=text("reverses IS NOT NULL")),
    sqlite_autoincrement=True,  # ids are never reused: an audit entry names one entity
)

#: Ledger rows outlive their unit: what happened stays in the ledger (and in every sum over it);
#: removing the unit only unlinks them, since the unit they counted for no longer exists.
UNIT_LINKS = (UnitLink(activity.c.unit_id, OnUnitRemoval.UNLINK),)
