"""Plugins as a new user meets them: packages outside this repository, installed with pip.

Each package is built offline (``pip install --no-deps --no-build-isolation --no-index --target``)
into one folder, and ``community`` runs in a subprocess with that folder on ``PYTHONPATH``, so the
plugins are found only through their ``communitycore`` entry points, exactly as after a real
install. The packages are copied to a temporary folder first: pip builds in the source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
JINGJIANG = REPO / "plugins" / "communitycore-jingjiang"

RIVERSIDE_PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "communitycore-riverside"
version = "0.3.0"
dependencies = ["communitycore"]

[project.entry-points.communitycore]
riverside = "communitycore_riverside"
"""
RIVERSIDE_MODULE = """
from communitycore import MeetingType, ServiceProgram, UnitKind, hookimpl


@hookimpl
def communitycore_register_unit_kinds():
    return [UnitKind(code="riverside-branch", label="河畔党支部", parents=("community-committee",),
                     min_full_members=3)]


@hookimpl
def communitycore_register_meeting_types():
    return [MeetingType(code="riverside-weekly-class", label="河畔每周党课", cadence="weekly",
                        applies_to=("riverside-branch",))]


@hookimpl
def communitycore_register_service_programs():
    return [ServiceProgram(code="riverside-ferry-help", label="渡口帮扶", category="care")]
"""
BROKEN_PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "communitycore-broken-town"
version = "0.1.0"

[project.entry-points.communitycore]
broken-town = "communitycore_broken_town"
"""
BROKEN_MODULE = """
import communitycore_missing_dependency  # not installed: importing this plugin fails
"""


def _package(root: Path, pyproject: str, module: str, source: str) -> Path:
    (root / module).mkdir(parents=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(pyproject), encoding="utf-8")
    (root / module / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def _environment(target: Path, db: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYCORE_", "PYTEST_"))}
    # The plugins, then this checkout's own library (not whichever copy the environment installed).
    env["PYTHONPATH"] = os.pathsep.join([str(target), str(REPO / "src")])
    env["COMMUNITYCORE_ACTOR"] = "tester"
    env["COMMUNITYCORE_LANG"] = "en"  # the messages these tests read; test_i18n checks the Chinese
    if db is not None:
        env["COMMUNITYCORE_DB"] = str(db)
    return env


def _run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


class Installed:
    """The folder of installed plugins, and a ``community`` command line running against it."""

    def __init__(self, root: Path, target: Path, sources: dict[str, Path]) -> None:
        self.root = root
        self.target = target
        self.sources = sources

    def community(self, *args: str, db: Path) -> subprocess.CompletedProcess[str]:
        # --create: each test starts from a database file that does not exist yet.
        return _run([sys.executable, "-m", "communitycore", "--create", *args], cwd=db.parent,
                    env=_environment(self.target, db))

    def ok(self, *args: str, db: Path) -> subprocess.CompletedProcess[str]:
        result = self.community(*args, db=db)
        assert result.returncode == 0, f"community {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    def json(self, *args: str, db: Path) -> Any:
        return json.loads(self.ok("--json", *args, db=db).stdout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Four plugin packages built outside the repository and installed into one folder."""
    root = tmp_path_factory.mktemp("external")
    target = root / "site-packages"
    sources = {
        "riverside": _package(root / "src" / "riverside", RIVERSIDE_PYPROJECT, "communitycore_riverside",
                              RIVERSIDE_MODULE),
        "broken-town": _package(root / "src" / "broken", BROKEN_PYPROJECT, "communitycore_broken_town",
                                BROKEN_MODULE),
    }
    # The scaffold, as a user would make it: `community plugins new demo-locality`.
    made = _run([sys.executable, "-m", "communitycore", "--no-plugins", "plugins", "new", "demo-locality",
                 "--dir", str(root / "src")], cwd=root, env=_environment(target))
    assert made.returncode == 0, made.stderr
    sources["demo-locality"] = root / "src" / "communitycore-demo-locality"
    sources["jingjiang"] = Path(shutil.copytree(JINGJIANG, root / "src" / "communitycore-jingjiang",
                                                ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")))
    pip = _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                "--no-index", "--target", str(target), *map(str, sources.values())],
               cwd=root, env=_environment(target))
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return Installed(root, target, sources)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "community.db"


