"""Period: parsing (canonical, Chinese and English forms), dates, containment, neighbours, sub-periods.

Properties run over every kind of period in the years 1900-2200; examples pin the forms people type
and the ISO-week corner cases (week 1 starting in December, 53-week years).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communitycore.domain.periods import CADENCES, KINDS, Period
from communitycore.errors import InvalidValue
from communitycore.records import Cadence

PURE = settings(max_examples=200, deadline=None)
ONE_DAY = dt.timedelta(days=1)
# A year inside the years a period can name (1900 to 2099), so that every period has neighbours.
FIRST_YEAR, LAST_YEAR = 1901, 2098

years = st.integers(FIRST_YEAR, LAST_YEAR)
# Days of the full ISO years too, so that weeks starting in late December of 1900 are covered.
days = st.dates(min_value=dt.date(FIRST_YEAR, 1, 1), max_value=dt.date(LAST_YEAR, 12, 31))
cadences = st.sampled_from(CADENCES)


def weeks_in(iso_year: int) -> int:
    return dt.date(iso_year, 12, 28).isocalendar().week


periods = st.one_of(
    years.map(Period.year),
    st.builds(Period.half, years, st.integers(1, 2)),
    st.builds(Period.quarter, years, st.integers(1, 4)),
    st.builds(Period.month, years, st.integers(1, 12)),
    years.flatmap(lambda y: st.integers(1, weeks_in(y)).map(lambda w: Period.week(y, w))),
)


def each_day(period: Period) -> list[dt.date]:
    return [period.start + i * ONE_DAY for i in range((period.end - period.start).days + 1)]


def thursday(week: Period) -> dt.date:
    return week.start + 3 * ONE_DAY


def finer_or_same(period: Period) -> list[str]:
    return list(CADENCES[KINDS.index(period.kind) :])


def to_fullwidth(text: str) -> str:
    """ASCII letters, digits and '-' as their full-width forms (U+FF01-U+FF5E), as some IMEs type them."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# Properties -----------------------------------------------------------------------------------


@PURE
@given(periods)
def test_text_round_trip(p: Period) -> None:
    text = str(p)
    assert Period.parse(text) == p
    assert str(Period.parse(text)) == text
    assert Period.parse(f"  {text.lower()}\t") == p
    assert Period.parse(to_fullwidth(text)) == p
    assert eval(repr(p), {"Period": Period}) == p


@PURE
@given(periods)
def test_labels_parse_back(p: Period) -> None:
    assert Period.parse(p.label()) == p
    assert Period.parse(p.label("zh")) == p
    assert Period.parse(p.label("en")) == p
    assert Period.parse(to_fullwidth(p.label("zh"))) == p


@PURE
@given(periods)
def test_dates_in_and_around(p: Period) -> None:
    assert p.start <= p.end
    for day in each_day(p):
        assert day in p
    assert p.start - ONE_DAY not in p
    assert p.end + ONE_DAY not in p
    assert dt.datetime.combine(p.start, dt.time(0, 0)) in p
    assert dt.datetime.combine(p.end, dt.time(23, 59, 59)) in p
    assert dt.datetime.combine(p.end + ONE_DAY, dt.time(0, 0)) not in p
    assert p in p


@PURE
@given(periods)
def test_kind_lengths(p: Period) -> None:
    length = (p.end - p.start).days + 1
    expected = {"year": (365, 366), "half": (181, 182, 183, 184), "quarter": (90, 91, 92), "month": (28, 29, 30, 31)}
    assert length in expected.get(p.kind, (7,))
    if p.kind == "week":
        assert p.start.weekday() == 0
        assert p.end.weekday() == 6


@PURE
@given(days, cadences)
def test_containing_contains(day: dt.date, cadence: str) -> None:
    p = Period.containing(day, cadence)
    assert day in p
    assert p.cadence == cadence
    assert Period.containing(dt.datetime.combine(day, dt.time(12, 0)), cadence) == p
    assert Period.containing(day, Cadence(cadence)) == p


@PURE
@given(periods)
def test_neighbours(p: Period) -> None:
    following, preceding = p.next(), p.previous()
    assert following.previous() == p
    assert preceding.next() == p
    assert following.kind == preceding.kind == p.kind
    assert following.start == p.end + ONE_DAY
    assert preceding.end == p.start - ONE_DAY
    assert preceding < p < following
    assert Period.range(preceding, following) == (preceding, p, following)


@PURE
@given(periods, periods)
def test_ordering_agrees_with_start_dates(p: Period, q: Period) -> None:
    if p.start < q.start:
        assert p < q
        assert q > p
    assert (p < q) == ((p.start, p.end) < (q.start, q.end))
    assert (p <= q) == (p < q or p == q)
    assert (p >= q) == (q <= p)
    assert (p == q) == ((p.start, p.end) == (q.start, q.end))
    if p == q:
        assert hash(p) == hash(q)
    assert [x.start for x in sorted([p, q])] == sorted([p.start, q.start])


