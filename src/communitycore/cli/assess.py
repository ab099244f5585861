"""``community assess``: points schemes, runs, explained results, appeals and final decisions (考核评议).

JSON shapes (docs/json.md; ``communitycore.serialize`` builds them): a run is ``{"id", "name", "kind":
"assessment-run", "run_id", "revision", "scheme", "scheme_version", "period", "subject_kind", "unit_id",
"subjects", "ran_by", "ran_at", "results"}``;
a result ``{"id", "name", "kind": "assessment-result", "subject_id", "total", "grade", "rank", "vetoed",
"exempt", "reached", "override", "unit_id"}`` and, from ``explain``, ``"lines"`` and ``"decisions"``; an
appeal ``{"id", "name", "kind": "assessment-appeal", "run_id", "revision", "subject_id", "item", "reason",
"state", "quantity", "decision", "result_revision", ...}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from communitycore.cli.params import PLAIN_ID, POSITIVE, SCORING_SCHEME, page_options
from communitycore.cli.render import emit, fetch_page, heading, more_follow, output_options, shown, state
from communitycore.i18n import N_, _

if TYPE_CHECKING:
    from communitycore.domain.assessments import AssessmentResult, AssessmentRun

RESULT_COLUMNS = ("rank", "subject_id", "name", "total", "grade", "vetoed", "exempt")
RUN_COLUMNS = ("id", "scheme", "scheme_version", "period", "unit_id", "subjects", "run_revision", "ran_by", "ran_at")
APPEAL_COLUMNS = ("id", "run_id", "subject_id", "item", "state", "reason", "quantity", "decision", "result_revision")
LINE_COLUMNS = ("item", "fact", "quantity", "points", "capped", "veto")


def _num(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _explained(result: AssessmentResult, decisions: list[str]) -> Any:
    """A result's shape with its breakdown (``lines``, ``facts``) and the ``decisions`` in words."""
    return shown(result, lines=list(result.lines), facts=result.facts, decisions=decisions)


def explanation(result: AssessmentResult, rules: Mapping[str, Any]) -> list[str]:
    """The breakdown in words a subject understands: base, items, plugins' lines, vetoes, band and quota."""
    out = []
    for line in result.lines:
        label = line.get("label") or line.get("fact") or line["item"]
        if line["item"] == "base":
            out.append(_("Base: {points} points").format(points=line["points"]))
        elif line["veto"]:
            out.append(_("Veto: {fact} = {quantity}, so the total is 0 (一票否决)").format(
                fact=line["fact"], quantity=line["quantity"]))
        elif line["source"] != "scheme":
            out.append(_("{item} (from {plugin}): {points} points {note}").format(
                item=line["item"], plugin=line["source"], points=line["points"], note=line["note"]).rstrip())
        else:
            text = _("{label} [{item}]: {quantity} of {fact} × {per_unit} = {uncapped} points").format(
                label=label, item=line["item"], quantity=line["quantity"], fact=line["fact"],
                per_unit=line["per_unit"], uncapped=line["uncapped"])
            if line["capped"]:
                text += _(", limited to {points} by the item's cap or floor").format(points=line["points"])
            out.append(text)
    out.append(_("Total: {total}").format(total=_num(result.total)))
    bands = {b["grade"]: b for b in rules["bands"]}
    words = _grade_words(rules)
    if result.exempt:
        out.append(_("Takes part without a grade (exempt under this scheme)"))
    elif not result.rated:
        out.append(_("Not graded: none of the scheme's facts were recorded"))
    else:
        if result.reached is None:
            out.append(_("The total reaches no band"))
        else:
            out.append(_("The total reaches {grade} (at least {min})").format(
                grade=words.get(result.reached, result.reached), min=bands[result.reached]["min_score"]))
        for grade in result.held:
            out.append(_("The quota of {grade} ({quota} of the cohort, rounded down) was already full with "
                         "higher totals (equal totals go by the lower subject id)").format(
                grade=words.get(grade, grade), quota=bands[grade]["quota"]))
        if result.override:
            out.append(_("Final decision: {grade} ({reason})").format(grade=words.get(result.grade or "", result.grade),
                                                                        reason=result.override))
        out.append(_("Grade: {grade}; rank {rank}").format(
            grade=words.get(result.grade or "", result.grade or "-"), rank=result.rank or "-"))
    return out


def _grade_words(rules: Mapping[str, Any]) -> dict[str, str]:
    """Each grade of a run's bands in words (优秀), in the language in force."""
    from communitycore.domain.scoring import scheme_from_rules
    from communitycore.records import grade_labels

    return grade_labels(scheme_from_rules(rules).bands)