def test_an_installed_plugin_is_discovered_through_its_entry_point(installed: Installed, db: Path) -> None:
    listed = {p["name"]: p for p in installed.json("plugins", db=db)}
    riverside = listed["riverside"]
    assert (riverside["kind"], riverside["status"]) == ("installed", "loaded")
    assert (riverside["distribution"], riverside["version"]) == ("communitycore-riverside", "0.3.0")
    assert riverside["hooks"] == ["communitycore_register_meeting_types", "communitycore_register_service_programs",
                                  "communitycore_register_unit_kinds"]
    records = {(r["family"], r["code"]) for r in riverside["records"]}
    assert records == {("unit_kinds", "riverside-branch"), ("meeting_types", "riverside-weekly-class"),
                       ("service_programs", "riverside-ferry-help")}
    assert riverside["errors"] == []
    assert listed["core"]["kind"] == "builtin"
    assert listed["jingjiang"]["status"] == "loaded"
    assert listed["demo-locality"]["status"] == "loaded"


def test_its_unit_kind_works_with_org_add(installed: Installed, db: Path) -> None:
    installed.ok("org", "add", "河畔街道党工委", "--kind", "street-committee", db=db)
    installed.ok("org", "add", "河畔社区党委", "--kind", "community-committee", "--parent", "河畔街道党工委", db=db)
    added = installed.json("org", "add", "渡口党支部", "--kind", "riverside-branch",
                           "--parent", "河畔街道党工委/河畔社区党委", db=db)
    assert added["kind"] == "riverside-branch"
    assert added["path"] == "河畔街道党工委/河畔社区党委/渡口党支部"
    tree = installed.ok("org", "tree", db=db).stdout
    assert "渡口党支部" in tree
    # Without the plugin the kind is unknown, and the error says so plainly.
    refused = installed.community("--no-plugins", "org", "add", "另一个", "--kind", "riverside-branch",
                                  "--parent", "河畔街道党工委/河畔社区党委", db=db)
    assert refused.returncode != 0
    assert "riverside-branch" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_broken_plugin_is_named_and_every_command_still_works(installed: Installed, db: Path) -> None:
    commands = [["--help"], ["org", "add", "河畔街道党工委", "--kind", "street-committee"], ["org", "tree"],
                ["org", "check"]]
    for args in commands:
        result = installed.community(*args, db=db)
        assert result.returncode == 0, f"{args}: {result.stderr}"
        assert "warning: communitycore plugin 'broken-town' was left out: ModuleNotFoundError" in result.stderr
        assert "communitycore_missing_dependency" in result.stderr
        assert "Traceback" not in result.stderr
    broken = {p["name"]: p for p in installed.json("plugins", db=db)}["broken-town"]
    assert (broken["status"], broken["distribution"], broken["version"]) == (
        "failed", "communitycore-broken-town", "0.1.0")
    assert "communitycore_missing_dependency" in broken["errors"][0]
    quiet = installed.community("--disable-plugin", "broken-town", "org", "tree", db=db)
    assert quiet.returncode == 0
    assert "broken-town" not in quiet.stderr


def test_strict_mode_refuses_the_broken_plugin(installed: Installed, db: Path) -> None:
    env = _environment(installed.target, db)
    env["COMMUNITYCORE_STRICT_PLUGINS"] = "1"
    result = _run([sys.executable, "-m", "communitycore", "org", "tree"], cwd=db.parent, env=env)
    assert result.returncode != 0
    assert "plugin 'broken-town' failed" in result.stdout + result.stderr


def test_the_scaffold_installs_and_passes_its_own_tests(installed: Installed) -> None:
    package = installed.sources["demo-locality"]
    result = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=package,
                  env=_environment(installed.target))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
    checked = installed.ok("plugins", "check", "demo-locality", db=package / "unused.db")
    assert checked.stdout == "demo-locality: ok\n"


def test_the_jingjiang_plugin_installs_and_passes_its_own_tests(installed: Installed, db: Path) -> None:
    package = installed.sources["jingjiang"]
    result = _run([sys.executable, "-m", "pytest", "-q"], cwd=package, env=_environment(installed.target))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout
    assert installed.ok("plugins", "check", "jingjiang", db=db).stdout == "jingjiang: ok\n"
    programmes = installed.ok("jingjiang", "programmes", db=db).stdout
    assert "red-ribbon\t红飘带\t爱心帮扶" in programmes


