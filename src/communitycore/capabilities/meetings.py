"""Meetings: 三会一课 and the other meeting systems (declared with their settings; records follow)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from communitycore.capabilities import Capability
from communitycore.domain.settings import SettingSpec, parse_cadence, parse_codes
from communitycore.errors import InvalidValue
from communitycore.i18n import N_, _, listing

if TYPE_CHECKING:
    from communitycore.plugins.registry import Registry


def _check_meeting_types(registry: Registry, _key: str, value: Any) -> None:
    unknown = [c for c in value if c not in registry.meeting_types]
    if unknown:
        raise InvalidValue(_("unknown meeting types {unknown}; known: {known}").format(
            unknown=listing(unknown), known=listing(registry.meeting_types)))


def _check_cadence_key(registry: Registry, key: str, _value: Any) -> None:
    code = key.split(".", 1)[1]
    if code not in registry.meeting_types:
        raise InvalidValue(_("no meeting type {code!r} is registered").format(code=code))


def _cadence_defaults(registry: Registry) -> dict[str, tuple[Any, str]]:
    return {
        f"meeting-cadence.{code}": (meeting_type.cadence.value, f"default ({registry.provider('meeting_types', code)})")
        for code, meeting_type in registry.meeting_types.items()
    }


CAPABILITY = Capability(
    name="meetings",
    label="会议",
    label_en="Meetings",
    settings=(
        SettingSpec("required-meeting-types", parse_codes, N_("meeting types whose cadence is checked here"),
                    check=_check_meeting_types),
        SettingSpec("meeting-cadence", parse_cadence,
                    N_("cadence of one meeting type, e.g. meeting-cadence.party-lecture"), dotted=True,
                    defaults=_cadence_defaults, check=_check_cadence_key),
    ),
    actions=("meeting.read", "meeting.add", "meeting.update", "meeting.remove"),
)
