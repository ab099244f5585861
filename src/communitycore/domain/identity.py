"""Chinese citizen ID numbers (公民身份号码, GB 11643-1999) and phone numbers: validate, normalize, mask.

An ID number has 18 characters: a 6-digit address code, the birth date as YYYYMMDD, a 3-digit
sequence number (odd for men, even for women) and a check character computed with
ISO 7064 MOD 11-2 (``0``-``9`` or ``X``).

Everything here is a pure function of its arguments; nothing does I/O. The "birth date is not in
the future" rule compares with the ``today`` the caller passes (the community's clock), never with
the system's.

Two implementations of the ID rules live side by side on purpose:

* :func:`parse_id_number` is the reference: one readable step per rule, with a precise message.
* :func:`fast_check` is the bulk-import path. It only *accepts* numbers on its own, using a few
  C-level calls; anything it does not accept goes through :func:`parse_id_number`, whose message
  it returns. So both always agree, and the tests check that the fast path never accepts what the
  reference rejects.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Sequence
from datetime import date

import attrs

from communitycore.domain.fields import DATE_RANGE
from communitycore.errors import InvalidValue
from communitycore.i18n import _

__all__ = [
    "WEIGHTS",
    "IdNumber",
    "all_valid_id_numbers",
    "check_character",
    "fast_check",
    "is_valid_id_number",
    "mask_birth_date",
    "mask_contact",
    "mask_id_number",
    "mask_phone",
    "normalize_phone",
    "parse_id_number",
]

# ---------------------------------------------------------------------------------------------
# ID numbers
# ---------------------------------------------------------------------------------------------

#: ISO 7064 MOD 11-2 weights of the first 17 characters: W_i = 2^(18-i) mod 11 for i = 1..17.
WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))

_LENGTH = 18
_LEGACY_LENGTH = 15
_DIGITS = frozenset("0123456789")
_CHECK_CHARACTERS = "10X98765432"  # indexed by (sum of a_i * W_i) mod 11

# 13 ≡ 2 (mod 11), so int(first17, 13) ≡ Σ a_i·2^(17-i) (i = 1..17) and the weighted sum
# Σ a_i·2^(18-i) is twice that. int(..., 13) does the whole sum in C, which is what makes
# fast_check fast; this table maps int(first17, 13) % 11 straight to the check character.
_CHECK_BY_BASE13_RESIDUE = "".join(_CHECK_CHARACTERS[2 * k % 11] for k in range(11))

# Birth dates seen so far, by their YYYYMMDD text. Only real dates are stored, and only up to a
# limit, so hostile input cannot grow the cache without bound (about 40k dates cover 110 years).
_BIRTH_DATES: dict[str, date] = {}
_BIRTH_DATE_CACHE_LIMIT = 100_000

@attrs.frozen
class IdNumber:
    """A valid, normalized ID number and what it encodes.

    The ``repr`` masks the number, because reprs end up in logs and tracebacks.
    """

    number: str = attrs.field(repr=lambda number: repr(mask_id_number(number)))
    birth_date: date
    gender: str  # "male" | "female", from the parity of the 17th digit


def check_character(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character (``"0"``-``"9"`` or ``"X"``) of 17 digits."""
    if len(first17) != _LENGTH - 1 or not _DIGITS.issuperset(first17):
        raise InvalidValue(_("need exactly 17 digits to compute a check character, got {value!r}").format(
            value=first17))
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def _birth_date(yyyymmdd: str) -> date | None:
    """The date written as YYYYMMDD (8 ASCII digits), or None if there is no such day."""
    born = _BIRTH_DATES.get(yyyymmdd)
    if born is None:
        try:
            born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
        except ValueError:  # month 13, 30 February, year 0000 ...
            return None
        # Only the days a birth date may name: a hit in the cache is a birth date the fast paths accept.
        if len(_BIRTH_DATES) < _BIRTH_DATE_CACHE_LIMIT and born >= DATE_RANGE[0]:
            _BIRTH_DATES[yyyymmdd] = born
    return born


