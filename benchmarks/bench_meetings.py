"""Meetings benchmark: the compliance ledger (台账) of a city-scale tree over a year, beside hand-written SQL.

Builds (once) a SQLite database with the library's schema, an organization tree of 20,000 units
(100 街道党工委, 1,000 社区党委, 9,000 党支部, 9,900 党小组) and a year of meetings: every branch
holds its 三会一课 (12 支委会, 12 主题党日, 4 支部党员大会, 4 党课, a 组织生活会, a 民主评议) and every
group twice a month, one meeting in twenty skipped, about 550,000 meetings, each with
``--attendance`` invited members (present, absent without a reason, on leave). Then it prints,
in the same run, medians of ``--repeat`` interleaved runs of:

* (e) ``community.meetings.compliance(None, "2025")``: every unit's required and held meetings
  per type and window, the missed windows, and the members absent 6 months on end, as records;
* (e') the same for one 街道 (200 units), through the subtree filter;
* the baseline: the two hand-written ``GROUP BY`` queries the ledger rests on (meetings per unit,
  type and month; absences without a reason per member and month) through raw ``sqlite3``, rows
  fetched as tuples, nothing done with them.

Target: (e) under 1 s.

Usage::

    python benchmarks/bench_meetings.py                  # builds benchmarks/data/meetings.db once, then measures
    python benchmarks/bench_meetings.py --attendance 2   # fewer attendance rows (its own file)
    python benchmarks/bench_meetings.py --rebuild

This is a script, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sqlite3
import statistics
import time
from pathlib import Path

import communitycore

YEAR = 2025
MEETINGS_SQL = ("SELECT unit_id, type, held_month, COUNT(*) FROM cc_meetings WHERE held_month >= ? AND held_month <= ? "
                "AND status = 'held' GROUP BY unit_id, type, held_month")
ABSENCE_SQL = ("SELECT a.member_id, m.held_month FROM cc_meeting_attendance a "
               "JOIN cc_meetings m ON m.id = a.meeting_id WHERE a.presence = 'absent' AND a.reason IS NULL "
               "AND m.held_month >= ? AND m.held_month <= ? AND m.status = 'held' GROUP BY a.member_id, m.held_month")
BRANCH_YEAR = ([("branch-committee-meeting", month, 8) for month in range(1, 13)]
               + [("theme-day", month, 15) for month in range(1, 13)]
               + [("branch-general-meeting", month, 20) for month in (3, 6, 9, 12)]
               + [("party-lecture", month, 25) for month in (2, 5, 8, 11)]
               + [("organizational-life-meeting", 12, 10), ("democratic-appraisal", 12, 12)])
GROUP_YEAR = [("party-group-meeting", month, day) for month in range(1, 13) for day in (5, 19)]


def build(db: Path, attendance: int, seed: int = 7) -> None:
    """The schema through the library; units, meetings and attendance through raw sqlite3 (executemany)."""
    started = time.perf_counter()
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False, create=True).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    units = [(1 + i, "street-committee", f"第{i + 1}街道党工委", None) for i in range(100)]
    units += [(101 + i, "community-committee", f"第{i + 1}社区党委", 1 + i % 100) for i in range(1000)]
    branches = list(range(1101, 1101 + 9000))
    units += [(b, "branch", f"第{b}党支部", 101 + (b - 1101) % 1000) for b in branches]
    groups = list(range(10101, 10101 + 9900))
    units += [(g, "party-group", f"第{g}党小组", branches[(g - 10101) % 9000]) for g in groups]
    conn.executemany("INSERT INTO cc_units (id, kind, name, parent_id) VALUES (?, ?, ?, ?)", units)
    # The unit path index the library keeps beside the tree (decision 0013), parents listed first.
    paths: dict[int, str] = {}
    for unit_id, _kind, _name, parent in units:
        paths[unit_id] = ("" if parent is None else paths[parent]) + f"{unit_id:010d}"
    conn.executemany("INSERT INTO cc_unit_paths (unit_id, path) VALUES (?, ?)", paths.items())
    conn.executemany("INSERT INTO cc_members (id, name, category, standing, unit_id, in_service, status) "
                     "VALUES (?, ?, 'full', 'normal', ?, 0, 'active')",
                     [(u * 10 + k, f"党员{u * 10 + k}", u) for u in (*branches, *groups) for k in range(attendance)])
    rng = random.Random(seed)
    stamp = f"{YEAR + 1}-01-05 02:00:00.000000"
    meetings, rows = [], []
    meeting_id = 0
    for unit, year in [(b, BRANCH_YEAR) for b in branches] + [(g, GROUP_YEAR) for g in groups]:
        # A unit's members are unit * 10 + k; one member in a hundred never comes (the absence rule).
        for code, month, day in year:
            if rng.random() < 0.05:
                continue
            meeting_id += 1
            meetings.append((meeting_id, unit, code, dt.date(YEAR, month, day).isoformat(), YEAR * 12 + month - 1, "t",
                             "held", stamp))
            for k in range(attendance):
                member = unit * 10 + k
                roll = rng.random()
                if k == 0 and unit % 100 == 0:
                    presence, reason = "absent", None
                elif roll < 0.85:
                    presence, reason = "present", None
                elif roll < 0.95:
                    presence, reason = "absent", None if roll < 0.92 else "出差"
                else:
                    presence, reason = "leave", None
                rows.append((meeting_id, member, presence, reason))
    conn.executemany("INSERT INTO cc_meetings (id, unit_id, type, held_on, held_month, topic, status, recorded_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", meetings)
    conn.executemany("INSERT INTO cc_meeting_attendance (meeting_id, member_id, presence, reason) "
                     "VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    print(f"built {db.name}: {len(units):,} units, {len(meetings):,} meetings, {len(rows):,} attendance rows in "
          f"{time.perf_counter() - started:.0f} s, {db.stat().st_size / 1e6:.0f} MB", flush=True)


def baseline(db: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of the two hand-written queries, and the rows they return."""
    conn = sqlite3.connect(db)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        held = conn.execute(MEETINGS_SQL, (YEAR * 12, YEAR * 12 + 11)).fetchall()
        absent = conn.execute(ABSENCE_SQL, (YEAR * 12 - 5, YEAR * 12 + 11)).fetchall()
        return time.perf_counter() - start, time.process_time() - cpu, len(held) + len(absent)
    finally:
        conn.close()


