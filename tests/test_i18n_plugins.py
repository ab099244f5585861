"""A plugin's own translations: its catalog answers what communitycore's lacks, and the kit checks it.

A plugin registers its catalog with :func:`communitycore.i18n.add_catalog` when it is imported;
``_()``, ``ngettext``, ``pgettext`` and ``translate_help`` then look a message up there after
communitycore's own catalog. :func:`communitycore.testing.translation_problems` fails a plugin
whose catalog misses a message or a translation, is not compiled, is not registered, or whose
help pages do not show the translations. The locality plugins under ``plugins/`` each ship one.
"""

from __future__ import annotations

import ast
import fnmatch
import shutil
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from communitycore import i18n, i18n_tools
from communitycore.i18n import _, add_catalog, catalogs, language, ngettext, pgettext, translate_help
from communitycore.testing import PluginCheckError, check_translations, load_plugin, translation_problems

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = sorted(path for path in (ROOT / "plugins").iterdir() if (path / "pyproject.toml").is_file())


@pytest.fixture(autouse=True)
def _catalogs_restored() -> Iterator[None]:
    """Catalogs a test adds are gone after it, as is every translation made with them."""
    saved = dict(i18n._catalogs)
    yield
    i18n._catalogs.clear()
    i18n._catalogs.update(saved)
    i18n._translations.cache_clear()


def _write_catalog(locale_dir: Path, domain: str, entries: list[tuple[object, object, str | None]]) -> None:
    """A compiled zh_CN catalog of ``domain`` holding ``entries`` (msgid, msgstr, context)."""
    catalog = Catalog(locale="zh_CN", domain=domain)
    for msgid, msgstr, context in entries:
        catalog.add(msgid, msgstr, context=context)
    folder = locale_dir / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / f"{domain}.mo").open("wb") as fh:
        write_mo(fh, catalog)


# The lookup ------------------------------------------------------------------------------------------------


def test_a_plugin_catalog_answers_what_communitycores_lacks(tmp_path: Path) -> None:
    help_text = "Look at UNIT.\n\n    \b\n    kept as is\n    \f\n    not shown"
    _write_catalog(tmp_path / "locale", "communitycore_testtown", [
        ("Only the plugin has this.", "只有插件有这一条。", None),
        (("{n} thing", "{n} things"), ("{n} 件事",), None),
        ("Open", "打开", "plugin word"),
        (i18n.help_msgid(help_text), "查看 UNIT。\n\n\\b\n原样保留", None),
        ("Usage: ", "不会用到：", None),  # communitycore's own catalog has it: its translation wins
    ])
    with language("zh"):
        assert _("Only the plugin has this.") == "Only the plugin has this."
        add_catalog("communitycore_testtown", tmp_path / "locale")
        assert catalogs()["communitycore_testtown"] == tmp_path / "locale"
        assert _("Only the plugin has this.") == "只有插件有这一条。"
        assert ngettext("{n} thing", "{n} things", 3) == "{n} 件事"
        assert pgettext("plugin word", "Open") == "打开"
        assert translate_help(help_text) == "查看 UNIT。\n\n\b\n原样保留"
        assert _("Usage: ") == "用法："
        assert _("Not in any catalog.") == "Not in any catalog."
    with language("en"):
        assert _("Only the plugin has this.") == "Only the plugin has this."
        assert ngettext("{n} thing", "{n} things", 1) == "{n} thing"
        assert pgettext("plugin word", "Open") == "Open"


def test_adding_a_catalog_again_keeps_the_translations_built(tmp_path: Path) -> None:
    _write_catalog(tmp_path / "locale", "communitycore_testtown", [("Only the plugin has this.", "只有插件有这一条。",
                                                                    None)])
    add_catalog("communitycore_testtown", tmp_path / "locale")
    with language("zh"):
        assert _("Only the plugin has this.") == "只有插件有这一条。"
        built = i18n._translations("zh")
        add_catalog("communitycore_testtown", str(tmp_path / "locale"))  # the same folder: nothing to rebuild
        assert i18n._translations("zh") is built
        (tmp_path / "elsewhere").mkdir()
        add_catalog("communitycore_testtown", tmp_path / "elsewhere")  # another folder, without a catalog
        assert i18n._translations("zh") is not built
        assert _("Only the plugin has this.") == "Only the plugin has this."
        assert _("Usage: ") == "用法："


# The kit's check -------------------------------------------------------------------------------------------

PLUGIN_SOURCE = '''
"""A plugin with one command and one message, for the catalog check."""

from pathlib import Path

import click

from communitycore import hookimpl
from communitycore.i18n import _, add_catalog

add_catalog("communitycore_testtown", Path(__file__).with_name("locale"))


def empty(name):
    return _("{name} has no members yet").format(name=name)


@hookimpl
def communitycore_register_commands(cli):
    @cli.command("testtown")
    @click.option("--unit", help="The unit to look at.")
    def testtown(unit):
        """Say whether UNIT has members."""
        click.echo(empty(unit))
'''
TRANSLATIONS = {"{name} has no members yet": "{name}尚无党员", "The unit to look at.": "要查看的党组织。",
                "Say whether UNIT has members.": "查看 UNIT 是否有党员。"}


def _package(root: Path, source: str = PLUGIN_SOURCE, translations: dict[str, str] = TRANSLATIONS) -> Path:
    """A plugin package ``communitycore_testtown`` under ``root/src``, its catalog made with the tools."""
    package = root / "src" / "communitycore_testtown"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    assert i18n_tools.main(["--package", str(package), "update"]) == 0
    _translate(package, translations)
    assert i18n_tools.main(["--package", str(package), "compile"]) == 0
    return package


