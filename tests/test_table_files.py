"""The one writer of tables as files: CSV with a BOM or XLSX, whole or not at all, formulas never run."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communitycore.errors import InvalidValue
from communitycore.io.cells import is_formula_like
from communitycore.io.table_files import write_table

_cell = st.one_of(st.integers(-10**6, 10**6),
                  st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12))
_rows = st.lists(st.lists(_cell, min_size=3, max_size=3), max_size=6)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(rows=_rows)
def test_an_xlsx_reads_back_as_written_and_runs_no_formula(tmp_path: Path, rows: list[list[object]]) -> None:
    path = write_table(tmp_path / "t.xlsx", ["甲", "乙", "丙"], rows, sheet="表")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["表"]
    page = book["表"]
    read = [list(r) for r in page.iter_rows(values_only=True)]
    assert read == [["甲", "乙", "丙"], *rows]
    for line in page.iter_rows(min_row=2):
        for cell in line:
            if is_formula_like(cell.value):
                assert cell.data_type == "s" and cell.quotePrefix


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(rows=_rows)
def test_a_csv_reads_back_with_formulas_quoted(tmp_path: Path, rows: list[list[object]]) -> None:
    path = write_table(tmp_path / "t.csv", ["甲", "乙", "丙"], rows)
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    with path.open(encoding="utf-8-sig", newline="") as fh:
        read = list(csv.reader(fh))
    expected = [[f"'{v}" if is_formula_like(v) else str(v) for v in row] for row in rows]
    assert read == [["甲", "乙", "丙"], *expected]


def test_another_suffix_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match=r"t\.ods"):
        write_table(tmp_path / "t.ods", ["a"], [[1]])
    assert list(tmp_path.iterdir()) == []


def test_every_sheet_is_headed_in_bold_and_keeps_text_as_text(tmp_path: Path) -> None:
    from communitycore.io.table_files import write_xlsx

    path = tmp_path / "book.xlsx"
    counts = write_xlsx(path, [("党员", ["姓名", "公民身份号码", "人数"], iter([["张三", "321281197506290233", 3]])),
                               ("汇总", ["单位"], [["=1+1"], ["甲"]])])
    assert counts == [1, 2]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["党员", "汇总"]
    people, summary = book["党员"], book["汇总"]
    assert all(cell.font.b for cell in people[1]) and people.freeze_panes == "A2"
    name, id_number, count = people[2]
    assert (id_number.value, id_number.data_type, id_number.number_format) == ("321281197506290233", "s", "@")
    assert (count.value, count.data_type) == (3, "n")  # numbers stay numbers
    assert (summary["A2"].value, summary["A2"].data_type, summary["A2"].quotePrefix) == ("=1+1", "s", True)
    assert not summary["A3"].quotePrefix and name.value == "张三"
