"""The records plugins and packs contribute: frozen attrs classes, one per hook family.

Every record has a ``code`` (a lower-case slug, its identity), a Chinese ``label`` (what users
see), an optional ``label_en`` and an optional ``replaces``: the code of a record it deliberately
takes the place of. Conversion to and from dicts lives in :mod:`communitycore.serialize`, not here.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import attrs

from communitycore.i18n import N_, _, localized

_SLUG = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")


def _slug(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(_("{field} must be a lower-case slug such as 'grid-branch', got {value!r}").format(
            field=attribute.name, value=value))


def _optional_slug(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _slug(instance, attribute, value)


def _slugs(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for item in value:
        _slug(instance, attribute, item)


def _nonempty(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("{field} must be a non-empty string").format(field=attribute.name))


class FrozenDict(dict[str, Any]):
    """A dict that refuses every change: what a frozen record holds where it holds a mapping.

    A ``dict`` subclass, so ``json.dumps`` and every reader of dicts take it as it is; the
    mutating methods raise ``TypeError``. Built by :func:`freeze`, which freezes nested values too.
    """

    __slots__ = ()

    def _refuse(self, *_args: Any, **_kwargs: Any) -> Any:
        raise TypeError(_("a frozen record's mapping cannot be changed; build a new record (attrs.evolve)"))

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"


def freeze(value: Any) -> Any:
    """``value`` with every mapping made a :class:`FrozenDict` and every list a tuple, all the way down."""
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, dict):
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):  # named tuples stay as they are
        return tuple(freeze(item) for item in value)
    return value


def _frozen_dict(value: Any) -> FrozenDict:
    return freeze(dict(value)) if not isinstance(value, FrozenDict) else value


def _optional_decimal(value: Any) -> Decimal | None:
    """A bound written as a number (``24``, ``"0.01"``, ``0.5``: a float by its shortest text), or None."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(_("expected a number, got {value!r}").format(value=value))
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ValueError(_("expected a number, got {value!r}").format(value=value)) from None
    if not number.is_finite():
        raise ValueError(_("expected a number, got {value!r}").format(value=value))
    return number


def _tuple(value: Any) -> tuple[Any, ...]:
    """Accept any iterable (a list from TOML, say) but keep records hashable."""
    if isinstance(value, str):
        return (value,)
    return tuple(value)


class Cadence(str, enum.Enum):
    """How often a meeting is due (the compliance period)."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half-yearly"
    YEARLY = "yearly"


#: The words of the cadences, for labels (translated where shown).
CADENCE_WORDS = {"weekly": N_("Weekly"), "monthly": N_("Monthly"), "quarterly": N_("Quarterly"),
                 "half-yearly": N_("Half-yearly"), "yearly": N_("Yearly")}


class Subject(str, enum.Enum):
    """What a fact or a scoring scheme is about."""

    MEMBER = "member"
    UNIT = "unit"
    STEWARD = "steward"
    VOLUNTEER = "volunteer"
    RESIDENT = "resident"
    PARTNER = "partner"


#: The words of the subjects, for labels.
SUBJECT_WORDS = {"member": N_("member"), "unit": N_("unit"), "steward": N_("steward"), "volunteer": N_("volunteer"),
                 "resident": N_("resident"), "partner": N_("partner")}


class Severity(str, enum.Enum):
    """How serious a structure finding is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@attrs.frozen(kw_only=True)
class Record:
    """Fields every contributed record shares."""

    code: str = attrs.field(validator=_slug)
    """The record's identity: a lower-case slug (``grid-branch``, ``jj.weekly``), unique in its family."""
    label: str = attrs.field(validator=_nonempty)
    """The Chinese name users see (网格党支部)."""
    label_en: str | None = None
    """The English name, shown with ``--lang en``; ``None``: the Chinese label is shown instead."""
    replaces: str | None = attrs.field(default=None, validator=_optional_slug)
    """The code of a record this one deliberately takes the place of (a plugin's own 党支部, say)."""
    description: str = ""
    """A longer explanation, for listings and the plugin's documentation."""


@attrs.frozen(kw_only=True)
class UnitKind(Record):
    """A kind of Party organization (党组织类别) and the structure rules that go with it.

    ``parents`` lists the kinds a unit of this kind may sit under; an empty tuple makes it a root
    kind. The numeric fields feed the structure checks (:func:`communitycore_check_units`); a rule
    left ``None`` is not checked.
    """

    parents: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """Codes of the kinds a unit of this kind may sit under; empty: a root kind."""
    min_full_members: int | None = None
    """Fewest 正式党员 the unit must have (a 党支部: 3)."""
    max_members: int | None = None
    """Members above which the unit should be split or upgraded (a 党支部: generally 50)."""
    eligible_from_members: int | None = None
    """Members from which a unit may be approved as this kind (党总支 50, 党委 100)."""
    committee_from_full_members: int | None = None
    """正式党员 from which a committee must be elected (a 党支部: 7)."""
    max_covered_units: int | None = None
    """Units a joint organization may cover (联合党支部: 5)."""
    term_years: int | None = None
    """Length of the elected committee's term; ``None`` for bodies that are not elected."""
    elected: bool = True
    """Whether the unit elects its committee (a 街道党工委 is appointed; 党小组 and 党员中心户 elect none)."""


