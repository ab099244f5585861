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
from communitycore.i18n import N_, _, language, listing
from communitycore.records import _SLUG, CADENCE_WORDS

#: Request deadlines by urgency, in hours (Beijing 12345 draft standard; domain-rules §7).
DEFAULT_DEADLINE_HOURS = {"emergency": 2, "utility": 24, "general": 168, "complex": 360}
#: Volunteer star thresholds in hours (中国社区志愿者; Beijing differs, hence a setting).
DEFAULT_STAR_HOURS = (100, 300, 600, 1000, 1500)


def parse_code(value: Any) -> str:
    """A code such as ``party-lecture``."""
    if not isinstance(value, str) or not _SLUG.match(value):
        raise InvalidValue(_("expected a code such as 'party-lecture', got {value!r}").format(value=value))
    return value


def listed(value: Any) -> list[Any]:
    """The items of a list setting: a list as given, or one text split at its commas (, or ，)."""
    if isinstance(value, str):
        return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
    return list(value)


def parse_codes(value: Any) -> list[str]:
    """A list of codes, or one text of codes separated by commas."""
    return [parse_code(str(v).strip()) for v in listed(value)]


def from_words(text: Any, codes: Sequence[str], describe: Callable[[str], str]) -> str | None:
    """The code among ``codes`` whose words, in Chinese or in English, ``text`` is: a value typed as a
    listing shows it (每季度 for ``quarterly``). ``None`` when it is none of them."""
    if not isinstance(text, str) or not text.strip():
        return None
    wanted = text.strip().casefold()
    for lang in ("zh", "en"):
        with language(lang):
            for code in codes:
                if describe(code).casefold() == wanted:
                    return code
    return None


def in_words(code: Any, words: Mapping[str, str]) -> str:
    """A code of a table of words marked with ``N_`` in the language in force; an unknown code as it is."""
    word = words.get(str(code))
    return str(code) if word is None else _(word)


def parse_worded(value: Any, words: Mapping[str, str]) -> str:
    """One of the codes of a table of words, given as the code or as its words in Chinese or English."""
    text = str(value).strip()
    if text in words:
        return text
    code = from_words(text, tuple(words), lambda c: in_words(c, words))
    if code is None:
        raise InvalidValue(_("{value!r} is not one of {choices}").format(value=value, choices=listing(words)))
    return code


def parse_cadence(value: Any) -> str:
    """A cadence: its code (weekly, monthly, quarterly, half-yearly, yearly) or its words (每月, Monthly)."""
    return parse_worded(value, CADENCE_WORDS)


def describe_cadence(value: Any) -> str:
    """A cadence code in words: 每月 for ``monthly``."""
    return in_words(value, CADENCE_WORDS)


#: A unit of a counted setting: what is said of a value that is no whole number, and of one out of range.
_COUNTED = {
    "months": (N_("{value!r} is not a whole number of months"), N_("must be {low} to {high} months, got {value}")),
    "hours": (N_("{value!r} is not a whole number of hours"), N_("must be {low} to {high} hours, got {value}")),
    "minutes": (N_("{value!r} is not a whole number of minutes"),
                N_("must be {low} to {high} minutes, got {value}")),
    "years": (N_("{value!r} is not a whole number of years"), N_("must be {low} to {high} years, got {value}")),
}


def whole_number(unit: str, low: int, high: int) -> Callable[[Any], int]:
    """The parser of a setting that counts ``unit`` (months, hours, minutes, years), from ``low`` to
    ``high``: bounded, so no value set is beyond what the engines store or the calendar holds."""
    not_a_number, out_of_range = _COUNTED[unit]

    def parse(value: Any) -> int:
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)  # True is no count, and 1.5 months would be cut to 1
            number = int(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError, OverflowError):
            raise InvalidValue(_(not_a_number).format(value=value)) from None
        if not low <= number <= high:
            raise InvalidValue(_(out_of_range).format(low=low, high=high, value=number))
        return number

    parse.__doc__ = f"A whole number of {unit}, {low} to {high}."
    return parse


