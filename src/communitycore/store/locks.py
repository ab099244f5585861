"""Row locks taken before a read-check-write reads what it checks.

PostgreSQL and MySQL/MariaDB: ``SELECT … FOR UPDATE`` on the row, which also reads the row's
latest committed version (a plain read under REPEATABLE READ could see an older snapshot).
SQLite locks the whole database for a writer, and a transaction that reads first and writes
later may find at its first write that another writer committed in between. So on SQLite the
lock is taken by a write that changes nothing, which makes this transaction the writer (waiting
up to ``busy_timeout`` while another one is) before anything is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Table, select, update

from communitycore.errors import NotFound
from communitycore.i18n import _


def lock_row(conn: Connection, table: Table, row_id: Any, *, key: str = "id",
             columns: Sequence[str] = ()) -> Row[Any]:
    """Lock the row of ``table`` whose ``key`` column is ``row_id`` until the transaction ends.

    Returns the row's ``columns`` (default: its key), read after the lock was taken.
    Raises :class:`~communitycore.errors.NotFound` if there is no such row.
    """
    column = table.c[key]
    wanted = [table.c[name] for name in columns] or [column]
    query = select(*wanted).where(column == row_id)
    if conn.dialect.name == "sqlite":
        # Set a column that is not the key to itself: rewriting the key would move the row.
        touched = next((c for c in table.columns if not c.primary_key), column)
        conn.execute(update(table).where(column == row_id).values({touched.name: touched}))
    else:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(_("there is no {table} row with {key} {id}").format(
            table=table.name.removeprefix("cc_"), key=key, id=row_id))
    return row


__all__ = ["lock_row"]
