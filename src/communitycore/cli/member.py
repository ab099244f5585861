"""``community member``: Party members, their import, transfers, 转正 and 双报到.

公民身份号码 and phone numbers are masked in every output. ``--reveal`` shows them, and each
member shown that way is recorded in the audit trail (``member.reveal``) through
``community.members.reveal`` (``reveal_many`` for a listing: one transaction).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from communitycore.cli.org import unit_paths
from communitycore.cli.render import (
    MEMBER_COLUMNS,
    emit,
    heading,
    member_json,
    output_options,
    registration_json,
    state,
    transfer_json,
)
from communitycore.cli.terminal import terminal_text
from communitycore.labels import label, word

if TYPE_CHECKING:
    from communitycore.domain.members import Member
    from communitycore.errors import Problem
    from communitycore.sdk.community import Community

_DETAIL_COLUMNS = ("id", "name", "unit", "gender", "ethnicity", "birth_date", "id_number", "phone", "education",
                   "join_date", "full_date", "category", "standing", "post", "employer", "in_service")
_TRANSFER_COLUMNS = ("transferred_on", "from_unit", "to_unit", "reason")
_REGISTRATION_COLUMNS = ("reported_on", "community", "channel")


@click.group("member")
def member() -> None:
    """Party members (党员): add, import, template, list, show, transfer, due-confirmation, confirm, register.

    \b
    公民身份号码 and phone numbers are masked; --reveal shows them and is audited.
    UNIT is a unit id or its full path joined with "/".
    """


def _shown(community: Community, members: list[Member], reveal: bool, reason: str | None) -> list[Member]:
    """The members to print: re-read through ``reveal_many`` (one audit entry each) when asked to unmask."""
    if not reveal:
        return members
    return community.members.reveal_many([m.id for m in members], reason)


_reveal_options = (
    click.option("--reveal", is_flag=True, help="Show 公民身份号码 and phone unmasked (recorded in the audit trail)."),
    click.option("--reason", help="Why the personal data is shown (kept in the audit entry)."),
)


def _with_reveal(command: Any) -> Any:
    for option in reversed(_reveal_options):
        command = option(command)
    return command


@member.command("add")
@click.argument("name")
@click.option("--unit", metavar="UNIT", required=True, help="The member's unit (所在党组织).")
@click.option("--gender", help="male / female (男/女); taken from the ID number if left out.")
@click.option("--ethnicity", help="民族, e.g. 汉族.")
@click.option("--birth-date", metavar="DATE", help="YYYY-MM-DD; must agree with the ID number.")
@click.option("--id-number", help="公民身份号码 (checked with GB 11643).")
@click.option("--phone", help="Mobile or landline.")
@click.option("--education", help="primary / junior-high / high-school / associate / bachelor / postgraduate "
                                  "(or 小学、初中、高中、大专、本科、研究生).")
@click.option("--join-date", metavar="DATE", help="入党日期.")
@click.option("--full-date", metavar="DATE", help="转正日期 (full members).")
@click.option("--category", help="full / probationary (正式党员/预备党员; default full).")
@click.option("--standing", help="normal / mobile / lost-contact / suspended (default normal).")
@click.option("--post", help="secretary / deputy-secretary / organization-member / publicity-member / "
                             "discipline-member / committee-member / group-leader (or 书记、委员 ...).")
@click.option("--employer", help="工作单位.")
@click.option("--in-service", is_flag=True, default=None, help="An in-service member (在职党员).")
@output_options
def add(name: str, unit: str, **fields: Any) -> None:
    """Add member NAME to UNIT."""
    community = state().community
    added = community.members.add(name, unit, **{k: v for k, v in fields.items() if v is not None})
    emit(member_json(added, unit_path=community.org.path_of(added.unit_id)), columns=_DETAIL_COLUMNS)


def _estimate_rows(path: Path) -> int | None:
    """Data rows in the file, cheaply (for the progress bar's length); None if unknown."""
    from communitycore.sdk.members import MembersAPI  # imports SQLAlchemy: kept off the --help path

    # Through the input limits: a FIFO is never opened, a workbook never handed to openpyxl here.
    return MembersAPI.estimate_rows(path)


def _problem_line(problem: Problem, lang: str) -> str:
    if problem.row is None:
        return f"{problem.field}: {problem.message}"
    if lang == "zh":
        return f"第 {problem.row} 行，{problem.field}：{problem.message}"
    return f"row {problem.row}, column {problem.field}: {problem.message}"


@member.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options
def import_(file: Path) -> None:
    """Import members from FILE (.csv or .xlsx): every row, or none.

    \b
    Chinese headers (姓名, 性别, 公民身份号码, 所在党组织 ...) or the English field names;
    `community member template FILE` writes a ready template. If any row is bad, nothing is
    imported and every problem is listed with its row number and column.
    """
    from communitycore.errors import RejectedInput

    app = state()
    community = app.community
    before = community.members.count()
    total = None if app.as_json else _estimate_rows(file)
    bar: Any = None
    if total:
        bar = click.progressbar(length=total, label=word("rows_read", app.lang), file=sys.stderr,
                                show_pos=True, update_min_steps=max(1, total // 200))

    def progress(done: int) -> None:
        if bar is not None:
            bar.update(min(done, total or done) - bar.pos)

    try:
        if bar is not None:
            with bar:
                count = community.members.import_file(file, progress=progress)
        else:
            count = community.members.import_file(file)
    except RejectedInput as exc:
        if app.as_json:
            emit({"id": str(file), "name": file.name, "kind": "import", "file": str(file), "imported": 0,
                  "problems": [{"row": p.row, "column": p.field, "message": p.message} for p in exc.problems]})
        else:
            for problem in exc.problems:
                click.echo(terminal_text(_problem_line(problem, app.lang)), err=True)
        summary = (f"{file.name}：{len(exc.problems)} 个问题，未导入任何数据" if app.lang == "zh"
                   else f"{file.name}: {len(exc.problems)} problem(s), nothing was imported")
        if app.as_json:
            click.echo(f"Error: {summary}", err=True)
            raise click.exceptions.Exit(1) from exc
        raise click.ClickException(summary) from exc
    emit({"id": str(file), "name": file.name, "kind": "import", "file": str(file), "imported": count,
          "members": before + count}, columns=("file", "imported", "members"))


@member.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@output_options
def template(file: Path) -> None:
    """Write an import template FILE (.csv or .xlsx) with the headers and an example row."""
    from communitycore.sdk.members import MembersAPI

    app = state()
    written = MembersAPI.write_template(file, lang=app.lang)
    emit({"id": os.fspath(written), "name": written.name, "kind": "template", "file": os.fspath(written)},
         columns=("file",))


@member.command("list")
@click.option("--unit", metavar="UNIT", help="Only members of this unit and the units under it.")
@click.option("--direct", is_flag=True, help="With --unit: only the unit's own members, not its subtree.")
@click.option("--category", help="full / probationary (正式/预备).")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True, help="At most N (0: all).")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip the first N.")
@_with_reveal
@output_options
def list_(unit: str | None, direct: bool, category: str | None, limit: int, offset: int, reveal: bool,
          reason: str | None) -> None:
    """Members by id, with personal data masked unless --reveal."""
    app = state()
    community = app.community
    members = community.members.list(unit, recursive=not direct, category=category, limit=limit or None,
                                     offset=offset)
    paths = unit_paths(community)
    rows = [member_json(m, reveal, unit_path=paths.get(m.unit_id))
            for m in _shown(community, members, reveal, reason)]
    emit(rows, columns=MEMBER_COLUMNS)
    if not app.as_json and limit and len(members) == limit:
        total = community.members.count(unit, recursive=not direct) if category is None else None
        more = f" / {total}" if total is not None else ""
        click.echo(f"（显示第 {offset + 1}-{offset + limit} 名{more}；--limit 0 显示全部）" if app.lang == "zh"
                   else f"(showing {offset + 1}-{offset + limit}{more}; --limit 0 shows all)", err=True)


@member.command("show")
@click.argument("member_id", metavar="ID", type=int)
@_with_reveal
@output_options
def show(member_id: int, reveal: bool, reason: str | None) -> None:
    """Show member ID: every field, transfer history (组织关系转接) and 双报到 records."""
    app = state()
    community = app.community
    found = community.members.reveal(member_id, reason) if reveal else community.members.get(member_id)
    paths = unit_paths(community)
    data = member_json(found, reveal, unit_path=paths.get(found.unit_id))
    data["transfers"] = [transfer_json(t, paths, found.name) for t in community.members.transfers(member_id)]
    data["registrations"] = [registration_json(r, paths, found.name)
                             for r in community.members.registrations(member_id)]
    emit(data, columns=_DETAIL_COLUMNS)
    if not app.as_json:
        for key, columns in (("transfers", _TRANSFER_COLUMNS), ("registrations", _REGISTRATION_COLUMNS)):
            if data[key]:
                heading(label(key, app.lang))
                emit(data[key], columns=columns)


@member.command("transfer")
@click.argument("member_id", metavar="ID", type=int)
@click.option("--to", "to_unit", metavar="UNIT", required=True, help="The unit the member moves to.")
@click.option("--on", "on", metavar="DATE", help="Transfer date (default today).")
@click.option("--reason", help="Why (kept with the transfer).")
@output_options
def transfer(member_id: int, to_unit: str, on: str | None, reason: str | None) -> None:
    """Transfer member ID's organizational relationship to another unit (组织关系转接); history is kept."""
    community = state().community
    done = community.members.transfer(member_id, to_unit, on=on, reason=reason)
    name = community.members.get(member_id).name
    emit(transfer_json(done, unit_paths(community), name), columns=("member_id", "name", *_TRANSFER_COLUMNS))


@member.command("due-confirmation")
@click.option("--unit", metavar="UNIT", help="Only this unit's subtree.")
@output_options
def due_confirmation(unit: str | None) -> None:
    """Probationary members (预备党员) whose one-year probation has ended: 转正 is due."""
    community = state().community
    paths = unit_paths(community)
    rows = [{**member_json(d.member, unit_path=paths.get(d.member.unit_id)), "probation_ended": d.probation_ended}
            for d in community.members.due_confirmation(unit)]
    emit(rows, columns=("id", "name", "unit", "join_date", "probation_ended"))


@member.command("confirm")
@click.argument("member_id", metavar="ID", type=int)
@click.option("--on", "on", metavar="DATE", help="Full-member date (default today).")
@output_options
def confirm(member_id: int, on: str | None) -> None:
    """转正: make probationary member ID a full member."""
    community = state().community
    confirmed = community.members.confirm(member_id, on=on)
    emit(member_json(confirmed, unit_path=community.org.path_of(confirmed.unit_id)),
         columns=("id", "name", "unit", "category", "join_date", "full_date"))


@member.command("register")
@click.argument("member_id", metavar="ID", type=int)
@click.option("--community", "community_unit", metavar="UNIT", required=True,
              help="The residential community the member reports to.")
@click.option("--on", "on", metavar="DATE", help="Date reported (default today).")
@click.option("--channel", help="How they reported (e.g. 线上, 现场).")
@output_options
def register(member_id: int, community_unit: str, on: str | None, channel: str | None) -> None:
    """双报到: in-service member ID reports to the community where they live."""
    community = state().community
    reg = community.members.register_community(member_id, community_unit, on=on, channel=channel)
    name = community.members.get(member_id).name
    emit(registration_json(reg, unit_paths(community), name),
         columns=("member_id", "name", *_REGISTRATION_COLUMNS))
