"""Member rows and records: the one mapping between the members table and :class:`Member`."""

from __future__ import annotations

from typing import Any

from communitycore.domain.members import (
    Category,
    Education,
    Gender,
    Member,
    MemberStatus,
    Post,
    RemovalReason,
    Standing,
)
from communitycore.store.tables import members as member_tables


def member_from_row(row: Any) -> Member:
    """A :class:`Member` from a stored row (codes become enums)."""
    data = dict(row)
    for field, enum_type in (("gender", Gender), ("education", Education), ("post", Post),
                             ("removal_reason", RemovalReason)):
        if data.get(field) is not None:
            data[field] = enum_type(data[field])
    data["category"] = Category(data["category"])
    data["standing"] = Standing(data["standing"])
    data["status"] = MemberStatus(data["status"] or MemberStatus.ACTIVE.value)
    data["in_service"] = bool(data["in_service"])
    return Member(**data)


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
