"""Maintain the translation catalogs: ``python -m communitycore.i18n_tools extract|update|compile|check|unwrapped``.

Run from a source checkout (the tools read ``babel.cfg`` at the repository root and write under
``src/communitycore/locale``); they need Babel (the ``test`` and ``docs`` extras). The procedure
is in ``docs/translating.md``:

* ``extract`` writes the template ``locale/communitycore.pot`` from the source (messages given to
  ``_``, ``N_``, ``ngettext``, ``pgettext``, and click help texts, see :mod:`communitycore.i18n_extract`);
* ``update`` extracts, then merges the template into each ``<lang>/LC_MESSAGES/communitycore.po``:
  new messages come in untranslated, changed ones fuzzy with the old translation as a draft,
  messages the source no longer has are dropped;
* ``compile`` writes each ``communitycore.mo`` from its ``.po`` (fuzzy entries left out);
* ``check`` lists what ``tests/test_i18n.py`` fails on: untranslated or fuzzy entries, messages
  missing from a catalog or no longer in the source, placeholders a translation changes, and a
  ``.mo`` older than its ``.po``;
* ``unwrapped [PATH ...]`` lists messages a person reads that are not yet marked for translation.

``--package DIR`` (before the command) works on a plugin's catalogs instead: the messages of the
package in ``DIR``, in its own gettext domain (the package's name), under ``DIR/locale``; see
:func:`plugin_domain` and "A plugin's translations" in ``docs/translating.md``.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import re
import string
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from communitycore import __version__
from communitycore.i18n import DOMAIN, LOCALE_DIR
from communitycore.i18n_extract import extract as extract_messages

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent.parent
MAPPING_FILE = ROOT / "babel.cfg"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
#: The catalogs kept, by gettext locale name.
LOCALES = ("zh_CN",)
#: Extraction keywords: the functions of :mod:`communitycore.i18n` that take a message.
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
#: Comments in the source that start with this reach the translators (``# TRANSLATORS: ...``).
COMMENT_TAGS = ("TRANSLATORS:",)
_WIDTH = 100
_COMMAND = "python -m communitycore.i18n_tools"


@attrs.frozen
class Domain:
    """The catalogs of one gettext domain: communitycore's own (:data:`CORE`) or a plugin's (:func:`plugin_domain`).

    ``package_dir`` is the package whose modules hold the messages; its ``locale`` folder holds
    the template ``<name>.pot`` and, per language, ``<lang>/LC_MESSAGES/<name>.po`` and the
    compiled ``.mo``. ``mapping`` is a Babel mapping (``babel.cfg``) saying which files are
    extracted, relative to its own folder; without one, every module of the package is.
    """

    name: str
    package_dir: Path
    version: str
    holder: str
    mapping: Path | None = None
    #: How the tools are run for this domain, for the hints written in the catalogs.
    command: str = _COMMAND

    @property
    def locale_dir(self) -> Path:
        """The folder of the catalogs."""
        return self.package_dir / "locale"

    @property
    def template(self) -> Path:
        """The ``.pot`` file, the messages the source marks."""
        return self.locale_dir / f"{self.name}.pot"

    def catalog_path(self, locale: str) -> Path:
        """The ``.po`` file of ``locale``."""
        return self.locale_dir / locale / "LC_MESSAGES" / f"{self.name}.po"

    def compiled_path(self, locale: str) -> Path:
        """The ``.mo`` file of ``locale``."""
        return self.catalog_path(locale).with_suffix(".mo")

    def header(self) -> dict[str, Any]:
        """The header fields of this domain's catalogs."""
        return {"project": self.name, "version": self.version, "domain": self.name, "charset": "utf-8",
                "copyright_holder": self.holder, "msgid_bugs_address": ""}


#: communitycore's own catalogs, extracted as ``babel.cfg`` maps.
CORE = Domain(DOMAIN, PACKAGE_DIR, __version__, "communitycore developers", MAPPING_FILE)

_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.M)


