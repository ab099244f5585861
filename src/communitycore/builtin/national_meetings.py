"""National meeting types: 三会一课 and the related meetings (domain-rules §2), and the facts meetings record."""

from __future__ import annotations

from communitycore.plugins.markers import hookimpl
from communitycore.records import Fact, MeetingType

_BRANCHES = ("branch", "joint-branch", "grid-branch", "functional-branch")
#: The minutes of a meeting that decides things name who chaired it and who kept them.
_DECIDING = ("topic", "host", "recorder", "content")


@hookimpl(trylast=True)
def communitycore_register_meeting_types() -> list[MeetingType]:
    """Cadences are the 支部条例's; 党课 "quarterly" is convention, so settings may change it.

    Quorums: 支部党员大会 "半数以上" of the voting members (§11), 支委会 "半数以上委员" (§12). A
    resolution passes with more than half of the voting members due to attend (细则 §20).
    """
    return [
        MeetingType(code="branch-general-meeting", label="支部党员大会", label_en="branch general meeting",
                    cadence="quarterly", applies_to=_BRANCHES, quorum="at-least-half", votes=True,
                    minutes_required=_DECIDING),
        MeetingType(code="branch-committee-meeting", label="支委会", label_en="branch committee meeting",
                    cadence="monthly", applies_to=_BRANCHES, attendees="committee", quorum="at-least-half of all",
                    votes=True, minutes_required=_DECIDING),
        MeetingType(code="party-group-meeting", label="党小组会", label_en="party group meeting",
                    cadence="monthly", applies_to=("party-group",), attendees="group"),
        MeetingType(code="party-lecture", label="党课", label_en="party lecture",
                    cadence="quarterly", applies_to=_BRANCHES, counts_as_training=True,
                    minutes_required=("topic", "host")),
        MeetingType(code="theme-day", label="主题党日", label_en="theme day",
                    cadence="monthly", applies_to=_BRANCHES, times_per_period=1),
        MeetingType(code="organizational-life-meeting", label="组织生活会",
                    label_en="organizational life meeting", cadence="yearly", applies_to=_BRANCHES,
                    minutes_required=_DECIDING),
        MeetingType(code="democratic-appraisal", label="民主评议党员", label_en="democratic appraisal",
                    cadence="yearly", applies_to=_BRANCHES, votes=True, minutes_required=_DECIDING),
    ]


@hookimpl(trylast=True)
def communitycore_register_facts() -> list[Fact]:
    """What meetings write to the activity ledger: attendance and training per member, meetings per unit."""
    return [
        Fact(code="meeting-attended", label="参加会议", label_en="meeting attended", subject="member"),
        Fact(code="training-attended", label="参加培训", label_en="training attended", subject="member"),
        Fact(code="meetings-held", label="召开会议", label_en="meetings held", subject="unit"),
    ]