def parse_id_number(value: str, *, today: date) -> IdNumber:
    """Validate an 18-character ID number and return it normalized, with birth date and gender.

    Surrounding whitespace is ignored and a lowercase check character ``x`` becomes ``X``. The
    birth date must be a real day, not after ``today`` (the community's clock: ``Community.clock.today()``)
    and not before the first of ``DATE_RANGE`` (1900-01-01).
    Raises :class:`~communitycore.errors.InvalidValue` saying what is wrong.
    """
    if not isinstance(value, str):
        raise InvalidValue(_("must be text, got {type}").format(type=type(value).__name__))
    number = value.strip()
    if number.endswith("x"):
        number = number[:-1] + "X"
    if not number:
        raise InvalidValue(_("is empty"))
    if len(number) == _LEGACY_LENGTH and _DIGITS.issuperset(number):
        raise InvalidValue(_("is a legacy 15-digit number; convert it to the 18-digit form"))
    if len(number) != _LENGTH:
        raise InvalidValue(_("must be 18 characters, got {count}").format(count=len(number)))
    for position, char in enumerate(number[:-1], start=1):
        if char not in _DIGITS:
            raise InvalidValue(_("character {position} must be a digit, got {char!r}").format(
                position=position, char=char))
    given = number[-1]
    if given not in _DIGITS and given != "X":
        raise InvalidValue(_("check character must be a digit or X, got {char!r}").format(char=given))

    yyyymmdd = number[6:14]
    born = _birth_date(yyyymmdd)
    if born is None:
        raise InvalidValue(_("birth date {date} is not a real date").format(date=yyyymmdd))
    if born > today:
        raise InvalidValue(_("birth date {date} is in the future").format(date=yyyymmdd))
    if born < DATE_RANGE[0]:  # as a birth date typed in its own field is refused (1850 is a slip)
        raise InvalidValue(_("birth date {date} is before {first}").format(date=yyyymmdd,
                                                                          first=DATE_RANGE[0].isoformat()))

    expected = check_character(number[:-1])
    if given != expected:
        raise InvalidValue(_("check character is {given}, expected {expected}").format(
            given=given, expected=expected))
    return IdNumber(number=number, birth_date=born, gender="male" if int(number[16]) % 2 else "female")


def is_valid_id_number(value: str, *, today: date) -> bool:
    """Whether :func:`parse_id_number` accepts ``value`` with ``today`` as the reference date."""
    return fast_check(value, today=today) is None


def fast_check(value: str, *, today: date) -> str | None:
    """Check an ID number on the bulk-import path: None if valid, else the error message.

    The verdict and the message are exactly those of :func:`parse_id_number` with the same
    ``today``. Valid numbers are accepted here with a handful of C-level calls; everything else
    falls through to :func:`parse_id_number`, which is slower but runs only for rows about to be
    rejected, for a lowercase ``x`` and for the first number with each birth date.

    An import passes one ``today`` for all its rows, so that every row is judged against the
    same day.
    """
    try:
        number = value.strip()
    except AttributeError:  # not a string: the reference words the error
        number = ""
    if len(number) == _LENGTH and number.isascii():
        first17 = number[:17]
        # isdigit() is only safe as a digit test after isascii(): it accepts "²" and "٣" too.
        if first17.isdigit() and _CHECK_BY_BASE13_RESIDUE[int(first17, 13) % 11] == number[17]:
            born = _BIRTH_DATES.get(number[6:14])  # a miss (first sighting) takes the slow path
            if born is not None and born <= today:
                return None
    try:
        parse_id_number(value, today=today)
    except InvalidValue as error:
        return str(error)
    return None


_FIRST17 = operator.itemgetter(slice(0, 17))
_BIRTH_DIGITS = operator.itemgetter(slice(6, 14))
_CHECK_GIVEN = operator.itemgetter(17)
_BASE13 = itertools.repeat(13)
_ELEVEN = itertools.repeat(11)


def all_valid_id_numbers(numbers: Sequence[str], *, today: date) -> bool:
    """Whether every one of ``numbers`` is a valid ID number as written, judged column-wise at C speed.

    For a bulk import's column: ``numbers`` are stripped and upper-cased text. True means that
    :func:`fast_check` accepts each of them unchanged; False means that at least one needs the
    checks one by one (it may still be valid: a lowercase ``x``, full-width digits), and the
    caller takes that path for the column. A birth date seen for the first time is checked here
    and remembered, as the slow path of :func:`fast_check` would.
    """
    if not numbers:
        return True
    if set(map(len, numbers)) != {_LENGTH}:
        return False
    heads = "".join(map(_FIRST17, numbers))
    # isdigit() is only safe as a digit test after isascii(): it accepts "²" and "٣" too.
    if not (heads.isascii() and heads.isdigit()):
        return False
    residues = map(operator.mod, map(int, map(_FIRST17, numbers), _BASE13), _ELEVEN)
    if "".join(map(_CHECK_BY_BASE13_RESIDUE.__getitem__, residues)) != "".join(map(_CHECK_GIVEN, numbers)):
        return False
    keys = list(map(_BIRTH_DIGITS, numbers))
    seen: list[date | None] = list(map(_BIRTH_DATES.get, keys))
    if None in seen:
        seen = [born if born is not None else _birth_date(key) for born, key in zip(seen, keys, strict=True)]
        if None in seen:
            return False
    known = [born for born in seen if born is not None]
    return DATE_RANGE[0] <= min(known) and max(known) <= today


