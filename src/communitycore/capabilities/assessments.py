"""Assessments: points schemes over the activity ledger, explained runs with revisions, appeals, final decisions."""

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
    api="communitycore.sdk.assessments:AssessmentsAPI",
    tables="communitycore.store.tables.assessments",
    sections="communitycore.io.sections:ASSESSMENT_SECTIONS",
    unit_links="communitycore.store.tables.assessments:UNIT_LINKS",
    commands=("communitycore.cli.assess:assess",),
    settings=(
        SettingSpec("scoring-scheme", parse_code, N_("code of the points scheme that applies to members here"),
                    check=_check_scheme),
    ),
    labels={
        "run_id": ("考核批次编号", "Run ID"),
        "result_revision": ("结果版本", "Result revision"),
        "scheme": ("考核方案", "Scheme"),
        "scheme_version": ("方案版本", "Scheme version"),
        "version": ("版本", "Version"),
        "period": ("考核周期", "Period"),
        "subjects": ("考核对象数", "Subjects"),
        "ran_by": ("考核人", "Run by"),
        "ran_at": ("考核时间", "Run at"),
        "run_revision": ("修订版本", "Revision"),
        "total": ("总分", "Total"),
        "grade": ("等次", "Grade"),
        "rank": ("排名", "Rank"),
        "vetoed": ("一票否决", "Vetoed"),
        "exempt": ("不评定等次", "Not graded"),
        "item": ("考核项目", "Item"),
        "points": ("分值", "Points"),
        "capped": ("封顶", "Capped"),
        "veto": ("否决", "Veto"),
        "filed_by": ("申诉人", "Filed by"),
        "decision": ("处理意见", "Decision"),
    },
    actions=("assessment.read", "assessment.run", "assessment.record", "assessment.appeal", "assessment.decide",
             "assessment.export"),
    audited={
        "assessment": ("考核", "assessment"),
        "assessment.run": ("开展考核", "assessment run"),
        "assessment.override": ("调整考核结果", "assessment result overridden"),
        "assessment.export": ("导出考核结果", "assessment exported"),
        "assessment-appeal": ("考核申诉", "appeal"),
        "assessment.appeal": ("提出申诉", "appeal lodged"),
        "assessment.decide": ("申诉裁决", "appeal decided"),
        "assessment-appeal.enter": ("申诉进入流程", "appeal entered its workflow"),
        "assessment-appeal.transition": ("申诉状态流转", "appeal moved on"),
    },
)
