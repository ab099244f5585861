"""Recruitment (发展党员): the order of the steps, their time rules and the branch vote, as pure rules.

The steps are :class:`~communitycore.records.RecruitmentStep` records (the 细则's 25 from the
builtin plugin, a pack's own beside or instead of them). :func:`check_step` says whether a step
may be recorded on a date, given the steps a candidate has done; a refusal names the rule and,
for a time rule, the earliest (or latest) date allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import attrs

from communitycore.domain.codes import Coded
from communitycore.domain.members import add_months, completed_years
from communitycore.errors import InvalidValue, bad_field
from communitycore.i18n import _, listing
from communitycore.records import RecruitmentStep, Threshold

#: 18 or older at the application (党章 §1); a setting may say otherwise.
DEFAULT_MIN_AGE = 18
#: Introducers a candidate needs (细则 §15: two 正式党员).
INTRODUCERS = 2
NAME_LIMIT = 100
NOTE_LIMIT = 500

#: 细则 §20: voting members present must be more than half of those due; the vote passes with more
#: than half of those due for it. Both are settings (``recruitment-quorum``, ``recruitment-pass-rule``).
DEFAULT_QUORUM = "more-than-half"
DEFAULT_PASS_RULE = "more-than-half"


class Stage(Coded):
    """Where a candidate stands: the people before they are members, then the member on probation."""

    APPLICANT = ("applicant", "入党申请人", "applicant")
    ACTIVIST = ("activist", "入党积极分子", "activist")
    DEVELOPMENT = ("development", "发展对象", "development candidate")
    PROBATIONARY = ("probationary", "预备党员", "probationary member")
    FULL = ("full", "正式党员", "full member")  # confirmed
    ARCHIVED = ("archived", "已归档", "archived")  # 材料归档


STAGE_LABELS = {stage: stage.zh for stage in Stage}


class StepRefused(InvalidValue):
    """A step may not be recorded (out of order, or too early or too late): names the rule and the date."""

    def __init__(self, message: str, *, rule: str, step: str, earliest: dt.date | None = None,
                 latest: dt.date | None = None) -> None:
        super().__init__(message, code="recruitment-rule", entity="step", key=step)
        self.rule = rule
        self.step = step
        self.earliest = earliest
        self.latest = latest


def ordered(steps: Mapping[str, RecruitmentStep]) -> list[RecruitmentStep]:
    """The steps in pipeline order."""
    return sorted(steps.values(), key=lambda s: (s.order, s.code))


def stage_after(steps: Mapping[str, RecruitmentStep], done: Mapping[str, dt.date]) -> Stage:
    """The stage the steps done put a candidate in."""
    actions = {steps[c].action for c in done if c in steps}
    codes = set(done)
    if "archived" in codes:
        return Stage.ARCHIVED
    if "confirm" in actions:
        return Stage.FULL
    if "admit" in actions:
        return Stage.PROBATIONARY
    if "development-candidate" in codes:
        return Stage.DEVELOPMENT
    if "activist" in codes:
        return Stage.ACTIVIST
    return Stage.APPLICANT


def next_steps(steps: Mapping[str, RecruitmentStep], done: Mapping[str, dt.date]) -> list[RecruitmentStep]:
    """The steps that may come next: those after the last one done, up to and including the first required one."""
    last = max((steps[c].order for c in done if c in steps), default=0)
    found: list[RecruitmentStep] = []
    for step in ordered(steps):
        if step.order <= last:
            continue
        found.append(step)
        if step.required:
            break
    return found


def check_step(steps: Mapping[str, RecruitmentStep], done: Mapping[str, dt.date], code: str, on: dt.date, *,
               today: dt.date, birth_date: dt.date | None = None, min_age: int = DEFAULT_MIN_AGE) -> RecruitmentStep:
    """The step ``code`` if it may be recorded on ``on`` after the steps ``done``; else :class:`StepRefused`.

    In order: a known step, not done already, no later step done, every required step before it
    done, a date not in the future nor before the last step's, then its time rules.
    """
    step = steps.get(code)
    if step is None:
        raise bad_field("step", _("unknown recruitment step {code!r}; known: {known}").format(
            code=code, known=listing(s.code for s in ordered(steps))), code="unknown-step", entity="step", key=code)
    if code in done:
        raise StepRefused(_("step {code!r} was recorded already, on {date}").format(code=code, date=done[code]),
                          rule="once", step=code)
    if on > today:
        raise StepRefused(_("the date {date} is in the future").format(date=on), rule="no-future", step=code)
    later = [c for c in done if c in steps and steps[c].order > step.order]
    if later:
        raise StepRefused(_("step {code!r} comes before {later}, which are recorded already").format(
            code=code, later=listing(later)), rule="order", step=code)
    missing = [s.code for s in ordered(steps) if s.required and s.order < step.order and s.code not in done]
    if missing:
        raise StepRefused(_("step {code!r} needs the steps before it first: {missing}").format(
            code=code, missing=listing(missing)), rule="order", step=code)
    last = max(done.values(), default=None)
    if last is not None and on < last:
        raise StepRefused(_("the date {date} is before the last step recorded, on {last}").format(date=on, last=last),
                          rule="order", step=code, earliest=last)
    if step.action == "application" and birth_date is not None and completed_years(birth_date, on) < min_age:
        earliest = _birthday(birth_date, min_age)
        raise StepRefused(_("an applicant must be {age} or older at the application ({rule}); the earliest "
                            "date is {earliest}").format(age=min_age, rule=step.rule or "党章 §1", earliest=earliest),
                          rule="min-age", step=code, earliest=earliest)
    if step.min_after and step.min_after in done:
        earliest = add_months(done[step.min_after], step.min_months) + dt.timedelta(days=step.min_days)
        if on < earliest:
            raise StepRefused(_("{label} ({code}) may come at the earliest {months} month(s) and {days} day(s) after "
                                "{after} ({rule}); the earliest date is {earliest}").format(
                label=step.label, code=code, months=step.min_months, days=step.min_days, after=step.min_after,
                rule=step.rule or code, earliest=earliest), rule="min-interval", step=code, earliest=earliest)
    if step.max_after and step.max_months is not None and step.max_after in done:
        latest = add_months(done[step.max_after], step.max_months)
        if on > latest:
            raise StepRefused(_("{label} ({code}) must come within {months} month(s) of {after} ({rule}); the latest "
                                "date was {latest}").format(
                label=step.label, code=code, months=step.max_months, after=step.max_after, rule=step.rule or code,
                latest=latest), rule="max-interval", step=code, latest=latest)
    return step


def _birthday(born: dt.date, years: int) -> dt.date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February: 1 March of a common year
        return dt.date(born.year + years, 3, 1)


def due_date(step: RecruitmentStep, done: Mapping[str, dt.date]) -> tuple[dt.date | None, dt.date | None]:
    """The earliest and latest date of ``step`` given the steps done (None where no rule applies)."""
    earliest = latest = None
    if step.min_after and step.min_after in done:
        earliest = add_months(done[step.min_after], step.min_months) + dt.timedelta(days=step.min_days)
    if step.max_after and step.max_months is not None and step.max_after in done:
        latest = add_months(done[step.max_after], step.max_months)
    return earliest, latest


@attrs.frozen(kw_only=True)
class Vote:
    """A 支部党员大会 vote on one candidate (细则 §20–§21): counts of voting members (正式党员)."""

    due: int
    """Voting members due to attend (应到会有表决权的党员)."""
    present: int
    """Voting members present."""
    votes_for: int
    against: int = 0
    abstain: int = 0
    written_for: int = 0
    """Written opinions for, from absent voting members (they count)."""
    written_against: int = 0
    quorum_met: bool = False
    passed: bool = False


def tally(*, due: int, present: int, votes_for: int, against: int = 0, abstain: int = 0, written_for: int = 0,
          written_against: int = 0, quorum: str = DEFAULT_QUORUM, pass_rule: str = DEFAULT_PASS_RULE) -> Vote:
    """Count a vote; bad counts raise :class:`InvalidValue` naming the field.

    The quorum is over the voting members present; the votes for (written opinions of the absent
    included) must meet ``pass_rule`` over those due to attend.
    """
    counts = {"due": due, "present": present, "for": votes_for, "against": against, "abstain": abstain,
              "written-for": written_for, "written-against": written_against}
    for field, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidValue(_("{field}: expected a whole number of at least 0, got {value!r}").format(
                field=field, value=value), entity="vote", key=field)
    if due < 1:
        raise bad_field("due", _("at least one voting member must be due to attend"), entity="vote")
    if present > due:
        raise bad_field("present", _("{present} present is more than the {due} due to attend").format(
            present=present, due=due), entity="vote")
    if votes_for + against + abstain > present:
        raise InvalidValue(_("votes for, against and abstaining add up to {total}, more than the {present} "
                             "present").format(total=votes_for + against + abstain, present=present),
                           entity="vote", key="for")
    if written_for + written_against > due - present:
        raise InvalidValue(_("written opinions: {total} is more than the {absent} absent").format(
            total=written_for + written_against, absent=due - present), entity="vote", key="written-for")
    quorum_met = Threshold.parse(quorum).met(present, due)
    passed = quorum_met and Threshold.parse(pass_rule).met(votes_for + written_for, due)
    return Vote(due=due, present=present, votes_for=votes_for, against=against, abstain=abstain,
                written_for=written_for, written_against=written_against, quorum_met=quorum_met, passed=passed)


def refuse_vote(vote: Vote, *, quorum: str = DEFAULT_QUORUM, pass_rule: str = DEFAULT_PASS_RULE,
                step: str = "branch-vote") -> None:
    """:class:`StepRefused` unless the vote had its quorum and passed."""
    if not vote.quorum_met:
        required = Threshold.parse(quorum).required(vote.due)
        raise StepRefused(_("no quorum: {present} of {due} voting members present, {required} needed ({rule}, "
                            "细则 §20)").format(present=vote.present, due=vote.due, required=required, rule=quorum),
                          rule="quorum", step=step)
    if not vote.passed:
        required = Threshold.parse(pass_rule).required(vote.due)
        raise StepRefused(_("not passed: {votes} for of {due} voting members due to attend, {required} needed "
                            "({rule}, 细则 §21)").format(votes=vote.votes_for + vote.written_for, due=vote.due,
                                                        required=required, rule=pass_rule),
                          rule="pass", step=step)


def check_introducers(introducers: Sequence[int]) -> tuple[int, ...]:
    """Two different members (细则 §15); that both are 正式党员 the store checks."""
    found = tuple(dict.fromkeys(introducers))
    if len(found) != INTRODUCERS:
        message = _("a candidate needs {n} different introducers who are 正式党员 (细则 §15), got {got}")
        raise StepRefused(message.format(n=INTRODUCERS, got=len(found)), rule="introducers", step="introducers")
    return found


@attrs.frozen(kw_only=True)
class StepRecord:
    """One step recorded for a candidate: its date, who was responsible and a note."""

    candidate_id: int
    step: str
    label: str
    done_on: dt.date
    responsible: str | None = None
    note: str | None = None
    meeting_id: int | None = None
    introducers: tuple[int, ...] = ()
    vote: Vote | None = None
    recorded_by: str = ""


@attrs.frozen(kw_only=True)
class Candidate:
    """A person in the recruitment pipeline: an applicant, activist or development candidate, then the
    member they became. Personal data is held as given; outputs mask it unless revealed."""

    id: int
    name: str
    unit_id: int
    id_number: str | None
    birth_date: dt.date | None
    gender: str | None
    stage: Stage
    last_step: str
    last_on: dt.date
    applied_on: dt.date
    member_id: int | None = None


@attrs.frozen(kw_only=True)
class DueStep:
    """A step a candidate has next, with the window its time rules give."""

    candidate_id: int
    name: str
    unit_id: int
    step: str
    label: str
    earliest: dt.date | None
    latest: dt.date | None
    overdue: bool
