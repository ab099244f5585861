"""The member import's column-wise paths agree with the per-cell parsers and the per-row rules.

The import parses a batch column by column (bulk parsers for ID numbers, phones, dates and text)
and skips :func:`check_member` for a batch that the column-wise rules find clean. These
properties hold them to the reference: a bulk parser gives exactly what the field's parser gives,
or declines; a batch found clean is one in which ``check_member`` finds nothing in any row; and a
batch with a problem still reports it with the reference's words.
"""

from __future__ import annotations

import datetime as dt
from itertools import compress
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from communitycore.domain.identity import all_valid_id_numbers, check_character, fast_check
from communitycore.domain.members import Category, Gender, check_member, field_parsers
from communitycore.io import member_import as mi

TODAY = dt.date(2026, 6, 30)
PARSERS = field_parsers(TODAY)


def make_id(birth: dt.date, seq: int, area: str = "320282") -> str:
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


# From before 1900 (refused, as a birth date in its own field is) to after TODAY (refused as future).
births = st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2026, 12, 31))
id_texts = st.one_of(
    st.builds(make_id, births, st.integers(0, 999)),
    st.builds(lambda b, s, c: make_id(b, s)[:-1] + c, births, st.integers(0, 999), st.sampled_from("0123456789Xx")),
    st.builds(lambda b, s: f" {make_id(b, s).lower()} ", births, st.integers(0, 999)),
    st.text(alphabet="0123456789Xx１２ ", min_size=15, max_size=19),
)


def reference(field: str, cells: list[str]) -> list[Any] | None:
    """The field's parser over every cell, or None when it refuses one."""
    try:
        return [PARSERS[field](cell) for cell in cells]
    except Exception:
        return None


@settings(max_examples=300, deadline=None)
@given(st.lists(id_texts, min_size=1, max_size=8))
def test_id_numbers_in_bulk_are_what_the_parser_gives(cells: list[str]) -> None:
    bulk = mi._id_numbers(cells, today=TODAY)
    if bulk is not None:
        assert bulk == reference("id_number", cells)
    numbers = [c.strip().upper() for c in cells]
    if all_valid_id_numbers(numbers, today=TODAY):
        assert all(fast_check(n, today=TODAY) is None for n in numbers)


def test_valid_id_numbers_pass_in_bulk_and_one_bad_one_fails_the_column() -> None:
    numbers = [make_id(dt.date(1980 + i, 1 + i, 2 + i), i) for i in range(10)]
    assert all_valid_id_numbers(numbers, today=TODAY)
    assert mi._id_numbers(numbers, today=TODAY) == numbers
    wrong = numbers[3][:-1] + ("1" if numbers[3][-1] != "1" else "2")
    assert not all_valid_id_numbers([*numbers, wrong], today=TODAY)
    future = make_id(dt.date(2026, 7, 1), 5)
    assert not all_valid_id_numbers([future], today=TODAY)
    # Born before 1900: refused by the parser, the fast check and the column check alike, even
    # once the same birth date has been seen.
    old = make_id(dt.date(1850, 1, 1), 123, area="110101")
    for _ in range(2):
        assert not all_valid_id_numbers([*numbers, old], today=TODAY)
        assert fast_check(old, today=TODAY) == "birth date 18500101 is before 1900-01-01"
        assert mi._id_numbers([old], today=TODAY) is None
    assert reference("id_number", [old]) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.builds(lambda d: d.isoformat(), st.dates()),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.sampled_from(["2023-02-30", "2023/07/01", "2023年7月1日", "20230701", "２０２３-０７-０１", " 2023-07-01"]),
), min_size=1, max_size=6))
def test_dates_in_bulk_are_what_the_parser_gives(cells: list[str]) -> None:
    bulk = mi._iso_dates(cells)
    if bulk is not None:
        assert bulk == reference("birth_date", cells)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.from_regex(r"\A1[0-9]{10}\Z"),
    st.sampled_from(["138 1234 5678", "+8613812345678", "0523-84812345", " 13812345678", "1381234567８"]),
), min_size=1, max_size=6))
def test_phones_in_bulk_are_what_the_parser_gives(cells: list[str]) -> None:
    bulk = mi._mobiles(cells)
    if bulk is not None:
        assert bulk == reference("phone", cells)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=6))
def test_text_in_bulk_is_what_the_parser_gives(cells: list[str]) -> None:
    for field, limit in mi._TEXT_LIMITS.items():
        bulk = mi._texts(min(limit, 8))(cells)
        if bulk is not None:
            assert bulk == reference(field, cells)
            assert max(map(len, cells)) <= 8


optional_dates = st.one_of(st.none(), st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2027, 12, 31)))


