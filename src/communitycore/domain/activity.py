"""The activity ledger's values and rules: entries, quantities, subjects and how facts aggregate.

The ledger is append-only. An entry says that a subject (a member, a steward, a unit, a partner
body or a resident) did something that counts as a fact (``volunteer-hours``,
``meetings-attended``) on a day, in a quantity. A correction is a **reversing entry**: a copy of
the entry it corrects with the quantity negated and ``reverses`` set to the corrected entry's id.
The copy keeps the subject, fact, date and unit, so the reversal lands in exactly the groups and
periods the original did, and every period's value is corrected, not only today's.

How a fact's entries make one value per subject and period is the fact's
:class:`~communitycore.records.Aggregate`; :func:`fact_value` is the rule, with reversals:

* ``sum``: the total of every quantity, reversals included (they cancel what they reverse);
* ``count``: the entries that stand (each reversal takes one away);
* ``mean``: the total of the standing entries' quantities over their number;
* ``max``: the largest quantity of an entry that stands.

An entry *stands* when it is not a reversal and has not been reversed.

Everything here is pure: no storage.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, NamedTuple

import attrs

from communitycore.domain.codes import Coded
from communitycore.domain.members import parse_date
from communitycore.errors import InvalidValue
from communitycore.i18n import N_, _, get_language, localized
from communitycore.records import _SLUG, Aggregate, Fact

__all__ = [
    "MAX_QUANTITY",
    "ActivityEntry",
    "FactValue",
    "NewEntry",
    "SubjectKind",
    "fact_value",
    "parse_quantity",
    "parse_source",
    "parse_text",
    "quantity_problem",
    "value_problem",
]

#: Quantities are kept to two decimal places, up to this magnitude (a BIGINT of hundredths holds far more).
MAX_QUANTITY = Decimal("9999999999.99")
_CENT = Decimal("0.01")
#: The largest id a subject can have (the id columns are 32-bit integers on every engine).
MAX_ID = 2**31 - 1
#: Longest note kept with an entry.
NOTE_LENGTH = 400
#: Longest source id (a meeting id, a request number, a file name).
SOURCE_ID_LENGTH = 64
#: The source of entries recorded by hand, when none is given.
MANUAL = "manual"
#: The words of the sources the library records entries from; a plugin's own source kind shows its code.
SOURCE_WORDS = {MANUAL: N_("entered by hand"), "meeting": N_("meeting"), "request": N_("resident request"),
                "project": N_("service project"), "import": N_("file import")}


class SubjectKind(Coded):
    """Who or what a ledger entry is about; the ids are those of the matching records."""

    MEMBER = ("member", "党员", "member")
    """A Party member (id of ``community.members``)."""
    STEWARD = ("steward", "红色管家", "steward", "管家")
    """A steward of a service corps (红色管家); their roster keeps them."""
    UNIT = ("unit", "党组织", "unit", "组织")
    """A unit of the organization tree."""
    PARTNER = ("partner", "共建单位", "partner", "驻区单位")
    """A partner body (物业, 业委会, 共建单位, 驻区单位)."""
    RESIDENT = ("resident", "居民", "resident")
    """A resident (id of ``community.residents``)."""


def parse_quantity(value: Any) -> Decimal:
    """A quantity: a number with at most two decimal places (``1.5`` hours, ``3`` meetings).

    Accepts ints, Decimals, floats (by their shortest text, so ``0.1`` is one tenth) and text
    (``"1.5"``, ``"1,200.50"``). Refuses NaN, infinities, a third decimal place and anything
    beyond :data:`MAX_QUANTITY`.
    """
    if isinstance(value, bool):
        raise InvalidValue(_("{value!r} is not a quantity").format(value=value))
    if isinstance(value, Decimal):
        number = value
    else:
        text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidValue(_("{value!r} is not a number").format(value=value)) from None
    if not number.is_finite():
        raise InvalidValue(_("{value!r} is not a number").format(value=value))
    # The size first: a huge number (1e30) cannot be brought to cents within Decimal's precision.
    if abs(number) > MAX_QUANTITY:
        raise InvalidValue(_("{value} is beyond the largest quantity, {limit}").format(value=value,
                                                                                    limit=MAX_QUANTITY))
    if number != number.quantize(_CENT, rounding=ROUND_HALF_EVEN):
        raise InvalidValue(_("{value} has more than two decimal places").format(value=value))
    return number


def _outside(code: str, value: Decimal, low: Decimal | None, high: Decimal | None) -> str | None:
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    shown = {"code": code, "value": value, "low": low, "high": high}
    if low is not None and high is not None:
        return _("{value} is not a quantity of fact {code!r}: it takes {low} to {high}").format(**shown)
    if low is not None:
        return _("{value} is not a quantity of fact {code!r}: it takes at least {low}").format(**shown)
    return _("{value} is not a quantity of fact {code!r}: it takes at most {high}").format(**shown)


def quantity_problem(fact: Fact, quantity: Decimal) -> str | None:
    """What is wrong with one entry's ``quantity`` of ``fact``: outside the fact's
    :attr:`~communitycore.records.Fact.minimum` and :attr:`~communitycore.records.Fact.maximum`; None if nothing."""
    return _outside(fact.code, quantity, fact.minimum, fact.maximum)


#: A day's hours: what a person's entries of an hours fact add up to at most, whatever the fact says.
DAY_HOURS = Decimal(24)
#: The subjects that are people, whose hours are their own.
PERSONS = frozenset({"member", "resident", "steward"})


def day_limit(fact: Fact) -> Decimal | None:
    """What one subject's entries of ``fact`` of one day may add up to: its
    :attr:`~communitycore.records.Fact.day_maximum`, and for a fact of hours about people never more
    than the day's 24 (a plugin's fact that leaves the bound out, or replaces a built-in one, too)."""
    most = fact.day_maximum
    if fact.unit == "hours" and fact.subject.value in PERSONS:
        return DAY_HOURS if most is None else min(most, DAY_HOURS)
    return most


def day_problem(fact: Fact, kind: str, day: dt.date, held: Decimal, quantity: Decimal) -> str | None:
    """What is wrong with adding ``quantity`` of ``fact`` to a subject's ``day`` that ``held`` that
    much already: past the fact's ``day_limit``; None if nothing."""
    most = day_limit(fact)
    if most is None or quantity <= 0 or held + quantity <= most:
        return None
    return _("{day} already holds {held} of {fact} for this {kind}: {quantity} more would make {total}, and one day "
             "holds at most {most}").format(
        day=day.isoformat(), held=_plain(held), fact=localized(fact.label, fact.label_en),
        kind=SubjectKind(kind).label(get_language()), quantity=_plain(quantity), total=_plain(held + quantity),
        most=_plain(most))