def plugin_domain(package: ModuleType | str | os.PathLike[str]) -> Domain:
    """The catalogs of a plugin's package (the module, or its folder): the domain is the package's name.

    A plugin ``communitycore_mytown`` keeps them in ``communitycore_mytown/locale`` and registers
    them with ``communitycore.i18n.add_catalog("communitycore_mytown", ...)``. The catalogs'
    version is the package's ``__version__``.
    """
    if isinstance(package, ModuleType):
        if not getattr(package, "__path__", None) or package.__file__ is None:
            raise ValueError(f"{package.__name__} is not a package: a plugin's catalogs live in its package folder")
        directory = Path(package.__file__).resolve().parent
    else:
        directory = Path(package).resolve()
    init = directory / "__init__.py"
    if not init.is_file():
        raise ValueError(f"{directory} is not a package folder (it has no __init__.py)")
    found = _VERSION.search(init.read_text(encoding="utf-8"))
    shown = f"src/{directory.name}" if directory.parent.name == "src" else str(directory)
    return Domain(directory.name, directory, found.group(1) if found else "0", f"{directory.name} developers",
                  command=f"{_COMMAND} --package {shown}")


def catalog_path(locale: str, domain: Domain = CORE) -> Path:
    """The ``.po`` file of ``locale``."""
    return domain.catalog_path(locale)


def compiled_path(locale: str, domain: Domain = CORE) -> Path:
    """The ``.mo`` file of ``locale``."""
    return domain.compiled_path(locale)


def _header_comment(domain: Domain) -> str:
    return (f"# Messages of {domain.name}. Edit the translations here, then run\n"
            f"# {domain.command} compile (see docs/translating.md).")


# Extraction ----------------------------------------------------------------------------------------


def extract(domain: Domain = CORE) -> Catalog:
    """A template catalog of every message the source marks: the files the mapping names, else the package's."""
    if domain.mapping is not None:
        if not domain.mapping.exists():
            raise SystemExit(f"{domain.mapping} not found: run the i18n tools from a source checkout")
        with domain.mapping.open(encoding="utf-8") as fh:
            method_map, options_map = parse_mapping_cfg(fh, str(domain.mapping))
        found = extract_from_dir(domain.mapping.parent, method_map, options_map, keywords=KEYWORDS,
                                 comment_tags=COMMENT_TAGS, strip_comment_tags=True)
    else:  # a plugin: every module of its package, by communitycore's method (click help texts included)
        method: Any = extract_messages
        found = extract_from_dir(domain.package_dir.parent, [(f"{domain.package_dir.name}/**.py", method)],
                                 keywords=KEYWORDS, comment_tags=COMMENT_TAGS, strip_comment_tags=True)
    template = Catalog(**domain.header(), fuzzy=False)
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=_WIDTH, include_lineno=False, ignore_obsolete=True, sort_output=False)
    return buffer.getvalue()


def _message_keys(catalog: Catalog) -> list[tuple[object, str | None]]:
    return [(m.id, m.context) for m in catalog if m.id]


def _files(message: Message | None) -> list[str] | None:
    return None if message is None else sorted({filename for filename, _line in message.locations})


def write_template(template: Catalog, domain: Domain = CORE) -> bool:
    """Write the ``.pot`` unless it already holds these messages; True if it was written."""
    path = domain.template
    if path.exists():
        with path.open("rb") as fh:
            old = read_po(fh)
        # The file keeps no line numbers (include_lineno=False): compare the files only.
        if _message_keys(old) == _message_keys(template) and all(
            _files(old.get(m.id, context=m.context)) == _files(m) for m in template if m.id
        ):
            return False  # unchanged: keep the file (and its creation date) as it is
    path.parent.mkdir(parents=True, exist_ok=True)
    template.header_comment = (f"# The messages of {domain.name}, extracted from the source by\n"
                               f"# {domain.command} extract (see docs/translating.md).")
    path.write_bytes(_po_bytes(template))
    return True


def update(template: Catalog | None = None, domain: Domain = CORE) -> list[Path]:
    """Merge the template into every catalog (creating missing ones); the catalogs written."""
    template = template if template is not None else extract(domain)
    header = domain.header()
    written = []
    for locale in LOCALES:
        path = domain.catalog_path(locale)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
        else:
            catalog = Catalog(locale=locale, **header, fuzzy=False)
        catalog.update(template, update_header_comment=False, update_creation_date=False)
        catalog.header_comment = _header_comment(domain)
        catalog.last_translator = catalog.language_team = header["copyright_holder"]
        catalog.project, catalog.version = header["project"], header["version"]
        catalog.fuzzy = False  # the header is not a translation; fuzzy entries are flagged one by one
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_po_bytes(catalog))
        written.append(path)
    return written


