"""Party members, residents and households, and the field rules that every input path shares.

:data:`MEMBER_FIELDS` is the one place a member field is parsed: ``Members.add``, ``update``,
the spreadsheet import and the JSON exchange all go through :func:`parse_member` (or, on the
bulk path, the same parsers and :func:`check_member`), so a value accepted by one is accepted by
the others. The lifecycle (removal, restoring, the probation and its extension) has its rules
here too: :func:`check_removal`, :func:`check_extension`, :func:`probation_end`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from communitycore.domain.codes import Coded
from communitycore.domain.fields import DATE_RANGE as DATE_RANGE  # the dates a member's fields can name
from communitycore.domain.fields import clean_text, nfkc, text_parser
from communitycore.domain.identity import fast_check, normalize_phone
from communitycore.errors import InvalidValue, Problem
from communitycore.i18n import _

#: Probation (预备期) lasts one year from the branch meeting's approval (发展党员工作细则).
PROBATION_YEARS = 1
#: A probation may be extended once, by six months to a year (党章第七条).
EXTENSION_MONTHS = (6, 12)
#: A member joins at eighteen or older (党章第一条: 年满十八岁).
JOINING_AGE = 18
#: Longest text of each stored text field: the column lengths of ``store/tables/members.py`` and
#: ``residents.py``, which PostgreSQL and MariaDB enforce (a test keeps the two in step).
NAME_LIMIT = 100
ETHNICITY_LIMIT = 40
EMPLOYER_LIMIT = 200
REASON_LIMIT = 400
DESTINATION_LIMIT = 200
CHANNEL_LIMIT = 64
BUILDING_LIMIT = 64
ROOM_LIMIT = 64
ADDRESS_LIMIT = 400


class Gender(Coded):
    MALE = ("male", "男", "male", "m", "男性", "男士")
    FEMALE = ("female", "女", "female", "f", "女性", "女士")


class Category(Coded):
    """正式党员 or 预备党员."""

    FULL = ("full", "正式党员", "full member", "正式", "1", "中共党员", "党员")
    PROBATIONARY = ("probationary", "预备党员", "probationary member", "预备", "2", "中共预备党员")


class Standing(Coded):
    """A member's standing with the organization."""

    NORMAL = ("normal", "正常", "normal")
    MOBILE = ("mobile", "流动", "mobile", "流动党员")
    LOST_CONTACT = ("lost-contact", "失联", "lost contact", "失联党员")
    SUSPENDED = ("suspended", "停止党籍", "membership suspended")


class Education(Coded):
    """Highest education; members are declared in ascending order, so ``rank`` compares them."""

    PRIMARY = ("primary", "小学及以下", "primary school or less", "小学", "小学以下")
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

    SECRETARY = ("secretary", "书记", "secretary", "支部书记", "党支部书记", "总支书记", "党总支书记", "党委书记")
    DEPUTY_SECRETARY = ("deputy-secretary", "副书记", "deputy secretary", "支部副书记", "党支部副书记",
                        "总支副书记", "党总支副书记", "党委副书记")
    ORGANIZATION = ("organization-member", "组织委员", "organization committee member")
    PUBLICITY = ("publicity-member", "宣传委员", "publicity committee member")
    DISCIPLINE = ("discipline-member", "纪检委员", "discipline committee member", "纪律检查委员")
    COMMITTEE = ("committee-member", "委员", "committee member", "支委", "支部委员", "党委委员", "总支委员")
    GROUP_LEADER = ("group-leader", "组长", "group leader", "党小组长", "党小组组长", "小组长")


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


class MemberStatus(Coded):
    """Whether a member is on the roll (在册) or has left it; a removed member's record is kept."""

    ACTIVE = ("active", "在册", "active", "正常在册")
    REMOVED = ("removed", "已移出", "removed", "已减少", "减少")


class RemovalReason(Coded):
    """Why a member left the roll (党员减少). Only ``mistaken-entry`` allows deleting the record."""

    DEATH = ("death", "死亡", "death", "去世", "逝世", "病故")
    EXPELLED = ("expelled", "出党", "left the Party", "开除党籍", "除名", "劝退", "退党", "自行脱党")
    MEMBERSHIP_STOPPED = ("membership-stopped", "停止党籍", "membership stopped")
    TRANSFERRED_OUT = ("transferred-out", "转出", "transferred out", "组织关系转出", "转往外地")
    MISTAKEN_ENTRY = ("mistaken-entry", "错误录入", "entered by mistake", "误录", "录入错误")


