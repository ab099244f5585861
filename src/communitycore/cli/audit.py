"""``community audit``: the audit trail every change writes (who, when, what, before and after)."""

from __future__ import annotations

import click

from communitycore.capabilities import audit_words
from communitycore.cli.params import page_options
from communitycore.cli.render import AUDIT_COLUMNS, emit, fetch_page, more_follow, output_options, shown, state
from communitycore.domain.codes import code_named
from communitycore.i18n import N_, _


@click.group("audit")
def audit() -> None:
    """The audit trail: every change, and every reveal of personal data."""


@audit.command("list")
@click.option("--entity", help="Only this kind of entity: unit, member, compound, partner, household, resident ... "
                               "(or its words: 党员).")
@click.option("--entity-id", help="Only this entity (with --entity).")
@click.option("--action", help="Only this action, e.g. member.reveal, unit.move (or its words: 查看个人信息).")
@click.option("--actor", help="Only this actor.")
@page_options(limit=50, cursor="before")
@output_options
def list_(entity: str | None, entity_id: str | None, action: str | None, actor: str | None, limit: int,
          before: int | None) -> None:
    """Audit entries, newest first (personal data in them is masked)."""
    community = state().community
    api = community.audit
    words = audit_words(community.capabilities)
    # Given as the listing shows them (新增党员, member added) or as codes.
    entity, action = (None if t is None else code_named(t, words) for t in (entity, action))
    entries, more = fetch_page(lambda n: api.list(entity=entity, entity_id=entity_id, action=action, actor=actor,
                                                  limit=n, before=before), limit)
    emit(shown(entries, paths={}), columns=AUDIT_COLUMNS)
    more_follow(more, N_("(more audit entries follow: the next page is --before {id}; --limit 0 shows all)"),
                id=entries[-1].id if entries else None)


#: What ``audit verify`` says of each kind of break in the chain.
_BROKEN = {
    "changed": N_("The audit trail does not hold: entry {id} was changed after it was written."),
    "removed": N_("The audit trail does not hold: entries were removed before entry {id}."),
    "inserted": N_("The audit trail does not hold: entry {id} was inserted or put in place of another."),
}


@audit.command("verify")
@output_options
def verify() -> None:
    """Check the hash chain of the audit trail; name the first entry changed, removed or inserted.

    Exits with status 1 when the chain does not hold.
    """
    result = state().community.audit.verify()
    problem = result.problem
    data = {"ok": result.ok, "entries": result.entries, "head_id": result.head.entry_id, "head_hash": result.head.hash,
            "problem": None if problem is None else {"entry_id": problem.entry_id, "kind": problem.kind,
                                                      "detail": problem.detail}}
    if state().as_json:
        emit(data)
    elif problem is None:
        click.echo(_("The audit trail holds: {n} entries, head {id} {hash}.").format(
            n=result.entries, id=result.head.entry_id, hash=result.head.hash))
    else:
        click.echo(_(_BROKEN[problem.kind]).format(id=problem.entry_id), err=True)
    if problem is not None:
        click.get_current_context().exit(1)


@audit.command("anchor")
@output_options
def anchor() -> None:
    """Print the chain's head (entry id and hash) to keep outside the database.

    A later `community audit verify` and a comparison with the kept anchor show that nothing
    before it was changed and nothing was cut off its end.
    """
    head = state().community.audit.anchor()
    if state().as_json:
        emit({"entry_id": head.entry_id, "hash": head.hash})
    else:
        click.echo(f"{head.entry_id} {head.hash}")
