"""City-scale benchmark: member import and whole-tree roll-up, beside raw sqlite3 in the same run.

Builds a SQLite database with a realistic organization tree (by default 20,000 units: streets →
communities → branches → party groups) and a 1,000,000-row member CSV with Chinese headers and
valid 公民身份号码, then prints one table:

* (a) import rows/s: ``communitycore.io.member_import.import_members`` (the function behind
  ``community member import``; ``--via cli`` runs the console command instead) against raw
  ``sqlite3`` reading the same CSV with ``csv.reader`` and ``executemany``-ing the same rows into
  the same schema, in one transaction, without any validation. Each runs in its own subprocess on
  a fresh copy of the same database file. The import gives its connection a 64 MB page cache;
  raw sqlite3 runs with that cache (the target's comparison) and with SQLite's default 2 MB.
  (a'') adds to that raw run what the import must write besides the members, also by hand: one
  ``member.add`` audit entry per member, SHA-256-chained, and the batch's entry.
* (b) peak memory of the import: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that subprocess
  (the whole process: interpreter, SQLAlchemy, the plugins and the import).
* (c) whole-tree roll-up: ``community.org.stats_all()`` with the average ages in 周岁 (counted when
  its first record is read) against a hand-written ``GROUP BY`` over the members table plus a
  Python pass over the parent map (medians of 5 runs).
* (e)-(h) single-unit figures on the imported database, each beside hand-written SQL giving the
  same answer through raw ``sqlite3`` in the same process (medians of 21 runs, wall and CPU):
  ``org.stats(one branch)``, ``org.check(one community)``, ``audit.list(entity="member",
  entity_id=N)``, and ``community member list --unit BRANCH --limit 20`` as a whole process
  (interpreter start included, median of 7) beside ``python -c`` running the same query.

Usage::

    python benchmarks/bench_city.py                      # full size: 20,000 units, 1,000,000 members
    python benchmarks/bench_city.py --units 2000 --members 100000   # a quick check
    python benchmarks/bench_city.py --workdir DIR --reuse --single-unit-only  # (e)-(h) again on DIR/import.db

This is a script, not a test: nothing here asserts. See ``benchmarks/README.md`` for recorded figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HEADERS = ["姓名", "性别", "民族", "出生日期", "公民身份号码", "学历", "入党日期", "转正日期", "党员类别",
           "党员状态", "所在党组织", "联系电话", "党内职务", "工作单位", "是否在职党员"]
# The members table's columns, and which CSV column feeds each (the raw baseline's only mapping).
MEMBER_COLUMNS = ["name", "gender", "ethnicity", "birth_date", "id_number", "education", "join_date", "full_date",
                  "category", "standing", "unit_id", "phone", "post", "employer", "in_service"]

_CHECK = "10X98765432"
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def check_character(first17: str) -> str:
    """GB 11643 check character (written out here so the generator does not time the library)."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


# Data set ------------------------------------------------------------------------------------

def build_units(db: Path, total: int) -> list[str]:
    """Insert a tree of ``total`` units; return the full paths of the units members belong to."""
    streets = max(1, round(total * 0.005))
    communities = max(streets, round(total * 0.05))
    branches = max(communities, round(total * 0.45))
    groups = max(0, total - streets - communities - branches)
    rows: list[tuple[int, str, str, int | None]] = []
    paths: dict[int, str] = {}
    next_id = 1

    def add(kind: str, name: str, parent: int | None) -> int:
        nonlocal next_id
        unit_id = next_id
        next_id += 1
        rows.append((unit_id, kind, name, parent))
        paths[unit_id] = name if parent is None else f"{paths[parent]}/{name}"
        return unit_id

    street_ids = [add("street-committee", f"第{i + 1}街道党工委", None) for i in range(streets)]
    community_ids = [add("community-committee", f"第{i + 1}社区党委", street_ids[i % streets])
                     for i in range(communities)]
    branch_ids = [add("branch", f"第{i + 1}党支部", community_ids[i % communities]) for i in range(branches)]
    group_ids = [add("party-group", f"第{i + 1}党小组", branch_ids[i % branches]) for i in range(groups)]
    keys: dict[int, str] = {}
    for unit_id, _kind, _name, parent in rows:  # parents come first
        keys[unit_id] = (keys[parent] if parent is not None else "") + f"{unit_id:010d}"
    con = sqlite3.connect(db)
    with con:
        con.executemany("INSERT INTO cc_units (id, kind, name, parent_id) VALUES (?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO cc_unit_paths (unit_id, path) VALUES (?, ?)", keys.items())
    con.close()
    return [paths[i] for i in (*branch_ids, *group_ids)]


