"""The plugin-manager factory: builtins first, then entry points, each loaded in isolation.

There is no global manager and nothing is loaded at import time: every :class:`Community` and
every CLI run asks :func:`make_plugin_manager` for its own.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import os
import traceback
import warnings
from collections.abc import Iterable, Iterator, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from communitycore.errors import PluginError
from communitycore.i18n import _
from communitycore.plugins import hookspecs
from communitycore.plugins.markers import PROJECT

if TYPE_CHECKING:
    from pluggy import HookImpl

ENTRY_POINT_GROUP = PROJECT

#: Builtin plugins by name, in registration order. National rules are plugins like any other.
BUILTINS: dict[str, str] = {
    "core": "communitycore.builtin.core",
    "national-org": "communitycore.builtin.national_org",
    "national-meetings": "communitycore.builtin.national_meetings",
    "national-services": "communitycore.builtin.national_services",
    "national-assessments": "communitycore.builtin.national_assessments",
    "national-recruitment": "communitycore.builtin.national_recruitment",
    "national-dues": "communitycore.builtin.national_dues",
    "national-rosters": "communitycore.builtin.national_rosters",
    "roles": "communitycore.builtin.roles",
}
#: Builtins the library cannot work without; blocking one is refused.
ESSENTIAL = frozenset({"core", "roles"})


class PluginWarning(UserWarning):
    """Something a plugin did was refused or failed; the host went on without it."""


class PluginLoadWarning(PluginWarning):
    """A plugin could not be loaded (or its name was taken) and was left out."""


class PluginCallWarning(PluginWarning):
    """A plugin failed during a hook call, or answered with the wrong type; its answer was dropped."""


#: What an entry point may not point at: values, not plugins (a typo in ``module:attribute``).
_NOT_PLUGINS: tuple[type, ...] = (str, bytes, int, float, list, tuple, dict, set, frozenset)
#: What a plugin may raise in a hook call without taking the host down. ``KeyboardInterrupt`` is
#: not among them: during a call it is almost always the person pressing Ctrl-C.
CALL_FAILURES: tuple[type[BaseException], ...] = (Exception, SystemExit)
#: What a plugin may raise while it is imported: a plugin calling ``sys.exit()`` or raising
#: ``KeyboardInterrupt`` at import time is left out like any other broken plugin.
IMPORT_FAILURES: tuple[type[BaseException], ...] = (Exception, SystemExit, KeyboardInterrupt)


@attrs.frozen
class LoadError:
    """A plugin that was left out, and why.

    ``hook`` is ``None`` when it failed to load or register, else the hook whose call it failed
    (the plugin is then disabled for the rest of the process).
    """

    plugin: str
    distribution: str | None
    error: str
    hook: str | None = None


@attrs.frozen
class PluginInfo:
    """Where a registered plugin came from."""

    name: str
    distribution: str | None
    version: str | None
    builtin: bool


@attrs.frozen
class Answer:
    """One plugin's answer to a hook call made by :meth:`CommunityPluginManager.call_each`.

    ``results`` is what pluggy returned for the call of that plugin's implementation, as a list:
    normally one value (none if it returned ``None``); a wrapper may have changed it. ``failed``
    says the call raised; the failure has been reported and ``results`` is empty.
    """

    plugin: str
    results: list[Any]
    failed: bool = False


class CommunityPluginManager(pluggy.PluginManager):
    """A pluggy manager that also remembers load errors and where each plugin came from.

    Hooks are called through pluggy (``hook``, ``subset_hook_caller``), so wrappers,
    ``tryfirst``/``trylast`` and *firstresult* behave as pluggy documents. :meth:`call_each` and
    :meth:`notify` add what a host needs on top: each answer paired with its plugin, and a
    failing plugin named and left out instead of failing the call (see
    ``docs/decisions/0020-hook-calls.md``).
    """

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(hookspecs)
        self.load_errors: list[LoadError] = []
        self.info: dict[str, PluginInfo] = {}
        self.strict = False

    # Loading ------------------------------------------------------------------------------------

    def report(self, name: str, distribution: str | None, exc: BaseException) -> None:
        """Record a plugin that could not be loaded, warn with its name, or re-raise in strict mode."""
        if self.strict:
            if isinstance(exc, PluginError):
                raise exc
            raise PluginError(_("plugin {name!r} failed: {error}").format(name=name, error=exc)) from exc
        # Our own refusals already say what happened; anything else is shown with where it was raised.
        message = str(exc) if isinstance(exc, PluginError) else format_exception(exc)
        self.load_errors.append(LoadError(name, distribution, message))
        warnings.warn(
            _("communitycore plugin {name!r} was left out: {error}").format(name=name, error=message),
            PluginLoadWarning,
            stacklevel=3,
        )

    def describe(self, name: str) -> str:
        """A registered plugin as a message names it: builtin, or with its distribution."""
        info = self.info.get(name)
        if info is not None and info.builtin:
            return _("the builtin plugin {name!r}").format(name=name)
        if info is not None and info.distribution:
            return _("the plugin {name!r} of the distribution {distribution}").format(
                name=name, distribution=_dist_text(info.distribution, info.version))
        return _("the plugin {name!r}").format(name=name)

    def name_taken(self, name: str, origin: str) -> PluginError | None:
        """The error for a newcomer whose name a registered plugin already has, else ``None``.

        ``origin`` says where the newcomer comes from (its distribution, or the object given).
        """
        if not self.has_plugin(name):
            return None
        return PluginError(_(
            "plugin {name!r} from {origin} is refused: the name is taken by {holder}, which stays. "
            "Give the newcomer another name (its entry point's name, or its `name` attribute)"
        ).format(name=name, origin=origin, holder=self.describe(name)))

    def register_checked(
        self, plugin: object, name: str, *, distribution: str | None = None,
        version: str | None = None, builtin: bool = False,
    ) -> bool:
        """Register one plugin; report it (never another plugin) if it cannot be registered.

        A blocked name is skipped without a word. A name that is taken, by a builtin or another
        plugin, is refused, naming both; the plugin that was there first stays. A bad hookimpl
        or a misspelled hook name (``check_pending``) is reported and the newcomer removed again.
        """
        if self.is_blocked(name):
            return False
        origin = _dist_label(distribution, version) if distribution else _object_label(plugin)
        taken = self.name_taken(name, origin)
        if taken is None and self.is_registered(plugin):
            taken = PluginError(_("plugin {name!r} from {origin} is refused: the same object is already "
                                  "registered as {holder}").format(
                name=name, origin=origin, holder=self.describe(self.get_name(plugin) or "?")))
        if taken is not None:
            self.report(name, distribution, taken)
            return False
        try:
            self.register(plugin, name=name)
            self.check_pending()
        except CALL_FAILURES as exc:  # a broken plugin must not take the host down
            if self.get_plugin(name) is plugin:
                self.unregister(name=name)
            self.report(name, distribution, exc)
            return False
        self.info[name] = PluginInfo(name, distribution, version, builtin)
        return True

    # Calling ------------------------------------------------------------------------------------

    def call_each(self, hook_name: str, /, **kwargs: Any) -> Iterator[Answer]:
        """Call a hook once per implementing plugin, in pluggy's order, yielding each plugin's answer.

        Each call goes through ``subset_hook_caller``, leaving out the other plugins'
        implementations but keeping every wrapper: a wrapper runs around each plugin's
        implementation and sees (and may change) that plugin's answer. For a *firstresult*
        hook the caller stops iterating at the answer it accepts.

        A plugin whose call raises is reported with its name and disabled for the rest of the
        process (:meth:`disable_failed`); its answer is marked ``failed``. If a wrapper raised
        instead, the wrapper's plugin is disabled and the plugin is asked again without it. In
        strict mode the failure is raised as :class:`~communitycore.errors.PluginError`.
        """
        caller = getattr(self.hook, hook_name)
        firstresult = bool(caller.spec is not None and caller.spec.opts.get("firstresult"))
        # pluggy's own call order: tryfirst, then the last registered first, then trylast.
        providers: list[object] = []
        for impl in reversed(caller.get_hookimpls()):
            if not (impl.wrapper or impl.hookwrapper) and not any(p is impl.plugin for p in providers):
                providers.append(impl.plugin)
        for plugin in providers:
            name = self.get_name(plugin)
            if name is None:  # disabled after failing earlier in this call
                continue
            others = [p for p in providers if p is not plugin]
            for _attempt in range(len(caller.get_hookimpls()) + 1):
                subset = self.subset_hook_caller(hook_name, remove_plugins=others)
                impls = subset.get_hookimpls()
                try:
                    value = subset(**kwargs)
                except CALL_FAILURES as exc:
                    culprit = _culprit(exc, impls, prefer=plugin)
                    failed = culprit.plugin if culprit is not None else plugin
                    self.disable_failed(self.get_name(failed) or name, hook_name, exc)
                    if failed is plugin:
                        yield Answer(name, [], failed=True)
                        break
                    continue  # a wrapper failed: ask the plugin again without it
                if firstresult:
                    results = [] if value is None else [value]
                else:
                    results = value if isinstance(value, list) else [value]
                yield Answer(name, results)
                break

    def notify(self, hook_name: str, context: str | None = None, /, *, disable: bool = True,
               **kwargs: Any) -> list[tuple[str, BaseException]]:
        """Call a notification hook once, through pluggy, so each wrapper sees the call once.

        pluggy stops a call at the first implementation that raises. The plugin that raised
        (found from the traceback) is reported and, with ``disable``, disabled for the rest of the
        process; the call is made again for the implementations not yet reached; if a wrapper
        raised, again for all of them (at least once, as events are). ``context`` is added to the
        warning (``"event unit.add"``). Returns the failures, as (plugin name, error) pairs.
        """
        told: set[object] = set()
        failures: list[tuple[str, BaseException]] = []
        for _attempt in range(len(getattr(self.hook, hook_name).get_hookimpls()) + 1):
            caller = self.subset_hook_caller(hook_name, remove_plugins=told)
            impls = caller.get_hookimpls()
            if not impls:
                return failures
            try:
                caller(**kwargs)
                return failures
            except CALL_FAILURES as exc:
                culprit = _culprit(exc, impls)
                if culprit is None:  # not in a plugin's own code (a wrapper that never yielded, say)
                    if self.strict:
                        raise PluginError(_("{hook} failed: {error}").format(hook=hook_name, error=exc)) from exc
                    warnings.warn(_("a communitycore plugin failed in {hook}: {error}").format(
                        hook=hook_name, error=format_exception(exc)), PluginCallWarning, stacklevel=3)
                    failures.append(("?", exc))
                    return failures
                failures.append((culprit.plugin_name, exc))
                if disable or culprit.wrapper or culprit.hookwrapper:  # a broken wrapper would fail every call
                    self.disable_failed(culprit.plugin_name, hook_name, exc, context)
                else:
                    self.report_failed(culprit.plugin_name, hook_name, exc, context)
                order = [impl for impl in reversed(impls) if not (impl.wrapper or impl.hookwrapper)]
                if culprit in order:  # pluggy had called the ones before it
                    told.update(impl.plugin for impl in order[: order.index(culprit)])
                told.add(culprit.plugin)
        return failures

    def disable_failed(self, name: str, hook_name: str, exc: BaseException, context: str | None = None) -> None:
        """Report a plugin that raised in a hook call and disable it for the rest of the process.

        It is unregistered and its name blocked (``set_blocked``), so it is not called again and
        cannot be registered again under that name; the failure is kept in ``load_errors``
        with the hook's name. In strict mode the failure is raised instead.
        """
        where = f"{hook_name} ({context})" if context else hook_name
        if self.strict:
            raise PluginError(_("plugin {name!r} failed in {hook}: {error}").format(
                name=name, hook=where, error=exc)) from exc
        message = format_exception(exc)
        info = self.info.get(name)
        self.set_blocked(name)
        self.load_errors.append(LoadError(name, info.distribution if info else None, message, hook=hook_name))
        warnings.warn(
            _("communitycore plugin {name!r} failed in {hook} and is disabled for the rest of this "
              "process: {error}").format(name=name, hook=where, error=message),
            PluginCallWarning,
            stacklevel=4,
        )

    def report_failed(self, name: str, hook_name: str, exc: BaseException, context: str | None = None) -> None:
        """Report a plugin that raised in a hook call, and keep it: the caller will call it again.

        Event listeners are kept this way, since their event stays pending in the outbox and a
        later dispatch retries it. In strict mode the failure is raised instead.
        """
        where = f"{hook_name} ({context})" if context else hook_name
        if self.strict:
            raise PluginError(_("plugin {name!r} failed in {hook}: {error}").format(
                name=name, hook=where, error=exc)) from exc
        warnings.warn(_("communitycore plugin {name!r} failed in {hook}: {error}").format(
            name=name, hook=where, error=format_exception(exc)), PluginCallWarning, stacklevel=4)

    def refuse(self, name: str, message: str) -> None:
        """Warn that a plugin's answer (or part of it) was refused; ``message`` says what and why.

        For answers of the wrong kind, or commands that would replace others. The plugin stays
        enabled: the answer was refused, not the plugin. In strict mode this raises
        :class:`~communitycore.errors.PluginError`.
        """
        text = _("communitycore plugin {name!r}: {problem}").format(name=name, problem=message)
        if self.strict:
            raise PluginError(text)
        warnings.warn(text, PluginCallWarning, stacklevel=4)


def _culprit(exc: BaseException, impls: Sequence[HookImpl], prefer: object = None) -> HookImpl | None:
    """The implementation whose own code raised ``exc``: the innermost of its frames in the traceback.

    A wrapper that lets an exception pass shows in the traceback too, but further out than the
    implementation that raised it. Two implementations with the same code (two instances of one
    class) are told apart by the frame's ``self``; ``prefer`` breaks a remaining tie.
    """
    by_code: dict[Any, list[HookImpl]] = {}
    for impl in impls:
        code = getattr(getattr(impl.function, "__func__", impl.function), "__code__", None)
        by_code.setdefault(code, []).append(impl)
    found: HookImpl | None = None
    tb = exc.__traceback__
    while tb is not None:
        candidates = by_code.get(tb.tb_frame.f_code)
        if candidates:
            if len(candidates) > 1:
                owner = tb.tb_frame.f_locals.get("self")
                candidates = ([c for c in candidates if c.plugin is owner]
                              or [c for c in candidates if c.plugin is prefer] or candidates)
            found = candidates[0]
        tb = tb.tb_next
    return found


def _dist_text(distribution: str, version: str | None) -> str:
    return f"{distribution} {version}" if version else distribution


def _dist_label(distribution: str, version: str | None) -> str:
    return _("the distribution {distribution}").format(distribution=_dist_text(distribution, version))


def _object_label(plugin: object) -> str:
    if isinstance(plugin, ModuleType):
        return _("the module {module}").format(module=plugin.__name__)
    kind = type(plugin)
    return _("an object of class {cls}").format(cls=f"{kind.__module__}.{kind.__qualname__}")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _entry_points() -> list[md.EntryPoint]:
    # The same distribution can be visible twice (a lib64 link to lib, say): keep one of each.
    seen: set[tuple[str, str]] = set()
    unique = []
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        key = (ep.name, ep.value)
        if key not in seen:
            seen.add(key)
            unique.append(ep)
    return sorted(unique, key=lambda ep: ep.name)


def check_blocked(blocked: Iterable[str]) -> frozenset[str]:
    """Validate a block list; blocking an essential builtin is refused."""
    names = frozenset(blocked)
    essential = sorted(names & ESSENTIAL)
    if essential:
        raise PluginError(_(
            "plugin {name!r} is essential to communitycore and cannot be disabled; "
            "to change its records, register records with replaces= in your own plugin"
        ).format(name=essential[0]))
    return names


def make_plugin_manager(
    *plugins: object,
    builtins: bool = True,
    autoload: bool | None = None,
    blocked: Iterable[str] = (),
    strict: bool | None = None,
) -> CommunityPluginManager:
    """Build a plugin manager.

    :param plugins: extra plugin objects (modules or instances) to register, after the builtins.
    :param builtins: register the national builtin plugins (the essential ``core`` always is).
    :param autoload: load the ``communitycore`` entry points; default: yes, unless
        ``COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD=1``.
    :param blocked: plugin names to leave out (builtin or installed), blocked with pluggy's
        ``set_blocked``: a later ``register`` under such a name is ignored too.
    :param strict: re-raise a plugin's failure instead of reporting it; default from
        ``COMMUNITYCORE_STRICT_PLUGINS=1``.
    """
    blocked_names = check_blocked(blocked)
    if autoload is None:
        autoload = not _env_flag("COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD")
    pm = CommunityPluginManager()
    pm.strict = _env_flag("COMMUNITYCORE_STRICT_PLUGINS") if strict is None else strict
    for name in sorted(blocked_names):
        pm.set_blocked(name)  # pluggy's own block: a later register() under the name is ignored too
    for name, module_name in BUILTINS.items():
        if pm.is_blocked(name) or (not builtins and name not in ESSENTIAL):
            continue
        pm.register_checked(importlib.import_module(module_name), name, builtin=True)
    for plugin in plugins:
        pm.register_checked(plugin, _plugin_name(plugin))
    if autoload:
        for ep in _entry_points():
            if pm.is_blocked(ep.name):
                continue
            dist = ep.dist.name if ep.dist else None
            version = ep.dist.version if ep.dist else None
            taken = pm.name_taken(ep.name, _dist_label(dist, version) if dist else ep.value)
            if taken is not None:  # refused before it is imported: its code never runs
                pm.report(ep.name, dist, taken)
                continue
            try:
                loaded = ep.load()
            except IMPORT_FAILURES as exc:
                pm.report(ep.name, dist, exc)
                continue
            if loaded is None or isinstance(loaded, _NOT_PLUGINS):
                pm.report(ep.name, dist, PluginError(_(
                    "plugin {name!r}: its entry point {target} gives {type}, not a module, class or object "
                    "with hook implementations").format(name=ep.name, target=ep.value,
                                                        type=type(loaded).__name__)))
                continue
            pm.register_checked(loaded, ep.name, distribution=dist, version=version)
    return pm


def _plugin_name(plugin: object) -> str:
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    name = getattr(plugin, "name", None) or getattr(plugin, "__name__", None)
    return str(name) if name else f"{type(plugin).__name__}-{id(plugin):x}"


def hooks_of(pm: pluggy.PluginManager, plugin_name: str) -> list[str]:
    """The hook names a registered plugin implements, sorted."""
    plugin = pm.get_plugin(plugin_name)
    if plugin is None:
        return []
    return sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])


def format_exception(exc: BaseException) -> str:
    """One line for a plugin failure, with the innermost frame that raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"
