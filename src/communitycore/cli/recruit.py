"""``community recruit``: the recruitment pipeline (发展党员), from the application to the confirmation.

JSON shapes (see docs/json.md): ``apply``, ``step``, ``vote`` and ``list`` print candidates
(``{"id", "name", "kind": "candidate", "unit_id", "unit", "id_number", "birth_date", "gender",
"gender_label", "stage", "stage_label", "last_step", "last_step_label", "last_on", "applied_on",
"member_id", "revealed"}``, personal data masked); ``show`` adds ``history`` (the steps recorded);
``due`` prints the steps falling due.
"""

from __future__ import annotations

import click

from communitycore.cli.params import COUNT, DAYS, PLAIN_ID, RECRUITMENT_STEP, page_options, plain_ids
from communitycore.cli.render import emit, fetch_page, more_follow, output_options, shown, state
from communitycore.i18n import N_

LIST_COLUMNS = ("id", "name", "unit", "stage_label", "last_step", "last_on", "member_id")
HISTORY_COLUMNS = ("step", "label", "done_on", "responsible", "note")
DUE_COLUMNS = ("candidate_id", "name", "step", "label", "earliest", "latest", "overdue")


@click.group("recruit")
def recruit() -> None:
    """Recruitment (发展党员): apply, step, vote, list, show, due, steps.

    \b
    CANDIDATE is a candidate id (`recruit list`); CODE a step code (`recruit steps`); UNIT a unit
    id or its full path joined with "/".
    """


@recruit.command("steps")
@output_options
def steps() -> None:
    """The steps of the pipeline, in order, with their time rules."""
    app = state()
    rows = [{"code": s.code, "label": s.label, "label_en": s.label_en, "stage": s.stage, "order": s.order,
             "required": s.required, "action": s.action, "min_after": s.min_after, "min_months": s.min_months,
             "min_days": s.min_days, "max_after": s.max_after, "max_months": s.max_months, "rule": s.rule}
            for s in app.community.recruitment.steps()]
    emit(rows, columns=("stage", "code", "label", "rule"))


@recruit.command("apply")
@click.option("--name", required=True, help=N_("The applicant's name."))
@click.option("--id-number", help=N_("The applicant's 公民身份号码."))
@click.option("--unit", metavar="UNIT", required=True, help=N_("The unit applied to."))
@click.option("--date", "on", metavar="YYYY-MM-DD", required=True, help=N_("The day of the application."))
@click.option("--by", help=N_("Who received it."))
@click.option("--note", help=N_("A note."))
@output_options
def apply(name: str, id_number: str | None, unit: str, on: str, by: str | None, note: str | None) -> None:
    """Record an application (递交入党申请书): a new candidate."""
    done = state().community.recruitment.apply(name, unit, on=on, id_number=id_number, by=by, note=note)
    emit(shown(done), columns=LIST_COLUMNS)


@recruit.command("step")
@click.argument("candidate_id", metavar="CANDIDATE", type=PLAIN_ID)
@click.option("--step", "code", metavar="CODE", required=True, type=RECRUITMENT_STEP,
              help=N_("The step: its code or its name (development-candidate or 确定发展对象)."))
@click.option("--date", "on", metavar="YYYY-MM-DD", required=True, help=N_("The day of the step."))
@click.option("--by", help=N_("Who was responsible."))
@click.option("--note", help=N_("A note."))
@click.option("--introducers", metavar="MEMBER,MEMBER", help=N_("The two introducers (正式党员), by member id."))
@click.option("--meeting", "meeting_id", type=PLAIN_ID, help=N_("The meeting the step was taken at."))
@output_options
def step(candidate_id: int, code: str, on: str, by: str | None, note: str | None, introducers: str | None,
         meeting_id: int | None) -> None:
    """Record a step for a candidate, in order and within its time rules."""
    done = state().community.recruitment.record(candidate_id, code, on=on, by=by, note=note,
                                                introducers=plain_ids(introducers, "--introducers"),
                                                meeting_id=meeting_id)
    emit(shown(done), columns=LIST_COLUMNS)


