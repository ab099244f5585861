"""A quarterly script: import the members and the sign-in sheets, run the points assessment, report.

What a 组织委员 of a street does at the end of each quarter, as one script on the SDK:

1. **Import the members** from the branches' spreadsheets (here one generated CSV). The import is
   all rows or none: a file with a bad row is refused whole, every bad row named, and imports
   once it is corrected.
2. **Import the quarter's activity** (study sessions, 三会一课, 主题党日, absences, commendations)
   from a CSV that names each member by 公民身份号码.
3. **Run the quarterly assessment**: the points scheme of ``examples/packs/points-d.toml``
   (基础分 60, caps, a deduction per absence, grades with a quota of one third for 优秀).
4. **Report**: print the ranking and the grades per branch, write them to ``report.csv``, and
   export the official results file.

Run it with ``python examples/quarterly_report.py``; it works in a temporary folder (or in the
folder given as its one argument, which it creates and leaves in place) and exits 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import communitycore
from communitycore import Community, RejectedInput
from communitycore.domain.identity import check_character

PACK = Path(__file__).with_name("packs") / "points-d.toml"
SCHEME = "points-d"
STREET = "城南街道党工委"
COMMITTEE = "幸福社区党委"
BRANCHES = ("第一网格党支部", "第二网格党支部", "老党员支部")
REGION = "320102"  # the address code that starts every invented 公民身份号码
GRADES = ("excellent", "qualified", "basically-qualified", "unqualified")
MEMBER_HEADERS = ("姓名", "公民身份号码", "学历", "入党日期", "所在党组织", "党内职务")
ACTIVITY_HEADERS = ("对象类型", "公民身份号码", "事实", "日期", "数量", "备注")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "建国军华伟明强平志刚秀英芳敏静丽娟霞萍燕玲"


def last_quarter(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """The last whole quarter before ``today``: its period (``2026Q3``), first and last day."""
    year, quarter = (today.year, (today.month - 1) // 3) if today.month > 3 else (today.year - 1, 4)
    first = dt.date(year, 3 * quarter - 2, 1)
    after = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return f"{year}Q{quarter}", first, after - dt.timedelta(days=1)


def id_number(rng: random.Random, born: dt.date) -> str:
    """An invented 公民身份号码 with a valid check character."""
    first17 = f"{REGION}{born:%Y%m%d}{rng.randrange(100, 1000):03d}"
    return first17 + check_character(first17)


def write_members(path: Path, rng: random.Random, count: int, today: dt.date) -> list[dict[str, str]]:
    """The branches' member sheet as a CSV, with Chinese headers as staff write them."""
    rows = []
    for n in range(count):
        born = dt.date(rng.randrange(1950, 1999), rng.randrange(1, 13), rng.randrange(1, 29))
        joined = min(born.replace(year=born.year + rng.randrange(19, 40)), today - dt.timedelta(days=400))
        branch = BRANCHES[n % len(BRANCHES)]
        rows.append({
            "姓名": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(("", *_GIVEN)),
            "公民身份号码": id_number(rng, born),
            "学历": rng.choice(("高中", "大专", "本科", "研究生")),
            "入党日期": joined.isoformat(),
            "所在党组织": f"{STREET}/{COMMITTEE}/{branch}",
            "党内职务": "书记" if n < len(BRANCHES) else "",
        })
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=MEMBER_HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def write_activity(path: Path, rng: random.Random, members: list[dict[str, str]], first: dt.date,
                   last: dt.date) -> int:
    """The quarter's sign-in sheets as one CSV: each member's sessions, absences and commendations."""
    days = (last - first).days
    rows = []
    for member in members:
        number = member["公民身份号码"]
        for fact, most in (("d.study", 7), ("d.meetings", 5), ("d.theme-days", 4), ("d.absences", 2)):
            for _ in range(rng.randrange(0, most + 1)):
                on = first + dt.timedelta(days=rng.randrange(days + 1))
                rows.append(("member", number, fact, on.isoformat(), "1", "签到表"))
        if rng.random() < 0.2:
            rows.append(("member", number, "d.commendations", last.isoformat(), str(rng.randrange(1, 4)), "表彰"))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(ACTIVITY_HEADERS)
        writer.writerows(rows)
    return len(rows)


