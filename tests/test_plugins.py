"""Loading plugins: isolation, strict mode, misspelled hooks, switches, blocking, deduplication, CLI."""

from __future__ import annotations

import importlib.metadata as md
import json
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import communitycore
from communitycore import PluginError, UnitKind, hookimpl
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.plugins.manager import (
    ENTRY_POINT_GROUP,
    PluginCallWarning,
    PluginLoadWarning,
    _entry_points,
    hooks_of,
    make_plugin_manager,
)
from communitycore.plugins.registry import Registry

Install = Callable[..., str]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Install:
    """Install fake distributions into a folder on ``sys.path``: a module plus a dist-info with its entry point.

    Returns ``install(plugin_name, source, dist=None, where=site, attr=None) -> module name``; each
    module name is unique so tests never share an imported module.
    """
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))

    def install(name: str, source: str, dist: str | None = None, where: Path = root, attr: str | None = None) -> str:
        module = f"ccfake_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        target = f"{module}:{attr}" if attr else module
        dist = dist or f"communitycore-{name}"
        where.mkdir(exist_ok=True)
        (where / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        info = where / f"{dist.replace('-', '_')}-1.2.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n", encoding="utf-8")
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{name} = {target}\n", encoding="utf-8")
        return module

    return install


GOOD = """
    from communitycore import UnitKind, hookimpl

    @hookimpl
    def communitycore_register_unit_kinds():
        return [UnitKind(code="market-branch", label="专业市场党支部", parents=("community-committee",))]
"""
BROKEN = """
    raise ImportError("boom: a dependency is missing")
"""


def run_cli(args: list[str], state: AppState | None = None) -> Result:
    """Run the command line as ``community`` does: plugin switches are read before click parses."""
    state = state or AppState.from_argv(args)
    return CliRunner().invoke(make_cli(state), args, obj=state, catch_exceptions=False)


