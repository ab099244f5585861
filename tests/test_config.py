"""Configuration: where the database URL comes from, and config files with clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

import communitycore
from communitycore import InvalidValue
from communitycore.cli.state import AppState
from communitycore.config import DEFAULT_DB, Config, PluginConfig, database_url, load_config
from communitycore.testing import make_plugin_manager


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No COMMUNITYCORE_* variables, and a working directory without a community.toml."""
    for name in ("COMMUNITYCORE_DB", "COMMUNITYCORE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def database_of(community: communitycore.Community) -> Path:
    return Path(str(community.engine.url.database)).resolve()


# Precedence of the database URL -----------------------------------------------------------------


def test_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    from_file = Config(db="sqlite:///from-file.db")
    assert database_url(None, Config()) == DEFAULT_DB == "sqlite:///community.db"
    assert database_url(None, from_file) == "sqlite:///from-file.db"
    monkeypatch.setenv("COMMUNITYCORE_DB", "postgresql+psycopg://u@h/env")
    assert database_url(None, from_file) == "postgresql+psycopg://u@h/env"
    assert database_url("mysql+pymysql://u@h/explicit", from_file) == "mysql+pymysql://u@h/explicit"


def test_a_bare_path_means_sqlite() -> None:
    assert database_url("data/c.db", Config()) == "sqlite:///data/c.db"
    assert database_url(None, Config(db="/srv/c.db")) == "sqlite:////srv/c.db"


def test_open_follows_the_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> None:
    config = write(tmp_path / "community.toml", f'db = "sqlite:///{tmp_path / "file.db"}"\n')
    with communitycore.open(config=config, autoload=False, create=True) as c:
        assert database_of(c) == tmp_path / "file.db"
    monkeypatch.setenv("COMMUNITYCORE_DB", str(tmp_path / "env.db"))
    with communitycore.open(config=config, autoload=False, create=True) as c:
        assert database_of(c) == tmp_path / "env.db"
    with communitycore.open(tmp_path / "explicit.db", config=config, autoload=False, create=True) as c:
        assert database_of(c) == tmp_path / "explicit.db"
    monkeypatch.delenv("COMMUNITYCORE_DB")
    with communitycore.open(autoload=False, create=True) as c:  # nothing given: ./community.db
        assert database_of(c) == clean_environment / "community.db"


def test_the_cli_db_option_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "community.toml", f'db = "{tmp_path / "file.db"}"\n')
    monkeypatch.setenv("COMMUNITYCORE_DB", f"sqlite:///{tmp_path / 'env.db'}")

    def opened(db: str | None) -> Path:
        state = AppState(pm=make_plugin_manager())
        state.configure(db=db, config_path=str(config), create=True)  # the files are new: as with --create
        try:
            return database_of(state.community)
        finally:
            state.community.close()

    assert opened(str(tmp_path / "option.db")) == tmp_path / "option.db"
    assert opened(None) == tmp_path / "env.db"
    monkeypatch.delenv("COMMUNITYCORE_DB")
    assert opened(None) == tmp_path / "file.db"


# Finding and reading the config file ------------------------------------------------------------------


def test_no_file_means_defaults() -> None:
    config = load_config()
    assert config == Config()
    assert (config.db, config.timezone, config.lang) == (None, "Asia/Shanghai", "zh")
    assert config.plugins == PluginConfig()


def test_the_file_is_found_by_argument_environment_or_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    write(clean_environment / "community.toml", 'lang = "en"\n')
    assert load_config().lang == "en"
    assert load_config().source == clean_environment / "community.toml"
    env_file = write(tmp_path / "env.toml", 'timezone = "Asia/Urumqi"\n')
    monkeypatch.setenv("COMMUNITYCORE_CONFIG", str(env_file))
    assert load_config().timezone == "Asia/Urumqi"
    explicit = write(tmp_path / "explicit.toml", 'db = "x.db"\n')
    assert load_config(explicit).db == "x.db"


