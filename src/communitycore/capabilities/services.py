"""Services: programmes, resident requests and their 接诉即办 metrics, the three lists and volunteer hours."""

from __future__ import annotations

from typing import Any

from communitycore.capabilities import Capability, lazy, lazy_default
from communitycore.domain.settings import (
    DEFAULT_DEADLINE_HOURS,
    DEFAULT_STAR_HOURS,
    SettingSpec,
    parse_hours,
    parse_star_hours,
    whole_number,
)
from communitycore.errors import InvalidValue
from communitycore.i18n import N_, _, listing
from communitycore.records import Urgency


def _check_urgency_key(_registry: Any, key: str, _value: Any) -> None:
    """The dotted part of a deadline's key is an urgency (request-deadline-hours.general)."""
    code = key.split(".", 1)[1]
    if code not in {u.value for u in Urgency}:
        raise InvalidValue(_("{code!r} is no urgency; the urgencies are: {known}").format(
            code=code, known=listing(u.value for u in Urgency)))


def _deadline_defaults(_registry: Any) -> dict[str, tuple[Any, str]]:
    return {f"request-deadline-hours.{urgency}": (hours, "default")
            for urgency, hours in DEFAULT_DEADLINE_HOURS.items()}


def _response_defaults(_registry: Any) -> dict[str, tuple[Any, str]]:
    from communitycore.domain.services import DEFAULT_RESPONSE_MINUTES

    return {f"request-response-minutes.{urgency}": (minutes, "default")
            for urgency, minutes in DEFAULT_RESPONSE_MINUTES.items()}


CAPABILITY = Capability(
    name="services",
    label="服务",
    label_en="Services",
    api="communitycore.sdk.services:ServicesAPI",
    tables="communitycore.store.tables.services",
    sections="communitycore.io.service_sections:SERVICE_SECTIONS",
    unit_links="communitycore.store.tables.services:UNIT_LINKS",
    commands=("communitycore.cli.service:service",),
    settings=(
        SettingSpec("request-deadline-hours", parse_hours,
                    N_("hours to resolve a request of one urgency, e.g. request-deadline-hours.general"), dotted=True,
                    defaults=_deadline_defaults, check=_check_urgency_key),
        SettingSpec("request-response-minutes", whole_number("minutes", 1, 43_200),
                    N_("minutes to accept a request of one urgency, e.g. request-response-minutes.emergency"),
                    dotted=True, defaults=_response_defaults, check=_check_urgency_key),
        SettingSpec("service-metric-weights", lazy("communitycore.domain.services:parse_weights"),
                    N_("weights of the composite service score: response=0.1,resolution=0.5,satisfaction=0.4"),
                    defaults=lazy_default("service-metric-weights", "communitycore.domain.services:DEFAULT_WEIGHTS"),
                    describe=lazy("communitycore.domain.services:describe_weights")),
        SettingSpec("volunteer-star-hours", parse_star_hours, N_("service hours for one to five volunteer stars"),
                    default=list(DEFAULT_STAR_HOURS)),
    ),
    labels={
        "group": ("分组", "Group"),
        "group_label": ("分组名称", "Group name"),
        "category": ("服务类别", "Category"),
        "program": ("服务项目", "Programme"),
        "urgency": ("紧急程度", "Urgency"),
        "channel": ("渠道", "Channel"),
        "text": ("诉求内容", "Request"),
        "state": ("状态", "State"),
        "assignee": ("承办", "Assigned to"),
        "created_at": ("收集时间", "Collected at"),
        "response_due": ("响应时限", "Response due"),
        "resolution_due": ("办结时限", "Resolution due"),
        "received": ("受理量", "Received"),
        "evaluated": ("评价量", "Evaluated"),
        "requests_handled": ("办理诉求数", "Requests handled"),
        "response_rate": ("响应率", "Response rate"),
        "resolution_rate": ("解决率", "Resolution rate"),
        "satisfaction_rate": ("满意率", "Satisfaction rate"),
        "composite": ("综合得分", "Composite"),
        "median_response_hours": ("响应用时中位数(小时)", "Median response (h)"),
        "median_resolution_hours": ("办结用时中位数(小时)", "Median resolution (h)"),
        "overdue": ("超期", "Overdue"),
        "stars": ("星级", "Stars"),
        "hours": ("服务时长", "Hours"),
        "partner_id": ("共建单位", "Partner"),
        "demand_id": ("需求", "Demand"),
        "request_ids": ("关联诉求", "Requests"),
        # What a trace links (``service trace``)
        "requests": ("诉求", "Requests"),
        "demands": ("需求", "Demands"),
        "projects": ("项目", "Projects"),
        # A history step (``service request show``)
        "from": ("原状态", "From state"),
        "to": ("新状态", "To state"),
        # What a request, an evaluation, a project and volunteer hours are given
        "resident": ("居民", "Resident"),
        "project": ("项目", "Project"),
        "activity": ("服务内容", "Activity"),
        "satisfaction": ("满意程度", "Satisfaction"),
        "solved": ("是否解决", "Solved"),
        "comment": ("评价意见", "Comment"),
        "milestone": ("项目进展", "Milestone"),
        # A volunteer-service certificate (``service certificate``)
        "person": ("志愿者", "Volunteer"),
        "year": ("年度", "Year"),
        # Categories and programmes (``service categories``, ``service programs``)
        "label_en": ("英文名称", "English name"),
        "description": ("说明", "Description"),
        "eligible_flags": ("服务对象", "Serves"),
        "default_urgency": ("默认紧急程度", "Default urgency"),
        "channels": ("受理渠道", "Channels"),
        "owner_kinds": ("承办党组织类别", "Run by"),
        # A milestone (``service project milestone``)
        "project_id": ("项目编号", "Project ID"),
        "reached_on": ("完成日期", "Reached on"),
    },
    actions=("service.read", "service.add", "service.update", "service.transition", "service.record"),
    audited={
        "service-request": ("居民诉求", "request"),
        "service-request.add": ("登记诉求", "request received"),
        "service-request.enter": ("诉求进入办理流程", "request entered its workflow"),
        "service-request.transition": ("诉求状态流转", "request moved on"),
        "service-request.assign": ("诉求派单", "request assigned"),
        "service-request.evaluate": ("诉求回访评价", "request evaluated"),
        "service-request.overdue": ("诉求超期", "request overdue"),
        "service-project": ("服务项目", "service project"),
        "service-project.add": ("新增服务项目", "project added"),
        "service-project.enter": ("项目进入流程", "project entered its workflow"),
        "service-project.transition": ("项目状态流转", "project moved on"),
        "service-project.claim": ("认领项目", "project claimed"),
        "service-project.milestone": ("项目进展", "project milestone"),
        "service-demand": ("需求清单", "demand"),
        "service-demand.add": ("新增需求", "demand added"),
        "service-resource": ("资源清单", "resource"),
        "service-resource.add": ("新增资源", "resource added"),
        "service.hours": ("登记志愿服务时长", "service hours recorded"),
    },
)
