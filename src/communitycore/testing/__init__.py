"""The plugin-author kit: build a plugin manager, check a plugin and its translations, open a throwaway community.

Everything here is public and stable. A plugin's whole conformance test is one line::

    from communitycore.testing import check_plugin
    import communitycore_mytown

    def test_conformance():
        check_plugin(communitycore_mytown)

:func:`check_plugin` raises :class:`PluginCheckError` (an :class:`AssertionError`, so pytest shows
it as a plain failure) listing every problem at once; :func:`plugin_problems` returns the same
list without raising, for tools such as ``community plugins check``. A plugin that ships its own
translations checks them the same way, with :func:`check_translations` (and
:func:`translation_problems`).

For fixtures (``community`` on a temporary SQLite database, ``cli_runner`` bound to it), opt in
from your ``conftest.py``::

    pytest_plugins = ["communitycore.testing.pytest_plugin"]

Nothing here imports pytest or SQLAlchemy at module level.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata as md
import importlib.util
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from communitycore.errors import PluginError, os_reason
from communitycore.i18n import _
from communitycore.plugins import manager as _plugins
from communitycore.plugins.markers import PROJECT
from communitycore.records import FAMILIES, WORKFLOW_FAMILIES, Record, ScoringScheme, WorkflowState, WorkflowTransition

if TYPE_CHECKING:
    from communitycore.sdk.community import Community

#: The fixed "now" of test communities: a Saturday morning in Shanghai, so dates never drift.
FIXED_NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

_PREFIX = f"{PROJECT}_"
#: What a registration hook returns a list of: a record of a family, or a workflow state or transition.
_Contributed = Record | WorkflowState | WorkflowTransition
_REGISTRATION_HOOKS = {hook: family for family, (hook, _type) in (*FAMILIES.items(), *WORKFLOW_FAMILIES.items())}
_RECORD_TYPES: dict[str, type[_Contributed]] = {family: kind for family, (_hook, kind) in (*FAMILIES.items(),
                                                                                          *WORKFLOW_FAMILIES.items())}
#: A scheme no plugin registers: a score hook must answer for schemes it does not handle too.
_PROBE_SCHEME = ScoringScheme(code="communitycore-check", label="检查", subject="member", period="yearly")


class PluginCheckError(AssertionError):
    """A plugin failed :func:`check_plugin`; ``problems`` lists every reason, one line each."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.plugin = name
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"plugin {name!r} has {len(problems)} problem(s):\n{lines}")


def make_plugin_manager(
    *plugins: object, builtins: bool = True, autoload: bool = False, blocked: Iterable[str] = ()
) -> _plugins.CommunityPluginManager:
    """A plugin manager for tests: the builtins plus ``plugins``, strict, no installed plugins.

    Strict means a plugin that fails to register, or contributes a conflicting or dangling
    record when a registry is built on this manager, raises
    :class:`~communitycore.errors.PluginError` instead of warning, so a test cannot pass by
    accident. ``autoload=True`` also loads the installed ``communitycore`` entry points.
    """
    return _plugins.make_plugin_manager(
        *plugins, builtins=builtins, autoload=autoload, blocked=blocked, strict=True
    )


def open_test_community(
    tmp_path: str | os.PathLike[str], *plugins: object, **kwargs: Any
) -> Community:
    """A community on a fresh SQLite file in ``tmp_path``: builtins plus ``plugins``, fixed clock.

    Installed plugins are not loaded, no ``community.toml`` is read and the actor is
    ``"tester"``. Keyword arguments go to :func:`communitycore.open` (``packs=``, ``clock=``,
    ``actor=`` ...); close the community when done, or use it in a ``with`` block.
    """
    from communitycore.clock import Clock
    from communitycore.config import Config
    from communitycore.sdk.community import open as open_community

    kwargs.setdefault("clock", Clock("Asia/Shanghai", fixed=FIXED_NOW))
    kwargs.setdefault("actor", "tester")
    kwargs.setdefault("config", Config())
    kwargs.setdefault("create", True)  # the file is new: the test asks for it
    pm = kwargs.pop("pm", None)
    if pm is None:
        pm = make_plugin_manager(*plugins)
    path = Path(tmp_path) / "community.db"
    return open_community(f"sqlite:///{path}", pm=pm, **kwargs)