@st.composite
def member_rows(draw: Any) -> dict[str, Any]:
    """Parsed fields of one member, mostly consistent, often not."""
    born = draw(births)
    id_number = make_id(born, draw(st.integers(0, 999)))
    join = draw(st.one_of(st.none(), st.builds(lambda y, d: born + dt.timedelta(days=365 * y + d),
                                                st.integers(15, 60), st.integers(-3, 3))))
    full = draw(st.one_of(st.none(), optional_dates,
                          st.builds(lambda d: (join or born) + dt.timedelta(days=d), st.integers(300, 800))))
    return {
        "id_number": id_number,
        "birth_date": draw(st.sampled_from([None, born, born + dt.timedelta(days=1)])),
        "gender": draw(st.sampled_from([None, Gender.MALE, Gender.FEMALE])),
        "join_date": join,
        "full_date": full,
        "category": draw(st.sampled_from([None, Category.FULL, Category.PROBATIONARY])),
    }


@settings(max_examples=500, deadline=None)
@given(st.lists(member_rows(), min_size=1, max_size=6))
def test_a_batch_found_clean_has_no_problem_in_any_row(rows: list[dict[str, Any]]) -> None:
    parsed = {field: [r[field] for r in rows] for field in rows[0]}
    days = mi._DayNumbers()
    clean = mi._no_rule_broken(parsed, today=days[TODAY], days=days)
    found = [check_member(r, today=TODAY) for r in rows]
    if clean:
        assert found == [[] for _ in rows]


def test_a_clean_batch_is_found_clean_and_a_rule_broken_in_one_row_is_not() -> None:
    born = dt.date(1980, 5, 17)
    rows = [{"id_number": make_id(born, 11), "birth_date": born, "gender": Gender.MALE,
             "join_date": dt.date(2005, 7, 1), "full_date": dt.date(2006, 7, 1), "category": Category.FULL}
            for _ in range(3)]
    days = mi._DayNumbers()

    def clean(batch: list[dict[str, Any]]) -> bool:
        return mi._no_rule_broken({f: [r[f] for r in batch] for f in batch[0]}, today=days[TODAY], days=days)

    assert clean(rows)
    young = [*rows, {**rows[0], "join_date": dt.date(1997, 5, 16), "full_date": None}]
    assert check_member(young[-1], today=TODAY)
    assert not clean(young)
    early = [*rows, {**rows[0], "full_date": dt.date(2006, 6, 30)}]
    assert check_member(early[-1], today=TODAY)
    assert not clean(early)


BULK = {"id_number": lambda cells: mi._id_numbers(cells, today=TODAY), "phone": mi._mobiles,
        "birth_date": mi._iso_dates, "name": mi._texts(mi._TEXT_LIMITS["name"])}
blanks = st.sampled_from(["", None, "  "])
cells_of = {
    "id_number": st.one_of(id_texts, blanks),
    "phone": st.one_of(st.from_regex(r"\A1[3-9][0-9]{9}\Z"), st.sampled_from(["138 1234 5678", "12345"]), blanks),
    "birth_date": st.one_of(st.builds(lambda d: d.isoformat(), births),
                            st.sampled_from(["2023-02-30", "2023年7月1日", "２０２３-０７-０１"]), blanks),
    "name": st.one_of(st.text(min_size=1, max_size=6), blanks),
}


def _judged(value: Any) -> Any:
    return ("bad", value.message) if value.__class__ is mi._Bad else value


@settings(max_examples=400, deadline=None)
@given(st.data(), st.sampled_from(sorted(BULK)), st.booleans())
def test_a_column_parses_a_batch_as_it_parses_each_cell(data: Any, field: str, sqlite: bool) -> None:
    """With its memo or without (its bulk parser over the batch, blanks set aside), a column gives
    for each cell what parse_cell and db_value give for it alone (a bad cell's row is never
    written, so what it would store does not matter)."""
    cells = data.draw(st.lists(cells_of[field], min_size=1, max_size=8))

    def column() -> mi._Column:
        return mi._Column(0, "header", field, parser=PARSERS[field], sqlite=sqlite, tree=None, bulk=BULK[field])

    one = column()
    expected = [one.parse_cell(cell) for cell in cells]
    good = [v.__class__ is not mi._Bad for v in expected]
    for memoize in (True, False):
        col = column()
        col.memoize = memoize
        parsed, stored, any_bad = col.run(tuple(cells))
        assert [_judged(v) for v in parsed] == [_judged(v) for v in expected], memoize
        assert list(compress(stored, good)) == [one.db_value(v) for v in compress(expected, good)], memoize
        assert any_bad is not all(good)
