"""Database-level operations for hosts and the CLI: engines, schema status and upgrades, backups.

These work on a database whether or not its schema is current, which is why they take an engine
rather than a :class:`~communitycore.sdk.community.Community` (opening one refuses an outdated
schema). A backup of a current database goes through the community so that it is audited.
"""

from __future__ import annotations

import contextlib
import os
import re
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import URL, Connection, Engine, event, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, DBAPIError, NoSuchModuleError

from communitycore.config import database_url, load_config
from communitycore.errors import DatabaseUnavailable
from communitycore.i18n import _
from communitycore.io import files
from communitycore.io.backup import backup
from communitycore.store.engine import make_engine, sqlite_file
from communitycore.store.migrate import SchemaStatus, status, upgrade
from communitycore.store.tables import org as org_tables

__all__ = ["SchemaStatus", "backup", "bind_of", "check_target", "engine_for", "hold", "make_engine",
           "missing_database", "refused", "refusing", "status", "unavailable", "unit_count", "upgrade"]

#: Where a file may be written: not an empty path, not a file of a database in use.
check_target = files.check_target


@contextlib.contextmanager
def engine_for(url: str | None = None, config_path: str | os.PathLike[str] | Path | None = None, *,
               create: bool = False) -> Iterator[Engine]:
    """An engine for ``url`` (default: ``COMMUNITYCORE_DB``, the config's ``db``, ./community.db), disposed after.

    A SQLite file that does not exist is refused with :func:`missing_database` unless ``create``
    (a mistyped path must not become a new, empty database). A database that cannot be reached
    raises :class:`~communitycore.errors.DatabaseUnavailable` (see :func:`unavailable`), and so
    does one that refuses what the block does with it (see :func:`refused`).
    """
    target = database_url(url, load_config(config_path))
    if not create:
        refuse_missing_file(target)
    with unavailable(target):
        engine = make_engine(target)
    try:
        with unavailable(target):
            engine.connect().close()
            hold(engine)
        with refusing(target):
            yield engine
    finally:
        engine.dispose()


def missing_database(path: str | os.PathLike[str]) -> DatabaseUnavailable:
    """The error for a SQLite file that does not exist: code ``missing-database``, the path as ``key``."""
    shown = str(Path(path).absolute())
    return DatabaseUnavailable(
        _("there is no database at {path}: create it with `community init` (or open it with create=True)").format(
            path=shown),
        code="missing-database", entity="database", key=shown)


def refuse_missing_file(url: Any) -> None:
    """Raise :func:`missing_database` if ``url`` names a SQLite file that does not exist, or an empty
    one (nothing is created)."""
    path = sqlite_file(url)
    if path is not None and ((not path.exists() and not path.is_symlink()) or _empty_file(path)):
        raise missing_database(path) from None


def _empty_file(path: Path) -> bool:
    # A zero-byte file holds no database: SQLite would write a new one into it, as into a missing
    # file. Its -wal may still hold a database never checkpointed into it.
    try:
        return path.is_file() and path.stat().st_size == 0 and not _size(path.with_name(path.name + "-wal"))
    except OSError:  # cannot look: left to the opening, which reports it
        return False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


#: The engines whose SQLite files are held (:func:`hold`) with a listener on their connections.
_HOLDING: weakref.WeakSet[Engine] = weakref.WeakSet()


def hold(bind: Engine | Connection) -> None:
    """Refuse, while ``bind``'s engine is open, to write an export, backup or report over its SQLite
    files (:func:`communitycore.io.files.hold`): the rename would destroy the database under it.

    The files are those SQLite itself has open (``PRAGMA database_list``), so a ``file:`` URI, a
    symlink or an attached database is held too. Nothing for other engines or in-memory databases.
    """
    engine = bind_of(bind)
    url = engine.url
    if engine.dialect.name != "sqlite" or url.database in (None, "", ":memory:") or url.query.get("mode") == "memory":
        return  # a server's files are not ours to write over; an in-memory database has none
    if engine not in _HOLDING:
        _HOLDING.add(engine)

        def on_connect(dbapi_conn: Any, _record: Any) -> None:
            _hold_files(engine, dbapi_conn)

        # Connections made later (after a dispose, too) hold their files again.
        event.listen(engine, "connect", on_connect)
        event.listen(engine, "engine_disposed", files.release)
    if isinstance(bind, Connection):
        _hold_files(engine, bind.connection.driver_connection)  # the host's own, not a second one
        return
    raw = engine.raw_connection()
    try:
        _hold_files(engine, raw.driver_connection)
    finally:
        raw.close()


