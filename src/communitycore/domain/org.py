"""The organization tree: units, compounds and partners, and the pure rules of the tree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import attrs

from communitycore.domain.codes import Coded
from communitycore.domain.fields import MAX_ID, clean_text, nfkc
from communitycore.domain.members import parse_date, parse_past_date
from communitycore.errors import Conflict, InvalidValue, bad_field
from communitycore.i18n import _, labelled, listing, localized
from communitycore.records import UnitKind


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


def _tier(value: object) -> PropertyTier:
    return PropertyTier.parse(value)


def _partner_kind(value: object) -> PartnerKind:
    return PartnerKind.parse(value)


@attrs.frozen(kw_only=True)
class Compound:
    """A residential compound (小区) looked after by a unit."""

    id: int
    name: str
    tier: PropertyTier = attrs.field(converter=_tier)
    unit_id: int | None = None
    address: str | None = None


@attrs.frozen(kw_only=True)
class Partner:
    """A partner body (物业, 业委会, 共建单位, 驻区单位) linked to a unit."""

    id: int
    kind: PartnerKind = attrs.field(converter=_partner_kind)
    name: str
    unit_id: int | None = None
    contact: str | None = None


PATH_SEPARATOR = "/"
#: Longest unit, compound and partner name: 100 characters (the columns hold 200; the rule is
#: the same for every name a person gives).
NAME_LIMIT = 100
#: Column lengths of ``store/tables/org.py``, which PostgreSQL and MariaDB enforce.
CODE_LIMIT = 64
APPROVED_BY_LIMIT = 200
ADDRESS_LIMIT = 400
CONTACT_LIMIT = 200


def check_name(name: str) -> str:
    """A unit (or compound, partner) name: stripped, non-empty, at most 100 characters, printable, no "/"."""
    try:
        cleaned = clean_text(name, NAME_LIMIT)
    except InvalidValue as exc:
        raise InvalidValue(_("name {name!r}: {problem}").format(name=_shorten(str(name)), problem=exc)) from None
    if not cleaned:
        raise InvalidValue(_("a unit needs a name"))
    if PATH_SEPARATOR in cleaned:
        raise InvalidValue(_("unit name {name!r} may not contain {sep!r} (it separates path parts)")
                           .format(name=cleaned, sep=PATH_SEPARATOR))
    return cleaned


#: The optional fields of a unit, in the order of listings and the org import.
UNIT_FIELDS = ("code", "approved_by", "approved_on", "term_start", "term_end", "covered_units")
_UNIT_DATE_FIELDS = frozenset({"approved_on", "term_start", "term_end"})


def parse_unit_fields(fields: Mapping[str, object], *, today: dt.date | None = None) -> dict[str, object]:
    """The optional unit fields of :data:`UNIT_FIELDS`, parsed; a blank value gives None. The approval
    is a record of what happened, so not after ``today`` where it is given; a term may be planned.

    :raises InvalidValue: an unknown field, a bad value, or a term that ends before it starts.
    """
    unknown = sorted(set(fields) - set(UNIT_FIELDS))
    if unknown:
        raise InvalidValue(_("unknown unit fields {unknown}; known: {known}").format(
            unknown=unknown, known=", ".join(UNIT_FIELDS)))
    values: dict[str, object] = {}
    for key, value in fields.items():
        try:
            if value is None or (isinstance(value, str) and not value.strip()):
                values[key] = None
            elif key == "approved_on" and today is not None:
                values[key] = parse_past_date(value, today)
            elif key in _UNIT_DATE_FIELDS:
                values[key] = parse_date(value)
            elif key == "covered_units":
                values[key] = _count(value)
            else:
                values[key] = clean_text(value, CODE_LIMIT if key == "code" else APPROVED_BY_LIMIT)
        except InvalidValue as exc:
            raise bad_field(key, str(exc), entity="unit") from None
    start, end = values.get("term_start"), values.get("term_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end <= start:
        raise InvalidValue(_("term_end must be after term_start"))
    return values


def _count(value: object) -> int:
    """A whole number of at least 0, as written (full-width digits too)."""
    if isinstance(value, bool):
        raise InvalidValue(_("must be a whole number, got {value!r}").format(value=value))
    if isinstance(value, int):
        number = value
    else:
        text = nfkc(str(value)).strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit():
            raise InvalidValue(_("must be a whole number, got {value!r}").format(value=value))
        number = int(text)  # -3 is a whole number: refused below as out of range
    if not 0 <= number <= MAX_ID:
        raise InvalidValue(_("must be between 0 and {top}, got {value}").format(top=MAX_ID, value=number))
    return number


def _shorten(text: str, limit: int = 40) -> str:
    """The start of a long value, for a message that names it (a 10,000-character name is not repeated)."""
    return text if len(text) <= limit else text[:limit] + "…"


def root_kinds(kinds: Mapping[str, UnitKind]) -> list[str]:
    """Codes of the kinds that may stand at the top of the tree: those with no parent kinds."""
    return sorted(code for code, kind in kinds.items() if not kind.parents)


def kind_named(kinds: Mapping[str, UnitKind], code: str) -> str:
    """A kind's label with its code (``党支部（branch）``); the code alone for an unknown one."""
    found = kinds.get(code)
    return labelled(localized(found.label, found.label_en), code) if found is not None else code


def unknown_kind(kinds: Mapping[str, UnitKind], kind: str) -> str:
    """The refusal of a kind that is none of ``kinds``, naming the known ones."""
    return _("unknown unit kind {kind!r}; known: {known}").format(
        kind=kind, known=listing(kind_named(kinds, code) for code in kinds))


def placement_problem(kinds: Mapping[str, UnitKind], kind: str, parent_kind: str | None,
                      parent_name: str | None = None) -> str | None:
    """Why a unit of ``kind`` may not sit under a unit of ``parent_kind`` (None: at the top), or None.

    A unit with no parent must be of a root kind; a unit with a parent must be of a kind that
    lists the parent's kind among its ``parents``.
    """
    unit_kind = kinds.get(kind)
    if unit_kind is None:
        return unknown_kind(kinds, kind)

    def named(code: str) -> str:
        return kind_named(kinds, code)

    if parent_kind is None:
        if not unit_kind.parents:
            return None
        roots = listing(named(code) for code in root_kinds(kinds)) or _("none")
        allowed = listing(named(code) for code in unit_kind.parents)
        return _("a {kind} needs a parent: it may sit under {allowed}. Only a unit of a root kind stands at the top "
                 "of the tree; the root kinds are: {roots}").format(kind=named(kind), allowed=allowed, roots=roots)
    if parent_kind in unit_kind.parents:
        return None
    allowed = listing(named(code) for code in unit_kind.parents)
    where = (named(parent_kind) if parent_name is None
             else _("{name}, {kind}").format(name=parent_name, kind=named(parent_kind)))
    return _("a {kind} cannot sit under {where}; {hint}").format(
        kind=named(kind), where=where,
        hint=(_("it may sit under: {allowed}").format(allowed=allowed) if allowed
              else _("it can only be a root")))


def ancestors(parent_of: Mapping[int, int | None], unit_id: int) -> list[int]:
    """Ids from the root down to ``unit_id`` (inclusive)."""
    chain = []
    current: int | None = unit_id
    seen = set()
    while current is not None:
        if current in seen:  # a corrupt store; never loop forever
            raise Conflict(_("the tree has a cycle through unit {unit}").format(unit=current))
        seen.add(current)
        chain.append(current)
        current = parent_of.get(current)
    return chain[::-1]


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
