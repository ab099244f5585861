"""Concurrent writers: how transactions start, which rows a check locks, and which failures are retried.

A read-check-write takes its locks before it reads what it checks:

- SQLite has one writer at a time. A write transaction starts with ``BEGIN IMMEDIATE``, so it
  waits for the write lock (``busy_timeout``) before its first read, and nothing it read can
  change under it. A read transaction starts with an explicit ``BEGIN``: its SELECTs share one
  snapshot (the driver alone would run each in its own).
- PostgreSQL and MariaDB/MySQL run writers side by side. A write transaction runs at READ
  COMMITTED (each statement sees the latest commits, so a row read after its lock is current) and
  locks the rows its check depends on with ``SELECT … FOR UPDATE``, ascending by key, through
  :func:`lock_rows`. Reads run at REPEATABLE READ: one snapshot for the whole call.

A deadlock or serialization failure, or SQLite's "database is locked", is :func:`is_busy`;
the facade re-runs the whole call a bounded number of times (:data:`RETRY_ATTEMPTS`, with
:func:`backoff`) before it reports :class:`~communitycore.errors.Busy`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, Row, Table, case, select, update

from communitycore.domain.fields import MAX_ID, written_id
from communitycore.errors import NotFound
from communitycore.i18n import _
from communitycore.store.tables import org as org_tables
from communitycore.store.units import subtree_ids

#: How many times one call runs before the database is reported busy.
RETRY_ATTEMPTS = 10
#: The first pause between two runs; each later pause may be twice as long, up to RETRY_MAX_DELAY.
RETRY_BASE_DELAY = 0.02
RETRY_MAX_DELAY = 1.0
#: No new run starts this many seconds after the first one began (SQLite has already waited its
#: ``busy_timeout`` in each run; a person should not wait much longer than that for "busy").
RETRY_BUDGET = 15.0

#: PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_PG_BUSY = frozenset({"40001", "40P01", "55P03"})
#: MariaDB/MySQL: ER_LOCK_DEADLOCK (also Galera's certification failure), ER_LOCK_WAIT_TIMEOUT.
_MYSQL_BUSY = frozenset({1213, 1205})
#: SQLite: SQLITE_BUSY, SQLITE_LOCKED (primary result codes; extended codes keep them in the low byte).
_SQLITE_BUSY = frozenset({5, 6})
_PG_UNIQUE, _MYSQL_UNIQUE, _SQLITE_UNIQUE = "23505", 1062, 2067
#: Keys per locking statement (an IN list stays well inside every engine's parameter limit).
_LOCK_CHUNK = 500


def is_busy(exc: BaseException) -> bool:
    """True for a failure that running the transaction again may cure: deadlock, serialization
    failure, lock wait timeout, Galera certification conflict, SQLite's "database is locked"."""
    orig = getattr(exc, "orig", exc)
    code = _mysql_code(orig)  # first: PyMySQL's errors carry a generic SQLSTATE too
    if code is not None:
        return code in _MYSQL_BUSY
    code = _sqlite_code(orig)
    if code is not None:
        return code & 0xFF in _SQLITE_BUSY
    return getattr(orig, "sqlstate", None) in _PG_BUSY


