"""Output that cannot hurt: the terminal (control characters escaped) and a spreadsheet (no formulas).

Stored text may hold escape sequences, NULs or bidirectional overrides (older data, a host that
wrote its own rows). Whatever the command line prints as text shows them as visible escapes;
JSON stays JSON. Every CSV and XLSX cell that a spreadsheet would run as a formula is written
as text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.render import block, table
from communitycore.cli.state import AppState
from communitycore.cli.terminal import terminal_text
from communitycore.io.cells import FORMULA_PREFIXES, csv_cell, csv_row, is_formula_like, protect_xlsx_cells
from communitycore.io.templates import write_template
from communitycore.store.tables import org as org_tables

HOSTILE = [
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]0;pwned\x07",  # set the window title
    "a\x00b",  # NUL
    "over\rwrite",  # carriage return
    "\u202egpj.exe",  # right-to-left override
    "\u2066isolate\u2069",
    "\x9b31m",  # C1 CSI
    "del\x7f",
]
#: Characters no text output may carry raw.
UNSAFE = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]} | {
    chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def raw_controls(text: str, *, allow: str = "\n") -> set[str]:
    return {ch for ch in text if ch in UNSAFE and ch not in allow}


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_text_escapes_every_control(text: str) -> None:
    shown = terminal_text(text)
    assert raw_controls(shown) == set()
    assert shown != text and "\\" in shown
    assert terminal_text("张三 normal text\n第二行\t!") == "张三 normal text\n第二行\t!"  # untouched
    assert terminal_text("a\nb\tc", one_line=True) == "a\\x0ab\\x09c"


@given(st.text())
def test_nothing_unsafe_survives(text: str) -> None:
    assert raw_controls(terminal_text(text)) == set()
    assert raw_controls(terminal_text(text, one_line=True), allow="") == set()


def test_tables_and_blocks_escape_cells() -> None:
    rows = [{"id": i, "name": name} for i, name in enumerate(HOSTILE)]
    text = table(rows, ["id", "name"], "en")
    assert raw_controls(text) == set()
    assert len(text.splitlines()) == 2 + len(HOSTILE)  # no cell broke a line
    assert "\\x1b[2J" in text and "\\u202egpj.exe" in text
    shown = block({"id": 1, "name": "multi\nline\x1b[31m"}, ["id", "name"], "en")
    assert raw_controls(shown) == set() and len(shown.splitlines()) == 2


@pytest.fixture
def hostile_units(tmp_path: Path) -> Iterator[Community]:
    """Units whose names hold control characters, written past the SDK's checks (as old data could be)."""
    community = communitycore.open(f"sqlite:///{tmp_path / 'c.db'}", autoload=False, create=True)
    root = community.org.add("城南街道党工委", "street-committee")
    units = org_tables.units
    with community.engine.begin() as conn:
        for name in HOSTILE:
            conn.execute(units.insert().values(name=name, kind="branch", parent_id=root.id))
    community.org.refresh_stats()  # their paths, as the migration gives old data
    yield community
    community.close()


def run(community: Community, *args: str) -> str:
    state = AppState(community=community)
    result = CliRunner().invoke(make_cli(state), ["--lang", "en", *args], obj=state)
    return result.output


def test_the_tree_and_blocks_escape_names(hostile_units: Community) -> None:
    tree = run(hostile_units, "org", "tree")
    assert raw_controls(tree) == set()
    assert "\\x1b]0;pwned\\x07" in tree and "\\u202egpj.exe" in tree
    assert len(tree.splitlines()) == 1 + len(HOSTILE)  # no name broke or overwrote a line
    shown = run(hostile_units, "org", "show", "2")
    assert raw_controls(shown) == set() and "\\x1b[2J" in shown


def test_json_stays_json(hostile_units: Community) -> None:
    data = json.loads(run(hostile_units, "--json", "org", "tree"))
    assert set(HOSTILE) <= {row["name"] for row in data}  # exactly as stored


def test_error_messages_are_escaped(hostile_units: Community) -> None:
    output = run(hostile_units, "org", "show", "城南街道党工委/\x1b[2Jnope")
    assert "Error" in output and raw_controls(output) == set() and "\\x1b[2J" in output


# Spreadsheets ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
                                  '=HYPERLINK("http://x","点击")', "=cmd|' /C calc'!A0"])
def test_formula_like_cells_are_neutralised(text: str) -> None:
    assert is_formula_like(text)
    assert csv_cell(text) == "'" + text
    assert csv_row(["张三", text, 3, None]) == ["张三", "'" + text, 3, None]


@pytest.mark.parametrize("value", ["张三", "1=1", " =1", "13812345678", "", 5, -5, None, "a-b"])
def test_other_cells_are_left_alone(value: object) -> None:
    assert not is_formula_like(value)
    assert csv_cell(value) == value


def test_xlsx_cells_are_text_and_read_back_exactly(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    values = ["=1+1", "+86", "-", "@x", "plain"]
    sheet.append(values)
    protect_xlsx_cells(sheet[1])
    path = tmp_path / "f.xlsx"
    workbook.save(path)
    again = openpyxl.load_workbook(path).active
    assert again is not None
    assert [c.value for c in again[1]] == values
    assert all(c.data_type == "s" for c in again[1])
    assert all(c.quotePrefix for c in again[1][:4]) and not again[1][4].quotePrefix
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python() == [values]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_templates_hold_no_formula(tmp_path: Path, suffix: str) -> None:
    path = write_template(tmp_path / f"t{suffix}")
    if suffix == ".csv":
        cells = [c for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))) for c in row]
    else:
        workbook = openpyxl.load_workbook(path)
        cells = [c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
        assert all(c.data_type != "f" for ws in workbook.worksheets for row in ws.iter_rows() for c in row)
    assert cells and not any(is_formula_like(c) for c in cells)
    assert FORMULA_PREFIXES[0] == "="