def _extension(value: int | None) -> int | None:
    return None if value is None else int(value)


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
    status: MemberStatus = MemberStatus.ACTIVE
    """On the roll, or removed (the record and its history are kept)."""
    removed_on: dt.date | None = None
    removal_reason: RemovalReason | None = None
    removed_to: str | None = None
    """For ``transferred-out``: the receiving organization, outside this database."""
    probation_extension_months: int | None = attrs.field(default=None, converter=_extension)
    """延长预备期: months the probation was extended by (6 to 12, once)."""

    @property
    def probation_end(self) -> dt.date | None:
        """For a 预备党员 with a join date: the first day they may become a full member."""
        if self.category is not Category.PROBATIONARY or self.join_date is None:
            return None
        return probation_end(self.join_date, self.probation_extension_months or 0)

    @property
    def removed(self) -> bool:
        """Whether the member has left the roll."""
        return self.status is MemberStatus.REMOVED


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


# Dates ---------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; a day the target month lacks becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")  # pragma: no cover


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus ``years``; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def probation_end(join_date: dt.date, extension_months: int = 0) -> dt.date:
    """The day probation ends: a year after joining (29 February: 28 February), plus any extension."""
    end = add_years(join_date, PROBATION_YEARS)
    return add_months(end, extension_months) if extension_months else end


