"""Settings along the tree, on every engine: inheritance, overrides, provenance, validation, defaults."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

import communitycore
from communitycore import Community, InvalidValue, MeetingType, hookimpl
from communitycore.clock import Clock
from communitycore.domain.settings import DEFAULT_DEADLINE_HOURS, DEFAULT_STAR_HOURS
from communitycore.store.tables.org import unit_settings

STARS = "volunteer-star-hours"
LECTURE = "meeting-cadence.party-lecture"


@pytest.fixture
def town(community: Community) -> dict[str, int]:
    street = community.org.add("城南街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", street.id)
    grid1 = community.org.add("第一网格党支部", "grid-branch", committee.id)
    grid2 = community.org.add("第二网格党支部", "grid-branch", committee.id)
    group = community.org.add("1号楼党小组", "party-group", grid1.id)
    return {"street": street.id, "committee": committee.id, "grid1": grid1.id, "grid2": grid2.id, "group": group.id}


def test_defaults_come_from_the_registry(community: Community, town: dict[str, int]) -> None:
    settings = community.org.settings(town["group"])
    for code, meeting_type in community.registry.meeting_types.items():
        effective = settings[f"meeting-cadence.{code}"]
        assert effective.value == meeting_type.cadence.value
        assert effective.source == f"default ({community.registry.provider('meeting_types', code)})"
        assert effective.unit_id is None
    assert settings[LECTURE].value == "quarterly"
    for urgency, hours in DEFAULT_DEADLINE_HOURS.items():
        assert settings[f"request-deadline-hours.{urgency}"].value == hours
    assert settings[STARS].value == list(DEFAULT_STAR_HOURS)
    assert list(settings) == sorted(settings)


def test_inheritance_override_and_provenance(community: Community, town: dict[str, int]) -> None:
    set_on_street = community.org.set_setting(town["street"], STARS, [100, 200, 500, 800, 1000])
    assert (set_on_street.source, set_on_street.unit_id) == ("城南街道党工委", town["street"])
    community.org.set_setting(town["grid1"], STARS, "50, 100，150")

    at_group = community.org.settings(town["group"])[STARS]
    assert at_group.value == [50, 100, 150]
    assert at_group.source == "城南街道党工委/幸福社区党委/第一网格党支部"
    assert at_group.unit_id == town["grid1"]

    at_sibling = community.org.settings(town["grid2"])[STARS]
    assert at_sibling.value == [100, 200, 500, 800, 1000]
    assert (at_sibling.source, at_sibling.unit_id) == ("城南街道党工委", town["street"])

    # Setting it again replaces the unit's own value.
    community.org.set_setting(town["street"], STARS, [1, 2])
    assert community.org.setting(town["committee"], STARS) == [1, 2]
    assert community.org.setting(town["group"], STARS) == [50, 100, 150]

    # Unsetting the override lets the unit inherit again; unsetting the root restores the default.
    assert community.org.unset_setting(town["grid1"], STARS) is True
    assert community.org.setting(town["group"], STARS) == [1, 2]
    community.org.unset_setting(town["street"], STARS)
    restored = community.org.settings(town["group"])[STARS]
    assert (restored.value, restored.source, restored.unit_id) == (list(DEFAULT_STAR_HOURS), "default", None)


def test_dotted_keys_and_references(community: Community, town: dict[str, int]) -> None:
    community.org.set_setting(town["committee"], LECTURE, "monthly")
    community.org.set_setting(town["grid1"], "request-deadline-hours.general", "72")
    community.org.set_setting(town["committee"], "required-meeting-types", "party-lecture, theme-day")
    settings = community.org.settings("城南街道党工委/幸福社区党委/第一网格党支部")
    assert settings[LECTURE].value == "monthly"
    assert settings[LECTURE].source == "城南街道党工委/幸福社区党委"
    assert settings["request-deadline-hours.general"].value == 72
    assert settings["required-meeting-types"].value == ["party-lecture", "theme-day"]
    assert community.org.setting(town["street"], LECTURE) == "quarterly"
    assert community.org.setting(town["street"], "required-meeting-types") is None
    assert community.org.setting(town["street"], "required-meeting-types", []) == []


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("colour", "red", "unknown setting 'colour'; known settings"),
        ("meeting-cadence", "monthly", "needs a code after a dot"),
        ("volunteer-star-hours.x", [1], "takes no dotted part"),
        ("meeting-cadence.Party Lecture", "monthly", "expected a code"),
        (LECTURE, "sometimes", "is not one of weekly, monthly"),
        ("request-deadline-hours.general", "soon", "not a whole number"),
        ("request-deadline-hours.general", 0, "must be 1 to 100000 hours, got 0"),
        ("request-deadline-hours.someday", 5, "'someday' is no urgency; the urgencies are: emergency, utility"),
        ("request-response-minutes.someday", 5, "'someday' is no urgency"),
        ("meeting-absence-months", 10**20, "must be 1 to 60 months, got 100000000000000000000"),
        ("meeting-absence-months", 1.5, "is not a whole number of months"),
        ("dues-lapse-months", True, "is not a whole number of months"),
        ("recruitment-min-age", "12", "must be 14 to 30 years, got 12"),
        (None, 1, "a setting's key is text"),
        (STARS, [300, 100], "strictly ascending"),
        (STARS, [100, 100], "strictly ascending"),
        ("scoring-scheme", "no-such-scheme", "no scoring scheme 'no-such-scheme'"),
        ("required-meeting-types", ["party-lecture", "karaoke"], "unknown meeting types karaoke;"),
        ("meeting-cadence.karaoke", "monthly", "no meeting type 'karaoke'"),
    ],
)
def test_unknown_keys_and_bad_values_are_rejected(community: Community, town: dict[str, int], key: str,
                                                  value: Any, fragment: str) -> None:
    with pytest.raises(InvalidValue) as info:
        community.org.set_setting(town["grid1"], key, value)
    assert fragment in str(info.value)
    assert community.audit.list(action="setting.set") == []
    assert community.org.settings(town["grid1"]) == community.org.settings(town["grid2"])


def test_unsetting_a_key_no_setting_knows(community: Community, town: dict[str, int]) -> None:
    with pytest.raises(InvalidValue, match="unknown setting 'colour'; known settings"):
        community.org.unset_setting(town["grid1"], "colour")
    assert community.org.unset_setting(town["grid1"], STARS) is False  # a known key the unit does not set
    with community.transaction() as tx:  # a key a plugin no longer installed left behind may still go
        tx.conn.execute(sa.insert(unit_settings).values(unit_id=town["grid1"], key="old-plugin-key", value=1))
    assert community.org.unset_setting(town["grid1"], "old-plugin-key") is True
    assert community.audit.list(action="setting.unset")[0].before == {"old-plugin-key": 1}


def test_unknown_unit_is_not_found(community: Community, town: dict[str, int]) -> None:
    with pytest.raises(communitycore.NotFound):
        community.org.set_setting("城南街道党工委/无此单位", STARS, [1])


class WeeklyClass:
    """A locality plugin: a weekly Party class (as in 靖江), whose cadence becomes a default setting."""

    name = "weekly-class"

    @hookimpl
    def communitycore_register_meeting_types(self) -> list[MeetingType]:
        return [MeetingType(code="weekly-party-class", label="每周一课", cadence="weekly", applies_to=("branch",))]


def test_a_plugins_meeting_type_brings_its_default(db_url: str, clock: Clock) -> None:
    with communitycore.open(db_url, plugins=[WeeklyClass()], autoload=False, clock=clock, actor="t") as community:
        street = community.org.add("街道", "street-committee")
        effective = community.org.settings(street.id)["meeting-cadence.weekly-party-class"]
        assert (effective.value, effective.source) == ("weekly", "default (weekly-class)")
        community.org.set_setting(street.id, "meeting-cadence.weekly-party-class", "monthly")
        assert community.org.setting(street.id, "meeting-cadence.weekly-party-class") == "monthly"
