"""The six service categories of the 红色管家 case study, the request and project workflows and its facts."""

from __future__ import annotations

from communitycore.domain.service_workflows import (
    PROJECT_STATES,
    PROJECT_TRANSITIONS,
    REQUEST_STATES,
    REQUEST_TRANSITIONS,
)
from communitycore.plugins.markers import hookimpl
from communitycore.records import Fact, ServiceCategory, WorkflowState, WorkflowTransition


@hookimpl(trylast=True)
def communitycore_register_service_categories() -> list[ServiceCategory]:
    """维修维护, 爱心帮扶, 信息咨询, 文化娱乐, 应急处理, 矛盾调处."""
    return [
        ServiceCategory(code="maintenance", label="维修维护", label_en="maintenance",
                        description="亮化、硬化、绿化、美化"),
        ServiceCategory(code="care", label="爱心帮扶", label_en="care",
                        description="救助老、幼、病、残等弱势群体"),
        ServiceCategory(code="consulting", label="信息咨询", label_en="consulting",
                        description="金融、教育、医疗、法律、旅游等方面咨询"),
        ServiceCategory(code="culture", label="文化娱乐", label_en="culture",
                        description="国学文化、乒乓球室、图书室等文娱场所"),
        ServiceCategory(code="emergency", label="应急处理", label_en="emergency",
                        description="协调处理各类突发事件"),
        ServiceCategory(code="mediation", label="矛盾调处", label_en="mediation",
                        description="调解邻里矛盾纠纷"),
    ]


@hookimpl(trylast=True)
def communitycore_register_workflow_states() -> list[WorkflowState]:
    """The resident-request workflow (居民诉求) and the project workflow (项目清单)."""
    return [*REQUEST_STATES, *PROJECT_STATES]


@hookimpl(trylast=True)
def communitycore_register_workflow_transitions() -> list[WorkflowTransition]:
    """Their moves: accept, assign, start, resolve, evaluate, close, reopen, cancel; claim, deliver, evaluate."""
    return [*REQUEST_TRANSITIONS, *PROJECT_TRANSITIONS]


@hookimpl(trylast=True)
def communitycore_register_facts() -> list[Fact]:
    """What services write to the activity ledger (谁组织谁记录)."""
    return [
        # An entry is one person's hours of one activity: more than 0; a day's entries add up to 24 at most.
        Fact(code="volunteer-hours", label="志愿服务时长", label_en="volunteer hours", subject="member", unit="hours",
             minimum="0.01", maximum=24, day_maximum=24),
        Fact(code="resident-volunteer-hours", label="居民志愿服务时长", label_en="resident volunteer hours",
             subject="resident", unit="hours", minimum="0.01", maximum=24, day_maximum=24),
        Fact(code="requests-handled", label="办理诉求数", label_en="requests handled", subject="member",
             aggregate="count"),
        # An evaluation scores 0, 90 or 100 (Satisfaction.score).
        Fact(code="satisfaction", label="群众满意度", label_en="satisfaction", subject="member", unit="points",
             aggregate="mean", minimum=0, maximum=100),
        Fact(code="projects-delivered", label="交付项目数", label_en="projects delivered", subject="partner",
             aggregate="count"),
        # The same two facts for requests handled by partners and units (a steward's are the roster's own).
        Fact(code="partner-requests-handled", label="共建单位办理诉求数", label_en="requests handled by a partner",
             subject="partner", aggregate="count"),
        Fact(code="partner-satisfaction", label="共建单位群众满意度", label_en="satisfaction with a partner",
             subject="partner", unit="points", aggregate="mean", minimum=0, maximum=100),
        Fact(code="unit-requests-handled", label="党组织办理诉求数", label_en="requests handled by a unit",
             subject="unit", aggregate="count"),
        Fact(code="unit-satisfaction", label="党组织群众满意度", label_en="satisfaction with a unit",
             subject="unit", unit="points", aggregate="mean", minimum=0, maximum=100),
    ]