def _plain(number: Decimal) -> str:
    """A quantity as people write it: ``20``, ``0.5`` (not ``20.00`` or ``2E+1``)."""
    return f"{number.normalize():f}"


def value_problem(fact: Fact, value: Decimal) -> str | None:
    """What is wrong with ``value`` as the fact's value over a period (an appeal's corrected quantity).

    A period with no entries holds 0, so a bound above 0 holds for a value only as far as 0; a
    total (``sum``) has no upper bound, a ``count`` counts entries from 0; a ``mean`` or ``max``
    stays within the bounds of one entry.
    """
    if fact.aggregate is Aggregate.COUNT:
        return _outside(fact.code, value, Decimal(0), None)
    low = None if fact.minimum is None else min(fact.minimum, Decimal(0))
    high = fact.maximum if fact.aggregate in (Aggregate.MEAN, Aggregate.MAX) else None
    return _outside(fact.code, value, low, high)


def parse_text(value: Any, limit: int) -> str | None:
    """Free text (a note), stripped; ``None`` when blank; refused past ``limit`` or with control characters."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > limit:
        raise InvalidValue(_("at most {limit} characters, got {count}").format(limit=limit, count=len(text)))
    if any(ord(ch) < 32 and ch not in "\t\n" for ch in text):
        raise InvalidValue(_("holds control characters"))
    return text


def parse_source(value: Any) -> tuple[str, str | None]:
    """``KIND`` or ``KIND:ID`` (``meeting:12``, ``manual``) as ``(kind, id)``; blank is a manual entry."""
    if value is None or not str(value).strip():
        return MANUAL, None
    text = str(value).strip()
    kind, sep, ident = text.partition(":")
    kind = kind.strip()
    if not _SLUG.match(kind) or len(kind) > 32:
        raise InvalidValue(_("{value!r} is not a source; write a kind such as manual or meeting, optionally "
                             "followed by ':' and an id (meeting:12)").format(value=text))
    ident = ident.strip()
    if sep and not ident:
        raise InvalidValue(_("{value!r} has no id after ':'").format(value=text))
    if len(ident) > SOURCE_ID_LENGTH:
        raise InvalidValue(_("the source id is longer than {limit} characters").format(limit=SOURCE_ID_LENGTH))
    return kind, ident or None


def _subject_kind(value: Any) -> str:
    return str(SubjectKind.parse(value).value)


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValueError(_("{field} must be a whole number from 1 to {max}, got {value!r}").format(
            field=attribute.name, max=MAX_ID, value=value))


def _fact_code(_instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(_("{field} must be a fact code such as 'volunteer-hours', got {value!r}").format(
            field=attribute.name, value=value))


def _note(value: Any) -> str | None:
    return parse_text(value, NOTE_LENGTH)


def _source_id(value: Any) -> str | None:
    return parse_text(value, SOURCE_ID_LENGTH)


def _source_kind(_instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _SLUG.match(value) or len(value) > 32:
        raise ValueError(_("{field} must be a code such as 'manual' or 'meeting', got {value!r}").format(
            field=attribute.name, value=value))


@attrs.frozen(kw_only=True)
class NewEntry:
    """An entry to record (see ``community.activity.record_many``); the ledger adds id, recorder and time.

    ``unit_id`` left out is the subject's own unit (a member's, a partner's ...), looked up when
    the entry is recorded; a steward's entries keep ``None`` unless a unit is given.
    """

    subject_kind: str = attrs.field(converter=_subject_kind)
    subject_id: int = attrs.field(validator=_positive)
    fact: str = attrs.field(validator=_fact_code)
    on: dt.date = attrs.field(converter=parse_date)
    quantity: Decimal = attrs.field(default=Decimal(1), converter=parse_quantity)
    unit_id: int | None = None
    source_kind: str = attrs.field(default=MANUAL, validator=_source_kind)
    source_id: str | None = attrs.field(default=None, converter=_source_id)
    note: str | None = attrs.field(default=None, converter=_note)


@attrs.frozen(kw_only=True)
class ActivityEntry:
    """One row of the ledger, as stored. Never changed once recorded."""

    id: int
    subject_kind: str
    """``member``, ``steward``, ``unit``, ``partner`` or ``resident`` (:class:`SubjectKind`)."""
    subject_id: int
    fact: str
    """The fact code (a registered :class:`~communitycore.Fact`)."""
    occurred_on: dt.date
    """The day it happened (a reversal keeps the day of the entry it reverses)."""
    quantity: Decimal
    """How much, to two decimal places; negative in a reversal."""
    unit_id: int | None
    """The unit it counted for when it was recorded; ``None`` once that unit was removed."""
    source_kind: str
    """Where it came from: ``manual``, ``import``, ``meeting``, ``request`` ..."""
    source_id: str | None
    recorder: str
    """Who recorded it (the actor)."""
    note: str | None
    reverses: int | None
    """The id of the entry this one reverses, or ``None``."""
    recorded_at: dt.datetime


class FactValue(NamedTuple):
    """The value of one fact for one subject over a period.

    A named tuple rather than an attrs record: a city's quarter is 500,000 of them, and a tuple
    is built at C speed. It is immutable and hashable all the same.
    """

    subject_kind: str
    subject_id: int
    fact: str
    value: Decimal


def fact_value(aggregate: Aggregate, total: Decimal, standing: int, top: Decimal | None) -> Decimal | None:
    """A fact's value from the sums the ledger query gives, by the fact's aggregate.

    :param total: the sum of every quantity, reversals included.
    :param standing: the entries that stand (not reversals, not reversed).
    :param top: the largest quantity of a standing entry (``None`` if none stands).
    :returns: the value; ``None`` for a mean or maximum with no standing entry.
    """
    if aggregate is Aggregate.SUM:
        return total
    if aggregate is Aggregate.COUNT:
        return Decimal(standing)
    if aggregate is Aggregate.MAX:
        return top
    if standing == 0:
        return None
    return (total / standing).quantize(_CENT, rounding=ROUND_HALF_EVEN)
