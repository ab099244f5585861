"""Assessment benchmark: a quarterly run for 100,000 members over a 10,000,000-row ledger, beside one GROUP BY.

Builds (once) the ledger of ``bench_ledger.py`` (2,001 units, 100,000 member subjects, 10 facts,
one entry in a thousand reversed) in its own file, adds the 100,000 members to ``cc_members``,
and registers a quarterly scheme over five of the facts (points per unit, caps, a floor, a veto,
bands with a 1/3 quota). Then it prints, in the same run, medians of ``--repeat`` interleaved runs of:

* ``community.assessments.run(scheme, "2026Q2", unit=ROOT)``: the whole run: the subtree, the one
  ledger query, the cohort, the scoring with quotas and ranks, and storing the run with 100,000
  explained results, committed;
* the baseline: one hand-written ``SELECT subject_kind, subject_id, fact, SUM(quantity) ... GROUP BY
  subject_kind, subject_id, fact`` over the same rows through raw ``sqlite3``, its rows fetched.

Target: the run at most 2x the baseline.

Usage::

    python benchmarks/bench_assess.py                    # builds benchmarks/data/assess.db once, then measures
    python benchmarks/bench_assess.py --rows 1000000     # a quick check (its own file)

This is a script, not a test: nothing here asserts. See ``benchmarks/README.md`` for recorded figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_ledger  # the ledger's own benchmark builds the data set

import communitycore
from communitycore import GradeBand, ScoreItem, ScoringScheme, hookimpl

SCHEME = ScoringScheme(
    code="bench-points", label="积分", subject="member", period="quarterly", base=60,
    items=(ScoreItem(fact="volunteer-hours", points=0.5, cap=20),
           ScoreItem(fact="meetings-attended", points=0.1, cap=12),
           ScoreItem(fact="trainings", points=0.2, cap=10),
           ScoreItem(fact="requests-handled", points=-0.1, floor=-10)),
    vetoes=("evaluations",),
    bands=(GradeBand(grade="excellent", min_score=90, quota="1/3"), GradeBand(grade="qualified", min_score=60)),
)


class Scheme(bench_ledger.Facts):
    """The ledger's facts and one quarterly scheme over five of them."""

    name = "bench-scheme"

    @hookimpl
    def communitycore_register_scoring_schemes(self) -> list[ScoringScheme]:
        return [SCHEME]


def add_members(db: Path, subjects: int) -> None:
    conn = sqlite3.connect(db)
    try:
        if conn.execute("SELECT count(*) FROM cc_members").fetchone()[0]:
            return
        units = {s: u for s, u in conn.execute("SELECT subject_id, min(unit_id) FROM cc_activity GROUP BY subject_id")}
        rows = [(s, f"党员{s}", "full", "normal", units.get(s, 102), 1, "active") for s in range(1, subjects + 1)]
        conn.executemany("INSERT INTO cc_members (id, name, category, standing, unit_id, in_service, status) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.commit()
    finally:
        conn.close()


def baseline(db: Path) -> tuple[float, float]:
    seconds, cpu, _rows = bench_ledger.baseline(db)
    return seconds, cpu


def run(community: communitycore.Community) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    community.assessments.run("bench-points", bench_ledger.PERIOD, 1)
    return time.perf_counter() - start, time.process_time() - cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    db = args.workdir / ("assess.db" if args.rows == 10_000_000 else f"assess-{args.rows}.db")
    if not db.exists():
        bench_ledger.build(db, args.rows, args.subjects)
    add_members(db, args.subjects)
    community = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False, plugins=[Scheme()])
    try:
        print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs; "
              f"{args.rows:,} entries, {args.subjects:,} members, medians of {args.repeat}", flush=True)
        baseline(db)  # warm the file cache once
        # Wall time swings with the others' load on shared machines; CPU time of this process (SQLite
        # runs in it, the data set in the page cache after the first run) measures the work itself.
        times: dict[str, list[tuple[float, float]]] = {"run": [], "baseline": []}
        for _ in range(args.repeat):
            times["baseline"].append(baseline(db))
            times["run"].append(run(community))
        wall = {key: statistics.median(w for w, _c in values) for key, values in times.items()}
        cpu = {key: statistics.median(c for _w, c in values) for key, values in times.items()}
        print(f"{'figure':<56} {'wall s':>8} {'ratio':>6} {'CPU s':>8} {'ratio':>6}")
        for key, label in (("run", "assessments.run(quarterly scheme, root), stored"),
                           ("baseline", "hand-written GROUP BY, raw sqlite3")):
            print(f"{label:<56} {wall[key]:>8.3f} {wall[key] / wall['baseline']:>5.2f}x "
                  f"{cpu[key]:>8.3f} {cpu[key] / cpu['baseline']:>5.2f}x")
        print("runs (wall, CPU):", {key: [(round(w, 3), round(c, 3)) for w, c in values]
                                    for key, values in times.items()})
    finally:
        community.close()


if __name__ == "__main__":
    sys.exit(main())
