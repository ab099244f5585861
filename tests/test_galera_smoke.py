"""Smoke check of the Galera harness (.ci/galera): three nodes, replication, conflicts as deadlocks.

Runs only when ``COMMUNITYCORE_GALERA_URLS`` names the three nodes, as printed by
``bash .ci/galera env`` after ``bash .ci/galera start``; otherwise the whole module is skipped.
It checks the harness itself, not the library: a database made on node 1 reaches nodes 2 and 3,
and two writers on different nodes updating one row collide in certification, which the client
sees as error 1213 (deadlock). Retrying each failed increment must leave the counter equal to the
number of increments that committed, on every node.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

URLS = [url.strip() for url in os.environ.get("COMMUNITYCORE_GALERA_URLS", "").split(",") if url.strip()]
if not URLS:
    pytest.skip("COMMUNITYCORE_GALERA_URLS is not set: the Galera harness is not running "
                "(bash .ci/galera start; eval \"$(bash .ci/galera env)\")", allow_module_level=True)

import pymysql  # noqa: E402 - only once the module is known to run
from sqlalchemy.engine import make_url  # noqa: E402

from communitycore.store import locks  # noqa: E402

#: Error codes a multi-primary conflict may surface as: a certification failure or brute-force
#: abort (1213, ER_LOCK_DEADLOCK) and, while a local lock is held, a lock wait timeout (1205).
RETRYABLE = {1213, 1205}
WAIT = 30.0  # seconds to wait for a change made on one node to show on the others
RUN = 2.0  # seconds the two writers run for at least
RUN_MAX = 15.0  # ... and at most, should no conflict have happened by RUN
MAX_ATTEMPTS = 200  # attempts of one increment before the writer gives up
PAUSE = 0.002  # seconds, at most, a writer waits between two increments


def connect(url: str, database: str | None = None) -> pymysql.connections.Connection:
    u = make_url(url)
    return pymysql.connect(host=u.host or "127.0.0.1", port=u.port or 3306, user=u.username or "root",
                           password=u.password or "", database=database, autocommit=True,
                           connect_timeout=10, read_timeout=60, write_timeout=60, charset="utf8mb4")


def scalar(conn: pymysql.connections.Connection, sql: str, args: Any = None) -> Any:
    with conn.cursor() as cur:
        cur.execute(sql, args)
        row = cur.fetchone()
    return None if row is None else row[0]


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT:.0f} s: {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh database made on node 1, dropped at the end."""
    assert len(URLS) == 3, f"COMMUNITYCORE_GALERA_URLS should name 3 nodes, not {len(URLS)}"
    name = f"cc_galera_smoke_{uuid.uuid4().hex[:12]}"
    conn = connect(URLS[0])
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.close()


def test_three_distinct_ready_nodes() -> None:
    names = set()
    for url in URLS:
        conn = connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_ready')")
                status = dict(cur.fetchall())
            assert status == {"wsrep_cluster_size": "3", "wsrep_ready": "ON"}, url
            names.add(scalar(conn, "SELECT @@wsrep_node_name"))
        finally:
            conn.close()
    assert len(names) == 3, names


def test_database_replicates_to_the_other_nodes(database: str) -> None:
    for url in URLS[1:]:
        conn = connect(url)
        try:
            wait_until(lambda c=conn: scalar(c, "SELECT COUNT(*) FROM information_schema.schemata "
                                                "WHERE schema_name = %s", (database,)) == 1,
                       f"database {database} on {url}")
        finally:
            conn.close()


def test_conflicts_surface_as_deadlocks_and_retries_absorb_them(database: str) -> None:
    first = connect(URLS[0], database)
    with first.cursor() as cur:
        cur.execute("CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB")
        cur.execute("INSERT INTO counter VALUES (1, 0)")
    first.close()
    writers = [connect(url, database) for url in URLS[:2]]  # one writer on node 1, one on node 2
    for conn in writers[1:]:
        wait_until(lambda c=conn: scalar(c, "SELECT COUNT(*) FROM counter WHERE id = 1") == 1,
                   "the counter row on node 2")

    committed = [0] * len(writers)
    codes: list[list[int]] = [[] for _ in writers]
    failures: list[BaseException] = []
    started = time.monotonic()

    def keep_going() -> bool:
        elapsed = time.monotonic() - started
        return elapsed < RUN or (elapsed < RUN_MAX and not any(codes))

    def increment(index: int) -> None:
        """One increment in an explicit transaction, retried until it commits."""
        conn = writers[index]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                conn.begin()
                with conn.cursor() as cur:
                    cur.execute("UPDATE counter SET n = n + 1 WHERE id = 1")
                conn.commit()
            except pymysql.err.MySQLError as exc:
                codes[index].append(exc.args[0] if exc.args and isinstance(exc.args[0], int) else -1)
                if codes[index][-1] not in RETRYABLE:
                    raise
                conn.rollback()
                # As the library retries: a jittered pause, or the writer on the other node, which
                # never waits, can win every certification while the machine is loaded.
                time.sleep(locks.backoff(attempt))
            else:
                committed[index] += 1
                return
        raise AssertionError(f"writer {index + 1}: an increment failed {MAX_ATTEMPTS} times in a row")

    def writer(index: int) -> None:
        try:
            while keep_going():
                increment(index)
                time.sleep(random.uniform(0, PAUSE))  # a request does other work between its writes
        except BaseException as exc:  # reported by the main thread; no unhandled-thread warning
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(i,), name=f"galera-writer-{i + 1}") for i in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RUN_MAX + 120)
    for conn in writers:
        conn.close()
    assert not any(thread.is_alive() for thread in threads), "a writer did not finish"
    assert not failures, failures

    errors = [code for per_writer in codes for code in per_writer]
    assert errors, f"no certification conflict in {RUN_MAX:.0f} s ({sum(committed)} increments)"
    assert set(errors) <= RETRYABLE, sorted(set(errors))
    assert 1213 in errors, sorted(set(errors))
    total = sum(committed)
    assert all(committed), committed
    for url in URLS:
        conn = connect(url, database)
        try:
            with conn.cursor() as cur:
                cur.execute("SET SESSION wsrep_sync_wait = 1")  # a causal read: all earlier commits applied
            assert scalar(conn, "SELECT n FROM counter WHERE id = 1") == total, url
        finally:
            conn.close()
    print(f"galera smoke: {total} increments committed {committed}, "
          f"{errors.count(1213)} deadlocks (1213), {errors.count(1205)} lock wait timeouts (1205)")