def write_members_csv(path: Path, count: int, unit_paths: list[str], seed: int = 7) -> None:
    """``count`` members with valid, unique ID numbers, consistent birth dates and genders."""
    rng = random.Random(seed)
    regions = ["110101", "110105", "120103", "310104", "320282", "321282", "330106", "340104", "370202",
               "420106", "440106", "440305", "500103", "510107", "610113", "210102"]
    first = dt.date(1940, 1, 1)
    days = (dt.date(2000, 12, 31) - first).days + 1
    # A permutation of 0..space-1 spreads ID numbers over the index as real data does.
    space = days * len(regions) * 1000
    step = 1_000_003  # prime, coprime with space
    assert count <= space
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅金凤海燕文博宇浩然子涵欣怡"
    employers = [f"第{i}有限公司" for i in range(1, 400)] + ["", "", ""]
    educations = ["小学", "初中", "高中", "中专", "大专", "本科", "本科", "研究生"]
    posts = [""] * 40 + ["书记", "副书记", "组织委员", "宣传委员", "纪检委员", "组长"]
    date_text = [(first + dt.timedelta(days=d)).isoformat() for d in range(days)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        chunk: list[list[str]] = []
        for i in range(count):
            j = (i * step) % space
            day, rest = j % days, j // days
            region, seq = regions[rest % len(regions)], rest // len(regions)
            birth = date_text[day]
            first17 = f"{region}{birth[:4]}{birth[5:7]}{birth[8:]}{seq:03d}"
            id_number = first17 + check_character(first17)
            year = int(birth[:4])
            join_year = min(2024, year + 19 + rng.randrange(25))  # 18 or older, whatever the day
            join = f"{join_year}-{birth[5:7]}-{min(int(birth[8:]), 28):02d}"
            probationary = join_year == 2024 and rng.random() < 0.5
            chunk.append([
                rng.choice(surnames) + rng.choice(given) + (rng.choice(given) if rng.random() < 0.6 else ""),
                "男" if seq % 2 else "女",
                "汉族" if rng.random() < 0.92 else rng.choice(["回族", "满族", "蒙古族", "壮族"]),
                birth,
                id_number,
                rng.choice(educations),
                join,
                "" if probationary else f"{join_year + 1}{join[4:]}",
                "预备党员" if probationary else "正式党员",
                "正常" if rng.random() < 0.97 else rng.choice(["流动", "失联"]),
                rng.choice(unit_paths),
                f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                rng.choice(posts),
                rng.choice(employers),
                "是" if rng.random() < 0.4 else "否",
            ])
            if len(chunk) == 20_000:
                writer.writerows(chunk)
                chunk.clear()
        writer.writerows(chunk)


# Children (each measured in its own process) --------------------------------------------------

def child_import(db: Path, source: Path) -> dict[str, Any]:
    """Run ``import_members`` on a fresh database; time it and read the process's peak memory."""
    import communitycore
    from communitycore.io.member_import import import_members

    community = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False, create=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    rows = import_members(community, source)
    seconds = time.perf_counter() - start
    community.close()
    return _result(rows, seconds, cpu_start)


def _result(rows: int, seconds: float, cpu_start: float) -> dict[str, Any]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"rows": rows, "seconds": seconds, "cpu": time.process_time() - cpu_start, "maxrss_kb": usage.ru_maxrss}


