"""Party members, residents and households, and the field rules that every input path shares.

:data:`MEMBER_FIELDS` is the one place a member field is parsed: ``Members.add`` and the
spreadsheet import both go through :func:`parse_member`, so a value accepted by one is accepted
by the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from communitycore.domain.codes import Coded
from communitycore.domain.identity import fast_check, normalize_phone
from communitycore.errors import InvalidValue, Problem

#: Probation (预备期) lasts one year from the branch meeting's approval (发展党员工作细则).
PROBATION_YEARS = 1


class Gender(Coded):
    MALE = ("male", "男", "male", "m")
    FEMALE = ("female", "女", "female", "f")


class Category(Coded):
    """正式党员 or 预备党员."""

    FULL = ("full", "正式党员", "full member", "正式", "1")
    PROBATIONARY = ("probationary", "预备党员", "probationary member", "预备", "2")


class Standing(Coded):
    """A member's standing with the organization."""

    NORMAL = ("normal", "正常", "normal")
    MOBILE = ("mobile", "流动", "mobile", "流动党员")
    LOST_CONTACT = ("lost-contact", "失联", "lost contact", "失联党员")
    SUSPENDED = ("suspended", "停止党籍", "membership suspended")


class Education(Coded):
    """Highest education; members are declared in ascending order, so ``rank`` compares them."""

    PRIMARY = ("primary", "小学及以下", "primary school or less", "小学")
    JUNIOR_HIGH = ("junior-high", "初中", "junior high school")
    HIGH_SCHOOL = ("high-school", "高中", "high school", "中专", "中职", "职高", "技校")
    ASSOCIATE = ("associate", "大专", "associate degree", "大学专科", "专科", "高职")
    BACHELOR = ("bachelor", "本科", "bachelor", "大学本科", "大学")
    POSTGRADUATE = ("postgraduate", "研究生", "postgraduate", "硕士", "博士", "硕士研究生", "博士研究生")

    @property
    def rank(self) -> int:
        """Position in the ascending order (0 = primary)."""
        return list(type(self)).index(self)


#: Education codes counted as "大专及以上" in cadre statistics.
ASSOCIATE_OR_ABOVE = frozenset(e.value for e in Education if e.rank >= Education.ASSOCIATE.rank)


class Post(Coded):
    """Party posts (党内职务) a member may hold in their unit."""

    SECRETARY = ("secretary", "书记", "secretary")
    DEPUTY_SECRETARY = ("deputy-secretary", "副书记", "deputy secretary")
    ORGANIZATION = ("organization-member", "组织委员", "organization committee member")
    PUBLICITY = ("publicity-member", "宣传委员", "publicity committee member")
    DISCIPLINE = ("discipline-member", "纪检委员", "discipline committee member")
    COMMITTEE = ("committee-member", "委员", "committee member")
    GROUP_LEADER = ("group-leader", "组长", "group leader", "党小组长")


#: Posts that make a member one of the unit's committee (cadres, 支委).
COMMITTEE_POSTS = frozenset(
    p.value for p in (Post.SECRETARY, Post.DEPUTY_SECRETARY, Post.ORGANIZATION, Post.PUBLICITY,
                      Post.DISCIPLINE, Post.COMMITTEE)
)


class ResidentFlag(Coded):
    """Flags that make a resident a priority for care services."""

    LIVING_ALONE_ELDERLY = ("living-alone-elderly", "独居老人", "elderly living alone")
    DISABLED = ("disabled", "残疾", "disabled", "残疾人")
    HARDSHIP = ("hardship", "困难家庭", "hardship household", "困难")
    LEFT_BEHIND_CHILD = ("left-behind-child", "留守儿童", "left-behind child")
    VETERAN = ("veteran", "退役军人", "veteran")


@attrs.frozen(kw_only=True)
class Member:
    """A Party member (党员) as stored."""

    id: int
    name: str
    unit_id: int
    gender: Gender | None = None
    ethnicity: str | None = None
    birth_date: dt.date | None = None
    id_number: str | None = None
    phone: str | None = None
    education: Education | None = None
    join_date: dt.date | None = None
    full_date: dt.date | None = None
    category: Category = Category.FULL
    standing: Standing = Standing.NORMAL
    post: Post | None = None
    employer: str | None = None
    in_service: bool = False


@attrs.frozen(kw_only=True)
class Transfer:
    """One move of a member's organizational relationship (组织关系转接)."""

    id: int
    member_id: int
    from_unit_id: int | None
    to_unit_id: int
    transferred_on: dt.date
    reason: str | None = None


@attrs.frozen(kw_only=True)
class CommunityRegistration:
    """双报到: an in-service member reporting to the community where they live."""

    id: int
    member_id: int
    community_unit_id: int
    reported_on: dt.date
    channel: str | None = None


@attrs.frozen(kw_only=True)
class Household:
    """A household (住户) at an address in a compound."""

    id: int
    compound_id: int | None
    building: str | None = None
    room: str | None = None
    address: str | None = None


@attrs.frozen(kw_only=True)
class Resident:
    """A resident (居民), enough for services to find and serve them."""

    id: int
    name: str
    household_id: int | None = None
    phone: str | None = None
    flags: tuple[ResidentFlag, ...] = ()


def due_for_confirmation(join_date: dt.date | None, today: dt.date) -> bool:
    """A probationary member whose year of probation is over (转正 is due)."""
    return join_date is not None and probation_end(join_date) <= today


def probation_end(join_date: dt.date) -> dt.date:
    """The day probation ends; 29 February falls back to 28 February."""
    try:
        return join_date.replace(year=join_date.year + PROBATION_YEARS)
    except ValueError:
        return join_date.replace(year=join_date.year + PROBATION_YEARS, day=28)