# Finding a plugin -----------------------------------------------------------------------------


def load_plugin(target: str) -> tuple[str, object]:
    """Find a plugin by what a person types: an installed or builtin name, a file or a module.

    Tried in this order: the name of an installed ``communitycore`` entry point, a builtin's
    name (``national-org``), a path to a ``.py`` file or a package folder, a dotted module name.
    Returns the plugin's name and the plugin object; a clear
    :class:`~communitycore.errors.PluginError` if nothing matches or the import fails.
    """
    for ep in md.entry_points(group=_plugins.ENTRY_POINT_GROUP):
        if ep.name == target:
            return target, _import(target, ep.load)
    if target in _plugins.BUILTINS:
        return target, importlib.import_module(_plugins.BUILTINS[target])
    path = Path(target)
    if path.suffix == ".py" or path.is_dir():
        if not path.exists():
            raise PluginError(_("{target} does not exist").format(target=target), code="not-found",
                              entity="plugin", key=target)
        if path.is_dir() and not (path / "__init__.py").is_file():
            raise PluginError(_("{target} is a folder without __init__.py: name a package's folder or a .py "
                                "file").format(target=target), code="not-found", entity="plugin", key=target)
        return path.stem if path.suffix else path.name, _import(target, lambda: _module_from_path(path))
    try:
        found = importlib.util.find_spec(target)
    except (ImportError, ValueError):
        found = None
    if found is None:
        installed = sorted(ep.name for ep in md.entry_points(group=_plugins.ENTRY_POINT_GROUP))
        raise PluginError(
            _("no plugin {target!r}: it is not an installed plugin ({installed}), a builtin ({builtins}), a .py "
              "file or an importable module").format(
                target=target, installed=", ".join(installed) or _("none installed"),
                builtins=", ".join(_plugins.BUILTINS)),
            code="not-found", entity="plugin", key=target)
    return target, _import(target, lambda: importlib.import_module(target))


def _import(target: str, loader: Any) -> object:
    try:
        return loader()
    except _plugins.IMPORT_FAILURES as exc:  # sys.exit() at import is a broken plugin, not the end
        # A file the system refuses (unreadable, gone) in words, not as a traceback's last line.
        error = (_("{file}: {reason}").format(file=exc.filename, reason=os_reason(exc))
                 if isinstance(exc, OSError) and exc.filename else _plugins.format_exception(exc))
        raise PluginError(_("plugin {target!r} cannot be imported: {error}").format(
            target=target, error=error), entity="plugin", key=target) from exc