def test_org_check_json_reports_findings_with_unit_rule_severity_and_suggestion(installed: Installed,
                                                                                 db: Path) -> None:
    demo = installed.community("demo", db=db)
    assert demo.returncode == 0 or "No such command" in demo.stderr, demo.stderr  # `demo` may not exist yet
    # A small tree of our own beside it: a joint branch covering too many units, no volunteer branch.
    installed.ok("org", "add", "测试街道党工委", "--kind", "street-committee", db=db)
    installed.ok("org", "add", "测试社区党委", "--kind", "community-committee", "--parent", "测试街道党工委", db=db)
    installed.ok("org", "add", "测试联合党支部", "--kind", "joint-branch", "--parent", "测试街道党工委/测试社区党委",
                 "--covered-units", "7", db=db)
    findings = installed.json("org", "check", db=db)
    for finding in findings:
        assert {"unit", "rule", "severity", "suggestion", "message"} <= finding.keys()
        assert finding["severity"] in {"error", "warning", "info"}
        assert finding["unit"] and finding["rule"]
    ours = {(f["unit"], f["rule"]) for f in findings if f["unit"].startswith("测试街道党工委")}
    if demo.returncode == 0:
        assert len(findings) > len(ours), "the demo community is expected to have structure findings of its own"
    assert ("测试街道党工委/测试社区党委/测试联合党支部", "max-covered-units") in ours
    assert ("测试街道党工委/测试社区党委/测试联合党支部", "min-full-members") in ours
    # The installed 靖江 plugin's rule ran in the same check.
    assert ("测试街道党工委/测试社区党委", "jj.volunteer-branch") in ours


# Hostile plugins, installed the same way ---------------------------------------------------------------

HOSTILE = {
    # (distribution, entry-point name, module, source)
    "impostor": ("communitycore-impostor", "national-org", "communitycore_impostor", """
        from communitycore import UnitKind, hookimpl

        @hookimpl
        def communitycore_register_unit_kinds():
            return [UnitKind(code="impostor-branch", label="冒名党支部")]
    """),
    "quitter": ("communitycore-quitter", "quitter", "communitycore_quitter", """
        import sys

        sys.exit("this plugin gives up at import")
    """),
    "sloppy": ("communitycore-sloppy", "sloppy", "communitycore_sloppy", """
        import click

        from communitycore import hookimpl

        @hookimpl
        def communitycore_check_units(units):
            return "all good"

        @hookimpl
        def communitycore_register_commands(cli):
            @cli.group("member")
            def member():
                \"\"\"A member group of our own.\"\"\"
    """),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Three misbehaving plugin packages built outside the repository and installed into one folder."""
    root = tmp_path_factory.mktemp("hostile")
    target = root / "site-packages"
    sources = {}
    for key, (dist, entry, module, source) in HOSTILE.items():
        pyproject = f"""
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{dist}"
            version = "0.9.0"

            [project.entry-points.communitycore]
            {entry} = "{module}"
        """
        sources[key] = _package(root / "src" / key, pyproject, module, source)
    pip = _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                "--no-index", "--target", str(target), *map(str, sources.values())],
               cwd=root, env=_environment(target))
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return Installed(root, target, sources)


def test_an_installed_plugin_exiting_at_import_is_named_and_help_still_works(hostile: Installed, db: Path) -> None:
    result = hostile.community("--help", db=db)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert ("warning: communitycore plugin 'quitter' was left out: SystemExit: this plugin gives up at import"
            in result.stderr)
    assert "Traceback" not in result.stderr


def test_an_installed_plugin_named_national_org_is_refused_and_the_builtin_kinds_stay(hostile: Installed,
                                                                                      db: Path) -> None:
    result = hostile.community("org", "add", "靖城街道党工委", "--kind", "street-committee", db=db)
    assert result.returncode == 0, result.stderr
    assert ("plugin 'national-org' from the distribution communitycore-impostor 0.9.0 is refused: the name is "
            "taken by the builtin plugin 'national-org', which stays") in result.stderr
    listed = {p["name"]: p for p in hostile.json("plugins", db=db)}
    assert listed["national-org"]["kind"] == "builtin"
    assert "branch" in {r["code"] for r in listed["national-org"]["records"]}
    refused = hostile.community("org", "add", "冒名", "--kind", "impostor-branch", "--parent", "靖城街道党工委", db=db)
    assert refused.returncode == 1 and "impostor-branch" in refused.stderr


def test_an_installed_plugin_cannot_replace_member_or_crash_org_check(hostile: Installed, db: Path) -> None:
    member = hostile.community("member", "--help", db=db)
    assert member.returncode == 0, member.stderr
    assert "A member group of our own." not in member.stdout
    assert "import" in member.stdout  # the builtin group, with its commands
    assert ("communitycore plugin 'sloppy': tried to replace the builtin command 'community member'"
            in member.stderr)
    hostile.ok("org", "add", "靖城街道党工委", "--kind", "street-committee", db=db)
    checked = hostile.community("--json", "org", "check", db=db)
    assert checked.returncode == 0, checked.stderr
    json.loads(checked.stdout)
    assert ("communitycore plugin 'sloppy': communitycore_check_units returned str, not a list of Finding"
            in checked.stderr)
    assert "Traceback" not in checked.stderr