@PURE
@given(periods, periods)
def test_containment_of_periods(p: Period, q: Period) -> None:
    assert (q in p) == (p.start <= q.start and q.end <= p.end)


@PURE
@given(periods, cadences)
def test_calendar_subperiods_tile_exactly(p: Period, cadence: str) -> None:
    if cadence not in finer_or_same(p):
        with pytest.raises(InvalidValue):
            p.subperiods(cadence)
        return
    parts = p.subperiods(cadence)
    assert parts
    assert all(part.cadence == cadence for part in parts)
    if cadence == "weekly":
        return  # weeks straddle boundaries; see test_weeks_belong_by_thursday
    assert parts[0].start == p.start
    assert parts[-1].end == p.end
    for before, after in itertools.pairwise(parts):
        assert after.start == before.end + ONE_DAY  # contiguous: no gap, no overlap
        assert before.next() == after
    assert sum((part.end - part.start).days + 1 for part in parts) == (p.end - p.start).days + 1
    assert all(part in p and part.enclosing(p.cadence) == p for part in parts)


@PURE
@given(periods)
def test_weeks_belong_by_thursday(p: Period) -> None:
    weeks = p.subperiods("weekly")
    assert all(thursday(w) in p for w in weeks)
    for before, after in itertools.pairwise(weeks):
        assert before.next() == after
    # No week outside the list has its Thursday in the period.
    if p.kind != "week":
        assert thursday(weeks[0].previous()) not in p
        assert thursday(weeks[-1].next()) not in p
    # The weeks of the parts are the weeks of the whole, for each calendar cadence in between.
    for cadence in finer_or_same(p)[1:-1]:
        assert tuple(w for part in p.subperiods(cadence) for w in part.subperiods("weekly")) == weeks
    assert all(w.enclosing(p.cadence) == p for w in weeks)


@PURE
@given(days, st.sampled_from(CADENCES[:-1]))
def test_every_week_belongs_to_exactly_one_period(day: dt.date, cadence: str) -> None:
    week = Period.containing(day, "weekly")
    owner = week.enclosing(cadence)
    candidates = [owner.previous(), owner, owner.next()]  # any period a week overlaps is one of these
    assert [c for c in candidates if week in c.subperiods("weekly")] == [owner]
    assert thursday(week) in owner


@PURE
@given(periods)
def test_same_cadence_subperiods_is_self(p: Period) -> None:
    assert p.subperiods(p.cadence) == (p,)
    assert p.enclosing(p.cadence) == p


# Examples ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2025", "2025"),
        ("2025H1", "2025H1"),
        ("2025h2", "2025H2"),
        ("2025Q1", "2025Q1"),
        ("2025q4", "2025Q4"),
        ("2025-03", "2025-03"),
        ("2025-3", "2025-03"),
        ("2025/03", "2025-03"),
        ("2025W10", "2025W10"),
        ("2025-W10", "2025W10"),
        ("2025w1", "2025W01"),
        ("  2025Q1  ", "2025Q1"),
        ("２０２５Ｑ１", "2025Q1"),
        ("２０２５－０３", "2025-03"),
        ("2025年", "2025"),
        ("2025年度", "2025"),
        ("2025年上半年", "2025H1"),
        ("2025年下半年", "2025H2"),
        ("2025上半年", "2025H1"),
        ("2025年第一季度", "2025Q1"),
        ("2025年第二季度", "2025Q2"),
        ("2025年第三季度", "2025Q3"),
        ("2025年第四季度", "2025Q4"),
        ("2025年第1季度", "2025Q1"),
        ("2025年一季度", "2025Q1"),
        ("2025年1季度", "2025Q1"),
        ("２０２５年第１季度", "2025Q1"),
        ("2025年 第一季度", "2025Q1"),
        ("2025年3月", "2025-03"),
        ("2025年03月", "2025-03"),
        ("2025年三月", "2025-03"),
        ("2025年十二月", "2025-12"),
        ("2025年第10周", "2025W10"),
        ("2025年第十周", "2025W10"),
        ("2025年第1周", "2025W01"),
        ("2025 Q1", "2025Q1"),
        ("2025 H2", "2025H2"),
        ("March 2025", "2025-03"),
        ("mar 2025", "2025-03"),
        ("Sept 2025", "2025-09"),
        ("2025 week 10", "2025W10"),
    ],
)
def test_accepted_forms(text: str, canonical: str) -> None:
    assert str(Period.parse(text)) == canonical