def _module_from_path(path: Path) -> ModuleType:
    file = path / "__init__.py" if path.is_dir() else path
    name = f"_communitycore_checked_{path.stem if path.suffix else path.name}".replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise PluginError(_("{path} is not a Python module").format(path=path), entity="plugin", key=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclass-like decorators look the module up while it executes
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


# Checking a plugin ----------------------------------------------------------------------------


def plugin_problems(plugin: object, *, name: str | None = None, builtins: bool = True) -> list[str]:
    """Everything wrong with ``plugin``, one line each; an empty list for a good plugin.

    The plugin is registered beside the builtins (unless ``builtins=False``), as the host
    would, and checked for:

    * spec validation: each ``@hookimpl`` names a known hook and takes only that hook's
      arguments (``check_pending`` catches a misspelled hook name);
    * hook-like functions that pluggy would silently ignore (``communitycore_*`` without
      ``@hookimpl``);
    * records: each registration hook returns a list of the right record type, every record
      passes its attrs validators, and its references resolve (a programme's category, a unit
      kind's parents, a meeting type's ``applies_to``, a scheme's facts, a roster's scheme);
    * conflicts: a code the builtins already use, without ``replaces=``;
    * round trip: every record survives :func:`communitycore.serialize.unstructure` then
      :func:`~communitycore.serialize.structure` unchanged;
    * computation hooks do not fail on an empty batch.
    """
    from communitycore.plugins.registry import Registry

    name = name or _plugins._plugin_name(plugin)
    problems: list[str] = []
    problems.extend(_unmarked_hooks(plugin))
    pm = _plugins.make_plugin_manager(builtins=builtins, autoload=False, strict=False)
    registered = pm.get_name(plugin)  # a builtin checked by name is in already
    if registered is not None:
        name = registered
    else:
        if pm.get_plugin(name) is not None:
            name = f"{name} (checked)"  # a builtin checked from a path: keep both names apart
        try:
            pm.register(plugin, name=name)
            pm.check_pending()
        except Exception as exc:
            problems.append(f"does not register: {exc}")
            return problems
        pm.info[name] = _plugins.PluginInfo(name, None, None, False)
    own_hooks = {caller.name for caller in pm.get_hookcallers(plugin) or []}
    alone = _alone(plugin, name)
    records = _own_records(alone, own_hooks)
    with warnings.catch_warnings():
        # Problems are collected below; the registry's warnings would only say them twice.
        warnings.simplefilter("ignore", _plugins.PluginWarning)
        registry = Registry(pm)
        problems.extend(f"hook failed: {e.error}" for e in pm.load_errors if e.plugin == name)
        problems.extend(p.message for p in registry.problems)
        problems.extend(_scheme_references(registry, name))
        problems.extend(_smoke_computation_hooks(alone, own_hooks, registry))
    for record in records:
        problems.extend(_record_problems(record))
    return list(dict.fromkeys(problems))  # the same problem can surface twice; say it once


def check_plugin(plugin: object, *, name: str | None = None, builtins: bool = True) -> None:
    """Assert that ``plugin`` is a well-formed communitycore plugin; see :func:`plugin_problems`.

    Raises :class:`PluginCheckError` (an ``AssertionError``) listing every problem at once.
    """
    shown = name or _plugins._plugin_name(plugin)
    problems = plugin_problems(plugin, name=name, builtins=builtins)
    if problems:
        raise PluginCheckError(shown, problems)


def _unmarked_hooks(plugin: object) -> list[str]:
    """Functions that look like hooks but lack ``@hookimpl``: pluggy skips them without a word."""
    from communitycore.plugins import hookspecs

    known = {n for n in dir(hookspecs) if n.startswith(_PREFIX)}
    out = []
    for attr in dir(plugin):
        if not attr.startswith(_PREFIX):
            continue
        value = getattr(plugin, attr, None)
        if not callable(value) or hasattr(value, f"{PROJECT}_impl"):
            continue
        if attr in known:
            out.append(f"{attr} is not marked with @hookimpl, so it is never called")
        else:
            out.append(f"{attr} looks like a hook but is not one (misspelled?) and has no @hookimpl")
    return out


def _alone(plugin: object, name: str) -> _plugins.CommunityPluginManager:
    """A manager holding only ``plugin``: its hooks called through pluggy give its own answers, raw."""
    pm = _plugins.CommunityPluginManager()
    pm.register(plugin, name=name)
    return pm


def _own_records(alone: _plugins.CommunityPluginManager, own_hooks: set[str]) -> list[_Contributed]:
    """The plugin's records as it returns them, before the registry drops any."""
    records: list[_Contributed] = []
    for hook_name, family in _REGISTRATION_HOOKS.items():
        if hook_name not in own_hooks:
            continue
        record_type = _RECORD_TYPES[family]
        try:
            answers = getattr(alone.hook, hook_name)()
        except _plugins.CALL_FAILURES:
            continue  # the registry reports the failure with the plugin's name
        for value in answers:
            if isinstance(value, (list, tuple)):
                records.extend(r for r in value if isinstance(r, record_type))
    return records


def _record_problems(record: _Contributed) -> list[str]:
    from communitycore.serialize import explain, structure, unstructure

    what = f"{type(record).__name__} {getattr(record, 'code', '?')!r}"
    out = []
    try:
        _validate_deep(record)
    except Exception as exc:
        out.append(f"{what} is invalid: {exc}")
        return out
    try:
        back = structure(unstructure(record), type(record))
    except Exception as exc:
        out.extend(f"{what} does not round-trip through the converter: {line}" for line in explain(exc))
        return out
    if back != record:
        out.append(f"{what} changes in a round trip through the converter: {record!r} came back as {back!r}")
    return out


def _validate_deep(value: object) -> None:
    """Run attrs validators again, nested records included (``object.__setattr__`` skips them)."""
    if attrs.has(type(value)):
        attrs.validate(value)  # type: ignore[arg-type]
        for field in attrs.fields(type(value)):  # type: ignore[arg-type]
            _validate_deep(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            _validate_deep(item)


def _scheme_references(registry: Any, name: str) -> list[str]:
    """Facts named by scoring schemes and schemes named by roster programmes must be registered."""
    out = []
    facts = registry.facts
    for code, scheme in registry.scoring_schemes.items():
        if registry.provider("scoring_schemes", code) != name:
            continue
        named = [item.fact for item in scheme.items] + list(scheme.vetoes)
        unknown = sorted({f for f in named if f not in facts})
        if unknown:
            out.append(f"scoring scheme {code!r} from {name} names unknown facts {unknown}")
        for band in scheme.bands:
            share = band.share
            if share is not None and not 0 < share <= 1:
                out.append(
                    f"scoring scheme {code!r}: grade {band.grade!r} has quota {band.quota}; use a share in (0, 1]"
                )
    for code, program in registry.roster_programs.items():
        if registry.provider("roster_programs", code) != name:
            continue
        if program.scoring_scheme is not None and program.scoring_scheme not in registry.scoring_schemes:
            out.append(f"roster programme {code!r} from {name} names unknown scoring scheme {program.scoring_scheme!r}")
    return out


def _smoke_computation_hooks(alone: _plugins.CommunityPluginManager, own_hooks: set[str],
                             registry: Any) -> list[str]:
    """Call the plugin's batch hooks on an empty batch: they must answer with a list, not fail."""
    calls: dict[str, list[dict[str, Any]]] = {
        "communitycore_check_units": [{"units": [], "kinds": registry.unit_kinds, "today": FIXED_NOW.date()}],
        "communitycore_score": [
            {"scheme": scheme, "period": "2026", "subjects": [], "facts": {}}
            for scheme in [*registry.scoring_schemes.values(), _PROBE_SCHEME]
        ],
    }
    out = []
    for hook_name, batches in calls.items():
        if hook_name not in own_hooks:
            continue
        for kwargs in batches:
            try:
                answers = getattr(alone.hook, hook_name)(**kwargs)
            except _plugins.CALL_FAILURES as exc:
                out.append(f"{hook_name} fails on an empty batch: {_plugins.format_exception(exc)}")
                break
            bad = [value for value in answers if not isinstance(value, (list, tuple))]
            if bad:
                out.append(f"{hook_name} returned {type(bad[0]).__name__}, not a list")
                break
            if hook_name == "communitycore_score" and any(answers):
                out.append(f"{hook_name} returned score lines for an empty batch of subjects")
                break
    if "communitycore_register_commands" in own_hooks:
        import click

        try:
            alone.hook.communitycore_register_commands(cli=click.Group("community"))
        except _plugins.CALL_FAILURES as exc:
            out.append(f"communitycore_register_commands fails: {_plugins.format_exception(exc)}")
    return out


# Checking a plugin's translations -------------------------------------------------------------

#: A character of Chinese text (CJK ideographs and punctuation, full-width forms).
_CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: What a help page may change in a text: the wrapping, and click's ``\b`` marks.
_LAYOUT = re.compile(r"[\s\x08\f]+")


def translation_problems(plugin: ModuleType) -> list[str]:
    """Everything wrong with the translations ``plugin`` ships, one line each; empty when there is none.

    ``plugin`` is the plugin's package (``import communitycore_mytown``); its gettext domain is the
    package's name. Run it from a source checkout, or an install that holds the ``.po`` files, with
    Babel installed (communitycore's ``test`` extra). It checks, as the host's own tests check
    communitycore's catalog:

    * that the package registers its catalog, ``add_catalog("<package>", <package>/locale)``
      (:func:`communitycore.i18n.add_catalog`);
    * each catalog (``locale/zh_CN/LC_MESSAGES/<package>.po``) against the messages the source
      marks: none missing or no longer in the source, none untranslated or fuzzy, placeholders
      kept, the ``.mo`` compiled from the ``.po`` as it is now;
    * that no message a person reads is left unmarked in the package;
    * the help page of every command the plugin adds, as the host shows it: in the default
      language each help text (a command's, an option's) is translated, that is it differs from
      the English and holds Chinese, and is shown so; with ``--lang en`` it is shown as written.
    """
    from communitycore import i18n, i18n_tools

    domain = i18n_tools.plugin_domain(sys.modules[plugin.__name__.partition(".")[0]])
    problems: list[str] = []
    registered = i18n.catalogs().get(domain.name)
    if registered is None or Path(registered).resolve() != domain.locale_dir:
        problems.append(f"the catalog is not registered: call communitycore.i18n.add_catalog({domain.name!r}, "
                        f"Path(__file__).with_name('locale')) in the package's __init__.py")
    template = i18n_tools.extract(domain)
    for locale in i18n_tools.LOCALES:
        problems.extend(i18n_tools.catalog_problems(template, locale, domain=domain))
    problems.extend(f"{item.path.name}:{item.line}: {item.kind}: {item.text}"
                    for item in i18n_tools.unwrapped([domain.package_dir]))
    problems.extend(_help_problems(plugin))
    return problems


def check_translations(plugin: ModuleType) -> None:
    """Assert that the translations ``plugin`` ships are complete; see :func:`translation_problems`.

    Raises :class:`PluginCheckError` (an ``AssertionError``) listing every problem at once.
    """
    problems = translation_problems(plugin)
    if problems:
        raise PluginCheckError(_plugins._plugin_name(plugin), problems)


def _help_problems(plugin: object) -> list[str]:
    """The help texts of the commands ``plugin`` adds that are not translated, or not shown as they should be."""
    from click.testing import CliRunner

    from communitycore.cli import make_cli
    from communitycore.cli.state import AppState, command_tree
    from communitycore.i18n import LANGUAGES, language, translate_help

    host = command_tree(make_cli(AppState(pm=make_plugin_manager())))
    state = AppState(pm=make_plugin_manager(plugin))
    cli = make_cli(state)
    own = {path: command for path, command in command_tree(cli).items() if path not in host}
    problems: list[str] = []
    # The default language: no --lang, no COMMUNITYCORE_LANG, a config file that sets nothing.
    runner = CliRunner(env={"COMMUNITYCORE_LANG": None, "COMMUNITYCORE_CONFIG": None})
    with tempfile.TemporaryDirectory() as folder:
        config = str(Path(folder) / "community.toml")
        Path(config).write_text("", encoding="utf-8")
        for path, command in sorted(own.items()):
            shown = " ".join(path)
            default = runner.invoke(cli, ["--config", config, *path, "--help"], obj=state)
            english = runner.invoke(cli, ["--config", config, "--lang", "en", *path, "--help"], obj=state)
            if default.exit_code or english.exit_code:
                problems.append(f"community {shown} --help fails: {default.output or english.output}")
                continue
            texts = [("the help", command.help, True), ("the short help", command.short_help, False),
                     ("the epilog", command.epilog, True)]
            texts += [(f"the help of {param.opts[0]}", getattr(param, "help", None), True) for param in command.params]
            for what, text, on_page in texts:
                if not text:
                    continue
                with language("en"):
                    written = translate_help(text) or ""
                with language(LANGUAGES[0]):
                    translated = translate_help(text) or ""
                if _LAYOUT.sub("", translated) == _LAYOUT.sub("", written) or not _CJK.search(translated):
                    problems.append(f"community {shown}: {what} is not translated: {written!r}")
                elif on_page and _LAYOUT.sub("", translated) not in _LAYOUT.sub("", default.output):
                    problems.append(f"community {shown} --help does not show {what} translated: {translated!r}")
                if on_page and _LAYOUT.sub("", written) not in _LAYOUT.sub("", english.output):
                    problems.append(f"community --lang en {shown} --help does not show {what}: {written!r}")
    return problems


__all__ = [
    "FIXED_NOW",
    "PluginCheckError",
    "check_plugin",
    "check_translations",
    "load_plugin",
    "make_plugin_manager",
    "open_test_community",
    "plugin_problems",
    "translation_problems",
]
