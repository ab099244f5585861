"""``community grant`` and ``community whoami``: roles held by actors on units' subtrees."""

from __future__ import annotations

import click

from communitycore.cli.params import ROLE, page_options
from communitycore.cli.render import emit, fetch_page, more_follow, output_options, shown, state
from communitycore.i18n import N_, _

GRANT_COLUMNS = ["id", "actor", "role", "unit", "subject", "granted_at", "granted_by"]


@click.group("grant")
def grant() -> None:
    """Roles held by actors on units: each grant covers the unit's subtree.

    \b
    Roles: admin (管理员), secretary (书记), organizer (组织委员), service-coordinator
    (服务协调员), steward (红色管家/志愿者), auditor (审计员), viewer (查看者), and those
    plugins and packs add. Without --unit, a grant covers the whole database.
    """


@grant.command("add")
@click.argument("actor")
@click.argument("role", type=ROLE)
@click.option("--unit", help="The unit (id or full path) whose subtree the grant covers (default: the whole database).")
@click.option("--as", "subject", metavar="KIND:ID",
              help="Who ACTOR is: steward:ENTRY or member:ID; a steward's role then reaches their own requests.")
@output_options
def add(actor: str, role: str, unit: str | None, subject: str | None) -> None:
    """Give ACTOR the ROLE on a unit's subtree; audited."""
    emit(shown(state().community.grants.add(actor, role, unit, subject=subject)), columns=GRANT_COLUMNS)


@grant.command("remove")
@click.argument("actor")
@click.argument("role", type=ROLE)
@click.option("--unit", help="The unit (id or full path) of the grant (default: the whole database).")
@output_options
def remove(actor: str, role: str, unit: str | None) -> None:
    """Take back ACTOR's ROLE on exactly that unit; audited."""
    emit(shown(state().community.grants.remove(actor, role, unit)), columns=GRANT_COLUMNS)


@grant.command("list")
@click.option("--actor", help="Only this actor's grants.")
@click.option("--unit", help="Only the grants on this unit's subtree (id or full path).")
@page_options()
@output_options
def list_(actor: str | None, unit: str | None, limit: int, after: int | None) -> None:
    """Grants, oldest first."""
    api = state().community.grants
    found, more = fetch_page(lambda n: api.list(actor=actor, unit=unit, limit=n, after=after), limit)
    emit(shown(found), columns=GRANT_COLUMNS)
    more_follow(more, N_("(more grants follow: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].id if found else None)


@click.command("whoami")
@output_options
def whoami() -> None:
    """The actor this command acts as (COMMUNITYCORE_ACTOR, else the operating-system user) and its grants."""
    community = state().community
    grants = community.grants.mine()
    if state().as_json:
        emit({"actor": community.actor, "grants": shown(grants)})
        return
    click.echo(_("acting as {actor}").format(actor=community.actor))
    if grants:
        emit(shown(grants), columns=GRANT_COLUMNS[1:])
    else:
        click.echo(_("no grants: every call is refused; an administrator gives one with "
                     "`community grant add {actor} ROLE --unit UNIT`").format(actor=community.actor))
