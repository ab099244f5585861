"""``community plugins new``: the scaffolded package's shape (installing it is in test_external_plugins)."""

from __future__ import annotations

import ast
import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from communitycore import Conflict, InvalidValue, i18n, i18n_tools
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.records import FAMILIES
from communitycore.scaffold import FILES, new_plugin, plugin_name
from communitycore.testing import load_plugin, plugin_problems, translation_problems

REPO = Path(__file__).resolve().parents[1]


def test_new_plugin_lays_out_a_package(tmp_path: Path) -> None:
    root = new_plugin("demo-locality", tmp_path)
    assert root == tmp_path / "communitycore-demo-locality"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == sorted([
        "README.md", "pyproject.toml", "src/communitycore_demo_locality/__init__.py",
        "tests/conftest.py", "tests/test_plugin.py",
    ])
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "communitycore-demo-locality"
    assert project["project"]["entry-points"]["communitycore"] == {"demo-locality": "communitycore_demo_locality"}
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"
    for path in root.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"))  # every template filled into valid Python
    assert "$" not in "".join(p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file())


def test_the_module_has_a_hook_of_every_family_and_passes_the_check(tmp_path: Path) -> None:
    root = new_plugin("demo-town", tmp_path)
    _name, module = load_plugin(str(root / "src" / "communitycore_demo_town"))
    assert plugin_problems(module, name="demo-town") == []
    hooks = {attr for attr in dir(module) if attr.startswith("communitycore_")}
    wanted = {hook for hook, _type in FAMILIES.values()} | {
        "communitycore_check_units", "communitycore_on_event", "communitycore_register_commands"}
    assert wanted <= hooks
    assert module.KIND == "demo-town-branch"
    test_source = (root / "tests" / "test_plugin.py").read_text(encoding="utf-8")
    assert "check_plugin(plugin)" in test_source
    assert "def test_unit_of_the_plugin_kind(community)" in test_source
    assert 'pytest_plugins = ["communitycore.testing.pytest_plugin"]' in (root / "tests" / "conftest.py").read_text(
        encoding="utf-8")


def test_the_scaffold_is_ready_for_its_translations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's steps give the scaffold a catalog that check_translations accepts."""
    from babel.messages.pofile import read_po, write_po

    monkeypatch.setattr(i18n, "_catalogs", dict(i18n._catalogs))  # the catalog the module adds goes afterwards
    root = new_plugin("demo-town", tmp_path)
    package = root / "src" / "communitycore_demo_town"
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["setuptools"]["package-data"]["communitycore_demo_town"] == [
        "locale/*/LC_MESSAGES/*.po", "locale/*/LC_MESSAGES/*.mo"]
    assert i18n_tools.main(["--package", str(package), "update"]) == 0
    _name, module = load_plugin(str(package))
    assert i18n.catalogs()["communitycore_demo_town"] == package / "locale"
    problems = translation_problems(module)  # type: ignore[arg-type]
    assert "untranslated: '{unit} has no members yet'" in "\n".join(problems)
    po = package / "locale" / "zh_CN" / "LC_MESSAGES" / "communitycore_demo_town.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    for message in catalog:
        if message.id:
            message.string = f"译文：{message.id}"
    with po.open("wb") as fh:
        write_po(fh, catalog)
    assert i18n_tools.main(["--package", str(package), "compile"]) == 0
    i18n._translations.cache_clear()  # a catalog compiled while the process runs: the next lookup reads it
    assert translation_problems(module) == []  # type: ignore[arg-type]
    i18n._translations.cache_clear()


@pytest.mark.parametrize(("typed", "name"), [("jingjiang", "jingjiang"), ("communitycore-demo", "demo"),
                                             (" town2 ", "town2"), ("a-b-c", "a-b-c")])
def test_plugin_names(typed: str, name: str) -> None:
    assert plugin_name(typed) == name


@pytest.mark.parametrize("typed", ["", "Demo", "demo_locality", "2town", "town-", "靖江", "a--b"])
def test_unusable_names_are_refused(typed: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidValue, match="lower-case letters, digits and hyphens"):
        new_plugin(typed, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    root = new_plugin("demo", tmp_path)
    (root / "README.md").write_text("mine", encoding="utf-8")
    with pytest.raises(Conflict, match="already exists"):
        new_plugin("demo", tmp_path)
    assert (root / "README.md").read_text(encoding="utf-8") == "mine"


def test_the_templates_ship_as_package_data() -> None:
    templates = resources.files("communitycore.testing") / "scaffold"
    assert sorted(FILES.values()) == sorted(p.name for p in templates.iterdir() if p.name.endswith(".tmpl"))
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["communitycore"]
    assert "testing/scaffold/**/*" in package_data


def invoke(args: list[str]) -> tuple[int, str]:
    args = ["--lang", "en", *args]  # the messages these tests read
    state = AppState.from_argv(args)
    result = CliRunner().invoke(make_cli(state), args, obj=state, catch_exceptions=False)
    return result.exit_code, result.output


def test_plugins_new_command(tmp_path: Path) -> None:
    code, out = invoke(["--no-plugins", "plugins", "new", "demo-locality", "--dir", str(tmp_path)])
    assert code == 0, out
    root = tmp_path / "communitycore-demo-locality"
    assert f"created {root}" in out
    assert "src/communitycore_demo_locality/__init__.py" in out
    assert 'pip install -e ".[test]" && pytest' in out
    code, out = invoke(["--no-plugins", "plugins", "new", "demo-locality", "--dir", str(tmp_path)])
    assert code == 1
    assert "already exists" in out
    code, out = invoke(["--no-plugins", "--json", "plugins", "new", "other", "--dir", str(tmp_path)])
    assert code == 0, out
    assert json.loads(out)["path"] == str(tmp_path / "communitycore-other")


def test_plugins_check_command(tmp_path: Path) -> None:
    root = new_plugin("demo", tmp_path)
    code, out = invoke(["--no-plugins", "plugins", "check", str(root / "src" / "communitycore_demo")])
    assert (code, out) == (0, "communitycore_demo: ok\n")
    bad = tmp_path / "bad_town.py"
    bad.write_text("def communitycore_register_facts():\n    return []\n", encoding="utf-8")
    code, out = invoke(["--no-plugins", "plugins", "check", str(bad)])
    assert code == 1
    assert out == ("bad_town: 1 problem\n"
                   "  - communitycore_register_facts is not marked with @hookimpl, so it is never called\n")
    code, out = invoke(["--no-plugins", "--json", "plugins", "check", str(bad)])
    assert code == 1
    assert json.loads(out)["ok"] is False
    code, out = invoke(["--no-plugins", "plugins", "check", "national-org"])
    assert (code, out) == (0, "national-org: ok\n")
    code, out = invoke(["--no-plugins", "plugins", "check", "no-such-plugin"])
    assert code == 1
    assert "no plugin 'no-such-plugin'" in out