def _graded(rows: list[dict[str, Any]], rules: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Text rows of results with each grade in words (优秀), as the run's bands name it."""
    words = _grade_words(rules)
    return [{**row, "grade_label": words.get(row["grade"], row["grade"])} for row in rows]


@click.group("assess")
def assess() -> None:
    """Assessments (考核评议): points schemes over the activity ledger, runs, appeals.

    \b
    A run scores every subject of a unit's subtree for one period and is kept as it was; an
    accepted appeal or a final decision makes a new revision of it. PERIOD is 2026, 2026H1,
    2026Q1, 2026-03 …; UNIT is a unit id or its full path joined with "/".
    """


@assess.command("schemes")
@output_options
def schemes() -> None:
    """The registered scoring schemes."""
    app = state()
    emit(shown(app.community.assessments.schemes()),
         columns=("id", "name", "subject", "period", "version", "base"))


@assess.command("run")
@click.option("--scheme", required=True, metavar="CODE", type=SCORING_SCHEME,
              help=N_("The scoring scheme: its code or its name."))
@click.option("--period", required=True, metavar="PERIOD", help=N_("The period, of the scheme's cadence."))
@click.option("--unit", metavar="UNIT", help=N_("Score the subjects of this unit's subtree (default: all)."))
@output_options
def run(scheme: str, period: str, unit: str | None) -> None:
    """Score every subject of the subtree and keep the run (revision 1)."""
    api = state().community.assessments
    done = api.run(scheme, period, unit)
    results = api.results(done.id)
    _print_run(done, results)


def _print_run(done: AssessmentRun, results: list[AssessmentResult]) -> None:
    app = state()
    data = shown(done, results=shown(results))
    if app.as_json:
        emit(data)
        return
    # ``revision`` labels the schema's revision elsewhere: the text shows the run's under its own name.
    emit({**{k: v for k, v in data.items() if k != "results"}, "run_revision": done.revision}, columns=RUN_COLUMNS)
    heading(_("Results"))
    emit(_graded(shown(results), done.rules), columns=RESULT_COLUMNS)


@assess.command("list")
@click.option("--scheme", metavar="CODE", type=SCORING_SCHEME,
              help=N_("Only runs of this scheme (its code or its name)."))
@click.option("--period", metavar="PERIOD", help=N_("Only runs of this period."))
@page_options(cursor="before")
@output_options
def list_(scheme: str | None, period: str | None, limit: int, before: int | None) -> None:
    """Runs, newest first."""
    app = state()
    api = app.community.assessments
    found, more = fetch_page(lambda n: api.runs(scheme=scheme, period=period, limit=n, before=before), limit)
    rows = shown(found) if app.as_json else [shown(r, run_revision=r.revision) for r in found]
    emit(rows, columns=RUN_COLUMNS)
    more_follow(more, N_("(more assessment runs follow: the next page is --before {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@assess.command("show")
@click.argument("run_id", metavar="RUN", type=PLAIN_ID)
@click.option("--revision", type=POSITIVE, help=N_("Show this earlier revision (default: the latest)."))
@click.option("--explain", "explained", is_flag=True, help=N_("Explain every subject's score as well."))
@output_options
def show(run_id: int, revision: int | None, explained: bool) -> None:
    """One run and its results (the latest revision unless --revision)."""
    app = state()
    api = app.community.assessments
    done = api.get(run_id)
    results = api.results(run_id, revision=revision)
    if revision is not None:
        done = attrs.evolve(done, revision=revision)
    if not explained:
        _print_run(done, results)
        return
    if app.as_json:
        data = shown(done, results=[_explained(r, explanation(r, done.rules)) for r in results])
        emit(data)
        return
    _print_run(done, results)
    for result in results:
        heading(f"{result.name} ({result.subject_id})")
        for text in explanation(result, done.rules):
            click.echo(f"  {text}")


@assess.command("results")
@click.argument("run_id", metavar="RUN", type=PLAIN_ID)
@click.option("--revision", type=POSITIVE, help=N_("This revision (default: the latest)."))
@click.option("--unit", metavar="UNIT", help=N_("Only subjects of this unit's subtree, ranked among themselves."))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Also write the results to this .csv or .xlsx file."))
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Also write the results to this .xlsx file (as --out FILE.xlsx)."))
@output_options
def results_(run_id: int, revision: int | None, unit: str | None, out: Path | None, xlsx: Path | None) -> None:
    """The ranked results of a run; --out FILE writes them to .csv or .xlsx."""
    api = state().community.assessments
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise click.BadParameter(_("name a file ending in .xlsx"), param_hint="--xlsx")
    for target in (out, xlsx):
        if target is not None:
            api.export(run_id, target, revision=revision, unit=unit)
    rows = shown(api.results(run_id, revision=revision, unit=unit))
    emit(rows if state().as_json else _graded(rows, api.get(run_id).rules), columns=RESULT_COLUMNS)


@assess.command("explain")
@click.argument("subject_id", metavar="SUBJECT", type=PLAIN_ID)
@click.option("--run", "run_id", required=True, type=PLAIN_ID, help=N_("The run."))
@click.option("--revision", type=POSITIVE, help=N_("This revision (default: the latest)."))
@output_options
def explain(subject_id: int, run_id: int, revision: int | None) -> None:
    """How SUBJECT's score came about: base, each item, caps, vetoes, band and quota."""
    app = state()
    api = app.community.assessments
    result = api.explain(run_id, subject_id, revision=revision)
    words = explanation(result, api.get(run_id).rules)
    if app.as_json:
        emit(_explained(result, words))
        return
    click.echo(click.style(f"{result.name} ({result.subject_id})", bold=True))
    for text in words:
        click.echo(f"  {text}")


@assess.command("appeal")
@click.argument("run_id", metavar="RUN", type=PLAIN_ID)
@click.argument("subject_id", metavar="SUBJECT", type=PLAIN_ID)
@click.option("--item", required=True, help=N_("The item appealed (an item of `assess explain --json`)."))
@click.option("--reason", required=True, help=N_("Why the item is wrong."))
@output_options
def appeal(run_id: int, subject_id: int, item: str, reason: str) -> None:
    """Open an appeal against one item of SUBJECT's result in RUN."""
    emit(shown(state().community.assessments.appeal(run_id, subject_id, item, reason=reason)),
         columns=APPEAL_COLUMNS)


@assess.command("review")
@click.argument("appeal_id", metavar="APPEAL", type=PLAIN_ID)
@click.option("--note", help=N_("A note kept with the move."))
@output_options
def review(appeal_id: int, note: str | None) -> None:
    """Take APPEAL under review (复核)."""
    emit(shown(state().community.assessments.review(appeal_id, note=note)), columns=APPEAL_COLUMNS)


@assess.command("decide")
@click.argument("appeal_id", metavar="APPEAL", type=PLAIN_ID)
@click.option("--accept/--reject", "accept", required=True, default=None,
              help=N_("Accept (with --quantity) or reject the appeal."))
@click.option("--quantity", help=N_("The corrected quantity of the item's fact (with --accept)."))
@click.option("--reason", required=True, help=N_("The reason for the decision."))
@output_options
def decide(appeal_id: int, accept: bool, quantity: str | None, reason: str) -> None:
    """Accept APPEAL (a new revision of the run) or reject it."""
    emit(shown(state().community.assessments.decide(appeal_id, accept=accept, quantity=quantity,
                                                           reason=reason)), columns=APPEAL_COLUMNS)


@assess.command("appeals")
@click.option("--run", "run_id", type=PLAIN_ID, help=N_("Only appeals of this run."))
@click.option("--state", "state_", help=N_("Only appeals in this state (filed, under-review, upheld, rejected)."))
@page_options()
@output_options
def appeals(run_id: int | None, state_: str | None, limit: int, after: int | None) -> None:
    """Appeals, oldest first."""
    api = state().community.assessments
    found, more = fetch_page(lambda n: api.appeals(run_id=run_id, state=state_, limit=n, after=after), limit)
    emit(shown(found), columns=APPEAL_COLUMNS)
    more_follow(more, N_("(more appeals follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@assess.command("override")
@click.argument("run_id", metavar="RUN", type=PLAIN_ID)
@click.argument("subject_id", metavar="SUBJECT", type=PLAIN_ID)
@click.option("--grade", required=True, help=N_("The grade the branch decided."))
@click.option("--reason", required=True, help=N_("The reason (e.g. the branch meeting's decision)."))
@output_options
def override(run_id: int, subject_id: int, grade: str, reason: str) -> None:
    """The branch's final decision on SUBJECT's grade: a new revision of RUN."""
    api = state().community.assessments
    done = api.override(run_id, subject_id, grade, reason=reason)
    _print_run(done, api.results(run_id))
