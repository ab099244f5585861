"""The records plugins and packs contribute: frozen attrs classes, one per hook family.

Every record has a ``code`` (a lower-case slug, its identity), a Chinese ``label`` (what users
see), an optional ``label_en`` and an optional ``replaces``: the code of a record it deliberately
takes the place of. Conversion to and from dicts lives in :mod:`communitycore.serialize`, not here.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any

import attrs

_SLUG = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")


def _slug(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(
            f"{attribute.name} must be a lower-case slug such as 'grid-branch', got {value!r}"
        )


def _optional_slug(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _slug(instance, attribute, value)


def _slugs(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for item in value:
        _slug(instance, attribute, item)


def _nonempty(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty string")


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


@attrs.frozen(kw_only=True)
class MeetingType(Record):
    """A meeting the rules require (三会一课 and the rest), with its cadence."""

    cadence: Cadence = attrs.field(converter=Cadence)
    applies_to: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    attendees: str = "members"
    """Who is due to attend: ``members``, ``committee`` or ``group``."""
    quorum: str | None = None
    """``at-least-half`` (半数以上) or ``more-than-half`` (超过半数); ``None`` for no quorum."""


@attrs.frozen(kw_only=True)
class ServiceCategory(Record):
    """One of the service categories (维修维护, 爱心帮扶 ...)."""


@attrs.frozen(kw_only=True)
class ServiceProgram(Record):
    """A branded service programme (红飘带, 爱心超市, 小餐桌 ...) in one category."""

    category: str = attrs.field(validator=_slug)


@attrs.frozen(kw_only=True)
class ScoreItem:
    """One line of a points scheme: points per unit of a fact, with an optional cap per period."""

    fact: str = attrs.field(validator=_slug)
    points: float
    cap: float | None = None
    label: str | None = None


@attrs.frozen(kw_only=True)
class GradeBand:
    """Scores at or above ``min_score`` earn ``grade``; ``quota`` caps its share (0-1)."""

    grade: str = attrs.field(validator=_slug)
    min_score: float
    quota: float | None = None


@attrs.frozen(kw_only=True)
class ScoringScheme(Record):
    """A points scheme (积分制): base, items, vetoes and grade bands."""

    subject: Subject = attrs.field(converter=Subject)
    period: Cadence = attrs.field(converter=Cadence)
    base: float = 0.0
    items: tuple[ScoreItem, ...] = attrs.field(default=(), converter=_tuple)
    vetoes: tuple[str, ...] = attrs.field(default=(), converter=_tuple, validator=_slugs)
    """Facts any non-zero value of which zeroes the total (一票否决)."""
    bands: tuple[GradeBand, ...] = attrs.field(default=(), converter=_tuple)


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
            raise ValueError(f"{attribute.name} must hold actions such as 'member.read', 'member.*', '*.read' or "
                             f"'*', got {item!r}")


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
    data: dict[str, Any] = attrs.field(factory=dict, hash=False)


def _optional_nonempty(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _nonempty(instance, attribute, value)


def _code(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # As _slug, with an example from the workflows' own vocabulary.
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(
            f"{attribute.name} must be a lower-case slug such as 'in-progress' "
            f"(letters, digits, and '-' or '.' between them), got {value!r}"
        )


def _optional_code(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _code(instance, attribute, value)


def _bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # A TOML pack that writes terminal = "true" must fail loudly, not count as truthy.
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name} must be true or false, got {value!r}")


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
            raise ValueError(
                f"state {self.code!r} of workflow {self.workflow!r} cannot be both initial and terminal: "
                "nothing could ever happen to an entity in it"
            )


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
