"""Two actors admitting one candidate at once: one wins, the other is refused, on every engine.

SQLite is raced across processes (its lock is per file), PostgreSQL and MariaDB across threads.
The entry's row is locked before its state is read, so the second admission sees the first one's
``admitted`` and is refused as an illegal move; the history and the audit hold one admission.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import queue
import threading
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import make_url

import communitycore
from communitycore.clock import Clock
from communitycore.store.tables import audit as audit_tables

WAIT = 120.0
ROUNDS = 4
NOW = dt.datetime(2025, 3, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _admitter(url: str, role: int, entries: list[int], barrier: Any, results: Any) -> None:
    outcomes = []
    try:
        with communitycore.open(url, actor=f"admitter{role}", autoload=False,
                                clock=Clock("Asia/Shanghai", fixed=NOW)) as c:
            for entry_id in entries:
                barrier.wait(WAIT)
                try:
                    c.rosters.admit(entry_id)
                    outcomes.append("won")
                except communitycore.CommunityCoreError as exc:
                    outcomes.append(exc.code)
        results.put((role, outcomes, ""))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((role, outcomes, f"{type(exc).__name__}: {exc}"[:300]))


def test_two_actors_admitting_one_candidate_at_once_one_wins(db_url: str) -> None:
    with communitycore.open(db_url, actor="setup", autoload=False, clock=Clock("Asia/Shanghai", fixed=NOW)) as c:
        street = c.org.add("城南街道党工委", "street-committee")
        branch = c.org.add("红色管家联合党支部", "branch", street.id)
        for role in range(2):
            c.grants.add(f"admitter{role}", "secretary", branch.id)
        entries = []
        for i in range(ROUNDS):
            member = c.members.add(f"管家{i}", branch.id, education="本科", join_date="2000-07-01")
            entry = c.rosters.apply("red-steward", member=member.id)
            c.rosters.qualify(entry.id, passed=True, note="通过")
            c.rosters.notice(entry.id, start="2025-03-01")
            entries.append(entry.id)
    if make_url(db_url).get_backend_name() == "sqlite":
        ctx = multiprocessing.get_context("fork")
        barrier: Any = ctx.Barrier(2)
        results: Any = ctx.Queue()
        workers: list[Any] = [ctx.Process(target=_admitter, args=(db_url, r, entries, barrier, results), daemon=True)
                              for r in range(2)]
    else:
        barrier = threading.Barrier(2)
        results = queue.Queue()
        workers = [threading.Thread(target=_admitter, args=(db_url, r, entries, barrier, results), daemon=True)
                   for r in range(2)]
    for w in workers:
        w.start()
    found = sorted(results.get(timeout=WAIT * 2) for _ in workers)
    for w in workers:
        w.join(WAIT)
    assert [error for _role, _outcomes, error in found] == ["", ""]
    for number in range(ROUNDS):
        assert sorted(outcomes[number] for _role, outcomes, _error in found) == ["conflict", "won"]

    with communitycore.open(db_url, actor="setup", autoload=False) as c:
        a = audit_tables.audit
        with c.engine.connect() as conn:
            for entry_id in entries:
                assert c.rosters.get(entry_id).state == "admitted"
                assert [h.target for h in c.rosters.history(entry_id)].count("admitted") == 1
                afters = conn.scalars(sa.select(a.c.after).where(
                    a.c.entity == "roster-entry", a.c.entity_id == str(entry_id),
                    a.c.action == "roster-entry.transition")).all()
                assert [after["state"] for after in afters].count("admitted") == 1