def read_catalog(locale: str, path: Path | None = None, domain: Domain = CORE) -> Catalog:
    """The ``.po`` catalog of ``locale`` (from ``path`` instead of the domain's own, if given)."""
    with (path or domain.catalog_path(locale)).open("rb") as fh:
        return read_po(fh, locale=locale)


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled form of ``catalog`` (fuzzy entries left out), as ``compile`` writes it."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogs(domain: Domain = CORE) -> list[Path]:
    """Write every ``.mo`` from its ``.po``; the files written."""
    written = []
    for locale in LOCALES:
        path = domain.compiled_path(locale)
        path.write_bytes(mo_bytes(read_catalog(locale, domain=domain)))
        written.append(path)
    return written


# Checks --------------------------------------------------------------------------------------------


def _placeholders(text: str) -> set[str] | None:
    """The ``{names}`` of a ``str.format`` text; None if the text is no format string at all."""
    try:
        return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def _texts(message: Message) -> tuple[list[str], list[str]]:
    ids = list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]
    strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string or ""]
    return ids, strings


def catalog_problems(template: Catalog, locale: str, po: Path | None = None, mo: Path | None = None,
                     domain: Domain = CORE) -> list[str]:
    """Everything wrong with ``locale``'s catalog against the source's ``template``, one line each.

    ``po`` and ``mo`` name other files than the domain's own (the tests check broken copies).
    """
    problems: list[str] = []
    po = po or domain.catalog_path(locale)
    mo = mo or domain.compiled_path(locale)
    name = po.relative_to(ROOT) if po.is_relative_to(ROOT) else po
    if not po.exists():
        return [f"{name}: the catalog is missing (run {domain.command} update)"]
    catalog = read_catalog(locale, po)
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    have = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
    for msgid, _context in sorted(wanted - have, key=str):
        problems.append(f"{name}: missing (run update): {msgid!r}")
    for msgid, _context in sorted(have - wanted, key=str):
        problems.append(f"{name}: no longer in the source (run update): {msgid!r}")
    for message in catalog:
        if not message.id:
            continue
        ids, strings = _texts(message)
        if message.fuzzy:
            problems.append(f"{name}: fuzzy (check the translation, then remove the flag): {ids[0]!r}")
        if not all(s.strip() for s in strings):
            problems.append(f"{name}: untranslated: {ids[0]!r}")
            continue
        expected = _placeholders(ids[0])
        for translated in strings:
            found = _placeholders(translated)
            if expected is not None and found != expected:
                problems.append(f"{name}: the translation has placeholders {sorted(found or ())} instead of "
                                f"{sorted(expected)}: {ids[0]!r}")
    if not mo.exists() or mo.read_bytes() != mo_bytes(catalog):
        problems.append(f"{name}: the compiled catalog {mo.name} is missing or stale (run compile)")
    return problems


# Unwrapped messages ----------------------------------------------------------------------------------

#: The functions of communitycore.i18n that mark a message.
_MARKERS = frozenset({"_", "N_", "ngettext", "pgettext"})
#: Calls whose first argument a person reads.
_ECHO_CALLS = frozenset({"echo", "secho", "confirm", "prompt", "heading", "warn", "fail"})
#: Records that carry a message: name -> (positional index of the message, keyword names).
_MESSAGE_RECORDS = {"Problem": (2, ("message",)), "WorkflowProblem": (2, ("message",)),
                    "Finding": (99, ("message", "suggestion"))}
#: Variables that, by their name, hold a message being built (``text = f"..."``, then printed).
_MESSAGE_VARIABLES = frozenset({"message", "text", "summary", "question", "hint", "head", "tail", "detail"})
#: Exceptions that only a programmer sees (a wrong type passed in, a broken invariant).
_DEVELOPER_ERRORS = frozenset({"TypeError", "AssertionError", "KeyError", "AttributeError", "NotImplementedError",
                               "RuntimeError", "StopIteration", "SystemExit", "ImportError"})
