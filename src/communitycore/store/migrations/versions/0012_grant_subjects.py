"""grant subjects: the person an actor is on a grant (a steward's roster entry), for roles limited to their own

Each step first looks at what exists, so a migration killed halfway on MariaDB (whose DDL is not
transactional) can simply be run again.

Revision ID: 0012_grant_subjects
Revises: 0011_recruitment_dues
Create Date: 2026-12-02 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from communitycore.store.migrations.steps import columns as _columns

revision = "0012_grant_subjects"
down_revision = "0011_recruitment_dues"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "subject" not in _columns("cc_grants"):
        op.add_column("cc_grants", sa.Column("subject", sa.String(length=64), nullable=True))


def downgrade() -> None:
    if "subject" in _columns("cc_grants"):
        with op.batch_alter_table("cc_grants") as batch:
            batch.drop_column("subject")
