"""Tests of communitycore.io.limits: no input file can crash, exhaust or hang the process.

The hostile files are generated on the fly by tests/fixtures/make_bad_files.py; nothing binary
is committed.
"""

from __future__ import annotations

import codecs
import csv
import importlib.util
import io
import itertools
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communitycore.errors import CommunityCoreError, InvalidValue
from communitycore.io import limits as io_limits
from communitycore.io.limits import (
    DEFAULT_LIMITS,
    MESSAGES,
    REASON_CODES,
    InvalidSyntax,
    Limits,
    UnsafeInput,
    bounded_rows,
    check_json_depth,
    check_xlsx,
    csv_rows,
    describe,
    detect_delimiter,
    detect_encoding,
    load_json_limited,
    load_toml_limited,
    open_regular_file,
    open_text,
    require_regular_file,
    scan_xlsx_sheet,
)


def _load_fixture_module() -> Any:
    path = Path(__file__).parent / "fixtures" / "make_bad_files.py"
    spec = importlib.util.spec_from_file_location("make_bad_files", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


bad = _load_fixture_module()
CASES = {case.name: case for case in bad.CASES}
MEMBER_ROWS = [list(row) for row in bad.MEMBER_ROWS]
POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and symlink loops are POSIX")


@pytest.fixture(scope="session")
def bad_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated files, once per run."""
    directory = tmp_path_factory.mktemp("bad-files")
    bad.generate(directory)
    return directory


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail, instead of hanging the run, if the test blocks (opening a FIFO blocks forever)."""
    def on_alarm(signum: int, frame: object) -> None:
        raise TimeoutError("blocked: a FIFO was opened")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def read_rows(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[str, list[list[str]]]:
    """Encoding and every row of a CSV/TXT through open_text + csv_rows."""
    with open_text(path, limits) as fh:
        return fh.encoding, list(csv_rows(fh, limits))


def refused(call: Callable[[], object], reason: str) -> UnsafeInput:
    """The UnsafeInput ``call`` raises, checked to carry ``reason``."""
    with pytest.raises(UnsafeInput) as info:
        call()
    assert info.value.reason_code == reason, str(info.value)
    assert info.value.reason_code in REASON_CODES
    return info.value


def xlsx_bytes(**sheets: list[list[Any]]) -> bytes:
    """A real workbook written by openpyxl, one sheet per keyword."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# The generated files -----------------------------------------------------------------------

@POSIX
@pytest.mark.parametrize("name", list(CASES))
def test_generated_file(bad_dir: Path, name: str, no_hang: None) -> None:
    case = CASES[name]
    path = bad_dir / name
    if case.check == "xlsx":
        if case.reason is None:
            info = check_xlsx(path)
            assert info.sheet_names == ["党员"]
            assert scan_xlsx_sheet(path).rows == len(MEMBER_ROWS)
        else:
            refused(lambda: check_xlsx(path), case.reason)
            refused(lambda: scan_xlsx_sheet(path), case.reason)
    elif case.check == "xlsx-scan":
        check_xlsx(path)  # the declared figures are harmless: only the content tells
        refused(lambda: scan_xlsx_sheet(path), case.reason)
    elif case.check == "text":
        if case.reason is None:
            _, rows = read_rows(path)
            assert rows == MEMBER_ROWS
        else:
            refused(lambda: read_rows(path), case.reason)
            refused(lambda: detect_encoding(path), case.reason)
    elif case.check == "json":
        refused(lambda: check_json_depth(path), case.reason)
        refused(lambda: load_json_limited(path), case.reason)
    elif case.check == "toml":
        refused(lambda: load_toml_limited(path), case.reason)
    else:
        assert case.check == "file"
        refused(lambda: require_regular_file(path), case.reason)
        for check in (open_text, detect_encoding, check_xlsx, scan_xlsx_sheet, check_json_depth, load_json_limited,
                      load_toml_limited, open_regular_file):
            refused(lambda check=check: check(path), case.reason)


def test_generator_writes_every_case_small(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("POSIX only")
    paths = bad.generate(tmp_path)
    assert [p.name for p in paths] == list(CASES)
    on_disk = sum(os.lstat(p).st_blocks * 512 for p in tmp_path.iterdir() if p.is_file() and not p.is_symlink())
    assert on_disk < 8 << 20  # the 2 GB JSON is sparse, the 1 GB bomb a 1 MB zip
    bad.generate(tmp_path)  # and it can write over its own output


def test_generator_as_script(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("POSIX only")
    script = Path(__file__).parent / "fixtures" / "make_bad_files.py"
    result = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True,
                            timeout=120, check=True)
    assert len(result.stdout.splitlines()) == len(CASES)
    assert "\tzip-bomb" in result.stdout


def test_dimension_message_says_what_and_what_to_do(bad_dir: Path) -> None:
    error = refused(lambda: check_xlsx(bad_dir / "dimension-bomb.xlsx"), "xlsx-dimension")
    assert str(error) == ("the sheet “党员” of dimension-bomb.xlsx declares a range of 1048576 rows × 16384 columns, "
                          "more than the limit of 1000000 rows × 200 columns: check whether the file is damaged, or "
                          "delete the extra rows and columns and save it again")
    assert error.path == bad_dir / "dimension-bomb.xlsx"
    assert error.details["rows"] == 1048576 and error.details["columns"] == 16384


def test_encoding_message_names_line_and_byte(bad_dir: Path) -> None:
    error = refused(lambda: detect_encoding(bad_dir / "stray-ff.csv"), "encoding")
    data = (bad_dir / "stray-ff.csv").read_bytes()
    offset = data.index(b"\xff")
    assert error.details["offset"] == offset and error.details["line"] == 3
    assert str(error) == (f"line 3 of stray-ff.csv (byte {offset + 1} of the file) holds bytes no known encoding "
                          "reads (0xFF): save it as CSV in UTF-8 or GB18030")


def test_zip_bomb_is_refused_before_inflating(bad_dir: Path) -> None:
    error = refused(lambda: check_xlsx(bad_dir / "zip-bomb.xlsx"), "zip-bomb")
    assert error.message_id == "zip-ratio" and error.details["ratio"] > 900
    # Without the ratio rule the declared total still refuses it.
    error = refused(lambda: check_xlsx(bad_dir / "zip-bomb.xlsx", Limits(max_compression_ratio=10_000)), "zip-bomb")
    assert error.message_id == "zip-total"


def test_gbk_toml_hint(bad_dir: Path) -> None:
    error = refused(lambda: load_toml_limited(bad_dir / "gbk.toml"), "encoding")
    assert "a TOML file must be UTF-8" in str(error) and "GBK" in str(error)
    assert error.details["line"] == 2


# Memory and hanging, in a separate process -------------------------------------------------

_MEMORY_PROBE = textwrap.dedent("""
    import sys
    from communitycore.io import limits as L
    def rss_kb():
        # VmHWM is this process's own peak; ru_maxrss would carry over the parent's from before exec.
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    before = rss_kb()
    lenient = L.Limits(max_compression_ratio=10_000)  # lets the 192 MB bomb through to the full scan
    for name, limits in [("dimension-bomb.xlsx", L.DEFAULT_LIMITS), ("zip-bomb.xlsx", L.DEFAULT_LIMITS),
                         ("lying-dimension.xlsx", L.DEFAULT_LIMITS), ("sparse-corners.xlsx", L.DEFAULT_LIMITS),
                         ("stream-bomb.xlsx", lenient)]:
        try:
            result = L.scan_xlsx_sheet(sys.argv[1] + "/" + name, 0, limits)  # check_xlsx, then the scan
            print(name, "scanned", result.rows, "rows", flush=True)
        except L.UnsafeInput as e:
            print(name, e.reason_code, flush=True)
    print("RSS", before, rss_kb())
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss is in KiB on Linux")
def test_bombs_stay_far_under_300_mb(bad_dir: Path, tmp_path: Path) -> None:
    """check_xlsx + scan_xlsx_sheet on the bombs, and a full streaming scan of a 192 MB sheet.

    In a child process, since ru_maxrss is the process's peak so far: the peak after the checks
    must stay where importing the package left it.
    """
    for name in ("dimension-bomb.xlsx", "zip-bomb.xlsx", "lying-dimension.xlsx", "sparse-corners.xlsx"):
        (tmp_path / name).symlink_to(bad_dir / name)
    bad.write_xlsx(tmp_path / "stream-bomb.xlsx", bad.bomb_member(192 << 20))
    result = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(tmp_path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == ["dimension-bomb.xlsx xlsx-dimension", "zip-bomb.xlsx zip-bomb",
                         "lying-dimension.xlsx too-many-rows", "sparse-corners.xlsx too-many-cells"]
    assert lines[4] == "stream-bomb.xlsx scanned 192 rows"  # all 192 MB inflated and scanned, streamed
    before, after = map(int, lines[-1].split()[1:])
    print(f"max RSS: {before / 1024:.1f} MB after import, {after / 1024:.1f} MB after the checks")
    assert after < 300 * 1024
    assert after - before < 32 * 1024


@POSIX
def test_fifo_does_not_hang_a_process(tmp_path: Path) -> None:
    fifo = tmp_path / "members.csv"
    os.mkfifo(fifo)
    code = ("import sys\nfrom communitycore.io.limits import open_text, UnsafeInput\n"
            "try:\n    open_text(sys.argv[1])\nexcept UnsafeInput as e:\n    print(e.reason_code)\n")
    result = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "not-regular-file", result.stderr


@POSIX
def test_fifo_swapped_in_after_the_stat_is_still_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         no_hang: None) -> None:
    fifo = tmp_path / "members.csv"
    os.mkfifo(fifo)
    # As if the file had been a regular one at os.stat time: the open must not block either.
    monkeypatch.setattr(io_limits, "require_regular_file", Path)
    refused(lambda: open_regular_file(fifo), "not-regular-file")


# Regular files -----------------------------------------------------------------------------

def test_require_regular_file(tmp_path: Path) -> None:
    good = tmp_path / "a.csv"
    good.write_text("x\n", encoding="utf-8")
    assert require_regular_file(str(good)) == good
    link = tmp_path / "link.csv"
    link.symlink_to(good)
    assert require_regular_file(link) == link  # symlinks to regular files are followed
    error = refused(lambda: require_regular_file(tmp_path / "nope.csv"), "missing")
    assert str(error) == "the file nope.csv does not exist: check the path and the file name"
    refused(lambda: require_regular_file(good / "child"), "missing")  # ENOTDIR
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "gone.csv")
    assert refused(lambda: require_regular_file(dangling), "missing").message_id == "missing-target"
    refused(lambda: require_regular_file(tmp_path), "not-regular-file")
    refused(lambda: require_regular_file("bad\0name.csv"), "unreadable")


@POSIX
def test_devices_and_sockets_are_not_files(tmp_path: Path, no_hang: None) -> None:
    assert "a character device" in str(refused(lambda: require_regular_file("/dev/null"), "not-regular-file"))
    refused(lambda: open_text("/dev/zero"), "not-regular-file")  # would otherwise read forever
    path = tmp_path / "s.csv"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        assert "a socket" in str(refused(lambda: require_regular_file(path), "not-regular-file"))


def test_size_limit_is_checked_on_the_open_file(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"x" * 100)
    refused(lambda: open_text(path, Limits(max_file_bytes=99)), "too-large")
    with open_regular_file(path, max_bytes=100) as fh:
        assert fh.read() == b"x" * 100


# xlsx --------------------------------------------------------------------------------------

def test_real_workbook_passes(tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    path.write_bytes(xlsx_bytes(党员=MEMBER_ROWS, 第二页=[["a", "b"]] * 10))
    info = check_xlsx(path)
    assert info.sheet_names == ["党员", "第二页"]
    assert [s.dimension for s in info.sheets] == [(3, 5), (10, 2)]
    with zipfile.ZipFile(path) as zf:
        sizes = {i.filename: i.file_size for i in zf.infolist()}
    assert info.sheets[0].uncompressed_bytes == sizes[info.sheets[0].member]
    assert info.uncompressed_bytes == sum(sizes.values())
    assert info.sheet("第二页").rows == 10 and info.sheet(1).name == "第二页"
    with pytest.raises(InvalidValue):
        info.sheet(2)
    with pytest.raises(InvalidValue):
        info.sheet("第三页")
    scan = scan_xlsx_sheet(path, "第二页")
    assert (scan.rows, scan.cells, scan.max_row, scan.max_column) == (10, 20, 10, 2)


def test_large_sheet_scan_is_exact_across_chunks(tmp_path: Path) -> None:
    rows = 60_000
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="C{r}"><v>1</v></c></row>' for r in range(1, rows + 1))
    path = bad.write_xlsx(tmp_path / "big.xlsx", bad.sheet_head(None) + body.encode() + bad.SHEET_TAIL)
    assert path.stat().st_size < 1 << 20 < len(body)  # several inflate chunks
    scan = scan_xlsx_sheet(path)
    assert (scan.rows, scan.cells, scan.max_row, scan.max_column) == (rows, 2 * rows, rows, 3)
    refused(lambda: scan_xlsx_sheet(path, 0, Limits(max_rows=rows - 2)), "too-many-rows")
    refused(lambda: scan_xlsx_sheet(path, 0, Limits(max_columns=2)), "too-many-columns")
    refused(lambda: scan_xlsx_sheet(path, 0, Limits(max_cells=3 * rows - 1)), "too-many-cells")


def test_scan_counts_formulas_saved_without_results_across_chunks(tmp_path: Path) -> None:
    rows = 60_000
    formula = {0: '<f>A{r}+1</f><v>2</v>', 1: '<f>A{r}+1</f><v />', 2: '<f t="shared" si="0"/>', 3: "<v>1</v>"}
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="C{r}">{formula[r % 4].format(r=r)}</c></row>'
                   for r in range(1, rows + 1))
    path = bad.write_xlsx(tmp_path / "formulas.xlsx", bad.sheet_head(None) + body.encode() + bad.SHEET_TAIL)
    assert path.stat().st_size < 1 << 20 < len(body)  # several inflate chunks, cells cut between them
    scan = scan_xlsx_sheet(path)
    assert scan.uncalculated == rows // 2
    assert scan.uncalculated_cells == ("C1", "C2", "C5", "C6", "C9")
    assert (scan.rows, scan.cells) == (rows, 2 * rows)
    calculated = bad.write_xlsx(tmp_path / "calculated.xlsx", bad.sheet_head(None) + body.replace(
        "<v />", "<v>3</v>").replace('si="0"/>', 'si="0"/><v>4</v>').encode() + bad.SHEET_TAIL)
    assert scan_xlsx_sheet(calculated).uncalculated == 0


def test_scan_without_references_or_with_prefixes(tmp_path: Path) -> None:
    """The exact (slow) path: cells placed by counting, namespace prefixes, single quotes."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (f'<x:worksheet xmlns:x="{main}"><x:sheetData>'
           "<x:row><x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row>"
           "<x:row><x:c><x:v>1</x:v></x:c><x:c/><x:c/><x:c/></x:row>"
           "<x:row r='7'><x:c r='B7'><x:v>1</x:v></x:c></x:row>"
           "</x:sheetData></x:worksheet>")
    path = bad.write_xlsx(tmp_path / "prefixed.xlsx", xml.encode())
    scan = scan_xlsx_sheet(path)
    assert (scan.rows, scan.cells, scan.max_row, scan.max_column) == (3, 7, 7, 4)
    refused(lambda: scan_xlsx_sheet(path, 0, Limits(max_columns=3)), "too-many-columns")
    # A far cell in a near row is placed by its own reference, as readers place it.
    far = bad.sheet_head(None) + b'<row r="2"><c r="A2"/><c r="B5000000"/></row>' + bad.SHEET_TAIL
    refused(lambda: scan_xlsx_sheet(bad.write_xlsx(tmp_path / "far.xlsx", far)), "too-many-rows")


def test_not_xlsx_variants(tmp_path: Path) -> None:
    def check(data: bytes, detail: str = "") -> UnsafeInput:
        path = tmp_path / "x.xlsx"
        path.write_bytes(data)
        error = refused(lambda: check_xlsx(path), "not-xlsx")
        assert detail in str(error)
        return error

    check(b"", "empty")
    assert check(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600).message_id == "xlsx-ole"  # .xls, or encrypted
    check(b"PK\x03\x04" + b"\0" * 100, "zip")  # a local header, no directory
    good = bad.member_sheet()
    # No workbook part.
    check(_zip_bytes(tmp_path, [bad.deflated("xl/worksheets/sheet1.xml", good)]), "workbook.xml")
    # Duplicate member names.
    members = _xlsx_members(good)
    check(_zip_bytes(tmp_path, [*members, members[-1]]), "twice")
    # A DTD, in UTF-8 and in UTF-16 (no bytes to grep for).
    for encoding in ("utf-8", "utf-16"):
        dtd = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workbook/>'.encode(encoding)
        check(_zip_bytes(tmp_path, _xlsx_members(good, workbook=dtd)), "DTD")
    # Broken XML, deep XML, encodings expat cannot take (found by fuzzing: LookupError, ValueError).
    check(_zip_bytes(tmp_path, _xlsx_members(good, workbook=b"<workbook><sheets>")), "XML")
    for encoding in ("UTFyes", "gb18030", "rot13", "idna"):
        declared = f'<?xml version="1.0" encoding="{encoding}"?><workbook/>'.encode()
        check(_zip_bytes(tmp_path, _xlsx_members(good, workbook=declared)), "XML")
    check(_zip_bytes(tmp_path, _xlsx_members(good, workbook=b"<a>" * 100 + b"</a>" * 100)), "nested")
    # A sheet whose part is missing.
    check(_zip_bytes(tmp_path, _xlsx_members(good)[:-1]), "missing")
    # Damaged data: the CRC no longer matches. Parts read whole are verified by check_xlsx; a sheet,
    # of which check_xlsx reads only the head, by scan_xlsx_sheet, which reads all of it.
    members = _xlsx_members(good)
    members[2] = members[2]._replace(crc=members[2].crc ^ 1)
    check(_zip_bytes(tmp_path, members), "checksum")
    members = _xlsx_members(good)
    members[-1] = members[-1]._replace(crc=members[-1].crc ^ 1)
    path = tmp_path / "crc.xlsx"
    path.write_bytes(_zip_bytes(tmp_path, members))
    check_xlsx(path)
    assert "checksum" in str(refused(lambda: scan_xlsx_sheet(path), "not-xlsx"))


def _xlsx_members(sheet: bytes, workbook: bytes = bad.WORKBOOK) -> list[Any]:
    return list(bad.xlsx_members(sheet, workbook))


def _zip_bytes(tmp_path: Path, members: list[Any]) -> bytes:
    return bytes(bad.zip_bytes(members))


def test_zip_limits(tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    path.write_bytes(xlsx_bytes(党员=MEMBER_ROWS))
    refused(lambda: check_xlsx(path, Limits(max_zip_members=3)), "zip-bomb")
    refused(lambda: check_xlsx(path, Limits(max_uncompressed_bytes=1000)), "zip-bomb")
    refused(lambda: check_xlsx(path, Limits(max_compression_ratio=1, min_ratio_check_bytes=100)), "zip-bomb")
    refused(lambda: check_xlsx(path, Limits(max_file_bytes=1000)), "too-large")
    refused(lambda: check_xlsx(path, Limits(max_rows=1)), "xlsx-dimension")
    refused(lambda: check_xlsx(path, Limits(max_columns=4)), "xlsx-dimension")
    assert refused(lambda: check_xlsx(path, Limits(max_cells=14)), "xlsx-dimension").message_id == "xlsx-cells"
    check_xlsx(path, Limits(max_rows=2, max_columns=5, max_cells=15))  # header + 2 rows, 5 columns: at the limits


def test_member_that_inflates_beyond_its_declared_size(tmp_path: Path) -> None:
    sheet = bad.member_sheet()
    real = bad.deflated("xl/worksheets/sheet1.xml", sheet)
    lying = real._replace(size=100, crc=0)  # declares 100 bytes, inflates to 1,100
    path = bad.write_zip(tmp_path / "lying.xlsx", [*_xlsx_members(sheet)[:-1], lying])
    assert refused(lambda: check_xlsx(path), "zip-bomb").message_id == "zip-lying"


def test_dimension_after_a_long_head(tmp_path: Path) -> None:
    sheet = b'<worksheet><sheetPr>' + b" " * (5 << 20) + b'</sheetPr><dimension ref="A1:XFD1"/><sheetData/></worksheet>'
    path = bad.write_xlsx(tmp_path / "head.xlsx", sheet)
    limits = Limits(max_compression_ratio=100_000)
    assert refused(lambda: check_xlsx(path, limits), "xlsx-dimension").message_id == "xlsx-head"
    # After <sheetData> a dimension is ignored by readers, and by the check.
    late = bad.sheet_head(None) + b'</sheetData><dimension ref="A1:XFD1048576"/></worksheet>'
    assert check_xlsx(bad.write_xlsx(tmp_path / "late.xlsx", late)).sheets[0].dimension is None


@pytest.mark.parametrize(("ref", "expected"), [
    ("A1", (1, 1)), ("A1:E3", (3, 5)), ("B2:D10", (10, 4)), ("$A$1:$XFD$1048576", (1048576, 16384)),
    ("a1:c2", (2, 3)), ("garbage", None), ("A1:ZZZZZZZZ1", None),
])
def test_dimension_refs(ref: str, expected: tuple[int, int] | None) -> None:
    assert io_limits._parse_range(ref) == expected


def test_bounded_rows() -> None:
    limits = Limits(max_rows=2, max_columns=3)
    rows = [["a", "b", "c", "", None], ["1", "2", "3"]]
    assert list(bounded_rows(rows, limits)) == rows  # empty trailing cells beyond the limit pass
    refused(lambda: list(bounded_rows([["a", "b", "c", "d"]], limits)), "too-many-columns")
    refused(lambda: list(bounded_rows([["h"], ["1"], ["2"], ["3"]], limits)), "too-many-rows")


# Text --------------------------------------------------------------------------------------

TEXT = bad.member_text()


@pytest.mark.parametrize(("data", "codec"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),
    (TEXT.encode("utf-16-be"), "utf-16-be"),
    (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),
    (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32"),
    (TEXT.encode("gb18030"), "gb18030"),
    (TEXT.replace("𠀋", "").encode("gbk"), "gb18030"),
    (b"", "utf-8"),
])
def test_detect_encoding_and_read(tmp_path: Path, data: bytes, codec: str) -> None:
    assert detect_encoding(data) == codec
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    encoding, rows = read_rows(path)
    assert encoding == codec
    expected = list(csv.reader(io.StringIO(data.decode(codec), newline="")))
    assert rows == expected
    if data:
        assert rows[0] == MEMBER_ROWS[0]


@pytest.mark.parametrize("data", [b"a,b\x00c\n1,2\n", "姓名,所在党组织\n张三\x00,1\n".encode(), b"x\x00,y\n"])
def test_a_stray_nul_in_a_short_file_is_no_sign_of_utf16(data: bytes) -> None:
    """One NUL in a short UTF-8 file lies in every other byte as UTF-16's do, but read as UTF-16
    the file has no comma and no line end left: it is read as UTF-8, and its NUL refused by the field."""
    assert detect_encoding(data) == "utf-8"


def test_short_utf16_tables_without_a_bom_are_still_told() -> None:
    for text in ("姓名,单位\r\n张三,1\r\n", "a,b\n1,2\n", "名\t位\n"):
        assert detect_encoding(text.encode("utf-16-le")) == "utf-16-le", text
        assert detect_encoding(text.encode("utf-16-be")) == "utf-16-be", text


def test_invalid_after_a_bom_is_refused() -> None:
    data = codecs.BOM_UTF16_LE + "a,b\r\n".encode("utf-16-le") + b"\x00\xd8" + "c\r\n".encode("utf-16-le")
    error = refused(lambda: detect_encoding(data, name="up.csv"), "encoding")
    assert error.message_id == "encoding-bom" and error.details["line"] == 2 and error.details["offset"] == 12
    assert str(error).startswith("up.csv starts by saying it is UTF-16")
    error = refused(lambda: detect_encoding(codecs.BOM_UTF8 + b"a\n\xff"), "encoding")
    assert error.details["offset"] == 5  # counted in the file, BOM included


def test_encoding_error_offset_across_chunks() -> None:
    data = ("张三,男\r\n" * 200_000).encode("utf-8") + b"\xff\xfe\r\n"
    assert len(data) > 2 << 20  # past the second 1 MB piece
    error = refused(lambda: detect_encoding(data), "encoding")
    assert error.details["offset"] == len(data) - 4 and error.details["line"] == 200_001


@pytest.mark.parametrize(("line", "delimiter"), [
    ("a,b,c\r\n", ","), ("a\tb\tc\n", "\t"), ("a;b;c", ";"), ('"a,b,c"\td', "\t"), ("", ","), ("abc", ","),
    ("a,b\tc", ","), ("\ufeff姓名\t性别\t民族", "\t"),
])
def test_detect_delimiter(line: str, delimiter: str) -> None:
    assert detect_delimiter(line) == delimiter


def test_csv_limits(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("a,b\n" + "1,2\n" * 5, encoding="utf-8")
    refused(lambda: read_rows(path, Limits(max_rows=4)), "too-many-rows")
    assert len(read_rows(path, Limits(max_rows=5))[1]) == 6
    refused(lambda: read_rows(path, Limits(max_columns=1)), "too-many-columns")
    path.write_text("a,b\n" + "x" * 100 + "\n", encoding="utf-8")
    error = refused(lambda: read_rows(path, Limits(max_line_chars=50)), "too-large")
    assert error.message_id == "line-too-long" and error.details["line"] == 2
    # A quoted field across lines, each short, together over csv's field size limit.
    path.write_text('a\n"' + ("y" * 1000 + "\n") * 200 + '"\n', encoding="utf-8")
    error = refused(lambda: read_rows(path), "bad-csv")
    # The csv module's words ("field larger than field limit") are put in ours.
    assert f"{csv.field_size_limit()}" in str(error) and "field larger" not in str(error)


def test_file_changed_after_the_check(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes("a,b\n张三,男\n".encode())
    with open_text(path) as fh:
        with path.open("ab") as out:  # appended after the check: not read
            out.write(b"\xff\xff\n" + b"x" * 2_000_000)
        assert list(csv_rows(fh)) == [["a", "b"], ["张三", "男"]]
    path.write_bytes("a,b\n张三,男\n".encode())
    with open_text(path) as fh:
        with path.open("r+b") as out:  # changed in place after the check
            out.seek(5)
            out.write(b"\xff")
        error = refused(lambda: list(csv_rows(fh)), "encoding")
    assert error.message_id == "encoding-changed"


def test_line_lengths_are_checked_at_open(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    limits = Limits(max_line_chars=100)
    for ending in ("\n", "\r\n", "\r"):  # Excel for Mac wrote CR only: many short lines, not one long one
        path.write_text(ending.join(["a,b"] + ["x" * 100] * 3000) + ending, encoding="utf-8", newline="")
        assert len(read_rows(path, limits)[1]) == 3001
    # Lines split across the 1 MB decode pieces, one of them too long.
    lines = ["y" * 99] * 20_000
    lines[15_000] = "z" * 101
    path.write_text("\n".join(lines), encoding="utf-8")
    error = refused(lambda: open_text(path, limits), "too-large")
    assert error.message_id == "line-too-long" and error.details["line"] == 15_001
    path.write_text("x" * 3_000_000, encoding="utf-8")  # no line break at all
    assert refused(lambda: open_text(path), "too-large").details["line"] == 1


def test_open_text_closes_on_refusal(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a\n\xff\x80\xff\n")
    for _ in range(3):  # a leaked descriptor would surface as a ResourceWarning (an error here)
        refused(lambda: open_text(path), "encoding")


# JSON --------------------------------------------------------------------------------------

def _reference_depth(value: Any) -> int:
    """Nesting by walking the parsed value (the test oracle)."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='"\\[]{}ab\n中', max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(alphabet='"\\[]{}k', max_size=4),
                                                                       children, max_size=3),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(value=json_values, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6), ascii_=st.booleans())
