"""trust: the audit trail as a hash chain (with its head), and the transactional outbox

Revision ID: 0002_trust
Revises: 0001
Create Date: 2026-12-01 22:40:00

Every step checks what exists first, so a run killed halfway on MariaDB (whose DDL is not
transactional) can simply be run again. Entries written before the chain get their hashes here,
in id order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from communitycore.store.audit_chain import GENESIS, entry_hash

revision = "0002_trust"
down_revision = "0001"
branch_labels = None
depends_on = None


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    conn = op.get_bind()
    if "hash" not in _columns("cc_audit"):
        with op.batch_alter_table("cc_audit") as batch_op:
            batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    audit = sa.table("cc_audit", *(sa.column(c) for c in (
        "id", "at", "actor", "action", "entity", "entity_id", "note", "prev_hash", "hash")),
        sa.column("before", sa.JSON()), sa.column("after", sa.JSON()))
    prev, last_id = GENESIS, 0
    for row in conn.execute(sa.select(audit).order_by(audit.c.id)).mappings().all():
        digest = entry_hash(int(row["id"]), prev, dict(row))
        conn.execute(sa.update(audit).where(audit.c.id == row["id"]).values(prev_hash=prev, hash=digest))
        prev, last_id = digest, int(row["id"])
    with op.batch_alter_table("cc_audit") as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    if "cc_audit_head" not in sa.inspect(conn).get_table_names():
        op.create_table(
            "cc_audit_head",
            sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("last_id", sa.Integer(), nullable=False),
            sa.Column("last_hash", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_audit_head")),
        )
    head = sa.table("cc_audit_head", sa.column("id"), sa.column("last_id"), sa.column("last_hash"))
    conn.execute(sa.delete(head))
    conn.execute(sa.insert(head).values(id=1, last_id=last_id, last_hash=prev))
    _create_outbox()


def _create_outbox() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "cc_outbox" not in existing:
        op.create_table(
            "cc_outbox",
            sa.Column("id", sa.String(length=36), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor", sa.String(length=200), nullable=False),
            sa.Column("action", sa.String(length=64), nullable=False),
            sa.Column("entity", sa.String(length=64), nullable=False),
            sa.Column("entity_id", sa.String(length=64), nullable=True),
            sa.Column("data", sa.JSON(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_outbox")),
            sa.UniqueConstraint("seq", name=op.f("uq_cc_outbox_seq")),
        )
        op.create_index(op.f("ix_cc_outbox_status_next_attempt_at"), "cc_outbox", ["status", "next_attempt_at"])
    if "cc_outbox_attempts" not in existing:
        op.create_table(
            "cc_outbox_attempts",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("event_id", sa.String(length=36), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("error", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(["event_id"], ["cc_outbox.id"],
                                    name=op.f("fk_cc_outbox_attempts_event_id_cc_outbox")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_outbox_attempts")),
        )
        op.create_index(op.f("ix_cc_outbox_attempts_event_id"), "cc_outbox_attempts", ["event_id"])


def downgrade() -> None:
    op.drop_table("cc_outbox_attempts")
    op.drop_table("cc_outbox")
    op.drop_table("cc_audit_head")
    with op.batch_alter_table("cc_audit") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
