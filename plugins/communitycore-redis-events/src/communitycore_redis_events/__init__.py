"""Publish communitycore events to a Redis stream (``XADD``), one entry per event, at least once.

A failure to publish raises, so the event stays pending in communitycore's outbox and a later
``community events dispatch`` publishes it; consumers deduplicate by the ``event_id`` field.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from communitycore import hookimpl
from communitycore.config import load_config
from communitycore.records import Event

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


@hookimpl
def communitycore_on_event(event: Event) -> None:
    """Publish one committed event to the stream."""
    _client(redis_url()).xadd(stream_name(), fields_of(event), maxlen=MAX_LENGTH, approximate=True)