#: Error classes that do not end in Error/Exception/Warning.
_ERROR_NAMES = frozenset({"InvalidValue", "NotFound", "Conflict", "SchemaOutdated", "RejectedInput",
                          "IllegalTransition", "InvalidWorkflow", "UsageError", "BadParameter", "Abort"})
_LETTERS = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")
#: A comment ``# i18n: skip`` (and why) keeps its line out of the report: a text that is not a message.
_SKIP_PRAGMA = "# i18n: skip"
#: Modules the report leaves out: the tools themselves speak to the developer running them.
_NOT_SCANNED = frozenset({"i18n_tools.py", "i18n_extract.py"})


@attrs.frozen
class Unwrapped:
    """A message a person reads that is not marked for translation, or marked in a way extraction misses."""

    path: Path
    line: int
    kind: str
    text: str

    def __str__(self) -> str:
        shown = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{shown}:{self.line}: {self.kind}: {self.text}"


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _is_error(name: str) -> bool:
    if name in _DEVELOPER_ERRORS:
        return False
    return name in _ERROR_NAMES or name.endswith(("Error", "Exception", "Warning"))


def _literals(node: ast.expr | None) -> Iterator[tuple[int, str]]:
    """The literal texts that end up in a message built by ``node``; wrapped ones are not yielded."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.lineno, node.value
    elif isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else "{…}" for v in node.values]
        yield node.lineno, "".join(str(p) for p in parts)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.Call):
        name = _name(node.func)
        if name in _MARKERS:
            return
        if name == "format" and isinstance(node.func, ast.Attribute):
            yield from _literals(node.func.value)
        elif name == "style" and node.args:  # click.style(text, fg=...): the text is the message
            yield from _literals(node.args[0])


def _message_arguments(call: ast.Call) -> Iterator[ast.expr]:
    """The arguments of ``call`` that hold a message a person reads."""
    name = _name(call.func)
    if name is None:
        return
    if name in _ECHO_CALLS:
        if call.args:
            yield call.args[0]
        yield from (k.value for k in call.keywords if k.arg in ("message", "text"))
    elif name in _MESSAGE_RECORDS:
        index, keywords = _MESSAGE_RECORDS[name]
        if len(call.args) > index:
            yield call.args[index]
        yield from (k.value for k in call.keywords if k.arg in keywords)
    elif _is_error(name):
        yield from call.args
        yield from (k.value for k in call.keywords if k.arg in ("message",))
    elif name == "emit":
        yield from (k.value for k in call.keywords if k.arg == "title")
    elif name == "_emit":  # a module's own printer: every argument may be words
        yield from call.args


def _is_language_test(node: ast.expr) -> bool:
    """``lang == "zh"``, ``app.lang != "en"`` ...: a message chosen by language instead of translated."""
    if not isinstance(node, ast.Compare) or len(node.comparators) != 1:
        return False
    sides = [node.left, node.comparators[0]]
    names = [_name(s) for s in sides]
    values = [s.value for s in sides if isinstance(s, ast.Constant)]
    return any(n in ("lang", "language") for n in names) and any(v in ("zh", "en") for v in values)


def _has_words(node: ast.IfExp | ast.If) -> bool:
    """Whether the branches of a language test hold texts with words (messages), not only separators or names."""
    branches: list[ast.AST] = [node.body, node.orelse] if isinstance(node, ast.IfExp) else [*node.body, *node.orelse]
    for branch in branches:
        for inner in ast.walk(branch):
            literal = inner.value if isinstance(inner, ast.Constant) else None
            if isinstance(inner, ast.JoinedStr):
                literal = "".join(str(v.value) for v in inner.values if isinstance(v, ast.Constant))
            if isinstance(literal, str) and _LETTERS.search(literal):
                return True
    return False


def scan_source(source: str, path: Path) -> list[Unwrapped]:
    """The unwrapped messages of one module's source."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found: list[Unwrapped] = []

    def report(line: int, kind: str, text: str) -> None:
        if line <= len(lines) and _SKIP_PRAGMA in lines[line - 1]:
            return
        found.append(Unwrapped(path, line, kind, text))

    imports_marker = any(isinstance(n, ast.ImportFrom) and any(a.name == "_" for a in n.names) for n in tree.body)
    for node in ast.walk(tree):
        if imports_marker and isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
            report(node.lineno, "_ is the translation function here; name the throwaway value", "_")
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in _MARKERS and isinstance(node.func, ast.Name):
                count = 2 if name in ("ngettext", "pgettext") else 1
                for argument in node.args[:count]:
                    # A name or subscript is the N_() pattern (a marked constant); a text built
                    # here (an f-string, "+", .format) is a message extraction cannot see.
                    if isinstance(argument, (ast.JoinedStr, ast.BinOp, ast.Call)):
                        report(node.lineno, f"{name}() needs a plain string literal, extraction cannot see this",
                               ast.unparse(argument)[:80])
            for argument in _message_arguments(node):
                for line, text in _literals(argument):
                    if _LETTERS.search(re.sub(r"\{[^{}]*\}", "", text)):
                        report(line, "not wrapped", text.strip()[:80])
        elif isinstance(node, ast.Assign) and any(_name(t) in _MESSAGE_VARIABLES for t in node.targets):
            for line, text in _literals(node.value):
                if _LETTERS.search(re.sub(r"\{[^{}]*\}", "", text)):
                    report(line, "not wrapped", text.strip()[:80])
        elif isinstance(node, (ast.IfExp, ast.If)) and _is_language_test(node.test) and _has_words(node):
            report(node.lineno, "chosen by language, translate it instead", ast.unparse(node.test))
    return sorted(found, key=lambda u: u.line)


