"""Migrations and schema state, on every engine: the migrated database matches ``tables.metadata``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import communitycore
from communitycore import SchemaOutdated
from communitycore.errors import DatabaseUnavailable
from communitycore.store import migrate, tables


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(db_url)
    yield engine
    engine.dispose()


def differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": migrate.VERSION_TABLE, "compare_type": True})
        return list(compare_metadata(context, tables.metadata))


def cc_tables(engine: sa.Engine) -> list[str]:
    return sorted(t for t in sa.inspect(engine).get_table_names() if t.startswith("cc_"))


def downgrade_to_base(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        command.downgrade(migrate._alembic_config(conn), "base")


def test_the_migrated_database_matches_the_metadata(engine: sa.Engine) -> None:
    assert differences(engine) == []


def test_every_table_index_and_constraint_carries_the_prefix(engine: sa.Engine) -> None:
    assert all(table.name.startswith(tables.PREFIX) for table in tables.metadata.tables.values())
    inspector = sa.inspect(engine)
    ours = [t for t in inspector.get_table_names() if t.startswith("cc_")]
    assert sorted(ours) == sorted([*tables.metadata.tables, migrate.VERSION_TABLE])
    for table in tables.metadata.tables.values():
        for index in table.indexes:
            assert str(index.name).startswith("ix_cc_")
        for constraint in table.constraints:
            assert str(constraint.name).startswith(("pk_cc_", "uq_cc_", "fk_cc_", "ck_cc_")), constraint.name


def test_status_and_head(engine: sa.Engine) -> None:
    state = migrate.status(engine)
    assert state.current == state.head == migrate.head_revision()
    assert state.up_to_date
    assert migrate.upgrade(engine).up_to_date  # nothing to do is fine


def test_downgrade_and_upgrade_round_trip(engine: sa.Engine) -> None:
    try:
        downgrade_to_base(engine)
        assert cc_tables(engine) in ([], [migrate.VERSION_TABLE])
        assert migrate.status(engine).current is None
        migrate.upgrade(engine)
        assert differences(engine) == []
    finally:
        migrate.upgrade(engine)


def test_open_creates_the_schema_in_an_empty_database(engine: sa.Engine, db_url: str) -> None:
    host = sa.MetaData()
    sa.Table("host_users", host, sa.Column("id", sa.Integer, primary_key=True))
    try:
        downgrade_to_base(engine)
        host.create_all(engine)  # a host's own tables do not make the database "ours"
        with communitycore.open(db_url, autoload=False) as c:
            assert c.org.count() == 0
        assert cc_tables(engine) == sorted([*tables.metadata.tables, migrate.VERSION_TABLE])
        assert migrate.status(engine).up_to_date
        assert "host_users" in sa.inspect(engine).get_table_names()
    finally:
        host.drop_all(engine)
        migrate.upgrade(engine)


def test_open_on_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with pytest.raises(DatabaseUnavailable, match="community init") as refused:
        communitycore.open(path, autoload=False)
    assert refused.value.code == "missing-database" and refused.value.key == str(path)
    assert not path.exists() and list(tmp_path.iterdir()) == []  # nothing was created
    with communitycore.open(path, autoload=False, create=True) as c:
        assert c.dialect == "sqlite"
        assert c.org.count() == 0
    assert path.exists()
    with communitycore.open(f"sqlite:///{path}", autoload=False) as again:  # it exists now
        assert again.org.count() == 0


def test_create_false_refuses_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    # an empty SQLite database, its header and no tables (a zero-byte file is refused as no database)
    sqlite3.connect(path).execute("VACUUM").connection.close()
    with pytest.raises(SchemaOutdated, match="community init"):
        communitycore.open(path, autoload=False, create=False)
    engine = sa.create_engine(f"sqlite:///{path}")
    assert cc_tables(engine) == []
    engine.dispose()


def test_an_outdated_database_is_refused(engine: sa.Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if this library shipped a newer migration than the database has seen.
    current = migrate.head_revision()
    monkeypatch.setattr(migrate, "head_revision", lambda: "9999_future")
    with pytest.raises(SchemaOutdated) as info:
        communitycore.open(db_url, autoload=False)
    message = str(info.value)
    assert "`community db upgrade`" in message
    assert current in message and "9999_future" in message
    assert isinstance(info.value, communitycore.CommunityCoreError)


def test_tables_without_a_version_are_refused(engine: sa.Engine, db_url: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {migrate.VERSION_TABLE}"))
    try:
        with pytest.raises(SchemaOutdated, match="`community db upgrade`"):
            communitycore.open(db_url, autoload=False)
    finally:
        with engine.begin() as conn:
            command.stamp(migrate._alembic_config(conn), "head")
    assert migrate.status(engine).up_to_date


def test_0002_keeps_members_and_moves_resident_flags(engine: sa.Engine) -> None:
    """From the initial schema with data: members become active, flags move to their own table (and back)."""
    with engine.begin() as conn:
        command.downgrade(migrate._alembic_config(conn), "0001")
        conn.execute(sa.text("INSERT INTO cc_units (id, kind, name) VALUES (1, 'street-committee', '街道')"))
        conn.execute(sa.text("INSERT INTO cc_members (id, name, category, standing, unit_id, in_service) "
                             "VALUES (1, '张三', 'full', 'normal', 1, :f)"), {"f": False})
        residents = sa.table("cc_residents", sa.column("id"), sa.column("name"), sa.column("flags", sa.JSON()))
        conn.execute(sa.insert(residents), [{"id": 1, "name": "刘奶奶", "flags": ["living-alone-elderly", "disabled"]},
                                            {"id": 2, "name": "小明", "flags": []}])
    with engine.begin() as conn:
        command.upgrade(migrate._alembic_config(conn), "head")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status FROM cc_members")).scalar() == "active"
        flags = conn.execute(sa.text("SELECT resident_id, flag FROM cc_resident_flags ORDER BY flag")).all()
        assert [tuple(row) for row in flags] == [(1, "disabled"), (1, "living-alone-elderly")]
    assert differences(engine) == []
    with engine.begin() as conn:
        command.downgrade(migrate._alembic_config(conn), "0001")
    with engine.connect() as conn:
        value = conn.execute(sa.select(residents.c.flags).where(residents.c.id == 1)).scalar()
        assert sorted(value) == ["disabled", "living-alone-elderly"]
    with engine.begin() as conn:
        command.upgrade(migrate._alembic_config(conn), "head")
    assert differences(engine) == []
