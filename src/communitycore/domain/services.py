"""Services: the resident-request workflow, urgencies and deadlines, evaluations, 接诉即办 metrics, stars.

A resident request (居民诉求) goes collected → accepted → assigned → in-progress → resolved →
evaluated → closed, or is cancelled on the way (问题收集、统筹协调、资源融合、群众评议). The states and
transitions are workflow records (:data:`REQUEST_STATES`, :data:`REQUEST_TRANSITIONS`) that the
national builtin registers, so plugins and packs extend them like any workflow. An evaluation that
says the problem is not solved, or 不满意, reopens the request (``evaluated`` → ``accepted``); a
positive one closes it.

The metrics follow the 接诉即办 assessment (响应率、解决率、满意率, 《北京市接诉即办工作条例》); the
weights of the composite are configuration, since Beijing's official ones are not published and
have changed over time (see :data:`DEFAULT_WEIGHTS`). Everything here is pure: no storage.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from communitycore.domain.codes import Coded
from communitycore.domain.fields import DATE_RANGE, parse_plain_id
from communitycore.domain.service_workflows import (
    CANCELLED,
    PROJECT_STATES,
    PROJECT_TRANSITIONS,
    PROJECT_WORKFLOW,
    REQUEST_STATES,
    REQUEST_TRANSITIONS,
    REQUEST_WORKFLOW,
)
from communitycore.domain.settings import from_words, in_words
from communitycore.errors import InvalidValue, bad_field
from communitycore.i18n import N_, _, listing, pgettext
from communitycore.records import Channel, Urgency

#: Text limits.
REQUEST_TEXT_LENGTH = 2000
NOTE_LENGTH = 400
NAME_LENGTH = 200

#: Minutes to respond (accept) a request of each urgency: 30 min for emergencies, else 24 h.
DEFAULT_RESPONSE_MINUTES: dict[str, int] = {"emergency": 30, "utility": 1440, "general": 1440, "complex": 1440}

#: Weights of the composite score: 0.1 response + 0.5 resolution + 0.4 satisfaction. Not official:
#: taken from a public 接诉即办 analytics codebase (see docs/services.md); a setting changes them.
DEFAULT_WEIGHTS: dict[str, float] = {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4}
#: The weights' parts in words, as the metrics' columns name them.
WEIGHT_WORDS: dict[str, str] = {"response": N_("response rate"), "resolution": N_("resolution rate"),
                                "satisfaction": N_("satisfaction rate")}
#: Weight of 基本满意 in the satisfaction rate (满意 counts 1).
BASIC_WEIGHT = 0.9


class Satisfaction(Coded):
    """A resident's verdict on how a request (or project) was handled (回访满意度)."""

    SATISFIED = ("satisfied", "满意", "satisfied")
    BASIC = ("basic", "基本满意", "basically satisfied", "basically-satisfied")
    DISSATISFIED = ("dissatisfied", "不满意", "dissatisfied")

    @property
    def points(self) -> int:
        """Its weight in the satisfaction rate, in tenths: 10, 9 or 0 (基本满意 counts 0.9)."""
        return {"satisfied": 10, "basic": 9, "dissatisfied": 0}[self.value]

    @property
    def score(self) -> Decimal:
        """The evaluation as a number for the ledger's ``satisfaction`` fact: 100, 90 or 0."""
        return {"satisfied": Decimal(100), "basic": Decimal(90), "dissatisfied": Decimal(0)}[self.value]


class AssigneeKind(Coded):
    """Who a request is assigned to."""

    MEMBER = ("member", "党员", "member")
    STEWARD = ("steward", "红色管家", "steward")
    PARTNER = ("partner", "共建单位", "partner")
    UNIT = ("unit", "党组织", "unit")


#: The ledger facts an evaluation writes for whoever handled the request, by the kind of assignee:
#: ``(requests handled, satisfaction)``. A fact has one kind of subject, so each kind has its own
#: pair; the members' keep their first names.
HANDLED_FACTS: dict[str, tuple[str, str]] = {
    "member": ("requests-handled", "satisfaction"),
    # A steward's handled request is an activity joined, and the resident's evaluation their satisfaction:
    # the facts the 红色管家 review scores (participation, satisfaction).
    "steward": ("steward-participation", "steward-satisfaction"),
    "partner": ("partner-requests-handled", "partner-satisfaction"),
    "unit": ("unit-requests-handled", "unit-satisfaction"),
}


