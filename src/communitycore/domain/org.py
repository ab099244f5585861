"""The organization tree: units, compounds and partners, and the pure rules of the tree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import attrs

from communitycore.domain.codes import Coded
from communitycore.errors import Conflict


class PropertyTier(Coded):
    """A compound's property tier (the case study's 定向/规范/精准/智慧提升 targets)."""

    OLD = ("old", "老旧小区", "old compound", "老旧")
    RESETTLEMENT = ("resettlement", "回迁小区", "resettlement compound", "回迁")
    STANDARD = ("standard", "标准小区", "standard compound", "标准")
    NEW = ("new", "新建小区", "new compound", "新建")


class PartnerKind(Coded):
    """Bodies that work with the Party organization in a community."""

    PROPERTY_COMPANY = ("property-company", "物业服务企业", "property company", "物业", "物业公司")
    OWNERS_COMMITTEE = ("owners-committee", "业委会", "owners' committee", "业主委员会")
    CO_BUILDING_UNIT = ("co-building-unit", "共建单位", "co-building unit")
    RESIDENT_UNIT = ("resident-unit", "驻区单位", "resident unit")


@attrs.frozen(kw_only=True)
class OrgUnit:
    """A node of the organization tree (党组织). ``kind`` is the *approved* kind's code."""

    id: int
    kind: str
    name: str
    parent_id: int | None = None
    code: str | None = None
    approved_by: str | None = None
    approved_on: dt.date | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    covered_units: int | None = None
    """For joint branches: how many units (单位) it covers."""


@attrs.frozen(kw_only=True)
class Compound:
    """A residential compound (小区) looked after by a unit."""

    id: int
    name: str
    tier: PropertyTier = attrs.field(converter=lambda value: PropertyTier.parse(value))
    unit_id: int | None = None
    address: str | None = None


@attrs.frozen(kw_only=True)
class Partner:
    """A partner body (物业, 业委会, 共建单位, 驻区单位) linked to a unit."""

    id: int
    kind: PartnerKind = attrs.field(converter=lambda value: PartnerKind.parse(value))
    name: str
    unit_id: int | None = None
    contact: str | None = None


PATH_SEPARATOR = "/"


def check_name(name: str) -> str:
    """A unit name: stripped, non-empty, without the path separator."""
    from communitycore.errors import InvalidValue

    cleaned = name.strip()
    if not cleaned:
        raise InvalidValue("a unit needs a name")
    if PATH_SEPARATOR in cleaned:
        raise InvalidValue(f"unit name {cleaned!r} may not contain {PATH_SEPARATOR!r} (it separates path parts)")
    return cleaned


def ancestors(parent_of: Mapping[int, int | None], unit_id: int) -> list[int]:
    """Ids from the root down to ``unit_id`` (inclusive)."""
    chain = []
    current: int | None = unit_id
    seen = set()
    while current is not None:
        if current in seen:  # a corrupt store; never loop forever
            raise Conflict(f"the tree has a cycle through unit {current}")
        seen.add(current)
        chain.append(current)
        current = parent_of.get(current)
    return chain[::-1]


def check_move(parent_of: Mapping[int, int | None], unit_id: int, new_parent: int | None) -> None:
    """Refuse a move that would put a unit under itself or one of its descendants."""
    if new_parent is None:
        return
    if unit_id in ancestors(parent_of, new_parent):
        raise Conflict(
            f"cannot move unit {unit_id} under unit {new_parent}: "
            + ("a unit cannot be its own parent" if new_parent == unit_id
               else "the new parent is one of its own descendants, which would make a cycle")
        )


def children_map(parent_of: Mapping[int, int | None]) -> dict[int | None, list[int]]:
    """Parent id to child ids."""
    children: dict[int | None, list[int]] = {}
    for child, parent in parent_of.items():
        children.setdefault(parent, []).append(child)
    return children


def parents_first(parent_of: Mapping[int, int | None]) -> list[int]:
    """Every unit id, each after its parent (roots first); reversed, children come before parents."""
    children = children_map(parent_of)
    return [unit for root in children.get(None, []) for unit in subtree(children, root)]


def subtree(children: Mapping[int | None, Iterable[int]], root: int) -> list[int]:
    """``root`` and all its descendants, parents before children."""
    out = [root]
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            out.append(child)
            stack.append(child)
    return out
