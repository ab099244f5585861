"""``org import``: a whole tree from a spreadsheet, all or nothing, with row-level errors, on every engine."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from communitycore import Community, InvalidValue, RejectedInput

STREET = "城南街道党工委"


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


TREE = [
    ["序号", "路径", "类别", "组织代码", "批准机关", "批准日期", "任期开始"],
    [1, f"{STREET}/幸福社区党委/第一网格党支部", "网格党支部", "G-1", "幸福社区党委", "2021年5月1日", "2021.5.1"],
    [2, f"{STREET}/幸福社区党委", "community-committee", "C-1", "城南街道党工委", "2020/03/01", "20200301"],
    [3, STREET, "街道党工委", "", "区委", "", ""],
    [4, f"{STREET}/幸福社区党委/第一网格党支部/1号楼党小组", "党小组", "", "", "", ""],
    [5, f"{STREET}／和平社区党委", "社区党委", "C-2", "", "", ""],
]


def test_a_whole_tree_in_any_row_order(community: Community, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tree.csv", TREE)
    assert community.org.import_file(path, check=True) == {"added": 5, "updated": 0}
    assert community.org.count() == 0
    assert community.org.import_file(path) == {"added": 5, "updated": 0}
    lines = {line.path: line.unit for line in community.org.tree()}
    assert set(lines) == {STREET, f"{STREET}/幸福社区党委", f"{STREET}/幸福社区党委/第一网格党支部",
                          f"{STREET}/幸福社区党委/第一网格党支部/1号楼党小组", f"{STREET}/和平社区党委"}
    grid = lines[f"{STREET}/幸福社区党委/第一网格党支部"]
    assert (grid.kind, grid.code, grid.approved_on, grid.term_start, grid.term_end) == (
        "grid-branch", "G-1", dt.date(2021, 5, 1), dt.date(2021, 5, 1), dt.date(2024, 5, 1))  # a branch: 3 years
    assert lines[f"{STREET}/幸福社区党委"].term_end == dt.date(2025, 3, 1)  # a committee: 5 years
    assert len(community.audit.list(action="unit.add", limit=None)) == 5
    assert community.audit.list(action="unit.import")[0].after["added"] == 5


def test_extending_and_correcting_a_tree(community: Community, tmp_path: Path) -> None:
    street = community.org.add(STREET, "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", street.id, code="C-1")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["城南街道党组织设置"])
    sheet.append(["路径", "类别", "组织代码", "任期届满"])
    sheet.append([f"{STREET}/幸福社区党委", None, "C-1", "2030-01-01"])
    sheet.append([f"{STREET}/幸福社区党委/新支部", "党支部", "B-9", None])
    path = tmp_path / "tree.xlsx"
    workbook.save(path)
    assert community.org.import_file(path) == {"added": 1, "updated": 1}
    assert community.org.get(committee.id).term_end == dt.date(2030, 1, 1)
    assert community.org.get(f"{STREET}/幸福社区党委/新支部").code == "B-9"
    assert community.org.import_file(path, header_row=2) == {"added": 0, "updated": 0}


def test_every_bad_row_is_reported_and_nothing_is_stored(community: Community, tmp_path: Path) -> None:
    community.org.add(STREET, "street-committee", code="S-1")
    rows = [
        ["路径", "类别", "组织代码", "任期开始", "任期届满"],
        ["孤立支部", "branch", "", "", ""],  # 2: a root of a kind that needs a parent
        [f"{STREET}/幸福社区党委", "社区党委", "S-1", "", ""],  # 3: a code already taken
        [f"{STREET}/无此单位/支部", "党支部", "", "", ""],  # 4: no parent
        [f"{STREET}/坏\x1b名字", "社区党委", "", "", ""],  # 5: a control character
        [f"{STREET}/村委", "village", "", "", ""],  # 6: unknown kind
        [f"{STREET}/任期", "社区党委", "", "2024-01-01", "2023-01-01"],  # 7: term ends before it starts
        [STREET, "社区党委", "", "", ""],  # 8: an existing unit of another kind
        [f"{STREET}/党小组", "党小组", "", "", ""],  # 9: a party group under a street committee
        [f"{STREET}/{'长' * 101}", "社区党委", "", "", ""],  # 10: too long a name
        [f"{STREET}/重复", "社区党委", "", "", ""],  # 11
        [f"{STREET}/重复", "社区党委", "", "", ""],  # 12: the same unit twice
    ]
    with pytest.raises(RejectedInput) as info:
        community.org.import_file(write_csv(tmp_path / "bad.csv", rows))
    found = {(p.row, p.field): p.message for p in info.value.problems}
    assert "root kinds are: street working committee (street-committee)" in found[(2, "类别")]
    assert "already has this code" in found[(3, "组织代码")]
    assert "neither in the database nor in the file" in found[(4, "路径")]
    assert "U+001B" in found[(5, "路径")]
    assert "unknown unit kind 'village'" in found[(6, "类别")]
    assert "after the term start" in found[(7, "任期届满")] or "after term_start" in found[(7, "任期届满")]
    assert "org update" in found[(8, "类别")]
    assert "cannot sit under" in found[(9, "类别")]
    assert "at most 100 characters" in found[(10, "路径")]
    assert "the same unit as row 11" in found[(12, "路径")]
    assert community.org.count() == 1
    assert community.audit.list(action="unit.add", limit=None)[0].entity_id == "1"


def test_the_children_of_a_refused_row_name_it(community: Community, tmp_path: Path) -> None:
    """A unit whose own row has a problem is in the file all the same: its children, and theirs,
    name the row that holds them back rather than saying their parent is nowhere."""
    rows = [
        ["路径", "类别", "任期开始", "任期届满"],
        [STREET, "街道党工委", "2024-01-01", "2023-01-01"],  # 2: term ends before it starts
        [f"{STREET}/幸福社区党委", "社区党委", "", ""],  # 3
        [f"{STREET}/幸福社区党委/第一党支部", "党支部", "", ""],  # 4
        ["别处街道/和平社区党委", "社区党委", "", ""],  # 5: a parent truly nowhere
    ]
    with pytest.raises(RejectedInput) as info:
        community.org.import_file(write_csv(tmp_path / "held.csv", rows))
    found = {(p.row, p.field): p.message for p in info.value.problems}
    assert found[(3, "路径")] == f"its parent {STREET} is not added: row 2 has a problem"
    assert found[(4, "路径")] == f"its parent {STREET}/幸福社区党委 is not added: row 3 has a problem"
    assert "neither in the database nor in the file" in found[(5, "路径")]
    assert sorted(found) == [(2, "任期届满"), (3, "路径"), (4, "路径"), (5, "路径")]
    assert community.org.count() == 0


def test_a_file_without_paths_is_refused(community: Community, tmp_path: Path) -> None:
    with pytest.raises(RejectedInput, match="the column is missing"):
        community.org.import_file(write_csv(tmp_path / "x.csv", [["名称", "类别"], ["甲", "branch"]]))


def test_an_approval_is_dated_today_at_the_latest_and_a_term_may_be_planned(community: Community,
                                                                           tmp_path: Path) -> None:
    rows = [["路径", "类别", "批准日期", "任期开始"],
            [STREET, "街道党工委", "2099-01-01", ""],
            [f"{STREET}/幸福社区党委", "社区党委", "", "9999-01-01"]]
    with pytest.raises(RejectedInput) as info:
        community.org.import_file(write_csv(tmp_path / "future.csv", rows))
    found = {(p.row, p.field): p.message for p in info.value.problems}
    assert "2099-01-01 is in the future" in found[(2, "批准日期")]
    assert found[(3, "任期开始")].startswith("9999-01-01 lies outside the years")
    assert community.org.count() == 0
    with pytest.raises(InvalidValue, match="approved_on: 2099-01-01 is in the future"):
        community.org.add(STREET, "street-committee", approved_on="2099-01-01")
    planned = community.org.add(STREET, "street-committee", term_start="2027-03-01")  # a 换届 to come
    assert planned.term_start == dt.date(2027, 3, 1)
