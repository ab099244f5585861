"""A database that cannot be opened is one clear paragraph (exit code 2 on the command line), never a traceback."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

import communitycore
from communitycore.cli import make_cli
from communitycore.errors import DatabaseUnavailable
from communitycore.store.engine import with_driver


def _targets(tmp_path: Path) -> list[str]:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    return [str(folder), str(tmp_path / "no-such-folder" / "c.db"), "nosuch://somewhere",
            "postgresql+psycopg://nobody@127.0.0.1:1/none", "mysql+pymysql://root@127.0.0.1:1/none"]


def test_the_sdk_raises_database_unavailable(tmp_path: Path) -> None:
    for target in _targets(tmp_path):
        with pytest.raises(DatabaseUnavailable) as caught:
            communitycore.open(target, autoload=False)
        assert target.split("://")[-1].split("/")[0] in str(caught.value) or target in str(caught.value)
        assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_command_line_gives_one_paragraph_and_exit_code_2(tmp_path: Path, lang: str) -> None:
    for target in _targets(tmp_path):
        result = CliRunner().invoke(make_cli(), ["--lang", lang, "--db", target, "org", "tree"])
        assert result.exit_code == 2, (target, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output and "sqlalche.me" not in result.output
        assert result.output.startswith("错误：" if lang == "zh" else "Error: "), result.output
    assert not (tmp_path / "no-such-folder").exists()


def test_a_missing_driver_names_the_extra_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_psycopg(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.partition(".")[0] == "psycopg":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    with pytest.raises(DatabaseUnavailable, match=r'pip install "communitycore\[postgresql\]"'):
        communitycore.open("postgresql+psycopg://nobody@127.0.0.1:1/none", autoload=False)


def test_a_server_url_naming_no_driver_gets_the_one_the_extra_installs() -> None:
    assert [with_driver(url).drivername for url in (
        "mysql://root@h/db", "mariadb://root@h/db", "postgresql://u@h/db", "mysql+mysqldb://root@h/db",
        "sqlite:///c.db")] == ["mysql+pymysql", "mysql+pymysql", "postgresql+psycopg", "mysql+mysqldb", "sqlite"]
    assert with_driver("mysql://root:secret@h:3307/db?charset=utf8mb4").render_as_string(hide_password=False) == (
        "mysql+pymysql://root:secret@h:3307/db?charset=utf8mb4")


def test_the_url_without_its_driver_opens_the_same_database(db_url: str) -> None:
    """``mysql://`` and ``postgresql://`` as a user writes them, on each engine's own database."""
    parsed = make_url(db_url)
    plain = parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=False)
    with communitycore.open(db_url, actor="tester", autoload=False) as first:
        first.org.add("城南街道党工委", "street-committee")
    with communitycore.open(plain, actor="tester", autoload=False) as second:
        assert [u.name for u in second.org.children(None)] == ["城南街道党工委"]
        assert second.engine.url.drivername == with_driver(db_url).drivername


def _refusal(target: str, lang: str = "zh") -> str:
    result = CliRunner().invoke(make_cli(), ["--lang", lang, "--db", target, "org", "tree"])
    assert result.exit_code == 2, (target, result.output)
    return result.output.strip()



def test_a_refusal_is_told_in_words_with_the_url_as_written(db_url: str, tmp_path: Path) -> None:
    """On a server: a refused port, a database or user it does not know, each named with its fix, the
    URL shown as the user wrote it (no driver added, password hidden). On SQLite: a folder, a
    folder that does not exist."""
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite":
        folder = tmp_path / "a-folder"
        folder.mkdir()
        assert _refusal(str(folder)) == f"错误：无法打开数据库 {folder}：这是文件夹，不是数据库文件。请给出文件的路径。"
        missing = tmp_path / "no-such-folder" / "c.db"
        result = CliRunner().invoke(make_cli(), ["--db", str(missing), "--create", "init"])
        assert result.exit_code == 2
        assert result.output.strip() == (
            f"错误：无法打开数据库 {missing}：没有文件夹 {missing.parent}。请先创建它，或改正路径。")
        assert not missing.parent.exists()
        return
    plain = parsed.set(drivername=parsed.get_backend_name())
    line = _refusal(plain.set(port=1, password="secret").render_as_string(hide_password=False))
    assert line.startswith(f"错误：无法打开数据库 {plain.get_backend_name()}://"), line
    assert "secret" not in line and ":***@" in line and "+" not in line.split("：")[1]
    assert f"服务器 {parsed.host}:1 拒绝连接。请启动数据库服务器" in line
    no_database = plain.set(database="cc_no_such_database").render_as_string(hide_password=False)
    assert "服务器上没有数据库 cc_no_such_database。请先在服务器上创建它（CREATE DATABASE cc_no_such_database）" in (
        _refusal(no_database))
    nobody = plain.set(username="cc_nobody", password="pw").render_as_string(hide_password=False)
    assert "服务器拒绝了用户 cc_nobody。请检查地址中的用户名和密码" in _refusal(nobody)
    assert "the server refused the user cc_nobody. Check the user and the password" in _refusal(nobody, "en")
