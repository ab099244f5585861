"""``community roster``: roster programmes (红色管家 …): apply, qualify, notice, object, admit, train, review, exit.

JSON shapes are in docs/json.md (Rosters): an entry is ``{"id", "name", "kind": "roster-entry", "program",
"state", "tier", …, "program_label", "state_label", "tier_label", …}`` (``roster show`` adds ``history``
and ``objections``); an objection is
``{"id", "name", "kind": "roster-objection", "entry_id", "state", …}``; ``roster review`` prints
``{"run_id", "applied", "proposals": [{"entry_id", "name", "grade", "total", "tier_from", "tier_to",
"outcome", "reason", …}]}``.
"""

from __future__ import annotations

from pathlib import Path

import click

from communitycore.cli.params import DAYS, PLAIN_ID, ROSTER_PROGRAM, page_options
from communitycore.cli.render import emit, fetch_page, more_follow, output_options, shown, state
from communitycore.errors import InvalidValue
from communitycore.i18n import N_, _
from communitycore.records import grade_labels

ENTRY_COLUMNS = ("id", "program", "name", "candidate_kind", "candidate_id", "unit_id", "state", "tier", "notice_end",
                 "admitted_on")
OBJECTION_COLUMNS = ("id", "entry_id", "raised_by", "raised_on", "reason", "state", "resolution_note")
PROPOSAL_COLUMNS = ("entry_id", "name", "grade", "total", "tier_from", "tier_to", "outcome", "reason")


@click.group("roster")
def roster() -> None:
    """Rosters (队伍): 红色管家 and other vetted corps: admission, public notice, training, tiers, exit.

    \b
    An entry goes applied → (under-review) → qualified → on-notice
    (→ objected → on-notice) → admitted → active (→ warned) → exited,
    or refused. ENTRY is an entry id; UNIT a unit id or its path.
    """


@roster.command("programs")
@output_options
def programs() -> None:
    """The roster programmes (红色管家 …) with their notice, tiers, scheme and training."""
    emit(shown(state().community.rosters.programs()),
         columns=("id", "name", "notice_days", "tiers", "scoring_scheme", "training_hours", "training_sessions"))


@roster.command("apply")
@click.option("--program", metavar="CODE", required=True, type=ROSTER_PROGRAM,
              help=N_("The roster programme: its code or its name (red-steward or 红色管家 …)."))
@click.option("--member", type=PLAIN_ID, help=N_("The candidate, a Party member's id."))
@click.option("--resident", type=PLAIN_ID, help=N_("The candidate, a resident's id."))
@click.option("--partner", type=PLAIN_ID, help=N_("The candidate, a partner body's id."))
@click.option("--staff-name", metavar="NAME", help=N_("With --partner: the name of a member of its staff."))
@click.option("--unit", metavar="UNIT", help=N_("The unit whose roster it is (default: the candidate's)."))
@click.option("--on", metavar="DATE", help=N_("The day of the application (default: today)."))
@click.option("--note", help=N_("A note kept with the application."))
@output_options
def apply(program: str, member: int | None, resident: int | None, partner: int | None, staff_name: str | None,
          unit: str | None, on: str | None, note: str | None) -> None:
    """Record an application (报名); prints the new entry and its id."""
    done = state().community.rosters.apply(program, member=member, resident=resident, partner=partner,
                                           staff_name=staff_name, unit=unit, on=on, note=note)
    emit(shown(done), columns=ENTRY_COLUMNS)


@roster.command("review-start")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@click.option("--note", help=N_("A note kept with the step."))
@output_options
def review_start(entry_id: int, note: str | None) -> None:
    """Take application ENTRY under qualification review (资格审查)."""
    emit(shown(state().community.rosters.start_review(entry_id, note=note)), columns=ENTRY_COLUMNS)


@roster.command("qualify")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@click.option("--pass/--fail", "passed", required=True, default=None, help=N_("The review's verdict."))
@click.option("--note", required=True, help=N_("What the review found."))
@output_options
def qualify(entry_id: int, passed: bool, note: str) -> None:
    """Record the qualification review of ENTRY; a pass is checked against the programme's rules."""
    emit(shown(state().community.rosters.qualify(entry_id, passed=passed, note=note)), columns=ENTRY_COLUMNS)


