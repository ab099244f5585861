"""The SDK is typed: type checkers see every sub-API, and a misspelled keyword is an error, not a surprise."""

from __future__ import annotations

import ast
import functools
import inspect
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import communitycore
from communitycore.capabilities import declared, load
from communitycore.sdk import community as facade

SOURCE_ROOT = Path(communitycore.__file__).resolve().parent.parent


def _type_checking_annotations() -> tuple[dict[str, str], dict[str, str]]:
    """From sdk/community.py: the attributes ``Community`` annotates for type checkers (name -> class),
    and the classes the module imports under ``TYPE_CHECKING`` (class -> module)."""
    tree = ast.parse(Path(facade.__file__).read_text(encoding="utf-8"))

    def guarded(body: list[ast.stmt]) -> list[ast.stmt]:
        return [stmt for node in body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
                for stmt in node.body]

    imported = {alias.asname or alias.name: node.module for node in guarded(tree.body)
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    (cls,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Community"]
    annotated = {node.target.id: ast.unparse(node.annotation) for node in guarded(cls.body)
                 if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)}
    return annotated, imported


def test_every_capability_sub_api_is_annotated_for_type_checkers() -> None:
    # The sub-APIs are attributes set from the declarations at run time; a capability whose sub-API
    # is not annotated on Community would be an error (attr-defined) in every caller's mypy run.
    annotated, imported = _type_checking_annotations()
    wanted = {cap.api_attribute: cap.api for cap in declared() if cap.api is not None}
    assert wanted, "no capability declares a sub-API"
    missing = sorted(set(wanted) - set(annotated))
    assert not missing, f"Community lacks TYPE_CHECKING annotations for {missing} (sdk/community.py)"
    for attribute, path in wanted.items():
        module, _colon, class_name = path.partition(":")
        assert annotated[attribute] == class_name, f"Community.{attribute} is annotated as {annotated[attribute]}"
        assert imported.get(class_name) == module, f"{class_name} is not imported from {module} for type checkers"


def test_every_annotated_sub_api_is_a_declared_one() -> None:
    annotated, imported = _type_checking_annotations()
    apis = {cap.api_attribute for cap in declared() if cap.api is not None}
    sub_apis = {name for name, cls in annotated.items() if imported.get(cls, "").startswith("communitycore.sdk.")}
    assert sub_apis <= apis, f"annotated but not declared: {sorted(sub_apis - apis)}"


def test_open_has_the_facade_parameters() -> None:
    # communitycore.open() forwards to the facade without **kwargs: the two signatures are the same.
    assert inspect.signature(communitycore.open) == inspect.signature(facade.open)


def test_open_forwards_every_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_open(url_or_engine: object = None, **options: object) -> str:
        seen.update(options, url_or_engine=url_or_engine)
        return "community"

    given = {name: object() for name in inspect.signature(facade.open).parameters}
    monkeypatch.setattr(facade, "open", fake_open)
    assert communitycore.open(**given) == "community"  # type: ignore[arg-type]
    assert seen == given


def test_open_opens_a_community(tmp_path: Path) -> None:
    with communitycore.open(tmp_path / "c.db", actor="秘书", autoload=False, create=True) as community:
        assert community.actor == "秘书"
        assert community.dialect == "sqlite"


#: Correct calls, then misspelled keywords; mypy must accept the first and report each of the others.
SNIPPET = '''
import communitycore

with communitycore.open("sqlite://", actor="秘书", autoload=False) as community:
    community.members.add("张三", 1, education="本科", join_date="2020-07-01")
    community.members.update(1, education=None)
    community.members.list(1)
    community.events.list(status="pending")
with communitycore.open("sqlite://", actr="秘书") as community:  # misspelled
    community.members.add("张三", 1, educaton="本科")  # misspelled
    community.members.update(1, educaton="本科")  # misspelled
    community.residents.add("李四", phnoe="13800000000")  # misspelled
'''

#: Only the snippet is checked; third-party packages are skipped (Any) so the run takes seconds.
MYPY_CONFIG = '''
[mypy]
strict = True
follow_imports = silent
[mypy-sqlalchemy.*,alembic.*,pluggy.*,cattrs.*,click.*,openpyxl.*,python_calamine.*,babel.*]
follow_imports = skip
'''


def test_mypy_reports_a_misspelled_keyword(tmp_path: Path) -> None:
    (tmp_path / "snippet.py").write_text(SNIPPET.lstrip("\n"), encoding="utf-8")
    (tmp_path / "mypy.ini").write_text(MYPY_CONFIG, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(SOURCE_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir", os.devnull, "--no-error-summary",
         "snippet.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    misspelled = {n for n, line in enumerate(SNIPPET.lstrip("\n").splitlines(), start=1) if "# misspelled" in line}
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(misspelled) == 4
    assert {int(line.split(":")[1]) for line in errors} == misspelled, result.stdout
    assert any('Unexpected keyword argument "actr" for "open"' in line for line in errors), result.stdout
    assert any('Unexpected keyword argument "educaton" for "add" of "MembersAPI"' in line for line in errors)
    assert any('Unexpected keyword argument "educaton" for "update" of "MembersAPI"' in line for line in errors)
    assert any('Unexpected keyword argument "phnoe" for "add" of "ResidentsAPI"' in line for line in errors)


@pytest.mark.slow
def test_a_built_wheel_says_it_is_typed(tmp_path: Path) -> None:
    # PEP 561: without py.typed in the installed package, mypy treats communitycore as untyped.
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(SOURCE_ROOT.parent)], capture_output=True, text=True, cwd=tmp_path,
                           check=False)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("communitycore-*.whl")
    assert "communitycore/py.typed" in zipfile.ZipFile(wheel).namelist()


# Errors in the docstrings ----------------------------------------------------------------------------

#: Public SDK calls that raise no error of their own (a busy database aside, see docs/reliability.md).
RAISE_NOTHING_OF_THEIR_OWN = {
    "MembersAPI.estimate_rows",
    "WorkflowsAPI.codes",
    "GrantsAPI.mine",
    "MeetingsAPI.types",
    "Community.as_actor", "Community.reading", "Community.close",
    "RecruitmentAPI.steps", "DuesAPI.categories",
}


def _public_calls() -> dict[str, object]:
    """Every public method of the facade and of each declared capability's sub-API, by ``Class.name``."""
    classes = [facade.Community, *(load(cap.api) for cap in declared() if cap.api is not None)]
    calls: dict[str, object] = {"communitycore.open": communitycore.open, "sdk.community.open": facade.open}
    for cls in classes:
        for name, value in vars(cls).items():
            if name.startswith("_") or isinstance(value, property | functools.cached_property):
                continue
            function = value.__func__ if isinstance(value, staticmethod | classmethod) else value
            if inspect.isfunction(function):
                calls[f"{cls.__name__}.{name}"] = function
    return calls


def test_every_sdk_call_documents_the_errors_it_raises() -> None:
    calls = _public_calls()
    undocumented = sorted(name for name, function in calls.items() if name not in RAISE_NOTHING_OF_THEIR_OWN
                          and ":raises " not in (inspect.getdoc(function) or ""))
    assert not undocumented, f"add ':raises Error: when' lines to the docstrings of {undocumented}"
    stale = sorted(RAISE_NOTHING_OF_THEIR_OWN - set(calls))
    assert not stale, f"no longer SDK calls: {stale}"


def test_documented_errors_are_the_librarys_own() -> None:
    # ":raises X:" names an error a caller can catch by that name: one of communitycore.errors (or the
    # input limits' UnsafeInput, a workflow's IllegalTransition, or a meeting's QuorumNotMet).
    import communitycore.errors as errors

    known = {name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, Exception)}
    known |= {"UnsafeInput", "IllegalTransition", "QuorumNotMet"}
    for name, function in _public_calls().items():
        for line in (inspect.getdoc(function) or "").splitlines():
            if line.strip().startswith(":raises "):
                error = line.strip().removeprefix(":raises ").split(":")[0].rsplit(".", 1)[-1].lstrip("~")
                assert error in known, f"{name} documents {error}, which is not a communitycore error"


