"""Database-level operations for hosts and the CLI: engines, schema status and upgrades, backups.

These work on a database whether or not its schema is current, which is why they take an engine
rather than a :class:`~communitycore.sdk.community.Community` (opening one refuses an outdated
schema). A backup of a current database goes through the community so that it is audited.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine

from communitycore.config import database_url, load_config
from communitycore.io.backup import backup
from communitycore.store.engine import make_engine
from communitycore.store.migrate import SchemaStatus, status, upgrade

__all__ = ["SchemaStatus", "backup", "bind_of", "engine_for", "make_engine", "status", "upgrade"]


@contextlib.contextmanager
def engine_for(url: str | None = None, config_path: str | os.PathLike[str] | Path | None = None) -> Iterator[Engine]:
    """An engine for ``url`` (default: ``COMMUNITYCORE_DB``, the config's ``db``, ./community.db), disposed after."""
    engine = make_engine(database_url(url, load_config(config_path)))
    try:
        yield engine
    finally:
        engine.dispose()


def bind_of(bind: Engine | Connection) -> Engine:
    """The engine behind an engine or a connection."""
    return bind if isinstance(bind, Engine) else bind.engine
