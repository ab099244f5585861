"""Tests of communitycore.domain.identity: ID numbers (cross-checked against python-stdnum) and phones."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum.cn import ric

from communitycore.domain.identity import (
    WEIGHTS,
    IdNumber,
    check_character,
    fast_check,
    is_valid_id_number,
    mask_id_number,
    mask_phone,
    normalize_phone,
    parse_id_number,
)
from communitycore.errors import InvalidValue

# A fixed reference day keeps the tests independent of when (and across which midnight) they run.
TODAY = date(2024, 6, 15)

VALID = ["360426199101010071", "120103198806018241", "34052419800101001X", "230306196304054513"]
INVALID = ["230307196304054513", "360426199101010072"]

# Address codes stdnum knows without a validity period, so its birth-place check passes for any
# birth year. (stdnum rejects 230306 before 1983 and crashes with KeyError on 340524, so those
# are not usable as an oracle.)
ORACLE_ADDRESS_CODES = ["110101", "110102", "120101", "120102", "120103", "310101", "310104", "310105"]


def message_of(value: object, today: date = TODAY) -> str | None:
    """The reference verdict: None if parse_id_number accepts ``value``, else its message."""
    try:
        parse_id_number(value, today=today)  # type: ignore[arg-type]
    except InvalidValue as error:
        return str(error)
    return None


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


@st.composite
def valid_numbers(draw: st.DrawFn, address_codes: list[str] = ORACLE_ADDRESS_CODES) -> str:
    """Valid 18-character numbers born between 1900 and TODAY."""
    address = draw(st.sampled_from(address_codes))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return with_check(f"{address}{born:%Y%m%d}{sequence:03d}")


@st.composite
def corrupted_numbers(draw: st.DrawFn) -> str:
    """Valid numbers with one typical mistake, or arbitrary short text made of plausible characters."""
    number = draw(valid_numbers())
    position = draw(st.integers(min_value=0, max_value=len(number) - 1))
    char = draw(st.sampled_from("0123456789Xx a-２"))
    kind = draw(st.sampled_from(["replace", "insert", "delete", "swap", "pad", "lower", "text"]))
    if kind == "replace":
        return number[:position] + char + number[position + 1 :]
    if kind == "insert":
        return number[:position] + char + number[position:]
    if kind == "delete":
        return number[:position] + number[position + 1 :]
    if kind == "swap":
        position = min(position, len(number) - 2)
        return number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    if kind == "pad":
        return draw(st.sampled_from([" ", "\t", "\u3000"])) + number + " "
    if kind == "lower":
        return number.lower()
    return draw(st.text(alphabet="0123456789Xx -", max_size=20))


@st.composite
def numbers_with_any_date(draw: st.DrawFn) -> str:
    """Numbers with a correct check character around any 8 digits as the date: real, unreal, future."""
    year = draw(st.integers(min_value=0, max_value=2100))
    month = draw(st.integers(min_value=0, max_value=13))
    day = draw(st.integers(min_value=0, max_value=32))
    return with_check(f"110101{year:04d}{month:02d}{day:02d}123")


# --- check character and known vectors ------------------------------------------------------


def test_weights_are_those_of_the_standard() -> None:
    assert WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@pytest.mark.parametrize("number", VALID)
def test_check_character_of_known_numbers(number: str) -> None:
    assert check_character(number[:17]) == number[17]


@pytest.mark.parametrize("bad", ["", "1234567890123456", "123456789012345678", "1234567890123456a"])
def test_check_character_needs_17_digits(bad: str) -> None:
    with pytest.raises(InvalidValue, match="17 digits"):
        check_character(bad)


@pytest.mark.parametrize("number", VALID)
def test_known_valid_numbers(number: str) -> None:
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert fast_check(number, today=TODAY) is None
    assert is_valid_id_number(number, today=TODAY)


@pytest.mark.parametrize("number", INVALID)
def test_known_invalid_numbers(number: str) -> None:
    with pytest.raises(InvalidValue, match="check character"):
        parse_id_number(number, today=TODAY)
    assert fast_check(number, today=TODAY) is not None
    assert not is_valid_id_number(number, today=TODAY)


def test_parse_result() -> None:
    assert parse_id_number("120103198806018241", today=TODAY) == IdNumber(
        number="120103198806018241", birth_date=date(1988, 6, 1), gender="female"
    )


def test_lowercase_x_and_whitespace_are_normalized() -> None:
    parsed = parse_id_number(" 34052419800101001x\n", today=TODAY)
    assert parsed.number == "34052419800101001X"
    assert fast_check(" 34052419800101001x\n", today=TODAY) is None


def test_repr_masks_the_number() -> None:
    text = repr(parse_id_number("34052419800101001X", today=TODAY))
    assert "34052419800101001X" not in text
    assert "******1980********" in text


# --- error messages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("36042619910101007", "must be 18 characters, got 17"),
        ("3604261991010100711", "must be 18 characters, got 19"),
        ("36042A199101010071", "character 6 must be a digit, got 'A'"),
        ("36042619910101\u3000071", "character 15 must be a digit, got '\\u3000'"),
        ("36042619910101007Y", "check character must be a digit or X, got 'Y'"),
        ("360426199101010072", "check character is 2, expected 1"),
        ("230307196304054513", "check character is 3, expected X"),
        (with_check("36042619910230007"), "birth date 19910230 is not a real date"),
        (with_check("36042600000101007"), "birth date 00000101 is not a real date"),
        (with_check("36042619911301007"), "birth date 19911301 is not a real date"),
        (with_check("36042620240616007"), "birth date 20240616 is in the future"),
    ],
)
def test_error_messages(value: str, message: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_id_number(value, today=TODAY)
    assert str(caught.value) == message
    assert fast_check(value, today=TODAY) == message


def test_non_text_is_rejected_with_a_message() -> None:
    with pytest.raises(InvalidValue, match="must be text, got int"):
        parse_id_number(360426199101010071, today=TODAY)  # type: ignore[arg-type]
    assert fast_check(360426199101010071, today=TODAY) == "must be text, got int"  # type: ignore[arg-type]


def test_legacy_15_digit_number_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="legacy") as caught:
        parse_id_number("360426910101007", today=TODAY)
    assert "18" in str(caught.value)
    assert "legacy" in (fast_check("360426910101007", today=TODAY) or "")


def test_15_characters_that_are_not_digits_are_not_called_legacy() -> None:
    assert fast_check("36042691010100X", today=TODAY) == "must be 18 characters, got 15"


def test_future_birth_date_is_rejected_and_today_is_accepted() -> None:
    number = with_check(f"360426{TODAY:%Y%m%d}007")
    assert parse_id_number(number, today=TODAY).birth_date == TODAY
    assert fast_check(number, today=TODAY) is None
    day_before = TODAY - timedelta(days=1)
    with pytest.raises(InvalidValue, match="in the future"):
        parse_id_number(number, today=day_before)
    assert fast_check(number, today=day_before) == f"birth date {TODAY:%Y%m%d} is in the future"


# --- properties -------------------------------------------------------------------------------


@given(valid_numbers())
def test_generated_numbers_are_valid_and_every_single_change_is_caught(number: str) -> None:
    # stdnum is the independent oracle; it has no future-date rule, which the strategy respects.
    assert ric.is_valid(number)
    assert parse_id_number(number, today=TODAY).number == number
    for position, original in enumerate(number):
        replacements = "0123456789X" if position == 17 else "0123456789"
        for char in replacements.replace(original, ""):
            changed = number[:position] + char + number[position + 1 :]
            assert not ric.is_valid(changed), changed
            assert message_of(changed) is not None, changed
            assert fast_check(changed, today=TODAY) is not None, changed


@given(valid_numbers())
def test_gender_follows_the_parity_of_the_17th_digit(number: str) -> None:
    expected = "male" if number[16] in "13579" else "female"
    assert parse_id_number(number, today=TODAY).gender == expected


@pytest.mark.parametrize(("number", "gender"), [("360426199101010071", "male"), ("120103198806018241", "female")])
def test_gender_of_known_numbers(number: str, gender: str) -> None:
    assert parse_id_number(number, today=TODAY).gender == gender


@given(st.one_of(valid_numbers(), corrupted_numbers(), numbers_with_any_date()))
@example("36042619910101007x")
@example("３６０４２６１９９１０１０１００７１")  # full-width digits: isdigit() is True for them
@example("36042619910101007²")
def test_fast_check_agrees_with_parse(value: str) -> None:
    assert fast_check(value, today=TODAY) == message_of(value)
    # A second call may take the cached-date fast path; it must not change the verdict.
    assert fast_check(value, today=TODAY) == message_of(value)


@pytest.mark.parametrize("position", [0, 5, 16])
def test_fast_check_rejects_non_ascii_digits_outside_the_date(position: int) -> None:
    # int(..., 13) reads full-width digits as digits, so the fast path must rule them out itself.
    number = "360426199101010071"
    assert fast_check(number, today=TODAY) is None  # its birth date is now cached
    wide = number[:position] + chr(ord(number[position]) + 0xFEE0) + number[position + 1 :]
    assert fast_check(wide, today=TODAY) == f"character {position + 1} must be a digit, got {wide[position]!r}"


@given(st.one_of(valid_numbers(), numbers_with_any_date()), st.dates(date(1900, 1, 1), date(2100, 12, 31)))
def test_fast_check_agrees_with_parse_whatever_the_day(value: str, today: date) -> None:
    """The day is the caller's (the community's clock): both paths judge the birth date by it alone."""
    assert fast_check(value, today=today) == message_of(value, today=today)
    assert fast_check(value, today=today) == message_of(value, today=today)  # cached dates too


@given(numbers_with_any_date())
def test_real_date_rule_agrees_with_stdnum(number: str) -> None:
    message = message_of(number, today=date.max)
    # stdnum takes any real day; a birth date before 1900 is refused here, as in its own field.
    assert (message is None) == (ric.is_valid(number) and number[6:14] >= "19000101")


# --- masking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (None, None),
        ("34052419800101001X", "******1980********"),
        ("34052419800101001x", "******1980********"),
        (" 360426199101010071 ", "******1991********"),
        ("360426910101007", "***************"),
        ("12345", "*****"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str | None, masked: str | None) -> None:
    assert mask_id_number(value) == masked


@given(st.text(max_size=30))
def test_masked_id_never_reveals_more_than_the_year(value: str) -> None:
    masked = mask_id_number(value)
    assert masked is not None
    assert len(masked) == len(value.strip())
    assert len(masked) - masked.count("*") <= 4


# --- phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("13812345678", "13812345678"),
        (" 19912345678 ", "19912345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("0523-84812345", "0523-84812345"),
        ("0523 8481234", "0523-8481234"),
        ("052384812345", "0523-84812345"),
        ("010-12345678", "010-12345678"),
        ("02112345678", "021-12345678"),
    ],
)
def test_normalize_phone(value: str, normalized: str) -> None:
    assert normalize_phone(value) == normalized


@pytest.mark.parametrize(
    "value",
    [
        "12812345678",  # mobiles start 13-19
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "+85213812345678",  # not China
        "+86 0523-84812345",  # landline with country code: not supported
        "052-38481234",  # area codes 05xx have 4 digits
        "0523-848123",  # 6-digit local number
        "0523-848123456",  # 9-digit local number
        "0523-84812345-801",  # extension
        "５２３",
        "１３８１２３４５６７８",  # full-width digits
        "138_1234_5678",
        "phone",
    ],
)
def test_normalize_phone_rejects(value: str) -> None:
    with pytest.raises(InvalidValue, match="not a mobile number"):
        normalize_phone(value)


def test_normalize_phone_empty_and_non_text() -> None:
    with pytest.raises(InvalidValue, match="is empty"):
        normalize_phone("  ")
    with pytest.raises(InvalidValue, match="must be text"):
        normalize_phone(13812345678)  # type: ignore[arg-type]


def test_phone_error_message_does_not_repeat_the_number() -> None:
    with pytest.raises(InvalidValue) as caught:
        normalize_phone("12812345678")
    assert "12812345678" not in str(caught.value)


@given(
    st.sampled_from(["", "+86", "86", "0086", "+86 ", "+86-"]),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.sampled_from(["", " ", "-"]),
)
def test_any_formatted_mobile_normalizes_to_its_11_digits(prefix: str, digits: str, sep: str) -> None:
    value = f"{prefix}{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}"
    assert normalize_phone(value) == digits


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (None, None),
        ("13812345678", "138******78"),
        ("+86 138-1234-5678", "138******78"),
        ("0523-84812345", "0523-******45"),
        ("010 1234567", "010-*****67"),
        ("not a phone", "*********ne"),
        ("7", "*"),
    ],
)
def test_mask_phone(value: str | None, masked: str | None) -> None:
    assert mask_phone(value) == masked