def test_a_full_file(tmp_path: Path) -> None:
    packs = tmp_path / "conf"
    packs.mkdir()
    path = write(packs / "community.toml", """
db = "postgresql+psycopg://app@db/community"
timezone = "Asia/Shanghai"
lang = "en"

[plugins]
disable = ["national-services"]
packs = ["packs/jingjiang.toml"]
autoload = false
strict = true
""")
    config = load_config(path)
    assert make_url(config.db or "").get_backend_name() == "postgresql"
    assert config.plugins == PluginConfig(disable=("national-services",), packs=("packs/jingjiang.toml",),
                                          autoload=False, strict=True)
    assert config.pack_paths() == [packs.resolve() / "packs" / "jingjiang.toml"]


def test_a_single_name_where_a_list_belongs(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "c.toml", '[plugins]\ndisable = "national-services"\n'))
    assert config.plugins.disable == ("national-services",)


def test_the_timezone_reaches_the_clock(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", f'db = "{tmp_path / "c.db"}"\ntimezone = "Asia/Urumqi"\n')
    with communitycore.open(config=path, autoload=False, create=True) as c:
        assert c.clock.timezone == "Asia/Urumqi"
        assert c.clock.now().utcoffset() is not None


# Bad config files --------------------------------------------------------------------------------------


def test_a_missing_explicit_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidValue, match="does not exist"):
        load_config(tmp_path / "nowhere.toml")
    monkeypatch.setenv("COMMUNITYCORE_CONFIG", str(tmp_path / "also-nowhere.toml"))
    with pytest.raises(InvalidValue, match=r"also-nowhere\.toml does not exist"):
        load_config()


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "db = \n")
    with pytest.raises(InvalidValue, match=r"c\.toml is not valid TOML"):
        load_config(path)


def test_one_line_per_bad_field(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", """
colour = "red"
timezone = ["Asia/Shanghai"]

[plugins]
autoload = "false"
disable = 5
strict = 1
extra = true
""")
    with pytest.raises(InvalidValue) as info:
        load_config(path)
    header, *lines = str(info.value).splitlines()
    assert header == f"bad config file {path}:"
    assert all(line.startswith(f"  {path}: ") for line in lines)
    where = sorted(line.rsplit(" @ ", 1)[1] for line in lines)
    assert where == ["$", "$.plugins", "$.plugins.autoload", "$.plugins.disable", "$.plugins.strict", "$.timezone"]
    assert any("colour" in line for line in lines)
    assert any("extra" in line for line in lines)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [('timezone = "Mars/Olympus"', "timezone 'Mars/Olympus' is not an IANA time zone"),
     ('lang = "fr"', "lang 'fr' is not one of 'zh', 'en'"),
     ("db = 5", "$.db"),
     ('plugins = ["jingjiang"]', "expected a table of fields (disable, packs, autoload, strict) @ $.plugins"),
     ("privacy = true", "expected a table of fields (reveal_requires_reason) @ $.privacy")],
)
def test_bad_values(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(InvalidValue) as info:
        load_config(write(tmp_path / "c.toml", text + "\n"))
    assert fragment in str(info.value)
    assert len(str(info.value).splitlines()) == 2


def test_a_bad_config_stops_open(tmp_path: Path) -> None:
    with pytest.raises(communitycore.CommunityCoreError, match="bad config file"):
        communitycore.open(tmp_path / "c.db", config=write(tmp_path / "c.toml",
                           "[plugins]\nautoload = 'no'\n"), create=True)
    assert not (tmp_path / "c.db").exists()


@pytest.mark.parametrize(("lang", "heading"), [("zh", "错误：配置文件 community.toml 有误："),
                                               ("en", "Error: bad config file community.toml:")])
def test_the_command_line_reports_a_bad_config_once_in_its_language(clean_environment: Path, lang: str,
                                                                    heading: str) -> None:
    write(clean_environment / "community.toml", '[cli]\nlang = "en"\n')
    done = subprocess.run([sys.executable, "-m", "communitycore", "--lang", lang, "org", "check"],
                          capture_output=True, text=True, encoding="utf-8", check=False)
    assert done.returncode != 0 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == heading and len(lines) == 2, done.stderr  # the heading and the one bad field
    assert "cli" in lines[1] and "error:" not in done.stderr