#: Calls that reach a permission check only on a path they never take: the actor's own grants are always shown.
NEVER_REFUSED = {"GrantsAPI.mine"}

#: Where a call checks the actor's permissions (sdk/base.py, sdk/access.py, Community.authorize).
_CHECKS = re.compile(r"self\._authorize\(|self\._scope\(|self\.authorize\(|self\.community\.authorize\(")


def _checks_permissions(cls: type, function: object, seen: set[str]) -> bool:
    """Whether ``function`` or a method of ``cls`` it names (called or handed on) checks permissions."""
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(function)))  # type: ignore[arg-type]
    if _CHECKS.search(source):
        return True
    for name in sorted(set(re.findall(r"self\.(\w+)", source)) - seen):
        seen.add(name)
        value = inspect.getattr_static(cls, name, None)
        value = value.__func__ if isinstance(value, staticmethod | classmethod) else value
        if inspect.isfunction(value) and _checks_permissions(cls, value, seen):
            return True
    return False


def test_every_call_that_checks_permissions_documents_permission_denied() -> None:
    classes = [facade.Community, *(load(cap.api) for cap in declared() if cap.api is not None)]
    silent = []
    for cls in classes:
        for name, value in vars(cls).items():
            function = value.__func__ if isinstance(value, staticmethod | classmethod) else value
            if name.startswith("_") or not inspect.isfunction(function) or f"{cls.__name__}.{name}" in NEVER_REFUSED:
                continue
            if _checks_permissions(cls, function, {name}) and ":raises PermissionDenied:" not in (
                    inspect.getdoc(function) or ""):
                silent.append(f"{cls.__name__}.{name}")
    assert not silent, f"say when PermissionDenied is raised in the docstrings of {sorted(silent)}"
