"""Party dues (党费): each member's base by month, payments, and approved reductions.

Amounts are whole fen (``BigInteger``): exact on every engine, no decimal type to convert.
A month is ``year * 12 + month - 1``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Index, Integer, String, Table, Text

from communitycore.store.tables import PREFIX, metadata

#: The base from a month on (the month the new pay is received, §10): the latest row not after a
#: month applies to it. A reduction (困难减免) is a base row with its approval.
dues_bases = Table(
    f"{PREFIX}dues_bases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, nullable=False),
    Column("from_month", Integer, nullable=False),
    Column("category", String(64), nullable=False),
    Column("base_fen", BigInteger),
    # A hardship reduction: the monthly amount approved instead, and who approved it.
    Column("reduced_fen", BigInteger),
    Column("approval", String(200)),
    # What the base is for a retiree, as ``dues-retiree-base`` said when it was set (else NULL).
    Column("base_kind", String(32)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_cc_dues_bases_member_month", "member_id", "from_month"),
    sqlite_autoincrement=True,
)

#: Payments: one row each. Two payments for one member and month both count: what was paid is
#: their sum, so concurrent payments never overwrite each other.
dues_payments = Table(
    f"{PREFIX}dues_payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("member_id", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("paid_on", Date, nullable=False),
    # A voluntary extra payment (自愿多交); one of 1000 元 or more goes to the Central Committee.
    Column("extra", Boolean, nullable=False),
    Column("central", Boolean, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_cc_dues_payments_member_month", "member_id", "month", "amount_fen"),
    Index("ix_cc_dues_payments_month", "month", "member_id"),
    sqlite_autoincrement=True,
)

#: Each member's standing, worked out from their bases and payments whenever either changes, so
#: that arrears read one row a member instead of every payment: the months short up to
#: ``frontier`` (the last month with a base change or a payment), as runs ``first:length`` with
#: the first and last short month for SQL to filter on, and whether the months after it owe
#: (``tail_due``: the last base owes more than 0, and nothing is paid there). ``rules`` names the
#: dues table and roundings it was worked out with, ``join_date`` the member's join date then (its
#: month, ``join_month``, is where owing starts): a row whose either differs from today's is not used.
dues_standing = Table(
    f"{PREFIX}dues_standing",
    metadata,
    Column("member_id", Integer, primary_key=True, autoincrement=False),
    Column("rules", String(32), nullable=False),
    Column("join_date", Date),
    Column("join_month", Integer, nullable=False),
    Column("frontier", Integer, nullable=False),
    Column("tail_due", Boolean, nullable=False),
    Column("first_short", Integer),
    Column("last_short", Integer),
    Column("short_runs", Text, nullable=False),
)

# ``member_id`` has no foreign key, as the ledger's subject ids have none: the dues paid stay on
# record when a member's own record goes with their unit (a cascade).
