"""Rosters: vetted service corps (红色管家) with admission, public notice, training, tiers and exit."""

from __future__ import annotations

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="rosters",
    label="队伍",
    label_en="Rosters",
    api="communitycore.sdk.rosters:RostersAPI",
    tables="communitycore.store.tables.rosters",
    sections="communitycore.io.table_sections:ROSTER_SECTIONS",
    unit_links="communitycore.store.tables.rosters:UNIT_LINKS",
    commands=("communitycore.cli.roster:roster",),
    labels={
        "entry_id": ("名册记录编号", "Entry ID"),
        "outcome": ("处理结果", "Outcome"),
        "tier_from": ("原等级", "From tier"),
        "tier_to": ("新等级", "To tier"),
        "raised_by": ("提出人", "Raised by"),
        "raised_on": ("提出日期", "Raised on"),
        "resolution_note": ("处理说明", "Resolution note"),
        "program": ("队伍", "Programme"),
        "candidate_kind": ("人员类型", "Candidate kind"),
        "candidate_id": ("人员编号", "Candidate"),
        "tier": ("星级档次", "Tier"),
        "notice_start": ("公示开始", "Notice starts"),
        "notice_end": ("公示截止", "Notice ends"),
        "admitted_on": ("入选日期", "Admitted on"),
        "term_end": ("任期届满", "Term ends"),
        "exited_on": ("退出日期", "Exited on"),
        "exit_reason": ("退出原因", "Exit reason"),
        # A history step (``roster show``)
        "from": ("原状态", "From state"),
        "to": ("新状态", "To state"),
        # A programme (``roster programs``)
        "notice_days": ("公示天数", "Notice days"),
        "tiers": ("星级档次", "Tiers"),
        "scoring_scheme": ("考核方案", "Scoring scheme"),
        "training_hours": ("培训时长要求", "Training hours"),
        "training_sessions": ("培训次数要求", "Training sessions"),
        # Training against the requirement (``roster training status``)
        "hours": ("培训时长", "Training hours"),
        "sessions": ("培训次数", "Sessions"),
        "required_hours": ("要求时长", "Hours required"),
        "required_sessions": ("要求次数", "Sessions required"),
        "short": ("未达要求", "Short"),
        # What an application, a notice and an objection are given
        "candidate": ("候选人", "Candidate"),
        "staff_name": ("人员姓名", "Staff name"),
        "on": ("日期", "Date"),
        "start": ("公示开始", "Notice starts"),
        "days": ("公示天数", "Notice days"),
        "by": ("提出人", "Raised by"),
        "run": ("考核批次", "Assessment run"),
    },
    actions=("roster.read", "roster.add", "roster.update", "roster.transition", "roster.record"),
    audited={
        "roster-entry": ("队伍成员", "roster entry"),
        "roster-entry.add": ("申请加入队伍", "roster entry added"),
        "roster-entry.enter": ("进入准入流程", "roster entry entered its workflow"),
        "roster-entry.transition": ("队伍成员状态流转", "roster entry moved on"),
        "roster-entry.review": ("准入审核", "roster entry reviewed"),
        "roster-entry.training": ("登记培训", "training recorded"),
        "roster-objection": ("公示异议", "objection"),
        "roster-objection.add": ("提出异议", "objection raised"),
        "roster-objection.resolve": ("处理异议", "objection resolved"),
    },
)
