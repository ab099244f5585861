"""Dues benchmark: the month's amounts and the arrears list for ``--members`` members, beside hand-written SQL.

Builds (once) a SQLite database with the library's schema: 1,000 branches, ``--members`` members
(default 1,000,000), each with one dues base (a mix of categories and bases) from January of the
year, and a year of payments in which one member in ten skips months. Then it prints, in the same
run, medians of ``--repeat`` runs of:

* (a) ``community.dues.amounts(month=...)``: what every member owes for one month, and (a') the same
  read through as records;
* (b) ``community.dues.arrears(since=..., through=...)``: unpaid months per member over the year,
  read from each member's stored standing;
* the baselines, through raw ``sqlite3``, rows fetched as tuples, nothing done with them: for (a)
  every base up to the month per active member (the same join); for (b) the same read of the
  standing rows that may hold a short month, and, for scale, the bases and the year's payments
  summed per member and month (what arrears read before the standing was kept).

The data is written by hand, not through the library, so its standings are worked out once
(``community.dues.refresh()``, timed and printed) before the runs.

Target (the issue's): under 2 s each.

Usage::

    python benchmarks/bench_dues.py                      # builds benchmarks/data/dues-1000000.db once
    python benchmarks/bench_dues.py --members 100000

This is a script, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import time
from pathlib import Path

import communitycore
from communitycore.clock import Clock

YEAR = 2025
BASES_SQL = "SELECT member_id, from_month, category, base_fen, reduced_fen FROM cc_dues_bases ORDER BY member_id"
IN_FORCE_SQL = ("SELECT m.id, b.category, b.base_fen, b.reduced_fen, b.base_kind FROM cc_members m "
                "JOIN cc_dues_bases b ON b.member_id = m.id AND b.from_month <= ? "
                "WHERE m.status = 'active' ORDER BY m.id, b.from_month, b.id")
STANDING_SQL = ("SELECT m.id, m.name, m.unit_id, s.frontier, s.tail_due, s.short_runs FROM cc_members m "
                "JOIN cc_dues_standing s ON s.member_id = m.id WHERE m.status = 'active' "
                "AND ((s.first_short <= ? AND s.last_short >= ?) OR (s.tail_due AND s.frontier < ?))")
PAID_SQL = ("SELECT member_id, month, SUM(amount_fen) FROM cc_dues_payments WHERE extra = 0 AND month BETWEEN ? AND ? "
            "GROUP BY member_id, month")


def build(path: Path, members: int) -> None:
    with communitycore.open(f"sqlite:///{path}", actor="bench", autoload=False, create=True) as c:
        street = c.org.add("街道党工委", "street-committee")
        committee = c.org.add("社区党委", "community-committee", street.id)
        branch = c.org.add("党支部", "branch", committee.id)
        unit_id = branch.id
    rng = random.Random(7)
    first = YEAR * 12
    stamp = "2025-01-01 00:00:00.000000"
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO cc_members (id, name, category, standing, unit_id, in_service, status, join_date) "
            "VALUES (?, ?, 'full', 'normal', ?, 1, 'active', '2000-07-01')",
            ((i, f"党员{i}", unit_id) for i in range(1, members + 1)))
        choices = [("employed", 300000), ("employed", 480000), ("employed", 800000), ("retired", 420000),
                   ("student", None), ("farmer", None)]
        dues_fen = [1500, 4800, 12000, 2100, 20, 20]  # what each choice owes a month
        conn.executemany(
            "INSERT INTO cc_dues_bases (member_id, from_month, category, base_fen, recorded_at) VALUES (?, ?, ?, ?, ?)",
            ((i, first, *choices[i % len(choices)], stamp) for i in range(1, members + 1)))

        def payments():  # one member in ten stops paying after April
            for i in range(1, members + 1):
                skip = rng.random() < 0.1
                for month in range(first, first + 12):
                    if skip and month >= first + 4:
                        continue
                    paid_on = f"{YEAR}-{month - first + 1:02d}-10"
                    yield (i, month, dues_fen[i % len(choices)], paid_on, 0, 0, "bench", stamp)
        conn.executemany(
            "INSERT INTO cc_dues_payments (member_id, month, amount_fen, paid_on, extra, central, recorded_by, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", payments())
    conn.close()


def median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    data = Path(__file__).parent / "data"
    data.mkdir(exist_ok=True)
    path = data / f"dues-{args.members}.db"
    if args.rebuild and path.exists():
        path.unlink()
    if not path.exists():
        start = time.perf_counter()
        build(path, args.members)
        print(f"built {path.name} in {time.perf_counter() - start:.1f} s")
    c = communitycore.open(f"sqlite:///{path}", actor="bench", autoload=False,
                           clock=Clock("Asia/Shanghai", fixed=dt.datetime(YEAR + 1, 1, 15, 10)))
    raw = sqlite3.connect(path)
    if not raw.execute("SELECT 1 FROM cc_dues_standing LIMIT 1").fetchall():
        start = time.perf_counter()
        c.dues.refresh()
        print(f"standings worked out once (dues.refresh) in {time.perf_counter() - start:.1f} s")
    first, last = YEAR * 12, YEAR * 12 + 11
    a = median(lambda: c.dues.amounts(month=f"{YEAR}-06"), args.repeat)
    a_read = median(lambda: list(c.dues.amounts(month=f"{YEAR}-06")), args.repeat)
    b = median(lambda: c.dues.arrears(since=f"{YEAR}-01", through=f"{YEAR}-12"), args.repeat)
    in_force = median(lambda: raw.execute(IN_FORCE_SQL, (first + 5,)).fetchall(), args.repeat)
    standing = median(lambda: raw.execute(STANDING_SQL, (last, first, last)).fetchall(), args.repeat)
    base = median(lambda: raw.execute(BASES_SQL).fetchall(), args.repeat)
    paid = median(lambda: raw.execute(PAID_SQL, (first, last)).fetchall(), args.repeat)
    flagged = sum(1 for x in c.dues.arrears(since=f"{YEAR}-01", through=f"{YEAR}-12") if x.lapse_flag)
    print(f"members: {args.members:,}; flagged by the lapse rule: {flagged:,}")
    print(f"(a) dues.amounts, one month       {a:7.3f} s   raw base in force {in_force:7.3f} s   "
          f"ratio {a / in_force:5.1f}x")
    print(f"(a') amounts read as records       {a_read:7.3f} s")
    print(f"(b) dues.arrears, one year        {b:7.3f} s   raw standing rows {standing:7.3f} s   "
          f"ratio {b / standing:5.1f}x")
    print(f"    for scale: raw bases + the year's payments summed {base + paid:7.3f} s")
    print("target: under 2 s each")
    raw.close()
    c.close()


if __name__ == "__main__":
    main()