def _mask_all_but_last(text: str, keep: int) -> str:
    """Stars for all but the last ``keep`` characters; all stars if the text is that short."""
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


def mask_id_number(value: str | None) -> str | None:
    """Mask an ID number for display: only the birth year stays, ``"******1980********"``.

    The masking policy (``docs/privacy.md``): nothing shown by default, alone or with the other
    fields shown beside it (the birth year, the gender), narrows an ID number to fewer than
    10,000 candidates. With the region, month, day, sequence and check character hidden, even
    someone who knows the region code is left with every day of the year times the 500
    sequence numbers of the member's gender: at least 182,500 numbers. (The earlier mask, first
    4 and last 4 characters beside the full birth date, left about 9.) An 18-character value
    keeps characters 7-10, the year, which is shown anyway; any other value is all stars.
    None stays None.
    """
    if value is None:
        return None
    text = value.strip()
    if len(text) == _LENGTH:
        return "*" * 6 + text[6:10] + "*" * (_LENGTH - 10)
    return "*" * len(text)


def mask_birth_date(value: date | str | None) -> str | None:
    """Mask a birth date for display: only the year stays, ``"1980-**-**"`` (see :func:`mask_id_number`).

    A date, or ISO text (as an audit payload holds it); text that is not an ISO date is all
    stars. None stays None.
    """
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text[:4].isascii() and text[:4].isdigit():
        return text[:4] + "-**-**"
    return "*" * len(text)


# ---------------------------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------------------------

# Mobile: 1[3-9] + 9 digits, optionally after +86 / 0086 / 86, grouped 3-4-4 by spaces or dashes.
_MOBILE_SECOND = frozenset("3456789")
_MOBILE = re.compile(r"(?:(?:\+|00)?86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})")
# Landline: the area code length follows from its digits (010 and 02x have 3, all others 4),
# so it can be found even without a separator; then 7 or 8 digits.
_LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))[ -]?([0-9]{7,8})")


def normalize_phone(value: str) -> str:
    """Normalize a Chinese phone number: mobile ``"13812345678"``, landline ``"0523-84812345"``.

    Accepts mobiles with an optional +86 / 86 / 0086 prefix and spaces or dashes between the
    groups, and landlines as area code (010, 02x or a 4-digit 0xxx) plus 7 or 8 digits, with an
    optional dash or space between. Extensions are not accepted.
    Raises :class:`~communitycore.errors.InvalidValue` otherwise; the message does not repeat the
    number, since it is personal data.
    """
    if not isinstance(value, str):
        raise InvalidValue(_("must be text, got {type}").format(type=type(value).__name__))
    text = value.strip()
    if not text:
        raise InvalidValue(_("is empty"))
    # The common case, 11 plain digits, without the regex (bulk imports call this once per row).
    if len(text) == 11 and text[0] == "1" and text[1] in _MOBILE_SECOND and text.isascii() and text.isdigit():
        return text
    mobile = _MOBILE.fullmatch(text)
    if mobile:
        return "".join(mobile.groups())
    landline = _LANDLINE.fullmatch(text)
    if landline:
        return "-".join(landline.groups())
    raise InvalidValue(
        _("is not a mobile number (11 digits starting 13-19) or a landline (area code, then 7 or 8 digits)")
    )


def mask_phone(value: str | None) -> str | None:
    """Mask a phone number for display: mobile ``"138******78"``, landline ``"0523-******45"``.

    At most the first 3 and the last 2 digits of a mobile (the 3 name the carrier's block)
    stay: 6 digits hidden, a million candidates. A landline keeps its area code (where it is,
    not who) and its last 2 digits: 5 or 6 digits hidden. The value is normalized first; a value
    that is not a valid phone number keeps only its last 2 characters. None stays None.
    """
    if value is None:
        return None
    try:
        phone = normalize_phone(value)
    except InvalidValue:
        return _mask_all_but_last(value.strip(), 2)
    if "-" not in phone:  # mobile
        return phone[:3] + "*" * (len(phone) - 5) + phone[-2:]
    area, local = phone.split("-")
    return f"{area}-{_mask_all_but_last(local, 2)}"


_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_contact(contact: str | None) -> str | None:
    """A partner's contact line with every mobile number in it masked (it is often a person's own).

    The contact is free text (``"王经理 13812345678"``); each 11-digit mobile in it is masked as
    :func:`mask_phone` masks one, the rest of the text stays. None and "" stay as they are.
    """
    if not contact:
        return contact
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group()) or "", contact)