def library(community: communitycore.Community, unit: int | None) -> tuple[float, float, int, int]:
    """Wall and CPU seconds of the ledger, its rows and its absences."""
    start, cpu = time.perf_counter(), time.process_time()
    found = community.meetings.compliance(unit, str(YEAR))
    return time.perf_counter() - start, time.process_time() - cpu, len(found.rows), len(found.absences)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--attendance", type=int, default=5, help="invited members per meeting")
    parser.add_argument("--workdir", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    db = args.workdir / ("meetings.db" if args.attendance == 5 else f"meetings-{args.attendance}.db")
    if args.rebuild or not db.exists():
        build(db, args.attendance)
    community = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False)
    try:
        print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs; "
              f"medians of {args.repeat}", flush=True)
        library(community, None)  # warm the file cache and the statement caches once
        baseline(db)
        runs: dict[str, list[float]] = {"baseline": [], "e": [], "e'": []}
        cpus: dict[str, list[float]] = {"baseline": [], "e": [], "e'": []}
        found: dict[str, str] = {}
        for _ in range(args.repeat):
            seconds, cpu, count = baseline(db)
            runs["baseline"].append(seconds)
            cpus["baseline"].append(cpu)
            found["baseline"] = f"{count:,} grouped rows"
            for key, unit in (("e", None), ("e'", 1)):
                seconds, cpu, rows, absences = library(community, unit)
                runs[key].append(seconds)
                cpus[key].append(cpu)
                found[key] = f"{rows:,} rows, {absences:,} absences"
        median = {key: statistics.median(values) for key, values in runs.items()}
        cpu_median = {key: statistics.median(values) for key, values in cpus.items()}
        base, cpu_base = median["baseline"], cpu_median["baseline"]
        print(f"{'':4} {'what':58} {'wall s':>8} {'× SQL':>6} {'CPU s':>8} {'× SQL':>6}  result")
        for key, label in (("baseline", "hand-written SQL: the two GROUP BY queries (raw sqlite3)"),
                           ("e", "compliance(None, '2025'): the whole city"),
                           ("e'", "compliance(street 1, '2025'): one 街道 (200 units)")):
            print(f"({key:2}) {label:58} {median[key]:8.3f} {median[key] / base:6.2f} {cpu_median[key]:8.3f} "
                  f"{cpu_median[key] / cpu_base:6.2f}  {found[key]}")
        print(f"target: (e) < 1 s -> wall {'met' if median['e'] < 1 else 'NOT met'}, "
              f"CPU {'met' if cpu_median['e'] < 1 else 'NOT met'}")
    finally:
        community.close()


if __name__ == "__main__":
    main()
