"""``community events``: the outbox of events, and their delivery to plugins' listeners."""

from __future__ import annotations

import click

from communitycore.cli.params import PLAIN_ID, page_options
from communitycore.cli.render import emit, fetch_page, more_follow, output_options, shown, state
from communitycore.i18n import N_, _

EVENT_COLUMNS = ("id", "at", "action", "entity", "entity_id", "status", "attempts", "last_error")


@click.group("events")
def events() -> None:
    """Events waiting for delivery, and delivering them (at least once)."""


@events.command("list")
@click.option("--status", type=click.Choice(["pending", "delivered"]), help="Only events in this state.")
@page_options(limit=50, cursor=None)
@click.option("--before", type=PLAIN_ID, metavar="SEQ",
              help="Only events raised before event number SEQ: the next (older) page starts before the last one "
                   "shown.")
@output_options
def list_(status: str | None, limit: int, before: int | None) -> None:
    """Events newest first, with their state and every failed attempt."""
    api = state().community.events
    found, more = fetch_page(lambda n: api.list(status=status, limit=n, before=before), limit)
    emit(shown(found, paths={}), columns=EVENT_COLUMNS)
    more_follow(more, N_("(more events follow: the next page is --before {seq}; --limit 0 shows all)"),
                seq=found[-1].seq if found else None)


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