def import_members(community: Community, path: Path, rows: list[dict[str, str]]) -> int:
    """Import the member sheet; a sheet with a bad row is refused whole, then imported once corrected."""
    good = rows[0]["公民身份号码"]
    rows[0]["公民身份号码"] = good[:-1] + ("0" if good[-1] != "0" else "1")  # a typo in the check character
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=MEMBER_HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    try:
        community.members.import_file(path)
    except RejectedInput as exc:
        print(f"  refused whole ({community.members.count()} members stored):")
        for problem in exc.problems:
            print(f"    row {problem.row}, {problem.field}: {problem.message}")
    rows[0]["公民身份号码"] = good
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=MEMBER_HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return community.members.import_file(path)


def columns(value: object) -> int:
    """The terminal columns ``value`` takes as text: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def pad(value: object, width: int, *, right: bool = False) -> str:
    """``value`` as text padded to ``width`` terminal columns."""
    fill = " " * max(0, width - columns(value))
    return f"{fill}{value}" if right else f"{value}{fill}"


def report(community: Community, run_id: int, branches: dict[int, str], out: Path) -> list[list[object]]:
    """Print the ranking and the grades per branch; write both to ``out`` as CSV."""
    results = community.assessments.results(run_id)
    table: list[list[object]] = [[r.rank, r.name, branches.get(r.unit_id or 0, ""), r.total, r.grade or ""]
                                 for r in results]
    headers: list[object] = ["rank", "name", "branch", "total", "grade"]
    widths = [max(columns(v) for v in column) for column in zip(headers, *table, strict=False)]
    for row in [headers, *table[:10]]:
        print("  " + "  ".join(pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip())
    if len(table) > 10:
        print(f"  … and {len(table) - 10} more")

    per_branch = {name: Counter(r.grade for r in results if branches.get(r.unit_id or 0) == name)
                  for name in BRANCHES}
    print("\n  Grades per branch:")
    print("  " + pad("branch", 16) + "".join(pad(g, columns(g) + 2, right=True) for g in GRADES))
    for name, grades in per_branch.items():
        print("  " + pad(name, 16) + "".join(pad(grades[g], columns(g) + 2, right=True) for g in GRADES))

    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(table)
        writer.writerow([])
        writer.writerow(["branch", *GRADES])
        writer.writerows([name, *(grades[g] for g in GRADES)] for name, grades in per_branch.items())
    return table


def run(folder: Path) -> None:
    rng = random.Random(2026)
    with communitycore.open(folder / "community.db", actor="组织委员", packs=[PACK], autoload=False,
                            create=True) as community:
        today = community.clock.today()
        period, first, last = last_quarter(today)
        street = community.org.add(STREET, "street-committee")
        committee = community.org.add(COMMITTEE, "community-committee", street.id)
        branches = {community.org.add(name, "branch", committee.id).id: name for name in BRANCHES}

        print(f"1. Importing members into {STREET}/{COMMITTEE}:")
        members = write_members(folder / "members.csv", rng, 36, today)
        count = import_members(community, folder / "members.csv", members)
        print(f"  imported {count} members from members.csv")

        print(f"\n2. Importing the activity of {period} ({first} to {last}):")
        written = write_activity(folder / "activity.csv", rng, members, first, last)
        imported = community.activity.import_file(folder / "activity.csv")
        print(f"  {imported} of {written} entries imported from activity.csv")

        print(f"\n3. Running {SCHEME} for {period}:")
        assessment = community.assessments.run(SCHEME, period, street.id)
        print(f"  run {assessment.id}: {assessment.subjects} members scored")

        print("\n4. The report:")
        table = report(community, assessment.id, branches, folder / "report.csv")
        exported = community.assessments.export(assessment.id, folder / "results.xlsx")
        print(f"\n  wrote {folder / 'report.csv'} ({len(table)} members) and {exported}")
        if len(table) != count:
            raise SystemExit(f"{count} members imported but {len(table)} scored")


def main(argv: list[str]) -> int:
    if argv:
        folder = Path(argv[0])
        folder.mkdir(parents=True, exist_ok=True)
        run(folder)
    else:
        with tempfile.TemporaryDirectory() as temporary:
            run(Path(temporary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
