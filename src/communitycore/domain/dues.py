"""Party dues (党费, 中组发〔2008〕3号) as pure rules: the amount of a month, months, arrears runs.

Amounts are ``Decimal`` 元, rounded to the fen (0.01) by the rounding the setting
``dues-rounding`` names (``half-up`` by default: the sources give no rule). Stored amounts are
whole fen. A month is one number, ``year * 12 + month - 1``, as in the meetings' tables.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from communitycore.domain.codes import Coded
from communitycore.domain.fields import DATE_RANGE
from communitycore.domain.settings import in_words, parse_worded
from communitycore.errors import InvalidValue, bad_field
from communitycore.i18n import N_, _, get_language, listing
from communitycore.records import DuesCategory

FEN = Decimal("0.01")
#: The roundings a setting may name, and decimal's constant for each.
ROUNDINGS = {"half-up": decimal.ROUND_HALF_UP, "half-even": decimal.ROUND_HALF_EVEN, "down": decimal.ROUND_DOWN,
             "up": decimal.ROUND_UP}
DEFAULT_ROUNDING = "half-up"
#: The roundings in words.
ROUNDING_WORDS = {"half-up": N_("round half up"), "half-even": N_("round half to even"),
                  "down": N_("round down"), "up": N_("round up")}
#: 党章 §9: six consecutive months without paying dues, without good reason (a setting).
DEFAULT_LAPSE_MONTHS = 6
#: A single voluntary payment from which it goes wholly to the Central Committee (元).
CENTRAL_FROM = Decimal("1000")
#: The largest base or payment accepted, in 元 (a typo guard, not a rule).
MAX_AMOUNT = Decimal("100000000")


class RetireeBase(Coded):
    """What a retiree's base is: the total pension (2008) or the basic pension (组电明字〔2017〕5号)."""

    TOTAL_PENSION = ("total-pension", "养老金总额", "total pension")
    BASIC_PENSION = ("basic-pension", "基本养老金", "basic pension")


#: The codes of the retirees' bases, the choices of the setting ``dues-retiree-base``.
RETIREE_BASES = tuple(kind.value for kind in RetireeBase)
#: The retirees' base where no unit sets one (the 2008 rule).
DEFAULT_RETIREE_BASE = RETIREE_BASES[0]


def parse_rounding(value: Any) -> str:
    """The setting ``dues-rounding``: a rounding's code or its words (四舍五入 for ``half-up``)."""
    return parse_worded(value, ROUNDING_WORDS)


def describe_rounding(value: str) -> str:
    """A rounding code in words: 四舍五入 for ``half-up``."""
    return in_words(value, ROUNDING_WORDS)


def parse_retiree_base(value: Any) -> str:
    """The setting ``dues-retiree-base``: a base's code, label or alias (养老金总额 for ``total-pension``)."""
    return str(RetireeBase.parse(value).value)


def describe_retiree_base(value: str) -> str:
    """A retirees' base code in words: 养老金总额 for ``total-pension``."""
    return RetireeBase.parse(value).label(get_language())

_MONTH = re.compile(r"^\s*(\d{4})\s*(?:-|年|/|\.)\s*(\d{1,2})\s*月?\s*$")


def month_number(year: int, month: int) -> int:
    """``year * 12 + month - 1``."""
    return year * 12 + month - 1


def month_of(day: dt.date) -> int:
    """The month number of a date."""
    return month_number(day.year, day.month)


def month_text(number: int) -> str:
    """``YYYY-MM`` of a month number."""
    year, month = divmod(number, 12)
    return f"{year:04d}-{month + 1:02d}"


def month_end(number: int) -> dt.date:
    """The last day of a month."""
    year, month = divmod(number + 1, 12)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def parse_month(value: object, field: str = "month") -> int:
    """``2025-03``, ``2025年3月``, ``2025/3`` or a date: the month number; else :class:`InvalidValue`.

    A month keeps to the years a date can name (``DATE_RANGE``)."""
    if isinstance(value, dt.date):
        year, month = value.year, value.month
    else:
        match = _MONTH.match(str(value)) if value is not None else None
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise bad_field(field, _("expected a month such as 2025-03, got {value!r}").format(value=value),
                            entity="dues")
        year, month = int(match.group(1)), int(match.group(2))
    if not DATE_RANGE[0].year <= year <= DATE_RANGE[1].year:
        raise bad_field(field, _("{month} lies outside the years {first} to {last}; check the year").format(
            month=f"{year:04d}-{month:02d}", first=DATE_RANGE[0].year, last=DATE_RANGE[1].year), entity="dues")
    return month_number(year, month)


