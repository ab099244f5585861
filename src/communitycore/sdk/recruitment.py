"""``community.recruitment``: the recruitment pipeline (发展党员), from the application to the confirmation.

A candidate is a person before they are a member: an applicant (入党申请人), an activist (入党积极
分子), a development candidate (发展对象). Each step is recorded once, with its date, the person
responsible and a note, in the order and within the time rules of the registered steps
(the builtin plugin ``national-recruitment``; packs add, rename or re-time them). The branch
vote (细则 §20–§21) is counted with its quorum; the higher approval makes the candidate a 预备党员
member whose join date is the branch vote's; the confirmation approval makes them 正式党员.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from communitycore.domain.fields import clean_text
from communitycore.domain.identity import mask_birth_date, mask_id_number
from communitycore.domain.members import (
    Category,
    Gender,
    check_member,
    id_birth_date,
    id_gender,
    parse_date,
    parse_id_number,
    parse_member,
)
from communitycore.domain.recruitment import (
    DEFAULT_MIN_AGE,
    DEFAULT_PASS_RULE,
    DEFAULT_QUORUM,
    NAME_LIMIT,
    NOTE_LIMIT,
    STAGE_LABELS,
    Candidate,
    DueStep,
    Stage,
    StepRecord,
    StepRefused,
    Vote,
    check_introducers,
    check_step,
    due_date,
    next_steps,
    ordered,
    refuse_vote,
    stage_after,
    tally,
)
from communitycore.errors import Conflict, InvalidValue, NotFound, RejectedInput, bad_field
from communitycore.i18n import _, listing
from communitycore.records import RecruitmentStep
from communitycore.sdk.base import SubAPI, check_days, check_page, known_id, paged, sliced
from communitycore.sdk.community import Tx
from communitycore.serialize import View, shape_of
from communitycore.store.locks import lock_row
from communitycore.store.tables import meetings as meeting_tables
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.tables import recruitment as tables
from communitycore.store.units import UnitRef, resolve, subtree_query

_c = tables.candidates
_s = tables.candidate_steps
_VOTES = ("branch-vote", "confirmation-vote")


class RecruitmentAPI(SubAPI):
    """Recruitment (发展党员): apply, record steps and votes, list, show, and the steps falling due."""

    def steps(self) -> builtins.list[RecruitmentStep]:
        """The registered steps, in pipeline order."""
        return ordered(self.community.registry.recruitment_steps)

    # Recording ---------------------------------------------------------------------------------

    def apply(self, name: str, unit: UnitRef, *, on: dt.date | str, id_number: str | None = None,
              birth_date: dt.date | str | None = None, gender: str | None = None, by: str | None = None,
              note: str | None = None) -> Candidate:
        """Record an application (递交入党申请书): a new candidate at ``unit``.

        The birth date and gender come from the 公民身份号码 when not given. The applicant must be
        ``recruitment-min-age`` (18) or older on ``on``.

        :raises InvalidValue: a bad field, named; a ``StepRefused`` (an ``InvalidValue``) for an applicant too young.
        :raises Conflict: a candidate or member has the same 公民身份号码.
        :raises PermissionDenied: the actor may not do this (recruitment) on the unit concerned.
        """
        today = self.community.clock.today()
        clean_name = clean_text(name, NAME_LIMIT)
        if not clean_name:
            raise bad_field("name", _("a candidate needs a name"), entity="candidate")
        number = parse_id_number(id_number, today=today) if id_number else None
        given: dict[str, Any] = {"id_number": number}
        if birth_date is not None:
            given["birth_date"] = parse_date(birth_date)
        if gender is not None:
            try:
                given["gender"] = Gender.parse(gender)
            except InvalidValue as exc:
                raise bad_field("gender", str(exc), entity="candidate") from None
        # As for a member: a birth date and gender given agree with the 公民身份号码, none lies ahead.
        for problem in check_member(given, today=today):
            raise bad_field(problem.field, problem.message, entity="candidate")
        born = given.get("birth_date") or (id_birth_date(number) if number else None)
        sex = given["gender"].value if "gender" in given else (id_gender(number).value if number else None)
        day = parse_date(on)
        first = self._first_step()
        with self.community.transaction() as tx:
            target = resolve(tx.conn, unit)
            self._authorize(tx.conn, "recruitment.add", target.id)
            min_age = int(self._setting(tx.conn, target.id, "recruitment-min-age", DEFAULT_MIN_AGE))
            check_step(self.community.registry.recruitment_steps, {}, first.code, day, today=tx.today,
                       birth_date=born, min_age=min_age)
            if number is not None:
                self._check_unique(tx.conn, number)
            candidate_id = int(tx.conn.execute(insert(_c).values(
                unit_id=target.id, name=clean_name, id_number=number, birth_date=born, gender=sex,
                stage=Stage.APPLICANT.value, last_step=first.code, last_on=day, applied_on=day,
                created_at=tx.now.astimezone(dt.UTC))).inserted_primary_key[0])  # type: ignore[index]
            self._insert_step(tx, candidate_id, first.code, day, by, note)
            candidate = self._get(tx.conn, candidate_id)
            tx.record("recruitment.add", "candidate", candidate_id, after=_summary(candidate),
                      data={"unit_id": target.id, "step": first.code, "date": day.isoformat()})
            return candidate

    def record(self, candidate_id: int, step: str, *, on: dt.date | str, by: str | None = None,
               note: str | None = None, introducers: Iterable[int] = (), meeting_id: int | None = None) -> Candidate:
        """Record ``step`` for a candidate on ``on``: in order, within the time rules.

        The ``introducers`` step names two members who are 正式党员; the higher approval makes the
        candidate a 预备党员 (join date: the branch vote's); the confirmation approval makes them
        正式党员. A vote is recorded with :meth:`vote`.

        :raises InvalidValue: ``StepRefused``: out of order, too early or too late (naming the rule and the date).
        :raises NotFound: no such candidate, member or meeting.
        :raises PermissionDenied: the actor may not do this (recruitment) on the unit concerned.
        """
        if str(step).strip() in _VOTES or self._action(step) in _VOTES:
            raise InvalidValue(_("step {step!r} is a vote: record it with 'vote', giving the counts").format(
                step=step), entity="step", key=step)
        day = parse_date(on)
        with self.community.transaction() as tx:
            return self._record(tx, candidate_id, str(step).strip(), day, by, note, tuple(introducers), meeting_id)

    def vote(self, candidate_id: int, *, on: dt.date | str, due: int, present: int, votes_for: int,
             against: int = 0, abstain: int = 0, written_for: int = 0, written_against: int = 0,
             meeting_id: int | None = None, by: str | None = None, note: str | None = None) -> Candidate:
        """The 支部党员大会 vote on one candidate: the branch vote, or the confirmation vote once admitted.

        Voting members present must meet ``recruitment-quorum`` over those ``due`` to attend, and
        the votes for (written opinions of absent voting members included) ``recruitment-pass-rule``
        over those due: more than half, both (细则 §20–§21). A vote that fails is refused and not
        recorded. ``meeting_id`` names the 支部党员大会 record the vote was taken at.

        :raises InvalidValue: ``StepRefused``: no quorum, not passed, or the step's order or time rule.
        :raises PermissionDenied: the actor may not do this (recruitment) on the unit concerned.
        """
        day = parse_date(on)
        with self.community.transaction() as tx:
            row = self._lock(tx.conn, candidate_id, ("unit_id", "stage"))
            stage = Stage(row.stage)
            wanted = "confirmation-vote" if stage is Stage.PROBATIONARY else "branch-vote"
            code = next((s.code for s in self.steps() if s.action == wanted), wanted)
            quorum = str(self._setting(tx.conn, int(row.unit_id), "recruitment-quorum", DEFAULT_QUORUM))
            rule = str(self._setting(tx.conn, int(row.unit_id), "recruitment-pass-rule", DEFAULT_PASS_RULE))
            counted = tally(due=due, present=present, votes_for=votes_for, against=against, abstain=abstain,
                            written_for=written_for, written_against=written_against, quorum=quorum, pass_rule=rule)
            refuse_vote(counted, quorum=quorum, pass_rule=rule, step=code)
            return self._record(tx, int(candidate_id), code, day, by, note, (), meeting_id, counted)

    # Reading -----------------------------------------------------------------------------------

    def get(self, candidate_id: int) -> Candidate:
        """One candidate (unmasked: masking is for display, as for members).

        :raises NotFound: there is no such candidate.
        :raises PermissionDenied: the actor may not do this (recruitment) on the unit concerned.
        """
        with self.community.reading() as conn:
            candidate = self._get(conn, candidate_id)
            self._authorize(conn, "recruitment.read", candidate.unit_id)
            return candidate

    def reveal(self, candidate_id: int, reason: str | None = None) -> Candidate:
        """One candidate, recording in the audit trail that their personal data was shown and why
        (``recruitment.reveal``, which an auditor never has), as ``members.reveal`` does for members.

        :raises InvalidValue: no reason was given while the config requires one.
        :raises NotFound: there is no such candidate.
        :raises PermissionDenied: the actor may not see candidates' personal data on the candidate's unit.
        """
        why = self.community.members.reveal_reason(reason)
        with self.community.transaction() as tx:
            candidate = self._get(tx.conn, candidate_id)
            self._authorize(tx.conn, "recruitment.reveal", candidate.unit_id)
            tx.record("recruitment.reveal", "candidate", candidate.id, note=why, data={"unit_id": candidate.unit_id})
            return candidate

    def history(self, candidate_id: int) -> builtins.list[StepRecord]:
        """The steps recorded for a candidate, in order.

        :raises NotFound: there is no such candidate.
        :raises PermissionDenied: the actor may not read the candidate's unit.
        """
        with self.community.reading() as conn:
            candidate = self._get(conn, candidate_id)
            self._authorize(conn, "recruitment.read", candidate.unit_id)
            return self._history(conn, candidate_id)

    def list(self, *, unit: UnitRef | None = None, stage: str | Stage | None = None, limit: int | None = None,
             after: int | None = None) -> builtins.list[Candidate]:
        """Candidates by id, of a subtree (default: every unit the actor may read), optionally of one stage.

        At most ``limit`` candidates (default ``None``: all). ``after`` is a keyset cursor: only
        candidates with a greater id, so the next page is ``after=`` the last id of this one.

        :raises InvalidValue: an unknown stage; a limit that is not a whole number from 0 to ``MAX_ID``, or
            an ``after`` that is not an id.
        :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (recruitment) on the unit concerned.
        """
        wanted = _stage(stage) if stage is not None else None
        query = paged(select(_c).order_by(_c.c.id), _c.c.id, limit=limit, after=after)
        with self.community.reading() as conn:
            if unit is not None:
                root = resolve(conn, unit)
                self._authorize(conn, "recruitment.read", root.id)
                query = query.where(_c.c.unit_id.in_(subtree_query(conn, root.id)))
            query = query.where(self._scope(conn, "recruitment.read").clause(_c.c.unit_id))
            if wanted is not None:
                query = query.where(_c.c.stage == wanted.value)
            return [_candidate(r) for r in conn.execute(query)]

    def counts(self, *, unit: UnitRef | None = None) -> dict[str, int]:
        """Candidates per stage in a subtree (every stage listed, zeros included).

        :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (recruitment) on the unit concerned.
        """
        with self.community.reading() as conn:
            query = select(_c.c.stage, func.count()).group_by(_c.c.stage)
            if unit is not None:
                root = resolve(conn, unit)
                self._authorize(conn, "recruitment.read", root.id)
                query = query.where(_c.c.unit_id.in_(subtree_query(conn, root.id)))
            query = query.where(self._scope(conn, "recruitment.read").clause(_c.c.unit_id))
            found = {str(s): int(n) for s, n in conn.execute(query)}
            return {str(s): found.get(str(s), 0) for s in Stage}

    def due(self, *, days: int = 30, unit: UnitRef | None = None, limit: int | None = None,
            offset: int = 0) -> builtins.list[DueStep]:
        """Next steps with a time rule that are overdue or fall due within ``days`` (from today), by candidate id.

        At most ``limit`` steps (default ``None``: all), past the first ``offset``; the subtree's
        candidates are read whole for any page, then cut.

        :raises InvalidValue: ``days`` is not a whole number of at least 0; a limit or offset that is
            not a whole number from 0 to ``MAX_ID``.
        :raises NotFound: no such unit.
        :raises PermissionDenied: the actor may not do this (recruitment) on the unit concerned.
        """
        check_days(days)
        check_page(limit, offset)
        today = self.community.clock.today()
        horizon = today + dt.timedelta(days=days)
        steps = self.community.registry.recruitment_steps
        out: builtins.list[DueStep] = []
        with self.community.reading() as conn:
            query = select(_c).where(_c.c.stage != Stage.ARCHIVED.value).order_by(_c.c.id)
            if unit is not None:
                root = resolve(conn, unit)
                self._authorize(conn, "recruitment.read", root.id)
                query = query.where(_c.c.unit_id.in_(subtree_query(conn, root.id)))
            query = query.where(self._scope(conn, "recruitment.read").clause(_c.c.unit_id))
            candidates = [_candidate(r) for r in conn.execute(query)]
            done_of: dict[int, dict[str, dt.date]] = {c.id: {} for c in candidates}
            if candidates:
                for cid, step, on in conn.execute(select(_s.c.candidate_id, _s.c.step, _s.c.done_on).where(
                        _s.c.candidate_id.in_(list(done_of)))):
                    done_of[int(cid)][str(step)] = on
        for candidate in candidates:
            done = done_of[candidate.id]
            for step in next_steps(steps, done):
                earliest, latest = due_date(step, done)
                if (latest is not None and latest <= horizon) or (earliest is not None and earliest <= horizon):
                    out.append(DueStep(candidate_id=candidate.id, name=candidate.name, unit_id=candidate.unit_id,
                                       step=step.code, label=step.label, earliest=earliest, latest=latest,
                                       overdue=latest is not None and latest < today))
        return sliced(out, limit, offset)

    # Internals ---------------------------------------------------------------------------------

    def _first_step(self) -> RecruitmentStep:
        steps = self.steps()
        if not steps:
            raise InvalidValue(_("no recruitment steps are registered"))
        return steps[0]

    def _action(self, code: str) -> str | None:
        step = self.community.registry.recruitment_steps.get(str(code).strip())
        return None if step is None else step.action

    def _record(self, tx: Tx, candidate_id: int, code: str, day: dt.date, by: str | None, note: str | None,
                introducers: tuple[int, ...], meeting_id: int | None, counted: Vote | None = None) -> Candidate:
        # The candidate's row first: two steps recorded at once see each other.
        row = self._lock(tx.conn, candidate_id, ("unit_id",))
        self._authorize(tx.conn, "recruitment.record", int(row.unit_id))
        before = self._get(tx.conn, candidate_id)
        steps = self.community.registry.recruitment_steps
        done = {r.step: r.done_on for r in self._history(tx.conn, candidate_id)}
        step = check_step(steps, done, code, day, today=tx.today)
        data: dict[str, Any] = {}
        if step.action == "introducers":
            chosen = check_introducers(introducers)
            self._check_introducers(tx.conn, chosen)
            data["introducers"] = list(chosen)
        elif introducers:
            raise bad_field("introducers", _("only the {step} step names introducers").format(step="introducers"))
        if counted is not None:
            data["vote"] = {"due": counted.due, "present": counted.present, "for": counted.votes_for,
                            "against": counted.against, "abstain": counted.abstain,
                            "written_for": counted.written_for, "written_against": counted.written_against}
        if meeting_id is not None:
            self._check_meeting(tx.conn, meeting_id, before.unit_id)
        member_id = before.member_id
        if step.action == "admit":
            member_id = self._admit(tx, before, done)
        elif step.action == "confirm":
            if member_id is None:
                raise StepRefused(_("the candidate has no member record to confirm"), rule="order", step=code)
            self.community.members._confirm(tx, member_id, day)
        self._insert_step(tx, candidate_id, code, day, by, note, data or None, meeting_id)
        done[code] = day
        stage = stage_after(steps, done)
        tx.conn.execute(update(_c).where(_c.c.id == candidate_id).values(
            stage=stage.value, last_step=code, last_on=day, member_id=member_id))
        after = self._get(tx.conn, candidate_id)
        tx.record("recruitment.record", "candidate", candidate_id, before=_summary(before), after=_summary(after),
                  note=clean_text(note, NOTE_LIMIT) if note else None,
                  data={"unit_id": after.unit_id, "step": code, "date": day.isoformat(), "member_id": member_id})
        return after

    def _admit(self, tx: Tx, candidate: Candidate, done: dict[str, dt.date]) -> int:
        """The 预备党员 member of an approved candidate: joined on the branch vote's date."""
        vote_on = next((on for code, on in done.items() if self._action(code) == "branch-vote"), None)
        if vote_on is None:
            raise StepRefused(_("the higher approval needs the branch vote first"), rule="order", step="branch-vote")
        values: dict[str, Any] = {"name": candidate.name, "unit": candidate.unit_id, "join_date": vote_on,
                                  "category": Category.PROBATIONARY}
        optional = {"id_number": candidate.id_number, "birth_date": candidate.birth_date, "gender": candidate.gender}
        parsed, problems = parse_member({**values, **{k: v for k, v in optional.items() if v is not None}},
                                        today=tx.today)
        if problems:
            raise RejectedInput(problems, source=_("candidate"))
        return self.community.members._add(tx, parsed).id

    def _insert_step(self, tx: Tx, candidate_id: int, code: str, day: dt.date, by: str | None, note: str | None,
                     data: dict[str, Any] | None = None, meeting_id: int | None = None) -> None:
        tx.conn.execute(insert(_s).values(
            candidate_id=candidate_id, step=code, done_on=day, responsible=clean_text(by, NAME_LIMIT) if by else None,
            note=clean_text(note, NOTE_LIMIT) if note else None, meeting_id=meeting_id, data=data,
            recorded_by=tx.actor, recorded_at=tx.now.astimezone(dt.UTC)))

    def _check_unique(self, conn: Connection, number: str) -> None:
        m = member_tables.members
        if conn.execute(select(_c.c.id).where(_c.c.id_number == number)).first() is not None:
            raise Conflict(_("a candidate with this 公民身份号码 is on record already"), entity="candidate",
                           key="id_number")
        if conn.execute(select(m.c.id).where(m.c.id_number == number)).first() is not None:
            raise Conflict(_("a member with this 公民身份号码 is on record already"), entity="candidate",
                           key="id_number")

    def _check_introducers(self, conn: Connection, chosen: Sequence[int]) -> None:
        m = member_tables.members
        rows = {int(r.id): r for r in conn.execute(select(m.c.id, m.c.category, m.c.status).where(
            m.c.id.in_(list(chosen))))}
        missing = [i for i in chosen if i not in rows]
        if missing:
            raise bad_field("introducers", _("no member {ids}").format(ids=listing(str(i) for i in missing)),
                            entity="member", key=missing[0], cls=NotFound)
        not_full = [i for i in chosen if rows[i].category != Category.FULL.value or rows[i].status != "active"]
        if not_full:
            raise StepRefused(_("introducers must be 正式党员 on the roll (细则 §15): member {ids} is not").format(
                ids=listing(str(i) for i in not_full)), rule="introducers", step="introducers")

    def _check_meeting(self, conn: Connection, meeting_id: int, unit_id: int) -> None:
        mt = meeting_tables.meetings

        def missing() -> NotFound:
            return NotFound(_("no meeting {id}").format(id=meeting_id), entity="meeting", key=meeting_id)
        row = conn.execute(select(mt.c.id, mt.c.type, mt.c.unit_id, mt.c.status).where(
            mt.c.id == known_id(meeting_id, missing))).first()
        if row is None:
            raise missing()
        meeting_type = self.community.registry.meeting_types.get(str(row.type))
        if int(row.unit_id) != unit_id or row.status != "held" or meeting_type is None or not meeting_type.votes:
            raise bad_field("meeting", _("meeting {id} is not a meeting of the candidate's unit held with votes "
                                         "(a 支部党员大会)").format(id=meeting_id), entity="meeting", key=meeting_id)

    @staticmethod
    def _lock(conn: Connection, candidate_id: int, columns: Sequence[str]) -> Any:
        """The candidate's row, locked first (two steps recorded at once see each other)."""
        return lock_row(conn, _c, candidate_id, columns=columns, missing=lambda: NotFound(
            _("no candidate {id}").format(id=candidate_id), entity="candidate", key=candidate_id))

    def _get(self, conn: Connection, candidate_id: int) -> Candidate:
        def missing() -> NotFound:
            return NotFound(_("no candidate {id}").format(id=candidate_id), entity="candidate", key=candidate_id)

        row = conn.execute(select(_c).where(_c.c.id == known_id(candidate_id, missing))).first()
        if row is None:
            raise missing()
        return _candidate(row)

    def _history(self, conn: Connection, candidate_id: int) -> builtins.list[StepRecord]:
        steps = self.community.registry.recruitment_steps
        out = []
        for r in conn.execute(select(_s).where(_s.c.candidate_id == int(candidate_id)).order_by(_s.c.id)):
            data = r.data or {}
            vote = data.get("vote")
            out.append(StepRecord(
                candidate_id=int(r.candidate_id), step=r.step,
                label=steps[r.step].label if r.step in steps else r.step, done_on=r.done_on,
                responsible=r.responsible, note=r.note, meeting_id=r.meeting_id,
                introducers=tuple(data.get("introducers", ())), recorded_by=r.recorded_by,
                vote=None if vote is None else tally(
                    due=vote["due"], present=vote["present"], votes_for=vote["for"], against=vote["against"],
                    abstain=vote["abstain"], written_for=vote["written_for"],
                    written_against=vote["written_against"])))
        return out

    def _setting(self, conn: Connection, unit_id: int, key: str, default: Any) -> Any:
        return setting_at(conn, unit_id, key, default)


def setting_at(conn: Connection, unit_id: int, key: str, default: Any) -> Any:
    """The setting in force at a unit: its own, else the nearest ancestor's, else ``default`` (one query a level)."""
    s = org_tables.unit_settings
    u = org_tables.units
    current: int | None = unit_id
    seen: set[int] = set()
    while current is not None and current not in seen:
        seen.add(current)
        value = conn.execute(select(s.c.value).where(s.c.unit_id == current, s.c.key == key)).first()
        if value is not None:
            return value[0]
        current = conn.execute(select(u.c.parent_id).where(u.c.id == current)).scalar()
    return default


def _stage(value: str | Stage) -> Stage:
    if isinstance(value, Stage):
        return value
    text = str(value).strip()
    for stage in Stage:
        if text in (stage.value, STAGE_LABELS[stage]):
            return stage
    raise bad_field("stage", _("unknown stage {value!r}; known: {known}").format(
        value=value, known=listing(str(s) for s in Stage)), entity="candidate")


def _candidate(row: Any) -> Candidate:
    return Candidate(id=int(row.id), name=row.name, unit_id=int(row.unit_id), id_number=row.id_number,
                     birth_date=row.birth_date, gender=row.gender, stage=Stage(row.stage), last_step=row.last_step,
                     last_on=row.last_on, applied_on=row.applied_on,
                     member_id=None if row.member_id is None else int(row.member_id))


def _summary(candidate: Candidate) -> dict[str, Any]:
    # The audit trail names the step, not the person's data.
    return {"id": candidate.id, "unit_id": candidate.unit_id, "stage": candidate.stage.value,
            "last_step": candidate.last_step, "last_on": candidate.last_on.isoformat(),
            "member_id": candidate.member_id}


@shape_of(Candidate)
def _candidate_shape(candidate: Candidate, view: View) -> dict[str, Any]:
    return {"id": candidate.id, "name": candidate.name, "kind": "candidate", "unit_id": candidate.unit_id,
            "unit": view.path(candidate.unit_id),
            "id_number": candidate.id_number if view.reveal else mask_id_number(candidate.id_number),
            "birth_date": candidate.birth_date if view.reveal else mask_birth_date(candidate.birth_date),
            "gender": candidate.gender, "gender_label": view.label_of(Gender, candidate.gender),
            "stage": candidate.stage.value, "stage_label": view.label_of(Stage, candidate.stage),
            "last_step": candidate.last_step,
            "last_step_label": view.label_of("recruitment_steps", candidate.last_step), "last_on": candidate.last_on,
            "applied_on": candidate.applied_on,
            "member_id": candidate.member_id, "revealed": view.reveal}


@shape_of(StepRecord)
def _step_shape(record: StepRecord, view: View) -> dict[str, Any]:
    vote = record.vote
    return {"candidate_id": record.candidate_id, "step": record.step, "label": record.label,
            "done_on": record.done_on, "responsible": record.responsible, "note": record.note,
            "meeting_id": record.meeting_id, "introducers": list(record.introducers),
            "vote": None if vote is None else {"due": vote.due, "present": vote.present, "for": vote.votes_for,
                                               "against": vote.against, "abstain": vote.abstain,
                                               "written_for": vote.written_for, "passed": vote.passed},
            "recorded_by": record.recorded_by}


@shape_of(DueStep)
def _due_shape(item: DueStep, view: View) -> dict[str, Any]:
    return {"candidate_id": item.candidate_id, "name": item.name, "unit_id": item.unit_id,
            "unit": view.path(item.unit_id), "step": item.step, "label": item.label, "earliest": item.earliest,
            "latest": item.latest, "overdue": item.overdue}
