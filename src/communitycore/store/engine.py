"""Engines: the default SQLite set-up, and dialect differences the bulk paths need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url

#: What a server URL that names no driver stands for: the driver its optional dependency installs
#: (``communitycore[mysql]`` brings PyMySQL, not SQLAlchemy's default MySQLdb); MariaDB is spoken
#: to through the MySQL dialect, as every MySQL-protocol engine here is.
DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "mariadb": "mysql+pymysql"}


def with_driver(url: str | URL) -> URL:
    """``url`` parsed, with the driver of :data:`DEFAULT_DRIVERS` where it names none
    (``mysql://`` reads as ``mysql+pymysql://``)."""
    parsed = make_url(url)
    return parsed.set(drivername=DEFAULT_DRIVERS.get(parsed.drivername, parsed.drivername))


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and ``synchronous=NORMAL``; a server URL
    without a driver gets the one the optional dependency installs (:func:`with_driver`).

    SQL parameters are left out of error messages and logs (``hide_parameters``): they may hold
    ID numbers and phone numbers.
    """
    kwargs.setdefault("hide_parameters", True)
    parsed = with_driver(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        _tune_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
        return engine
    # utf8mb4, or Chinese names outside the BMP are lost; MariaDB's default may be latin1.
    if parsed.get_backend_name() == "mysql" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names; None for other engines, in-memory databases and ``file:`` URIs.

    A URL that cannot be parsed gives None too: :func:`make_engine` reports it.
    """
    try:
        parsed = make_url(url)
    except Exception:  # ArgumentError and the like: reported where the engine is made
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("uri") or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _tune_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, manage BEGIN so the pragmas run outside a transaction.
        cursor = dbapi_conn.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def placeholders(engine_or_dialect: Any, count: int) -> str:
    """``?, ?, ...`` or ``%s, %s, ...``: the driver's own style, for executemany with tuples."""
    dialect = getattr(engine_or_dialect, "dialect", engine_or_dialect)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


def is_sqlite(engine_or_conn: Any) -> bool:
    """True for SQLite, whose driver wants dates as ISO strings on the raw path."""
    return bool(engine_or_conn.dialect.name == "sqlite")