def test_json_depth_matches_parse_whatever_the_chunks(value: Any, cuts: list[int], ascii_: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_).encode("utf-8")
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points)]
    assert io_limits._json_depth(chunks, 10_000) == _reference_depth(value)


def test_check_json_depth(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"a": [1, {"b": "[[[[\\"]]]]"}], "c": "\\\\", "d": "}}"}', encoding="utf-8")
    assert check_json_depth(path) == 3
    assert load_json_limited(path)["d"] == "}}"
    path.write_text("[" * 64 + "]" * 64, encoding="utf-8")
    assert check_json_depth(path) == 64
    path.write_text("[" * 65 + "]" * 65, encoding="utf-8")
    refused(lambda: check_json_depth(path), "too-deep")
    # A string holding brackets and escapes, across the 1 MB read boundary.
    path.write_text('["' + "x" * ((1 << 20) - 3) + '\\"[[[[[[[[\\\\", [1]]', encoding="utf-8")
    assert check_json_depth(path, Limits(max_json_depth=2)) == 2
    refused(lambda: check_json_depth(path, Limits(max_json_bytes=1000)), "too-large")


def test_load_json_limited(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(codecs.BOM_UTF8 + '{"名": [1, 2]}'.encode())
    assert load_json_limited(path) == {"名": [1, 2]}
    path.write_text('{"a": 1,\n  , }', encoding="utf-8")
    with pytest.raises(InvalidSyntax) as info:
        load_json_limited(path)
    assert (info.value.line, info.value.column) == (2, 3) and "line 2, column 3" in str(info.value)
    path.write_text("1" * 5000, encoding="utf-8")
    with pytest.raises(InvalidSyntax) as info:
        load_json_limited(path)
    assert info.value.line is None and info.value.message_id == "json-invalid"
    path.write_bytes('{"a": "中"}'.encode("gbk"))
    refused(lambda: load_json_limited(path), "encoding")
    path.write_text("[1]", encoding="utf-8")
    refused(lambda: load_json_limited(path, Limits(max_text_bytes=2)), "too-large")


# TOML --------------------------------------------------------------------------------------

def _toml(tmp_path: Path, text: str | bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    path = tmp_path / "pack.toml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return load_toml_limited(path, limits)


def test_toml_good(tmp_path: Path) -> None:
    text = textwrap.dedent('''\
        [pack]
        name = "靖江"  # a comment with [[[[ and {{{{
        a = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        b = '{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{'
        c = """
        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["""""
        d = \'\'\'{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\'\'\'
        e = "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["

        [[unit_kinds]]
        code = "x"
    ''')
    data = _toml(tmp_path, text)
    assert data["pack"]["name"] == "靖江" and data["pack"]["c"].endswith('[""')
    assert data["unit_kinds"] == [{"code": "x"}]
    assert _toml(tmp_path, codecs.BOM_UTF8 + b"a = 1") == {"a": 1}  # Notepad's BOM


def _nested(levels: int) -> list[str]:
    """TOML nested ``levels`` deep in each of the four ways: arrays, inline tables, dotted keys, a header."""
    return [
        "a = " + "[" * levels + "1" + "]" * levels,
        "a = " + "{ b = " * levels + "1" + " }" * levels,
        "a." * levels + "b = 1",
        "[" + "a." * (levels - 1) + "b]\nx = 1",
    ]


@pytest.mark.parametrize("way", range(4))
def test_toml_too_deep(tmp_path: Path, way: int) -> None:
    refused(lambda: _toml(tmp_path, _nested(33)[way]), "too-deep")
    _toml(tmp_path, _nested(32)[way])  # exactly at the limit


def test_toml_recursion_error_is_the_last_resort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io_limits, "_toml_bracket_depth", lambda text, limit: None)
    refused(lambda: _toml(tmp_path, "a = " + "{ b = " * 1000 + "1" + " }" * 1000), "too-deep")


def test_toml_syntax_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidSyntax) as info:
        _toml(tmp_path, "a = 1\nb = = 2\n")
    error = info.value
    assert isinstance(error, InvalidValue) and isinstance(error, CommunityCoreError)
    assert (error.line, error.column) == (2, 5)
    assert str(error) == "pack.toml is not valid TOML at line 2, column 5 (Invalid value): check what is written there"
    with pytest.raises(InvalidSyntax) as info:
        _toml(tmp_path, "a = 1\nb = ")
    assert info.value.line == 2
    with pytest.raises(InvalidSyntax) as info:
        _toml(tmp_path, "a = " + "1" * 5000)
    assert info.value.line is None and "4300" in str(info.value)


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, bytes], Path]:
    directory = tmp_path_factory.mktemp("fuzz")

    def write(name: str, data: bytes) -> Path:
        path = directory / name
        path.write_bytes(data)
        return path

    return write