class Urgencies(Coded):
    """The urgency codes with their labels (the record-level enum is :class:`~communitycore.records.Urgency`)."""

    EMERGENCY = ("emergency", "紧急", "emergency", "应急")
    UTILITY = ("utility", "水电气热", "utility", "民生")
    GENERAL = ("general", "一般", "general")
    COMPLEX = ("complex", "复杂", "complex", "疑难")


class Channels(Coded):
    """The intake channels with their labels (the record-level enum is :class:`~communitycore.records.Channel`)."""

    HOTLINE = ("hotline", "热线", "hotline", "12345", "电话")
    WALK_IN = ("walk-in", "来访", "walk-in", "上门")
    GRID = ("grid", "网格员", "grid worker", "网格")
    ONLINE = ("online", "网上", "online", "线上")
    SIGNAL = ("signal", "信号", "signal", "红飘带")


def parse_urgency(value: Any) -> Urgency:
    """An urgency from its code or label (``emergency``, ``紧急``)."""
    return Urgency(Urgencies.parse(value).value)


def parse_channel(value: Any) -> Channel:
    """A channel from its code or label (``signal``, ``红飘带``)."""
    return Channel(Channels.parse(value).value)


def _assignee_kind(value: Any) -> AssigneeKind:
    return AssigneeKind.parse(value)


@attrs.frozen
class Assignee:
    """Who a request is assigned to: ``member:12``, ``partner:3``, ``unit:7``."""

    kind: AssigneeKind = attrs.field(converter=_assignee_kind)
    id: int

    @classmethod
    def parse(cls, value: Any) -> Assignee:
        """``KIND:ID`` (``member:12``) or an :class:`Assignee`."""
        if isinstance(value, Assignee):
            return value
        text = str(value).strip()
        kind, sep, ident = text.partition(":")
        if not sep:
            raise InvalidValue(_("assignee must be KIND:ID with KIND one of {kinds}, got {value!r}").format(
                kinds=listing([k._value_ for k in AssigneeKind]), value=text))
        return cls(kind, parse_plain_id(ident, _("assignee id")))

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


#: The first year a request's moment may name: a request is recorded soon after it was made, so an
#: older moment is a slip of the keyboard. (Before 1901 a timezone also falls back to its local mean
#: time, which would print as +08:05:43.)
FIRST_REQUEST_YEAR = 1970