def test_chinese_quarter_equals_canonical() -> None:
    assert Period.parse("2025年第一季度") == Period.parse("2025Q1") == Period.quarter(2025, 1)


def test_months_of_a_quarter() -> None:
    assert [str(m) for m in Period.parse("2025Q1").subperiods("monthly")] == ["2025-01", "2025-02", "2025-03"]
    assert Period.parse("2025Q1").subperiods(Cadence.MONTHLY) == (
        Period.month(2025, 1),
        Period.month(2025, 2),
        Period.month(2025, 3),
    )


def test_quarters_and_halves_of_a_year() -> None:
    year = Period.year(2025)
    assert [str(q) for q in year.subperiods("quarterly")] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert [str(h) for h in year.subperiods("half-yearly")] == ["2025H1", "2025H2"]
    assert [str(q) for q in Period.half(2025, 2).subperiods("quarterly")] == ["2025Q3", "2025Q4"]


def test_iso_week_corner_cases() -> None:
    assert Period.parse("2025W01").start == dt.date(2024, 12, 30)
    assert Period.parse("2025W01").end == dt.date(2025, 1, 5)
    assert Period.week(2026, 53).start == dt.date(2026, 12, 28)
    assert Period.parse("2026W53").end == dt.date(2027, 1, 3)
    assert Period.parse("2026W53").next() == Period.week(2027, 1)
    assert Period.week(2027, 1).previous() == Period.week(2026, 53)
    for text in ("2025W53", "2025-W53", "2025年第53周"):
        with pytest.raises(InvalidValue, match="52"):
            Period.parse(text)
    with pytest.raises(InvalidValue):
        Period.week(2025, 53)
    assert Period.containing(dt.date(2024, 12, 30), "weekly") == Period.week(2025, 1)
    assert Period.containing(dt.date(2027, 1, 3), Cadence.WEEKLY) == Period.week(2026, 53)


def test_weeks_by_thursday_examples() -> None:
    # 2025W01 (Mon 2024-12-30 to Sun 2025-01-05) has its Thursday on 2025-01-02: January's, 2025's.
    week1 = Period.week(2025, 1)
    assert week1 in Period.year(2025).subperiods("weekly")
    assert week1 not in Period.year(2024).subperiods("weekly")
    assert Period.month(2025, 1).subperiods("weekly")[0] == week1
    assert week1.enclosing("monthly") == Period.month(2025, 1)
    # 2025W40 runs Mon 29 Sep to Sun 5 Oct, Thursday 2 Oct: it is October's and Q4's, not September's.
    w40 = Period.week(2025, 40)
    assert w40 in Period.month(2025, 10).subperiods("weekly")
    assert w40 not in Period.month(2025, 9).subperiods("weekly")
    assert w40.enclosing("quarterly") == Period.quarter(2025, 4)
    assert len(Period.year(2026).subperiods("weekly")) == 53
    assert len(Period.year(2025).subperiods("weekly")) == 52


@pytest.mark.parametrize(
    "text",
    [
        "2025Q5",
        "2025Q0",
        "2025-13",
        "2025-00",
        "2025H3",
        "2025W00",
        "2025W54",
        "abc",
        "",
        "   ",
        "25Q1",
        "20250",
        "2025Q",
        "2025-",
        "2025Q1x",
        "2025年第五季度",
        "2025年13月",
        "2025年一一月",
        "2025年第54周",
        "2025年中半年",
        "Smarch 2025",
        "0000",
        "٢٠٢٥",  # Arabic-Indic digits: not the ASCII digits the canonical form uses
    ],
)
def test_bad_texts_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue, match="is not a period"):
        Period.parse(text)


def test_unrecognised_text_lists_the_forms() -> None:
    with pytest.raises(InvalidValue) as caught:
        Period.parse("abc")
    message = str(caught.value)
    for form in ("2025", "2025H1", "2025Q1", "2025-03", "2025W10", "2025年第一季度", "2025年3月", "2025年第10周"):
        assert form in message
    assert isinstance(caught.value, ValueError)


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidValue):
        Period.parse(2025)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "args"),
    [
        (Period.half, (2025, 0)),
        (Period.half, (2025, 3)),
        (Period.quarter, (2025, 5)),
        (Period.month, (2025, 13)),
        (Period.month, (2025, 0)),
        (Period.week, (2025, 53)),
        (Period.week, (2025, 0)),
        (Period.year, (0,)),
        (Period.year, (10000,)),
    ],
)
def test_constructors_validate(build: Callable[..., Period], args: tuple[int, ...]) -> None:
    with pytest.raises(InvalidValue):
        build(*args)


