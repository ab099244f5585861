"""The national recruitment pipeline: the 5 stages and 25 steps of the 细则 (2014), with their time rules.

Step codes are the library's; the Chinese names are the 细则's (domain-rules §2.1). A province or
unit renames a step, changes its time rule or adds one in a pack (:doc:`/recruitment`).
"""

from __future__ import annotations

from communitycore.plugins.markers import hookimpl
from communitycore.records import RecruitmentStep


def _step(code: str, label: str, label_en: str, stage: int, number: int, **rules: object) -> RecruitmentStep:
    # The 细则's step number, times ten: a pack places its own steps between two national ones.
    return RecruitmentStep(code=code, label=label, label_en=label_en, stage=stage, order=number * 10,
                           **rules)  # type: ignore[arg-type]


@hookimpl(trylast=True)
def communitycore_register_recruitment_steps() -> list[RecruitmentStep]:
    """The 25 steps. Time rules: 18 or older at the application (a setting), the talk within one
    month of it, a year as an activist before becoming a development candidate, two introducers,
    the higher approval within three months of the branch vote, confirmation a year after it."""
    return [
        _step("application", "递交入党申请书", "application", 1, 1, action="application", rule="党章 §1; 细则 §7"),
        _step("talk", "党组织派人谈话", "talk", 1, 2, max_after="application", max_months=1, rule="细则 §8"),
        _step("activist", "推荐和确定入党积极分子", "activist", 2, 3, rule="细则 §9"),
        _step("activist-filing", "报上级党委备案", "activist filed", 2, 4, rule="细则 §10"),
        _step("contact-persons", "指定培养联系人", "contact persons", 2, 5, rule="细则 §11"),
        _step("activist-training", "培养教育考察", "activist training", 2, 6, rule="细则 §12"),
        _step("development-candidate", "确定发展对象", "development candidate", 3, 7, min_after="activist",
              min_months=12, rule="细则 §13"),
        _step("candidate-filing", "报上级党委备案", "development candidate filed", 3, 8, rule="细则 §14"),
        _step("introducers", "确定入党介绍人", "introducers", 3, 9, action="introducers", rule="细则 §15"),
        _step("political-review", "进行政治审查", "political review", 3, 10, rule="细则 §16"),
        _step("intensive-training", "开展集中培训", "intensive training", 3, 11, rule="细则 §17"),
        _step("committee-review", "支部委员会审查", "branch committee review", 4, 12, rule="细则 §18"),
        _step("pre-review", "上级党委预审", "higher committee pre-review", 4, 13, rule="细则 §19"),
        _step("application-form", "填写入党志愿书", "application form", 4, 14, rule="细则 §19"),
        _step("branch-vote", "支部党员大会讨论", "branch vote", 4, 15, action="branch-vote", rule="细则 §20–§21"),
        _step("higher-talk", "上级党委派人谈话", "higher committee talk", 4, 16, rule="细则 §22"),
        _step("higher-approval", "上级党委审批", "higher committee approval", 4, 17, action="admit",
              max_after="branch-vote", max_months=3, rule="细则 §23"),
        _step("approval-filing", "再上一级党委组织部门备案", "approval filed", 4, 18, rule="细则 §24"),
        _step("placement", "编入党支部和党小组", "placement", 5, 19, rule="细则 §25"),
        _step("oath", "入党宣誓", "oath", 5, 20, rule="细则 §26"),
        _step("probation-training", "继续教育考察", "probation training", 5, 21, rule="细则 §27"),
        _step("confirmation-application", "提出转正申请", "confirmation application", 5, 22,
              min_after="branch-vote", min_months=11, rule="细则 §28"),
        _step("confirmation-vote", "支部党员大会讨论转正", "confirmation vote", 5, 23, action="confirmation-vote",
              min_after="branch-vote", min_months=12, rule="细则 §29"),
        _step("confirmation-approval", "上级党委审批转正", "confirmation approval", 5, 24, action="confirm",
              max_after="confirmation-vote", max_months=3, rule="细则 §30"),
        _step("archived", "材料归档", "archived", 5, 25, rule="细则 §31"),
    ]

