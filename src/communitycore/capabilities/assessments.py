"""Assessments: points schemes, grades and appeals (declared with their settings; records follow)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from communitycore.capabilities import Capability
from communitycore.domain.settings import SettingSpec, parse_code
from communitycore.errors import InvalidValue
from communitycore.i18n import N_, _, listing

if TYPE_CHECKING:
    from communitycore.plugins.registry import Registry


def _check_scheme(registry: Registry, _key: str, value: Any) -> None:
    if value not in registry.scoring_schemes:
        known = listing(registry.scoring_schemes) or _("none")
        raise InvalidValue(_("no scoring scheme {code!r} is registered; known: {known}").format(code=value,
                                                                                              known=known))


CAPABILITY = Capability(
    name="assessments",
    label="考核评议",
    label_en="Assessments",
    settings=(
        SettingSpec("scoring-scheme", parse_code, N_("code of the points scheme that applies to members here"),
                    check=_check_scheme),
    ),
    actions=("assessment.read", "assessment.run", "assessment.record", "assessment.appeal"),
)
