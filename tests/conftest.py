"""Test fixtures: every store and SDK test runs on each engine named in COMMUNITYCORE_TEST_DATABASES.

``COMMUNITYCORE_TEST_DATABASES`` is a comma-separated list of ``sqlite``, ``postgresql``,
``mysql`` (the machines' local servers) or full SQLAlchemy URLs; default ``sqlite``. A named
server that cannot be reached fails the run: it is never skipped. Each run creates its own
database on each server and drops it at the end, because the servers outlive the run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import communitycore
from communitycore.clock import Clock
from communitycore.i18n import language
from communitycore.store import audit_chain, tables
from communitycore.store.migrate import upgrade
from communitycore.store.tables import audit as audit_tables

SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test",
}
#: The fixed "now" of every test community: a Saturday morning in Shanghai.
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _named_engines() -> list[str]:
    raw = os.environ.get("COMMUNITYCORE_TEST_DATABASES", "sqlite")
    return [item.strip() for item in raw.split(",") if item.strip()]


def _label(name: str) -> str:
    return make_url(name).get_backend_name() if "://" in name else name


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_name" in metafunc.fixturenames:
        names = _named_engines()
        metafunc.parametrize("engine_name", names, ids=[_label(n) for n in names], scope="session")


class ServerDatabase:
    """A database of our own on a shared server, created for this run and dropped after it."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.backend = self.admin_url.get_backend_name()
        self.name = f"cc_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = self.admin_url.set(database=self.name)
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                if self.backend == "mysql":
                    conn.exec_driver_sql(f"CREATE DATABASE {self.name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                else:
                    conn.exec_driver_sql(f"CREATE DATABASE {self.name} ENCODING 'UTF8' TEMPLATE template0")
        except sa.exc.OperationalError as exc:
            pytest.fail(f"COMMUNITYCORE_TEST_DATABASES names {self.backend}, but {self.admin_url!r} cannot be "
                        f"reached: {exc.orig}", pytrace=False)
        finally:
            admin.dispose()

    def drop(self) -> None:
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if self.backend == "postgresql":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name}")
        admin.dispose()


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Library messages in English, the catalogs' msgids, so tests match the texts the code writes.

    A test of Chinese output says so with ``language("zh")``. The command line is not affected: each
    run picks its own language (Chinese unless ``--lang``, ``COMMUNITYCORE_LANG`` or the config say otherwise).
    """
    with language("en"):
        yield


@pytest.fixture(scope="session")
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def _session_database(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path | None]]:
    """A migrated, empty database per engine for the whole run (SQLite: a template file)."""
    backend = _label(engine_name)
    if backend == "sqlite":
        template = tmp_path_factory.mktemp("template") / "template.db"
        # Migrated only: the actor of each test opens the copy first and becomes its administrator.
        engine = sa.create_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        yield f"sqlite:///{template}", template
        return
    server = ServerDatabase(SERVERS.get(engine_name, engine_name))
    c = communitycore.open(str(server.url.render_as_string(hide_password=False)), autoload=False)
    c.close()
    try:
        yield server.url.render_as_string(hide_password=False), None
    finally:
        server.drop()


def _empty(url: str) -> None:
    engine = sa.create_engine(url)
    backend = engine.dialect.name
    with engine.begin() as conn:
        names = [t.name for t in tables.delete_order()]
        if backend == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
        else:
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            for table in names:
                conn.exec_driver_sql(f"TRUNCATE TABLE {table}")
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")
        # The chain's head is part of an empty database, as the migration leaves it.
        conn.execute(sa.insert(audit_tables.audit_head).values(id=1, last_id=0, last_hash=audit_chain.GENESIS))
    engine.dispose()


@pytest.fixture
def db_url(_session_database: tuple[str, Path | None], tmp_path: Path) -> str:
    """The URL of an empty, migrated database for this test alone, on the current engine."""
    url, template = _session_database
    if template is not None:
        target = tmp_path / "community.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    _empty(url)
    return url


@pytest.fixture
def clock() -> Clock:
    """A clock fixed at :data:`NOW`."""
    return Clock("Asia/Shanghai", fixed=NOW)


@pytest.fixture
def community(db_url: str, clock: Clock) -> Iterator[communitycore.Community]:
    """A community on an empty database of the current engine, with builtins and no installed plugins."""
    c = communitycore.open(db_url, actor="tester", clock=clock, autoload=False)
    yield c
    c.close()


@pytest.fixture
def sqlite_community(tmp_path: Path, clock: Clock) -> Iterator[communitycore.Community]:
    """A community on a fresh SQLite file, for tests about logic rather than engines."""
    c = communitycore.open(f"sqlite:///{tmp_path / 'c.db'}", actor="tester", clock=clock, autoload=False, create=True)
    yield c
    c.close()
