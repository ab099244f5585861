"""Two payments recorded for one member and month at once both count: what was paid is their sum.

Each payment is its own row (no read-check-write), so neither overwrites the other on any engine.
The member's stored standing, worked out again by each payment after locking the member, must
see both: the arrears read it, and find every month paid. SQLite is raced across processes (its
lock is per file), PostgreSQL and MariaDB across threads.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

import communitycore
from communitycore.store.tables import dues as dues_tables

WAIT = 120.0
ROUNDS = 10


def _payer(url: str, role: int, member_id: int, barrier: Any, results: Any) -> None:
    done = 0
    try:
        with communitycore.open(url, actor=f"payer{role}", autoload=False) as c:
            barrier.wait(WAIT)
            for number in range(ROUNDS):
                c.dues.pay(member_id, month=f"2026-{number + 1:02d}", amount="7.50", on="2026-10-31")
                done += 1
        results.put((role, done, ""))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((role, done, f"{type(exc).__name__}: {exc}"[:300]))


def test_two_payments_for_one_member_month_at_once_sum(db_url: str) -> None:
    with communitycore.open(db_url, actor="setup", autoload=False) as c:
        street = c.org.add("城南街道党工委", "street-committee")
        branch = c.org.add("第一党支部", "branch", street.id)
        member = c.members.add("党员", branch.id, join_date="2000-07-01", full_date="2001-07-01")
        c.dues.set_base(member.id, category="employed", base="3000", from_month="2026-01")
        for role in range(2):  # a branch's secretary and organizer record dues
            c.grants.add(f"payer{role}", ("secretary", "organizer")[role], branch.id)
    if make_url(db_url).get_backend_name() == "sqlite":
        ctx = multiprocessing.get_context("fork")
        barrier: Any = ctx.Barrier(2)
        results: Any = ctx.Queue()
        workers: list[Any] = [ctx.Process(target=_payer, args=(db_url, r, member.id, barrier, results), daemon=True)
                              for r in range(2)]
    else:
        barrier = threading.Barrier(2)
        results = queue.Queue()
        workers = [threading.Thread(target=_payer, args=(db_url, r, member.id, barrier, results), daemon=True)
                   for r in range(2)]
    for w in workers:
        w.start()
    outcomes = sorted(results.get(timeout=WAIT * 2) for _ in workers)
    for w in workers:
        w.join(WAIT)
    assert outcomes == [(0, ROUNDS, ""), (1, ROUNDS, "")]
    with communitycore.open(db_url, actor="setup", autoload=False) as c:
        for number in range(ROUNDS):
            due = c.dues.amount(member.id, month=f"2026-{number + 1:02d}")
            assert str(due.paid) == "15.00" and str(due.amount) == "15.00"
        with c.reading() as conn:
            stored = conn.execute(select(dues_tables.dues_standing).where(
                dues_tables.dues_standing.c.member_id == member.id)).one()
        assert (stored.short_runs, stored.frontier) == ("", 2026 * 12 + ROUNDS - 1)
        assert c.dues.arrears(through="2026-10") == []
        assert c.dues.arrears(through="2026-11")[0].unpaid_months == ("2026-11",)