@roster.command("notice")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@click.option("--start", metavar="DATE", help=N_("The first day of the notice (default: today)."))
@click.option("--days", type=DAYS, help=N_("Its length in days, both ends counted (default: the programme's)."))
@click.option("--note", help=N_("A note kept with the step."))
@output_options
def notice(entry_id: int, start: str | None, days: int | None, note: str | None) -> None:
    """Put qualified ENTRY on public notice (公示); prints the day it ends."""
    emit(shown(state().community.rosters.notice(entry_id, start=start, days=days, note=note)),
         columns=ENTRY_COLUMNS)


@roster.command("object")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@click.option("--by", "by", metavar="NAME", required=True, help=N_("Who raises the objection."))
@click.option("--reason", required=True, help=N_("What the objection says."))
@click.option("--on", metavar="DATE", help=N_("The day it was raised (default: today); within the notice."))
@output_options
def object_(entry_id: int, by: str, reason: str, on: str | None) -> None:
    """Record an objection to ENTRY during its notice; prints the objection and its id."""
    emit(shown(state().community.rosters.object(entry_id, by=by, reason=reason, on=on)),
         columns=OBJECTION_COLUMNS)


@roster.command("resolve-objection")
@click.argument("objection_id", metavar="OBJECTION", type=PLAIN_ID)
@click.option("--dismiss/--uphold", "dismiss", required=True, default=None,
              help=N_("Dismiss it (the entry may be admitted) or uphold it (the application is refused)."))
@click.option("--note", required=True, help=N_("Why."))
@output_options
def resolve_objection(objection_id: int, dismiss: bool, note: str) -> None:
    """Resolve objection OBJECTION."""
    done = state().community.rosters.resolve_objection(objection_id, uphold=not dismiss, note=note)
    emit(shown(done), columns=OBJECTION_COLUMNS)


@roster.command("admit")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@click.option("--on", metavar="DATE", help=N_("The day of admission (default: today)."))
@click.option("--note", help=N_("A note kept with the step."))
@output_options
def admit(entry_id: int, on: str | None, note: str | None) -> None:
    """Admit ENTRY once its notice has ended with no open or upheld objection (无异议方可进入)."""
    emit(shown(state().community.rosters.admit(entry_id, on=on, note=note)), columns=ENTRY_COLUMNS)


@roster.command("activate")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@click.option("--note", help=N_("A note kept with the step."))
@output_options
def activate(entry_id: int, note: str | None) -> None:
    """Put admitted ENTRY on duty (上岗), or clear its warning."""
    emit(shown(state().community.rosters.activate(entry_id, note=note)), columns=ENTRY_COLUMNS)


@roster.command("warn")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@click.option("--note", required=True, help=N_("Why."))
@output_options
def warn(entry_id: int, note: str) -> None:
    """Warn serving ENTRY (警示)."""
    emit(shown(state().community.rosters.warn(entry_id, note=note)), columns=ENTRY_COLUMNS)


@roster.command("exit")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@click.option("--reason", type=click.Choice(["eliminated", "resigned", "moved-away", "term-ended"]), required=True,
              help=N_("Why the entry leaves the roster."))
@click.option("--on", metavar="DATE", help=N_("The day it leaves (default: today)."))
@click.option("--note", help=N_("A note kept with the step."))
@output_options
def exit_(entry_id: int, reason: str, on: str | None, note: str | None) -> None:
    """Take ENTRY off the roster."""
    emit(shown(state().community.rosters.exit(entry_id, reason=reason, on=on, note=note)),
         columns=ENTRY_COLUMNS)


@roster.command("list")
@click.option("--program", metavar="CODE", type=ROSTER_PROGRAM,
              help=N_("Only entries of this programme (its code or its name)."))
