"""The documentation site: the CLI reference quotes options as typed, every record field is documented,
each capability guide names every command and SDK call of its capability, the glossary pairs every code.

The source checks read the doc comments the way autodoc reads them (Sphinx's own source analyser),
so a field without one is caught without building anything. The built-site checks build the real
documentation once, into a temporary folder, and read the HTML a reader gets.
"""

from __future__ import annotations

import html
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import click
import pytest
from sphinx import pycode

import communitycore

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _record_classes() -> list[type[Any]]:
    """Every attrs class the top-level package exports: the records users and plugins handle."""
    exported = (getattr(communitycore, name) for name in communitycore.__all__)
    return [obj for obj in exported if isinstance(obj, type) and attrs.has(obj)]


def _owner(cls: type[Any], field: str) -> type[Any]:
    """The class that declares ``field``: the reference documents a field there, not on each subclass."""
    return next(k for k in cls.__mro__ if field in inspect.get_annotations(k))


def _fields() -> list[tuple[type[Any], str]]:
    pairs = {(_owner(cls, f.name), f.name) for cls in _record_classes() for f in attrs.fields(cls)}
    return sorted(pairs, key=lambda pair: (pair[0].__qualname__, pair[1]))


def test_the_package_exports_record_classes() -> None:
    names = {cls.__name__ for cls in _record_classes()}
    assert {"UnitKind", "MeetingType", "ScoringScheme", "Event", "Finding", "Period"} <= names


@pytest.mark.parametrize(("owner", "field"), _fields(), ids=lambda v: getattr(v, "__qualname__", v))
def test_every_record_field_has_a_doc_comment(owner: type[Any], field: str) -> None:
    docs = pycode.ModuleAnalyzer.for_module(owner.__module__).find_attr_docs()
    text = " ".join(docs.get((owner.__qualname__, field), [])).strip()
    assert text, f"{owner.__module__}.{owner.__qualname__}.{field} has no doc comment (a docstring after the field)"


# Each capability guide: the command groups and the sub-APIs (``community.<attribute>``) it covers.
GUIDES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "org": (("org",), ("org",)),
    "members": (("member", "resident"), ("members", "residents")),
    "activity": (("activity",), ("activity",)),
    "workflows": ((), ("workflows",)),
    "meetings": (("meeting",), ("meetings",)),
    "assessments": (("assess",), ("assessments",)),
    "services": (("service",), ("services",)),
    "rosters": (("roster",), ("rosters",)),
    "recruitment": (("recruit",), ("recruitment",)),
    "dues": (("dues",), ("dues",)),
}


def _extension(name: str) -> Any:
    """A module of the site's local Sphinx extensions (docs/_ext), as the build imports it."""
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def _commands(command: click.Command, path: tuple[str, ...]) -> list[str]:
    if isinstance(command, click.Group):
        return [name for sub, child in command.commands.items() for name in _commands(child, (*path, sub))]
    return [" ".join(path)]


def _sub_api(attribute: str) -> type[Any]:
    module = importlib.import_module(f"communitycore.sdk.{attribute}")
    found: type[Any] = next(cls for name, cls in vars(module).items()
                            if name.endswith("API") and cls.__module__ == module.__name__)
    return found


@pytest.mark.parametrize("guide", sorted(GUIDES))
def test_each_capability_guide_names_its_commands_and_calls(guide: str) -> None:
    cli = _extension("cli_doc").cli  # the builtin command group, as the CLI reference shows it
    groups, apis = GUIDES[guide]
    page = (DOCS / f"{guide}.md").read_text(encoding="utf-8")
    missing = [f"command: community {name}" for group in groups
               for name in _commands(cli.commands[group], (group,)) if f"community {name}" not in page]
    for attribute in apis:
        api = _sub_api(attribute)
        calls = [name for name, _call in inspect.getmembers(api, inspect.isfunction) if not name.startswith("_")]
        missing += [f"call: community.{attribute}.{name}()" for name in calls if f"{name}(" not in page]
    assert not missing, f"docs/{guide}.md does not name:\n" + "\n".join(missing)


def test_the_capabilities_page_lists_every_capability_with_its_guide() -> None:
    from communitycore.capabilities import declared

    rows = [line for line in (DOCS / "capabilities.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("|")]
    for capability in declared():
        row = next((line for line in rows if f"`{capability.name}`" in line), None)
        assert row is not None, f"docs/capabilities.md does not list the capability {capability.name}"
        assert capability.label in row and re.search(r"\]\([\w/-]+\.md\)", row), row


def test_the_glossary_pairs_every_code_with_its_chinese_term() -> None:
    glossary_check = _extension("glossary_check")
    entries = list(glossary_check.glossary_entries())
    assert {code for _what, code, _zh, _en in entries} >= {"grid-branch", "red-steward", "branch-vote", "in-progress"}
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    assert glossary_check.glossary_problems(text, entries) == []


# Pages whose Python blocks are whole scripts (other pages continue an example from the page above).
RUNNABLE = ("overview.md", "quickstart.md", "zh/quickstart.md", "org.md", "sdk-guide.md")


@pytest.mark.parametrize("page", RUNNABLE)
def test_the_python_examples_of_the_guides_run(page: str, tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, f"docs/{page} has no Python example"
    for block in blocks:
        run = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True,
                             check=False)
        assert run.returncode == 0, f"docs/{page}:\n{block}\n{run.stderr}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs-html")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(DOCS), str(out)],
                           capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr
    return out


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


# An option's name right after a dash that is not a hyphen: what smart quotes make of "--json".
_MANGLED_OPTION = re.compile(r"[\u2010-\u2015\u2212]+[a-z][a-z-]*")


@pytest.mark.slow
def test_cli_reference_writes_options_with_two_hyphens(site: Path) -> None:
    page = (site / "cli.html").read_text(encoding="utf-8")
    assert '<span class="pre">--json</span>' in page
    assert "--reveal" in _text(page)  # in the help texts too, not only the option names
    mangled = sorted(set(_MANGLED_OPTION.findall(_text(page))))
    assert not mangled, f"options with a dash that is not '--': {mangled}"


@pytest.mark.slow
def test_no_page_turns_an_option_s_hyphens_into_a_dash(site: Path) -> None:
    pages = [p for p in site.rglob("*.html") if "_modules" not in p.parts]
    assert len(pages) > 30
    mangled = {str(p.relative_to(site)): found for p in pages
               if (found := sorted(set(_MANGLED_OPTION.findall(_text(p.read_text(encoding="utf-8"))))))}
    assert not mangled, f"options with a dash that is not '--': {mangled}"


@pytest.mark.slow
def test_every_record_field_has_a_type_and_a_description_in_the_reference(site: Path) -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    missing: list[str] = []
    for owner, field in _fields():
        targets = (f"communitycore.{owner.__qualname__}.{field}",
                   f"{owner.__module__}.{owner.__qualname__}.{field}")
        entry = None
        for target in targets:
            entry = re.search(rf'<dt class="sig[^"]*" id="{re.escape(target)}">(.*?)</dt>\s*<dd>(.*?)</dd>',
                              pages, re.DOTALL)
            if entry:
                break
        if entry is None:
            missing.append(f"{targets[0]}: not in the reference")
            continue
        signature, description = _text(entry.group(1)), _text(entry.group(2))
        if not re.match(rf"{re.escape(field)}\s*:\s*\S", signature):
            missing.append(f"{targets[0]}: no type ({signature!r})")
        if not description:
            missing.append(f"{targets[0]}: no description")
    assert not missing, "\n".join(missing)
