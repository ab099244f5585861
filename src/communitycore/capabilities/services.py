"""Services: programmes, resident requests and volunteer hours (declared with their settings; records follow)."""

from __future__ import annotations

from typing import Any

from communitycore.capabilities import Capability
from communitycore.domain.settings import (
    DEFAULT_DEADLINE_HOURS,
    DEFAULT_STAR_HOURS,
    SettingSpec,
    parse_hours,
    parse_star_hours,
)
from communitycore.i18n import N_


def _deadline_defaults(_registry: Any) -> dict[str, tuple[Any, str]]:
    return {f"request-deadline-hours.{urgency}": (hours, "default")
            for urgency, hours in DEFAULT_DEADLINE_HOURS.items()}


CAPABILITY = Capability(
    name="services",
    label="服务",
    label_en="Services",
    settings=(
        SettingSpec("request-deadline-hours", parse_hours,
                    N_("hours to resolve a request of one urgency, e.g. request-deadline-hours.general"), dotted=True,
                    defaults=_deadline_defaults),
        SettingSpec("volunteer-star-hours", parse_star_hours, N_("service hours for one to five volunteer stars"),
                    default=list(DEFAULT_STAR_HOURS)),
    ),
    actions=("service.read", "service.add", "service.update", "service.transition", "service.record"),
)
