"""Two writers correcting the attendance of one meeting at once keep the ledger exact, on every engine.

Each writer flips members between present and absent, both of them one shared member, many times.
Whatever order the corrections land in, each member's ``meeting-attended`` sum must end at 1 if the
meeting's final attendance says present and 0 if not, and never be anything else on the way. SQLite
is raced across processes (its lock is per file), PostgreSQL and MariaDB across threads.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

import communitycore
from communitycore.domain.meetings import Presence
from communitycore.store.tables import activity as activity_tables
from communitycore.store.tables import audit as audit_tables

WAIT = 120.0
ROUNDS = 15


def _writer(url: str, role: int, meeting_id: int, members: list[int], barrier: Any, results: Any) -> None:
    done = 0
    try:
        with communitycore.open(url, actor=f"writer{role}", autoload=False) as c:
            barrier.wait(WAIT)
            for number in range(ROUNDS):
                # Even rounds mark this writer's members present, odd rounds absent; the shared one too.
                if number % 2 == 0:
                    c.meetings.correct_attendance(meeting_id, present=members)
                else:
                    c.meetings.correct_attendance(meeting_id, absent={m: "出差" for m in members})
                done += 1
        results.put((role, done, ""))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((role, done, f"{type(exc).__name__}: {exc}"[:300]))


def test_two_writers_correcting_one_meeting_keep_exact_ledger_sums(db_url: str) -> None:
    with communitycore.open(db_url, actor="setup", autoload=False) as c:
        street = c.org.add("城南街道党工委", "street-committee")
        branch = c.org.add("第一党支部", "branch", street.id)
        ids = [c.members.add(f"党员{i}", branch.id, education="本科", join_date="2000-07-01",
                             full_date="2001-07-01").id for i in range(9)]
        meeting = c.meetings.record(branch.id, "party-lecture", on="2025-03-03", topic="党史", host="书记",
                                    present=ids[:2])
        for role in range(2):  # the branch's organizers record its meetings
            c.grants.add(f"writer{role}", "organizer", branch.id)
    shared = ids[8]
    plans = [[*ids[0:4], shared], [*ids[4:8], shared]]
    if make_url(db_url).get_backend_name() == "sqlite":
        ctx = multiprocessing.get_context("fork")
        barrier: Any = ctx.Barrier(2)
        results: Any = ctx.Queue()
        workers: list[Any] = [ctx.Process(target=_writer, args=(db_url, r, meeting.id, plans[r], barrier, results),
                                          daemon=True) for r in range(2)]
    else:
        barrier = threading.Barrier(2)
        results = queue.Queue()
        workers = [threading.Thread(target=_writer, args=(db_url, r, meeting.id, plans[r], barrier, results),
                                    daemon=True) for r in range(2)]
    for w in workers:
        w.start()
    outcomes = sorted(results.get(timeout=WAIT * 2) for _ in workers)
    for w in workers:
        w.join(WAIT)
    assert [(role, done, error) for role, done, error in outcomes] == [(0, ROUNDS, ""), (1, ROUNDS, "")]

    with communitycore.open(db_url, actor="setup", autoload=False) as c:
        final = {a.member_id: a.presence for a in c.meetings.get(meeting.id).attendance}
        a = activity_tables.activity
        engine = c.engine
        with engine.connect() as conn:
            rows = conn.execute(sa.select(a.c.subject_id, a.c.fact, a.c.quantity).where(
                a.c.source_kind == "meeting", a.c.source_id == str(meeting.id))).all()
            audits = conn.scalar(sa.select(sa.func.count()).select_from(audit_tables.audit).where(
                audit_tables.audit.c.action == "meeting.update"))
    for fact in ("meeting-attended", "training-attended"):
        sums: dict[int, Decimal] = {}
        for subject, row_fact, quantity in rows:
            if row_fact == fact:
                sums[subject] = sums.get(subject, Decimal(0)) + quantity
        assert {m: s for m, s in sums.items() if s != 0} == {
            m: Decimal(1) for m, p in final.items() if p is Presence.PRESENT}
        assert set(sums.values()) <= {Decimal(0), Decimal(1)}
    held = [q for subject, fact, q in rows if fact == "meetings-held"]
    assert held == [Decimal(1)]
    assert audits == 2 * ROUNDS  # one audit entry per correction
