"""Ledger benchmark: fact values over a quarter of a 10,000,000-row activity ledger, beside one GROUP BY.

Builds (once) a SQLite database with the library's schema, an organization tree of 2,001 units
and an activity ledger of 10,000,000 entries over one year: 100,000 member subjects, 10 facts,
quantities of 0.01 to 4.00, appended day by day as a ledger grows, and one entry in a thousand
reversed. Then it prints, in the same run, medians of ``--repeat`` interleaved runs of:

* (d) ``community.activity.values(5 facts, "2026Q2")``: the values of 5 facts for every subject
  over one quarter, as :class:`~communitycore.domain.activity.FactValue` records;
* (d') the same for the subtree of the root unit (``unit=ROOT``: the filter on 2,001 unit ids);
* (d'') the same 5 facts declared ``count``, ``mean``, ``max``, ``sum``, ``sum`` (the reversal-aware
  aggregates: standing entries counted, reversed entries excluded from the maximum);
* the baseline: one hand-written ``SELECT subject_kind, subject_id, fact, SUM(quantity) ... WHERE
  fact IN (...) AND occurred_on BETWEEN ... GROUP BY subject_kind, subject_id, fact`` through raw
  ``sqlite3``, its rows fetched as tuples.

Target: (d) at most 1.5x the baseline.

Usage::

    python benchmarks/bench_ledger.py                    # builds benchmarks/data/ledger.db once, then measures
    python benchmarks/bench_ledger.py --rows 1000000     # a quick check (its own file)
    python benchmarks/bench_ledger.py --rebuild          # build the data set again

This is a script, not a test: nothing here asserts. See ``benchmarks/README.md`` for recorded figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import communitycore
from communitycore import Fact, hookimpl
from communitycore.store.tables import activity as activity_tables

FACTS = ["volunteer-hours", "meetings-attended", "trainings", "requests-handled", "evaluations",
         "patrols", "visits", "lectures", "donations", "mediations"]
QUERIED = FACTS[:5]
YEAR = 2026
PERIOD = f"{YEAR}Q2"
QUARTER = (dt.date(YEAR, 4, 1), dt.date(YEAR, 6, 30))
BASELINE = ("SELECT subject_kind, subject_id, fact, SUM(quantity) FROM cc_activity "
            "WHERE fact IN (?, ?, ?, ?, ?) AND occurred_on BETWEEN ? AND ? "
            "GROUP BY subject_kind, subject_id, fact")


class Facts:
    """The benchmark's facts, all summed (``mixed``: the reversal-aware aggregates for the queried five)."""

    name = "bench-facts"

    def __init__(self, mixed: bool = False) -> None:
        self.mixed = mixed

    @hookimpl
    def communitycore_register_facts(self) -> list[Fact]:
        aggregates = ["count", "mean", "max", "sum", "sum"] if self.mixed else ["sum"] * 5
        return [Fact(code=code, label=code, subject="member",
                     aggregate=aggregates[i] if i < 5 else "sum") for i, code in enumerate(FACTS)]


def add_units(conn: sqlite3.Connection) -> None:
    """The ledger benchmarks' tree, by raw sqlite3: a street (id 1), 100 communities (2-101) and
    1,900 branches under them (102-2001), with their paths."""
    units = [(1, "street-committee", "街道党工委", None)]
    units += [(2 + i, "community-committee", f"第{i + 1}社区党委", 1) for i in range(100)]
    units += [(102 + i, "branch", f"第{i + 1}党支部", 2 + i % 100) for i in range(1900)]
    conn.executemany("INSERT INTO cc_units (id, kind, name, parent_id) VALUES (?, ?, ?, ?)", units)
    # Subtrees are ranges of the path index (decision 0013): each path the ids from the root, ten digits each.
    paths: dict[int, str] = {}
    for unit_id, _kind, _name, parent in units:  # parents come first
        paths[unit_id] = ("" if parent is None else paths[parent]) + f"{unit_id:010d}"
    conn.executemany("INSERT INTO cc_unit_paths (unit_id, path) VALUES (?, ?)", paths.items())


