"""Rosters (红色管家 and other vetted corps): the membership workflow and the pure rules around it.

An entry on a roster moves through the ``roster-membership`` workflow: it is ``applied``, may be
taken ``under-review``, is ``qualified`` (or ``refused``) by the qualification review, goes
``on-notice`` for the public notice (公示), is ``objected`` while an objection is open, is
``admitted`` once the notice has ended with no open or upheld objection ("无异议方可进入"),
becomes ``active`` when trained, may be ``warned``, and leaves as ``exited`` (eliminated,
resigned, moved away, term ended). Packs may add states and transitions like any workflow's.

Tiers are not states: an active entry holds one of the programme's tiers, ordered from the top,
and a review's outcomes (promote, keep, warn, demote, remove) move it, as :func:`apply_outcome`
says.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import attrs

from ..errors import InvalidValue
from ..i18n import N_, _
from ..records import Outcome, RosterProgram
from .roster_workflow import (
    ACTIVE,
    ADMITTED,
    APPLIED,
    EXITED,
    MEMBERSHIP_STATES,
    MEMBERSHIP_TRANSITIONS,
    MEMBERSHIP_WORKFLOW,
    OBJECTED,
    ON_NOTICE,
    PENDING,
    QUALIFIED,
    REFUSED,
    SERVING,
    UNDER_REVIEW,
    WARNED,
)

#: Longest note, reason or objector's name kept.
NOTE_LENGTH = 400
NAME_LENGTH = 200
#: The longest public notice (公示), in days: a notice runs days or weeks; more is a slip of the keyboard.
MAX_NOTICE_DAYS = 366


class ExitReason(str, enum.Enum):
    """Why an entry left its roster."""

    ELIMINATED = "eliminated"
    """Removed for its results (劣者汰); re-admission waits ``readmit_after_days``."""
    RESIGNED = "resigned"
    MOVED_AWAY = "moved-away"
    TERM_ENDED = "term-ended"


#: The words of the exit reasons, for labels.
EXIT_REASON_WORDS = {"eliminated": N_("Eliminated"), "resigned": N_("Resigned"), "moved-away": N_("Moved away"),
                     "term-ended": N_("Term ended")}
#: Tier codes the builtin programmes use, with their words (a programme's other tiers are shown as their codes).
TIER_WORDS = {"gold": N_("Gold"), "silver": N_("Silver"), "regular": N_("Regular"), "senior": N_("Senior")}


def parse_exit_reason(value: str) -> ExitReason:
    """An :class:`ExitReason` from its code; :class:`InvalidValue` naming the known ones otherwise."""
    try:
        return ExitReason(value)
    except ValueError:
        raise InvalidValue(_("unknown exit reason {value!r}; known: {known}").format(
            value=value, known=", ".join(r.value for r in ExitReason))) from None


def notice_end(start: dt.date, days: int) -> dt.date:
    """The last day of a notice of ``days`` days from ``start``, both counted (7 days from 1 March: 7 March)."""
    if not 1 <= days <= MAX_NOTICE_DAYS:
        raise InvalidValue(_("a notice lasts from 1 to {most} days, got {days}").format(most=MAX_NOTICE_DAYS,
                                                                                       days=days))
    return start + dt.timedelta(days=days - 1)


def readmission_from(program: RosterProgram, eliminated_on: dt.date) -> dt.date | None:
    """The first day an eliminated person may apply again to ``program``; None: never."""
    if program.readmit_after_days is None:
        return None
    return eliminated_on + dt.timedelta(days=program.readmit_after_days)


def term_end(program: RosterProgram, admitted_on: dt.date) -> dt.date | None:
    """The last day of a term that began on ``admitted_on``; None when the programme sets no maximum term."""
    if program.max_term_years is None:
        return None
    years = program.max_term_years
    try:
        anniversary = admitted_on.replace(year=admitted_on.year + years)
    except ValueError:  # 29 February
        anniversary = admitted_on.replace(year=admitted_on.year + years, day=28)
    return anniversary - dt.timedelta(days=1)


@attrs.frozen
class Move:
    """What one outcome does to one entry: its tier and state before and after."""

    tier_from: str
    tier_to: str
    state_from: str
    state_to: str
    exits: bool


def apply_outcome(tiers: tuple[str, ...], tier: str, state: str, outcome: Outcome) -> Move:
    """What ``outcome`` does to an entry in ``tier`` and ``state`` (admitted, active or warned).

    ``promote`` moves one tier up (the top stays at the top) and clears a warning; ``keep`` keeps
    the tier and clears a warning; ``warn`` keeps the tier and warns; ``demote`` moves one tier
    down, and at the bottom warns instead; ``remove`` exits (eliminated), whatever the tier.
    An admitted entry that is not warned or removed becomes ``active``.
    """
    position = tiers.index(tier) if tier in tiers else len(tiers) - 1
    current = tiers[position]
    if outcome is Outcome.REMOVE:
        return Move(current, current, state, EXITED, True)
    if outcome is Outcome.PROMOTE:
        return Move(current, tiers[max(position - 1, 0)], state, ACTIVE, False)
    if outcome is Outcome.KEEP:
        return Move(current, current, state, ACTIVE, False)
    if outcome is Outcome.WARN:
        return Move(current, current, state, WARNED, False)
    if position + 1 < len(tiers):  # demote
        return Move(current, tiers[position + 1], state, ACTIVE if state != WARNED else WARNED, False)
    return Move(current, current, state, WARNED, False)


# Stored shapes -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RosterEntry:
    """One person's membership of one roster programme, as stored.

    ``candidate_kind`` is ``member``, ``resident``, ``partner-staff`` or ``partner`` and
    ``candidate_id`` the member, resident or partner id; the entry's own ``id`` is what the
    ledger calls the steward (``steward:ID``).
    """

    id: int
    program: str
    unit_id: int
    candidate_kind: str
    candidate_id: int
    name: str
    state: str
    tier: str | None
    applied_on: dt.date
    qualified: bool | None
    review_note: str | None
    notice_start: dt.date | None
    notice_end: dt.date | None
    admitted_on: dt.date | None
    term_end: dt.date | None
    exited_on: dt.date | None
    exit_reason: str | None
    created_at: dt.datetime
    created_by: str


@attrs.frozen(kw_only=True)
class Objection:
    """An objection raised against an entry during its public notice: ``open``, ``dismissed`` or ``upheld``."""

    id: int
    entry_id: int
    raised_by: str
    reason: str
    raised_on: dt.date
    state: str
    resolution_note: str | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    recorded_by: str


#: An objection's states.
OPEN = "open"
DISMISSED = "dismissed"
UPHELD = "upheld"
#: Their words, for labels.
OBJECTION_STATE_WORDS = {OPEN: N_("Open"), DISMISSED: N_("Dismissed"), UPHELD: N_("Upheld")}


@attrs.frozen(kw_only=True)
class Proposal:
    """What a review proposes for one entry: the result it comes from and the move its outcome makes."""

    entry_id: int
    name: str
    grade: str | None
    total: Decimal
    tier_from: str
    tier_to: str
    state_from: str
    state_to: str
    outcome: str
    reason: str
    run_id: int
    result_id: int


@attrs.frozen(kw_only=True)
class Training:
    """An entry's training over a period against its programme's requirement."""

    entry_id: int
    period: str
    hours: Decimal
    sessions: int
    required_hours: Decimal | None
    required_sessions: int | None

    @property
    def short(self) -> bool:
        """Whether the entry is short of the requirement."""
        return ((self.required_hours is not None and self.hours < self.required_hours)
                or (self.required_sessions is not None and self.sessions < self.required_sessions))


__all__ = [
    "ACTIVE",
    "ADMITTED",
    "APPLIED",
    "DISMISSED",
    "EXITED",
    "EXIT_REASON_WORDS",
    "MEMBERSHIP_STATES",
    "MEMBERSHIP_TRANSITIONS",
    "MEMBERSHIP_WORKFLOW",
    "NAME_LENGTH",
    "NOTE_LENGTH",
    "OBJECTED",
    "OBJECTION_STATE_WORDS",
    "ON_NOTICE",
    "OPEN",
    "PENDING",
    "QUALIFIED",
    "REFUSED",
    "SERVING",
    "TIER_WORDS",
    "UNDER_REVIEW",
    "UPHELD",
    "WARNED",
    "ExitReason",
    "Move",
    "Objection",
    "Proposal",
    "RosterEntry",
    "Training",
    "apply_outcome",
    "notice_end",
    "parse_exit_reason",
    "readmission_from",
    "term_end",
]
