"""Hostile and broken files through the real ways in: each ends in success or in the library's own error.

* Fuzzing (hypothesis, bounded for CI): random bytes, and good files the test writes (a member
  CSV, a member XLSX, an export, a pack) with bytes flipped, cut, inserted and deleted, or with
  their XML mutated and zipped again, go to the member import, the exchange import and the pack
  loader. Anything but success or a :class:`~communitycore.errors.CommunityCoreError` fails the
  test, and a failed import must leave nothing stored.
* Regression: every file ``tests/fixtures/make_bad_files.py`` generates goes through the real
  importers (not just the limit functions) and is refused with its reason, or imported.
* The command line: the 1.6 KB dimension-bomb workbook is refused with a clear message and exit
  code 1, and the process stays under 300 MB; the encodings of the must-show list import or are
  refused naming the line.
"""

from __future__ import annotations

import codecs
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

import communitycore
from communitycore import Community, CommunityCoreError, PluginError
from communitycore.io.limits import UnsafeInput
from communitycore.plugins.packs import load_pack


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
#: Bounded and repeatable in CI; ``COMMUNITYCORE_FUZZ_EXAMPLES=5000`` runs a longer, random search.
_EXAMPLES = int(os.environ.get("COMMUNITYCORE_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=_EXAMPLES, deadline=None, derandomize="COMMUNITYCORE_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
#: Peak memory allowed to the command line importing a hostile file.
MAX_RSS_MB = 300

PACK = b"""[pack]
name = "fuzz"
version = "1.0"

[[unit_kinds]]
code = "market-branch"
label = "\xe4\xb8\x93\xe4\xb8\x9a\xe5\xb8\x82\xe5\x9c\xba\xe5\x85\x9a\xe6\x94\xaf\xe9\x83\xa8"
parents = ["community-committee"]
min_full_members = 3

[[service_programs]]
code = "red-ribbon"
label = "red ribbon"
category = "care"

[[scoring_schemes]]
code = "fuzz-points"
label = "points"
subject = "member"
period = "yearly"
base = 60
items = [{ fact = "members", points = 1, cap = 10 }]
bands = [{ grade = "excellent", min_score = 90, quota = 0.3 }]
"""

#: Bytes that mean something to one of the parsers, inserted more often than chance would.
SPECIAL = [b"\xff", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b'"', b"\n", b"\r", b",", b"\t", b"[", b"{", b"]",
           b"}", b"<", b">", b"&#0;", b"<row r=\"1048576\">", b'<c r="XFD1">', b"\\", b"'''", b"=", b"\xe4\xb8"]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with 1-4 mutations: a byte replaced, a cut, an insertion (random or special), a deletion."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "truncate", "insert", "special", "delete", "duplicate"]))
        at = draw(st.integers(0, len(data)))
        if op == "replace" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "special":
            data[at:at] = draw(st.sampled_from(SPECIAL))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 32))]
        elif op == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 64))]
    return bytes(data)


def refused_or_done(call: Callable[[], object]) -> CommunityCoreError | None:
    """Run ``call``; the library's own error is returned, success gives None, anything else fails the test."""
    try:
        call()
    except CommunityCoreError as exc:
        assert str(exc), "an error without a message"
        if currently_in_test_context():  # --hypothesis-show-statistics
            event(f"{type(exc).__name__} {getattr(exc, 'reason_code', '')}".strip())
        return exc
    if currently_in_test_context():
        event("accepted")
    return None


# Communities ---------------------------------------------------------------------------------------


