"""Field rules every capability shares: text that is safe to store and print, ids, and "unchanged".

These are the rules of one set for every way in (the SDK, the spreadsheet imports, the JSON
exchange): a value one of them accepts, the others accept too, and every engine can store it.

* Text: stripped, at most as long as its column (PostgreSQL and MariaDB enforce the length, so a
  longer value must be refused here, with a clear message, on SQLite as well), and free of
  characters that would hurt a terminal or a log: control characters (NUL and ESC among them),
  bidirectional overrides and isolates, line and paragraph separators, and unpaired surrogates.
* Ids: plain ASCII digits only; ``٣`` (Arabic-Indic three) and ``０３`` (full-width) are not ids.
* :data:`UNCHANGED`: the default of every ``update`` parameter, so that ``None`` can mean "clear".
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
import unicodedata
from typing import Any, Final, Literal

from communitycore.errors import InvalidValue
from communitycore.i18n import _

#: The largest id any engine stores in an ``INTEGER`` primary key (PostgreSQL's int4).
MAX_ID = 2**31 - 1
#: The most days ahead a "what falls due" question may look (``days=``, ``--days``): a hundred
#: years, so the date they reach is one a calendar has.
MAX_DAYS_AHEAD = 36_600

#: The days a record can name: no one on record was born before 1900, and a year beyond 2099 is a
#: slip of the keyboard (9999-12-31) rather than a plan. Dates, months, periods and moments all
#: keep to these years (and so stay clear of the ends of ``datetime``).
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2099, 12, 31))

#: Characters refused in stored text besides the control characters (category Cc) and surrogates:
#: the bidirectional embeddings, overrides and isolates and the implicit marks, which reorder how
#: text is shown (a name can be made to read as another), and the Unicode line separators.
_BIDI_AND_SEPARATORS = frozenset(
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u2028\u2029"  # line and paragraph separators
    "\ufeff"  # a byte-order mark inside text
)


class Unchanged(enum.Enum):
    """The type of :data:`UNCHANGED`."""

    UNCHANGED = "unchanged"

    def __repr__(self) -> str:
        return "UNCHANGED"


#: Default of ``update`` parameters: leave the field as it is (``None`` clears it).
UNCHANGED: Final = Unchanged.UNCHANGED
#: A parameter of an ``update`` method: a new value, ``None`` to clear, or :data:`UNCHANGED`.
Keep = Literal[Unchanged.UNCHANGED]


def bad_character(text: str) -> str | None:
    """The first character of ``text`` that may not be stored, or None if there is none."""
    if text.isprintable():  # the common case, in C: no Cc, Cf, Zl, Zp, Cs ... at all
        return None
    for char in text:
        if char in _BIDI_AND_SEPARATORS or unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def describe_character(char: str) -> str:
    """``U+001B (ESCAPE)``: how a refused character is named in a message."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def clean_text(value: Any, limit: int, *, required: bool = False) -> str | None:
    """``value`` as stored text: stripped; blank gives None (or an error when ``required``).

    Refused with :class:`~communitycore.errors.InvalidValue`: text longer than ``limit``
    characters, and text holding a character :func:`bad_character` names.
    """
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        text = str(value).strip()
    if not text:
        if required:
            raise InvalidValue(_("is required"))
        return None
    if len(text) > limit:
        raise InvalidValue(_("at most {limit} characters, got {count}").format(limit=limit, count=len(text)))
    bad = bad_character(text)
    if bad is not None:
        raise InvalidValue(_("holds the character {char}, which may not be stored in text; remove it")
                           .format(char=describe_character(bad)))
    return text


def text_parser(limit: int) -> Any:
    """A field parser for optional text of at most ``limit`` characters (see :func:`clean_text`)."""

    def parse(value: Any) -> str | None:
        return clean_text(value, limit)

    parse.__name__ = f"text_{limit}"
    return parse


def parse_plain_id(value: Any, what: str | None = None) -> int:
    """An id written with the ASCII digits 0-9 (or an int), within what every engine stores.

    ``what`` names the id in the refusal, in the run's language (by default 编号, "id").

    ``"٣"`` and ``"０３"`` are refused: Python's ``int()`` reads them as 3, but they are not how an
    id is written, and accepting them would make a lookup find a record nobody named.
    """
    if what is None:
        what = _("id")
    if isinstance(value, bool):
        raise InvalidValue(_("{what} must be a whole number, got {value!r}").format(what=what, value=value))
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text or not text.isascii() or not text.isdigit():
            if text and all(ch.isdigit() for ch in text):
                raise InvalidValue(_("{what} {value!r} is not written with the digits 0-9").format(
                    what=what, value=text))
            raise InvalidValue(_("{what} must be a whole number written with the digits 0-9, got {value!r}")
                               .format(what=what, value=text))
        number = int(text)
    if number < 1 or number > MAX_ID:
        raise InvalidValue(_("{what} {value} is out of range (1 to {top})").format(what=what, value=number,
                                                                                   top=MAX_ID))
    return number


def is_plain_id(text: str) -> bool:
    """Whether ``text`` is an id written with ASCII digits (surrounding spaces ignored)."""
    stripped = text.strip()
    return bool(stripped) and stripped.isascii() and stripped.isdigit()


def written_id(value: Any) -> int | None:
    """The whole number ``value`` writes, if it is written as an id is: an int (or another integer
    type, such as NumPy's), or text of the ASCII digits 0-9 (surrounding spaces ignored); None for
    anything else (a bool, a float even when it is whole, None, other text, bytes, a list), which no
    lookup may cut to an id: ``1.9`` is not member 1."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return int(value.strip()) if is_plain_id(value) else None
    try:
        return operator.index(value)
    except TypeError:
        return None


def looks_like_id(text: str) -> bool:
    """Whether ``text`` is digits of any script (so it was meant as an id, plain or not)."""
    stripped = text.strip()
    return bool(stripped) and all(ch.isdigit() for ch in stripped)


def nfkc(text: str) -> str:
    """Full-width digits, letters and punctuation as their plain forms (NFKC); ASCII is returned as is."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text)


__all__ = [
    "DATE_RANGE",
    "MAX_DAYS_AHEAD",
    "MAX_ID",
    "UNCHANGED",
    "Keep",
    "Unchanged",
    "bad_character",
    "clean_text",
    "describe_character",
    "is_plain_id",
    "looks_like_id",
    "nfkc",
    "parse_plain_id",
    "text_parser",
    "written_id",
]
