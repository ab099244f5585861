"""``community member``: Party members, their lifecycle, import and export, transfers, 转正 and 双报到.

公民身份号码 and phone numbers are masked in every output. ``--reveal`` shows them, with a
``--reason`` (required unless the config turns that off), and each member shown that way is
recorded in the audit trail (``member.reveal``) through ``community.members.reveal``
(``reveal_many`` for a listing: one transaction).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from communitycore.cli.org import unit_paths
from communitycore.cli.params import PLAIN_ID, POSITIVE, page_options
from communitycore.cli.problems import print_rejected
from communitycore.cli.render import (
    MEMBER_COLUMNS,
    emit,
    fetch_page,
    heading,
    more_follow,
    output_options,
    progress_bar,
    shown,
    state,
)
from communitycore.errors import RejectedInput
from communitycore.i18n import N_, _
from communitycore.labels import label, word

if TYPE_CHECKING:
    from communitycore.domain.members import Member
    from communitycore.sdk.community import Community

_DETAIL_COLUMNS = ("id", "name", "unit", "gender", "ethnicity", "birth_date", "id_number", "phone", "education",
                   "join_date", "full_date", "category", "standing", "post", "employer", "in_service", "status")
#: Shown by ``member show`` only when they say something (a removal, a probation and its extension).
_LIFECYCLE_COLUMNS = ("probation_end", "probation_extension_months", "removed_on", "removal_reason", "removed_to")
_STATUS_CHOICE = click.Choice(["active", "removed", "all"])
_TRANSFER_COLUMNS = ("transferred_on", "from_unit", "to_unit", "reason")
_REGISTRATION_COLUMNS = ("reported_on", "community", "channel")


@click.group("member")
def member() -> None:
    """Party members (党员): add, update, remove, restore, import, export, list, search, show, 转正 and more.

    \b
    公民身份号码 and phone numbers are masked; --reveal --reason shows them and is audited.
    UNIT is a unit id or its full path joined with "/"; ID is a member id.
    """


def _shown(community: Community, members: list[Member], reveal: bool, reason: str | None) -> list[Member]:
    """The members to print: re-read through ``reveal_many`` (one audit entry each) when asked to unmask."""
    if not reveal:
        return members
    return community.members.reveal_many([m.id for m in members], reason)


_reveal_options = (
    click.option("--reveal", is_flag=True,
                 help=N_("Show 公民身份号码 and phone unmasked (recorded in the audit trail).")),
    click.option("--reason",
                 help=N_("Why the personal data is shown (kept in the audit entry; required with --reveal).")),
)


def _status(value: str) -> str | None:
    return None if value == "all" else value


def _sheet_options(command: Any) -> Any:
    """``--sheet``, ``--header-row`` and ``--check``: the spreadsheet habits every import takes."""
    for option in reversed((
        click.option("--sheet", metavar="NAME", help=N_("The workbook's sheet to read (default: the first).")),
        click.option("--header-row", type=POSITIVE, metavar="N",
                     help=N_("The row holding the headers (default: found, skipping title rows above it).")),
        click.option("--check", is_flag=True, help=N_("Check every row and report problems; import nothing.")),
    )):
        command = option(command)
    return command


def _with_reveal(command: Any) -> Any:
    for option in reversed(_reveal_options):
        command = option(command)
    return command


def _field_options(command: Any) -> Any:
    """The member fields as options: ``member add`` and ``member update`` take the same."""
    for option in reversed((
        click.option("--gender", help=N_("male / female (男/女); taken from the ID number if left out.")),
        click.option("--ethnicity", help=N_("民族, e.g. 汉族.")),
        click.option("--birth-date", metavar="DATE", help=N_("YYYY-MM-DD or 2023年7月1日; must agree with the ID "
                                                             "number.")),
        click.option("--id-number", help=N_("公民身份号码 (checked with GB 11643).")),
        click.option("--phone", help=N_("Mobile or landline.")),
        click.option("--education", help=N_("primary / junior-high / high-school / associate / bachelor / "
                                             "postgraduate (or 小学、初中、高中、大专、本科、研究生).")),
        click.option("--join-date", metavar="DATE", help=N_("入党日期: not in the future; 18 or older that day.")),
        click.option("--full-date", metavar="DATE", help=N_("转正日期 (full members): not before the end of "
                                                            "probation.")),
        click.option("--category", help=N_("full / probationary (正式党员/预备党员; default full).")),
        click.option("--standing", help=N_("normal / mobile / lost-contact / suspended (default normal).")),
        click.option("--post", help=N_("secretary / deputy-secretary / organization-member / publicity-member / "
                                       "discipline-member / committee-member / group-leader (or 书记、委员 ...).")),
        click.option("--employer", help=N_("工作单位.")),
    )):
        command = option(command)
    return command


@member.command("add")
@click.argument("name")
@click.option("--unit", metavar="UNIT", required=True, help=N_("The member's unit (所在党组织)."))
@_field_options
@click.option("--in-service", is_flag=True, default=None, help=N_("An in-service member (在职党员)."))
@output_options
def add(name: str, unit: str, **fields: Any) -> None:
    """Add member NAME to UNIT, with the same checks as the import."""
    community = state().community
    added = community.members.add(name, unit, **{k: v for k, v in fields.items() if v is not None})
    emit(shown(added), columns=_DETAIL_COLUMNS)


@member.command("update")
@click.argument("member_id", metavar="ID", type=PLAIN_ID)
@click.option("--name", help=N_("The corrected name."))
@_field_options
@click.option("--in-service/--not-in-service", default=None, help=N_("Whether an in-service member (在职党员)."))
# Not a field of update: taken only to say where a change of unit is made.
@click.option("--unit", "new_unit", hidden=True)
@output_options
def update(member_id: int, new_unit: str | None, **fields: Any) -> None:
    """Correct member ID's record: each option given replaces that field ("" clears it).

    \b
    The same checks as `member add`. The unit changes with `member transfer`,
    the category with `member confirm` (转正).
    """
    if new_unit is not None:
        raise click.UsageError(_("a member changes unit by a transfer (组织关系转接), which keeps the history: "
                                 "community member transfer {id} --to {unit}").format(id=member_id, unit=new_unit))
    community = state().community
    changes: dict[str, Any] = {k: (None if v == "" else v) for k, v in fields.items() if v is not None}
    if not changes:
        raise click.UsageError(_("give at least one field to change, e.g. --phone 13800138000"))
    updated = community.members.update(member_id, **changes)
    emit(shown(updated), columns=_DETAIL_COLUMNS)


@member.command("remove")
@click.argument("member_id", metavar="ID", type=PLAIN_ID)
@click.option("--reason", required=True,
              help=N_("death / expelled / membership-stopped / transferred-out / mistaken-entry "
                      "(or 死亡、出党、停止党籍、转出、错误录入)."))
@click.option("--on", "on", metavar="DATE", help=N_("The date they left (default today)."))
@click.option("--to", "to", metavar="ORGANIZATION",
              help=N_("For 转出: the receiving organization (outside this database), e.g. 某某单位党委."))
@click.option("--note", help=N_("A note for the audit trail."))
@click.option("--purge", is_flag=True, help=N_("Delete the record: only for 错误录入 (a record entered by mistake). "
                                               "The audit trail stays."))
@click.option("--yes", "-y", is_flag=True, help=N_("Do not ask before --purge."))
@output_options
def remove(member_id: int, reason: str, on: str | None, to: str | None, note: str | None, purge: bool,
           yes: bool) -> None:
    """Take member ID off the roll (党员减少): the record and its history are kept.

    \b
    The member leaves `member list` and the statistics; `member show ID` still shows them,
    with the reason, and `member restore ID` puts them back. Only a record entered by
    mistake (错误录入) may be deleted, with --purge.
    """
    app = state()
    community = app.community
    if purge and not yes:
        found = community.members.get(member_id)
        click.confirm(_("Delete the record of member {id} ({name}) for good? The audit trail keeps its entries.")
                      .format(id=member_id, name=found.name), abort=True, err=True)
    removed = community.members.remove(member_id, reason=reason, on=on, to=to, note=note, purge=purge)
    data = shown(removed)
    data["deleted"] = purge
    emit(data, columns=("id", "name", "unit", "status", *_LIFECYCLE_COLUMNS[2:], "deleted"))


@member.command("restore")
@click.argument("member_id", metavar="ID", type=PLAIN_ID)
@click.option("--note", help=N_("Why the removal is undone (kept in the audit trail)."))
@output_options
def restore(member_id: int, note: str | None) -> None:
    """Put removed member ID back on the roll (a removal made in error)."""
    community = state().community
    restored = community.members.restore(member_id, note=note)
    emit(shown(restored),
         columns=("id", "name", "unit", "status"))


@member.command("extend-probation")
@click.argument("member_id", metavar="ID", type=PLAIN_ID)
@click.option("--months", required=True, metavar="N", help=N_("6 to 12 (延长预备期: once only)."))
@click.option("--note", help=N_("The branch meeting's decision, for the audit trail."))
@output_options
def extend_probation(member_id: int, months: str, note: str | None) -> None:
    """延长预备期: extend probationary member ID's probation once, by 6 to 12 months."""
    community = state().community
    extended = community.members.extend_probation(member_id, months=months, note=note)
    emit(shown(extended),
         columns=("id", "name", "unit", "category", "join_date", "probation_extension_months", "probation_end"))