def add_units(community: Community) -> None:
    """The units the generated member files refer to (靖城街道党工委/老党员支部, /第一网格党支部)."""
    root = community.org.add("靖城街道党工委", "street-committee")
    community.org.add("老党员支部", "branch", root.id)
    community.org.add("第一网格党支部", "branch", root.id)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite database, copied for every community the tests need."""
    path = tmp_path_factory.mktemp("fuzz-template") / "empty.db"
    # "fuzz" opens it first and so administers every copy
    communitycore.open(f"sqlite:///{path}", actor="fuzz", autoload=False, create=True).close()
    return path


class Fresh:
    """Communities on copies of the template; ``renew`` after a success that stored something."""

    def __init__(self, template: Path, folder: Path, *, units: bool) -> None:
        self.template = template
        self.folder = folder
        self.units = units
        self.made = 0
        self.community = self._make()

    def _make(self) -> Community:
        self.made += 1
        target = self.folder / f"c{self.made}.db"
        shutil.copyfile(self.template, target)
        community = communitycore.open(f"sqlite:///{target}", actor="fuzz", autoload=False, create=True)
        if self.units:
            add_units(community)
        return community

    def renew(self) -> None:
        self.community.close()
        self.community = self._make()

    def close(self) -> None:
        self.community.close()


@pytest.fixture(scope="module")
def members_db(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fresh]:
    fresh = Fresh(template, tmp_path_factory.mktemp("fuzz-members"), units=True)
    yield fresh
    fresh.close()


@pytest.fixture(scope="module")
def empty_db(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fresh]:
    fresh = Fresh(template, tmp_path_factory.mktemp("fuzz-exchange"), units=False)
    yield fresh
    fresh.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-files")


@pytest.fixture(scope="module")
def export_seed(template: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("fuzz-seed")
    shutil.copyfile(template, folder / "seed.db")
    with communitycore.open(f"sqlite:///{folder / 'seed.db'}", actor="fuzz", autoload=False, create=True) as community:
        add_units(community)
        community.members.import_file(write(folder / "m.csv", bad.member_text().encode()))
        community.org.add_compound("和平小区", "old", "靖城街道党工委")
        community.export_to(folder / "seed.json")
    return (folder / "seed.json").read_bytes()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def stored(community: Community) -> tuple[int, int]:
    """Members and audit entries: what a refused import must leave as they were."""
    return community.members.count(), len(community.audit.list(limit=100_000))


# The member import -----------------------------------------------------------------------------------


def import_members(db: Fresh, path: Path) -> None:
    community = db.community
    before = stored(community)
    error = refused_or_done(lambda: community.members.import_file(path))
    if error is None:
        db.renew()  # it stored members: the next example starts from a clean database
    else:
        assert stored(community) == before, f"{type(error).__name__} left data behind: {error}"


CSV_SEED = bad.member_text().encode("utf-8")


@FUZZ
@given(data=mutated(CSV_SEED) | mutated(codecs.BOM_UTF16_LE + bad.member_text("\t").encode("utf-16-le"))
       | mutated(bad.member_text().encode("gb18030")) | st.binary(max_size=600))
def test_fuzz_member_import_csv(members_db: Fresh, files: Path, data: bytes) -> None:
    import_members(members_db, write(files / "fuzz.csv", data))


@FUZZ
@given(data=mutated(bad.zip_bytes(bad.xlsx_members(bad.member_sheet()))) | st.binary(max_size=600))
def test_fuzz_member_import_xlsx_bytes(members_db: Fresh, files: Path, data: bytes) -> None:
    import_members(members_db, write(files / "fuzz.xlsx", data))


@FUZZ
@given(sheet=mutated(bad.member_sheet()), workbook=st.just(bad.WORKBOOK) | mutated(bad.WORKBOOK))
def test_fuzz_member_import_xlsx_xml(members_db: Fresh, files: Path, sheet: bytes, workbook: bytes) -> None:
    # Zipped again with good checksums, so the mutations reach the XML readers.
    import_members(members_db, write(files / "fuzz-xml.xlsx", bad.zip_bytes(bad.xlsx_members(sheet, workbook))))


def test_the_seeds_import(members_db: Fresh, files: Path) -> None:
    """The fuzzing starts from good files: each imports as it is."""
    for name, data in (("seed.csv", CSV_SEED), ("seed.xlsx", bad.zip_bytes(bad.xlsx_members(bad.member_sheet())))):
        assert members_db.community.members.import_file(write(files / name, data)) == 2
        members_db.renew()


# The exchange import ---------------------------------------------------------------------------------


def test_the_export_seed_imports(empty_db: Fresh, files: Path, export_seed: bytes) -> None:
    counts = empty_db.community.import_from(write(files / "seed.json", export_seed))
    assert counts["members"] == 2 and counts["units"] == 3
    empty_db.renew()


@FUZZ
@given(data=st.data())
def test_fuzz_exchange_import(empty_db: Fresh, files: Path, export_seed: bytes, data: st.DataObject) -> None:
    content = data.draw(mutated(export_seed) | st.binary(max_size=400), label="file")
    community = empty_db.community
    error = refused_or_done(lambda: community.import_from(write(files / "fuzz.json", content)))
    if error is None:
        empty_db.renew()
    else:
        assert community.org.count() == 0 and community.members.count() == 0, error


# The pack loader -------------------------------------------------------------------------------------


def test_the_pack_seed_loads(files: Path) -> None:
    provider, records = load_pack(write(files / "seed.toml", PACK))
    assert provider == "pack:fuzz" and len(records) == 3


@FUZZ
@given(data=mutated(PACK) | st.binary(max_size=400))
def test_fuzz_pack_loader(files: Path, data: bytes) -> None:
    error = refused_or_done(lambda: load_pack(write(files / "fuzz.toml", data)))
    assert error is None or isinstance(error, PluginError), f"a pack error must be a PluginError: {error!r}"
    if error is not None:
        assert "fuzz.toml" in str(error)  # it names the file


# Regression: every generated bad file through the real importers --------------------------------------


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bad-files")
    bad.generate(directory)
    return directory


#: The files that are good and hold the two members of MEMBER_ROWS.
GOOD_MEMBER_FILES = sorted(c.name for c in bad.CASES if c.reason is None)
#: Hostile files, by the way in that takes them.
MEMBER_FILES = sorted(c.name for c in bad.CASES if c.reason is not None and c.name.endswith((".csv", ".xlsx")))
JSON_FILES = sorted(c.name for c in bad.CASES if c.name.endswith(".json"))
TOML_FILES = sorted(c.name for c in bad.CASES if c.name.endswith(".toml"))


def test_every_generated_file_is_covered() -> None:
    assert set(GOOD_MEMBER_FILES) | set(MEMBER_FILES) | set(JSON_FILES) | set(TOML_FILES) == set(CASES)


@pytest.mark.parametrize("name", MEMBER_FILES)
def test_bad_files_through_the_member_import(members_db: Fresh, bad_dir: Path, name: str) -> None:
    community = members_db.community
    before = stored(community)
    with pytest.raises(UnsafeInput) as info:
        community.members.import_file(bad_dir / name)
    assert info.value.reason_code == CASES[name].reason
    assert stored(community) == before


@pytest.mark.parametrize("name", GOOD_MEMBER_FILES)
def test_good_files_through_the_member_import(members_db: Fresh, bad_dir: Path, name: str) -> None:
    community = members_db.community
    assert community.members.import_file(bad_dir / name) == 2
    names = sorted(m.name for m in community.members.list())
    assert names == sorted(row[0] for row in bad.MEMBER_ROWS[1:])  # 李𠀋 kept whole in every encoding
    members_db.renew()


@pytest.mark.parametrize("name", JSON_FILES)
def test_bad_files_through_the_exchange_import(empty_db: Fresh, bad_dir: Path, name: str) -> None:
    with pytest.raises(UnsafeInput) as info:
        empty_db.community.import_from(bad_dir / name)
    assert info.value.reason_code == CASES[name].reason
    assert empty_db.community.org.count() == 0


@pytest.mark.parametrize("name", TOML_FILES)
def test_bad_files_through_the_pack_loader(bad_dir: Path, name: str) -> None:
    with pytest.raises(PluginError, match=name.replace(".", r"\.")) as info:
        load_pack(bad_dir / name)
    assert "UnicodeDecodeError" not in str(info.value) and "Traceback" not in str(info.value)


def test_a_gbk_pack_is_told_as_such(bad_dir: Path) -> None:
    with pytest.raises(PluginError, match="must be UTF-8") as info:
        load_pack(bad_dir / "gbk.toml")
    assert "GBK" in str(info.value) and "line 2" in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_non_files_through_every_way_in(members_db: Fresh, empty_db: Fresh, bad_dir: Path, tmp_path: Path) -> None:
    # A FIFO never blocks any of them (opening one for reading would wait for a writer forever).
    for suffix in (".json", ".toml", ".xlsx", ".txt"):
        os.mkfifo(tmp_path / f"fifo{suffix}")
    ways: list[tuple[str, Callable[[Path], object]]] = [
        (".csv", members_db.community.members.import_file), (".txt", members_db.community.members.import_file),
        (".xlsx", members_db.community.members.import_file), (".json", empty_db.community.import_from),
        (".toml", load_pack),
    ]
    for suffix, way in ways:
        fifo = bad_dir / "fifo.csv" if suffix == ".csv" else tmp_path / f"fifo{suffix}"
        with pytest.raises(CommunityCoreError, match="named pipe"):
            way(fifo)
        with pytest.raises(CommunityCoreError, match="folder"):
            way(bad_dir / "a-directory.csv" if suffix == ".csv" else _dir(tmp_path, suffix))
    assert members_db.community.members.estimate_rows(bad_dir / "fifo.csv") is None


def _dir(tmp_path: Path, suffix: str) -> Path:
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir(exist_ok=True)
    return folder


def test_a_config_file_that_is_not_a_file(bad_dir: Path) -> None:
    from communitycore.config import load_config

    with pytest.raises(CommunityCoreError, match="named pipe"):
        load_config(bad_dir / "fifo.csv")
    with pytest.raises(CommunityCoreError, match="nested more than"):
        load_config(bad_dir / "deep.toml")


# The command line ---------------------------------------------------------------------------------------

_MEASURE = textwrap.dedent("""
    import json, resource, subprocess, sys
    result = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
    print(json.dumps({"code": result.returncode, "out": result.stdout, "err": result.stderr,
                      "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
""")


def community_cli(*args: str) -> dict[str, Any]:
    """Run ``community ARGS`` in a child of a fresh process, so RUSAGE_CHILDREN is that command's alone."""
    command = [sys.executable, "-m", "communitycore", "--lang", "en", *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in [str(Path(communitycore.__file__).parents[1]),
                                                                    os.environ.get("PYTHONPATH", "")] if p),
           "COMMUNITYCORE_ACTOR": "fuzz"}  # the administrator of every copy of the template
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, env=env,
                          timeout=180, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    result["rss_mb"] = result["rss_kb"] / 1024  # Linux reports kilobytes
    return result


@pytest.fixture(scope="module")
def cli_db(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz-cli") / "c.db"
    shutil.copyfile(template, path)
    with communitycore.open(f"sqlite:///{path}", actor="fuzz", autoload=False, create=True) as community:
        add_units(community)
    return path


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kilobytes on Linux")
def test_the_dimension_bomb_is_refused_within_300_mb(cli_db: Path, bad_dir: Path) -> None:
    bomb = bad_dir / "dimension-bomb.xlsx"
    assert bomb.stat().st_size < 2048  # the 1.6 KB file of the report
    result = community_cli("--db", str(cli_db), "member", "import", str(bomb))
    assert result["code"] == 1, result
    assert "Traceback" not in result["err"] and result["out"] == ""
    assert "declares a range of 1048576 rows × 16384 columns" in result["err"]
    assert result["rss_mb"] < MAX_RSS_MB, result["rss_mb"]


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kilobytes on Linux")
@pytest.mark.parametrize("name", ["lying-dimension.xlsx", "no-dimension-far-cell.xlsx", "sparse-corners.xlsx",
                                  "zip-bomb.xlsx", "too-many-cells.xlsx", "shared-strings-bomb.xlsx"])
def test_other_workbook_bombs_are_refused_within_300_mb(cli_db: Path, bad_dir: Path, name: str) -> None:
    result = community_cli("--db", str(cli_db), "member", "import", str(bad_dir / name))
    assert result["code"] == 1 and "Traceback" not in result["err"], result
    assert result["rss_mb"] < MAX_RSS_MB, result["rss_mb"]


def test_a_stray_byte_is_refused_naming_the_line(cli_db: Path, bad_dir: Path) -> None:
    result = community_cli("--db", str(cli_db), "member", "import", str(bad_dir / "stray-ff.csv"))
    assert result["code"] == 1 and "Traceback" not in result["err"], result
    assert "line 3 of stray-ff.csv" in result["err"] and "0xFF" in result["err"]


@pytest.mark.parametrize("name", ["utf16le-bom.csv", "excel-unicode-text.txt"])
def test_utf16_and_excel_unicode_text_import(template: Path, tmp_path: Path, bad_dir: Path, name: str) -> None:
    db = tmp_path / "c.db"
    shutil.copyfile(template, db)
    with communitycore.open(f"sqlite:///{db}", actor="fuzz", autoload=False, create=True) as community:
        add_units(community)
    result = community_cli("--db", str(db), "--json", "member", "import", str(bad_dir / name))
    assert result["code"] == 0, result
    assert json.loads(result["out"])["imported"] == 2


# Regression: the hundreds of kinds of bad file of issue 8 -------------------------------------------------

#: Every kind of the regression set, by name (format × damage, see ``make_bad_files.KINDS``).
KINDS = {kind.name: kind for kind in bad.KINDS}


def test_the_regression_set_is_the_size_the_report_counted() -> None:
    assert len(bad.KINDS) == len(KINDS) >= 371  # unique names, at least the 371 kinds of the report
    assert {kind.way for kind in bad.KINDS} == {"members", "exchange", "pack"}
    assert min(sum(k.way == way for k in bad.KINDS) for way in ("members", "exchange", "pack")) >= 100


@pytest.fixture(scope="module")
def seed_files() -> dict[str, bytes]:
    return bad.seeds()


@pytest.fixture(scope="module")
def kind_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kinds")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_of_bad_file_ends_in_success_or_a_clear_error(
        name: str, members_db: Fresh, empty_db: Fresh, kind_dir: Path, seed_files: dict[str, bytes]) -> None:
    kind = KINDS[name]
    path = bad.write_kind(kind, kind_dir / name, seed_files)
    if kind.way == "members":
        import_members(members_db, path)
    elif kind.way == "exchange":
        community = empty_db.community
        error = refused_or_done(lambda: community.import_from(path))
        if error is None:
            empty_db.renew()
        else:
            assert community.org.count() == 0 and community.members.count() == 0, error
    else:
        error = refused_or_done(lambda: load_pack(path))
        assert error is None or isinstance(error, PluginError), f"a pack error must be a PluginError: {error!r}"
        if error is not None:
            assert path.name in str(error)  # it names the file