def child_import_cli(db: Path, source: Path) -> dict[str, Any]:
    """The console command ``community member import`` (timed from outside, process start included)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "communitycore", "--db", f"sqlite:///{db}", "--no-plugins",
                    "--actor", "bench", "member", "import", str(source)], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    rows = sqlite3.connect(db).execute("SELECT count(*) FROM cc_members").fetchone()[0]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"rows": rows, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}


def child_raw(db: Path, source: Path, cache_kb: int = 0, audit: bool = False) -> dict[str, Any]:
    """Raw sqlite3: csv.reader → tuples → executemany in one transaction, no validation at all.

    ``cache_kb`` sets SQLite's page cache as the import sets it for its connection (0: SQLite's
    default of 2 MB). With ``audit``, the same transaction also writes what the import must write
    besides the members: one ``member.add`` entry per member, chained by SHA-256 (see
    :func:`_raw_audit`), and the batch's own entry.
    """
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    if cache_kb:
        con.execute(f"PRAGMA cache_size = -{cache_kb}")
    parent = {}
    names = {}
    for unit_id, name, parent_id in con.execute("SELECT id, name, parent_id FROM cc_units"):
        names[unit_id], parent[unit_id] = name, parent_id
    paths: dict[str, int] = {}
    for unit_id in names:
        chain, current = [], unit_id
        while current is not None:
            chain.append(names[current])
            current = parent[current]
        paths["/".join(reversed(chain))] = unit_id
    start, cpu_start = time.perf_counter(), time.process_time()
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        unit_at = HEADERS.index("所在党组织")

        def rows() -> Any:
            for row in reader:
                row[unit_at] = paths[row[unit_at]]
                yield [value or None for value in row]

        con.execute("BEGIN")
        con.executemany(f"INSERT INTO cc_members ({', '.join(MEMBER_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(MEMBER_COLUMNS))})", rows())
        if audit:
            _raw_audit(con, source.name)
        con.execute("COMMIT")
    seconds = time.perf_counter() - start
    rows_in = con.execute("SELECT count(*) FROM cc_members").fetchone()[0]
    con.close()
    return _result(rows_in, seconds, cpu_start)


def _raw_audit(con: sqlite3.Connection, file: str) -> None:
    """By hand, the audit entries an import writes: one per member, then one for the batch.

    Each entry's hash is the SHA-256 of a text holding its id, its predecessor's hash and its
    fields, laid out as the library's chain lays it out (the cost is the point here; nothing reads
    this chain back); one ``INSERT … SELECT`` over the members, with a function that chains the
    hashes (its result holds the previous hash, the hash and the id).
    """
    import hashlib

    last_id, last_hash = con.execute("SELECT last_id, last_hash FROM cc_audit_head WHERE id = 1").fetchone()
    at = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    state = [last_id, last_hash]

    def link(key: str, after: str) -> str:
        entry_id, prev = state[0] + 1, state[1]
        text = (f'[{entry_id},"{prev}",{{"action":"member.add","actor":"bench","after":{after},'
                f'"at":"{at.isoformat()}","before":null,"entity":"member","entity_id":"{key}","note":"{file}"}}]')
        state[0], state[1] = entry_id, hashlib.sha256(text.encode()).hexdigest()
        return f"{prev}{state[1]}{entry_id}"

    con.create_function("raw_link", 2, link)
    con.execute("WITH source (k, a) AS (SELECT CAST(id AS TEXT), json_object('name', name, 'unit_id', unit_id) "
                "FROM cc_members WHERE id > ? ORDER BY id), "
                "picked AS MATERIALIZED (SELECT k, a, raw_link(k, a) AS l FROM source) "
                "INSERT INTO cc_audit (id, at, actor, action, entity, entity_id, before, after, note, prev_hash, hash) "
                "SELECT CAST(substr(l, 129) AS INTEGER), ?, 'bench', 'member.add', 'member', k, NULL, a, ?, "
                "substr(l, 1, 64), substr(l, 65, 64) FROM picked", (0, str(at), file))
    entry_id, prev = state[0] + 1, state[1]
    after = json.dumps({"file": file, "rows": entry_id - last_id - 1}, separators=(",", ":"))
    digest = hashlib.sha256(f"[{entry_id},\"{prev}\",{after}]".encode()).hexdigest()
    con.execute("INSERT INTO cc_audit (id, at, actor, action, entity, entity_id, before, after, note, prev_hash, "
                "hash) VALUES (?, ?, 'bench', 'member.import', 'member', NULL, NULL, ?, NULL, ?, ?)",
                (entry_id, str(at), after, prev, digest))
    con.execute("UPDATE cc_audit_head SET last_id = ?, last_hash = ? WHERE id = 1", (entry_id, digest))


def _env(src: Path | None) -> dict[str, str] | None:
    """The environment of a child that imports the library from ``src`` (None: this process's)."""
    return None if src is None else {**os.environ, "PYTHONPATH": str(src)}


def _process_env(src: Path | None, pycache: Path) -> dict[str, str]:
    """The environment of a whole-process run. Bytecode is kept, as ``pip install`` compiles it for
    an installed package, even where the shell sets PYTHONDONTWRITEBYTECODE (an editable install
    would otherwise compile every module from source on each start). It goes under ``pycache``, not
    into the checkout."""
    env = dict(_env(src) or os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_child(mode: str, db: Path, source: Path, cache_kb: int = 0, src: Path | None = None) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter (importing the library from ``src`` if given)."""
    out = subprocess.run([sys.executable, __file__, "--child", mode, "--db", str(db), "--csv", str(source),
                          "--cache-kb", str(cache_kb)], check=True, capture_output=True, text=True, env=_env(src))
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median time (its own CPU time), with the highest peak memory of all runs."""
    chosen = dict(sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2])
    chosen["maxrss_kb"] = max(r["maxrss_kb"] for r in runs)
    return chosen


# Roll-up -------------------------------------------------------------------------------------

#: The reporting date of the age figures: ages in 周岁 on it, as the library counts them.
REPORTING_DATE = "2026-11-28"
#: One member's age in 周岁 on REPORTING_DATE, in SQLite's SQL (birth dates are ISO text).
_AGE_SQL = ("(2026 - CAST(substr(birth_date, 1, 4) AS INTEGER) - "
            "(substr(birth_date, 6, 5) > '11-28'))")


def rollup_figures(db: Path, repeats: int = 5) -> tuple[float, float, int]:
    """Median seconds of stats_all() with every record's figures, average ages included, and of
    the hand-written GROUP BY + parent-map pass."""
    import communitycore

    community = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False, create=True)
    library = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = community.org.stats_all(on=REPORTING_DATE)
        result[next(iter(result))]  # the first record counts the ages of every unit
        library.append(time.perf_counter() - start)
    community.close()

    con = sqlite3.connect(db)
    hand = []
    for _ in range(repeats):
        start = time.perf_counter()
        parent_of = dict(con.execute("SELECT id, parent_id FROM cc_units"))
        per_unit = {row[0]: list(row[1:]) for row in con.execute(
            "SELECT unit_id, count(*), sum(category = 'full'), sum(gender = 'male'), sum(gender = 'female'), "
            f"sum({_AGE_SQL}), count(birth_date) FROM cc_members GROUP BY unit_id")}
        totals = {u: list(per_unit.get(u, (0, 0, 0, 0, 0, 0))) for u in parent_of}
        children: dict[int | None, list[int]] = {}
        for unit, parent in parent_of.items():
            children.setdefault(parent, []).append(unit)
        order, stack = [], list(children.get(None, []))
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(children.get(node, ()))
        for node in reversed(order):
            parent = parent_of[node]
            if parent is not None:
                totals[parent] = [a + b for a, b in zip(totals[parent], totals[node], strict=True)]
        hand.append(time.perf_counter() - start)
    con.close()
    root_total = sum(r.members for u, r in result.items() if r.unit_id in parent_of and parent_of[u] is None)
    return statistics.median(library), statistics.median(hand), root_total


