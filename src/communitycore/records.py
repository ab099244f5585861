"""The records plugins and packs contribute: frozen attrs classes, one per hook family.

Every record has a ``code`` (a lower-case slug, its identity), a Chinese ``label`` (what users
see), an optional ``label_en`` and an optional ``replaces``: the code of a record it deliberately
takes the place of. Conversion to and from dicts lives in :mod:`communitycore.serialize`, not here.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from fractions import Fraction
from typing import Any

import attrs

from communitycore.i18n import _

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


class Subject(str, enum.Enum):
    """What a fact or a scoring scheme is about."""

    MEMBER = "member"
    UNIT = "unit"
    STEWARD = "steward"
    VOLUNTEER = "volunteer"
    RESIDENT = "resident"
    PARTNER = "partner"


class Severity(str, enum.Enum):
    """How serious a structure finding is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@attrs.frozen(kw_only=True)
class Record:
    """Fields every contributed record shares."""

    code: str = attrs.field(validator=_slug)
    label: str = attrs.field(validator=_nonempty)
    label_en: str | None = None
    replaces: str | None = attrs.field(default=None, validator=_optional_slug)
    description: str = ""


@attrs.frozen(kw_only=True)
class UnitKind(Record):
    """A kind of Party organization (党组织类别) and the structure rules that go with it.

    ``parents`` lists the kinds a unit of this kind may sit under; an empty tuple makes it a root
    kind. The numeric fields feed the structure checks (:func:`communitycore_check_units`); a rule
    left ``None`` is not checked.
    """

    parents: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
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


#: Who a meeting type invites (see :attr:`MeetingType.attendees`).
ATTENDEES = ("members", "full-members", "committee", "group", "partners", "custom")
#: What a meeting's minutes may be required to hold (see :attr:`MeetingType.minutes_required`).
MINUTES_FIELDS = ("topic", "host", "recorder", "content", "resolutions")
_THRESHOLD = re.compile(r"^\s*(>=|>|≥)?\s*(\d+)\s*/\s*(\d+)\s*$")
_NAMED_THRESHOLDS = {"at-least-half": (">=", 1, 2), "more-than-half": (">", 1, 2)}


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
    applies_to: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
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
    points: float = attrs.field(validator=_number)
    cap: float | None = attrs.field(default=None, validator=_optional_number)
    label: str | None = None
    floor: float | None = attrs.field(default=None, validator=_optional_number)
    code: str | None = attrs.field(default=None, validator=_optional_slug)

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
    min_score: float = attrs.field(validator=_number)
    quota: float | str | None = attrs.field(default=None, validator=_quota)
    label: str | None = None
    label_en: str | None = None
    outcome: Outcome | None = attrs.field(default=None, converter=attrs.converters.optional(Outcome))

    @property
    def share(self) -> Fraction | None:
        """The quota as an exact fraction (None: no quota)."""
        return None if self.quota is None else quota_share(self.quota)


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
    period: Cadence = attrs.field(converter=Cadence)
    base: float = attrs.field(default=0.0, validator=_number)
    items: tuple[ScoreItem, ...] = attrs.field(default=(), converter=_tuple)
    vetoes: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """Facts any non-zero value of which zeroes the total (一票否决)."""
    bands: tuple[GradeBand, ...] = attrs.field(default=(), converter=_tuple)
    exempt: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """Groups of subjects scored without a grade (member categories: ``probationary``)."""
    shares: bool = attrs.field(default=False, validator=_bool)
    version: int = 1

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


@attrs.frozen(kw_only=True)
class RosterProgram(Record):
    """A vetted service corps (红色管家 ...) and its lifecycle settings."""

    notice_days: int = 7
    """Length of the public-notice window (公示) before admission."""
    review_cadence: Cadence = attrs.field(default=Cadence.QUARTERLY, converter=Cadence)
    scoring_scheme: str | None = attrs.field(default=None, validator=_optional_slug)


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
    unit: str = "count"
    aggregate: Aggregate = attrs.field(default=Aggregate.SUM, converter=Aggregate)
    """How the ledger's entries of this fact over a period make one value (see :class:`Aggregate`)."""


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


@attrs.frozen(kw_only=True)
class UnitSnapshot:
    """What the structure rules see of one unit: its place in the tree and its head counts."""

    id: int
    name: str
    kind: str
    parent_id: int | None
    path: str
    members: int = 0
    """Members organised anywhere under the unit (its subtree), as the size thresholds count them."""
    full_members: int = 0
    probationary_members: int = 0
    own_members: int = 0
    """Members attached to the unit itself."""
    children: int = 0
    covered_units: int | None = None
    has_committee: bool = False
    term_end: dt.date | None = None


@attrs.frozen(kw_only=True)
class Finding:
    """One result of a structure rule: which unit, which rule, how serious, what to do."""

    unit_id: int
    unit: str
    rule: str
    severity: Severity = attrs.field(converter=Severity)
    message: str
    suggestion: str = ""


@attrs.frozen(kw_only=True)
class ScoreLine:
    """One explained line of a score, as returned by :func:`communitycore_score`."""

    subject_id: int
    item: str
    points: float
    note: str = ""


@attrs.frozen(kw_only=True)
class Event:
    """Something that happened, delivered to ``communitycore_on_event`` after commit, at least once.

    ``id`` is stable across deliveries (a UUID string): consumers deduplicate by it.
    """

    id: str = ""
    action: str
    entity: str
    entity_id: str | None
    actor: str
    at: dt.datetime
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
    code: str = attrs.field(validator=_code)
    label: str = attrs.field(validator=_nonempty)
    label_en: str | None = attrs.field(default=None, validator=_optional_nonempty)
    terminal: bool = attrs.field(default=False, validator=_bool)
    initial: bool = attrs.field(default=False, validator=_bool)
    replaces: str | None = attrs.field(default=None, validator=_optional_code)
    description: str = ""

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
    source: str = attrs.field(validator=_code)
    target: str = attrs.field(validator=_code)
    # The default only tells attrs and cattrs that the field may be left out; __init__ puts the
    # target code in its place, so an action is always a slug.
    action: str = attrs.field(default="", validator=_code)
    label: str | None = attrs.field(default=None, validator=_optional_nonempty)
    label_en: str | None = attrs.field(default=None, validator=_optional_nonempty)

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
}

#: The workflow records, by pack section: states and transitions of every workflow. Unlike the
#: families above they have no code of their own (a state's code is unique within its workflow),
#: so the registry gathers them per workflow and builds each :class:`~communitycore.domain.workflows.Workflow`.
WORKFLOW_FAMILIES: dict[str, tuple[str, type[WorkflowState] | type[WorkflowTransition]]] = {
    "workflow_states": ("communitycore_register_workflow_states", WorkflowState),
    "workflow_transitions": ("communitycore_register_workflow_transitions", WorkflowTransition),
}