#: Who a meeting type invites (see :attr:`MeetingType.attendees`).
ATTENDEES = ("members", "full-members", "committee", "group", "partners", "custom")
#: Their words, for labels.
ATTENDEE_WORDS = {"members": N_("All members"), "full-members": N_("Full members"), "committee": N_("Committee"),
                  "group": N_("Party group"), "partners": N_("Partner organizations"), "custom": N_("Those listed")}
#: What a meeting's minutes may be required to hold (see :attr:`MeetingType.minutes_required`).
MINUTES_FIELDS = ("topic", "host", "recorder", "content", "resolutions")
_THRESHOLD = re.compile(r"^\s*(>=|>|≥)?\s*(\d+)\s*/\s*(\d+)\s*$")
_NAMED_THRESHOLDS = {"at-least-half": (">=", 1, 2), "more-than-half": (">", 1, 2)}
_THRESHOLD_BASE_WORDS = {"voting": N_("the full members"), "all": N_("all due to attend")}


@attrs.frozen
class Threshold:
    """A share of a base: ``>=`` or ``>`` a fraction of the ``voting`` members (正式党员) or ``all`` due to attend."""

    comparison: str
    numerator: int
    denominator: int
    base: str = "voting"

    @classmethod
    def parse(cls, text: str) -> Threshold:
        """``at-least-half`` (半数以上, >= 1/2), ``more-than-half`` (超过半数, > 1/2), ``2/3`` (>= 2/3),
        ``>1/2``, each optionally followed by `` of voting`` (the default) or `` of all``."""
        if not isinstance(text, str):
            raise ValueError(_("expected a rule such as 'at-least-half' or '2/3', got {text!r}").format(text=text))
        rule, _sep, base = text.strip().partition(" of ")
        base = base.strip() or "voting"
        if base not in ("voting", "all"):
            raise ValueError(_("the base of {text!r} must be 'voting' or 'all', got {base!r}").format(
                text=text, base=base))
        named = _NAMED_THRESHOLDS.get(rule.strip())
        if named is not None:
            return cls(named[0], named[1], named[2], base)
        match = _THRESHOLD.match(rule)
        if match is None:
            raise ValueError(_("expected 'at-least-half', 'more-than-half' or a fraction such as '2/3' "
                               "(optionally '>' before it and ' of all' after it), got {text!r}").format(text=text))
        comparison = ">=" if match.group(1) in (None, ">=", "≥") else ">"
        numerator, denominator = int(match.group(2)), int(match.group(3))
        if not 0 < numerator <= denominator:
            raise ValueError(_("the fraction of {text!r} must be more than 0 and at most 1").format(text=text))
        return cls(comparison, numerator, denominator, base)

    def met(self, count: int, base: int) -> bool:
        """Whether ``count`` out of ``base`` meets the rule (exact integer arithmetic, no rounding)."""
        if self.comparison == ">=":
            return count * self.denominator >= base * self.numerator
        return count * self.denominator > base * self.numerator

    def required(self, base: int) -> int:
        """The fewest of ``base`` that meet the rule."""
        floor = base * self.numerator // self.denominator
        exact = floor * self.denominator == base * self.numerator
        if self.comparison == ">=":
            return floor if exact else floor + 1
        return floor + 1

    def describe(self) -> str:
        """The rule in words, in the language in force: 正式党员的半数以上, 超过应到会人员的半数, 正式党员的2/3以上."""
        share = _("half") if (self.numerator, self.denominator) == (1, 2) else f"{self.numerator}/{self.denominator}"
        base = _(_THRESHOLD_BASE_WORDS[self.base])
        if self.comparison == ">=":
            return _("at least {share} of {base}").format(share=share, base=base)
        return _("more than {share} of {base}").format(share=share, base=base)

    def __str__(self) -> str:
        for name, (comparison, numerator, denominator) in _NAMED_THRESHOLDS.items():
            if (self.comparison, self.numerator, self.denominator) == (comparison, numerator, denominator):
                rule = name
                break
        else:
            rule = f"{self.comparison}{self.numerator}/{self.denominator}"
        return rule if self.base == "voting" else f"{rule} of {self.base}"


def _threshold_text(value: Any) -> str | None:
    return None if value is None else str(Threshold.parse(value))


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(_("{field} must be a whole number of at least 1, got {value!r}").format(
            field=attribute.name, value=value))


