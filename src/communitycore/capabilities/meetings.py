"""Meetings: 三会一课 and the other meeting systems (declared with their settings; records follow)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from communitycore.capabilities import Capability
from communitycore.domain.settings import SettingSpec, describe_cadence, parse_cadence, parse_codes, whole_number
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
    api="communitycore.sdk.meetings:MeetingsAPI",
    tables="communitycore.store.tables.meetings",
    sections="communitycore.io.meeting_sections:MEETING_SECTIONS",
    unit_links="communitycore.store.tables.meetings:UNIT_LINKS",
    commands=("communitycore.cli.meeting:meeting",),
    labels={
        "date": ("日期", "Date"),
        "type": ("会议类型", "Meeting type"),
        "held_on": ("日期", "Date"),
        "topic": ("主题", "Topic"),
        "host": ("主持人", "Host"),
        "recorder": ("记录人", "Recorder"),
        "minutes": ("会议记录", "Minutes"),
        "present": ("出席", "Present"),
        "absent": ("缺席", "Absent"),
        "leave": ("请假", "On leave"),
        "quorum_met": ("达到法定人数", "Quorum met"),
        "required": ("应开次数", "Required"),
        "held": ("实开次数", "Held"),
        "rate": ("完成率", "Rate"),
        "missing": ("缺开时段", "Missing"),
        "windows": ("应开时段", "Windows"),
        # A meeting type (``meeting types``)
        "code": ("代码", "Code"),
        "cadence": ("周期", "Cadence"),
        "times_per_period": ("每期次数", "Times per period"),
        "attendees": ("参会人员", "Attendees"),
        "quorum": ("法定人数", "Quorum"),
        "votes": ("可表决", "Votes"),
        # A window owed (``meeting due``)
        "from": ("起始日期", "From"),
        "to": ("截止日期", "To"),
        # What a meeting's minutes and attendance are given
        "content": ("会议内容", "Content"),
        "resolutions": ("会议决议", "Resolutions"),
        "attendance": ("出席情况", "Attendance"),
        "partners": ("共建单位", "Partners"),
        "title": ("表决事项", "Title"),
        "days": ("天数", "Days"),
        # A resolution (``meeting resolution``)
        "meeting_id": ("会议编号", "Meeting ID"),
        "for": ("赞成票", "For"),
        "against": ("反对票", "Against"),
        "abstain": ("弃权票", "Abstain"),
        "due": ("应到人数", "Due to attend"),
        "passed": ("通过", "Passed"),
    },
    settings=(
        SettingSpec("required-meeting-types", parse_codes, N_("meeting types whose cadence is checked here"),
                    check=_check_meeting_types, names="meeting_types"),
        SettingSpec("meeting-cadence", parse_cadence,
                    N_("cadence of one meeting type, e.g. meeting-cadence.party-lecture"), dotted=True,
                    defaults=_cadence_defaults, check=_check_cadence_key, describe=describe_cadence),
        SettingSpec("meeting-absence-months", whole_number("months", 1, 60),
                    N_("consecutive months of absence from organizational life that are reported (党章 §9)"),
                    default=6),
    ),
    actions=("meeting.read", "meeting.add", "meeting.update", "meeting.remove"),
    audited={
        "meeting": ("会议", "meeting"),
        "meeting.add": ("登记会议", "meeting recorded"),
        "meeting.update": ("修改会议记录", "meeting updated"),
        "meeting.cancel": ("取消会议", "meeting cancelled"),
        "meeting.resolution": ("会议表决", "meeting resolution"),
        "meeting-window": ("应开会议", "meeting owed"),
        "meeting.overdue": ("会议逾期未开", "meeting overdue"),
    },
)
