"""Recruitment (发展党员): candidates through the 5 stages and 25 steps, declared with their settings."""

from __future__ import annotations

from typing import Any

from communitycore.capabilities import Capability, lazy_default
from communitycore.domain.settings import SettingSpec, from_words, whole_number
from communitycore.errors import InvalidValue
from communitycore.i18n import N_
from communitycore.records import Threshold

_RECRUITMENT = "communitycore.domain.recruitment"




def _describe_threshold(value: Any) -> str:
    """A rule in words: 超过正式党员的半数 for ``more-than-half``."""
    return Threshold.parse(value).describe()


#: The rules a vote's setting names most, as typed: their words are accepted on input too.
_NAMED_RULES = tuple(f"{name}{suffix}" for name in ("more-than-half", "at-least-half") for suffix in ("", " of all"))


def _parse_threshold(value: Any) -> str:
    """A rule such as ``more-than-half`` or ``2/3``, or the words of a named one (超过正式党员的半数)."""
    named = from_words(value, _NAMED_RULES, _describe_threshold)
    if named is not None:
        return named
    try:
        Threshold.parse(value)
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None
    return str(value).strip()


CAPABILITY = Capability(
    name="recruitment",
    label="发展党员",
    label_en="Recruitment",
    api="communitycore.sdk.recruitment:RecruitmentAPI",
    tables="communitycore.store.tables.recruitment",
    sections="communitycore.io.table_sections:RECRUITMENT_SECTIONS",
    unit_links="communitycore.store.tables.recruitment:UNIT_LINKS",
    commands=("communitycore.cli.recruit:recruit",),
    labels={
        "name": ("姓名", "Name"),
        "stage_label": ("阶段名称", "Stage"),
        "earliest": ("最早日期", "Earliest"),
        "latest": ("最迟日期", "Latest"),
        "stage": ("阶段", "Stage"),
        "last_step": ("最近步骤", "Last step"),
        "last_on": ("最近日期", "Last date"),
        "applied_on": ("申请日期", "Applied on"),
        "responsible": ("负责人", "Responsible"),
        "step": ("步骤", "Step"),
        "introducers": ("入党介绍人", "Introducers"),
        "meeting": ("会议", "Meeting"),
        "present": ("实到人数", "Present"),
        "done_on": ("日期", "Date"),
        "days": ("天数", "Days"),
    },
    settings=(
        SettingSpec("recruitment-min-age", whole_number("years", 14, 30),
                    N_("the youngest age at the application (党章 §1: 18)"),
                    defaults=lazy_default("recruitment-min-age", f"{_RECRUITMENT}:DEFAULT_MIN_AGE")),
        SettingSpec("recruitment-quorum", _parse_threshold,
                    N_("voting members present a branch vote needs, over those due (细则 §20: more-than-half)"),
                    defaults=lazy_default("recruitment-quorum", f"{_RECRUITMENT}:DEFAULT_QUORUM"),
                    describe=_describe_threshold),
        SettingSpec("recruitment-pass-rule", _parse_threshold,
                    N_("votes for a branch vote needs, over the voting members due (细则 §21: more-than-half)"),
                    defaults=lazy_default("recruitment-pass-rule", f"{_RECRUITMENT}:DEFAULT_PASS_RULE"),
                    describe=_describe_threshold),
    ),
    actions=("recruitment.read", "recruitment.add", "recruitment.record", "recruitment.update",
             "recruitment.reveal"),
    audited={
        "candidate": ("发展对象", "candidate"),
        "recruitment.add": ("登记入党申请人", "applicant recorded"),
        "recruitment.record": ("记录发展步骤", "recruitment step recorded"),
        "recruitment.reveal": ("查看发展对象个人信息", "candidate's personal data revealed"),
    },
)