def parse_at(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """A past moment for paper records: ISO 8601 (``2025-03-01T08:00``), local time unless it has an offset.

    The year is :data:`FIRST_REQUEST_YEAR` to the last of ``DATE_RANGE``
    (the caller refuses a moment still to come)."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip().replace(" ", "T", 1)
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise bad_field("at", _("{value!r} is not a date and time such as 2025-03-01T08:00").format(
                value=str(value))) from None
    # Checked before the moment is moved into tz: 0001-01-01T00:00+08:00 has no UTC to move through.
    if not FIRST_REQUEST_YEAR <= moment.year <= DATE_RANGE[1].year:
        raise InvalidValue(_("{value} lies outside the years {first} to {last}; check the year").format(
            value=moment.isoformat(timespec="minutes"), first=FIRST_REQUEST_YEAR, last=DATE_RANGE[1].year))
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def deadline(created: dt.datetime, *, hours: int | None = None, minutes: int | None = None) -> dt.datetime:
    """``created`` plus a number of hours or minutes."""
    return created + dt.timedelta(hours=hours or 0, minutes=minutes or 0)


def parse_weights(value: Any) -> dict[str, float]:
    """Composite weights ``response=0.1,resolution=0.5,satisfaction=0.4`` (or a mapping); they sum to 1.

    A part may be named in words too, as :func:`describe_weights` writes it (``响应率=0.1``)."""
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in value.replace("，", ",").split(",") if part.strip()]
        if any(len(p) != 2 for p in pairs):
            raise InvalidValue(_("weights must be written response=0.1,resolution=0.5,satisfaction=0.4"))
        value = {k.strip(): v for k, v in pairs}
    if isinstance(value, Mapping):
        value = {from_words(k, tuple(WEIGHT_WORDS), lambda c: in_words(c, WEIGHT_WORDS)) or k: v
                 for k, v in value.items()}
    if not isinstance(value, Mapping) or set(value) != set(DEFAULT_WEIGHTS):
        raise InvalidValue(_("weights must name exactly {keys}").format(keys=listing(DEFAULT_WEIGHTS)))
    try:
        weights = {k: float(value[k]) for k in DEFAULT_WEIGHTS}
    except (TypeError, ValueError):
        raise InvalidValue(_("weights must be numbers")) from None
    if any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 1) > 1e-9:
        raise InvalidValue(_("weights must be 0 or more and sum to 1"))
    return weights


def describe_weights(value: Mapping[str, float]) -> str:
    """Weights in words: 响应率 0.1，解决率 0.5，满意率 0.4."""
    return pgettext("pair separator", ", ").join(f"{in_words(k, WEIGHT_WORDS)} {w:g}" for k, w in value.items())


# Metrics ------------------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class Counts:
    """What one metrics query counts over the requests of a group (created in the period, not cancelled)."""

    received: int = 0
    responded: int = 0
    """Accepted within their response deadline."""
    evaluated: int = 0
    """Evaluated at least once."""
    solved: int = 0
    """Whose latest evaluation says solved."""
    satisfied: int = 0
    """Whose latest evaluation says 满意."""
    basic: int = 0
    """Whose latest evaluation says 基本满意."""
    overdue: int = 0
    """Resolved after their deadline, or not resolved and past it."""


@attrs.frozen(kw_only=True)
class Metrics:
    """The 接诉即办 metrics of one group of requests over one period (rates are 0-1, ``None`` when undefined)."""

    group: str | None = None
    received: int
    evaluated: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    median_response_hours: float | None
    median_resolution_hours: float | None
    overdue: int


def _rate(part: float, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def metrics_of(counts: Counts, response_seconds: Iterable[int], resolution_seconds: Iterable[int], *,
               weights: Mapping[str, float] = DEFAULT_WEIGHTS, group: str | None = None) -> Metrics:
    """The metrics from the counts and the durations (seconds from creation to first acceptance, and
    to the latest resolution, of the group's requests that got there). Rates are rounded to six places,
    the composite computed before rounding."""
    return metrics_from(counts, median_seconds(response_seconds), median_seconds(resolution_seconds),
                        weights=weights, group=group)


#: Below this many durations a median sorts them all; above, it sorts only those near the middle.
MEDIAN_SAMPLE = 2_000


def median_seconds(seconds: Iterable[int]) -> float | None:
    """The median of some durations (the mean of the two middle ones for an even number, as
    :func:`statistics.median`), None for none.

    A year of a street's requests is a million durations, and sorting them was most of the time
    of the metrics: instead, a sorted sample brackets the middle, one pass counts what lies
    below the bracket and keeps what lies in it (about a tenth), and only that is sorted. When the
    bracket misses the middle (it practically never does) every value is sorted.
    """
    values = seconds if isinstance(seconds, list) else list(seconds)
    count = len(values)
    if count == 0:
        return None
    low_rank, high_rank = (count - 1) // 2, count // 2
    if count <= MEDIAN_SAMPLE:
        ordered, below = sorted(values), 0
    else:
        sample = sorted(random.Random(count).sample(values, MEDIAN_SAMPLE // 2))
        spread = len(sample) // 20
        low, high = sample[len(sample) // 2 - spread], sample[len(sample) // 2 + spread]
        below = len([v for v in values if v < low])
        ordered = sorted([v for v in values if low <= v <= high])
        if not below <= low_rank or not high_rank < below + len(ordered):
            ordered, below = sorted(values), 0
    first, second = ordered[low_rank - below], ordered[high_rank - below]
    return float(first) if first == second else (first + second) / 2


def metrics_from(counts: Counts, median_response: float | None, median_resolution: float | None, *,
                 weights: Mapping[str, float] = DEFAULT_WEIGHTS, group: str | None = None) -> Metrics:
    """The metrics from the counts and the two medians in seconds (as the database worked them out,
    or :func:`median_seconds`). Rates are rounded to six places, the composite computed before rounding."""
    response = _rate(counts.responded, counts.received)
    resolution = _rate(counts.solved, counts.evaluated)
    satisfaction = _rate(counts.satisfied + BASIC_WEIGHT * counts.basic, counts.evaluated)
    composite = None
    if response is not None and resolution is not None and satisfaction is not None:
        composite = (weights["response"] * response + weights["resolution"] * resolution
                     + weights["satisfaction"] * satisfaction)
    return Metrics(group=group, received=counts.received, evaluated=counts.evaluated,
                   response_rate=_rounded(response), resolution_rate=_rounded(resolution),
                   satisfaction_rate=_rounded(satisfaction), composite=_rounded(composite),
                   median_response_hours=_hours(median_response),
                   median_resolution_hours=_hours(median_resolution), overdue=counts.overdue)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 4)


# Volunteer stars ------------------------------------------------------------------------------------

def star_level(hours: Decimal | float, thresholds: Sequence[int]) -> int:
    """Stars (0-5) earned by cumulative service hours: one per threshold reached (100/300/600/1000/1500)."""
    return sum(1 for limit in thresholds if hours >= limit)



# Records ------------------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class ServiceRequest:
    """One resident request (居民诉求) as stored, with the metrics' facts kept on it."""

    id: int
    unit_id: int
    category: str
    program: str | None
    resident_id: int | None
    urgency: str
    channel: str
    text: str
    state: str
    assignee_kind: str | None
    assignee_id: int | None
    created_at: dt.datetime
    created_by: str
    response_due: dt.datetime
    resolution_due: dt.datetime
    accepted_at: dt.datetime | None = None
    response_seconds: int | None = None
    resolved_at: dt.datetime | None = None
    resolution_seconds: int | None = None
    evaluations: int = 0
    solved: bool | None = None
    satisfaction: str | None = None
    overdue_flagged_at: dt.datetime | None = None
    responded: int | None = None
    """1 when first accepted within the response deadline, 0 when later, None before acceptance."""
    resolved_late: int | None = None
    """1 when the latest resolution came after the resolution deadline, 0 when in time."""
    points: int | None = None
    """The latest evaluation: 10 满意, 9 基本满意, 0 不满意 (the satisfaction rate is their mean / 10)."""

    @property
    def assignee(self) -> str | None:
        """``KIND:ID`` of whoever it is assigned to."""
        return None if self.assignee_kind is None else f"{self.assignee_kind}:{self.assignee_id}"


@attrs.frozen(kw_only=True)
class Evaluation:
    """A resident's evaluation of a resolved request (群众评议)."""

    id: int
    request_id: int
    evaluated_at: dt.datetime
    solved: bool
    satisfaction: str
    comment: str | None
    actor: str


@attrs.frozen(kw_only=True)
class Resource:
    """What a partner or unit offers (资源清单)."""

    id: int
    unit_id: int
    partner_id: int | None
    name: str
    category: str | None
    description: str | None
    created_at: dt.datetime


@attrs.frozen(kw_only=True)
class Demand:
    """A community need (需求清单), raised from one or more requests or on its own."""

    id: int
    unit_id: int
    name: str
    category: str | None
    description: str | None
    created_at: dt.datetime
    request_ids: tuple[int, ...] = ()


@attrs.frozen(kw_only=True)
class Project:
    """A work item (项目清单), from a demand, claimed and delivered by a partner (党建项目认领)."""

    id: int
    unit_id: int
    demand_id: int | None
    name: str
    category: str | None
    description: str | None
    state: str
    partner_id: int | None
    claimed_at: dt.datetime | None
    delivered_at: dt.datetime | None
    satisfaction: str | None
    created_at: dt.datetime


@attrs.frozen(kw_only=True)
class Milestone:
    """A step a project reached."""

    id: int
    project_id: int
    reached_on: dt.date
    note: str
    actor: str


@attrs.frozen(kw_only=True)
class VolunteerStars:
    """A volunteer's cumulative service hours and the stars they earn (星级志愿者)."""

    subject_kind: str
    subject_id: int
    hours: Decimal
    stars: int

__all__ = [
    "BASIC_WEIGHT",
    "CANCELLED",
    "DEFAULT_RESPONSE_MINUTES",
    "DEFAULT_WEIGHTS",
    "HANDLED_FACTS",
    "MEDIAN_SAMPLE",
    "PROJECT_STATES",
    "PROJECT_TRANSITIONS",
    "PROJECT_WORKFLOW",
    "REQUEST_STATES",
    "REQUEST_TRANSITIONS",
    "REQUEST_WORKFLOW",
    "Assignee",
    "AssigneeKind",
    "Channels",
    "Counts",
    "Demand",
    "Evaluation",
    "Metrics",
    "Milestone",
    "Project",
    "Resource",
    "Satisfaction",
    "ServiceRequest",
    "Urgencies",
    "VolunteerStars",
    "deadline",
    "median_seconds",
    "metrics_from",
    "metrics_of",
    "parse_at",
    "parse_channel",
    "parse_urgency",
    "parse_weights",
    "star_level",
]
