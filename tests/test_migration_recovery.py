"""A migration killed halfway can be run again, on every engine (MariaDB's DDL is not transactional).

On MariaDB each CREATE TABLE commits at once, so a ``community init`` killed halfway leaves some
tables and no recorded revision; re-running it used to fail with "Table 'cc_audit' already
exists". Here that state is made by hand: the schema is migrated, then the revision and some
of the later tables and an index are removed, and ``upgrade`` (and ``community init``) must
complete and give back the schema the metadata describes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.store import migrate, tables

#: Tables created last (children first, so they can be dropped in this order; the flags hang off residents).
LATE_TABLES = ("cc_resident_flags", "cc_residents", "cc_transfers", "cc_registrations")


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(db_url)
    try:
        yield engine
    finally:
        migrate.upgrade(engine)  # whatever happened, the shared server database is whole again
        engine.dispose()


def differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": migrate.VERSION_TABLE, "compare_type": True})
        return list(compare_metadata(context, tables.metadata))


def _with_dependents(names: tuple[str, ...]) -> list[str]:
    """``names`` and every table whose foreign keys lead to one of them, dependents first."""
    gone = set(names)
    ordered = tables.metadata.sorted_tables  # parents before the tables that refer to them
    for table in ordered:
        if any(fk.column.table.name in gone for fk in table.foreign_keys):
            gone.add(table.name)
    return [t.name for t in reversed(ordered) if t.name in gone]


def half_done(engine: sa.Engine, *, version_table: str) -> None:
    """The state a run of the first migration killed after most of its statements leaves on MariaDB
    (with the tables of later migrations that refer to its last ones gone too: they came after it)."""
    with engine.begin() as conn:
        for table in _with_dependents(LATE_TABLES):
            conn.execute(sa.text(f"DROP TABLE {table}"))
        conn.execute(sa.text("DROP INDEX ix_cc_audit_at" + (" ON cc_audit" if conn.dialect.name == "mysql" else "")))
        if version_table == "dropped":
            conn.execute(sa.text(f"DROP TABLE {migrate.VERSION_TABLE}"))
        else:  # Alembic creates its table first, and the kill came before the revision was written
            conn.execute(sa.text(f"DELETE FROM {migrate.VERSION_TABLE}"))
    inspector = sa.inspect(engine)
    assert not any(inspector.has_table(t) for t in LATE_TABLES)
    assert migrate.status(engine).current is None
    assert differences(engine) != []  # the state really is broken


@pytest.mark.parametrize("version_table", ["dropped", "emptied"])
def test_upgrade_completes_a_migration_killed_halfway(engine: sa.Engine, version_table: str) -> None:
    half_done(engine, version_table=version_table)
    state = migrate.upgrade(engine)
    assert state.up_to_date and state.current == migrate.head_revision()
    assert differences(engine) == []
    # And once more: an up-to-date database is left as it is.
    assert migrate.upgrade(engine).up_to_date


def test_community_init_recovers(engine: sa.Engine, db_url: str) -> None:
    half_done(engine, version_table="emptied")
    state = AppState()
    result = CliRunner().invoke(make_cli(state), ["--db", db_url, "--lang", "en", "init"], obj=state)
    assert result.exit_code == 0, result.output
    assert "already exists" not in result.output
    assert migrate.status(engine).up_to_date
    assert differences(engine) == []


def test_the_initial_migration_runs_twice(engine: sa.Engine) -> None:
    # Every step of 0001 checks what exists: running it over its own result changes nothing.
    with engine.begin() as conn:
        command.stamp(migrate._alembic_config(conn), "base", purge=True)
    with engine.begin() as conn:
        command.upgrade(migrate._alembic_config(conn), "0001")
    assert migrate.status(engine).current == "0001"
    migrate.upgrade(engine)
    assert differences(engine) == []