def python_files(paths: Iterable[Path] = ()) -> list[Path]:
    """The package's modules (or those under ``paths``), without the scaffold templates and these tools."""
    roots = list(paths) or [PACKAGE_DIR]
    files = []
    for root in roots:
        for file in sorted([root] if root.is_file() else root.rglob("*.py")):
            if file.name in _NOT_SCANNED or "scaffold" in file.parts:
                continue
            files.append(file)
    return files


def unwrapped(paths: Iterable[Path] = ()) -> list[Unwrapped]:
    """Every unwrapped message in the package (or under ``paths``)."""
    found: list[Unwrapped] = []
    for file in python_files(paths):
        found.extend(scan_source(file.read_text(encoding="utf-8"), file))
    return found


# Command line ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m communitycore.i18n_tools [--package DIR] extract|update|compile|check|unwrapped``."""
    parser = argparse.ArgumentParser(prog=_COMMAND, description=__doc__.split("\n")[0])
    parser.add_argument("--package", type=Path, metavar="DIR",
                        help="a plugin's package folder (src/communitycore_mytown): its catalogs, not communitycore's")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("extract", help="write locale/DOMAIN.pot from the source")
    commands.add_parser("update", help="extract, then merge the template into each .po")
    commands.add_parser("compile", help="write each .mo from its .po")
    commands.add_parser("check", help="list untranslated, fuzzy, missing and stale entries")
    scan = commands.add_parser("unwrapped", help="list messages not yet marked for translation")
    scan.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    try:
        domain = CORE if args.package is None else plugin_domain(args.package)
    except ValueError as exc:
        parser.error(str(exc))

    if args.command == "extract":
        template = extract(domain)
        written = write_template(template, domain)
        print(f"{domain.template}: {len(template)} messages" + ("" if written else " (unchanged)"))
    elif args.command == "update":
        template = extract(domain)
        write_template(template, domain)
        for path in update(template, domain):
            catalog = read_catalog(path.parent.parent.name, domain=domain)
            todo = sum(1 for m in catalog if m.id and (m.fuzzy or not all(_texts(m)[1])))
            print(f"{path}: {len(catalog)} messages, {todo} to translate or check")
    elif args.command == "compile":
        for path in compile_catalogs(domain):
            print(f"{path}: written")
    elif args.command == "check":
        template = extract(domain)
        problems = [p for locale in LOCALES for p in catalog_problems(template, locale, domain=domain)]
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    elif args.command == "unwrapped":
        found = unwrapped(args.paths or ([] if args.package is None else [domain.package_dir]))
        for item in found:
            print(item)
        print(f"{len(found)} unwrapped message(s)")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