def before_joining(joined: dt.date | None, month: int, paid_on: dt.date) -> tuple[str, str] | None:
    """The field (``month`` or ``on``) and the words of a payment for a month, or made on a day, before
    the member joined; None when neither is (or no joining date is on record). Dues are owed from
    the month of joining, and nobody pays them before."""
    if joined is None:
        return None
    if month < month_of(joined):
        return "month", _("{month} is before the member joined ({date})").format(month=month_text(month),
                                                                                 date=joined.isoformat())
    if paid_on < joined:
        return "on", _("the payment date {date} is before the member joined ({joined})").format(
            date=paid_on.isoformat(), joined=joined.isoformat())
    return None


def parse_amount(value: object, field: str = "amount", *, zero: bool = True) -> Decimal:
    """An amount in 元 with at most two decimals, at least 0 (more than 0 unless ``zero``)."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").removesuffix("元"))
    except (decimal.InvalidOperation, ValueError):
        raise bad_field(field, _("expected an amount in yuan such as 3500.00, got {value!r}").format(value=value),
                        entity="dues") from None
    # The size before the fen: a huge amount (1e400) cannot be brought to fen within Decimal's precision.
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT \
            or amount != amount.quantize(FEN, rounding=decimal.ROUND_DOWN) or (not zero and amount == 0):
        raise bad_field(field, _("expected an amount of at least {low} yuan with at most two decimals, got "
                                 "{value!r}").format(low="0" if zero else "0.01", value=value), entity="dues")
    return amount


def to_fen(amount: Decimal) -> int:
    """Whole fen of an amount already at two decimals."""
    return int(amount * 100)


def from_fen(fen: int) -> Decimal:
    """The amount in 元 of whole fen."""
    return (Decimal(int(fen)) / 100).quantize(FEN)


def find_category(categories: Mapping[str, DuesCategory], value: str) -> DuesCategory:
    """A category by code, Chinese label, English label or alias; else :class:`InvalidValue` listing them."""
    text = str(value).strip()
    for category in categories.values():
        if text in (category.code, category.label, category.label_en, *category.aliases):
            return category
    raise bad_field("category", _("unknown dues category {value!r}; known: {known}").format(
        value=value, known=listing(categories)), entity="dues")


@attrs.frozen(kw_only=True)
class DuesAmount:
    """What a member owes for a month, with the rule that gave it."""

    category: str
    base: Decimal | None
    rate: Decimal | None
    """The rate in percent, or None for a fixed amount."""
    amount: Decimal
    rule: str


def amount_for(category: DuesCategory, base: Decimal | None, *, rounding: str = DEFAULT_ROUNDING) -> DuesAmount:
    """The monthly amount of ``category`` on ``base``: the band whose inclusive upper bound first holds it."""
    if category.fixed is not None:
        return DuesAmount(category=category.code, base=base, rate=None, amount=Decimal(category.fixed).quantize(FEN),
                          rule=category.source)
    if base is None:
        raise bad_field("base", _("the category {category} pays a share of a base, and none is set").format(
            category=category.code), entity="dues")
    for upper, rate in category.bands:
        if upper == "" or base <= Decimal(upper):
            share = Decimal(rate)
            amount = (base * share / 100).quantize(FEN, rounding=ROUNDINGS[rounding])
            return DuesAmount(category=category.code, base=base, rate=share, amount=amount, rule=category.source)
    raise bad_field("base", _("{base} is above every band of the category {category}").format(
        base=base, category=category.code), entity="dues")


def round_ratio(numerator: int, denominator: int, rounding: str = DEFAULT_ROUNDING) -> int:
    """``numerator / denominator`` (both at least 0, the denominator above 0) rounded to a whole number
    by the named rounding, exactly as ``Decimal.quantize`` would."""
    whole, rest = divmod(numerator, denominator)
    if rest == 0 or rounding == "down":
        return whole
    if rounding == "up":
        return whole + 1
    if 2 * rest != denominator:
        return whole + (2 * rest > denominator)
    return whole + (1 if rounding == "half-up" else whole % 2)


def rate_ratio(rate: str) -> tuple[int, int]:
    """A rate in percent as the whole-number ratio that turns fen of base into fen owed."""
    numerator, denominator = Decimal(rate).as_integer_ratio()
    return numerator, denominator * 100


def due_fen(category: DuesCategory, base_fen: int | None, rounding: str = DEFAULT_ROUNDING) -> int:
    """:func:`amount_for` in whole fen, by integer arithmetic: the same result, fast enough to work
    out once per member of a city."""
    if category.fixed is not None:
        return to_fen(Decimal(category.fixed).quantize(FEN))
    if base_fen is None:
        raise bad_field("base", _("the category {category} pays a share of a base, and none is set").format(
            category=category.code), entity="dues")
    for upper, rate in category.bands:
        if upper == "" or base_fen <= to_fen(Decimal(upper)):
            numerator, denominator = rate_ratio(rate)
            return round_ratio(base_fen * numerator, denominator, rounding)
    raise bad_field("base", _("{base} is above every band of the category {category}").format(
        base=from_fen(base_fen), category=category.code), entity="dues")


def check_bands(category: DuesCategory) -> None:
    """Bands ascend, end unbounded, and rates are percentages; or the category is fixed."""
    if category.fixed is not None:
        return
    uppers = [Decimal(u) for u, _r in category.bands if u != ""]
    if not category.bands or category.bands[-1][0] != "" or uppers != sorted(set(uppers)):
        raise InvalidValue(_("dues category {code}: bands must ascend and the last must have no bound").format(
            code=category.code))


def runs(months: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs of month numbers, as (first, length), in order."""
    found: list[tuple[int, int]] = []
    for month in sorted(set(months)):
        if found and found[-1][0] + found[-1][1] == month:
            found[-1] = (found[-1][0], found[-1][1] + 1)
        else:
            found.append((month, 1))
    return found