def _hold_files(engine: Engine, dbapi_conn: Any) -> None:
    # The files' names as bytes: a path that is not UTF-8 (a GBK folder name) is still a path.
    text_factory, dbapi_conn.text_factory = dbapi_conn.text_factory, bytes
    cursor = dbapi_conn.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
        dbapi_conn.text_factory = text_factory
    for _seq, _name, file in rows:
        if file:  # empty for a temporary or in-memory database
            files.hold(engine, os.fsdecode(file))


def unit_count(bind: Engine | Connection) -> int:
    """How many units the database holds (0 for a database without the schema)."""
    with contextlib.ExitStack() as stack:
        conn = bind if isinstance(bind, Connection) else stack.enter_context(bind.connect())
        if not inspect(conn).has_table(org_tables.units.name):
            return 0
        return int(conn.scalar(select(func.count()).select_from(org_tables.units)) or 0)


def bind_of(bind: Engine | Connection) -> Engine:
    """The engine behind an engine or a connection."""
    return bind if isinstance(bind, Engine) else bind.engine


#: The optional dependency that brings each engine's driver.
_DRIVER_EXTRAS = {"psycopg": "postgresql", "psycopg2": "postgresql", "pymysql": "mysql", "MySQLdb": "mysql"}


#: Why a connection failed, as the drivers word it (PyMySQL, psycopg, sqlite3), in the order tried.
_CAUSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("refused", re.compile(r"Connection refused")),
    ("unknown-host", re.compile(r"Name or service not known|failed to resolve host|nodename nor servname|getaddrinfo")),
    ("no-database", re.compile(r"Unknown database|database \".*\" does not exist")),
    ("access-denied", re.compile(r"Access denied|password authentication failed|role \".*\" does not exist|"
                                 r"no password supplied")),
    ("no-file", re.compile(r"unable to open database file")),
    ("not-a-database", re.compile(r"file is not a database|database disk image is malformed|file is encrypted")),
    ("read-only", re.compile(r"attempt to write a readonly database|read-only transaction|--read-only option")),
)
#: The causes a database may give in the middle of a call, once it was opened.
_REFUSALS = frozenset({"not-a-database", "read-only"})


def _in_words(cause: str, url: URL) -> str:
    """A cause of :data:`_CAUSES` in the language in force, with what to do about it."""
    if cause == "refused":
        return _("the server at {host}:{port} refused the connection. Start the database server, or correct the "
                 "host and port in the URL.").format(host=url.host, port=url.port or _DEFAULT_PORTS.get(
                     url.get_backend_name(), "?"))
    if cause == "unknown-host":
        return _("there is no host {host}. Correct the host in the URL.").format(host=url.host)
    if cause == "no-database":
        return _("the server has no database {name}. Create it on the server (CREATE DATABASE {name}), or correct "
                 "the database's name in the URL.").format(name=url.database)
    if cause == "access-denied":
        return _("the server refused the user {user}. Check the user and the password in the URL, and that the "
                 "user may use this database.").format(user=url.username)
    if cause == "not-a-database":
        return _("the file is not a communitycore database, or it is damaged. Check the path, or restore the "
                 "database from a backup.")
    if cause == "read-only":
        if url.get_backend_name() != "sqlite":
            return _("the server allows only reading (a read-only server or transaction). Connect to a "
                     "server that allows writing.")
        return _("it is open read-only. To change it, open it writable: without mode=ro, and with permission "
                 "to write the file and its folder.")
    path = sqlite_file(url)
    if path is not None and path.is_dir():
        return _("it is a folder, not a database file. Give the path of a file.")
    if path is not None and not path.parent.is_dir():
        return _("there is no folder {folder}. Create it first, or correct the path.").format(folder=path.parent)
    return _("the file cannot be opened. Check that its folder exists and may be written.")


#: The port a server URL without one reaches.
_DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}


