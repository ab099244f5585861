"""Settings along the tree: what a unit may set, and how a unit inherits from its ancestors.

Keys are flat and may carry one dotted part (``meeting-cadence.party-lecture``), so inheritance is
simple: the nearest unit on the path that sets a key wins, and every effective value can say
which unit it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from communitycore.errors import InvalidValue
from communitycore.records import Cadence

#: Request deadlines by urgency, in hours (Beijing 12345 draft standard; domain-rules §7).
DEFAULT_DEADLINE_HOURS = {"emergency": 2, "utility": 24, "general": 168, "complex": 360}
#: Volunteer star thresholds in hours (中国社区志愿者; Beijing differs, hence a setting).
DEFAULT_STAR_HOURS = (100, 300, 600, 1000, 1500)


def _slug(value: Any) -> str:
    from communitycore.records import _SLUG

    if not isinstance(value, str) or not _SLUG.match(value):
        raise InvalidValue(f"expected a code such as 'party-lecture', got {value!r}")
    return value


def _slugs(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",") if v.strip()]
    return [_slug(v.strip()) for v in value]


def _cadence(value: Any) -> str:
    try:
        return Cadence(str(value).strip()).value
    except ValueError:
        raise InvalidValue(f"{value!r} is not one of {', '.join(c.value for c in Cadence)}") from None


def _hours(value: Any) -> int:
    try:
        hours = int(value)
    except (TypeError, ValueError):
        raise InvalidValue(f"{value!r} is not a whole number of hours") from None
    if hours <= 0:
        raise InvalidValue("must be more than 0 hours")
    return hours


def _stars(value: Any) -> list[int]:
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    hours = [_hours(v) for v in value]
    if hours != sorted(set(hours)):
        raise InvalidValue("star thresholds must be strictly ascending")
    return hours


@attrs.frozen
class SettingSpec:
    """One settable key (or family of dotted keys) and how its value is parsed."""

    key: str
    parse: Callable[[Any], Any]
    help: str
    dotted: bool = False
    """True for ``key.<code>`` families such as ``meeting-cadence.party-lecture``."""


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("scoring-scheme", _slug, "code of the points scheme that applies to members here"),
    SettingSpec("required-meeting-types", _slugs, "meeting types whose cadence is checked here"),
    SettingSpec("meeting-cadence", _cadence, "cadence of one meeting type, e.g. meeting-cadence.party-lecture",
                dotted=True),
    SettingSpec("request-deadline-hours", _hours,
                "hours to resolve a request of one urgency, e.g. request-deadline-hours.general", dotted=True),
    SettingSpec("volunteer-star-hours", _stars, "service hours for one to five volunteer stars"),
)
_BY_KEY = {spec.key: spec for spec in SPECS}


def parse_setting(key: str, value: Any) -> tuple[str, Any]:
    """Validate a key and its value; returns the normalized pair."""
    base, _, sub = key.strip().partition(".")
    spec = _BY_KEY.get(base)
    if spec is None:
        known = ", ".join(s.key + (".<code>" if s.dotted else "") for s in SPECS)
        raise InvalidValue(f"unknown setting {key!r}; known settings: {known}")
    if spec.dotted and not sub:
        raise InvalidValue(f"setting {base!r} needs a code after a dot, e.g. {base}.<code>")
    if not spec.dotted and sub:
        raise InvalidValue(f"setting {base!r} takes no dotted part")
    if sub:
        _slug(sub)
    return key.strip(), spec.parse(value)


@attrs.frozen
class Effective:
    """A setting's value in force at a unit, and where it came from."""

    key: str
    value: Any
    source: str
    """The path of the unit that set it, or ``default`` / the plugin that supplied the default."""
    unit_id: int | None = None


def resolve(
    chain: Sequence[tuple[int, str, Mapping[str, Any]]], defaults: Mapping[str, tuple[Any, str]]
) -> dict[str, Effective]:
    """Effective settings for the last unit of ``chain`` (root first: id, path, own settings).

    Later (nearer) units override earlier ones; ``defaults`` fill in keys nobody set, as
    ``key -> (value, source)``.
    """
    out = {key: Effective(key, value, source) for key, (value, source) in defaults.items()}
    for unit_id, path, own in chain:
        for key, value in own.items():
            out[key] = Effective(key, value, path, unit_id)
    return dict(sorted(out.items()))
