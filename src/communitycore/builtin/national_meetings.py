"""National meeting types: 三会一课 and the related meetings (domain-rules §2)."""

from __future__ import annotations

from communitycore.plugins.markers import hookimpl
from communitycore.records import MeetingType

_BRANCHES = ("branch", "joint-branch", "grid-branch", "functional-branch")


@hookimpl(trylast=True)
def communitycore_register_meeting_types() -> list[MeetingType]:
    """Cadences are the 支部条例's; 党课 "quarterly" is convention, so settings may change it."""
    return [
        MeetingType(code="branch-general-meeting", label="支部党员大会", label_en="branch general meeting",
                    cadence="quarterly", applies_to=_BRANCHES, quorum="at-least-half"),
        MeetingType(code="branch-committee-meeting", label="支委会", label_en="branch committee meeting",
                    cadence="monthly", applies_to=_BRANCHES, attendees="committee", quorum="at-least-half"),
        MeetingType(code="party-group-meeting", label="党小组会", label_en="party group meeting",
                    cadence="monthly", applies_to=("party-group",), attendees="group"),
        MeetingType(code="party-lecture", label="党课", label_en="party lecture",
                    cadence="quarterly", applies_to=_BRANCHES),
        MeetingType(code="theme-day", label="主题党日", label_en="theme day",
                    cadence="monthly", applies_to=_BRANCHES),
        MeetingType(code="organizational-life-meeting", label="组织生活会",
                    label_en="organizational life meeting", cadence="yearly", applies_to=_BRANCHES),
        MeetingType(code="democratic-appraisal", label="民主评议党员", label_en="democratic appraisal",
                    cadence="yearly", applies_to=_BRANCHES),
    ]
