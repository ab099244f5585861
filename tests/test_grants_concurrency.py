"""Grant changes at once, on every engine: never a duplicate grant, never the last administrator removed.

Each grant change first takes the audit chain's head (the lock every audited write ends with), so
the check it makes (is this grant there already? is this the last administrator?) reads what the
others committed. SQLite is raced across processes (its lock is per file), PostgreSQL and MariaDB
across threads.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

import communitycore
from communitycore.store.tables import grants as grant_tables

WAIT = 120.0
ROUNDS = 15

#: What one writer does in a round: (community, its role, round number).
Op = Callable[[Any, int, int], Any]


def _writer(url: str, actor: str, role: int, op: Op, barrier: Any, results: Any) -> None:
    with communitycore.open(url, actor=actor, autoload=False) as c:
        for number in range(ROUNDS):
            barrier.wait(WAIT)
            try:
                op(c, role, number)
                outcome = "ok"
            except Exception as exc:  # the test asserts which refusals are allowed
                outcome = type(exc).__name__
            results.put((number, role, outcome))
            barrier.wait(WAIT)


def race(url: str, actors: list[str], op: Op, between: Callable[[int, list[str]], None]) -> None:
    processes = make_url(url).get_backend_name() == "sqlite"
    ctx: Any = multiprocessing.get_context("fork") if processes else None
    barrier: Any = ctx.Barrier(len(actors) + 1) if processes else threading.Barrier(len(actors) + 1)
    results: Any = ctx.Queue() if processes else queue.Queue()
    kind: Any = ctx.Process if processes else threading.Thread
    workers = [kind(target=_writer, args=(url, a, r, op, barrier, results), daemon=True)
               for r, a in enumerate(actors)]
    for w in workers:
        w.start()
    try:
        for number in range(ROUNDS):
            barrier.wait(WAIT)
            got = sorted(results.get(timeout=WAIT) for _ in actors)
            assert [g[0] for g in got] == [number] * len(actors)
            between(number, [g[2] for g in got])
            barrier.wait(WAIT)
    except BaseException:
        barrier.abort()
        raise
    finally:
        for w in workers:
            w.join(WAIT)


def _admins(engine: sa.Engine) -> list[str]:
    g = grant_tables.grants
    with engine.connect() as conn:
        return sorted(conn.scalars(sa.select(g.c.actor).where(g.c.role == "admin", g.c.unit_id.is_(None))))


def test_two_administrators_removing_each_other_leave_one(db_url: str) -> None:
    with communitycore.open(db_url, actor="甲", autoload=False, create=True) as c:
        c.grants.add("乙", "admin")
        engine = c.engine

        def op(community: Any, role: int, number: int) -> None:
            community.grants.remove("乙" if role == 0 else "甲", "admin")

        def between(number: int, outcomes: list[str]) -> None:
            left = _admins(engine)
            assert len(left) == 1, f"round {number}: administrators left {left}; outcomes {outcomes}"
            # The later one finds its own grant gone (refused) or itself the last administrator.
            assert sorted(outcomes) in (["Conflict", "ok"], ["PermissionDenied", "ok"]), f"round {number}: {outcomes}"
            with communitycore.open(engine, actor=left[0], autoload=False) as again:  # two again
                again.grants.add("乙" if left[0] == "甲" else "甲", "admin")

        race(db_url, ["甲", "乙"], op, between)


def test_the_same_grant_given_twice_at_once_is_one_grant(db_url: str) -> None:
    with communitycore.open(db_url, actor="管理员", autoload=False, create=True) as c:
        street = c.org.add("城南街道党工委", "street-committee")
        branch = c.org.add("第一党支部", "branch", street.id)
        engine = c.engine
        g = grant_tables.grants

        def op(community: Any, role: int, number: int) -> None:
            community.grants.add(f"书记{number}", "secretary", branch.id)

        def between(number: int, outcomes: list[str]) -> None:
            with engine.connect() as conn:
                held = conn.scalar(sa.select(sa.func.count()).select_from(g).where(g.c.actor == f"书记{number}"))
            assert held == 1, f"round {number}: {held} grants; outcomes {outcomes}"
            assert sorted(outcomes) == ["Conflict", "ok"], f"round {number}: {outcomes}"

        race(db_url, ["管理员", "管理员"], op, between)
