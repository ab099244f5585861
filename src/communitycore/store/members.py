"""Member rows and records: the one mapping between the members table and :class:`Member`."""

from __future__ import annotations

from typing import Any

from communitycore.domain.members import Category, Member, MemberStatus, Standing
from communitycore.serialize import structure
from communitycore.store.tables import members as member_tables


def member_from_row(row: Any) -> Member:
    """A :class:`Member` from a stored row, through the one converter (codes become enums)."""
    data = dict(row)
    if data.get("status") is None:  # rows written before the member lifecycle
        data["status"] = MemberStatus.ACTIVE.value
    return structure(data, Member)


def member_row(values: dict[str, Any], unit_id: int) -> dict[str, Any]:
    """Column values for a parsed member (enums to codes, defaults filled)."""
    row: dict[str, Any] = dict.fromkeys(member_tables.MEMBER_COLUMNS)
    for key, value in values.items():
        if key != "unit":
            row[key] = value.value if hasattr(value, "value") else value
    row["unit_id"] = unit_id
    row["category"] = row["category"] or Category.FULL.value
    row["standing"] = row["standing"] or Standing.NORMAL.value
    row["status"] = row["status"] or MemberStatus.ACTIVE.value
    row["in_service"] = bool(row["in_service"])
    return row