toml_text = st.text(alphabet="[]{}\"'#\\\n ab=中", max_size=10)
toml_values = st.recursive(
    st.integers() | toml_text | st.booleans(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(toml_text, children, min_size=1, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(document=st.dictionaries(toml_text, toml_values, max_size=3), multiline=st.booleans())
def test_toml_prescan_agrees_with_the_parse(fuzz_file: Callable[[str, bytes], Path], document: dict[str, Any],
                                            multiline: bool) -> None:
    """Brackets in strings, keys and comments never count: the pre-scan sees no more than the data holds.

    Nested tables become headers (``[a.b.c]``: one level in the pre-scan, three in the data) and
    ``[[a]]`` two levels in both, so the pre-scan's depth is at most the data's, or 2.
    """
    import tomli_w

    text = tomli_w.dumps(document, multiline_strings=multiline) + "# [[[[[[[[[[[[ {{{{{{{{{{ \"'\n"
    depth = _reference_depth(document) - 1  # the document itself is level 0
    io_limits._toml_bracket_depth(text, max(depth, 2))
    assert load_toml_limited(fuzz_file("p.toml", text.encode("utf-8"))) == document


def test_toml_limits(tmp_path: Path) -> None:
    refused(lambda: _toml(tmp_path, "a = 1\n" * 10, Limits(max_text_bytes=10)), "too-large")
    error = refused(lambda: _toml(tmp_path, b"a = 1\nb = '\xff'\n"), "encoding")
    assert error.details["line"] == 2 and error.details["offset"] == 11 and "GBK" not in str(error)


# The error and the limits ------------------------------------------------------------------

def test_unsafe_input_is_a_community_error_and_pickles(bad_dir: Path) -> None:
    error = refused(lambda: check_xlsx(bad_dir / "dimension-bomb.xlsx"), "xlsx-dimension")
    assert isinstance(error, CommunityCoreError) and isinstance(error, ValueError)
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.path, again.reason_code, again.message_id, again.details) == (
        UnsafeInput, str(error), error.path, error.reason_code, error.message_id, error.details)
    syntax = InvalidSyntax("a.toml", "m", line=1, column=2, message_id="toml-syntax")
    assert (pickle.loads(pickle.dumps(syntax)).line, str(pickle.loads(pickle.dumps(syntax)))) == (1, "m")


def test_reason_codes_and_messages() -> None:
    expected = {
        "missing", "not-regular-file", "symlink-loop", "unreadable", "too-large", "not-xlsx", "zip-bomb",
        "xlsx-dimension", "too-many-rows", "too-many-columns", "too-many-cells", "encoding", "bad-csv", "too-deep",
    }
    assert expected == REASON_CODES
    assert describe("missing", name="a.csv") == "the file a.csv does not exist: check the path and the file name"
    assert all(": " in template for _code, template in MESSAGES.values())  # each says what to do after the colon


def test_limits() -> None:
    assert Limits() == DEFAULT_LIMITS
    assert (DEFAULT_LIMITS.max_rows, DEFAULT_LIMITS.max_columns, DEFAULT_LIMITS.max_json_depth,
            DEFAULT_LIMITS.max_toml_depth) == (1_000_000, 200, 64, 32)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        DEFAULT_LIMITS.max_rows = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="max_rows"):
        Limits(max_rows=0)
    with pytest.raises(TypeError):
        Limits(max_cells=1.5)  # type: ignore[arg-type]
    assert attrs.evolve(DEFAULT_LIMITS, max_rows=10).max_rows == 10


# Fuzzing: whatever the bytes, success or a CommunityCoreError ------------------------------

GOOD_TOML = b'[pack]\nname = "jj"\n\n[[unit_kinds]]\ncode = "x"\nlabel = "\xe7\xbd\x91\xe6\xa0\xbc"\nn = [1, {a = 2}]\n'
GOOD_JSON = json.dumps({"members": [{"id": 1, "name": "张三", "tags": ["a", {"b": "[\"]"}]}]}).encode()
GOOD_CSVS = [TEXT.encode("utf-8"), codecs.BOM_UTF8 + TEXT.encode(), codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
             TEXT.encode("gb18030"), codecs.BOM_UTF16_BE + bad.member_text("\t").encode("utf-16-be")]
GOOD_XLSX = xlsx_bytes(党员=MEMBER_ROWS)
SMALL_XLSX = bad.zip_bytes(bad.xlsx_members(bad.member_sheet()))


@st.composite
def mutated(draw: st.DrawFn, bases: list[bytes]) -> bytes:
    """A good file with a few byte flips, insertions, deletions and perhaps a truncation."""
    data = bytearray(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        if not data:
            break
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if op == "flip":
            data[at] ^= draw(st.integers(min_value=1, max_value=255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(min_value=1, max_value=16))]
        else:
            del data[at:]
    return bytes(data)


def inputs(bases: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=600), mutated(bases))


@st.composite
def mutated_xlsx(draw: st.DrawFn) -> bytes:
    """A workbook whose sheet or workbook XML was mutated and then zipped again (reaches the XML paths)."""
    sheet = draw(mutated([bad.member_sheet(), bad.member_sheet(None, far_cell="C9")]))
    workbook = draw(st.one_of(st.just(bad.WORKBOOK), mutated([bad.WORKBOOK])))
    return bytes(bad.zip_bytes(bad.xlsx_members(sheet, workbook)))


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _expect_safe(call: Callable[[], object]) -> None:
    try:
        call()
    except CommunityCoreError as exc:
        if isinstance(exc, UnsafeInput):
            assert exc.reason_code in REASON_CODES


@FUZZ
@given(data=st.one_of(inputs([GOOD_XLSX, SMALL_XLSX]), mutated_xlsx()))
def test_fuzz_xlsx(fuzz_file: Callable[[str, bytes], Path], data: bytes) -> None:
    path = fuzz_file("f.xlsx", data)
    _expect_safe(lambda: check_xlsx(path))
    _expect_safe(lambda: scan_xlsx_sheet(path))


@FUZZ
@given(data=inputs(GOOD_CSVS))
def test_fuzz_text(fuzz_file: Callable[[str, bytes], Path], data: bytes) -> None:
    path = fuzz_file("f.csv", data)

    def read() -> None:
        with open_text(path, Limits(max_line_chars=200)) as fh:
            for _ in csv_rows(fh, Limits(max_rows=50, max_columns=20)):
                pass

    _expect_safe(read)
    _expect_safe(lambda: detect_encoding(data))


@FUZZ
@given(data=inputs([GOOD_JSON, b"[" * 70 + b"]" * 70]))
def test_fuzz_json(fuzz_file: Callable[[str, bytes], Path], data: bytes) -> None:
    path = fuzz_file("f.json", data)
    _expect_safe(lambda: check_json_depth(path))
    _expect_safe(lambda: load_json_limited(path))


@FUZZ
@given(data=inputs([GOOD_TOML, b"a = " + b"[" * 40 + b"]" * 40, b'a = """x"""\nb = \'\'\'y\'\'\'\n']))
def test_fuzz_toml(fuzz_file: Callable[[str, bytes], Path], data: bytes) -> None:
    path = fuzz_file("f.toml", data)
    _expect_safe(lambda: load_toml_limited(path))


@given(pieces=st.lists(st.text(alphabet="ab\n\r", max_size=40), max_size=8), limit=st.integers(1, 12))
def test_the_line_meter_agrees_with_splitting_into_lines(pieces: list[str], limit: int) -> None:
    """The fast window check refuses exactly what measuring every line would, naming the same line."""
    fast = io_limits._LineMeter(limit, "x.csv")
    exact = io_limits._LineMeter(limit, "x.csv")

    def outcome(feed: Callable[[str], None], piece: str) -> int | None:
        try:
            feed(piece)
        except UnsafeInput as error:
            return int(error.details["line"])
        return None

    for piece in pieces:
        got, want = outcome(fast.feed, piece), outcome(exact._feed_exact, piece)
        assert got == want
        if want is not None:
            break
        assert (fast.current, fast.current_line, fast.newlines) == (exact.current, exact.current_line, exact.newlines)