def _as_typed(url: Any) -> tuple[URL | None, str]:
    """The URL as the user wrote it (not as a driver was added to it), and how it is shown: a SQLite
    file by its path, a server's URL with its password hidden."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except Exception:  # not a URL at all: shown as it is, reported as such below
        return None, str(url)
    path = sqlite_file(parsed)
    if path is not None:
        return parsed, str(path)
    shown = parsed.render_as_string(hide_password=True)
    # A file: URI as it was typed (sqlite:///file:/data/c.db?mode=ro), not with its colon escaped.
    return parsed, unquote(shown) if parsed.get_backend_name() == "sqlite" else shown


@contextlib.contextmanager
def unavailable(url: Any) -> Iterator[None]:
    """Turn a database that cannot be opened (bad URL, missing driver, refused connection, a file that
    cannot be opened) into one :class:`DatabaseUnavailable` paragraph with the cause and the fix.

    The causes the drivers report most (a server that refuses the connection, an unknown host, no
    such database, a user refused, a file that cannot be opened, a file that is not a database or
    is damaged, a read-only database) are told in words; any other in the driver's own.
    """
    parsed, shown = _as_typed(url)
    try:
        yield
    except ImportError as exc:  # create_engine imports the driver
        module = (exc.name or "").partition(".")[0] or "the driver"
        extra = _DRIVER_EXTRAS.get(module)
        fix = f'pip install "communitycore[{extra}]"' if extra else f"pip install {module}"
        raise DatabaseUnavailable(_("{url}: the database driver {module} is not installed. Install it with: "
                                    "{fix}").format(url=shown, module=module, fix=fix)) from None
    except (NoSuchModuleError, ArgumentError):  # SQLAlchemy's own words name its plugin machinery, not the fix
        scheme = parsed.drivername if parsed is not None else None
        what = (_("{url}: this library knows no database {scheme!r}.").format(url=shown, scheme=scheme)
                if scheme else _("{url} is not a database URL.").format(url=shown))
        raise DatabaseUnavailable(_("{what} Write sqlite:///FILE, postgresql://USER@HOST/DB or mysql://USER@HOST/DB, "
                                    "or give the path of a SQLite file.").format(what=what)) from None
    except DatabaseError as exc:  # OperationalError among them; "file is not a database" is not one
        reason = _reason(exc)
        cause = _cause(reason)
        if parsed is not None and cause is not None:
            raise _in_a_paragraph(cause, parsed, shown, opening=True) from None
        raise DatabaseUnavailable(_("cannot open the database {url}: {reason}. Check that the file or folder "
                                    "exists and may be written, or that the server is running and the host, "
                                    "port and user in the URL are right.").format(
                                        url=shown, reason=reason.splitlines()[0])) from None


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).strip() if exc.orig is not None else type(exc).__name__


def _cause(reason: str) -> str | None:
    return next((name for name, pattern in _CAUSES if pattern.search(reason)), None)


def _in_a_paragraph(cause: str, url: URL, shown: str, *, opening: bool) -> DatabaseUnavailable:
    if cause == "read-only":
        message = _("cannot write to the database {url}: {cause}")
    elif opening:
        message = _("cannot open the database {url}: {cause}")
    else:
        message = _("cannot read the database {url}: {cause}")
    return DatabaseUnavailable(message.format(url=shown, cause=_in_words(cause, url)))


@contextlib.contextmanager
def refusing(url: Any) -> Iterator[None]:
    """Inside the block, a database that refuses a call (read-only, not a database, damaged) raises
    :class:`DatabaseUnavailable` in words (see :func:`refused`); other failures pass unchanged."""
    try:
        yield
    except DBAPIError as exc:
        refusal = refused(exc, url)
        if refusal is None:
            raise
        raise refusal from None


def refused(exc: DBAPIError, url: Any) -> DatabaseUnavailable | None:
    """What a database that was opened says when it refuses a call, in words: it is read-only, or the
    file is not a database or is damaged. None for any other failure, which is the caller's to raise."""
    cause = _cause(_reason(exc))
    parsed, shown = _as_typed(url)
    if cause not in _REFUSALS or parsed is None:
        return None
    return _in_a_paragraph(cause, parsed, shown, opening=False)
