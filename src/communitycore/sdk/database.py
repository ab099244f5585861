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
from typing import Any

from sqlalchemy import Connection, Engine, func, inspect, select
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from communitycore.config import database_url, load_config
from communitycore.errors import DatabaseUnavailable
from communitycore.i18n import _
from communitycore.io.backup import backup
from communitycore.store.engine import make_engine, sqlite_file
from communitycore.store.migrate import SchemaStatus, status, upgrade
from communitycore.store.tables import org as org_tables

__all__ = ["SchemaStatus", "backup", "bind_of", "engine_for", "make_engine", "missing_database", "status",
           "unavailable", "unit_count", "upgrade"]


@contextlib.contextmanager
def engine_for(url: str | None = None, config_path: str | os.PathLike[str] | Path | None = None, *,
               create: bool = False) -> Iterator[Engine]:
    """An engine for ``url`` (default: ``COMMUNITYCORE_DB``, the config's ``db``, ./community.db), disposed after.

    A SQLite file that does not exist is refused with :func:`missing_database` unless ``create``
    (a mistyped path must not become a new, empty database). A database that cannot be reached
    raises :class:`~communitycore.errors.DatabaseUnavailable` (see :func:`unavailable`).
    """
    target = database_url(url, load_config(config_path))
    if not create:
        refuse_missing_file(target)
    with unavailable(target):
        engine = make_engine(target)
    try:
        with unavailable(engine.url):
            engine.connect().close()
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
    """Raise :func:`missing_database` if ``url`` names a SQLite file that does not exist (nothing is created)."""
    path = sqlite_file(url)
    if path is not None and not path.exists() and not path.is_symlink():
        raise missing_database(path) from None


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


@contextlib.contextmanager
def unavailable(url: Any) -> Iterator[None]:
    """Turn a database that cannot be opened (bad URL, missing driver, refused connection, a file that
    cannot be opened) into one :class:`DatabaseUnavailable` paragraph with the cause and the fix."""
    shown = url.render_as_string(hide_password=True) if hasattr(url, "render_as_string") else str(url)
    try:
        yield
    except ImportError as exc:  # create_engine imports the driver
        module = (exc.name or "").partition(".")[0] or "the driver"
        extra = _DRIVER_EXTRAS.get(module)
        fix = f'pip install "communitycore[{extra}]"' if extra else f"pip install {module}"
        raise DatabaseUnavailable(_("{url}: the database driver {module} is not installed. Install it with: "
                                    "{fix}").format(url=shown, module=module, fix=fix)) from None
    except (NoSuchModuleError, ArgumentError) as exc:
        raise DatabaseUnavailable(_("{url} is not a database URL this library can use ({error}). Write "
                                    "sqlite:///FILE, postgresql://USER@HOST/DB or mysql://USER@HOST/DB, or "
                                    "give the path of a SQLite file.").format(url=shown, error=exc)) from None
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise DatabaseUnavailable(_("cannot open the database {url}: {reason}. Check that the file or folder "
                                    "exists and may be written, or that the server is running and the host, "
                                    "port and user in the URL are right.").format(url=shown, reason=reason)) from None
