"""Service metrics benchmark: 接诉即办 metrics of a street subtree over a year of 1,000,000 requests, beside SQL.

Builds (once) a SQLite database with the library's schema, one street (街道党工委) with 20
communities of 5 branches each (121 units) and 1,000,000 resident requests created over 2025 at
those units, with the facts the metrics count kept on each request as the workflow keeps them
(deadlines, first acceptance, latest resolution with their seconds, latest evaluation, and the
small integers the metrics sum). Then it
prints, in the same run, medians of ``--repeat`` interleaved runs of:

* ``community.services.metrics("2025", unit=STREET)``: received, the three rates, the composite,
  both medians and overdue, as one :class:`~communitycore.domain.services.Metrics`;
* the baseline: the same counts in one hand-written ``SELECT … SUM(CASE …)`` and the durations
  for the medians in a second, through raw ``sqlite3``, medians by ``statistics.median``.

Target: the library under 1 s.

Usage::

    python benchmarks/bench_services.py                  # builds benchmarks/data/services.db once, then measures
    python benchmarks/bench_services.py --rows 100000    # a quick check (its own file)
    python benchmarks/bench_services.py --rebuild        # build the data set again

This is a script, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import communitycore
from communitycore.clock import Clock

FORMAT = "%Y-%m-%d %H:%M:%S.%f"
DEADLINES = {"emergency": (30, 2), "utility": (1440, 24), "general": (1440, 168), "complex": (1440, 360)}
NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
BASELINE = """
SELECT COUNT(*), SUM(responded), COUNT(points), SUM(solved), SUM(points = 10), SUM(points = 9),
       SUM(resolved_late) + SUM(resolution_seconds IS NULL AND resolution_due < ?)
FROM cc_service_requests
WHERE created_at >= ? AND created_at < ? AND state != 'cancelled' AND unit_id IN ({units})
"""
DURATIONS = """
SELECT response_seconds, resolution_seconds FROM cc_service_requests
WHERE created_at >= ? AND created_at < ? AND state != 'cancelled' AND unit_id IN ({units})
  AND (response_seconds IS NOT NULL OR resolution_seconds IS NOT NULL)
"""


def build(db: Path, rows: int, seed: int = 12) -> int:
    """The schema and the tree through the library, the requests through raw sqlite3; returns the street's id."""
    started = time.perf_counter()
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    c = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False, create=True)
    street = c.org.add("城南街道党工委", "street-committee")
    units = []
    for i in range(20):
        community = c.org.add(f"第{i + 1}社区党委", "community-committee", street)
        units.append(community.id)
        units.extend(c.org.add(f"第{j + 1}党支部", "branch", community).id for j in range(5))
    c.close()
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    year = 365 * 24 * 3600
    batch = []
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    sql = ("INSERT INTO cc_service_requests (unit_id, category, program, resident_id, urgency, channel, text, state,"
           " assignee_kind, assignee_id, created_at, created_by, response_due, resolution_due, accepted_at,"
           " response_seconds, resolved_at, resolution_seconds, evaluations, solved, satisfaction, responded,"
           " resolved_late, points)"
           " VALUES (?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, 'bench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    urgencies = list(DEADLINES)
    for n in range(rows):
        created = start + dt.timedelta(seconds=rng.randrange(year))
        urgency = urgencies[rng.randrange(4)]
        minutes, hours = DEADLINES[urgency]
        response = rng.randrange(60, 3 * minutes * 60)
        resolution = rng.randrange(response, response + 2 * hours * 3600) if rng.random() < 0.9 else None
        evaluated = resolution is not None and rng.random() < 0.8
        cancelled = rng.random() < 0.02
        state = "cancelled" if cancelled else "closed" if evaluated else "resolved" if resolution else "accepted"
        verdict = rng.choice(("satisfied", "satisfied", "basic", "dissatisfied")) if evaluated else None
        batch.append((
            units[rng.randrange(len(units))], "care", urgency, "hotline", f"诉求{n}", state, "unit", units[0],
            created.strftime(FORMAT), (created + dt.timedelta(minutes=minutes)).strftime(FORMAT),
            (created + dt.timedelta(hours=hours)).strftime(FORMAT),
            (created + dt.timedelta(seconds=response)).strftime(FORMAT), response,
            None if resolution is None else (created + dt.timedelta(seconds=resolution)).strftime(FORMAT),
            resolution, 1 if evaluated else 0, None if not evaluated else int(verdict != "dissatisfied"), verdict,
            int(response <= minutes * 60), None if resolution is None else int(resolution > hours * 3600),
            None if verdict is None else {"satisfied": 10, "basic": 9, "dissatisfied": 0}[verdict]))
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    print(f"built {rows:,} requests over {len(units) + 1} units in {time.perf_counter() - started:.1f} s")
    return street.id


def baseline(db: Path, units: list[int]) -> tuple[float, float, int]:
    conn = sqlite3.connect(db)
    marks = ", ".join("?" * len(units))
    start, end = dt.datetime(2024, 12, 31, 16, 0), dt.datetime(2025, 12, 31, 16, 0)  # 2025 in Asia/Shanghai, in UTC
    began, cpu = time.perf_counter(), time.process_time()
    counts = conn.execute(BASELINE.format(units=marks),
                          (NOW.strftime(FORMAT), start.strftime(FORMAT), end.strftime(FORMAT), *units)).fetchone()
    durations = conn.execute(DURATIONS.format(units=marks), (start.strftime(FORMAT), end.strftime(FORMAT),
                                                             *units)).fetchall()
    statistics.median(d[0] for d in durations if d[0] is not None)
    statistics.median(d[1] for d in durations if d[1] is not None)
    elapsed, spent = time.perf_counter() - began, time.process_time() - cpu
    conn.close()
    return elapsed, spent, int(counts[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    name = "services.db" if args.rows == 1_000_000 else f"services-{args.rows}.db"
    db = args.workdir / name
    if args.rebuild or not db.exists():
        build(db, args.rows)
    c = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False,
                           clock=Clock("Asia/Shanghai", fixed=NOW))
    street = c.org.children(None)[0]
    units = [u.id for u in c.org.subtree(street.id)]
    ours: list[float] = []
    theirs: list[float] = []
    ours_cpu: list[float] = []
    theirs_cpu: list[float] = []
    found = None
    for _ in range(args.repeat):
        began, cpu = time.perf_counter(), time.process_time()
        [found] = c.services.metrics("2025", unit=street.id)
        ours.append(time.perf_counter() - began)
        ours_cpu.append(time.process_time() - cpu)
        elapsed, spent, received = baseline(db, units)
        theirs.append(elapsed)
        theirs_cpu.append(spent)
    c.close()
    print(f"python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, {sys.platform}")
    print(f"received {found.received:,} (baseline {received:,}); response {found.response_rate}, "
          f"resolution {found.resolution_rate}, satisfaction {found.satisfaction_rate}, overdue {found.overdue:,}")
    print(f"community.services.metrics: {statistics.median(ours):.3f} s wall, {statistics.median(ours_cpu):.3f} s CPU"
          f" (medians of {args.repeat})")
    print(f"hand-written SQL:           {statistics.median(theirs):.3f} s wall, "
          f"{statistics.median(theirs_cpu):.3f} s CPU")
    print(f"ratio: {statistics.median(ours) / statistics.median(theirs):.2f}x wall, "
          f"{statistics.median(ours_cpu) / statistics.median(theirs_cpu):.2f}x CPU; target: under 1 s")


if __name__ == "__main__":
    main()
