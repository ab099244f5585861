"""Calendar periods: a year, a half, a quarter, a month or an ISO week, as one value type.

Compliance, scoring, metrics and reviews all ask "which period is this?" and "what is inside it?";
:class:`Period` answers both, parses what people type (``2025Q1``, ``2025年第一季度`` ...) and
prints one canonical text form (``str(period)``) that parses back to the same period, so that
form is what JSON, the database and the command line use.

Weeks are ISO 8601 weeks (Monday to Sunday, week 1 holds the year's first Thursday), so a week
may straddle two months or two years. Where a week has to belong to one month, quarter, half or
year, it belongs to the one that holds its **Thursday**, the same rule ISO uses to give a week
its year. Every week therefore belongs to exactly one period of each coarser cadence, and the
weeks of the months of a quarter are exactly the weeks of the quarter.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Callable
from typing import Final, Literal, TypeAlias

import attrs

from ..errors import InvalidValue
from ..i18n import N_, _, listing
from .fields import DATE_RANGE

#: The granularities of a period, coarsest first.
PeriodKind = Literal["year", "half", "quarter", "month", "week"]
KINDS: Final[tuple[PeriodKind, ...]] = ("year", "half", "quarter", "month", "week")

#: The cadence names, the values of :class:`communitycore.records.Cadence`, coarsest first.
CADENCES: Final[tuple[str, ...]] = ("yearly", "half-yearly", "quarterly", "monthly", "weekly")

_KIND_OF_CADENCE: Final[dict[str, PeriodKind]] = dict(zip(CADENCES, KINDS, strict=True))
_CADENCE_OF_KIND: Final[dict[PeriodKind, str]] = dict(zip(KINDS, CADENCES, strict=True))
_RANK: Final[dict[str, int]] = {kind: rank for rank, kind in enumerate(KINDS)}  # 0 = coarsest
_MONTHS_PER: Final[dict[str, int]] = {"year": 12, "half": 6, "quarter": 3, "month": 1}
#: The kinds of period as words in a message (translated where shown).
_KIND_WORDS: Final[dict[str, str]] = {"year": N_("year"), "half": N_("half-year"), "quarter": N_("quarter"),
                                      "month": N_("month"), "week": N_("week")}
_PLURAL: Final[dict[str, str]] = {"year": N_("years"), "half": N_("half-years"), "quarter": N_("quarters"),
                                  "month": N_("months"), "week": N_("weeks")}

_ONE_DAY: Final = dt.timedelta(days=1)
# A period keeps to the years a date can name: period 0001 or 9999 is a slip of the keyboard, and
# its start or end would run off the ends of datetime once shifted into a timezone.
_MIN_YEAR: Final = DATE_RANGE[0].year
_MAX_YEAR: Final = DATE_RANGE[1].year

_MONTH_NAMES_EN: Final[tuple[str, ...]] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Full names and three-letter abbreviations, upper-cased as parse() compares them; and "Sept".
_MONTH_BY_NAME_EN: Final[dict[str, int]] = {
    **{name.upper(): number for number, name in enumerate(_MONTH_NAMES_EN, start=1)},
    **{name[:3].upper(): number for number, name in enumerate(_MONTH_NAMES_EN, start=1)},
    "SEPT": 9,
}
_ZH_DIGITS: Final[str] = "一二三四五六七八九"
_ZH_ORDINALS: Final[tuple[str, ...]] = ("一", "二", "三", "四")

#: The ways of writing a period a refusal shows, as one list in the language in force.
ACCEPTED_FORMS: Final[tuple[str, ...]] = (
    "2025", "2025H1", "2025Q1", "2025-03", "2025W10", "2025-W10", "2025年", "2025年上半年", "2025年第一季度",
    "2025年3月", "2025年第10周",
)


def _weeks_in(iso_year: int) -> int:
    """52 or 53: 28 December always lies in the ISO year's last week."""
    return dt.date(iso_year, 12, 28).isocalendar().week


