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
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import attrs
import pluggy

from communitycore.errors import PluginError
from communitycore.plugins import hookspecs
from communitycore.plugins.markers import PROJECT

ENTRY_POINT_GROUP = PROJECT

#: Builtin plugins by name, in registration order. National rules are plugins like any other.
BUILTINS: dict[str, str] = {
    "core": "communitycore.builtin.core",
    "national-org": "communitycore.builtin.national_org",
    "national-meetings": "communitycore.builtin.national_meetings",
    "national-services": "communitycore.builtin.national_services",
}
#: Builtins the library cannot work without; blocking one is refused.
ESSENTIAL = frozenset({"core"})


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded and was left out."""


@attrs.frozen
class LoadError:
    """A plugin that was left out, and why."""

    plugin: str
    distribution: str | None
    error: str


@attrs.frozen
class PluginInfo:
    """Where a registered plugin came from."""

    name: str
    distribution: str | None
    version: str | None
    builtin: bool


class CommunityPluginManager(pluggy.PluginManager):
    """A pluggy manager that also remembers load errors and where each plugin came from."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(hookspecs)
        self.load_errors: list[LoadError] = []
        self.info: dict[str, PluginInfo] = {}
        self.strict = False

    def report(self, name: str, distribution: str | None, exc: BaseException) -> None:
        """Record a plugin that failed, warn with its name, or re-raise in strict mode."""
        if self.strict:
            raise PluginError(f"plugin {name!r} failed: {exc}") from exc
        message = format_exception(exc)
        self.load_errors.append(LoadError(name, distribution, message))
        warnings.warn(
            f"communitycore plugin {name!r} was left out: {message}",
            PluginLoadWarning,
            stacklevel=3,
        )

    def register_checked(
        self, plugin: object, name: str, *, distribution: str | None = None,
        version: str | None = None, builtin: bool = False,
    ) -> bool:
        """Register one plugin; on a bad hookimpl or misspelled hook, unregister and report it."""
        try:
            self.register(plugin, name=name)
            self.check_pending()
        except Exception as exc:  # a broken plugin must not take the host down
            if self.get_plugin(name) is not None:
                self.unregister(name=name)
            self.report(name, distribution, exc)
            return False
        self.info[name] = PluginInfo(name, distribution, version, builtin)
        return True


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
        raise PluginError(
            f"plugin {essential[0]!r} is essential to communitycore and cannot be disabled; "
            "to change its records, register records with replaces= in your own plugin"
        )
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
    :param blocked: plugin names to leave out (builtin or installed).
    :param strict: re-raise a plugin's failure instead of reporting it; default from
        ``COMMUNITYCORE_STRICT_PLUGINS=1``.
    """
    blocked_names = check_blocked(blocked)
    if autoload is None:
        autoload = not _env_flag("COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD")
    pm = CommunityPluginManager()
    pm.strict = _env_flag("COMMUNITYCORE_STRICT_PLUGINS") if strict is None else strict
    for name, module_name in BUILTINS.items():
        if name in blocked_names or (not builtins and name not in ESSENTIAL):
            continue
        pm.register_checked(importlib.import_module(module_name), name, builtin=True)
    for plugin in plugins:
        name = _plugin_name(plugin)
        if name not in blocked_names:
            pm.register_checked(plugin, name)
    if autoload:
        for ep in _entry_points():
            if ep.name in blocked_names or pm.get_plugin(ep.name) is not None:
                continue
            dist = ep.dist.name if ep.dist else None
            version = ep.dist.version if ep.dist else None
            try:
                loaded = ep.load()
            except Exception as exc:
                pm.report(ep.name, dist, exc)
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


def call_isolated(pm: CommunityPluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call each implementation of a hook on its own, pairing results with the plugin's name.

    A failing implementation is reported by name and its result left out. Used for the
    registration and computation hooks, where provenance matters and one bad plugin must not
    spoil the others' results.
    """
    caller = getattr(pm.hook, hook_name)
    results = []
    for impl in reversed(caller.get_hookimpls()):  # tryfirst/trylast honoured; callers needing order sort
        args = {name: kwargs[name] for name in impl.argnames}
        try:
            value = impl.function(**args)
        except Exception as exc:
            info = pm.info.get(impl.plugin_name)
            pm.report(impl.plugin_name, info.distribution if info else None, exc)
            continue
        if value is not None:
            results.append((impl.plugin_name, value))
    return results