def build(db: Path, rows: int, subjects: int, seed: int = 11) -> None:
    """The schema through the library, units and entries through raw sqlite3 (executemany of tuples)."""
    started = time.perf_counter()
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False, create=True).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    # Indexes are built once after the load (a sort), not row by row.
    indexes = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='cc_activity' AND sql IS NOT NULL")]
    definitions = [sql for (sql,) in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='cc_activity' AND sql IS NOT NULL")]
    for name in indexes:
        conn.execute(f"DROP INDEX {name}")
    add_units(conn)
    rng = random.Random(seed)
    unit_of = [0] + [102 + rng.randrange(1900) for _ in range(subjects)]
    per_day = rows // 365
    extra = rows - per_day * 365
    stamp = f"{YEAR + 1}-01-05 02:00:00.000000"
    sql = ("INSERT INTO cc_activity (subject_kind, subject_id, fact, occurred_on, quantity, unit_id, source_kind, "
           "recorder, recorded_at) VALUES ('member', ?, ?, ?, ?, ?, 'manual', 'bench', ?)")
    randrange = rng.randrange
    day = dt.date(YEAR, 1, 1)
    for index in range(365):
        count = per_day + (1 if index < extra else 0)
        on = day.isoformat()
        batch = []
        for _ in range(count):
            subject = randrange(1, subjects + 1)
            batch.append((subject, FACTS[randrange(10)], on, randrange(1, 401), unit_of[subject], stamp))
        conn.executemany(sql, batch)
        day += dt.timedelta(days=1)
    # One entry in a thousand is reversed: the same entry, quantity negated, reverses set.
    conn.execute("INSERT INTO cc_activity (subject_kind, subject_id, fact, occurred_on, quantity, unit_id, "
                 "source_kind, recorder, reverses, recorded_at) SELECT subject_kind, subject_id, fact, occurred_on, "
                 "-quantity, unit_id, source_kind, recorder, id, recorded_at FROM cc_activity WHERE id % 1000 = 0")
    conn.commit()
    loaded = time.perf_counter()
    for definition in definitions:
        conn.execute(definition)
    conn.commit()
    conn.close()
    print(f"built {db.name}: {rows:,} entries in {loaded - started:.0f} s, indexes in "
          f"{time.perf_counter() - loaded:.0f} s, {db.stat().st_size / 1e9:.2f} GB", flush=True)


def baseline(db: Path) -> tuple[float, float, int]:
    conn = sqlite3.connect(db)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        found = conn.execute(BASELINE, (*QUERIED, QUARTER[0].isoformat(), QUARTER[1].isoformat())).fetchall()
        return time.perf_counter() - start, time.process_time() - cpu, len(found)
    finally:
        conn.close()


def library(community: communitycore.Community, unit: Any = None) -> tuple[float, float, int]:
    start, cpu = time.perf_counter(), time.process_time()
    found = community.activity.values(QUERIED, PERIOD, unit=unit)
    return time.perf_counter() - start, time.process_time() - cpu, len(found)


def captured(community: communitycore.Community, unit: Any) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters the library sends for one values() call (the ledger query itself)."""
    from sqlalchemy import event

    seen: list[tuple[str, tuple[Any, ...]]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if activity_tables.activity.name in statement:
            seen.append((statement, tuple(parameters)))

    event.listen(community.engine, "before_cursor_execute", listen)
    try:
        community.activity.values(QUERIED, PERIOD, unit=unit)
    finally:
        event.remove(community.engine, "before_cursor_execute", listen)
    return seen[-1]


def plan(db: Path, sql: str, params: tuple[Any, ...]) -> str:
    conn = sqlite3.connect(db)
    try:
        return "; ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    db = args.workdir / ("ledger.db" if args.rows == 10_000_000 else f"ledger-{args.rows}.db")
    if args.rebuild or not db.exists():
        build(db, args.rows, args.subjects)
    summed = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False, plugins=[Facts()], create=True)
    mixed = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False,
                               plugins=[Facts(mixed=True)], create=True)
    try:
        print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs; "
              f"{args.rows:,} entries, {args.subjects:,} subjects, medians of {args.repeat}", flush=True)
        library(summed)  # warm the file cache and the statement caches once
        library(mixed)
        baseline(db)
        runs: dict[str, list[float]] = {"baseline": [], "d": [], "d'": [], "d''": []}
        cpu_runs: dict[str, list[float]] = {key: [] for key in runs}
        counts: dict[str, int] = {}
        for _ in range(args.repeat):
            for key, run in (("baseline", lambda: baseline(db)), ("d", lambda: library(summed)),
                             ("d'", lambda: library(summed, 1)), ("d''", lambda: library(mixed))):
                seconds, cpu, found = run()
                runs[key].append(seconds)
                cpu_runs[key].append(cpu)
                counts[key] = found
        median = {key: statistics.median(values) for key, values in runs.items()}
        cpu_median = {key: statistics.median(values) for key, values in cpu_runs.items()}
        base, cpu_base = median["baseline"], cpu_median["baseline"]
        # The machines are shared: wall time swings with the others' load, CPU time far less (SQLite
        # runs in this process, and the data set sits in the page cache after the first run).
        print(f"{'figure':<64} {'wall s':>8} {'ratio':>6} {'CPU s':>8} {'ratio':>6} {'values':>9}")
        labels = {
            "d": "(d) activity.values(5 facts, quarter), all subjects",
            "d'": "(d') the same, unit=the root (IN 2,001 unit ids)",
            "d''": "(d'') count/mean/max/sum/sum, all subjects",
            "baseline": "hand-written GROUP BY, raw sqlite3",
        }
        for key in ("d", "d'", "d''", "baseline"):
            print(f"{labels[key]:<64} {median[key]:>8.3f} {median[key] / base:>5.2f}x "
                  f"{cpu_median[key]:>8.3f} {cpu_median[key] / cpu_base:>5.2f}x {counts[key]:>9,}")
        print("wall runs:", {key: [round(v, 3) for v in values] for key, values in runs.items()})
        print("CPU runs:", {key: [round(v, 3) for v in values] for key, values in cpu_runs.items()})
        params = (*QUERIED, QUARTER[0].isoformat(), QUARTER[1].isoformat())
        print("plan of the baseline:", plan(db, BASELINE, params))
        for key, community, unit in (("d", summed, None), ("d'", summed, 1), ("d''", mixed, None)):
            statement = captured(community, unit)
            print(f"plan of ({key}):", plan(db, *statement))
    finally:
        summed.close()
        mixed.close()


if __name__ == "__main__":
    sys.exit(main())
