"""``community audit``: the audit trail every change writes (who, when, what, before and after)."""

from __future__ import annotations

import click

from communitycore.cli.render import AUDIT_COLUMNS, audit_json, emit, output_options, state


@click.group("audit")
def audit() -> None:
    """The audit trail: every change, and every reveal of personal data."""


@audit.command("list")
@click.option("--entity", help="Only this kind of entity: unit, member, compound, partner, household, resident ...")
@click.option("--entity-id", help="Only this entity (with --entity).")
@click.option("--action", help="Only this action, e.g. member.reveal, unit.move.")
@click.option("--actor", help="Only this actor.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True, help="At most N (0: all).")
@output_options
def list_(entity: str | None, entity_id: str | None, action: str | None, actor: str | None, limit: int) -> None:
    """Audit entries, newest first (personal data in them is masked)."""
    entries = state().community.audit.list(entity=entity, entity_id=entity_id, action=action, actor=actor,
                                           limit=limit or None)
    emit([audit_json(e) for e in entries], columns=AUDIT_COLUMNS)