# Single units ----------------------------------------------------------------------------------

#: A subtree in hand-written SQL: the unit and everything under it, by parent links.
_SUBTREE = ("WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL SELECT u.id FROM cc_units u JOIN sub "
            "ON u.parent_id = sub.id) ")


def _timed(fn: Any, repeats: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``repeats`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def _process(argv: list[str], repeats: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall and CPU seconds of a whole process (start included), run ``repeats`` times after one warm-up
    (which also writes the bytecode)."""
    walls, cpus = [], []
    for attempt in range(repeats + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # The command's hints (the next page) go to stderr: kept out of the report, shown if it fails.
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        wall = time.perf_counter() - start
        if done.returncode:
            sys.exit(f"{' '.join(argv)} failed:\n{done.stderr}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if attempt:
            walls.append(wall)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def single_unit_figures(db: Path, repeats: int = 21, before_src: Path | None = None,
                        ) -> list[tuple[str, tuple[float, float], tuple[float, float], str]]:
    """Rows (figure, library wall/CPU, hand-written wall/CPU, target) for the single-unit reads."""
    import communitycore

    con = sqlite3.connect(db)
    # The busiest branch with party groups under it, the busiest community, a member in the middle.
    branch = con.execute("SELECT b.id FROM cc_units b JOIN cc_unit_stats s ON s.unit_id = b.id WHERE b.kind = "
                         "'branch' AND EXISTS (SELECT 1 FROM cc_units g WHERE g.parent_id = b.id) "
                         "ORDER BY s.members DESC LIMIT 1").fetchone()[0]
    committee = con.execute("SELECT id FROM cc_units WHERE kind = 'community-committee' ORDER BY id "
                            "LIMIT 1 OFFSET (SELECT count(*) / 2 FROM cc_units "
                            "WHERE kind = 'community-committee')").fetchone()[0]
    member = con.execute("SELECT id FROM cc_members ORDER BY id LIMIT 1 OFFSET "
                         "(SELECT count(*) / 2 FROM cc_members)").fetchone()[0]
    community = communitycore.open(f"sqlite:///{db}", actor="bench", autoload=False)
    rows = []

    stats = _timed(lambda: community.org.stats(branch, on=REPORTING_DATE), repeats)
    hand = _timed(lambda: con.execute(
        _SUBTREE + "SELECT count(*), sum(category = 'full'), sum(gender = 'male'), sum(gender = 'female'), "
        f"sum({_AGE_SQL}), count(birth_date) FROM cc_members "
        "WHERE status = 'active' AND unit_id IN sub", (branch,)).fetchone(), repeats)
    assert stats[2][0].members == hand[2][0], (stats[2], hand[2])
    assert stats[2][0].average_age == round(hand[2][4] / hand[2][5], 1), (stats[2], hand[2])
    rows.append((f"(e) org.stats(one branch: unit {branch}, {hand[2][0]:,} members) vs a recursive CTE over "
                 "its units and a GROUP BY of its members", stats[:2], hand[:2], "<= 20 ms"))

    check = _timed(lambda: community.org.check(committee), repeats)
    hand = _timed(lambda: con.execute(
        _SUBTREE + "SELECT u.id, u.kind, u.parent_id, u.term_end, "
        "(SELECT count(*) FROM cc_members m WHERE m.unit_id = u.id AND m.status = 'active'), "
        "(SELECT count(*) FROM cc_units c WHERE c.parent_id = u.id) FROM cc_units u WHERE u.id IN sub",
        (committee,)).fetchall(), repeats)
    rows.append((f"(f) org.check(one community: unit {committee}, {len(hand[2])} units; every structure rule) vs "
                 "the CTE reading what the rules read (each unit's own members and children)",
                 check[:2], hand[:2], "<= 50 ms"))

    audit = _timed(lambda: community.audit.list(entity="member", entity_id=member), repeats)
    hand = _timed(lambda: con.execute(
        "SELECT * FROM cc_audit WHERE entity = 'member' AND entity_id = ? ORDER BY id DESC LIMIT 50",
        (str(member),)).fetchall(), repeats)
    assert len(audit[2]) == len(hand[2]) >= 1
    total = con.execute("SELECT count(*) FROM cc_audit").fetchone()[0]
    rows.append((f"(g) audit.list(entity='member', entity_id={member}) over {total:,} entries vs the same SELECT",
                 audit[:2], hand[:2], "<= 20 ms"))
    community.close()

    command = [sys.executable, "-m", "communitycore", "--db", f"sqlite:///{db}", "--no-plugins",
               "--actor", "bench", "member", "list", "--unit", str(branch), "--limit", "20"]
    query = (_SUBTREE + "SELECT m.id, m.name, m.gender, m.category, m.unit_id FROM cc_members m "
             "WHERE m.status = 'active' AND m.unit_id IN sub ORDER BY m.id LIMIT 20")
    script = (f"import sqlite3; con = sqlite3.connect({str(db)!r}); "
              f"[print(*row, sep=chr(9)) for row in con.execute({query!r}, ({branch},))]")
    processes = max(5, repeats // 3)
    pycache = db.parent / "pycache"
    mine, theirs = _process_env(None, pycache), _process_env(before_src, pycache)
    # Interleaved with the hand-written query (and the earlier code), one process of each in turn.
    # What no code of ours can go below: importing the libraries the command line is built on.
    libraries = [sys.executable, "-c", "import sqlalchemy, sqlalchemy.dialects.sqlite, click, attrs, cattrs, pluggy"]
    runs: dict[str, list[tuple[float, float]]] = {"cli": [], "hand": [], "before": [], "libraries": []}
    for _ in range(processes):
        runs["cli"].append(_process(command, 1, mine))
        runs["hand"].append(_process([sys.executable, "-c", script], 1, mine))
        runs["libraries"].append(_process(libraries, 1, mine))
        if before_src is not None:
            runs["before"].append(_process(command, 1, theirs))

    def median(pairs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)

    rows.append((f"(h) `community member list --unit {branch} --limit 20`, the whole process, vs `python -c` "
                 "with sqlite3 and the same query, bytecode compiled as an installed package has it",
                 median(runs["cli"]), median(runs["hand"]), "<= 0.5 s"))
    if before_src is not None:
        rows.append(("(h) the same, the code of --before-src", median(runs["before"]), median(runs["hand"]),
                     "<= 0.5 s"))
    rows.append(("(h) the same command (left) vs only importing SQLAlchemy, click, attrs, cattrs and pluggy "
                 "(right; in place of the hand-written SQL)", median(runs["cli"]), median(runs["libraries"]), "-"))
    con.close()
    return rows


def single_unit_lines(rows: list[tuple[str, tuple[float, float], tuple[float, float], str]]) -> list[str]:
    """The single-unit rows as a Markdown table: wall and CPU of each side, and their ratios."""
    lines = ["| figure | communitycore wall | CPU | hand-written SQL wall | CPU | wall ratio | CPU ratio | target |",
             "|---|---|---|---|---|---|---|---|"]
    for name, (wall, cpu), (hand_wall, hand_cpu), target in rows:
        lines.append(f"| {name} | {wall * 1000:.2f} ms | {cpu * 1000:.2f} ms | {hand_wall * 1000:.2f} ms "
                     f"| {hand_cpu * 1000:.2f} ms | {wall / hand_wall:.2f}x | {cpu / max(hand_cpu, 1e-9):.2f}x "
                     f"| {target} |")
    return lines


# Main ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Build the data set, run the measurements and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, help="where to build the data set (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--repeat", type=int, default=3,
                        help="import runs of each kind, interleaved; the median is shown (default 3)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --workdir: reuse the database and CSV an earlier --keep run left there")
    parser.add_argument("--via", choices=["function", "cli"], default="function",
                        help="time import_members (default) or the `community member import` command")
    parser.add_argument("--single-unit-only", action="store_true",
                        help="with --workdir: only the single-unit rows (e)-(h), on DIR/import.db of a --keep run")
    parser.add_argument("--before-src", type=Path,
                        help="another checkout's src/ directory (say, the main branch's): its import and listing "
                             "are measured too, interleaved in the same run, and printed as 'before'")
    parser.add_argument("--child", choices=["import", "import-cli", "raw", "raw-audit"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache-kb", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        if args.child in ("raw", "raw-audit"):
            print(json.dumps(child_raw(args.db, args.csv, args.cache_kb, audit=args.child == "raw-audit")))
        else:
            fn = {"import": child_import, "import-cli": child_import_cli}[args.child]
            print(json.dumps(fn(args.db, args.csv)))
        return

    import communitycore

    work = args.workdir or Path(tempfile.mkdtemp(prefix="cc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.single_unit_only:
        print("\n".join(single_unit_lines(single_unit_figures(work / "import.db", before_src=args.before_src))))
        return
    try:
        base = work / "base.db"
        source = work / "members.csv"
        if not (args.reuse and base.exists() and source.exists()):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)
            communitycore.open(f"sqlite:///{base}", actor="bench", autoload=False, create=True).close()
            t = time.perf_counter()
            unit_paths = build_units(base, args.units)
            print(f"built {args.units:,} units in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            t = time.perf_counter()
            write_members_csv(source, args.members, unit_paths)
            print(f"wrote {args.members:,} members ({source.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - t:.1f} s", file=sys.stderr)

        def fresh(name: str) -> Path:
            target = work / name
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(base, target)
            return target

        from communitycore.io.member_import import IMPORT_CACHE_KB

        runs: dict[str, list[dict[str, Any]]] = {"raw": [], "tuned": [], "audited": [], "mine": [], "before": []}
        imported_db = work / "import.db"
        for attempt in range(args.repeat):
            # Interleaved, so that a slow spell of a shared machine hits all three alike.
            runs["raw"].append(run_child("raw", fresh("raw.db"), source))
            runs["tuned"].append(run_child("raw", fresh("raw-cache.db"), source, IMPORT_CACHE_KB))
            runs["audited"].append(run_child("raw-audit", fresh("raw-audit.db"), source, IMPORT_CACHE_KB))
            runs["mine"].append(run_child("import-cli" if args.via == "cli" else "import", fresh("import.db"),
                                          source))
            if args.before_src is not None:
                runs["before"].append(run_child("import-cli" if args.via == "cli" else "import",
                                                fresh("before.db"), source, src=args.before_src))
            print(f"run {attempt + 1}: raw sqlite3 {runs['raw'][-1]['seconds']:.1f} s, with the import's cache "
                  f"{runs['tuned'][-1]['seconds']:.1f} s ({runs['tuned'][-1]['cpu']:.2f} s CPU), communitycore "
                  f"{runs['mine'][-1]['seconds']:.1f} s ({runs['mine'][-1]['cpu']:.2f} s CPU)"
                  + (f", before {runs['before'][-1]['seconds']:.1f} s ({runs['before'][-1]['cpu']:.2f} s CPU)"
                     if runs["before"] else ""), file=sys.stderr)
        raw, tuned, audited, mine = (median_run(runs[k]) for k in ("raw", "tuned", "audited", "mine"))
        assert mine["rows"] == raw["rows"] == tuned["rows"] == audited["rows"] == args.members, (mine, raw, tuned)
        library_s, hand_s, rolled = rollup_figures(imported_db)
        assert rolled == args.members, rolled
        single = single_unit_figures(imported_db, before_src=args.before_src)

        before = median_run(runs["before"]) if runs["before"] else None

        def rate(run: dict[str, Any]) -> float:
            return float(run["rows"] / run["seconds"])

        how = "`community member import`" if args.via == "cli" else "import_members()"
        cache_mb = IMPORT_CACHE_KB // 1024
        lines = [
            f"communitycore city benchmark, {dt.date.today().isoformat()}, {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
            f"data set: {args.units:,} units, {args.members:,} members; import times are medians of "
            f"{args.repeat} interleaved runs",
            "",
            "| figure | communitycore | raw sqlite3 | ratio | target |",
            "|---|---|---|---|---|",
            f"| (a) import of the member CSV, rows/s: {how} vs csv.reader + executemany, both with a "
            f"{cache_mb} MB SQLite page cache | {rate(mine):,.0f} ({mine['seconds']:.1f} s) "
            f"| {rate(tuned):,.0f} ({tuned['seconds']:.1f} s) | {rate(mine) / rate(tuned):.2f}x "
            f"(CPU time: {tuned['cpu'] / mine['cpu']:.2f}x) | >= 0.6x |",
            *([f"| (a) the same, the code of --before-src | {rate(before):,.0f} ({before['seconds']:.1f} s) "
               f"| {rate(tuned):,.0f} | {rate(before) / rate(tuned):.2f}x "
               f"(CPU time: {tuned['cpu'] / before['cpu']:.2f}x) | >= 0.6x |"] if before is not None else []),
            f"| (a'') the same, raw sqlite3 also writing one chained audit entry per member (INSERT … SELECT "
            f"with a hashing function), still without validation | {rate(mine):,.0f} | {rate(audited):,.0f} "
            f"({audited['seconds']:.1f} s) | {rate(mine) / rate(audited):.2f}x "
            f"(CPU time: {audited['cpu'] / mine['cpu']:.2f}x) | - |",
            f"| (a') the same, raw sqlite3 with its default 2 MB cache | {rate(mine):,.0f} | {rate(raw):,.0f} "
            f"({raw['seconds']:.1f} s) | {rate(mine) / rate(raw):.2f}x | - |",
            f"| (b) peak memory of the import (ru_maxrss of its process) | {mine['maxrss_kb'] / 1024:.0f} MB "
            f"| {tuned['maxrss_kb'] / 1024:.0f} MB | - | < 300 MB |",
            f"| (c) whole-tree roll-up (stats_all() vs GROUP BY + parent-map pass), median of 5 | {library_s:.3f} s "
            f"| {hand_s:.3f} s | {library_s / hand_s:.2f}x | < 0.5 s |",
            "",
            f"CPU time of the import: communitycore {mine['cpu']:.1f} s, raw sqlite3 {tuned['cpu']:.1f} s "
            f"({raw['cpu']:.1f} s with the default cache): a CPU-time ratio of {tuned['cpu'] / mine['cpu']:.2f}x "
            f"beside the wall-time ratio of {rate(mine) / rate(tuned):.2f}x.",
            "",
            *single_unit_lines(single),
        ]
        print("\n".join(lines))
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