def plugin_names(result: Result) -> dict[str, dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return {entry["name"]: entry for entry in json.loads(result.stdout)}


# Isolation and strictness ---------------------------------------------------------------------


def test_a_plugin_whose_import_raises_is_reported_by_name_and_others_load(site: Install) -> None:
    site("good", GOOD)
    site("broken", BROKEN)
    with pytest.warns(PluginLoadWarning, match="'broken' was left out: ImportError: boom"):
        pm = make_plugin_manager(autoload=True, strict=False)
    assert pm.get_plugin("good") is not None
    assert pm.get_plugin("broken") is None
    [error] = pm.load_errors
    assert (error.plugin, error.distribution) == ("broken", "communitycore-broken")
    assert pm.info["good"].distribution == "communitycore-good"
    assert pm.info["good"].version == "1.2.3"
    assert hooks_of(pm, "good") == ["communitycore_register_unit_kinds"]


def test_strict_env_reraises(site: Install, monkeypatch: pytest.MonkeyPatch) -> None:
    site("broken", BROKEN)
    monkeypatch.setenv("COMMUNITYCORE_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="plugin 'broken' failed: boom"):
        make_plugin_manager(autoload=True)


def test_check_pending_catches_a_misspelled_hook() -> None:
    class Misspelled:
        name = "misspelled"

        @hookimpl
        def communitycore_register_unit_kind(self) -> list[UnitKind]:  # the spec's name ends in "kinds"
            return []

    with pytest.warns(PluginLoadWarning, match="'misspelled'.*unknown hook 'communitycore_register_unit_kind'"):
        pm = make_plugin_manager(Misspelled(), autoload=False, strict=False)
    assert pm.get_plugin("misspelled") is None
    assert [e.plugin for e in pm.load_errors] == ["misspelled"]
    with pytest.raises(PluginError, match="unknown hook"):
        make_plugin_manager(Misspelled(), autoload=False, strict=True)


def test_a_hookimpl_with_an_unknown_argument_is_refused() -> None:
    class WrongArgs:
        name = "wrong-args"

        @hookimpl
        def communitycore_check_units(self, units: Any, colour: Any) -> list[Any]:
            return []

    with pytest.warns(PluginLoadWarning, match="(?s)'wrong-args'.*colour"):
        pm = make_plugin_manager(WrongArgs(), autoload=False, strict=False)
    assert pm.get_plugin("wrong-args") is None


# Switches ---------------------------------------------------------------------------------------


def test_disable_autoload_env(site: Install, monkeypatch: pytest.MonkeyPatch) -> None:
    site("good", GOOD)
    monkeypatch.setenv("COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    pm = make_plugin_manager()
    assert pm.get_plugin("good") is None
    assert pm.get_plugin("national-org") is not None
    monkeypatch.delenv("COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD")
    assert make_plugin_manager().get_plugin("good") is not None


def test_no_plugins_switch(site: Install, tmp_path: Path) -> None:
    site("good", GOOD)
    db = str(tmp_path / "c.db")
    assert "good" in plugin_names(run_cli(["--db", db, "--create", "--json", "plugins"]))
    listed = plugin_names(run_cli(["--db", db, "--create", "--no-plugins", "--json", "plugins"]))
    assert "good" not in listed
    assert "national-org" in listed
    everything = plugin_names(run_cli(["--db", db, "--create", "--no-plugins", "--json", "plugins", "--all"]))
    assert everything["good"]["status"] == "not-loaded"


def test_disable_plugin_switch(site: Install, tmp_path: Path) -> None:
    site("good", GOOD)
    db = str(tmp_path / "c.db")
    listed = plugin_names(run_cli(["--db", db, "--create", "--disable-plugin", "good", "--json", "plugins"]))
    assert "good" not in listed
    everything = plugin_names(run_cli(["--db", db, "--create", "--disable-plugin=good", "--json", "plugins", "--all"]))
    assert everything["good"]["status"] == "blocked"


def test_config_file_disables_plugins(site: Install, tmp_path: Path) -> None:
    site("good", GOOD)
    config = tmp_path / "community.toml"
    config.write_text('[plugins]\ndisable = ["good", "national-services"]\n', encoding="utf-8")
    with communitycore.open(tmp_path / "c.db", config=config, create=True) as c:
        assert c.pm.get_plugin("good") is None
        assert "market-branch" not in c.registry.unit_kinds
        assert not c.registry.service_categories
    listed = plugin_names(run_cli(["--db", str(tmp_path / "c.db"), "--create", "--config", str(config), "--json",
                                   "plugins"]))
    assert "good" not in listed
    assert "national-services" not in listed


def test_blocking_a_builtin_removes_its_records(tmp_path: Path) -> None:
    with communitycore.open(tmp_path / "c.db", autoload=False, blocked=["national-meetings"], create=True) as c:
        assert c.pm.get_plugin("national-meetings") is None
        assert not c.registry.meeting_types
        assert "branch" in c.registry.unit_kinds
    listed = plugin_names(run_cli(["--db", str(tmp_path / "c.db"), "--create", "--disable-plugin", "national-meetings",
                                   "--json", "plugins", "--all"]))
    assert listed["national-meetings"]["status"] == "blocked"
    assert listed["national-meetings"]["records"] == []
    assert listed["national-org"]["status"] == "loaded"


def test_blocking_core_is_refused_in_the_sdk(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="'core' is essential to communitycore and cannot be disabled"):
        communitycore.open(tmp_path / "c.db", blocked=["core"], create=True)


def test_blocking_core_is_refused_on_the_command_line(tmp_path: Path) -> None:
    result = run_cli(["--lang", "en", "--db", str(tmp_path / "c.db"), "--create", "--disable-plugin", "core",
                      "plugins"])
    assert result.exit_code == 1
    assert "'core' is essential to communitycore and cannot be disabled" in result.output
    assert "Traceback" not in result.output


# Deduplication ------------------------------------------------------------------------------------


def test_the_same_distribution_seen_twice_loads_once(site: Install, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # A lib64 link to lib puts one distribution on sys.path twice.
    module = site("twice", GOOD)
    first = tmp_path / "site"
    second = tmp_path / "site64"
    second.symlink_to(first, target_is_directory=True)
    monkeypatch.syspath_prepend(str(second))
    assert [ep.name for ep in _entry_points()] == ["twice"]
    pm = make_plugin_manager(autoload=True, strict=True)
    assert pm.get_plugin("twice").__name__ == module
    assert not pm.load_errors


def test_duplicated_entry_points_are_deduplicated(site: Install, monkeypatch: pytest.MonkeyPatch) -> None:
    module = site("dup", GOOD)
    ep = md.EntryPoint(name="dup", value=module, group=ENTRY_POINT_GROUP)
    calls = []

    def entry_points(**params: Any) -> list[md.EntryPoint]:
        calls.append(params)
        return [ep, md.EntryPoint(name="dup", value=module, group=ENTRY_POINT_GROUP)]

    monkeypatch.setattr(md, "entry_points", entry_points)
    assert _entry_points() == [ep]
    pm = make_plugin_manager(autoload=True, strict=True)
    assert pm.get_plugin("dup") is not None
    assert calls == [{"group": ENTRY_POINT_GROUP}, {"group": ENTRY_POINT_GROUP}]


# The listing ------------------------------------------------------------------------------------


def test_plugins_listing_shows_builtins_installed_and_failed(site: Install, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    site("good", GOOD)
    site("broken", BROKEN)
    result = run_cli(["--db", str(tmp_path / "c.db"), "--create", "--json", "plugins"])
    # The plugins load before click runs (their commands must exist), so the warning is the process's own.
    assert "warning: communitycore plugin 'broken' was left out" in capsys.readouterr().err
    listed = plugin_names(result)
    assert list(listed)[:4] == ["core", "national-org", "national-meetings", "national-services"]
    core = listed["core"]
    assert (core["kind"], core["distribution"], core["version"]) == ("builtin", "communitycore",
                                                                      communitycore.__version__)
    good = listed["good"]
    assert (good["kind"], good["status"], good["distribution"], good["version"]) == (
        "installed", "loaded", "communitycore-good", "1.2.3")
    assert good["hooks"] == ["communitycore_register_unit_kinds"]
    assert good["records"] == [{"family": "unit_kinds", "code": "market-branch", "label": "专业市场党支部",
                                "label_en": None}]
    broken = listed["broken"]
    assert broken["status"] == "failed"
    assert broken["distribution"] == "communitycore-broken"
    assert "ImportError: boom" in broken["errors"][0]


def test_plugins_listing_as_text(site: Install, tmp_path: Path) -> None:
    site("good", GOOD)
    result = run_cli(["--lang", "en", "--db", str(tmp_path / "c.db"), "--create", "plugins"])
    assert result.exit_code == 0, result.output
    assert "national-org  [builtin]  communitycore" in result.stdout
    assert "good  communitycore-good 1.2.3" in result.stdout
    assert "unit kinds: market-branch" in result.stdout
    assert "hooks:   register_unit_kinds" in result.stdout
    zh = run_cli(["--db", str(tmp_path / "c.db"), "--disable-plugin", "national-meetings", "plugins", "--all"])
    assert "national-org  [内置]  communitycore" in zh.stdout
    assert "national-meetings  [内置、已停用]" in zh.stdout
    assert "  党组织类别：market-branch（专业市场党支部）" in zh.stdout and "unit_kinds:" not in zh.stdout
    assert "branch（党支部）、community-committee（社区党委）" in zh.stdout  # each code with its name
    assert "street-committee (street working committee)" in result.stdout  # a name that says more than its code
    assert "party-group (party group)" not in result.stdout


def test_plugins_listing_names_registry_problems(tmp_path: Path) -> None:
    class Rogue:
        name = "rogue"

        @hookimpl
        def communitycore_register_unit_kinds(self) -> list[UnitKind]:
            return [UnitKind(code="branch", label="支部")]

    pm = make_plugin_manager(Rogue(), autoload=False, strict=False)
    with pytest.warns(PluginLoadWarning, match="registered by both national-org and rogue"):
        c = communitycore.open(tmp_path / "c.db", pm=pm, create=True)
    with c:
        result = run_cli(["--json", "plugins"], AppState(community=c, pm=pm))
    rogue = plugin_names(result)["rogue"]
    assert rogue["kind"] == "local"
    assert rogue["records"] == []
    assert "registered by both national-org and rogue" in rogue["errors"][0]


def test_plugins_listing_with_packs(tmp_path: Path) -> None:
    pack = tmp_path / "jj.toml"
    pack.write_text('[pack]\nname = "jj"\n\n[[service_programs]]\ncode = "red-ribbon"\nlabel = "红飘带"\n'
                    'category = "care"\n', encoding="utf-8")
    args = ["--db", str(tmp_path / "c.db"), "--create", "--no-plugins", "--pack", str(pack), "--json", "plugins"]
    assert "pack:jj" not in plugin_names(run_cli(args))
    listed = plugin_names(run_cli([*args, "--all"]))
    assert listed["pack:jj"]["kind"] == "pack"
    assert listed["pack:jj"]["records"] == [{"family": "service_programs", "code": "red-ribbon", "label": "红飘带",
                                             "label_en": None}]


@pytest.mark.parametrize("args", [["plugins"], ["plugins", "check"], ["plugins", "new"]])
def test_plugins_commands_have_help(args: list[str]) -> None:
    result = run_cli(["--no-plugins", *args, "--help"])
    assert result.exit_code == 0, result.output
    assert "用法：" in result.output


def test_the_plugins_module_imports_only_click() -> None:
    import subprocess
    import sys

    code = ("import sys, communitycore.cli.plugins; "
            "print(sorted(m for m in ('sqlalchemy', 'communitycore.plugins.registry', 'communitycore.testing') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# Names and blocking ---------------------------------------------------------------------------------

IMPOSTOR = """
    from communitycore import UnitKind, hookimpl

    @hookimpl
    def communitycore_register_unit_kinds():
        return [UnitKind(code="impostor-branch", label="冒名党支部")]
"""


def test_an_entry_point_named_like_a_builtin_is_refused_and_the_builtin_stays(site: Install, tmp_path: Path) -> None:
    module = site("national-org", IMPOSTOR, dist="communitycore-impostor")
    with pytest.warns(PluginLoadWarning) as caught:
        c = communitycore.open(tmp_path / "c.db", create=True)
    with c:
        assert "branch" in c.registry.unit_kinds and "street-committee" in c.registry.unit_kinds
        assert "impostor-branch" not in c.registry.unit_kinds
        assert c.pm.info["national-org"].builtin
    [message] = [str(w.message) for w in caught]
    assert "'national-org' from the distribution communitycore-impostor 1.2.3 is refused" in message
    assert "the name is taken by the builtin plugin 'national-org', which stays" in message
    [error] = c.pm.load_errors
    assert (error.plugin, error.distribution) == ("national-org", "communitycore-impostor")
    assert module not in sys.modules  # refused before its code could run


def test_an_object_named_like_a_builtin_is_refused_and_the_builtin_stays(tmp_path: Path) -> None:
    class Impostor:
        name = "national-org"

        @hookimpl
        def communitycore_register_unit_kinds(self) -> list[UnitKind]:
            return []

    with pytest.warns(PluginLoadWarning, match="'national-org' from an object of class .*Impostor is refused: "
                                               "the name is taken by the builtin plugin 'national-org'"):
        c = communitycore.open(tmp_path / "c.db", plugins=[Impostor()], autoload=False, create=True)
    with c:
        assert "branch" in c.registry.unit_kinds
        assert c.registry.provider("unit_kinds", "branch") == "national-org"
    with pytest.raises(PluginError, match="the name is taken by the builtin plugin 'national-org'"):
        make_plugin_manager(Impostor(), autoload=False, strict=True)


def test_two_distributions_with_one_plugin_name_keep_the_first(site: Install, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    site("town", IMPOSTOR, dist="communitycore-town-b")
    other = tmp_path / "other-site"
    first = site("town", GOOD, dist="communitycore-town-a", where=other)
    monkeypatch.syspath_prepend(str(other))  # found first on sys.path, as Python's own imports would
    with pytest.warns(PluginLoadWarning, match="'town' from the distribution communitycore-town-b 1.2.3 is refused: "
                                               "the name is taken by the plugin 'town' of the distribution "
                                               "communitycore-town-a 1.2.3, which stays"):
        pm = make_plugin_manager(autoload=True, strict=False)
    assert pm.get_plugin("town").__name__ == first
    assert "market-branch" in Registry(pm).unit_kinds


def test_blocking_is_pluggys_own_so_a_later_register_is_ignored_too() -> None:
    class Late:
        name = "late"

    pm = make_plugin_manager(autoload=False, blocked=["late", "national-meetings"])
    assert pm.is_blocked("late") and pm.is_blocked("national-meetings")
    assert pm.get_plugin("national-meetings") is None
    assert pm.register(Late(), name="late") is None  # pluggy refuses a blocked name, whoever registers it
    assert pm.get_plugin("late") is None
    assert not pm.load_errors  # blocked on purpose: nothing to report


# Plugins that fail at import ----------------------------------------------------------------------


@pytest.mark.parametrize("raised", ["SystemExit(2)", "KeyboardInterrupt()"])
def test_a_plugin_raising_systemexit_or_keyboardinterrupt_at_import_is_left_out(site: Install, raised: str) -> None:
    site("good", GOOD)
    site("quitter", f"raise {raised}\n")
    name = raised.split("(")[0]
    with pytest.warns(PluginLoadWarning, match=f"'quitter' was left out: {name}"):
        pm = make_plugin_manager(autoload=True, strict=False)
    assert pm.get_plugin("good") is not None
    assert [e.plugin for e in pm.load_errors] == ["quitter"]


@pytest.mark.parametrize(("value", "kind"), [("None", "NoneType"), ("'communitycore_town'", "str"), ("42", "int")])
def test_an_entry_point_giving_a_value_instead_of_a_plugin_is_left_out(site: Install, value: str, kind: str) -> None:
    site("typo", f"plugin = {value}\n", attr="plugin")
    with pytest.warns(PluginLoadWarning, match="'typo' was left out: plugin 'typo': its entry point .*:plugin gives "
                                               f"{kind}, not a module, class or object"):
        pm = make_plugin_manager(autoload=True, strict=False)
    assert pm.get_plugin("typo") is None
    assert [e.plugin for e in pm.load_errors] == ["typo"]


def test_community_help_works_beside_a_plugin_that_exits_at_import(site: Install, tmp_path: Path) -> None:
    import os
    import subprocess

    site("quitter", "import sys\nsys.exit('quitting at import')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYCORE_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), str(Path(communitycore.__file__).parents[1])])
    env["COMMUNITYCORE_LANG"] = "en"
    result = subprocess.run([sys.executable, "-m", "communitycore", "--help"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert "'quitter' was left out: SystemExit: quitting at import" in result.stderr


# Plugin commands ----------------------------------------------------------------------------------


class Usurper:
    name = "usurper"

    @hookimpl
    def communitycore_register_commands(self, cli: Any) -> None:
        import click

        @cli.group("member")
        def member() -> None:
            """Not the real member group."""

        @cli.command("hello")
        def hello() -> None:
            """Say hello."""
            click.echo("你好")


def test_a_plugin_command_may_not_replace_a_builtin_group(capsys: pytest.CaptureFixture[str]) -> None:
    from communitycore.cli.member import member

    pm = make_plugin_manager(Usurper(), autoload=False, strict=False)
    cli = make_cli(AppState(pm=pm))
    assert cli.commands["member"] is member  # the builtin stays
    assert "hello" in cli.commands  # the plugin's other command is welcome
    err = capsys.readouterr().err
    assert ("warning: communitycore plugin 'usurper': tried to replace the builtin command 'community member'; "
            "the builtin stays and the plugin's command is left out") in err


def test_a_plugin_command_may_not_replace_a_builtin_subcommand_or_another_plugins(
        capsys: pytest.CaptureFixture[str]) -> None:
    import click

    class Meddler:
        name = "meddler"

        @hookimpl
        def communitycore_register_commands(self, cli: click.Group) -> None:
            @click.command("add")
            def add() -> None:
                """Not the real member add."""

            cli.commands["member"].add_command(add)  # type: ignore[attr-defined]

            @cli.command("hello")
            def hello() -> None:
                """Another hello."""

    from communitycore.cli.member import member

    builtin_add = member.commands["add"]
    # Registered after the usurper, so pluggy asks the meddler first: its hello is the one kept.
    pm = make_plugin_manager(Usurper(), Meddler(), autoload=False, strict=False)
    cli = make_cli(AppState(pm=pm))
    assert member.commands["add"] is builtin_add
    assert cli.commands["hello"].help == "Another hello."
    err = capsys.readouterr().err
    assert "'meddler': tried to replace the builtin command 'community member add'" in err
    assert ("'usurper': tried to replace the command 'community hello' of plugin 'meddler'; that one stays and "
            "this plugin's command is left out") in err


def test_a_plugin_disabled_after_a_failing_call_is_listed_as_failed(tmp_path: Path) -> None:
    class Flaky:
        name = "flaky"

        @hookimpl
        def communitycore_register_unit_kinds(self) -> list[UnitKind]:
            raise RuntimeError("kinds unavailable")

    pm = make_plugin_manager(Flaky(), autoload=False, strict=False)
    with pytest.warns(PluginCallWarning, match="'flaky' failed in communitycore_register_unit_kinds and is disabled"):
        c = communitycore.open(tmp_path / "c.db", pm=pm, create=True)
    with c:
        result = run_cli(["--json", "plugins"], AppState(community=c, pm=pm))
    flaky = plugin_names(result)["flaky"]
    assert (flaky["status"], flaky["hooks"]) == ("failed", [])
    assert "RuntimeError: kinds unavailable" in flaky["errors"][0]