def completed_years(born: dt.date, on: dt.date) -> int:
    """Age in 周岁: the years completed on ``on``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


#: 1927-05-18 to 2099-12-31: the numbers read as Excel serial dates. Anything outside is more
#: likely a year (2023) or a mistake than a date, and is refused rather than guessed at.
_SERIAL_RANGE = (10_000, 73_050)
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 after Excel's 1900 leap-year bug
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_YMD = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})" + _TIME)
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?" + _TIME)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"(\d{4,5})(?:\.\d+)?")
_DATE_CACHE: dict[str, dt.date] = {}


def _outside_the_years(day: dt.date) -> str:
    return _("{date} lies outside the years {first} to {last}; check the year").format(
        date=day.isoformat(), first=DATE_RANGE[0].year, last=DATE_RANGE[1].year)


def parse_date(value: Any) -> dt.date:
    """A date as offices write it.

    ``2023-07-01``, ``2023/07/01``, ``2023.7.1``, ``2023年7月1日``, ``20230701``, a date with a
    midnight time (``2023-07-01 00:00:00``, as Excel saves dates to CSV), an Excel serial date
    (``45108``), or a ``date``. Full-width digits and slashes (``２０２３／７／１``) are read as
    their plain forms. A date outside ``DATE_RANGE`` (1900 to 2099) is refused.
    """
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
            raise InvalidValue(_outside_the_years(day))
        return day
    text = str(value).strip()
    cached = _DATE_CACHE.get(text)
    if cached is not None:
        return cached
    plain = nfkc(text)
    result = None
    match = _YMD.fullmatch(plain) or _CHINESE.fullmatch(plain) or _COMPACT.fullmatch(plain)
    try:
        if match is not None:
            result = dt.date(int(match[1]), int(match[2]), int(match[3]))
        elif (serial := _SERIAL.fullmatch(plain)) is not None:
            number = int(serial[1])
            if _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
                result = _EXCEL_EPOCH + dt.timedelta(days=number)
    except ValueError:  # 2023-02-30, month 13 ...
        result = None
    if result is None:
        raise InvalidValue(_("{value!r} is not a date (write it as 2023-07-01, 2023年7月1日, 2023.7.1, "
                             "2023/07/01 or 20230701)").format(value=text))
    if not DATE_RANGE[0] <= result <= DATE_RANGE[1]:
        raise InvalidValue(_outside_the_years(result))
    if len(_DATE_CACHE) < 100_000:  # spreadsheets repeat dates; parse each once
        _DATE_CACHE[text] = result
    return result


def parse_past_date(value: Any, today: dt.date) -> dt.date:
    """A date (as :func:`parse_date` reads it) not after ``today``: the day something happened, as
    a meeting held, a transfer or a ledger entry is dated."""
    day = parse_date(value)
    if day > today:
        raise InvalidValue(_("{date} is in the future (today is {today})").format(date=day.isoformat(),
                                                                                  today=today.isoformat()))
    return day


# Field parsers ---------------------------------------------------------------------------------

def parse_id_number(value: Any, *, today: dt.date) -> str:
    """A 公民身份号码, checksum and birth date (from 1900, not after ``today``) verified; ``x`` upper-cased,
    full-width digits read."""
    text = str(value).strip()
    if not text.isascii():
        text = nfkc(text)
    text = text.upper()
    problem = fast_check(text, today=today)
    if problem is not None:
        raise InvalidValue(problem)
    return text


def parse_phone(value: Any) -> str:
    """A mobile or landline number, normalized (see :func:`~communitycore.domain.identity.normalize_phone`)."""
    text = str(value)
    return normalize_phone(text if text.isascii() else nfkc(text))


_TRUE = frozenset({"是", "y", "yes", "true", "1", "在职", "√", "✓"})
_FALSE = frozenset({"否", "n", "no", "false", "0", "", "不在职", "离退休", "退休", "离休", "×", "✗"})


def parse_bool(value: Any) -> bool:
    """是/否, yes/no, true/false, 1/0 (and 在职, 退休, √, ×)."""
    if isinstance(value, bool):
        return value
    text = nfkc(str(value).strip()).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue(_("{value!r} is not yes/no (是/否)").format(value=value))


def _unit_ref(value: Any) -> Any:
    return value  # resolved against the tree by the caller, who knows the units


#: Field name -> parser. Order is the column order of templates and exports. The ID number's
#: parser also needs the reporting day: :func:`field_parsers` binds it.
MEMBER_FIELDS: dict[str, Callable[..., Any]] = {
    "name": text_parser(NAME_LIMIT),
    "gender": Gender.parse,
    "ethnicity": text_parser(ETHNICITY_LIMIT),
    "birth_date": parse_date,
    "id_number": parse_id_number,
    "phone": parse_phone,
    "education": Education.parse,
    "join_date": parse_date,
    "full_date": parse_date,
    "category": Category.parse,
    "standing": Standing.parse,
    "unit": _unit_ref,
    "post": Post.parse,
    "employer": text_parser(EMPLOYER_LIMIT),
    "in_service": parse_bool,
}
REQUIRED_MEMBER_FIELDS = ("name", "unit")


def field_parsers(today: dt.date) -> dict[str, Callable[[Any], Any]]:
    """:data:`MEMBER_FIELDS` with every parser taking one value: the ID number's judged on ``today``.

    ``today`` is the community's clock (``Community.clock.today()``), never the system's, so a
    birth date is "in the future" by the same day every rule of the call uses.
    """
    return {**MEMBER_FIELDS, "id_number": functools.partial(parse_id_number, today=today)}
#: Member fields that only the lifecycle changes (remove, restore, extend the probation).
LIFECYCLE_FIELDS = ("status", "removed_on", "removal_reason", "removed_to", "probation_extension_months")


def check_member(values: Mapping[str, Any], row: int | None = None, *, today: dt.date) -> list[Problem]:
    """Rules across fields of one member; ``values`` are already parsed.

    Checked: birth date and gender agree with the 公民身份号码; no date after ``today`` (the
    community's clock); 18 or older (周岁) on the join date; a full-member date not before
    the end of probation (a year after joining plus any recorded extension); no full-member date
    for a 预备党员.
    """
    problems: list[Problem] = []
    id_number = values.get("id_number")
    birth = values.get("birth_date")
    if id_number:
        id_birth = id_birth_date(id_number)
        if birth is not None and birth != id_birth:
            problems.append(Problem(row, "birth_date", _(
                "{birth} disagrees with the 公民身份号码, which says {id_birth}").format(
                    birth=birth.isoformat(), id_birth=id_birth.isoformat())))
        gender = values.get("gender")
        encoded = id_gender(id_number)
        if gender is not None and gender != encoded:
            problems.append(Problem(row, "gender", _("{gender} disagrees with the 公民身份号码, which says {encoded}")
                                    .format(gender=gender.zh, encoded=encoded.zh)))
        if birth is None:
            birth = id_birth
    join, full = values.get("join_date"), values.get("full_date")
    day = today
    # Called once per row by the bulk import: plain comparisons first, dates built only for messages.
    for field, date in (("birth_date", values.get("birth_date")), ("join_date", join), ("full_date", full)):
        if date is not None and date > day:
            problems.append(Problem(row, field, _("{date} is in the future (today is {today})")
                                    .format(date=date.isoformat(), today=day.isoformat())))
    if birth and join:
        if join < birth:
            problems.append(Problem(row, "join_date", _("{join} is before the birth date {birth}")
                                    .format(join=join.isoformat(), birth=birth.isoformat())))
        elif join.year - birth.year - ((join.month, join.day) < (birth.month, birth.day)) < JOINING_AGE:
            problems.append(Problem(row, "join_date", _(
                "on {join} the member was {age}; a member joins at {minimum} or older").format(
                    join=join.isoformat(), age=completed_years(birth, join), minimum=JOINING_AGE)))
    category = values.get("category")
    if category is Category.PROBATIONARY and full is not None:
        problems.append(Problem(row, "full_date", _("a probationary member (预备党员) has no full-member date yet")))
    elif category in (Category.FULL, None) and join and full is None and join.year >= day.year - 2:
        # No 转正日期 to check (a full member by default), but their probation has ended by today.
        end = probation_end(join, values.get("probation_extension_months") or 0)
        if end > day:
            problems.append(Problem(row, "category", _(
                "a member who joined on {join} is a probationary member (预备党员) until {end}; the 转正 comes "
                "after that day (member confirm)").format(join=join.isoformat(), end=end.isoformat())))
    elif join and full:
        if full < join:
            problems.append(Problem(row, "full_date", _("{full} is before the join date {join}")
                                    .format(full=full.isoformat(), join=join.isoformat())))
        else:
            extension = values.get("probation_extension_months") or 0
            gap = full.year - join.year
            # Without an extension, a full-member date on or after the join date's day of the next year
            # is past the end of probation; only the other cases need the date itself.
            if extension or gap == 0 or (gap == 1 and (full.month, full.day) < (join.month, join.day)):
                end = probation_end(join, extension)
                if full < end:
                    problems.append(Problem(row, "full_date", _(
                        "{full} is before the end of probation; the earliest full-member date is {end}").format(
                            full=full.isoformat(), end=end.isoformat())))
    return problems


def parse_member(raw: Mapping[str, Any], row: int | None = None, *, today: dt.date,
                 probation_extension_months: int | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Parse and check one member's fields; blank values are left out. Returns values and problems.

    ``probation_extension_months`` is a stored member's extension, which moves the earliest
    full-member date (it is not an input field: see ``MembersAPI.extend_probation``).
    """
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    parsers = field_parsers(today)
    for field, value in raw.items():
        parser = parsers.get(field)
        if parser is None:
            problems.append(Problem(row, field, _("unknown field; known: {known}").format(
                known=", ".join(MEMBER_FIELDS))))
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            parsed = parser(value)
        except InvalidValue as exc:
            problems.append(Problem(row, field, str(exc)))
            continue
        if parsed is not None:
            values[field] = parsed
    for field in REQUIRED_MEMBER_FIELDS:
        if field not in values and not any(p.field == field for p in problems):
            problems.append(Problem(row, field, _("is required")))
    if not problems:
        checked = {**values, "probation_extension_months": probation_extension_months} \
            if probation_extension_months else values
        problems.extend(check_member(checked, row, today=today))
    if not problems and values.get("id_number"):
        # The ID number carries birth date and gender; fill them in when the input left them out.
        values.setdefault("birth_date", id_birth_date(values["id_number"]))
        values.setdefault("gender", id_gender(values["id_number"]))
    return values, problems


# The lifecycle ---------------------------------------------------------------------------------

def check_removal(*, status: MemberStatus, removed_on: dt.date | None, reason: RemovalReason | None,
                  removed_to: str | None, today: dt.date, join_date: dt.date | None = None,
                  birth_date: dt.date | None = None, row: int | None = None) -> list[Problem]:
    """The removal fields agree with each other and with the member's dates.

    A removed member has a removal date (not in the future, not before joining or birth) and a reason; an
    active one has neither; only ``transferred-out`` names a receiving organization, and it must.
    """
    problems: list[Problem] = []
    day = today
    if status is MemberStatus.ACTIVE:
        for field, value in (("removed_on", removed_on), ("removal_reason", reason), ("removed_to", removed_to)):
            if value is not None:
                problems.append(Problem(row, field, _("is only for a member who left; this one is on the roll")))
        return problems
    if removed_on is None:
        problems.append(Problem(row, "removed_on", _("a removed member needs the date they left")))
    elif removed_on > day:
        problems.append(Problem(row, "removed_on", _("{date} is in the future (today is {today})")
                                .format(date=removed_on.isoformat(), today=day.isoformat())))
    elif join_date is not None and removed_on < join_date:
        problems.append(Problem(row, "removed_on", _("{date} is before the join date {join}")
                                .format(date=removed_on.isoformat(), join=join_date.isoformat())))
    elif birth_date is not None and removed_on < birth_date:
        problems.append(Problem(row, "removed_on", _("{date} is before the birth date {birth}")
                                .format(date=removed_on.isoformat(), birth=birth_date.isoformat())))
    if reason is None:
        problems.append(Problem(row, "removal_reason", _("a removed member needs a reason; one of: {choices}")
                                .format(choices=RemovalReason.choices())))
    elif reason is RemovalReason.TRANSFERRED_OUT and not removed_to:
        problems.append(Problem(row, "removed_to", _("a member transferred out needs the name of the receiving "
                                                     "organization")))
    elif reason is not RemovalReason.TRANSFERRED_OUT and removed_to:
        problems.append(Problem(row, "removed_to", _("only a member transferred out (转出) has a receiving "
                                                     "organization")))
    if removed_to is not None:
        try:
            clean_text(removed_to, DESTINATION_LIMIT)
        except InvalidValue as exc:
            problems.append(Problem(row, "removed_to", str(exc)))
    return problems


def check_extension(months: Any, *, category: Category, already: int | None) -> int:
    """The months of a probation extension: once, 6 to 12, for a 预备党员 only."""
    if category is not Category.PROBATIONARY:
        raise InvalidValue(_("only a probationary member's (预备党员) probation can be extended"))
    if already:
        raise InvalidValue(_("the probation was already extended by {months} months; it can be extended "
                             "only once").format(months=already))
    low, high = EXTENSION_MONTHS
    number: int | None = None
    if isinstance(months, int) and not isinstance(months, bool):
        number = months
    elif isinstance(months, str):
        text = nfkc(months).strip()
        number = int(text) if text.isascii() and text.isdigit() else None
    if number is None or not low <= number <= high:
        raise InvalidValue(_("a probation is extended by {low} to {high} months, got {months!r}").format(
            low=low, high=high, months=months))
    return number


def check_extension_value(months: int | None, row: int | None = None) -> list[Problem]:
    """A stored extension (from an export): empty, or 6 to 12 months."""
    low, high = EXTENSION_MONTHS
    if months is None or low <= months <= high:
        return []
    return [Problem(row, "probation_extension_months", _("must be {low} to {high} months, got {months}")
                    .format(low=low, high=high, months=months))]


# Residents ---------------------------------------------------------------------------------------

_FLAG_SEPARATORS = re.compile(r"[,，、;；/|\s]+")


def parse_flags(value: Any) -> tuple[ResidentFlag, ...]:
    """Resident flags from codes or labels, one value or many (``独居老人、残疾``), sorted by code."""
    items: Iterable[Any]
    if value is None:
        items = ()
    elif isinstance(value, str):
        items = [part for part in _FLAG_SEPARATORS.split(value.strip()) if part]
    else:
        items = value
    return tuple(sorted({ResidentFlag.parse(item) for item in items}, key=lambda f: f.value))


def parse_resident_name(value: Any) -> str:
    """A resident's name: required text of at most 100 characters."""
    name = clean_text(value, NAME_LIMIT)
    if name is None:
        raise InvalidValue(_("a resident needs a name"))
    return name


# The ID number -------------------------------------------------------------------------------------

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