def _translate(package: Path, translations: dict[str, str]) -> None:
    po = package / "locale" / "zh_CN" / "LC_MESSAGES" / "communitycore_testtown.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    for message in catalog:
        if message.id in translations:
            message.string = translations[message.id]
    with po.open("wb") as fh:
        write_po(fh, catalog, width=100, include_lineno=False)


def _problems(package: Path) -> list[str]:
    _name, plugin = load_plugin(str(package))
    return translation_problems(plugin)  # type: ignore[arg-type]


def test_a_complete_catalog_has_no_problem(tmp_path: Path) -> None:
    package = _package(tmp_path)
    assert _problems(package) == []
    assert i18n_tools.main(["--package", str(package), "check"]) == 0
    names = sorted(p.relative_to(package).as_posix() for p in (package / "locale").rglob("*.*"))
    assert names == ["locale/communitycore_testtown.pot", "locale/zh_CN/LC_MESSAGES/communitycore_testtown.mo",
                     "locale/zh_CN/LC_MESSAGES/communitycore_testtown.po"]
    po = (package / "locale" / "zh_CN" / "LC_MESSAGES" / "communitycore_testtown.po").read_text(encoding="utf-8")
    assert "--package src/communitycore_testtown compile" in po  # the catalog says how to compile it


def test_an_entry_without_its_translation_fails_the_check(tmp_path: Path) -> None:
    package = _package(tmp_path, translations={k: v for k, v in TRANSLATIONS.items() if k != "The unit to look at."})
    problems = "\n".join(_problems(package))
    assert "untranslated: 'The unit to look at.'" in problems
    assert "community testtown: the help of --unit is not translated: 'The unit to look at.'" in problems
    assert i18n_tools.main(["--package", str(package), "check"]) == 1
    _name, plugin = load_plugin(str(package))
    with pytest.raises(PluginCheckError, match="untranslated"):
        check_translations(plugin)  # type: ignore[arg-type]


def test_a_message_missing_from_the_catalog_fails_the_check(tmp_path: Path) -> None:
    package = _package(tmp_path)
    init = package / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8").replace(
        "click.echo(empty(unit))", 'click.echo(empty(unit))\n        click.echo(_("done"))'), encoding="utf-8")
    assert "missing (run update): 'done'" in "\n".join(_problems(package))


def test_a_stale_compiled_catalog_fails_the_check(tmp_path: Path) -> None:
    package = _package(tmp_path)
    _translate(package, {**TRANSLATIONS, "The unit to look at.": "所查看的党组织。"})  # not compiled again
    assert any("missing or stale (run compile)" in p for p in _problems(package))


def test_an_unregistered_catalog_and_an_unmarked_message_fail_the_check(tmp_path: Path) -> None:
    source = PLUGIN_SOURCE.replace('add_catalog("communitycore_testtown", Path(__file__).with_name("locale"))', "")
    source += '\n\ndef refuse(unit):\n    raise ValueError(f"{unit} is not a branch")\n'
    problems = _problems(_package(tmp_path, source))
    assert any(p.startswith("the catalog is not registered: call communitycore.i18n.add_catalog(") for p in problems)
    assert any(p.startswith("__init__.py:") and p.endswith(": not wrapped: {…} is not a branch") for p in problems)
    # Without its catalog, the help page is in English whatever the language.
    assert "community testtown: the help of --unit is not translated: 'The unit to look at.'" in problems


def test_the_tools_refuse_a_folder_that_is_no_package(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as refused:
        i18n_tools.main(["--package", str(tmp_path), "check"])
    assert refused.value.code == 2


# The locality plugins ----------------------------------------------------------------------------------------


def _module_dir(plugin: Path) -> Path:
    (package,) = [p for p in (plugin / "src").iterdir() if (p / "__init__.py").is_file()]
    return package


@pytest.mark.parametrize("plugin", PLUGINS, ids=[p.name for p in PLUGINS])
def test_each_locality_plugin_ships_and_registers_its_catalog(plugin: Path) -> None:
    package = _module_dir(plugin)
    domain = i18n_tools.plugin_domain(package)
    assert domain.name == package.name
    config = tomllib.loads((plugin / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"][package.name]
    for locale in i18n_tools.LOCALES:
        for path in (domain.catalog_path(locale), domain.compiled_path(locale)):
            assert path.is_file(), path
            shipped = path.relative_to(package).as_posix()
            assert any(fnmatch.fnmatch(shipped, pattern) for pattern in patterns), (shipped, patterns)
    assert any(requirement.startswith("babel") for requirement in config["project"]["optional-dependencies"]["test"])
    # The package registers the catalog under its own name as it is imported: a call at module level.
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    calls = [node.value for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)]
    registered = [ast.literal_eval(call.args[0]) for call in calls
                  if isinstance(call.func, ast.Name) and call.func.id == "add_catalog"]
    assert registered == [package.name]
    # Complete and compiled: what the plugin's own test (check_translations) also checks.
    template = i18n_tools.extract(domain)
    assert len(template) > 0
    assert [p for locale in i18n_tools.LOCALES for p in i18n_tools.catalog_problems(template, locale,
                                                                                    domain=domain)] == []
    assert i18n_tools.unwrapped([package]) == []


@pytest.mark.slow
@pytest.mark.parametrize("plugin", PLUGINS, ids=[p.name for p in PLUGINS])
def test_a_built_plugin_wheel_holds_its_catalog(plugin: Path, tmp_path: Path) -> None:
    # Built from a copy: setuptools leaves a build/ folder beside the sources.
    source = shutil.copytree(plugin, tmp_path / plugin.name,
                             ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = _module_dir(plugin).name
    for suffix in ("po", "mo"):
        assert f"{package}/locale/zh_CN/LC_MESSAGES/{package}.{suffix}" in names