@recruit.command("vote")
@click.argument("candidate_id", metavar="CANDIDATE", type=PLAIN_ID)
@click.option("--date", "on", metavar="YYYY-MM-DD", required=True, help=N_("The day of the 支部党员大会."))
@click.option("--due", type=COUNT, required=True, help=N_("Voting members due to attend."))
@click.option("--present", type=COUNT, required=True, help=N_("Voting members present."))
@click.option("--for", "votes_for", type=COUNT, required=True, help=N_("Votes for."))
@click.option("--against", type=COUNT, default=0, help=N_("Votes against."))
@click.option("--abstain", type=COUNT, default=0, help=N_("Abstentions."))
@click.option("--written-for", type=COUNT, default=0, help=N_("Written opinions for, from absent voting members."))
@click.option("--written-against", type=COUNT, default=0,
              help=N_("Written opinions against, from absent voting members."))
@click.option("--meeting", "meeting_id", type=PLAIN_ID, help=N_("The 支部党员大会 record the vote was taken at."))
@click.option("--by", help=N_("Who chaired it."))
@click.option("--note", help=N_("A note."))
@output_options
def vote(candidate_id: int, on: str, due: int, present: int, votes_for: int, against: int, abstain: int,
         written_for: int, written_against: int, meeting_id: int | None, by: str | None, note: str | None) -> None:
    """The branch vote on one candidate (or the confirmation vote once admitted), 细则 §20–§21."""
    done = state().community.recruitment.vote(
        candidate_id, on=on, due=due, present=present, votes_for=votes_for, against=against, abstain=abstain,
        written_for=written_for, written_against=written_against, meeting_id=meeting_id, by=by, note=note)
    emit(shown(done), columns=LIST_COLUMNS)


@recruit.command("list")
@click.option("--stage", help=N_("Only candidates of this stage (applicant, activist, development, probationary …)."))
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree."))
@page_options()
@output_options
def list_(stage: str | None, unit: str | None, limit: int, after: int | None) -> None:
    """Candidates, by id."""
    api = state().community.recruitment
    found, more = fetch_page(lambda n: api.list(unit=unit, stage=stage, limit=n, after=after), limit)
    emit(shown(found), columns=LIST_COLUMNS)
    more_follow(more, N_("(more candidates follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@recruit.command("show")
@click.argument("candidate_id", metavar="CANDIDATE", type=PLAIN_ID)
@click.option("--reveal", is_flag=True,
              help=N_("Show 公民身份号码 and the birth date unmasked (recorded in the audit trail)."))
@click.option("--reason", help=N_("Why the personal data is shown (kept in the audit entry; required with --reveal)."))
@output_options
def show(candidate_id: int, reveal: bool, reason: str | None) -> None:
    """One candidate with the steps recorded; personal data masked unless --reveal."""
    api = state().community.recruitment
    found = api.reveal(candidate_id, reason) if reveal else api.get(candidate_id)
    data = dict(shown(found, reveal=reveal))
    history = shown(api.history(candidate_id))
    if state().as_json:
        emit({**data, "history": history})
        return
    emit(data)
    emit(history, columns=HISTORY_COLUMNS)


@recruit.command("due")
@click.option("--days", type=DAYS, default=30, show_default=True,
              help=N_("Steps falling due within this many days (overdue ones always)."))
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree."))
@page_options(cursor=None, offset=True)
@output_options
def due(days: int, unit: str | None, limit: int, offset: int) -> None:
    """Steps overdue or falling due, by candidate."""
    api = state().community.recruitment
    found, more = fetch_page(lambda n: api.due(days=days, unit=unit, limit=n, offset=offset), limit)
    emit(shown(found), columns=DUE_COLUMNS)
    more_follow(more, N_("(more steps are due: the next page is --offset {offset}; --limit 0 shows all)"),
                offset=offset + limit)
