"""Concurrent writers, on every engine: no cycle, one winner, exact counters, one audit entry per change.

SQLite is raced across processes (its locks are per file, not per thread); PostgreSQL and
MariaDB across threads, each with an engine of its own. Writers start each round together
(a barrier), so their transactions overlap as closely as they can. With
``COMMUNITYCORE_GALERA_URLS`` set (``.ci/galera env`` prints it), the paired moves and the
concurrent adds also run with one writer on each of two nodes of a Galera cluster.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import communitycore
from communitycore import Community, UnitKind, hookimpl
from communitycore.store import rollup
from communitycore.store.tables import audit as audit_tables
from communitycore.store.tables import members as member_tables
from communitycore.store.tables import org as org_tables
from communitycore.store.units import rebuild_paths

#: No barrier or result waits longer than this: a hang fails the test instead of the run.
WAIT = 60.0
GALERA = os.environ.get("COMMUNITYCORE_GALERA_URLS", "")


class Cells:
    """A unit kind that nests in itself, so that any unit may be moved under any other."""

    name = "cells"

    @hookimpl
    def communitycore_register_unit_kinds(self) -> list[UnitKind]:
        return [UnitKind(code="cell-root", label="根单元", label_en="root cell", elected=False),
                UnitKind(code="cell", label="单元", label_en="cell", parents=("cell", "cell-root"), elected=False)]


class Heard:
    """Counts the events a community announces (after each commit)."""

    name = "heard"

    def __init__(self) -> None:
        self.actions: Counter[str] = Counter()

    @hookimpl
    def communitycore_on_event(self, event: communitycore.Event) -> None:
        self.actions[event.action] += 1


def open_cells(url: str, *extra: object) -> Community:
    return communitycore.open(url, actor="racer", autoload=False, plugins=[Cells(), *extra], create=True)


# The race harness ---------------------------------------------------------------------------------

#: What a writer does in one round: (community, its role 0..n-1, round number, shared data).
Op = Callable[[Community, int, int, dict[str, Any]], Any]


def _outcome(exc: BaseException | None) -> str:
    return "ok" if exc is None else type(exc).__name__


def _writer(url: str, role: int, op: Op, data: dict[str, Any], rounds: int, barrier: Any, results: Any) -> None:
    heard = Heard()
    data = {**data, "heard": heard}
    community = open_cells(url, heard)
    try:
        for number in range(rounds):
            barrier.wait(WAIT)
            try:
                op(community, role, number, data)
                results.put((number, role, "ok", ""))
            except Exception as exc:  # reported, then judged by the test
                results.put((number, role, _outcome(exc), str(exc)[:300]))
            barrier.wait(WAIT)
    finally:
        community.close()


def race(urls: Sequence[str], op: Op, data: dict[str, Any], *, rounds: int,
         between: Callable[[int, list[tuple[str, str]]], None] | None = None,
         processes: bool) -> list[list[tuple[str, str]]]:
    """Run ``op`` in one writer per URL, ``rounds`` times, all writers starting each round together.

    ``between(round, outcomes)`` runs after every round with no writer active (checks, resets).
    Returns, per round, each writer's (outcome, message), ordered by role.
    """
    if processes:
        ctx = multiprocessing.get_context("fork")
        barrier: Any = ctx.Barrier(len(urls) + 1)
        results: Any = ctx.Queue()
        workers: list[Any] = [ctx.Process(target=_writer, args=(u, r, op, data, rounds, barrier, results), daemon=True)
                              for r, u in enumerate(urls)]
    else:
        barrier = threading.Barrier(len(urls) + 1)
        results = queue.Queue()
        workers = [threading.Thread(target=_writer, args=(u, r, op, data, rounds, barrier, results), daemon=True)
                   for r, u in enumerate(urls)]
    for w in workers:
        w.start()
    out: list[list[tuple[str, str]]] = []
    try:
        for number in range(rounds):
            barrier.wait(WAIT)
            barrier.wait(WAIT)
            got = sorted(results.get(timeout=WAIT) for _ in urls)
            assert [g[0] for g in got] == [number] * len(urls)
            outcomes = [(g[2], g[3]) for g in got]
            out.append(outcomes)
            if between is not None:
                between(number, outcomes)
    except BaseException:
        barrier.abort()
        raise
    finally:
        for w in workers:
            w.join(WAIT)
    return out


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# Invariants, checked afresh from the tables --------------------------------------------------------


def parents(engine: sa.Engine) -> dict[int, int | None]:
    u = org_tables.units
    with engine.connect() as conn:
        return {row.id: row.parent_id for row in conn.execute(sa.select(u.c.id, u.c.parent_id))}


def cycles(parent_of: dict[int, int | None]) -> list[int]:
    """Units from which walking up never reaches a root."""
    stuck = []
    for start in parent_of:
        seen: set[int] = set()
        current: int | None = start
        while current is not None and current not in seen:
            seen.add(current)
            current = parent_of.get(current)
        if current is not None:
            stuck.append(start)
    return stuck


def assert_counters_exact(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        stored = {k: v for k, v in rollup.counters(conn).items() if any(v)}
        fresh = rollup.shares(conn, conn.scalars(sa.select(member_tables.members.c.id)).all())
    assert stored == fresh


def audit_actions(engine: sa.Engine) -> Counter[str]:
    a = audit_tables.audit
    with engine.connect() as conn:
        return Counter(conn.scalars(sa.select(a.c.action)))


@pytest.fixture
def cells(db_url: str) -> Iterator[Community]:
    c = open_cells(db_url)
    yield c
    c.close()


# Paired opposite moves -----------------------------------------------------------------------------


def _move_pair(c: Community, role: int, number: int, data: dict[str, Any]) -> None:
    a, b = data["pair"]
    c.org.move(a, b) if role == 0 else c.org.move(b, a)


def paired_moves(cells: Community, urls: Sequence[str], rounds: int, *, processes: bool,
                 check: sa.Engine | None = None, sync: Sequence[sa.Engine] = ()) -> None:
    root = cells.org.add("根", "cell-root")
    a = cells.org.add("甲", "cell", root.id)
    b = cells.org.add("乙", "cell", root.id)
    engine = check or cells.engine
    u = org_tables.units

    def between(number: int, outcomes: list[tuple[str, str]]) -> None:
        stuck = cycles(parents(engine))
        assert not stuck, f"round {number}: a cycle through {stuck}; outcomes {outcomes}"
        assert sorted(o for o, _ in outcomes) == ["Conflict", "ok"], f"round {number}: {outcomes}"
        with engine.begin() as conn:  # back to the start, behind the SDK's back
            conn.execute(sa.update(u).where(u.c.id.in_([a.id, b.id])).values(parent_id=root.id))
            rebuild_paths(conn)  # the paths are derived from the parents: put them right too
        for node in sync:  # a cluster: every node has applied the reset before the next round
            with node.connect() as conn:
                conn.execute(sa.select(u.c.id).limit(1)).all()

    race(urls, _move_pair, {"pair": (a.id, b.id)}, rounds=rounds, between=between, processes=processes)
    assert audit_actions(engine)["unit.move"] == rounds  # one entry per move that happened


def test_paired_opposite_moves_never_make_a_cycle(cells: Community, db_url: str) -> None:
    """A under B and B under A at once, 100 times: one wins, the other is refused, never a cycle."""
    paired_moves(cells, [db_url, db_url], 100, processes=is_sqlite(db_url))


# Concurrent transfers of one member ----------------------------------------------------------------


def _transfer(c: Community, role: int, number: int, data: dict[str, Any]) -> None:
    c.members.transfer(data["members"][number], data["targets"][role])


def test_concurrent_transfers_of_one_member(cells: Community, db_url: str) -> None:
    """Two transfers of one member at once: serialized, so the history is a chain and counters stay exact."""
    rounds = 50
    root = cells.org.add("根", "cell-root")
    home, east, west = (cells.org.add(name, "cell", root.id) for name in ("原单位", "东", "西"))
    members = [cells.members.add(f"党员{i}", home.id, category="预备" if i % 2 else "正式",
                                 gender="男" if i % 3 else "女", education="本科").id for i in range(rounds)]
    t = member_tables.transfers
    m = member_tables.members

    def between(number: int, outcomes: list[tuple[str, str]]) -> None:
        assert all(o in ("ok", "Conflict") for o, _ in outcomes), outcomes
        assert "ok" in [o for o, _ in outcomes]
        member = members[number]
        with cells.engine.connect() as conn:
            history = conn.execute(sa.select(t.c.from_unit_id, t.c.to_unit_id).where(t.c.member_id == member)
                                   .order_by(t.c.id)).all()
            now = conn.scalar(sa.select(m.c.unit_id).where(m.c.id == member))
        # Each transfer starts where the one before it ended: no stale "from" unit.
        assert [h.from_unit_id for h in history] == [home.id, *(h.to_unit_id for h in history[:-1])]
        assert history[-1].to_unit_id == now
        assert len(history) == [o for o, _ in outcomes].count("ok")

    race([db_url, db_url], _transfer, {"members": members, "targets": (east.id, west.id)},
         rounds=rounds, between=between, processes=is_sqlite(db_url))
    assert_counters_exact(cells.engine)
    assert sum(cells.org.stats(u.id)[0].members for u in (home, east, west)) == rounds


# Concurrent adds to one branch ------------------------------------------------------------------------


def _add_many(c: Community, role: int, number: int, data: dict[str, Any]) -> None:
    for i in range(data["each"]):
        c.members.add(f"党员{role}-{i}", data["branch"], gender="女" if i % 2 else "男", education="大专",
                      category="预备" if i % 5 == 0 else "正式")


def concurrent_adds(cells: Community, urls: Sequence[str], each: int, *, processes: bool,
                    check: sa.Engine | None = None) -> None:
    root = cells.org.add("根", "cell-root")
    branch = cells.org.add("支部", "cell", root.id)
    outcomes = race(urls, _add_many, {"each": each, "branch": branch.id}, rounds=1, processes=processes)
    assert outcomes == [[("ok", "")] * len(urls)]
    engine = check or cells.engine
    assert_counters_exact(engine)
    total = each * len(urls)
    with engine.connect() as conn:
        s = org_tables.unit_stats
        stored = conn.execute(sa.select(s.c.members, s.c.male, s.c.female).where(s.c.unit_id == branch.id)).one()
    assert tuple(stored) == (total, total // 2, total // 2)
    assert audit_actions(engine)["member.add"] == total


def test_concurrent_adds_to_one_branch(cells: Community, db_url: str) -> None:
    """Two writers adding 200 members each to one branch: all succeed, and its counters equal a fresh count."""
    concurrent_adds(cells, [db_url, db_url], 200, processes=is_sqlite(db_url))


# An import beside single changes -------------------------------------------------------------------


def test_an_import_beside_adds_and_transfers_keeps_the_counters_exact(cells: Community, db_url: str,
                                                                        tmp_path: Any) -> None:
    """A 400-row import into a unit while another writer adds members to it and transfers some away:
    with the other writer's deltas the counters equal a fresh count, and every member has its own
    ``member.add`` entry."""
    import csv

    from communitycore.io.member_import import import_members
    from racing import at_once

    root = cells.org.add("根", "cell-root")
    home, other = (cells.org.add(name, "cell", root.id) for name in ("导入单元", "别处"))
    path = tmp_path / "import.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["姓名", "所在党组织", "学历", "党内职务", "性别"])
        out.writerows([f"导入{i}", home.id, "本科" if i % 2 else "高中", "委员" if i % 7 == 0 else "",
                       "男" if i % 3 else "女"] for i in range(400))
    second = open_cells(db_url)
    try:
        def bulk() -> str:
            return f"imported {import_members(cells, path)}"

        def singles() -> str:
            for i in range(40):
                added = second.members.add(f"单个{i}", home.id, education="研究生", post="书记" if i % 5 == 0 else None)
                if i % 4 == 0:
                    second.members.transfer(added.id, other.id)
            return "added 40"

        assert at_once(bulk, singles) == ["added 40", "imported 400"]
    finally:
        second.close()
    assert_counters_exact(cells.engine)
    assert cells.org.stats(home.id)[0].members == 430 and cells.org.stats(other.id)[0].members == 10
    assert audit_actions(cells.engine)["member.add"] == 440


# A mixed random load -----------------------------------------------------------------------------------

#: Outcomes a random operation may have besides success: refused by a rule, or its unit removed meanwhile.
REFUSALS = ("Conflict", "NotFound")


def _random_work(c: Community, role: int, number: int, data: dict[str, Any]) -> None:
    """Random moves, transfers, member adds and unit adds/removes; reports what succeeded and was announced."""
    rng = random.Random(data["seed"] * 100 + role)
    done: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    units = list(data["units"])
    members = list(data["members"])
    for i in range(data["steps"]):
        kind = rng.choice(("move", "move", "transfer", "transfer", "add", "unit", "remove"))
        try:
            if kind == "move":
                c.org.move(rng.choice(units), rng.choice(units))
                action = "unit.move"
            elif kind == "transfer":
                c.members.transfer(rng.choice(members), rng.choice(units))
                action = "member.transfer"
            elif kind == "add":
                members.append(c.members.add(f"新党员{role}-{i}", rng.choice(units), education="本科").id)
                action = "member.add"
            elif kind == "unit":
                units.append(c.org.add(f"新单元{role}-{i}", "cell", rng.choice(units)).id)
                action = "unit.add"
            else:
                c.org.remove(rng.choice(units[data["keep"]:]))
                action = "unit.remove"
        except Exception as exc:
            if type(exc).__name__ not in REFUSALS:
                raise
            refused[kind] += 1
            continue
        done[action] += 1
    data["report"].put((role, dict(done), dict(refused), dict(data["heard"].actions)))


def test_a_mixed_random_load_keeps_every_invariant(cells: Community, db_url: str) -> None:
    """Several writers at random: no cycle, counters equal a fresh count, one audit entry per change."""
    writers, steps = 3, 60
    root = cells.org.add("根", "cell-root")
    units = [root.id]
    for i in range(8):
        units.append(cells.org.add(f"单元{i}", "cell", units[i // 2]).id)
    members = [cells.members.add(f"党员{i}", units[i % len(units)], gender="男" if i % 2 else "女").id
               for i in range(24)]
    before = audit_actions(cells.engine)
    processes = is_sqlite(db_url)
    report: Any = multiprocessing.get_context("fork").Queue() if processes else queue.Queue()
    data = {"seed": 7, "units": units, "members": members, "steps": steps, "keep": 1, "report": report}
    outcomes = race([db_url] * writers, _random_work, data, rounds=1, processes=processes)
    assert outcomes == [[("ok", "")] * writers], outcomes  # nothing but refusals by the rules
    done: Counter[str] = Counter()
    heard: Counter[str] = Counter()
    for _ in range(writers):
        _role, succeeded, _refused, announced = report.get(timeout=WAIT)
        done.update(succeeded)
        heard.update(announced)
    assert sum(done.values()) > writers * steps // 4  # the load did real work
    parent_of = parents(cells.engine)
    assert not cycles(parent_of)
    assert_counters_exact(cells.engine)
    after = audit_actions(cells.engine)
    changes = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    # One audit entry and one event per change, however often a call ran again; a move to where
    # the unit already was succeeds without being a change.
    assert changes == dict(heard)
    assert {k: v for k, v in changes.items() if k != "unit.move"} == {k: v for k, v in done.items() if k != "unit.move"}
    assert changes.get("unit.move", 0) <= done["unit.move"]
    m = member_tables.members
    with cells.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(m)) == len(members) + done["member.add"]
        assert set(conn.scalars(sa.select(m.c.unit_id))) <= set(parent_of)


# Galera: one writer on each of two nodes ------------------------------------------------------------------


@pytest.fixture
def galera() -> Iterator[tuple[list[str], list[sa.Engine]]]:
    """A fresh database on the cluster (created on node 1, which replicates it): the node URLs, and an
    engine on each node whose reads wait until the node has applied everything committed anywhere."""
    if not GALERA:
        pytest.skip("no Galera cluster: COMMUNITYCORE_GALERA_URLS is not set (`bash .ci/galera env` prints it)")
    nodes = [make_url(u.strip()) for u in GALERA.split(",") if u.strip()]
    name = f"cc_galera_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(nodes[0].set(database=None), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    urls = [n.set(database=name).render_as_string(hide_password=False) for n in nodes]
    open_cells(urls[0]).close()  # the schema, through node 1
    causal = [sa.create_engine(u, connect_args={"init_command": "SET SESSION wsrep_sync_wait = 1"}) for u in urls]
    try:
        yield urls, causal
    finally:
        for engine in causal:
            engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def test_galera_paired_moves_on_two_nodes(galera: tuple[list[str], list[sa.Engine]]) -> None:
    """Paired moves with one writer on node 1 and one on node 2: certification conflicts are retried, no cycle."""
    urls, causal = galera
    with open_cells(urls[0]) as c:
        paired_moves(c, urls[:2], 100, processes=False, check=causal[0], sync=causal[:2])


def test_galera_concurrent_adds_on_two_nodes(galera: tuple[list[str], list[sa.Engine]]) -> None:
    """200 adds on each of two nodes to one branch: all succeed, counters exact."""
    urls, causal = galera
    with open_cells(urls[0]) as c:
        concurrent_adds(c, urls[:2], 200, processes=False, check=causal[0])