def _minutes_fields(_instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    unknown = [v for v in value if v not in MINUTES_FIELDS]
    if unknown:
        raise ValueError(_("{field} may name {allowed}; got {value}").format(
            field=attribute.name, allowed=", ".join(MINUTES_FIELDS), value=", ".join(map(str, unknown))))


@attrs.frozen(kw_only=True)
class MeetingType(Record):
    """A meeting the rules require (三会一课 and the rest), with its cadence."""

    cadence: Cadence = attrs.field(converter=Cadence)
    """How often the meeting is due: the period its compliance is counted over."""
    applies_to: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """The unit kinds that must hold it; empty: every kind."""
    times_per_period: int = attrs.field(default=1, validator=_positive)
    """Meetings due in each period of the cadence (主题党日: once a month)."""
    attendees: str = attrs.field(default="members", validator=attrs.validators.in_(ATTENDEES))
    """Who is due to attend: ``members`` (the unit's members, its subtree included), ``full-members``
    (正式党员 only), ``committee`` (members holding a post other than 党小组长), ``group`` (a 党小组's
    members), ``partners`` (partner organizations, for joint meetings) or ``custom`` (those listed)."""
    quorum: str | None = attrs.field(default=None, converter=_threshold_text)
    """The attendance a resolution needs (see :class:`~communitycore.records.Threshold`): ``at-least-half`` (半数以上),
    ``more-than-half`` (超过半数), a fraction such as ``2/3``, each over ``voting`` members (the
    default) or ``all`` (``more-than-half of all``); ``None`` (the default) for no quorum."""
    pass_rule: str = attrs.field(default="more-than-half", converter=_threshold_text)
    """The votes for a resolution needs, over those due to attend (细则 §20: more than half of the voting members)."""
    votes: bool = False
    """Whether resolutions may be taken at this meeting (default: no)."""
    minutes_required: tuple[str, ...] = attrs.field(default=("topic",), converter=_tuple, validator=_minutes_fields)
    """What the minutes must hold: any of topic, host, recorder, content, resolutions (default: the topic)."""
    counts_as_training: bool = False
    """Attending counts as training for the attendees (the weekly Party class does); default no."""

    @property
    def quorum_rule(self) -> Threshold | None:
        """:attr:`quorum` as a :class:`~communitycore.records.Threshold`."""
        return None if self.quorum is None else Threshold.parse(self.quorum)

    @property
    def pass_threshold(self) -> Threshold:
        """:attr:`pass_rule` as a :class:`~communitycore.records.Threshold`."""
        return Threshold.parse(self.pass_rule)


@attrs.frozen(kw_only=True)
class ServiceCategory(Record):
    """One of the service categories (维修维护, 爱心帮扶 ...)."""


class Urgency(str, enum.Enum):
    """How urgent a resident request is; each class has its own deadlines (Beijing 12345 standard)."""

    EMERGENCY = "emergency"
    """Risk to life or property: resolve within 2 hours."""
    UTILITY = "utility"
    """Water, power, gas, heating (水电气热): 24 hours."""
    GENERAL = "general"
    """Everything else: 7 days."""
    COMPLEX = "complex"
    """Needs several bodies or long work: 15 days."""


class Channel(str, enum.Enum):
    """How a request reaches the community."""

    HOTLINE = "hotline"
    WALK_IN = "walk-in"
    GRID = "grid"
    """Collected by a grid worker (网格员)."""
    ONLINE = "online"
    SIGNAL = "signal"
    """A sign the resident gives, such as a red ribbon tied at the window (红飘带)."""


def _enum_codes(kind: type[enum.Enum]) -> Any:
    allowed = [m.value for m in kind]

    def check(_instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        for item in value:
            if item not in allowed:
                raise ValueError(_("{field} must be among {allowed}, got {value!r}").format(
                    field=attribute.name, allowed=", ".join(allowed), value=item))
    return check


def _optional_urgency(value: Any) -> Urgency | None:
    return None if value is None else Urgency(value)


@attrs.frozen(kw_only=True)
class ServiceProgram(Record):
    """A branded service programme (红飘带, 爱心超市, 小餐桌 ...) in one category.

    Every field past ``category`` is optional: who may be served (resident flags, or a plugin's
    check), how urgent its requests are by default, how requests reach it, and which kinds of unit
    run it.
    """

    category: str = attrs.field(validator=_slug)
    """The code of the service category it belongs to (``care``, ``maintenance`` …)."""
    eligible_flags: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """Resident flags of which one qualifies (``living-alone``, ``disabled`` …); empty: everyone."""
    eligibility_check: str | None = attrs.field(default=None, validator=_optional_slug)
    """The code a plugin's ``communitycore_check_service_eligibility`` answers for, beyond the flags."""
    default_urgency: Urgency | None = attrs.field(default=None, converter=_optional_urgency)
    """The urgency of its requests when none is given."""
    channels: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_enum_codes(Channel))
    """The intake channels it takes requests from (``Channel`` codes); empty: every channel."""
    owner_kinds: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """The unit kinds that run it (``community``, ``grid-branch`` …); empty: any unit."""


class Outcome(str, enum.Enum):
    """What a grade means for the subject's place on a roster (used by rosters and reviews)."""

    PROMOTE = "promote"
    KEEP = "keep"
    WARN = "warn"
    DEMOTE = "demote"
    REMOVE = "remove"


#: The words of the outcomes (优者上、庸者下、劣者汰), for labels.
OUTCOME_WORDS = {"promote": N_("Promote"), "keep": N_("Keep"), "warn": N_("Warn"), "demote": N_("Demote"),
                 "remove": N_("Remove")}


def _number(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(_("{field} must be a number, got {value!r}").format(field=attribute.name, value=value))


def _optional_number(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _number(instance, attribute, value)


def quota_share(value: object) -> Fraction:
    """A quota as an exact fraction: ``"1/3"`` is a third, ``0.3333`` is 3333/10000 (its shortest text).

    Raises ValueError unless the share is above 0 and at most 1.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Fraction)):
        raise ValueError(_("quota must be a share such as 0.3333 or \"1/3\", got {value!r}").format(value=value))
    try:
        share = Fraction(repr(value) if isinstance(value, float) else value)
    except (ValueError, ZeroDivisionError):
        raise ValueError(_("quota must be a share such as 0.3333 or \"1/3\", got {value!r}").format(
            value=value)) from None
    if not 0 < share <= 1:
        raise ValueError(_("quota must be above 0 and at most 1 (a share of the cohort), got {value!r}").format(
            value=value))
    return share


def _quota(_instance: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        quota_share(value)


@attrs.frozen(kw_only=True)
class ScoreItem:
    """One line of a points scheme: points per unit of a fact, clamped to ``floor``..``cap`` per period.

    ``code`` names the item in a breakdown and in an appeal; it defaults to the fact's code.
    ``cap`` is the most the item may add in one period (封顶); ``floor`` the most a deduction may
    take away (a negative number: 缺席 −5 a time, at most −20).
    """

    fact: str = attrs.field(validator=_slug)
    """The code of the fact whose value the item counts."""
    points: float = attrs.field(validator=_number)
    """Points per unit of the fact (negative for a deduction: 缺席 −5 a time)."""
    cap: float | None = attrs.field(default=None, validator=_optional_number)
    """The most the item may add in one period (封顶); ``None``: no cap."""
    label: str | None = None
    """What a breakdown calls the line; ``None``: the fact's label."""
    floor: float | None = attrs.field(default=None, validator=_optional_number)
    """The most a deduction may take away in one period, as a negative number; ``None``: no floor."""
    code: str | None = attrs.field(default=None, validator=_optional_slug)
    """The item's own code, where two items count the same fact; ``None``: the fact's code."""

    def __attrs_post_init__(self) -> None:
        if self.cap is not None and self.floor is not None and self.floor > self.cap:
            raise ValueError(_("item {item!r}: floor {floor} is above cap {cap}").format(
                item=self.item, floor=self.floor, cap=self.cap))

    @property
    def item(self) -> str:
        """The item's code: ``code``, or the fact's code."""
        return self.code or self.fact


@attrs.frozen(kw_only=True)
class GradeBand:
    """Scores at or above ``min_score`` earn ``grade``; ``quota`` caps its share of the cohort.

    ``quota`` is a share such as ``0.3333`` or ``"1/3"`` (rounded down: at most ⌊n × quota⌋
    subjects); ``outcome`` is what the grade means for a roster.
    """

    grade: str = attrs.field(validator=_slug)
    """The grade's code (``excellent``, ``qualified`` …)."""
    min_score: float = attrs.field(validator=_number)
    """The lowest total that earns the grade."""
    quota: float | str | None = attrs.field(default=None, validator=_quota)
    """The largest share of the cohort that may hold the grade (``0.3333`` or ``"1/3"``); ``None``: no quota."""
    label: str | None = None
    """The grade's Chinese name (优秀); optional."""
    label_en: str | None = None
    """The grade's English name; ``None``: the Chinese name is shown."""
    outcome: Outcome | None = attrs.field(default=None, converter=attrs.converters.optional(Outcome))
    """What the grade means for the subject's place on a roster; ``None``: nothing."""

    @property
    def share(self) -> Fraction | None:
        """The quota as an exact fraction (None: no quota)."""
        return None if self.quota is None else quota_share(self.quota)



def grade_labels(bands: Iterable[GradeBand]) -> dict[str, str]:
    """Each band's grade in words, in the language in force (the code where a band has no label)."""
    return {band.grade: localized(band.label or band.grade, band.label_en) for band in bands}


def _bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # A TOML pack that writes terminal = "true" must fail loudly, not count as truthy.
    if not isinstance(value, bool):
        raise ValueError(_("{field} must be true or false, got {value!r}").format(field=attribute.name, value=value))


@attrs.frozen(kw_only=True)
class ScoringScheme(Record):
    """A points scheme (积分制): base, items, vetoes, grade bands with quotas, exemptions, version.

    With ``shares`` set, each item counts the subject's share of all the items' facts (votes for
    优秀 over all votes received) instead of the fact's value: how 民主评议 tallies go. ``exempt``
    names groups of subjects that take part without a grade: member categories such as
    ``probationary`` (预备党员). ``version`` is recorded with every run.
    """

    subject: Subject = attrs.field(converter=Subject)
    """Who is scored: members, units, stewards, volunteers …"""
    period: Cadence = attrs.field(converter=Cadence)
    """The period one run covers (a quarterly scheme runs once a quarter)."""
    base: float = attrs.field(default=0.0, validator=_number)
    """Points every subject starts the period with (基础分)."""
    items: tuple[ScoreItem, ...] = attrs.field(default=(), converter=_tuple)
    """The lines that add or take away points, in the order a breakdown shows them."""
    vetoes: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """Facts any non-zero value of which zeroes the total (一票否决)."""
    bands: tuple[GradeBand, ...] = attrs.field(default=(), converter=_tuple)
    """The grades, each from its ``min_score``; a subject earns the highest band it reaches within its quota."""
    exempt: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """Groups of subjects scored without a grade (member categories: ``probationary``)."""
    shares: bool = attrs.field(default=False, validator=_bool)
    """Whether items count the subject's share of all the items' facts (民主评议 tallies) instead of the values."""
    version: int = 1
    """The scheme's version, from 1, recorded with every run so a result names the rules it used."""

    def __attrs_post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ValueError(_("version must be a whole number from 1, got {version!r}").format(version=self.version))
        items = [i.item for i in self.items]
        twice = sorted({i for i in items if items.count(i) > 1})
        if twice:
            raise ValueError(_("items {twice} appear twice; give each a distinct code").format(twice=twice))
        grades = [b.grade for b in self.bands]
        twice = sorted({g for g in grades if grades.count(g) > 1})
        if twice:
            raise ValueError(_("grades {twice} appear twice in bands").format(twice=twice))
        scores = [b.min_score for b in self.bands]
        if len(set(scores)) != len(scores):
            raise ValueError(_("two bands have the same min_score; each grade needs its own threshold"))


#: Who may apply to a roster programme.
CANDIDATE_KINDS = ("member", "resident", "partner-staff", "partner")
#: Their words, for labels.
CANDIDATE_KIND_WORDS = {"member": N_("Party member"), "resident": N_("Resident"),
                        "partner-staff": N_("Partner staff"), "partner": N_("Partner organization")}


def _whole_from(least: int) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(_("{field} must be a whole number from {least}, got {value!r}").format(
                field=attribute.name, least=least, value=value))
    return check


def _optional_whole_from(least: int) -> Any:
    inner = _whole_from(least)

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            inner(instance, attribute, value)
    return check


def _optional_positive(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(_("{field} must be a positive number, got {value!r}").format(field=attribute.name,
                                                                                   value=value))


def _candidate_kinds(_instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    unknown = [v for v in value if v not in CANDIDATE_KINDS]
    if unknown or not value or len(set(value)) != len(value):
        raise ValueError(_("{field} must name each of {known} at most once, got {value!r}").format(
            field=attribute.name, known=", ".join(CANDIDATE_KINDS), value=list(value)))


def _tiers(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    _slugs(instance, attribute, value)
    if not value or len(set(value)) != len(value):
        raise ValueError(_("{field} must list at least one tier, each once, got {value!r}").format(
            field=attribute.name, value=list(value)))


@attrs.frozen(kw_only=True)
class RosterProgram(Record):
    """A vetted service corps (红色管家 ...) and its lifecycle settings.

    Candidates of ``candidate_kinds`` apply; the declared qualification checks
    (``member_categories``, ``veto_facts`` within ``veto_days``, and a plugin's
    ``candidate_check`` answered by ``communitycore_check_roster_candidate``) are applied at
    the qualification review; a public notice of ``notice_days`` days follows; admitted members
    start in the last of ``tiers`` (ordered from the top) and are trained and reviewed each
    ``review_cadence`` period under ``scoring_scheme``, whose bands' outcomes move them.
    """

    notice_days: int = attrs.field(default=7, validator=_whole_from(1))
    """Length of the public-notice window (公示) before admission, both ends counted."""
    review_cadence: Cadence = attrs.field(default=Cadence.QUARTERLY, converter=Cadence)
    """How often members are reviewed (考评): the period of each review."""
    scoring_scheme: str | None = attrs.field(default=None, validator=_optional_slug)
    """The code of the scoring scheme a review runs; its bands' outcomes move members between tiers."""
    candidate_kinds: tuple[str, ...] = attrs.field(default=("member", "resident"), converter=_tuple,
                                                   validator=_candidate_kinds)
    """Who may apply: ``member``, ``resident``, ``partner-staff`` and ``partner``."""
    member_categories: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """Member categories admitted (``full``: 正式党员 only); empty: any."""
    veto_facts: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """Ledger facts that disqualify a candidate when recorded within ``veto_days`` before the review."""
    veto_days: int = attrs.field(default=365, validator=_whole_from(1))
    """Days before the qualification review within which a ``veto_facts`` entry disqualifies."""
    candidate_check: str | None = attrs.field(default=None, validator=_optional_slug)
    """The code a plugin's ``communitycore_check_roster_candidate`` answers for."""
    training_hours: float | None = attrs.field(default=None, validator=_optional_positive)
    """Training hours required per ``training_period``; None: no hours requirement."""
    training_sessions: int | None = attrs.field(default=None, validator=_optional_whole_from(1))
    """Training sessions required per ``training_period``; None: no sessions requirement."""
    training_period: Cadence = attrs.field(default=Cadence.YEARLY, converter=Cadence)
    """The period the training requirement is counted over."""
    tiers: tuple[str, ...] = attrs.field(default=("regular",), converter=_tuple, validator=_tiers)
    """Tier codes ordered from the top (``gold``, ``silver``, ``regular``); members start in the last."""
    max_term_years: int | None = attrs.field(default=None, validator=_optional_whole_from(1))
    """Years a member serves before the term ends (换届); None: no limit."""
    readmit_after_days: int | None = attrs.field(default=365, validator=_optional_whole_from(0))
    """Days after an elimination before the same person may apply again; None: never again."""


class Aggregate(str, enum.Enum):
    """How the activity ledger turns a fact's entries over a period into one value per subject."""

    SUM = "sum"
    """The total of the quantities (hours served, points earned)."""
    COUNT = "count"
    """The number of entries, whatever their quantities (meetings attended)."""
    MAX = "max"
    """The largest quantity (the best rating of the period)."""
    MEAN = "mean"
    """The average quantity (the mean evaluation score)."""


@attrs.frozen(kw_only=True)
class Fact(Record):
    """A named, countable fact about a subject that scoring schemes and rules can use."""

    subject: Subject = attrs.field(converter=Subject)
    """What the fact is about (a member, a unit, a partner …)."""
    unit: str = "count"
    """What its quantity counts: ``count``, ``hours``, ``points``, ``votes`` …"""
    aggregate: Aggregate = attrs.field(default=Aggregate.SUM, converter=Aggregate)
    """How the ledger's entries of this fact over a period make one value (see :class:`Aggregate`)."""
    minimum: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    """The least quantity one entry may hold (``None``: no bound), as ``0.01`` hours: the ledger
    refuses an entry below it, by hand, in a batch or from a file (a reversal aside)."""
    maximum: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    """The largest quantity one entry may hold (``None``: no bound), as ``24`` hours in one day or
    ``100`` satisfaction points."""
    day_maximum: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    """The most one subject's entries of one day may add up to (``None``: no bound), as a person's
    ``24`` hours: the ledger adds a new entry to the day's entries (reversals netted) with the
    subject locked, so two writers cannot pass it together."""

    def __attrs_post_init__(self) -> None:
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(_("fact {code!r}: its minimum {minimum} is above its maximum {maximum}").format(
                code=self.code, minimum=self.minimum, maximum=self.maximum))
        if self.minimum is not None and self.day_maximum is not None and self.minimum > self.day_maximum:
            raise ValueError(_("fact {code!r}: its minimum {minimum} is above its day's maximum {most}").format(
                code=self.code, minimum=self.minimum, most=self.day_maximum))


_ACTION_PATTERN = re.compile(r"^(?:\*|(?:\*|[a-z][a-z0-9-]*)\.(?:\*|[a-z][a-z0-9-]*))$")


def _action_patterns(_instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for item in value:
        if not isinstance(item, str) or not _ACTION_PATTERN.match(item):
            raise ValueError(_("{field} must hold actions such as 'member.read', 'member.*', '*.read' or '*', "
                               "got {value!r}").format(field=attribute.name, value=item))


@attrs.frozen(kw_only=True)
class Role(Record):
    """A role a grant gives an actor on a unit's subtree: the actions it allows there.

    ``actions`` are ``<capability>.<verb>`` (``member.read``), or patterns: ``member.*`` (every
    action of one capability), ``*.read`` (one verb of every capability), ``*`` (everything).
    """

    actions: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_action_patterns)
    """The actions the role allows, or patterns of them (``member.*``, ``*.read``, ``*``)."""
    own: bool = False
    """The actions reach only what is assigned to the actor: the requests whose assignee is the grant's
    ``subject`` (a steward's own assignments), not everything in the subtree."""


@attrs.frozen(kw_only=True)
class UnitSnapshot:
    """What the structure rules see of one unit: its place in the tree and its head counts."""

    id: int
    """The unit's id."""
    name: str
    """The unit's name."""
    kind: str
    """The code of the unit's approved kind."""
    parent_id: int | None
    """The id of the unit above; ``None`` for a root."""
    path: str
    """The unit's full path, names joined with ``/``."""
    members: int = 0
    """Members organised anywhere under the unit (its subtree), as the size thresholds count them."""
    full_members: int = 0
    """正式党员 in the subtree."""
    probationary_members: int = 0
    """预备党员 in the subtree."""
    own_members: int = 0
    """Members attached to the unit itself."""
    children: int = 0
    """Direct sub-units."""
    covered_units: int | None = None
    """Units a joint organization covers (联合党支部); ``None``: not a joint organization."""
    has_committee: bool = False
    """Whether at least three of the unit's own members hold committee posts."""
    term_end: dt.date | None = None
    """When the committee's term ends; ``None``: no term on record."""


@attrs.frozen(kw_only=True)
class Finding:
    """One result of a structure rule: which unit, which rule, how serious, what to do."""

    unit_id: int
    """The id of the unit the finding is about."""
    unit: str
    """That unit's full path."""
    rule: str
    """The code of the rule that found it (``min-full-members``, a plugin's own …)."""
    severity: Severity = attrs.field(converter=Severity)
    """How serious it is: ``info``, ``warning`` or ``error``."""
    message: str
    """What is wrong, in the interface's language."""
    suggestion: str = ""
    """What to do about it; empty when the message says it all."""


@attrs.frozen(kw_only=True)
class ScoreLine:
    """One explained line of a score, as returned by :func:`communitycore_score`."""

    subject_id: int
    """The id of the subject the line scores."""
    item: str
    """The code of the line, as a breakdown and an appeal name it."""
    points: float
    """The points it adds (negative: takes away)."""
    note: str = ""
    """Why, in a few words, shown in the breakdown."""


@attrs.frozen(kw_only=True)
class Event:
    """Something that happened, delivered to ``communitycore_on_event`` after commit, at least once.

    ``id`` is stable across deliveries (a UUID string): consumers deduplicate by it.
    """

    id: str = ""
    """A UUID string, the same on every delivery; empty only on an event not yet stored."""
    action: str
    """What happened: ``<entity>.<verb>`` as in the audit trail (``member.transfer``)."""
    entity: str
    """The kind of entity changed (``unit``, ``member`` …)."""
    entity_id: str | None
    """The changed entity's id, as text; ``None`` for changes of no one entity (an import)."""
    actor: str
    """Who acted, as written in the audit trail."""
    at: dt.datetime
    """When the change was made, in UTC."""
    data: FrozenDict = attrs.field(factory=FrozenDict, converter=_frozen_dict, hash=False)
    """What the change carried (ids, counts, the fields changed); read-only, nested values too."""


@attrs.frozen(kw_only=True)
class OutboxEvent:
    """An event in the outbox, with its delivery state and failed attempts (``community.events``)."""

    id: str
    seq: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    failures: tuple[tuple[dt.datetime, str], ...] = ()


#: The words of an outbox event's ``status``, for labels.
EVENT_STATUS_WORDS = {"pending": N_("Awaiting delivery"), "delivered": N_("Delivered")}


@attrs.frozen(kw_only=True)
class AuditEntry:
    """Who did what, when, to which entity, with the values before and after (personal data masked)."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: Any = attrs.field(default=None, converter=freeze)
    after: Any = attrs.field(default=None, converter=freeze)
    note: str | None = None
    hash: str | None = None
    """Its link in the hash chain (see ``community audit verify``)."""


def _optional_nonempty(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _nonempty(instance, attribute, value)


def _code(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # As _slug, with an example from the workflows' own vocabulary.
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(_("{field} must be a lower-case slug such as 'in-progress' "
                           "(letters, digits, and '-' or '.' between them), got {value!r}").format(
                               field=attribute.name, value=value))


def _optional_code(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _code(instance, attribute, value)


@attrs.frozen
class WorkflowState:
    """One state of one workflow, such as ``in-progress`` (办理中) of ``resident-request``.

    ``code`` is the state's identity within its workflow and what storage keeps; ``label`` is what
    users see. Exactly one state of a workflow is ``initial``; ``terminal`` states have no way out.
    ``replaces`` names a state this one deliberately takes the place of, as with every other
    record: keep the code and replace it to rename a label. A replacement takes the whole record's
    place, so restate ``initial`` and ``terminal``. The engine that checks a workflow as a whole
    is :class:`communitycore.domain.workflows.Workflow`.
    """

    workflow: str = attrs.field(validator=_code)
    """The code of the workflow the state belongs to (``resident-request``)."""
    code: str = attrs.field(validator=_code)
    """The state's code, unique within its workflow; what storage keeps."""
    label: str = attrs.field(validator=_nonempty)
    """The Chinese name users see (办理中)."""
    label_en: str | None = attrs.field(default=None, validator=_optional_nonempty)
    """The English name; ``None``: the Chinese label is shown."""
    terminal: bool = attrs.field(default=False, validator=_bool)
    """Whether the state is an end: no transition may leave it."""
    initial: bool = attrs.field(default=False, validator=_bool)
    """Whether entities start in it; exactly one state of a workflow is initial."""
    replaces: str | None = attrs.field(default=None, validator=_optional_code)
    """The code of a state of the same workflow this one takes the place of."""
    description: str = ""
    """A longer explanation of the state."""

    def __attrs_post_init__(self) -> None:
        if self.initial and self.terminal:
            raise ValueError(_("state {state!r} of workflow {workflow!r} cannot be both initial and terminal: "
                               "nothing could ever happen to an entity in it").format(
                                   state=self.code, workflow=self.workflow))


@attrs.frozen(init=False)
class WorkflowTransition:
    """A permitted move from ``source`` to ``target`` within ``workflow``.

    ``action`` is the verb callers use for it (``assign``, ``cancel``); left out, it is the target
    code. ``label`` is the optional text of the button or command (派单), in Chinese and English.
    """

    workflow: str = attrs.field(validator=_code)
    """The code of the workflow the move belongs to."""
    source: str = attrs.field(validator=_code)
    """The code of the state the move leaves."""
    target: str = attrs.field(validator=_code)
    """The code of the state the move enters."""
    # The default only tells attrs and cattrs that the field may be left out; __init__ puts the
    # target code in its place, so an action is always a slug.
    action: str = attrs.field(default="", validator=_code)
    """The verb callers use for the move (``assign``); left out, the target's code."""
    label: str | None = attrs.field(default=None, validator=_optional_nonempty)
    """The Chinese text of the button or command that makes the move (派单); optional."""
    label_en: str | None = attrs.field(default=None, validator=_optional_nonempty)
    """The English text of that button or command; optional."""

    def __init__(
        self,
        workflow: str,
        source: str,
        target: str,
        action: str | None = None,
        label: str | None = None,
        label_en: str | None = None,
    ) -> None:
        self.__attrs_init__(workflow, source, target, target if action is None else action, label, label_en)


#: What a recruitment step does beyond being recorded (see :class:`RecruitmentStep`).
STEP_ACTIONS = ("record", "application", "introducers", "branch-vote", "admit", "confirmation-vote", "confirm")


def _optional_months(value: Any) -> int | None:
    return None if value is None else int(value)


@attrs.frozen(kw_only=True)
class RecruitmentStep(Record):
    """One step of the recruitment pipeline (发展党员, 细则 2014: 5 stages, 25 steps).

    Steps run in ``order``; a ``required`` step cannot be skipped. The time rules compare this
    step's date with an earlier step's: at least ``min_months`` (and ``min_days``) after
    ``min_after``, at most ``max_months`` after ``max_after``.
    """

    stage: int = attrs.field(validator=attrs.validators.in_(range(1, 10)))
    """The stage (阶段), 1 to 5 in the 细则."""
    order: int = attrs.field(validator=_positive)
    """Its place in the pipeline: steps are recorded in this order."""
    required: bool = True
    """Whether every candidate goes through it (a step not required may be left out)."""
    action: str = attrs.field(default="record", validator=attrs.validators.in_(STEP_ACTIONS))
    """What recording it does: ``record`` (nothing more), ``application`` (checks the age),
    ``introducers`` (two 正式党员), ``branch-vote``/``confirmation-vote`` (the 支部大会 vote),
    ``admit`` (the candidate becomes a 预备党员) or ``confirm`` (the member becomes 正式党员)."""
    min_after: str | None = attrs.field(default=None, validator=_optional_slug)
    """The step this one may come at the earliest ``min_months``/``min_days`` after."""
    min_months: int = 0
    """Months that must pass after ``min_after`` (with ``min_days``)."""
    min_days: int = 0
    """Days that must pass after ``min_after``, beyond ``min_months``."""
    max_after: str | None = attrs.field(default=None, validator=_optional_slug)
    """The step this one must come within ``max_months`` of."""
    max_months: int | None = attrs.field(default=None, converter=_optional_months)
    """Months after ``max_after`` within which the step must come; ``None``: no limit."""
    rule: str = ""
    """The rule's source, named in a refusal (e.g. ``细则 §9``)."""


def _bands(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(upper), str(rate)) for upper, rate in value)


@attrs.frozen(kw_only=True)
class DuesCategory(Record):
    """A category of the dues table (党费, 中组发〔2008〕3号) and how its monthly amount is found.

    Either ``bands``, each ``(upper bound in 元 or "" for no bound, rate in percent)`` with the upper
    bound inclusive (``以下(含3000)``), applied to the member's monthly base; or a ``fixed`` amount.
    """

    bands: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_bands)
    """The rate table: ``(upper bound in 元, or "" for none; rate in percent)`` pairs, each bound inclusive."""
    fixed: str | None = None
    """A fixed monthly amount in 元 (``"0.20"``), for categories paying no share of a base."""
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    """Other names accepted for the category (its Chinese label is always accepted)."""
    source: str = ""
    """Where the rule comes from."""


#: The record families that registration hooks contribute, by registry attribute name.
FAMILIES: dict[str, tuple[str, type[Record]]] = {
    "unit_kinds": ("communitycore_register_unit_kinds", UnitKind),
    "meeting_types": ("communitycore_register_meeting_types", MeetingType),
    "service_categories": ("communitycore_register_service_categories", ServiceCategory),
    "service_programs": ("communitycore_register_service_programs", ServiceProgram),
    "scoring_schemes": ("communitycore_register_scoring_schemes", ScoringScheme),
    "roster_programs": ("communitycore_register_roster_programs", RosterProgram),
    "facts": ("communitycore_register_facts", Fact),
    "roles": ("communitycore_register_roles", Role),
    "recruitment_steps": ("communitycore_register_recruitment_steps", RecruitmentStep),
    "dues_categories": ("communitycore_register_dues_categories", DuesCategory),
}

#: The workflow records, by pack section: states and transitions of every workflow. Unlike the
#: families above they have no code of their own (a state's code is unique within its workflow),
#: so the registry gathers them per workflow and builds each :class:`~communitycore.domain.workflows.Workflow`.
WORKFLOW_FAMILIES: dict[str, tuple[str, type[WorkflowState] | type[WorkflowTransition]]] = {
    "workflow_states": ("communitycore_register_workflow_states", WorkflowState),
    "workflow_transitions": ("communitycore_register_workflow_transitions", WorkflowTransition),
}