def longest_run(months: Sequence[int]) -> int:
    """The longest run of consecutive months."""
    return max((length for _first, length in runs(months)), default=0)


@attrs.frozen(kw_only=True)
class DuesBase:
    """A member's dues category and base from a month on, or an approved hardship reduction."""

    member_id: int
    from_month: str
    """``YYYY-MM``: the month the new pay was received."""
    category: str
    base: Decimal | None
    reduced: Decimal | None = None
    """The monthly amount a hardship approval set instead (困难减免), or None."""
    approval: str | None = None
    base_kind: str | None = None
    """For a retiree, what the base is (``total-pension`` or ``basic-pension``): the setting
    ``dues-retiree-base`` in force at the member's unit when the base was set; else None."""


@attrs.frozen(kw_only=True)
class MonthDue:
    """What a member owes for a month, with the rule applied (``dues amount``)."""

    member_id: int
    month: str
    category: str
    base: Decimal | None
    rate: Decimal | None
    amount: Decimal
    rule: str
    paid: Decimal = Decimal("0.00")
    base_kind: str | None = None
    """For a retiree, what the base is (``total-pension`` or ``basic-pension``), as recorded with it."""


@attrs.frozen(kw_only=True)
class Payment:
    """One payment recorded."""

    id: int
    member_id: int
    month: str
    amount: Decimal
    paid_on: dt.date
    extra: bool
    central: bool
    """A voluntary payment of 1000 元 or more: it goes wholly to the Central Committee."""


@attrs.frozen(kw_only=True)
class Arrears:
    """A member's unpaid months (``dues arrears``); ``lapse_flag``: a run of the lapse months or more (党章 §9)."""

    member_id: int
    name: str
    unit_id: int
    unpaid_months: tuple[str, ...]
    longest_run: int
    lapse_flag: bool