def test_raw_fields_are_validated() -> None:
    with pytest.raises(InvalidValue):
        Period("decade", 2025, 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        Period("year", 2025, 2)
    with pytest.raises(InvalidValue):
        Period("month", True, 1)
    assert Period("quarter", 2025, 2) == Period.quarter(2025, 2)


def test_labels() -> None:
    assert Period.quarter(2025, 1).label() == "2025年第一季度"
    assert Period.half(2025, 1).label("zh") == "2025年上半年"
    assert Period.half(2025, 2).label("zh") == "2025年下半年"
    assert Period.month(2025, 3).label() == "2025年3月"
    assert Period.week(2025, 10).label() == "2025年第10周"
    assert Period.year(2025).label() == "2025年"
    assert Period.quarter(2025, 1).label("en") == "2025 Q1"
    assert Period.half(2025, 1).label("en") == "2025 H1"
    assert Period.month(2025, 3).label("en") == "March 2025"
    assert Period.week(2025, 10).label("en") == "2025 week 10"
    assert Period.year(2025).label("en") == "2025"
    with pytest.raises(InvalidValue, match="lang"):
        Period.year(2025).label("fr")


def test_str_and_kind_and_cadence() -> None:
    assert [str(p) for p in (Period.year(2025), Period.half(2025, 2), Period.month(2025, 3), Period.week(2025, 1))] == [
        "2025",
        "2025H2",
        "2025-03",
        "2025W01",
    ]
    assert {p.kind: p.cadence for p in (Period.year(1900), Period.week(2025, 1))} == {"year": "yearly",
                                                                                      "week": "weekly"}
    for cadence in Cadence:
        assert Period.containing(dt.date(2025, 5, 5), cadence).cadence == cadence
    assert Period.month(2025, 2).end == dt.date(2025, 2, 28)
    assert Period.month(2024, 2).end == dt.date(2024, 2, 29)
    assert Period.half(2025, 1).end == dt.date(2025, 6, 30)


def test_containment_examples() -> None:
    q1 = Period.quarter(2025, 1)
    assert dt.date(2025, 3, 31) in q1
    assert dt.date(2025, 4, 1) not in q1
    assert dt.datetime(2025, 2, 1, 8, 30) in q1
    assert Period.month(2025, 2) in q1
    assert Period.year(2025) not in q1
    assert Period.week(2025, 1) not in Period.year(2025)  # it starts on 2024-12-30
    with pytest.raises(TypeError):
        assert "2025-02-01" in q1


def test_hashable_and_frozen() -> None:
    same = {Period.parse("2025Q1"), Period.quarter(2025, 1), Period.parse("2025年第一季度")}
    assert same == {Period.quarter(2025, 1)}
    with pytest.raises(AttributeError):
        Period.year(2025).index = 2  # type: ignore[misc]


def test_sorting() -> None:
    shuffled = [Period.year(2025), Period.week(2025, 1), Period.month(2024, 12), Period.quarter(2025, 1)]
    expected = [Period.month(2024, 12), Period.week(2025, 1), Period.quarter(2025, 1), Period.year(2025)]
    assert sorted(shuffled) == expected
    with pytest.raises(TypeError):
        assert Period.year(2025) < dt.date(2025, 1, 1)  # type: ignore[operator]


def test_cadences() -> None:
    assert set(CADENCES) == {c.value for c in Cadence}
    with pytest.raises(InvalidValue, match="not a cadence"):
        Period.containing(dt.date(2025, 1, 1), "daily")
    with pytest.raises(InvalidValue, match="finer"):
        Period.month(2025, 1).subperiods("quarterly")
    with pytest.raises(InvalidValue):
        Period.week(2025, 1).subperiods("monthly")
    with pytest.raises(InvalidValue, match="coarser"):
        Period.month(2025, 1).enclosing("weekly")


def test_range() -> None:
    assert [str(p) for p in Period.range(Period.month(2025, 11), Period.month(2026, 2))] == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert Period.range(Period.year(2025), Period.year(2025)) == (Period.year(2025),)
    assert Period.range(Period.year(2026), Period.year(2025)) == ()
    with pytest.raises(InvalidValue):
        Period.range(Period.year(2025), Period.month(2025, 1))


def test_edges_of_the_calendar() -> None:
    # Periods keep to the years a date can name (1900 to 2099), clear of the ends of datetime.
    with pytest.raises(InvalidValue, match="outside 1900-2099"):
        Period.year(1900).previous()
    with pytest.raises(InvalidValue, match="outside 1900-2099"):
        Period.month(2099, 12).next()
    assert Period.parse("1900W01").start == dt.date(1900, 1, 1)
    assert Period.parse("2099W53").end == dt.date(2100, 1, 3)  # the week of 2099's last Thursday
    for text in ("0001", "0001W01", "9999-12", "2100Q1", "1899H2"):
        with pytest.raises(InvalidValue, match="outside 1900-2099"):
            Period.parse(text)