def _kind_of(cadence: str) -> PeriodKind:
    """The kind of period for a cadence name or a :class:`~communitycore.records.Cadence` member."""
    # A str-enum member's str() is "Cadence.WEEKLY" on 3.11, so take its value rather than str() it.
    name = cadence.value if isinstance(cadence, enum.Enum) else cadence
    kind = _KIND_OF_CADENCE.get(str(name).strip().lower())
    if kind is None:
        raise InvalidValue(_("{value!r} is not a cadence; use one of {choices}").format(
            value=cadence, choices=listing(reversed(CADENCES))))
    return kind


def _as_date(value: dt.date) -> dt.date:
    """A date as is, a datetime by its own (local) date."""
    return value.date() if isinstance(value, dt.datetime) else value


@attrs.frozen(order=False, repr=False)
class Period:
    """One calendar period: a year, a half (H1/H2), a quarter (Q1-Q4), a month or an ISO week.

    Build one with :meth:`year`, :meth:`half`, :meth:`quarter`, :meth:`month`, :meth:`week`,
    :meth:`containing` or :meth:`parse` rather than the raw fields. Periods are immutable and
    hashable; they compare equal when kind, year and index are equal, and order by start date,
    then by end date (so a year sorts just after its first quarter, which starts the same day).
    ``date in period`` tests whether a date (or a datetime, by its date) lies in the period, and
    ``other in period`` whether another period lies wholly inside it.
    """

    kind: PeriodKind
    """``"year"``, ``"half"``, ``"quarter"``, ``"month"`` or ``"week"``."""
    year_number: int
    """The calendar year; for a week, its ISO year (``2025W01`` starts 2024-12-30)."""
    index: int
    """The period's 1-based number within the year: 1 for a year, 1-2 for a half, 1-4 for a quarter,
    1-12 for a month, 1-52 or 1-53 for a week."""

    def __attrs_post_init__(self) -> None:
        """Refuse a period that does not exist, so that every Period has real start and end dates."""
        if self.kind not in _RANK:
            raise InvalidValue(_("{value!r} is not a kind of period; use one of {choices}").format(
                value=self.kind, choices=listing(KINDS)))
        for name in ("year_number", "index"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidValue(_("a period's {name} must be an integer, got {value!r}").format(
                    name=name, value=value))
        if not _MIN_YEAR <= self.year_number <= _MAX_YEAR:
            raise InvalidValue(_("year {year} is outside {first}-{last}").format(
                year=self.year_number, first=_MIN_YEAR, last=_MAX_YEAR))
        last = _weeks_in(self.year_number) if self.kind == "week" else 12 // _MONTHS_PER[self.kind]
        if not 1 <= self.index <= last:
            if self.kind == "week":
                raise InvalidValue(_("{year} has ISO weeks 1 to {last}, not {index}").format(
                    year=self.year_number, last=last, index=self.index))
            if self.kind == "year":
                raise InvalidValue(_("a year period has index 1, not {index}").format(index=self.index))
            raise InvalidValue(_("a year has {parts} 1 to {last}, not {index}").format(
                parts=_(_PLURAL[self.kind]), last=last, index=self.index))

    # Constructors ---------------------------------------------------------------------------

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year ``year``, e.g. ``Period.year(2025)`` is ``2025``."""
        return cls("year", year, 1)

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        """The first (1, 上半年) or second (2, 下半年) half of ``year``."""
        return cls("half", year, half)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Quarter 1-4 of ``year``."""
        return cls("quarter", year, quarter)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """Month 1-12 of ``year``."""
        return cls("month", year, month)

    @classmethod
    def week(cls, iso_year: int, week: int) -> Period:
        """ISO week ``week`` of ``iso_year``; refused unless that year has the week (52 or 53 weeks)."""
        return cls("week", iso_year, week)

    @classmethod
    def containing(cls, day: dt.date, cadence: str) -> Period:
        """The period of ``cadence`` (``"quarterly"``, a ``Cadence`` ...) that contains ``day``.

        A datetime counts by its own date, as it reads in its time zone.
        """
        day = _as_date(day)
        kind = _kind_of(cadence)
        if kind == "week":
            iso = day.isocalendar()
            return cls("week", iso.year, iso.week)
        return cls(kind, day.year, (day.month - 1) // _MONTHS_PER[kind] + 1)

    @classmethod
    def range(cls, first: Period, last: Period) -> tuple[Period, ...]:
        """``first``, ``last`` and every period between them, in order; empty when ``last < first``.

        Both ends must be of the same kind.
        """
        if first.kind != last.kind:
            raise InvalidValue(_("a range of periods needs two of one kind, got a {first} and a {last}").format(
                first=_(_KIND_WORDS[first.kind]), last=_(_KIND_WORDS[last.kind])))
        found: list[Period] = []
        current = first
        while current <= last:
            found.append(current)
            if current == last:  # stop before next(), which may not exist after the last period
                break
            current = current.next()
        return tuple(found)

    # Parsing and text -------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Period:
        """The period a text names, in a canonical, Chinese or English form.

        Accepted: ``2025``, ``2025H1``, ``2025Q1``, ``2025-03`` (also ``2025/03``), ``2025W10``
        (also ``2025-W10``); ``2025年`` (``2025年度``), ``2025年上半年``, ``2025年第一季度``
        (``第1季度``, ``一季度``, ``2025年1季度``), ``2025年3月`` (``2025年03月``), ``2025年第10周``;
        and the English labels ``2025 Q1``, ``2025 H1``, ``March 2025``, ``2025 week 10``. Case and
        surrounding spaces do not matter, and full-width digits and letters are read as ASCII.
        An unrecognised text or a period that does not exist raises :class:`InvalidValue`.
        """
        if not isinstance(text, str):
            raise InvalidValue(_("{value!r} is not a period; use {forms}").format(
                value=text, forms=listing(ACCEPTED_FORMS)))
        # NFKC turns full-width "２０２５Ｑ１" into "2025Q1" and the ideographic space into a space.
        normalized = unicodedata.normalize("NFKC", text).strip().upper()
        for pattern, build in _PATTERNS:
            match = pattern.fullmatch(normalized)
            if match is None:
                continue
            try:
                found = build(match)
            except InvalidValue as exc:
                raise InvalidValue(_("{value!r} is not a period: {problem}").format(value=text, problem=exc)) from None
            if found is not None:
                return found
        raise InvalidValue(_("{value!r} is not a period; use {forms}").format(
            value=text, forms=listing(ACCEPTED_FORMS)))

    def __str__(self) -> str:
        """The canonical form: ``2025``, ``2025H1``, ``2025Q1``, ``2025-03`` or ``2025W10``."""
        year = f"{self.year_number:04d}"
        if self.kind == "year":
            return year
        if self.kind == "half":
            return f"{year}H{self.index}"
        if self.kind == "quarter":
            return f"{year}Q{self.index}"
        if self.kind == "month":
            return f"{year}-{self.index:02d}"
        return f"{year}W{self.index:02d}"

    def __repr__(self) -> str:
        """``Period.parse('2025Q1')``: readable, and it evaluates back to the period."""
        return f"Period.parse({str(self)!r})"

    def label(self, lang: str = "zh") -> str:
        """A label for people: ``2025年第一季度`` / ``2025 Q1``, ``2025年3月`` / ``March 2025`` ...

        ``lang`` is ``"zh"`` (the default) or ``"en"``; every label parses back to its period.
        """
        year = f"{self.year_number:04d}"
        if lang == "zh":  # i18n: skip (labels that parse back, in both languages, not messages)
            if self.kind == "year":
                return f"{year}年"
            if self.kind == "half":
                return f"{year}年{'上' if self.index == 1 else '下'}半年"
            if self.kind == "quarter":
                return f"{year}年第{_ZH_ORDINALS[self.index - 1]}季度"
            if self.kind == "month":
                return f"{year}年{self.index}月"
            return f"{year}年第{self.index}周"
        if lang == "en":  # i18n: skip
            if self.kind == "year":
                return year
            if self.kind == "half":
                return f"{year} H{self.index}"
            if self.kind == "quarter":
                return f"{year} Q{self.index}"
            if self.kind == "month":
                return f"{_MONTH_NAMES_EN[self.index - 1]} {year}"
            return f"{year} week {self.index}"
        raise InvalidValue(_("lang must be 'zh' or 'en', got {value!r}").format(value=lang))

    # Dates ------------------------------------------------------------------------------------

    @property
    def start(self) -> dt.date:
        """The first day of the period (a Monday for a week)."""
        if self.kind == "week":
            return dt.date.fromisocalendar(self.year_number, self.index, 1)
        return dt.date(self.year_number, (self.index - 1) * _MONTHS_PER[self.kind] + 1, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the period, inclusive (a Sunday for a week)."""
        if self.kind == "week":
            return self.start + 6 * _ONE_DAY
        last_month = self.index * _MONTHS_PER[self.kind]
        if last_month == 12:
            return dt.date(self.year_number, 12, 31)
        return dt.date(self.year_number, last_month + 1, 1) - _ONE_DAY

    @property
    def cadence(self) -> str:
        """The cadence whose periods are of this kind: ``"quarterly"`` for a quarter, and so on."""
        return _CADENCE_OF_KIND[self.kind]

    def __contains__(self, item: object) -> bool:
        """Whether a date (a datetime by its date) lies in the period, or a period wholly inside it."""
        if isinstance(item, Period):
            return self.start <= item.start and item.end <= self.end
        if isinstance(item, dt.date):
            return self.start <= _as_date(item) <= self.end
        # Not False: a date written as text would otherwise be silently "not in" every period.
        raise TypeError(f"a period contains dates and periods, not {type(item).__name__}")

    # Neighbours and parts ---------------------------------------------------------------------

    def next(self) -> Period:
        """The period of the same kind that starts the day after this one ends (none after 2099: refused)."""
        return Period.containing(self.end + _ONE_DAY, self.cadence)

    def previous(self) -> Period:
        """The period of the same kind that ends the day before this one starts (none before 1900: refused)."""
        return Period.containing(self.start - _ONE_DAY, self.cadence)

    def subperiods(self, cadence: str) -> tuple[Period, ...]:
        """The periods of ``cadence`` inside this one, in order: the months of a quarter, the weeks of a month.

        Calendar sub-periods tile the period exactly. Weeks are the ISO weeks whose Thursday falls in
        the period, so each week belongs to one month, one quarter, one half and one year, even when
        it straddles two of them. The same cadence gives ``(self,)``; a coarser one (the quarters of
        a month, the months of a week) raises :class:`InvalidValue`.
        """
        kind = _kind_of(cadence)
        if kind == self.kind:
            return (self,)
        if _RANK[kind] < _RANK[self.kind]:
            raise InvalidValue(
                _("a {kind} is not made of {parts}; ask for {cadence} or a finer cadence").format(
                    kind=_(_KIND_WORDS[self.kind]), parts=_(_PLURAL[kind]), cadence=self.cadence)
            )
        if kind == "week":
            thursday = self.start + ((3 - self.start.weekday()) % 7) * _ONE_DAY
            weeks: list[Period] = []
            while thursday <= self.end:
                iso = thursday.isocalendar()
                weeks.append(Period("week", iso.year, iso.week))
                thursday += 7 * _ONE_DAY
            return tuple(weeks)
        # Years, halves, quarters and months nest exactly: count whole sub-periods from the first one.
        count = _MONTHS_PER[self.kind] // _MONTHS_PER[kind]
        first = Period.containing(self.start, cadence)
        return tuple(Period(kind, self.year_number, first.index + i) for i in range(count))

    def enclosing(self, cadence: str) -> Period:
        """The period of ``cadence`` (this one's or a coarser one) that this period belongs to.

        A week belongs to the period holding its Thursday, so ``p in p.enclosing(c).subperiods(p.cadence)``
        always holds. A finer cadence raises :class:`InvalidValue`.
        """
        kind = _kind_of(cadence)
        if _RANK[kind] > _RANK[self.kind]:
            raise InvalidValue(
                _("a {kind} does not belong to one {other}; ask for {cadence} or a coarser cadence").format(
                    kind=_(_KIND_WORDS[self.kind]), other=_(_KIND_WORDS[kind]), cadence=self.cadence)
            )
        anchor = self.start + 3 * _ONE_DAY if self.kind == "week" else self.start  # a week's Thursday
        return Period.containing(anchor, cadence)

    # Ordering: by start date, then end date; (start, end) identifies a period, so this agrees with ==.

    def _key(self) -> tuple[dt.date, dt.date]:
        return (self.start, self.end)

    def __lt__(self, other: object) -> bool:
        """Whether this period starts earlier (or starts the same day and ends earlier)."""
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: object) -> bool:
        """``<`` or ``==``."""
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: object) -> bool:
        """Whether this period starts later (or starts the same day and ends later)."""
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: object) -> bool:
        """``>`` or ``==``."""
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() >= other._key()


# Parsing tables -------------------------------------------------------------------------------

#: Builds a period from a pattern's match; None when a group is not a number after all (``一一``).
_Builder: TypeAlias = Callable[[re.Match[str]], Period | None]


def _number(token: str) -> int | None:
    """An ASCII number or a Chinese numeral from 一 to 九十九; None for anything else (``一一``)."""
    if token.isascii():
        return int(token)
    if "十" not in token:
        return _ZH_DIGITS.index(token) + 1 if len(token) == 1 and token in _ZH_DIGITS else None
    tens, _ten, ones = token.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    value = (_ZH_DIGITS.index(tens) + 1 if tens else 1) * 10
    return value + (_ZH_DIGITS.index(ones) + 1 if ones else 0)


def _numbered(kind: PeriodKind) -> _Builder:
    """A builder for ``kind`` from the groups (year, number), the number ASCII or Chinese."""

    def build(match: re.Match[str]) -> Period | None:
        index = _number(match.group(2))
        return None if index is None else Period(kind, int(match.group(1)), index)

    return build


def _half_zh(match: re.Match[str]) -> Period:
    return Period.half(int(match.group(1)), 1 if match.group(2) == "上" else 2)


def _month_en(match: re.Match[str]) -> Period | None:
    month = _MONTH_BY_NAME_EN.get(match.group(1))
    return None if month is None else Period.month(int(match.group(2)), month)


# Years are exactly four digits, as str() writes them; [0-9] rather than \d, which is any script's digit.
_Y: Final = r"([0-9]{4})"
_N: Final = r"([0-9]{1,2}|[一二三四五六七八九十]{1,3})"


def _year(match: re.Match[str]) -> Period:
    return Period.year(int(match.group(1)))


# Tried in order, each against the whole normalized text; the first that matches decides.
_PATTERNS: Final[tuple[tuple[re.Pattern[str], _Builder], ...]] = tuple(
    (re.compile(pattern), build)
    for pattern, build in (
        (_Y, _year),
        (rf"{_Y}[-\s]?H([0-9]{{1,2}})", _numbered("half")),
        (rf"{_Y}[-\s]?Q([0-9]{{1,2}})", _numbered("quarter")),
        (rf"{_Y}[-/.]([0-9]{{1,2}})", _numbered("month")),
        (rf"{_Y}[-\s]?W([0-9]{{1,2}})", _numbered("week")),
        (rf"{_Y}\s*WEEK\s*([0-9]{{1,2}})", _numbered("week")),
        (r"([A-Z]+)\.?\s*" + _Y, _month_en),
        (rf"{_Y}\s*年度?", _year),
        (rf"{_Y}\s*年?\s*([上下])\s*半年度?", _half_zh),
        (rf"{_Y}\s*年?\s*第?\s*{_N}\s*季度", _numbered("quarter")),
        (rf"{_Y}\s*年\s*{_N}\s*月份?", _numbered("month")),
        (rf"{_Y}\s*年\s*第?\s*{_N}\s*周", _numbered("week")),
    )
)
