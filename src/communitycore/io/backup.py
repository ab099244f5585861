"""Consistent backups of a database that is in use (``community db backup FILE``).

* **SQLite**: a page-by-page copy through SQLite's online backup API
  (:meth:`sqlite3.Connection.backup`), taken in one step from a connection of its own, so it holds
  exactly the last committed state even while other connections write (WAL lets them go on). The
  copy is an ordinary database file: open it with :func:`communitycore.open`.
* **PostgreSQL and MySQL/MariaDB**: a JSON snapshot of the community written by
  :func:`communitycore.io.exchange.export_community` inside one REPEATABLE READ transaction; restore it
  with ``community import FILE`` (or :func:`~communitycore.io.exchange.import_community`) into an
  empty database. It covers the community's data, not the audit trail or the server: full server
  backups are the job of ``pg_dump`` / ``mysqldump`` (or the platform's own snapshots).

Either way the copy is written under a temporary name beside the target, readable by its owner
only, and renamed when complete; a failure, SIGTERM or SIGINT removes it
(``communitycore.io.files.staged_file``).
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from communitycore.errors import Conflict, InvalidValue
from communitycore.i18n import _
from communitycore.io.files import check_target, staged_file

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from communitycore.sdk.community import Community

__all__ = ["backup"]


def backup(community_or_engine: Community | Engine | Connection, target_path: str | os.PathLike[str], *,
           overwrite: bool = False) -> Path:
    """Write a consistent copy of the database to ``target_path`` while it stays in use.

    SQLite gives a database file; PostgreSQL and MySQL give a JSON snapshot (see the module
    docs). With a :class:`~communitycore.Community`, either is audited (``community.backup``: it
    holds personal data) before it appears under its name; with a bare engine (an outdated
    schema, which takes no entry) there is no one to audit it for. An existing target is refused
    unless ``overwrite``. Returns the path written.
    """
    from sqlalchemy import Connection, Engine

    target = check_target(target_path)  # before "already exists": the database's own file, an empty path
    if target.exists() and not overwrite:
        raise Conflict(_("{target} already exists; choose another file name or allow overwriting").format(
            target=target), entity="file", key=str(target))
    if target.is_dir():
        raise InvalidValue(_("{target} is a directory; give the backup a file name").format(target=target),
                           entity="file", key=str(target))
    community = None if isinstance(community_or_engine, (Engine, Connection)) else community_or_engine
    bind = community_or_engine if community is None else community.bind
    assert isinstance(bind, (Engine, Connection))
    if community is not None:
        community.authorize("member.export")  # a copy of the whole database, personal data included
    if bind.dialect.name == "sqlite":
        _sqlite_backup(bind, target, None if community is None else functools.partial(_audit, community, target))
    elif community is not None:
        from communitycore.io.exchange import export_community

        export_community(community, target, note="backup", action="community.backup")
    else:
        from communitycore import capabilities
        from communitycore.io.exchange import write_snapshot

        write_snapshot(bind, target, capabilities.sections(capabilities.declared()))
    return target


def _audit(community: Community, target: Path) -> None:
    """The entry of a SQLite backup, in a short transaction of its own once the copy is complete."""
    with community.transaction() as tx:
        tx.record("community.backup", "community", None, after={"file": target.name, "kind": "sqlite"},
                  data={"file": str(target), "kind": "sqlite"})


def _sqlite_backup(bind: Engine | Connection, target: Path, audit: Callable[[], None] | None) -> None:
    from sqlalchemy import Engine

    engine = bind if isinstance(bind, Engine) else bind.engine
    database = engine.url.database
    if database in (None, "", ":memory:") and not isinstance(bind, Engine):
        # An in-memory database lives in that one connection; a new connection would see another.
        source_conn = bind.connection.driver_connection
        _copy(source_conn, target, audit)
        return
    # A connection of our own sees only committed data, never a caller's open transaction.
    raw = engine.raw_connection()
    try:
        _copy(raw.driver_connection, target, audit)
    finally:
        raw.close()


def _copy(source: object, target: Path, audit: Callable[[], None] | None) -> None:
    assert isinstance(source, sqlite3.Connection)
    # Owner-only, under a temporary name removed on any failure (SIGTERM and SIGINT included).
    with staged_file(target) as partial:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)  # all pages in one step: one read transaction, one consistent state
            # A single self-contained file: the copy inherits WAL mode, which would want -wal/-shm files.
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
        if audit is not None:  # a failed entry leaves no file behind
            audit()
