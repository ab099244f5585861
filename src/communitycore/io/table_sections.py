"""Export sections that hold a table's rows exactly as they are stored, with a record made from the table.

For tables whose rows are not a domain record of their own (a roster's objections, a project's
milestones …), the record is built from the columns: each column's Python type, nullable
columns optional, times handed back in UTC. The references an import checks are the table's
foreign keys, and the rows are written in primary-key order.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import JSON, DateTime, Table

from communitycore.io.exchange import Section
from communitycore.store.sql import aware
from communitycore.store.tables import PREFIX
from communitycore.store.tables import dues as dues_tables
from communitycore.store.tables import recruitment as recruitment_tables
from communitycore.store.tables import rosters as roster_tables
from communitycore.store.tables import services as service_tables
from communitycore.store.tables.activity import Hundredths


def _python_type(column: Any) -> Any:
    if isinstance(column.type, Hundredths):
        return Decimal
    if isinstance(column.type, JSON):
        return Any
    return column.type.python_type


def row_record(table: Table) -> type:
    """A frozen attrs class with one field per column of ``table``, named after it (``RosterObjectionsRow``)."""
    fields: dict[str, Any] = {}
    for column in table.columns:
        kind = _python_type(column)
        if column.nullable:
            fields[column.name] = attrs.field(type=kind | None if kind is not Any else Any, default=None)
        else:
            fields[column.name] = attrs.field(type=kind)
    name = "".join(part.title() for part in table.name.removeprefix(PREFIX).split("_")) + "Row"
    return attrs.make_class(name, fields, frozen=True, kw_only=True)


def in_utc(record: type, table: Table) -> Callable[[Any], Any]:
    """``record(**row)`` of a stored row of ``table``, its times in UTC: SQLite and MySQL hand back naive
    times, stored in UTC, where PostgreSQL hands back aware ones; an export is the same from each."""
    times = [c.name for c in table.columns if isinstance(c.type, DateTime)]

    def from_row(row: Any) -> Any:
        data = dict(row)
        for name in times:
            data[name] = aware(data[name])
        return record(**data)

    return from_row


def table_section(table: Table) -> Section:
    """The section ``table``'s name without the prefix, holding its rows (see the module's docstring)."""
    record = row_record(table)
    refs = tuple((c.name, fk.column.table.name.removeprefix(PREFIX)) for c in table.columns for fk in c.foreign_keys)
    order = tuple(c.name for c in table.primary_key.columns)
    return Section(table.name.removeprefix(PREFIX), record, table, order_by=order, refs=refs,
                   from_row=in_utc(record, table))


def _sections(*tables: Table) -> tuple[Section, ...]:
    return tuple(table_section(t) for t in tables)


#: Recruitment: candidates (personal data unmasked, as members' in an export) and their steps.
RECRUITMENT_SECTIONS = _sections(recruitment_tables.candidates, recruitment_tables.candidate_steps)
#: Dues: bases and payments (they outlive a removed member, as the ledger does: no reference to check).
DUES_SECTIONS = _sections(dues_tables.dues_bases, dues_tables.dues_payments)
#: Rosters: entries, objections raised during a notice, and the tier changes reviews applied.
ROSTER_SECTIONS = _sections(roster_tables.roster_entries, roster_tables.roster_objections,
                            roster_tables.roster_tier_changes)
#: The three lists' needs and projects, beside the services' own sections.
LIST_SECTIONS = _sections(service_tables.service_demands, service_tables.demand_requests,
                          service_tables.service_projects, service_tables.project_milestones)

__all__ = ["DUES_SECTIONS", "LIST_SECTIONS", "RECRUITMENT_SECTIONS", "ROSTER_SECTIONS", "in_utc", "row_record",
           "table_section"]
