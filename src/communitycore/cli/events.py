"""``community events``: the outbox of events, and their delivery to plugins' listeners."""

from __future__ import annotations

import click

from communitycore.cli.params import COUNT
from communitycore.cli.render import emit, output_options, shown, state
from communitycore.i18n import _

EVENT_COLUMNS = ("id", "at", "action", "entity", "entity_id", "status", "attempts", "last_error")


@click.group("events")
def events() -> None:
    """Events waiting for delivery, and delivering them (at least once)."""


@events.command("list")
@click.option("--status", type=click.Choice(["pending", "delivered"]), help="Only events in this state.")
@click.option("--limit", type=COUNT, default=50, show_default=True, help="At most N (0: all).")
@output_options
def list_(status: str | None, limit: int) -> None:
    """Events newest first, with their state and every failed attempt."""
    found = state().community.events.list(status=status, limit=limit or None)
    emit(shown(found, paths={}), columns=EVENT_COLUMNS)


@events.command("dispatch")
@click.option("--now", "ignore_backoff", is_flag=True, help="Ignore the backoff: try every pending event now.")
@output_options
def dispatch(ignore_backoff: bool) -> None:
    """Deliver the pending events whose backoff has passed."""
    result = state().community.events.dispatch(now=ignore_backoff)
    if state().as_json:
        emit({"delivered": result.delivered, "failed": result.failed})
    else:
        click.echo(_("{delivered} event(s) delivered, {failed} failed.").format(
            delivered=result.delivered, failed=result.failed))


@events.command("retry")
@click.argument("event_id")
@output_options
def retry(event_id: str) -> None:
    """Make one event due again now (a delivered one is sent once more)."""
    state().community.events.retry(event_id)
    if state().as_json:
        emit({"id": event_id, "status": "pending"})
    else:
        click.echo(_("Event {id} will be delivered at the next dispatch.").format(id=event_id))