def holds_nul(exc: BaseException) -> bool:
    """True for PostgreSQL's driver refusing text that holds the character NUL (0x00), which its text
    columns cannot keep: it refuses a lookup by such text too, where the other engines find nothing."""
    orig = getattr(exc, "orig", exc)
    return type(orig).__module__.startswith("psycopg") and "NUL (0x00)" in str(orig)


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique-key violation: under concurrent writers, a sign that another transaction
    stored the same key after this one checked for it (running again lets the check see it)."""
    orig = getattr(exc, "orig", exc)
    code = _mysql_code(orig)
    if code is not None:
        return code == _MYSQL_UNIQUE
    code = _sqlite_code(orig)
    if code is not None:
        return code == _SQLITE_UNIQUE
    return bool(getattr(orig, "sqlstate", None) == _PG_UNIQUE)


def _sqlite_code(orig: Any) -> int | None:
    code = getattr(orig, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def _mysql_code(orig: Any) -> int | None:
    args = getattr(orig, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def backoff(attempt: int) -> float:
    """Seconds to wait after run number ``attempt`` failed busy: "full jitter", so that two writers
    that collided do not collide again at the same moment."""
    return random.uniform(0, min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * 2 ** (attempt - 1)))


def read_isolation(dialect: str) -> str | None:
    """The isolation level to ask for, before BEGIN, on a connection of our own that will only read.

    PostgreSQL: REPEATABLE READ (one snapshot for the whole call; psycopg applies it on the client
    side, without a round trip). MariaDB/MySQL read at the server's default, REPEATABLE READ,
    already; SQLite's reads are made consistent by :func:`start`.
    """
    return "REPEATABLE READ" if dialect == "postgresql" else None


def start(conn: Connection, *, write: bool, own: bool = True, preset: bool = False) -> None:
    """Start the database side of a transaction SQLAlchemy has just begun on ``conn``.

    ``own`` is False inside a host's transaction: its isolation is the host's, and only SQLite's
    deferred start is made real (a SAVEPOINT taken first would otherwise open the outermost
    transaction, and its RELEASE would commit out of the host's hands). ``preset`` says the
    connection already has its isolation level for a read (:func:`read_isolation`).
    """
    dialect = conn.dialect.name
    if dialect == "sqlite":
        # The sqlite3 driver (legacy transaction control) sends BEGIN only before DML, never
        # before a SELECT, and never IMMEDIATE.
        dbapi = conn.connection.dbapi_connection
        if dbapi is not None and not getattr(dbapi, "in_transaction", True):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        return
    if not own or preset:
        return
    if dialect == "mysql" and write:
        # InnoDB's default, REPEATABLE READ, would read the snapshot of the transaction's first
        # SELECT even after a lock was granted. SET TRANSACTION applies to the next transaction
        # only, which PyMySQL has not started yet: nothing to reset afterwards.
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
    elif dialect == "postgresql" and not write:
        # A host's connection outside a transaction: the first statement of the one just opened.
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _key(column: Any, value: Any) -> Any:
    """``value`` as ``column`` is looked up by: for an integer id column, the whole number it writes
    (:func:`~communitycore.domain.fields.written_id`), or None when it writes none that the column can
    hold (``"x"``, ``"٣"``, ``1.5``, beyond every engine's ids): no row has it, and an engine would
    refuse to compare or bind it (PostgreSQL compares no integer with text) rather than find nothing."""
    if not isinstance(column.type, Integer):
        return value
    number = written_id(value)
    return number if number is not None and 0 <= number <= MAX_ID else None


def lock_rows(conn: Connection, table: Table, keys: Iterable[Any], *, column: str = "id",
              shared: bool = False) -> dict[Any, Row[Any]]:
    """Lock the rows of ``table`` whose ``column`` is in ``keys``, ascending, and return them as
    they are now (a missing key is simply absent from the result).

    ``FOR UPDATE`` (``shared``: ``FOR SHARE``) on PostgreSQL and MariaDB/MySQL; on SQLite the
    write transaction's ``BEGIN IMMEDIATE`` already excludes every other writer, so this is a
    plain read. Locking in one global order (by key) keeps two writers from deadlocking on the
    same rows; a check then uses the returned rows, read after the lock was granted.
    """
    key = table.c[column]
    wanted = sorted({k for k in (_key(key, value) for value in keys) if k is not None})
    found: dict[Any, Row[Any]] = {}
    for i in range(0, len(wanted), _LOCK_CHUNK):
        query = select(table).where(key.in_(wanted[i:i + _LOCK_CHUNK])).order_by(key)
        if conn.dialect.name != "sqlite":
            query = query.with_for_update(read=shared)
        found.update((row._mapping[column], row) for row in conn.execute(query))
    return found


def lock_ancestors(conn: Connection, unit_id: int, *, also: Iterable[int] = (),
                   guess: Iterable[int] = ()) -> dict[int, Row[Any]]:
    """Lock ``unit_id`` with every one of its ancestors (and the units ``also``); return the locked rows.

    ``guess`` is the chain as read before locking (it saves rounds). The rows are locked
    ascending, then the chain is walked again over the locked rows: a chain that changed in
    between leads to a unit not yet locked, which is locked in turn, until the chain is locked
    up to its root. Nobody can then change a parent on it, so a cycle check over the returned
    rows stays true until commit. On a Galera cluster the locked rows are also put into the
    transaction's write set (see :func:`_certify_units`).
    """
    u = org_tables.units
    locked = lock_rows(conn, u, [unit_id, *also, *guess])
    while True:
        seen: set[int] = set()
        current: int | None = unit_id
        while current is not None and current in locked and current not in seen:
            seen.add(current)
            current = locked[current].parent_id
        if current is None or current in seen or current == unit_id:
            break  # up to the root (or a cycle already stored, or the unit itself gone: the caller finds out)
        if not (more := lock_rows(conn, u, [current])):
            break  # a parent id that points nowhere cannot be locked; stop rather than spin
        locked.update(more)
    if in_cluster(conn):
        _certify_units(conn, locked)
    return locked


def lock_subtree(conn: Connection, root_id: int) -> list[int]:
    """Lock ``root_id`` and all its descendants; return their ids, parents first.

    Locked, then listed again: a child added before the lock was granted is found and locked
    too. Once locked, no unit can be added under, moved into or out of the subtree, and no
    member added to or transferred into it (their foreign-key checks wait for the locks).
    """
    locked: set[int] = set()
    while True:
        ids = subtree_ids(conn, root_id)
        new = set(ids) - locked
        if not new:
            return ids
        lock_rows(conn, org_tables.units, new)
        locked |= new


def in_cluster(conn: Connection) -> bool:
    """True on a node of a MariaDB Galera cluster (``wsrep_on``); asked once per connection."""
    if conn.dialect.name != "mysql":
        return False
    info = conn.connection.info
    if "communitycore.wsrep" not in info:
        row = conn.exec_driver_sql("SHOW VARIABLES LIKE 'wsrep_on'").first()
        info["communitycore.wsrep"] = row is not None and str(row[1]).upper() == "ON"
    return bool(info["communitycore.wsrep"])


def _certify_units(conn: Connection, rows: dict[int, Row[Any]]) -> None:
    """Put locked unit rows into this transaction's Galera write set.

    Galera certifies a transaction against the rows other nodes' transactions *wrote*; a
    ``FOR UPDATE`` lock is local to its node. Two moves on two nodes that each lock both chains
    but write different rows would both commit (and could close a cycle). So on a cluster the
    lock also changes each locked row and changes it back (``covered_units``, restored to the
    value read under the lock): the row is then in the write set, and of two such transactions
    the one certified second fails with a deadlock error and runs again.
    """
    u = org_tables.units
    ids = sorted(rows)
    conn.execute(update(u).where(u.c.id.in_(ids))
                 .values(covered_units=case((u.c.covered_units == 1, 2), else_=1)))
    conn.exec_driver_sql(f"UPDATE {u.name} SET covered_units = %s WHERE id = %s",
                         [(rows[i].covered_units, i) for i in ids])


def lock_row(conn: Connection, table: Table, row_id: Any, *, key: str = "id",
             columns: Sequence[str] = (), missing: Callable[[], Exception] | None = None) -> Row[Any]:
    """Lock one row as :func:`lock_rows` does and return its ``columns`` (default: its key), read after the lock.

    Raises ``missing()`` if there is no such row (by default a
    :class:`~communitycore.errors.NotFound` naming the table: pass the words the caller's users read).
    """
    column = table.c[key]

    def absent() -> Exception:
        return missing() if missing is not None else NotFound(_("there is no {table} row with {key} {id}").format(
            table=table.name.removeprefix("cc_"), key=key, id=row_id))

    wanted = _key(column, row_id)
    if wanted is None:
        raise absent()
    query = select(*([table.c[name] for name in columns] or [column])).where(column == wanted)
    if conn.dialect.name != "sqlite":  # SQLite's BEGIN IMMEDIATE already excludes every other writer
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise absent()
    return row
