"""ages on a reporting date: the per-unit sums of birth days leave the counters

Average ages are now the means of the ages in 周岁 on a reporting date, counted from the members
table when asked for (decision 0029); the sums of birth days and their counts, which gave a
fractional age from the mean birth date, are no longer read or kept.

The members' unit index widens to hold what that count reads (status, post, birth date), so a
city's ages come from the index in unit order rather than from a million rows of the table.

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
from communitycore.store.migrations.steps import indexes as _indexes

revision = "0014_ages_on_a_reporting_date"
down_revision = "0013_dues_standing"
branch_labels = None
depends_on = None

_TABLE = "cc_unit_stats"
_GONE = (("birth_days", sa.BigInteger()), ("with_birth", sa.Integer()),
         ("cadre_birth_days", sa.BigInteger()), ("cadres_with_birth", sa.Integer()))


_MEMBERS = "cc_members"
_NARROW = ("ix_cc_members_unit_id_category", ["unit_id", "category"])
_WIDE = ("ix_cc_members_unit_id_category_status_post_birth_date",
         ["unit_id", "category", "status", "post", "birth_date"])


def upgrade() -> None:
    present = [name for name, _type in _GONE if name in _columns(_TABLE)]
    if present:
        with op.batch_alter_table(_TABLE) as batch:
            for name in present:
                batch.drop_column(name)
    _swap_index(_NARROW, _WIDE)


def _swap_index(old: tuple[str, list[str]], new: tuple[str, list[str]]) -> None:
    # The new index first: the unit column's foreign key on MariaDB needs an index at all times.
    if new[0] not in _indexes(_MEMBERS):
        op.create_index(new[0], _MEMBERS, new[1])
    if old[0] in _indexes(_MEMBERS):
        op.drop_index(old[0], table_name=_MEMBERS)


def downgrade() -> None:
    _swap_index(_WIDE, _NARROW)
    missing = [(name, kind) for name, kind in _GONE if name not in _columns(_TABLE)]
    if missing:
        with op.batch_alter_table(_TABLE) as batch:
            for name, kind in missing:
                batch.add_column(sa.Column(name, kind, nullable=False, server_default="0"))
