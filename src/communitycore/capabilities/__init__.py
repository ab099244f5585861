"""The capabilities, each declared once: what the facade, the files, settings, unit removal and the CLI iterate.

A capability (the org tree, members, residents, the audit trail; meetings, assessments, services,
rosters …) is one :class:`Capability` in a module of this package, and one line in
:data:`MODULES`. Nothing else lists capabilities: :class:`~communitycore.sdk.community.Community`
builds its sub-APIs from them, the JSON exchange writes and reads their sections, settings and
their defaults come from them, unit removal asks each whether it refuses or cascades, and the CLI
adds their command groups.

A declaration is plain data. What it names in a heavier layer (the sub-API class, the table
module, export sections, unit links, command groups) it names by import path (``module:attribute``),
resolved on first use, so that reading the declarations costs no SQLAlchemy import and
``community --help`` stays instant. Its settings' parsers and defaults that live in its domain
module are named the same way (:func:`lazy`, :func:`lazy_default`), so that
a command of one capability does not import the domain modules of all the others.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import attrs

from communitycore.domain.settings import SettingSpec
from communitycore.i18n import _, listing

#: Verbs every capability's actions are made of: ``<capability>.<verb>``.
ACTION_VERBS = ("read", "add", "update", "move", "remove", "reveal", "import", "export", "record", "transition")


def _frozen_labels(value: Mapping[str, tuple[str, str]]) -> tuple[tuple[str, tuple[str, str]], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((str(k), (str(v[0]), str(v[1]))) for k, v in items)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _specs(value: Iterable[SettingSpec]) -> tuple[SettingSpec, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Capability:
    """One capability of the library, declared once."""

    name: str
    """Its code, e.g. ``members``."""
    label: str
    """Its name in Chinese (党员)."""
    label_en: str
    """Its name in English (Members)."""
    api: str | None = None
    """``module:Class`` of its sub-API; the community exposes it as :attr:`attribute`."""
    attribute: str | None = None
    """The :class:`~communitycore.sdk.community.Community` attribute of the sub-API (default: :attr:`name`)."""
    tables: str | None = None
    """The module of its tables under ``communitycore.store.tables`` (or a plugin's own)."""
    sections: str | None = None
    """``module:ATTRIBUTE``, a tuple of export sections (``communitycore.io.exchange.Section``): what an export
    holds of it."""
    unit_links: str | None = None
    """``module:ATTRIBUTE``, a tuple of :class:`~communitycore.store.tables.UnitLink`: its rows that hang off
    units, and whether removing a unit cascades into them, unlinks them or is refused while they exist."""
    settings: tuple[SettingSpec, ...] = attrs.field(default=(), converter=_specs)
    """The settings it reads along the tree, with their defaults."""
    commands: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    """``module:attribute`` of each click command or group it adds to ``community``."""
    labels: tuple[tuple[str, tuple[str, str]], ...] = attrs.field(default=(), converter=_frozen_labels)
    """Display labels of its own fields: ``field -> (中文, English)``. In its own commands' output they
    win over the shared labels of ``communitycore.labels`` (a service's ``category`` is 服务类别
    there, a member's 党员类别 elsewhere)."""
    actions: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    """The actions its calls perform, ``<capability>.<verb>`` (checked by the permission layer)."""
    audited: tuple[tuple[str, tuple[str, str]], ...] = attrs.field(default=(), converter=_frozen_labels)
    """The audit entries its calls write, in words: ``action -> (中文, English)`` (``member.add``:
    新增党员), and the kinds of entity they are about (``member``: 党员). The audit and event
    listings show them beside the codes."""

    @property
    def api_attribute(self) -> str:
        """The community attribute that holds its sub-API."""
        return self.attribute or self.name


def load(path: str) -> Any:
    """The object an import path ``module:attribute`` (or a bare module) names."""
    module_name, _colon, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def lazy(path: str) -> Callable[..., Any]:
    """The function an import path ``module:attribute`` names, imported on its first call.

    A declaration names its domain module's setting parsers this way (``SettingSpec(key,
    lazy("communitycore.domain.services:parse_weights"), ...)``), so that reading the declarations
    imports none of the capabilities' domain modules.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        return load(path)(*args, **kwargs)

    call.__name__ = call.__qualname__ = path.rpartition(":")[2]
    call.__doc__ = f"``{path}``"
    return call


def lazy_default(key: str, path: str) -> Callable[[Any], dict[str, tuple[Any, str]]]:
    """The ``defaults`` of a :class:`~communitycore.domain.settings.SettingSpec` whose default is
    the value an import path ``module:ATTRIBUTE`` names (a copy of it), read when the defaults are."""
    return lambda _registry: {key: (copy.copy(load(path)), "default")}


@cache
def _declared(modules: tuple[str, ...]) -> tuple[Capability, ...]:
    return tuple(load(f"{__name__}.{m}:CAPABILITY") if ":" not in m else load(m) for m in modules)


#: The capabilities, in the order they are set up, exported and listed: one line each.
MODULES: tuple[str, ...] = (
    "org",
    "members",
    "residents",
    "audit",
    "activity",
    "workflows",
    "meetings",
    "services",
    "assessments",
    "rosters",
    "events",
    "grants",
    "recruitment",
    "dues",
    "reports",
)


def declared(extra: Sequence[Capability] = ()) -> tuple[Capability, ...]:
    """Every declared capability (:data:`MODULES`), then ``extra`` (a host's or a test's own)."""
    found = (*_declared(MODULES), *extra)
    names = [c.name for c in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(_("capabilities declared twice: {names}").format(names=listing(duplicates)))
    return found


def setting_specs(capabilities: Sequence[Capability]) -> tuple[SettingSpec, ...]:
    """Every setting the capabilities declare."""
    return tuple(spec for cap in capabilities for spec in cap.settings)


def sections(capabilities: Sequence[Capability]) -> tuple[Any, ...]:
    """Every export section the capabilities declare, in declaration order."""
    return tuple(section for cap in capabilities if cap.sections for section in load(cap.sections))


def unit_links(capabilities: Sequence[Capability]) -> tuple[Any, ...]:
    """Every unit link the capabilities declare (what their rows do when a unit is removed)."""
    return tuple(link for cap in capabilities if cap.unit_links for link in load(cap.unit_links))


def field_labels(capabilities: Sequence[Capability]) -> dict[str, tuple[str, str]]:
    """The display labels the capabilities declare for their own fields."""
    return {field: pair for cap in capabilities for field, pair in cap.labels}


def audit_words(capabilities: Sequence[Capability]) -> dict[str, tuple[str, str]]:
    """The words of the audited actions and entity kinds the capabilities declare (:attr:`Capability.audited`)."""
    return {code: pair for cap in capabilities for code, pair in cap.audited}


__all__ = ["ACTION_VERBS", "MODULES", "Capability", "audit_words", "declared", "field_labels", "lazy",
           "lazy_default", "load", "sections", "setting_specs", "unit_links"]
