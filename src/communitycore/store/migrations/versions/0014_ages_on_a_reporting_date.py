"""ages on a reporting date: the per-unit sums of birth days leave the counters

Average ages are now the means of the ages in 周岁 on a reporting date, counted from the members
table when asked for (decision 0029); the sums of birth days and their counts, which gave a
fractional age from the mean birth date, are no longer read or kept.

Each step first looks at what exists, so a migration killed halfway on MariaDB (whose DDL is not
transactional) can simply be run again. A downgrade gives the columns back as zeros: the earlier
version then shows no average age until its ``community org refresh-stats`` recounts them.

Revision ID: 0014_ages_on_a_reporting_date
Revises: 0013_dues_standing
Create Date: 2026-12-04 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from communitycore.store.migrations.steps import columns as _columns

revision = "0014_ages_on_a_reporting_date"
down_revision = "0013_dues_standing"
branch_labels = None
depends_on = None

_TABLE = "cc_unit_stats"
_GONE = (("birth_days", sa.BigInteger()), ("with_birth", sa.Integer()),
         ("cadre_birth_days", sa.BigInteger()), ("cadres_with_birth", sa.Integer()))


def upgrade() -> None:
    present = [name for name, _type in _GONE if name in _columns(_TABLE)]
    if present:
        with op.batch_alter_table(_TABLE) as batch:
            for name in present:
                batch.drop_column(name)


def downgrade() -> None:
    missing = [(name, kind) for name, kind in _GONE if name not in _columns(_TABLE)]
    if missing:
        with op.batch_alter_table(_TABLE) as batch:
            for name, kind in missing:
                batch.add_column(sa.Column(name, kind, nullable=False, server_default="0"))