@click.option("--state", "state_", metavar="S", help=N_("Only entries in this state."))
@click.option("--unit", metavar="UNIT", help=N_("Only entries of this unit's subtree."))
@page_options()
@output_options
def list_(program: str | None, state_: str | None, unit: str | None, limit: int, after: int | None) -> None:
    """Roster entries by id."""
    api = state().community.rosters
    found, more = fetch_page(lambda n: api.list(program=program, state=state_, unit=unit, limit=n, after=after),
                             limit)
    emit(shown(found), columns=ENTRY_COLUMNS)
    more_follow(more, N_("(more roster entries follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@roster.command("show")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@output_options
def show(entry_id: int) -> None:
    """ENTRY with its history and objections."""
    api = state().community.rosters
    data = shown(api.get(entry_id), history=shown(api.history(entry_id)), objections=shown(api.objections(entry_id)))
    if state().as_json:
        emit(data)
        return
    emit(data, columns=(*ENTRY_COLUMNS, "term_end", "exited_on", "exit_reason"))
    emit(data["history"], columns=("from", "to", "actor", "at", "note"), title=_("History"))
    if data["objections"]:
        emit(data["objections"], columns=OBJECTION_COLUMNS, title=_("Objections"))


@roster.group("training")
def training() -> None:
    """Training of roster members: sessions recorded here, and meetings that count as training."""


@training.command("add")
@click.argument("entry_id", metavar="ENTRY", type=PLAIN_ID)
@click.option("--date", "on", metavar="DATE", required=True, help=N_("The day of the session."))
@click.option("--hours", required=True, help=N_("Its length in hours, e.g. 1.5."))
@click.option("--topic", required=True, help=N_("What it taught."))
@output_options
def training_add(entry_id: int, on: str, hours: str, topic: str) -> None:
    """Record a training session of ENTRY (in the ledger); prints the ledger entry's id."""
    new_id = state().community.rosters.add_training(entry_id, on=on, hours=hours, topic=topic)
    emit({"id": new_id, "entry_id": entry_id, "kind": "activity-entry"}, columns=("id", "entry_id"))


@training.command("status")
@click.option("--program", metavar="CODE", required=True, type=ROSTER_PROGRAM,
              help=N_("The roster programme: its code or its name."))
@click.option("--period", metavar="PERIOD", required=True, help=N_("The period, e.g. 2025 or 2025Q1."))
@output_options
def training_status(program: str, period: str) -> None:
    """Each serving entry's training over PERIOD against the programme's requirement."""
    found = state().community.rosters.training(program, period)
    emit(shown(found),
         columns=("entry_id", "hours", "sessions", "required_hours", "required_sessions", "short"))


@roster.command("review")
@click.option("--program", metavar="CODE", required=True, type=ROSTER_PROGRAM,
              help=N_("The roster programme: its code or its name."))
@click.option("--period", metavar="PERIOD", required=True, help=N_("The period, e.g. 2025Q1."))
@click.option("--run", "run_id", type=PLAIN_ID, help=N_("The assessment run to use (default: the latest of the "
                                                        "scheme for the period, else a new one)."))
@click.option("--apply", "apply_", is_flag=True, help=N_("Apply the proposals (without it nothing changes)."))
@output_options
def review(program: str, period: str, run_id: int | None, apply_: bool) -> None:
    """Propose (and with --apply make) the tier changes and exits the programme's scheme gives for PERIOD."""
    community = state().community
    found = community.rosters.review(program, period, apply=apply_, run_id=run_id)
    rows = shown(found)
    scheme = community.rosters.program(program).scoring_scheme
    grades = grade_labels(community.assessments.scheme(scheme).bands) if scheme else {}
    for row in rows:  # the grade in words, as the scheme's bands name it
        row["grade_label"] = grades.get(row.get("grade"), row.get("grade"))
    if state().as_json:
        emit({"run_id": found[0].run_id if found else None, "applied": apply_, "proposals": rows})
        return
    emit(rows, columns=PROPOSAL_COLUMNS, title=_("Applied") if apply_ else _("Proposed (nothing changed)"))


@roster.command("board")
@click.option("--program", metavar="CODE", type=ROSTER_PROGRAM,
              help=N_("The roster programme: its code or its name (default: the one programme the unit's entries "
                      "are on)."))
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree (default: every unit you may read)."))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help=N_("The file to write: .html (printable on A4) or .md."))
@output_options
def board(program: str | None, unit: str | None, out: Path) -> None:
    """Write the bulletin board (宣传栏公示): applicants on notice, the roster by tier, masked phones."""
    from communitycore.reports import write_board

    community = state().community
    if program is None:
        used = sorted({e.program for e in community.rosters.list(unit=unit, limit=None)})
        known = used or [p.code for p in community.rosters.programs()]
        if len(known) != 1:
            raise InvalidValue(_("--program: choose the programme of the board, one of {known}").format(
                known=", ".join(known)), entity="roster", key="program")
        program = known[0]
    written = write_board(community, program, unit, out)
    emit({"file": str(written)}, columns=("file",))
