"""Ledger writes: ``community.activity.record_many`` beside raw sqlite3 writing the same rows.

Builds (once per run, in the work directory) a SQLite database with the library's schema, 2,001
units and ``--members`` members (20,000 by default), then times, on a fresh copy of it for each
call, interleaved and repeated (``--repeat``, default 3), medians shown:

* (w) ``record_many`` of ``--entries`` entries (100,000 by default) of a fact counted per entry,
  five to a member on five days;
* (w') the same entries of a fact of hours, whose day is held to 24 hours: the ledger locks the
  subjects and adds each day's entries to what the day held already before it writes;
* the baseline: raw ``sqlite3`` in one transaction, ``executemany`` of the same rows as tuples
  (the entry's unit, looked up by the library, given by hand) and the batch's audit entry, with
  none of the library's checks (facts, subjects, quantities, permissions, day limits).

The entries are built as :class:`~communitycore.domain.activity.NewEntry` records before the
clock starts (the caller's side); their construction is printed on its own line.

Usage::

    python benchmarks/bench_ledger_writes.py                      # 100,000 entries, about a minute
    python benchmarks/bench_ledger_writes.py --entries 20000      # a quick check

This is a script, not a test: nothing here asserts. See ``benchmarks/README.md`` for recorded figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench_ledger import add_units  # the same tree (this directory is on the path of a script run from it)

import communitycore
from communitycore import Fact, hookimpl
from communitycore.domain.activity import NewEntry

YEAR = 2026
COUNTED, HOURS = "bench-visits", "bench-hours"


class Facts:
    """The benchmark's two facts about members: one counted per entry, one of hours (24 a day at most)."""

    name = "bench-ledger-facts"

    @hookimpl
    def communitycore_register_facts(self) -> list[Fact]:
        return [Fact(code=COUNTED, label="走访", subject="member"),
                Fact(code=HOURS, label="服务时长", subject="member", unit="hours", minimum="0.01", maximum="24",
                     day_maximum="24")]


def build(db: Path, members: int) -> list[int]:
    """The schema through the library; units and members through raw sqlite3. Returns each member's unit."""
    communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False, create=True).close()
    conn = sqlite3.connect(db)
    add_units(conn)  # the branches are units 102-2001
    unit_of = [0] + [102 + i % 1900 for i in range(members)]
    conn.executemany("INSERT INTO cc_members (id, name, category, standing, unit_id, in_service, status) "
                     "VALUES (?, ?, 'full', 'normal', ?, 0, 'active')",
                     [(i, f"党员{i}", unit_of[i]) for i in range(1, members + 1)])
    conn.commit()
    conn.close()
    return unit_of


def entries(fact: str, count: int, members: int) -> list[NewEntry]:
    """``count`` entries, member after member, each member's on days one after another (0.5 to 4 hours)."""
    first = dt.date(YEAR, 1, 5)
    return [NewEntry(subject_kind="member", subject_id=1 + i % members, fact=fact,
                     on=first + dt.timedelta(days=i // members), quantity=Decimal(50 + 25 * (i % 15)) / 100)
            for i in range(count)]


def library(db: Path, batch: list[NewEntry]) -> tuple[float, float]:
    community = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False, plugins=[Facts()])
    try:
        start, cpu = time.perf_counter(), time.process_time()
        community.activity.record_many(batch)
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        community.close()


def raw(db: Path, batch: list[NewEntry], unit_of: list[int]) -> tuple[float, float]:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        start, cpu = time.perf_counter(), time.process_time()
        stamp = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
        rows = [(e.subject_kind, e.subject_id, e.fact, e.on.isoformat(), str(e.quantity), unit_of[e.subject_id],
                 e.source_kind, e.source_id, "bench", e.note, None, stamp) for e in batch]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO cc_activity (subject_kind, subject_id, fact, occurred_on, quantity, unit_id, "
                         "source_kind, source_id, recorder, note, reverses, recorded_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        last_id, last_hash = conn.execute("SELECT last_id, last_hash FROM cc_audit_head WHERE id = 1").fetchone()
        conn.execute("INSERT INTO cc_audit (id, at, actor, action, entity, entity_id, before, after, note, prev_hash, "
                     "hash) VALUES (?, ?, 'bench', 'activity.record', 'activity', NULL, NULL, ?, NULL, ?, ?)",
                     (last_id + 1, stamp, f'{{"entries":{len(rows)}}}', last_hash, "0" * 64))
        conn.execute("UPDATE cc_audit_head SET last_id = last_id + 1 WHERE id = 1")
        conn.execute("COMMIT")
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="cc-ledger-writes-"))
    work.mkdir(parents=True, exist_ok=True)
    base = work / "base.db"
    base.unlink(missing_ok=True)
    unit_of = build(base, args.members)
    started = time.perf_counter()
    batches = {"w": entries(COUNTED, args.entries, args.members), "w'": entries(HOURS, args.entries, args.members)}
    built = (time.perf_counter() - started) / 2
    runs: dict[str, list[tuple[float, float]]] = {"w": [], "w'": [], "baseline": []}
    copy = work / "run.db"
    for _ in range(args.repeat):
        for key in runs:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            shutil.copy(base, copy)
            runs[key].append(raw(copy, batches["w"], unit_of) if key == "baseline" else library(copy, batches[key]))
    wall = {key: statistics.median(r[0] for r in values) for key, values in runs.items()}
    cpu = {key: statistics.median(r[1] for r in values) for key, values in runs.items()}
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs; "
          f"{args.entries:,} entries, {args.members:,} members, medians of {args.repeat}")
    print(f"building the {args.entries:,} NewEntry records (the caller's side, not timed below): {built:.2f} s")
    print(f"{'figure':<70} {'wall s':>7} {'ratio':>6} {'CPU s':>7} {'ratio':>6} {'entries/s':>10}")
    labels = {"w": "(w) record_many, a fact counted per entry",
              "w'": "(w') record_many, a fact of hours held to 24 a day",
              "baseline": "raw sqlite3: executemany of the same rows and one audit entry"}
    for key in ("w", "w'", "baseline"):
        print(f"{labels[key]:<70} {wall[key]:>7.3f} {wall['baseline'] / wall[key]:>5.2f}x {cpu[key]:>7.3f} "
              f"{cpu['baseline'] / cpu[key]:>5.2f}x {args.entries / wall[key]:>10,.0f}")
    print("wall runs:", {key: [round(r[0], 3) for r in values] for key, values in runs.items()})
    if args.workdir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
