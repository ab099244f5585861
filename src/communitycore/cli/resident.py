"""``community resident``: residents (居民) and their households, with flags such as 独居老人 or 残疾.

Phone numbers are masked in every output; ``resident show --reveal --reason`` shows them and is
audited. Flags are filtered in the database (``resident list --flag 独居老人``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from communitycore.cli.params import PLAIN_ID, POSITIVE, page_options
from communitycore.cli.problems import print_rejected
from communitycore.cli.render import emit, fetch_page, more_follow, output_options, shown, state
from communitycore.errors import RejectedInput
from communitycore.i18n import N_, _

if TYPE_CHECKING:
    pass

RESIDENT_COLUMNS = ("id", "name", "phone", "household_id", "flags")
HOUSEHOLD_COLUMNS = ("id", "compound_id", "building", "room", "address")
_FLAG_HELP = N_("A flag: living-alone-elderly / disabled / hardship / left-behind-child / veteran "
                "(or 独居老人、残疾、困难家庭、留守儿童、退役军人); repeatable.")


@click.group("resident")
def resident() -> None:
    """Residents (居民) and households: add, import, list, show, update, remove, households.

    \b
    Flags (独居老人, 残疾, 困难家庭 ...) mark the people services look after first;
    phone numbers are masked unless --reveal --reason.
    """


def _address_options(command: Any) -> Any:
    for option in reversed((
        click.option("--household", type=PLAIN_ID, help=N_("The household's id.")),
        click.option("--compound", type=PLAIN_ID, help=N_("The compound (小区) id, for a household found or added "
                                                          "by address.")),
        click.option("--building", help=N_("楼栋, e.g. 3栋.")),
        click.option("--room", help=N_("房号, e.g. 201.")),
        click.option("--address", help=N_("A free address, e.g. 幸福路12号平房.")),
    )):
        command = option(command)
    return command


@resident.command("add")
@click.argument("name")
@click.option("--phone", help=N_("Mobile or landline."))
@click.option("--flag", "flags", multiple=True, help=_FLAG_HELP)
@_address_options
@output_options
def add(name: str, phone: str | None, flags: tuple[str, ...], household: int | None, compound: int | None,
        building: str | None, room: str | None, address: str | None) -> None:
    """Add resident NAME, in a household given by id or found (or added) by address."""
    community = state().community
    added = community.residents.add(name, household_id=household, phone=phone, flags=flags, compound_id=compound,
                                    building=building, room=room, address=address)
    emit(shown(added, paths={}), columns=RESIDENT_COLUMNS)


@resident.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sheet", metavar="NAME", help=N_("The workbook's sheet to read (default: the first)."))
@click.option("--header-row", type=POSITIVE, metavar="N",
              help=N_("The row holding the headers (default: found, skipping title rows above it)."))
@click.option("--check", is_flag=True, help=N_("Check every row and report problems; import nothing."))
@output_options
def import_(file: Path, sheet: str | None, header_row: int | None, check: bool) -> None:
    """Import residents from FILE (.csv or .xlsx): every row, or none.

    \b
    Headers: 姓名 (required), 联系电话, 小区 (id or name), 楼栋, 房号, 地址, 标签
    (e.g. 独居老人、残疾), or one column per flag (独居老人, 残疾 ...) holding 是/否.
    Rows at the same address share a household.
    """
    community = state().community
    try:
        count = community.residents.import_file(file, sheet=sheet, header_row=header_row, check=check)
    except RejectedInput as exc:
        print_rejected(file, exc)
    emit({"id": str(file), "name": file.name, "kind": "import", "file": str(file), "rows": count,
          "imported": 0 if check else count, "checked": check}, columns=("file", "rows", "imported", "checked"))


@resident.command("list")
@click.option("--flag", "flags", multiple=True, help=N_("Only residents with this flag (repeatable: all of them)."))
@click.option("--compound", type=PLAIN_ID, help=N_("Only residents of this compound (小区) id."))
@click.option("--household", type=PLAIN_ID, help=N_("Only residents of this household id."))
@page_options(offset=True)
@output_options
def list_(flags: tuple[str, ...], compound: int | None, household: int | None, limit: int, after: int | None,
          offset: int) -> None:
    """Residents by id, phones masked; filtered by flag, compound or household."""
    api = state().community.residents
    found, more = fetch_page(lambda n: api.list(flags=flags, compound_id=compound, household_id=household, limit=n,
                                                after=after, offset=offset), limit)
    emit(shown(found, paths={}), columns=RESIDENT_COLUMNS)
    more_follow(more, N_("(more residents follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@resident.command("show")
@click.argument("resident_id", metavar="ID", type=PLAIN_ID)
@click.option("--reveal", is_flag=True, help=N_("Show the phone unmasked (recorded in the audit trail)."))
@click.option("--reason", help=N_("Why the phone is shown (kept in the audit entry; required with --reveal)."))
@output_options
def show(resident_id: int, reveal: bool, reason: str | None) -> None:
    """Show resident ID with their household."""
    community = state().community
    found = community.residents.reveal(resident_id, reason) if reveal else community.residents.get(resident_id)
    data = shown(found, reveal=reveal, paths={})
    home = None if found.household_id is None else community.residents.household(found.household_id)
    data["household"] = None if home is None else shown(home, paths={})
    emit(data, columns=RESIDENT_COLUMNS)
    if home is not None and not state().as_json:
        click.echo()
        emit(data["household"], columns=HOUSEHOLD_COLUMNS)


@resident.command("update")
@click.argument("resident_id", metavar="ID", type=PLAIN_ID)
@click.option("--name", help=N_("The corrected name."))
@click.option("--phone", help=N_('The phone ("" clears it).'))
@click.option("--flag", "flags", multiple=True, help=N_("The resident's flags, all of them (repeatable)."))
@click.option("--no-flags", is_flag=True, help=N_("Clear every flag."))
@click.option("--no-household", is_flag=True, help=N_("Take the resident out of their household."))
@_address_options
@output_options
def update(resident_id: int, name: str | None, phone: str | None, flags: tuple[str, ...], no_flags: bool,
           no_household: bool, household: int | None, compound: int | None, building: str | None, room: str | None,
           address: str | None) -> None:
    """Correct resident ID: each option given replaces that field."""
    community = state().community
    if flags and no_flags:
        raise click.UsageError(_("give --flag or --no-flags, not both"))
    changes: dict[str, Any] = {}  # only what was given: the rest stays UNCHANGED
    if name is not None:
        changes["name"] = name
    if phone is not None:
        changes["phone"] = phone or None
    if flags or no_flags:
        changes["flags"] = flags
    if no_household:
        changes["household_id"] = None
    elif household is not None:
        changes["household_id"] = household
    place: dict[str, Any] = {"compound_id": compound, "building": building, "room": room, "address": address}
    if not changes and all(v is None for v in place.values()):
        raise click.UsageError(_("give at least one field to change, e.g. --phone 13800138000"))
    updated = community.residents.update(resident_id, **changes, **place)
    emit(shown(updated, paths={}), columns=RESIDENT_COLUMNS)


@resident.command("remove")
@click.argument("resident_id", metavar="ID", type=PLAIN_ID)
@click.option("--note", help=N_("Why (moved away, died …), kept in the audit trail."))
@click.option("--yes", "-y", is_flag=True, help=N_("Do not ask for confirmation."))
@output_options
def remove(resident_id: int, note: str | None, yes: bool) -> None:
    """Remove resident ID (the audit trail keeps what the record held)."""
    community = state().community
    found = community.residents.get(resident_id)
    if not yes:
        click.confirm(_("Remove resident {id} ({name})?").format(id=resident_id, name=found.name), abort=True,
                      err=True)
    removed = community.residents.remove(resident_id, note=note)
    emit(shown(removed, paths={}), columns=RESIDENT_COLUMNS)


@resident.command("households")
@click.option("--compound", type=PLAIN_ID, help=N_("Only households of this compound (小区) id."))
@page_options()
@output_options
def households(compound: int | None, limit: int, after: int | None) -> None:
    """Households (住户), by id."""
    api = state().community.residents
    found, more = fetch_page(lambda n: api.households(compound, limit=n, after=after), limit)
    emit(shown(found, paths={}), columns=HOUSEHOLD_COLUMNS)
    more_follow(more, N_("(more households follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)