def _estimate_rows(path: Path) -> int | None:
    """Data rows in the file, cheaply (for the progress bar's length); None if unknown."""
    from communitycore.sdk.members import MembersAPI  # imports SQLAlchemy: kept off the --help path

    # Through the input limits: a FIFO is never opened, a workbook never handed to openpyxl here.
    return MembersAPI.estimate_rows(path)


@member.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_sheet_options
@output_options
def import_(file: Path, sheet: str | None, header_row: int | None, check: bool) -> None:
    """Import members from FILE (.csv or .xlsx): every row, or none.

    \b
    Chinese headers (姓名, 性别, 公民身份号码, 所在党组织, and aliases such as 入党时间,
    身份证号码, 手机号, 职务) or the English field names; `community member template FILE`
    writes a ready template. Title rows above the header are skipped; dates such as
    2023年7月1日 and full-width digits are read. If any row is bad, nothing is imported
    and every problem is listed with its row number and column.
    """
    app = state()
    community = app.community
    before = community.members.count()
    total = None if app.as_json else _estimate_rows(file)
    bar: Any = None
    if total:
        bar = progress_bar(total, word("rows_read", app.lang), update_min_steps=max(1, total // 200))

    def progress(done: int) -> None:
        if bar is not None:
            bar.update(min(done, total or done) - bar.pos)

    options: dict[str, Any] = {"sheet": sheet, "header_row": header_row, "check": check}
    try:
        if bar is not None:
            with bar:
                count = community.members.import_file(file, progress=progress, **options)
        else:
            count = community.members.import_file(file, **options)
    except RejectedInput as exc:
        print_rejected(file, exc)
    emit({"id": str(file), "name": file.name, "kind": "import", "file": str(file), "imported": 0 if check else count,
          "checked": check, "rows": count, "members": before + (0 if check else count)},
         columns=("file", "rows", "imported", "checked", "members"))


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
@click.option("--status", type=_STATUS_CHOICE, default="active", show_default=True,
              help=N_("active: on the roll; removed: those who left (党员减少); all."))
@page_options(offset=True)
@_with_reveal
@output_options
def list_(unit: str | None, direct: bool, category: str | None, status: str, limit: int, after: int | None,
          offset: int, reveal: bool, reason: str | None) -> None:
    """Members on the roll by id (--status for the removed), personal data masked unless --reveal."""
    community = state().community
    members = community.members.list(unit, recursive=not direct, category=category, status=_status(status),
                                     limit=limit or None, after=after, offset=offset)
    paths = unit_paths(community, {m.unit_id for m in members})
    rows = shown(_shown(community, members, reveal, reason), reveal=reveal, paths=paths)
    emit(rows, columns=MEMBER_COLUMNS)
    more_follow(members.next_after is not None,
                N_("(more members follow: the next page is --after {id}; --limit 0 shows all)"), id=members.next_after)


@member.command("show")
@click.argument("member_id", metavar="ID", type=PLAIN_ID)
@_with_reveal
@output_options
def show(member_id: int, reveal: bool, reason: str | None) -> None:
    """Show member ID (on the roll or removed): every field, the lifecycle, transfers (组织关系转接) and 双报到."""
    app = state()
    community = app.community
    found = community.members.reveal(member_id, reason) if reveal else community.members.get(member_id)
    paths = unit_paths(community)
    data = shown(found, reveal=reveal, paths=paths,
                 transfers=shown(community.members.transfers(member_id), paths=paths, name=found.name),
                 registrations=shown(community.members.registrations(member_id), paths=paths, name=found.name))
    extra = [c for c in _LIFECYCLE_COLUMNS if data.get(c) is not None]
    emit(data, columns=(*_DETAIL_COLUMNS, *extra))
    if not app.as_json:
        for key, columns in (("transfers", _TRANSFER_COLUMNS), ("registrations", _REGISTRATION_COLUMNS)):
            if data[key]:
                heading(label(key, app.lang))
                emit(data[key], columns=columns)


@member.command("transfer")
@click.argument("member_id", metavar="ID", type=PLAIN_ID)
@click.option("--to", "to_unit", metavar="UNIT", required=True, help="The unit the member moves to.")
@click.option("--on", "on", metavar="DATE", help="Transfer date (default today).")
@click.option("--reason", help="Why (kept with the transfer).")
@output_options
def transfer(member_id: int, to_unit: str, on: str | None, reason: str | None) -> None:
    """Transfer member ID's organizational relationship to another unit (组织关系转接); history is kept."""
    community = state().community
    done = community.members.transfer(member_id, to_unit, on=on, reason=reason)
    name = community.members.get(member_id).name
    emit(shown(done, name=name), columns=("member_id", "name", *_TRANSFER_COLUMNS))


@member.command("due-confirmation")
@click.option("--unit", metavar="UNIT", help="Only this unit's subtree.")
@page_options(cursor=None, offset=True)
@output_options
def due_confirmation(unit: str | None, limit: int, offset: int) -> None:
    """Probationary members (预备党员) whose one-year probation has ended: 转正 is due. By join date."""
    community = state().community
    found, more = fetch_page(lambda n: community.members.due_confirmation(unit, limit=n, offset=offset), limit)
    paths = unit_paths(community, {d.member.unit_id for d in found})
    rows = [shown(d.member, paths=paths, probation_ended=d.probation_ended) for d in found]
    emit(rows, columns=("id", "name", "unit", "join_date", "probation_ended"))
    more_follow(more, N_("(more members are due for 转正: the next page is --offset {offset}; --limit 0 shows all)"),
                offset=offset + limit)


@member.command("confirm")
@click.argument("member_id", metavar="ID", type=PLAIN_ID)
@click.option("--on", "on", metavar="DATE",
              help=N_("Full-member date: not before the end of probation (the default: the day it ends)."))
@output_options
def confirm(member_id: int, on: str | None) -> None:
    """转正: make probationary member ID a full member.

    The full-member date may not be before the end of probation (a year after joining,
    plus any extension); without --on it is the day probation ends, not today.
    """
    community = state().community
    confirmed = community.members.confirm(member_id, on=on)
    emit(shown(confirmed),
         columns=("id", "name", "unit", "category", "join_date", "full_date"))


@member.command("register")
@click.argument("member_id", metavar="ID", type=PLAIN_ID)
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
    emit(shown(reg, name=name),
         columns=("member_id", "name", *_REGISTRATION_COLUMNS))


@member.command("search")
@click.argument("text")
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree."))
@click.option("--status", type=_STATUS_CHOICE, default="active", show_default=True,
              help=N_("active, removed or all."))
@page_options(limit=50)
@output_options
def search(text: str, unit: str | None, status: str, limit: int, after: int | None) -> None:
    """Members whose name contains TEXT, or whose ID number or phone is TEXT (or ends with its 4 characters), by id.

    \b
    The output is masked, as every listing.
    """
    community = state().community
    found, more = fetch_page(lambda n: community.members.search(text, unit=unit, status=_status(status), limit=n,
                                                                after=after), limit)
    paths = unit_paths(community, {m.unit_id for m in found})
    emit(shown(found, paths=paths), columns=MEMBER_COLUMNS)
    more_follow(more, N_("(more members match: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@member.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree (default: everyone)."))
@click.option("--status", type=_STATUS_CHOICE, default="active", show_default=True,
              help=N_("active, removed or all."))
@_with_reveal
@output_options
def export(file: Path, unit: str | None, status: str, reveal: bool, reason: str | None) -> None:
    """Write a roster (花名册) to FILE (.xlsx or .csv), with the import template's Chinese headers.

    \b
    公民身份号码 and phone numbers are masked unless --reveal (with --reason); the export is audited.
    The file imports again with `member import`.
    """
    community = state().community
    count = community.members.export(file, unit=unit, reveal=reveal, reason=reason, status=_status(status))
    emit({"id": os.fspath(file), "name": file.name, "kind": "roster", "file": os.fspath(file), "rows": count,
          "revealed": reveal}, columns=("file", "rows", "revealed"))
