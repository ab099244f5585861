"""The builtin roles: what a grant on a unit lets its actor do in that unit's subtree (see :doc:`/security`).

Essential like ``core``: without it no actor could do anything, the administrator included.
"""

from __future__ import annotations

from communitycore.plugins.markers import hookimpl
from communitycore.records import Role

#: The reads of everything a person may look at, without the audit trail, events and grants.
_READS = ("org.read", "member.read", "resident.read", "activity.read", "workflow.read", "meeting.read",
          "service.read", "assessment.read",
          "recruitment.read", "dues.read", "roster.read")
#: What a branch's committee manages: its units, members, meetings and assessments.
_BRANCH_WORK = ("org.*", "member.*", "meeting.*", "assessment.*", "activity.*", "workflow.read", "grant.read",
               "recruitment.*", "dues.*", "roster.*")


@hookimpl(trylast=True)
def communitycore_register_roles() -> list[Role]:
    """The seven roles of the national default."""
    return [
        Role(code="admin", label="管理员", label_en="administrator", actions=("*",),
             description="everything, the grants of others included"),
        Role(code="secretary", label="书记", label_en="secretary", actions=_BRANCH_WORK,
             description="the subtree's units, members, meetings and assessments"),
        Role(code="organizer", label="组织委员", label_en="organizer", actions=_BRANCH_WORK,
             description="the subtree's units, members, meetings and assessments"),
        Role(code="service-coordinator", label="服务协调员", label_en="service coordinator",
             actions=("service.*", "activity.read", "activity.record", "activity.import", "org.read",
                      "resident.read", "workflow.read"),
             description="requests, projects and volunteer hours"),
        Role(code="steward", label="红色管家/志愿者", label_en="steward",
             actions=("service.read", "service.record", "service.transition", "org.read", "workflow.read",
                      "roster.read"),
             description="their own assignments", own=True),
        Role(code="auditor", label="审计员", label_en="auditor", actions=("*.read",),
             description="reads everything and the audit trail; never reveals personal data"),
        Role(code="viewer", label="查看者", label_en="viewer", actions=_READS, description="reads only"),
    ]
