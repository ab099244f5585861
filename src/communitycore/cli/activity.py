"""``community activity``: the activity ledger (活动台账): import, template, values, record, add, reverse, list.

JSON shapes: a fact value is ``{"subject_kind", "subject_kind_label", "subject_id", "fact", "fact_label",
"value"}``; an entry is ``{"id", "name" (the fact), "kind": "activity", "subject_kind", "subject_id", "fact",
"occurred_on", "quantity", "unit_id", "source_kind", "source_id", "recorder", "note", "reverses", "recorded_at",
"subject_kind_label", "fact_label"}``.
Quantities and values are JSON numbers (``1.5``, ``3``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from communitycore.cli.params import FACT, PLAIN_ID, page_options, plain_id
from communitycore.cli.problems import print_rejected
from communitycore.cli.render import emit, fetch_page, more_follow, output_options, shown, state
from communitycore.i18n import N_, _

if TYPE_CHECKING:
    pass

VALUE_COLUMNS = ("subject_kind", "subject_id", "fact", "value")
ENTRY_COLUMNS = ("id", "subject_kind", "subject_id", "fact", "occurred_on", "quantity", "unit_id", "source_kind",
                 "source_id", "note", "reverses")


@click.group("activity")
def activity() -> None:
    """The activity ledger (活动台账): import, template, values, record, reverse, list.

    \b
    Entries are never changed: a correction is a reversing entry (`activity reverse ID`).
    FACT is a registered fact code; PERIOD is 2026, 2026H1, 2026Q1, 2026-03, 2026W10 or
    2026年第一季度; UNIT is a unit id or its full path joined with "/".
    """


@activity.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options
def import_(file: Path) -> None:
    """Record the entries of FILE (.csv or .xlsx): every row, or none.

    \b
    Headers: 对象类型 (member/steward/unit/partner/resident or 党员、红色管家 …), 对象编号 (the id,
    or a member's 公民身份号码), 事实, 日期, 数量 (default 1), 来源 (KIND or KIND:ID), 备注,
    所属党组织; or subject_kind, subject_id, fact, date, quantity, source, note, unit.
    `community activity template FILE` writes a ready template.
    """
    from communitycore.errors import RejectedInput

    app = state()
    try:
        count = app.community.activity.import_file(file)
    except RejectedInput as exc:
        print_rejected(Path(file), exc)
    emit({"id": str(file), "name": file.name, "kind": "import", "file": str(file), "imported": count},
         columns=("file", "imported"))


@activity.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@output_options
def template(file: Path) -> None:
    """Write an import template FILE (.csv or .xlsx) with the headers and an example row."""
    from communitycore.sdk.activity import ActivityAPI

    written = ActivityAPI.write_template(file, lang=state().lang)
    emit({"id": os.fspath(written), "name": written.name, "kind": "template", "file": os.fspath(written)},
         columns=("file",))


@activity.command("values")
@click.option("--fact", "facts", metavar="CODE[,CODE…]", required=True, multiple=True,
              help=N_("Fact codes (repeat the option or join them with commas)."))
@click.option("--period", metavar="PERIOD", required=True, help=N_("The period, e.g. 2026Q1 or 2026年第一季度."))
@click.option("--unit", metavar="UNIT", help=N_("Only entries counted for this unit and the units under it."))
@click.option("--subject-kind", help=N_("Only subjects of this kind (member, steward, unit, partner, resident)."))
@output_options
def values(facts: tuple[str, ...], period: str, unit: str | None, subject_kind: str | None) -> None:
    """The value of each fact for each subject over PERIOD (one object per subject and fact)."""
    found = state().community.activity.values(list(facts), period, unit=unit, subject_kind=subject_kind)
    emit(shown(found), columns=VALUE_COLUMNS)


@activity.command("record")
@click.argument("subject_kind")
@click.argument("subject_id", type=PLAIN_ID)
@click.argument("fact")
@click.option("--on", "on", metavar="DATE", help=N_("The day it happened (default today)."))
@click.option("--quantity", default="1", show_default=True, help=N_("How much: at most two decimal places."))
@click.option("--unit", metavar="UNIT", help=N_("The unit it counts for (default: the subject's own)."))
@click.option("--source", "source", metavar="KIND[:ID]", help=N_("Where it comes from (default manual)."))
@click.option("--note", help=N_("A note kept with the entry."))
@output_options
def record(subject_kind: str, subject_id: int, fact: str, on: str | None, quantity: str, unit: str | None,
           source: str | None, note: str | None) -> None:
    """Record one entry: SUBJECT_KIND SUBJECT_ID did QUANTITY of FACT."""
    from communitycore.domain.activity import parse_source

    kind, ident = parse_source(source)
    done = state().community.activity.record(subject_kind, subject_id, fact, on=on, quantity=quantity, unit=unit,
                                             source_kind=kind, source_id=ident, note=note)
    emit(shown(done, paths={}), columns=ENTRY_COLUMNS)


@activity.command("reverse")
@click.argument("entry_id", metavar="ID", type=PLAIN_ID)
@click.option("--note", help=N_("Why the entry is corrected (kept with the reversal)."))
@output_options
def reverse(entry_id: int, note: str | None) -> None:
    """Correct entry ID by recording its reversal (the entry itself is never changed)."""
    done = state().community.activity.reverse(entry_id, note=note)
    emit(shown(done, paths={}), columns=ENTRY_COLUMNS)


@activity.command("list")
@click.option("--subject-kind", help=N_("Only subjects of this kind."))
@click.option("--subject-id", type=PLAIN_ID, help=N_("Only this subject (with --subject-kind)."))
@click.option("--fact", type=FACT, help=N_("Only this fact (its code or its name)."))
@click.option("--period", metavar="PERIOD", help=N_("Only entries dated in this period."))
@click.option("--unit", metavar="UNIT", help=N_("Only entries counted for this unit's subtree."))
@page_options(offset=True)
@output_options
def list_(subject_kind: str | None, subject_id: int | None, fact: str | None, period: str | None,
          unit: str | None, limit: int, after: int | None, offset: int) -> None:
    """Ledger entries by id, reversals included."""
    api = state().community.activity
    entries, more = fetch_page(lambda n: api.list(subject_kind=subject_kind, subject_id=subject_id, fact=fact,
                                                  period=period, unit=unit, limit=n, after=after, offset=offset),
                               limit)
    emit(shown(entries, paths={}), columns=ENTRY_COLUMNS)
    more_follow(more, N_("(more ledger entries follow: the next page is --after {id}; --limit 0 shows all)"),
                id=entries[-1].id if entries else None)


@activity.command("add")
@click.option("--member", "member_id", type=PLAIN_ID, metavar="ID",
              help=N_("The member (short for --subject member:ID)."))
@click.option("--subject", metavar="KIND:ID", help=N_("The subject, e.g. member:12, unit:3, steward:7."))
@click.option("--fact", required=True, metavar="CODE", type=FACT,
              help=N_("The fact, by its code or its name: a commendation, a violation, a vote tally …"))
@click.option("--quantity", default="1", show_default=True, help=N_("How much: at most two decimal places."))
@click.option("--date", "on", metavar="YYYY-MM-DD", help=N_("The day it happened (default today)."))
@click.option("--note", help=N_("A note kept with the entry."))
@click.option("--evidence", metavar="TEXT",
              help=N_("Where it is documented (a notice's number …), kept as the source."))
@output_options
def add(member_id: int | None, subject: str | None, fact: str, quantity: str, on: str | None, note: str | None,
        evidence: str | None) -> None:
    """Record one manual entry for a member (--member ID) or any subject (--subject KIND:ID)."""
    from communitycore.domain.activity import MANUAL  # as `record`: the ledger's rules stay off `--help`

    if (member_id is None) == (subject is None):
        raise click.UsageError(_("give either --member ID or --subject KIND:ID"))
    kind, _sep, ident = (f"member:{member_id}" if subject is None else subject).partition(":")
    if not ident.strip():
        raise click.BadParameter(_("write the subject as KIND:ID, e.g. member:12"), param_hint="--subject")
    done = state().community.activity.record(kind.strip(), plain_id(ident, "--subject"), fact, on=on, quantity=quantity,
                                             source_kind=MANUAL, source_id=evidence, note=note)
    emit(shown(done, paths={}), columns=ENTRY_COLUMNS)
