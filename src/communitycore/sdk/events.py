"""``community.events``: the transactional outbox and delivery to ``communitycore_on_event``.

Every change writes its event into the outbox in the change's own transaction, so an event exists
exactly when its change does: a rollback (the host's too) leaves none, and a process killed
between the commit and the delivery loses none. Right after the commit the event is delivered in
the same process and marked delivered; a listener that fails leaves it pending, with the failed
attempt kept, and ``community events dispatch`` tries again after a backoff. Delivery is at least
once: consumers deduplicate by ``Event.id``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from communitycore.errors import NotFound
from communitycore.i18n import _
from communitycore.plugins.manager import PluginLoadWarning, format_exception
from communitycore.records import Event, OutboxEvent
from communitycore.sdk.base import SubAPI, check_page
from communitycore.store import outbox
from communitycore.store.sql import aware

if TYPE_CHECKING:
    from communitycore.sdk.community import Community


@attrs.frozen
class Dispatch:
    """What one dispatch did."""

    delivered: int
    failed: int



def _notify(community: Community, ev: Event) -> str | None:
    """Call every listener with one event through pluggy; the errors' text if any failed.

    A failing listener is not disabled: its event stays pending and a later dispatch retries it.
    """
    failures = community.pm.notify("communitycore_on_event", f"event {ev.action} {ev.id}, which stays pending",
                                   disable=False, event=ev)
    if not failures:
        return None
    return "\n".join(f"{name}: {format_exception(exc)}" for name, exc in failures)


def deliver(community: Community, events: Sequence[Event]) -> Dispatch:
    """Deliver committed events now and record the outcome (in a transaction of its own)."""
    if not events:
        return Dispatch(0, 0)
    delivered: list[str] = []
    failed: list[tuple[str, str]] = []
    for ev in events:
        error = _notify(community, ev)
        if error is None:
            delivered.append(ev.id)
        else:
            failed.append((ev.id, error))
    now = community.clock.now()
    try:
        with community.engine.begin() as conn:
            outbox.mark_delivered(conn, delivered, now)
            for event_id, error in failed:
                outbox.mark_failed(conn, event_id, now, error)
    except Exception as exc:  # delivered but not marked: the next dispatch sends them again (at least once)
        warnings.warn(_("could not record the delivery of {count} event(s): {error}").format(
            count=len(events), error=exc), PluginLoadWarning, stacklevel=2)
    return Dispatch(len(delivered), len(failed))


class EventsAPI(SubAPI):
    """The outbox: list events, dispatch the pending ones, retry one."""

    def list(self, *, status: str | None = None, limit: int | None = 50,
             before: int | None = None) -> list[OutboxEvent]:
        """Events newest first (``status``: ``pending`` or ``delivered``), each with its failed attempts.

        At most ``limit`` events (50; ``None``: all). ``before`` is a keyset cursor on the events'
        ``seq``: only events raised before that one, so the next (older) page is ``before=`` the
        ``seq`` of this page's last event.

        :raises InvalidValue: a limit that is not a whole number from 0 to ``MAX_ID``, or
            a ``before`` that is not a ``seq``.
        :raises PermissionDenied: the actor may not read the outbox on the whole database.
        """
        check_page(limit, before=before)
        tz = self.community.clock.tz
        with self.community.reading() as conn:
            self._authorize(conn, "events.read", None)
            rows = outbox.listing(conn, status=status, limit=limit, before=before)
        return [OutboxEvent(
            id=r["id"], seq=r["seq"], at=aware(r["at"], tz), actor=r["actor"], action=r["action"],  # type: ignore[arg-type]
            entity=r["entity"], entity_id=r["entity_id"], status=r["status"], attempts=r["attempts"],
            next_attempt_at=aware(r["next_attempt_at"], tz), delivered_at=aware(r["delivered_at"], tz),
            failures=tuple((aware(f["at"], tz), f["error"]) for f in r["failures"]),  # type: ignore[misc]
        ) for r in rows]

    def dispatch(self, *, now: bool = False, limit: int = 1_000) -> Dispatch:
        """Deliver the pending events whose backoff has passed (every pending one with ``now``), oldest first.

        :raises InvalidValue: a limit that is not a whole number from 0 to ``MAX_ID``.
        :raises PermissionDenied: the actor may not dispatch events on the whole database.
        """
        check_page(limit)
        with self.community.reading() as conn:
            self._authorize(conn, "events.dispatch", None)
            rows = outbox.due(conn, self.community.clock.now(), ignore_backoff=now, limit=limit)
        tz = self.community.clock.tz
        events = [Event(id=r["id"], action=r["action"], entity=r["entity"], entity_id=r["entity_id"],
                        actor=r["actor"], at=aware(r["at"], tz), data=r["data"] or {})  # type: ignore[arg-type]
                  for r in rows]
        return deliver(self.community, events)

    def retry(self, event_id: str) -> None:
        """Make one event due again now (a delivered one is sent once more).

        :raises NotFound: there is no such event in the outbox.
        :raises PermissionDenied: the actor may not dispatch events on the whole database.
        """
        with self.community.transaction() as tx:
            self._authorize(tx.conn, "events.dispatch", None)
            if not outbox.retry(tx.conn, str(event_id)):  # an id of another kind names no event
                raise NotFound(_("there is no event {id!r} in the outbox").format(id=event_id))