# Field parsers ---------------------------------------------------------------------------------

def _text(limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip()
        if len(text) > limit:
            raise InvalidValue(f"at most {limit} characters, got {len(text)}")
        return text

    return parse


_DATE_CACHE: dict[str, dt.date] = {}


def parse_date(value: Any) -> dt.date:
    """A date from a ``date``, ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD`` or ``YYYYMMDD``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    cached = _DATE_CACHE.get(text)
    if cached is not None:
        return cached
    normalized = text.replace("/", "-").replace(".", "-")
    if len(normalized) == 8 and normalized.isdigit():
        normalized = f"{normalized[:4]}-{normalized[4:6]}-{normalized[6:]}"
    try:
        parts = [int(p) for p in normalized.split("-")]
        result = dt.date(*parts)
    except (TypeError, ValueError):
        raise InvalidValue(f"{text!r} is not a date (use YYYY-MM-DD)") from None
    if len(_DATE_CACHE) < 100_000:  # spreadsheets repeat dates; parse each once
        _DATE_CACHE[text] = result
    return result


def parse_id_number(value: Any) -> str:
    """A 公民身份号码, checksum and birth date verified; ``x`` upper-cased."""
    text = str(value).strip().upper()
    problem = fast_check(text)
    if problem is not None:
        raise InvalidValue(problem)
    return text


def parse_bool(value: Any) -> bool:
    """是/否, yes/no, true/false, 1/0."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"是", "y", "yes", "true", "1", "在职"}:
        return True
    if text in {"否", "n", "no", "false", "0", ""}:
        return False
    raise InvalidValue(f"{value!r} is not yes/no (是/否)")


def _unit_ref(value: Any) -> Any:
    return value  # resolved against the tree by the caller, who knows the units


#: Field name -> parser. Order is the column order of templates and exports.
MEMBER_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": _text(100),
    "gender": Gender.parse,
    "ethnicity": _text(40),
    "birth_date": parse_date,
    "id_number": parse_id_number,
    "phone": normalize_phone,
    "education": Education.parse,
    "join_date": parse_date,
    "full_date": parse_date,
    "category": Category.parse,
    "standing": Standing.parse,
    "unit": _unit_ref,
    "post": Post.parse,
    "employer": _text(200),
    "in_service": parse_bool,
}
REQUIRED_MEMBER_FIELDS = ("name", "unit")


def check_member(values: Mapping[str, Any], row: int | None = None) -> list[Problem]:
    """Rules across fields of one member; ``values`` are already parsed."""
    problems: list[Problem] = []
    id_number = values.get("id_number")
    birth = values.get("birth_date")
    if id_number:
        id_birth = id_birth_date(id_number)
        if birth is not None and birth != id_birth:
            problems.append(Problem(row, "birth_date", f"{birth.isoformat()} disagrees with the 公民身份号码, "
                                    f"which says {id_birth.isoformat()}"))
        gender = values.get("gender")
        encoded = id_gender(id_number)
        if gender is not None and gender != encoded:
            problems.append(
                Problem(row, "gender", f"{gender.zh} disagrees with the 公民身份号码, which says {encoded.zh}")
            )
    join, full = values.get("join_date"), values.get("full_date")
    category = values.get("category")
    if join and full and full < join:
        problems.append(Problem(row, "full_date", f"{full.isoformat()} is before the join date {join.isoformat()}"))
    if category is Category.PROBATIONARY and full is not None:
        problems.append(Problem(row, "full_date", "a 预备党员 has no full-member date yet"))
    if birth and join and join < birth:
        problems.append(Problem(row, "join_date", "is before the birth date"))
    return problems


def parse_member(raw: Mapping[str, Any], row: int | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Parse and check one member's fields; blank values are left out. Returns values and problems."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for field, value in raw.items():
        parser = MEMBER_FIELDS.get(field)
        if parser is None:
            problems.append(Problem(row, field, f"unknown field; known: {', '.join(MEMBER_FIELDS)}"))
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            values[field] = parser(value)
        except InvalidValue as exc:
            problems.append(Problem(row, field, str(exc)))
    for field in REQUIRED_MEMBER_FIELDS:
        if field not in values and not any(p.field == field for p in problems):
            problems.append(Problem(row, field, "is required"))
    if not problems:
        problems.extend(check_member(values, row))
    if not problems and values.get("id_number"):
        # The ID number carries birth date and gender; fill them in when the input left them out.
        values.setdefault("birth_date", id_birth_date(values["id_number"]))
        values.setdefault("gender", id_gender(values["id_number"]))
    return values, problems


_ID_BIRTH_DATES: dict[str, dt.date] = {}


def id_birth_date(id_number: str) -> dt.date:
    """The birth date a (valid) 公民身份号码 encodes."""
    # Called once per row by bulk imports; a few tens of thousands of dates cover everyone alive.
    key = id_number[6:14]
    born = _ID_BIRTH_DATES.get(key)
    if born is None:
        born = dt.date(int(key[:4]), int(key[4:6]), int(key[6:]))
        if len(_ID_BIRTH_DATES) < 100_000:
            _ID_BIRTH_DATES[key] = born
    return born


_GENDER_BY_DIGIT = {digit: Gender.MALE if int(digit) % 2 else Gender.FEMALE for digit in "0123456789"}


def id_gender(id_number: str) -> Gender:
    """The gender a (valid) 公民身份号码 encodes: the 17th digit is odd for men."""
    return _GENDER_BY_DIGIT[id_number[16]]