class MonthDues(Sequence[MonthDue]):
    """What every member of a population owes for one month (``dues.amounts``), in member order.

    Each member is held as its id and the index of its (category, base) in a table of the distinct
    ones, and becomes a :class:`MonthDue` when read: a city's million members cost two integers
    each until then. ``total`` sums without making any record.
    """

    def __init__(self, month: str, members: Sequence[int], kinds: Sequence[int],
                 table: Sequence[MonthDue]) -> None:
        self.month = month
        self._members = members
        self._kinds = kinds
        self._table = table

    def __len__(self) -> int:
        return len(self._members)

    def _at(self, i: int) -> MonthDue:
        return attrs.evolve(self._table[self._kinds[i]], member_id=self._members[i], month=self.month)

    def __getitem__(self, index: int | slice) -> MonthDue | list[MonthDue]:  # type: ignore[override]
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._at(index)

    def __iter__(self) -> Iterator[MonthDue]:
        return (self._at(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    @property
    def total(self) -> Decimal:
        """The sum owed, exact to the fen."""
        counts: dict[int, int] = {}
        for kind in self._kinds:
            counts[kind] = counts.get(kind, 0) + 1
        return sum((self._table[k].amount * n for k, n in counts.items()), Decimal("0.00"))


@attrs.frozen(kw_only=True)
class Standing:
    """A member's dues standing: the months short (paid less than owed) from their start up to
    ``frontier``, the last month with a base change or a payment, and whether the months after it
    owe. Past the frontier nothing is paid and the last base holds, so every month there is short
    when that base owes (``tail_due``): the standing answers for any span without the payments."""

    join_month: int
    """Where owing starts at the latest (the join month; 0 without a join date)."""
    frontier: int
    tail_due: bool
    short: tuple[tuple[int, int], ...]
    """Runs of short months up to the frontier, as (first, length), in order."""
    join_date: dt.date | None = None
    """The join date it was worked out with."""

    def unpaid(self, first: int, last: int) -> list[int]:
        """The short months from ``first`` to ``last``."""
        return [m for start, end in self.unpaid_runs(first, last) for m in range(start, end + 1)]

    def unpaid_runs(self, first: int, last: int) -> list[tuple[int, int]]:
        """The runs of short months from ``first`` to ``last``, as (first, last) month, in order."""
        return unpaid_runs(self.join_month, self.frontier, self.tail_due, self.runs_text(), first, last)

    def runs_text(self) -> str:
        """The runs as stored: ``first:length`` joined by commas."""
        return ",".join(f"{start}:{length}" for start, length in self.short)


def work_out_standing(bases: Sequence[tuple[int, int]], paid: Mapping[int, int],
                      join_date: dt.date | None) -> Standing:
    """The standing of a member from their bases, as ``(from_month, fen owed a month)`` ascending by
    month and then by recording (the later of one month holds), and the fen paid per month.

    Months before the first base or the join month owe nothing; a month owing 0 is never short."""
    join_month = 0 if join_date is None else month_of(join_date)
    start = max(bases[0][0], join_month)
    frontier = max(bases[-1][0], max(paid, default=bases[-1][0]))
    short: list[int] = []
    due = bases[0][1]
    i = 0
    for month in range(start, frontier + 1):
        while i < len(bases) and bases[i][0] <= month:
            due = bases[i][1]
            i += 1
        if due > 0 and paid.get(month, 0) < due:
            short.append(month)
    return Standing(join_month=join_month, frontier=frontier, tail_due=bases[-1][1] > 0, short=tuple(runs(short)),
                    join_date=join_date)


def unpaid_runs(join_month: int, frontier: int, tail_due: bool, runs_text: str, first: int,
                last: int) -> list[tuple[int, int]]:
    """:meth:`Standing.unpaid_runs` of a standing as stored, without making it (arrears read a
    city's standings)."""
    out: list[tuple[int, int]] = []
    for run in runs_text.split(",") if runs_text else ():
        start, _sep, length = run.partition(":")
        low, high = max(int(start), first), min(int(start) + int(length) - 1, last)
        if low <= high:
            out.append((low, high))
    if tail_due:
        low = max(frontier + 1, join_month, first)
        if low <= last:
            if out and out[-1][1] + 1 == low:
                out[-1] = (out[-1][0], last)
            else:
                out.append((low, last))
    return out
