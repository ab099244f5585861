"""Files that are not a usable database, and files a command must not write over.

A file that is not a database (text, random bytes, a damaged one), a read-only database and an
empty file are each refused in words, in the SDK and on the command line, never with the driver's
traceback. No export, backup or report may be written over the database in use (its file, a
symlink or hard link to it, its -wal), ``--force`` or not; an empty path is refused as one.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.errors import Conflict, DatabaseUnavailable, InvalidValue
from communitycore.i18n import language
from communitycore.io.files import DatabaseInUse, staged_file
from communitycore.sdk.database import backup

NOT_A_DATABASE = {"zh": "该文件不是 communitycore 数据库，或者已经损坏",
                  "en": "the file is not a communitycore database, or it is damaged"}
READ_ONLY = {"zh": "数据库以只读方式打开", "en": "it is open read-only"}
IN_USE = {"zh": "是正在使用的数据库的文件", "en": "is a file of the database in use"}
EMPTY_PATH = {"zh": "文件名为空", "en": "the file name is empty"}


def _run(*args: str, lang: str = "zh") -> Result:
    result = CliRunner().invoke(make_cli(AppState()), [*(["--lang", "en"] if lang == "en" else []), *args])
    assert "Traceback" not in result.output and "sqlalche.me" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _english_sentences(text: str) -> list[str]:
    """Lines with three English words in a row, once paths, URLs and `commands` are taken out."""
    found = []
    for line in text.splitlines():
        plain = re.sub(r"`[^`]*`|\S*[/=._]\S*|--?[a-z][a-z-]*", " ", line)
        if re.search(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}\W+[A-Za-z]{2,}", plain):
            found.append(line)
    return found


def _refused(args: tuple[str, ...], words: dict[str, str], exit_code: int) -> None:
    """The command is refused in each language with ``words``, and the Chinese holds no English sentence."""
    for lang in ("zh", "en"):
        result = _run(*args, lang=lang)
        assert result.exit_code == exit_code, (args, lang, result.output)
        assert result.output.startswith("错误：" if lang == "zh" else "Error: "), result.output
        assert words[lang] in result.output, result.output
        if lang == "zh":
            assert _english_sentences(result.output) == [], result.output


def _community_file(path: Path) -> Path:
    """A small community whose administrator is the one the command line acts as (the OS user)."""
    with communitycore.open(str(path), autoload=False, create=True) as community:
        root = community.org.add("城南街道党工委", "street-committee")
        community.org.add("幸福社区党委", "community-committee", parent=root.id)
    return path


def _damaged(path: Path) -> Path:
    """A community whose header and schema are sound but whose table of units is garbage."""
    _community_file(path)
    with sqlite3.connect(path) as con:
        page = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'cc_units'").fetchone()[0]
    con.close()
    with path.open("r+b") as fh:
        fh.seek((root - 1) * page)
        fh.write(b"\xff" * page)
    return path


def _not_databases(tmp_path: Path) -> list[Path]:
    text = tmp_path / "text.db"
    text.write_text("hello\n", encoding="utf-8")
    noise = tmp_path / "noise.db"
    noise.write_bytes(bytes(range(256)) * 32)
    header_only = tmp_path / "cut.db"  # a database's first bytes, the rest garbage
    header_only.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4080)
    return [text, noise, header_only]


# A file that is not a database -----------------------------------------------------------------------

def test_the_sdk_refuses_a_file_that_is_not_a_database_in_words(tmp_path: Path) -> None:
    for path in _not_databases(tmp_path):
        before = path.read_bytes()
        for lang in ("zh", "en"):
            with language(lang), pytest.raises(DatabaseUnavailable) as caught:
                communitycore.open(str(path), autoload=False)
            assert NOT_A_DATABASE[lang] in str(caught.value), str(caught.value)
            assert str(path) in str(caught.value)
            assert caught.value.__cause__ is None and caught.value.__suppress_context__
        assert path.read_bytes() == before


@pytest.mark.parametrize("command", [("org", "tree"), ("db", "status"), ("init",), ("db", "upgrade"),
                                     ("db", "backup", "copy.db"), ("export", "copy.json")])
def test_the_command_line_refuses_a_file_that_is_not_a_database(tmp_path: Path, command: tuple[str, ...]) -> None:
    for path in _not_databases(tmp_path):
        args = tuple(str(tmp_path / c) if c.startswith("copy.") else c for c in command)
        _refused(("--db", str(path), *args), NOT_A_DATABASE, 2)
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "copy.json").exists()


def test_a_damaged_database_is_refused_in_words_when_it_is_read(tmp_path: Path) -> None:
    path = _damaged(tmp_path / "damaged.db")
    community = communitycore.open(str(path), autoload=False)
    try:
        with pytest.raises(DatabaseUnavailable, match=r"cannot read the database .*damaged\.db: the file is not "
                                                      r"a communitycore database, or it is damaged"):
            community.org.tree()
    finally:
        community.close()
    _refused(("--db", str(path), "org", "tree"), NOT_A_DATABASE, 2)
    _refused(("--db", str(path), "export", str(tmp_path / "out.json")), NOT_A_DATABASE, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.db"]  # no export, no partial file


# A read-only database --------------------------------------------------------------------------------

def test_a_read_only_database_refuses_a_change_in_words(tmp_path: Path) -> None:
    path = _community_file(tmp_path / "ro.db")
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    community = communitycore.open(url, autoload=False)
    try:
        assert [u.name for u in community.org.children(None)] == ["城南街道党工委"]  # reading is fine
        with pytest.raises(DatabaseUnavailable, match=r"cannot write to the database .*ro\.db.*: it is open "
                                                      r"read-only\. To change it, open it writable"):
            community.org.add("城北街道党工委", "street-committee")
        with language("zh"), pytest.raises(DatabaseUnavailable, match="数据库以只读方式打开"):
            community.org.add("城北街道党工委", "street-committee")
    finally:
        community.close()
    _refused(("--db", url, "org", "add", "X", "--kind", "street-committee"), READ_ONLY, 2)
    result = _run("--db", url, "org", "add", "X", "--kind", "street-committee")
    assert f"sqlite:///file:{path}?mode=ro" in result.output  # the URL as it was typed, not escaped
    with communitycore.open(str(path), autoload=False) as community:
        assert len(community.org.tree()) == 2


# An empty file ---------------------------------------------------------------------------------------

def test_an_empty_file_is_refused_like_a_missing_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(DatabaseUnavailable) as caught:
        communitycore.open(str(empty), autoload=False)
    assert caught.value.code == "missing-database" and caught.value.key == str(empty)
    for command in (("org", "tree"), ("db", "status"), ("db", "upgrade"), ("db", "backup", str(tmp_path / "b.db"))):
        result = _run("--db", str(empty), *command)
        assert result.exit_code == 2, result.output
        assert result.output.strip() == (f"错误：{empty} 处没有数据库\n请运行 `community init` 创建，或加 --create")
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
    # What may create a database still does, in the empty file.
    assert _run("--db", str(empty), "--create", "org", "tree").exit_code == 0
    assert empty.stat().st_size > 0
    other = tmp_path / "other.db"
    other.touch()
    assert _run("--db", str(other), "init").exit_code == 0
    communitycore.open(str(other), autoload=False).close()


# Nothing written over the database in use -------------------------------------------------------------

def test_an_export_or_backup_over_the_database_in_use_is_refused(tmp_path: Path) -> None:
    path = _community_file(tmp_path / "b.db")
    (tmp_path / "link.db").symlink_to(path)
    os.link(path, tmp_path / "hard.db")
    before = path.read_bytes()
    for target in ("b.db", "link.db", "hard.db", "b.db-wal", str(path)):
        file = target if os.path.isabs(target) else str(tmp_path / target)
        for command in (("export", file, "--force"), ("export", file), ("db", "backup", file, "--force")):
            _refused(("--db", str(path), *command), IN_USE, 1)
    # the database opened through its symlink: its own file is refused as well
    _refused(("--db", str(tmp_path / "link.db"), "db", "backup", str(path), "--force"), IN_USE, 1)
    # any other file a command writes: a roster named like a spreadsheet, linked to the database
    (tmp_path / "b.xlsx").symlink_to(path)
    _refused(("--db", str(path), "member", "export", str(tmp_path / "b.xlsx")), IN_USE, 1)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.db", "b.xlsx", "hard.db", "link.db"]
    result = _run("--db", str(path), "org", "tree")
    assert result.exit_code == 0 and "幸福社区党委" in result.output


def test_the_sdk_refuses_to_write_over_the_database_it_has_open(tmp_path: Path) -> None:
    path = _community_file(tmp_path / "b.db")
    community = communitycore.open(str(path), autoload=False)
    try:
        for target in (path, tmp_path / "b.db-wal", tmp_path / "b.db-journal"):
            with pytest.raises(DatabaseInUse) as caught:
                backup(community, target, overwrite=True)
            assert isinstance(caught.value, Conflict) and caught.value.key == str(target)
            with pytest.raises(DatabaseInUse):
                community.export_to(target)
            with pytest.raises(DatabaseInUse), staged_file(target):
                pytest.fail("nothing may be staged over the database")
        # a host's own connection holds the file too
        with community.engine.connect() as conn, conn.begin():
            host = communitycore.open(conn, autoload=False)
            with pytest.raises(DatabaseInUse):
                host.export_to(path)
            assert conn.in_transaction()
        backup(community, tmp_path / "copy.db")  # any other name is fine
    finally:
        community.close()
    # Closed, it is a file like any other: a backup of another database may replace it.
    with communitycore.open(str(_community_file(tmp_path / "other.db")), autoload=False) as other:
        backup(other, path, overwrite=True)


# An empty path ---------------------------------------------------------------------------------------

def test_an_empty_path_is_refused_as_one(tmp_path: Path) -> None:
    path = _community_file(tmp_path / "b.db")
    for command in (("db", "backup", ""), ("db", "backup", "", "--force"), ("export", ""), ("export", "", "--force")):
        _refused(("--db", str(path), *command), EMPTY_PATH, 1)
    with communitycore.open(str(path), autoload=False) as community:
        with pytest.raises(InvalidValue, match="the file name is empty") as caught:
            backup(community, "", overwrite=True)
        assert (caught.value.entity, caught.value.key) == ("file", "")
        with pytest.raises(InvalidValue, match="the file name is empty"), staged_file(""):
            pytest.fail("nothing may be staged under an empty name")


@pytest.mark.parametrize(("url", "scheme"), [("foo://bar", "'foo'"),
                                             ("mysql+nodriver://x/y", "'mysql+nodriver'")])
def test_a_url_of_no_known_database_names_its_scheme_and_the_ones_known(url: str, scheme: str) -> None:
    words = {"zh": f"本库不支持 {scheme} 类数据库", "en": f"knows no database {scheme}"}
    _refused(("--db", url, "org", "tree"), words, 2)
    for lang in ("zh", "en"):
        assert "plugin" not in _run("--db", url, "org", "tree", lang=lang).output