#: Hours: a request's deadline, a volunteer star's threshold (100,000: beyond any star scheme).
parse_hours = whole_number("hours", 1, 100_000)


def parse_star_hours(value: Any) -> list[int]:
    """Strictly ascending hour thresholds."""
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    hours = [parse_hours(v) for v in value]
    if hours != sorted(set(hours)):
        raise InvalidValue(_("star thresholds must be strictly ascending"))
    return hours


#: A check of a setting's value against what plugins registered: ``(registry, key, value)``; raises InvalidValue.
RegistryCheck = Callable[[Any, str, Any], None]
#: Defaults that depend on what plugins registered: ``registry -> {key: (value, source)}``.
RegistryDefaults = Callable[[Any], Mapping[str, tuple[Any, str]]]


@attrs.frozen
class SettingSpec:
    """One settable key (or family of dotted keys): how its value is parsed, its default, its checks."""

    key: str
    parse: Callable[[Any], Any]
    help: str
    """What the setting is for, in English and marked with ``N_`` (translate it with ``_`` where shown)."""
    dotted: bool = False
    """True for ``key.<code>`` families such as ``meeting-cadence.party-lecture``."""
    default: Any = None
    """The value in force where no unit sets one (``None``: no default; dotted families use :attr:`defaults`)."""
    defaults: RegistryDefaults | None = None
    """Defaults computed from the registry (one per registered code of a dotted family)."""
    check: RegistryCheck | None = None
    """A check against the registry, e.g. that a scoring scheme of that code is registered."""
    describe: Callable[[Any], str] | None = None
    """A value in words, in the language in force (a code's label), for listings; ``None``: a value
    that reads as it is (a number, hours)."""
    names: str | None = None
    """For a list of registered codes: the registry's family that names them (``"meeting_types"``),
    so a listing shows their labels (支部党员大会、党课)."""


def parse_setting(key: str, value: Any, specs: Sequence[SettingSpec]) -> tuple[str, Any]:
    """Validate a key against ``specs`` and parse its value; returns the normalized pair."""
    spec = parse_key(key, specs)
    return key.strip(), spec.parse(value)


def parse_key(key: str, specs: Sequence[SettingSpec]) -> SettingSpec:
    """The spec of a key (a dotted one names a code after its dot); an unknown key is refused with the known ones."""
    if not isinstance(key, str):
        raise InvalidValue(_("a setting's key is text, such as meeting-absence-months; got {key!r}").format(key=key))
    base, _dot, sub = key.strip().partition(".")
    spec = next((s for s in specs if s.key == base), None)
    if spec is None:
        known = listing(s.key + (".<code>" if s.dotted else "") for s in specs)
        raise InvalidValue(_("unknown setting {key!r}; known settings: {known}").format(key=key, known=known))
    if spec.dotted and not sub:
        raise InvalidValue(_("setting {key!r} needs a code after a dot, e.g. {key}.<code>").format(key=base))
    if not spec.dotted and sub:
        raise InvalidValue(_("setting {key!r} takes no dotted part").format(key=base))
    if sub:
        parse_code(sub)
    return spec


def spec_of(key: str, specs: Sequence[SettingSpec]) -> SettingSpec | None:
    """The spec a (possibly dotted) key belongs to."""
    base = key.strip().partition(".")[0]
    return next((s for s in specs if s.key == base), None)


def defaults_of(specs: Sequence[SettingSpec], registry: Any) -> dict[str, tuple[Any, str]]:
    """Every default of ``specs``: ``key -> (value, source)``."""
    out: dict[str, tuple[Any, str]] = {}
    for spec in specs:
        if spec.defaults is not None:
            out.update(spec.defaults(registry))
        elif spec.default is not None:
            out[spec.key] = (spec.default, "default")
    return out


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
