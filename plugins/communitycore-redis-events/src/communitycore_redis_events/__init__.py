"""Publish communitycore events to a Redis stream (``XADD``), one entry per event, at least once.

A failure to publish raises, so the event stays pending in communitycore's outbox and a later
``community events dispatch`` publishes it; consumers deduplicate by the ``event_id`` field.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from communitycore import hookimpl
from communitycore.config import load_config
from communitycore.i18n import _, add_catalog
from communitycore.records import Event

#: The plugin's messages in Chinese: ``locale/zh_CN/LC_MESSAGES/communitycore_redis_events.mo``.
add_catalog("communitycore_redis_events", Path(__file__).with_name("locale"))

DEFAULT_URL = "redis://127.0.0.1:6379/0"
DEFAULT_STREAM = "communitycore:events"
#: Entries kept in the stream (approximately): old ones are trimmed as new ones arrive.
MAX_LENGTH = 100_000


def redis_url() -> str:
    """``COMMUNITYCORE_REDIS_URL``, else the config file's ``redis_url``, else the local server."""
    return os.environ.get("COMMUNITYCORE_REDIS_URL") or load_config().redis_url or DEFAULT_URL


def stream_name() -> str:
    """``COMMUNITYCORE_REDIS_STREAM``, else ``communitycore:events``."""
    return os.environ.get("COMMUNITYCORE_REDIS_STREAM") or DEFAULT_STREAM


@cache
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)


def fields_of(event: Event) -> dict[str, str]:
    """The stream entry's fields for one event."""
    return {
        "event_id": event.id,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id or "",
        "actor": event.actor,
        "at": event.at.isoformat(),
        "data": json.dumps(event.data, ensure_ascii=False, default=str),
    }


class PublishError(Exception):
    """An event could not be published: it stays pending in the outbox, for a later dispatch."""


@hookimpl
def communitycore_on_event(event: Event) -> None:
    """Publish one committed event to the stream; a failure raises :class:`PublishError`, naming the event."""
    import redis

    stream = stream_name()
    try:
        _client(redis_url()).xadd(stream, fields_of(event), maxlen=MAX_LENGTH, approximate=True)
    except redis.RedisError as exc:
        raise PublishError(_(
            "the event {action} ({event}) was not published to the Redis stream {stream}; it stays pending "
            "and `community events dispatch` publishes it later: {error}"
        ).format(action=event.action, event=event.id, stream=stream, error=exc)) from exc
