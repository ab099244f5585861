"""ids never reused on SQLite, unit paths for subtree reads, indexes for one entity's audit and for transfers

- SQLite: the entity tables are rebuilt with ``AUTOINCREMENT``, so an id, once given, is never
  given again after a removal (an audit entry always points at one entity). Rows, indexes and
  foreign keys are kept. PostgreSQL sequences and MariaDB's ``AUTO_INCREMENT`` never reuse ids.
- ``cc_unit_paths``: each unit's materialised path (see decision 0013), filled from ``parent_id``.
- Indexes on ``cc_audit (entity, entity_id, id)`` and on the transfers' unit columns.

Each step first looks at what exists, so a migration killed halfway (MariaDB's DDL is not
transactional) can simply be run again.

Revision ID: 0005_ids_paths
Revises: 0004_member_lifecycle
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_ids_paths"
down_revision = "0004_member_lifecycle"
branch_labels = None
depends_on = None

#: Tables whose ids the audit trail, the ledger or other rows refer to.
_ENTITY_TABLES = ("cc_units", "cc_compounds", "cc_partners", "cc_members", "cc_transfers", "cc_registrations",
                  "cc_households", "cc_residents", "cc_activity", "cc_workflow_history", "cc_outbox_attempts")
#: Digits per id in a path (ids are below 2**31).
_WIDTH = 10
_INDEXES = (
    ("cc_audit", "ix_cc_audit_entity_entity_id_id", ["entity", "entity_id", "id"]),
    ("cc_transfers", "ix_cc_transfers_from_unit_id", ["from_unit_id"]),
    ("cc_transfers", "ix_cc_transfers_to_unit_id", ["to_unit_id"]),
)


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def _indexes(table: str) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(op.get_bind()).get_indexes(table)}


def _without_autoincrement(tables: set[str]) -> list[str]:
    bind = op.get_bind()
    out = []
    for name in _ENTITY_TABLES:
        if name not in tables:
            continue
        sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).scalar()
        if "AUTOINCREMENT" not in str(sql).upper():
            out.append(name)
    return out


def _rebuild_with_autoincrement(names: list[str]) -> None:
    """Rebuild SQLite tables with AUTOINCREMENT, the way SQLite documents for a table change.

    A rebuilt table is dropped and renamed, which foreign keys pointing at it would refuse (or
    rewrite) while ``foreign_keys`` is on, and that pragma only changes outside a transaction: so
    what came before is committed, the rebuild runs in a transaction of its own with the
    pragma off, ``foreign_key_check`` must find nothing, and the pragma is set back as it was.
    """
    bind = op.get_bind()
    raw = bind.connection.dbapi_connection
    assert raw is not None
    if raw.in_transaction:
        raw.commit()
    enforced = raw.execute("PRAGMA foreign_keys").fetchone()[0]
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        raw.execute("BEGIN IMMEDIATE")
        for name in names:
            with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                pass
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raw.rollback()
            raise RuntimeError(f"rebuilding {', '.join(names)} would break {len(broken)} foreign keys; nothing "
                               "was changed")
        raw.commit()
    except BaseException:
        if raw.in_transaction:
            raw.rollback()
        raise
    finally:
        raw.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")


def _fill_paths() -> None:
    bind = op.get_bind()
    paths_table = sa.table("cc_unit_paths", sa.column("unit_id", sa.Integer()), sa.column("path", sa.String()))
    done = set(bind.scalars(sa.select(paths_table.c.unit_id)))
    parent_of = {row[0]: row[1] for row in bind.exec_driver_sql("SELECT id, parent_id FROM cc_units")}
    paths: dict[int, str] = {}
    for unit_id in parent_of:
        chain = []
        current: int | None = unit_id
        while current is not None and current not in paths and current not in chain:
            chain.append(current)
            current = parent_of.get(current)
        prefix = "" if current is None or current in chain else paths[current]
        for node in reversed(chain):
            prefix += f"{node:0{_WIDTH}d}"
            paths[node] = prefix
    rows = [{"unit_id": i, "path": p} for i, p in sorted(paths.items()) if i not in done]
    for start in range(0, len(rows), 5000):
        bind.execute(sa.insert(paths_table), rows[start:start + 5000])


def upgrade() -> None:
    tables = _tables()
    if op.get_bind().dialect.name == "sqlite":
        names = _without_autoincrement(tables)
        if names:
            _rebuild_with_autoincrement(names)
    if "cc_unit_paths" not in tables:
        op.create_table(
            "cc_unit_paths",
            sa.Column("unit_id", sa.Integer(), nullable=False),
            sa.Column("path", sa.String(length=400), nullable=False),
            sa.ForeignKeyConstraint(["unit_id"], ["cc_units.id"], name=op.f("fk_cc_unit_paths_unit_id_cc_units")),
            sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_cc_unit_paths")),
        )
    if "ix_cc_unit_paths_path" not in _indexes("cc_unit_paths"):
        op.create_index("ix_cc_unit_paths_path", "cc_unit_paths", ["path"], unique=False)
    _fill_paths()
    for table, index, columns in _INDEXES:
        if index not in _indexes(table):
            op.create_index(index, table, columns, unique=False)


def downgrade() -> None:
    for table, index, _columns in _INDEXES:
        # MariaDB: a foreign key's column needs an index, and takes over the one made here.
        if table == "cc_transfers" and op.get_bind().dialect.name == "mysql":
            continue
        if index in _indexes(table):
            op.drop_index(index, table_name=table)
    if "cc_unit_paths" in _tables():
        op.drop_table("cc_unit_paths")  # its index goes with it
    # AUTOINCREMENT stays: ids that were never reused stay so, and nothing depends on reuse.
