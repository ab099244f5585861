"""Coded values in listings and shows: JSON keeps the code and carries its label beside it (``*_label``),
the text output shows the label, in Chinese by default and in English with ``--lang en``. The label of
a registered code is its declaration's, and the code itself once the declaration is gone."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import communitycore
from communitycore import Community
from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.demo import build_demo
from communitycore.domain.recruitment import Candidate, Stage
from communitycore.serialize import View, view_of


@pytest.fixture(autouse=True)
def _no_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The command line's own default (Chinese) is what these tests read without --lang.
    monkeypatch.delenv("COMMUNITYCORE_LANG", raising=False)


def text(c: Community, *args: str, lang: str | None = None) -> str:
    state = AppState(community=c, pm=c.pm)
    argv = [*(("--lang", lang) if lang else ()), *args]
    result = CliRunner().invoke(make_cli(state), argv, obj=state, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(c: Community, *args: str, lang: str | None = None) -> Any:
    return json.loads(text(c, "--json", *args, lang=lang))


@pytest.fixture
def t(community: Community) -> dict[str, int]:
    c = community
    street = c.org.add("城南街道党工委", "street-committee")
    committee = c.org.add("虹兴社区党委", "community-committee", street.id)
    branch = c.org.add("第一党支部", "branch", committee.id)
    members = [c.members.add(f"党员{i}", branch.id, join_date="2000-07-01", full_date="2001-07-01").id
               for i in range(3)]
    return {"committee": committee.id, "branch": branch.id, "member": members[0], "other": members[1]}


# Meetings ------------------------------------------------------------------------------------------


def test_meeting_type_and_status_show_their_labels(community: Community, t: dict[str, int]) -> None:
    c = community
    held = c.meetings.record(t["branch"], "party-lecture", on="2026-03-05", topic="党章学习", host="张书记",
                             present=[t["member"]])
    zh = text(c, "meeting", "list")
    assert "党课" in zh and "已召开" in zh
    assert "party-lecture" not in zh and "held" not in zh
    assert "party lecture" in text(c, "meeting", "list", lang="en")
    shown = text(c, "meeting", "show", str(held.id))
    assert "党课" in shown and "party-lecture" not in shown
    c.meetings.cancel(held.id, note="录入错误")
    [cancelled] = as_json(c, "meeting", "list")
    assert (cancelled["type"], cancelled["type_label"], cancelled["status"], cancelled["status_label"]) == (
        "party-lecture", "党课", "cancelled", "已取消")
    [english] = as_json(c, "meeting", "list", lang="en")
    assert (english["type"], english["type_label"], english["status_label"]) == (
        "party-lecture", "party lecture", "cancelled")
    assert "已取消" in text(c, "meeting", "list") and "cancelled" not in text(c, "meeting", "list")


def test_the_ledger_the_plan_what_is_due_and_the_types_show_labels(community: Community, t: dict[str, int]) -> None:
    c = community
    plan = text(c, "meeting", "plan", "--unit", str(t["branch"]), "--period", "2026Q4")
    assert "支委会" in plan and "每月" in plan and "branch-committee-meeting" not in plan and "monthly" not in plan
    [row] = [r for r in as_json(c, "meeting", "compliance", "--unit", str(t["branch"]), "--period", "2026Q4")["rows"]
             if r["type"] == "branch-committee-meeting"]
    assert (row["type_label"], row["cadence"], row["cadence_label"]) == ("支委会", "monthly", "每月")
    due = as_json(c, "meeting", "due", "--unit", str(t["branch"]), lang="en")
    overdue = next(d for d in due if d["status"] == "overdue")
    assert overdue["status_label"] == "Overdue" and overdue["type_label"] != overdue["type"]
    assert "超期" in text(c, "meeting", "due", "--unit", str(t["branch"]))
    types = text(c, "meeting", "types")
    assert "全体党员" in types and "每季度" in types and "quarterly" not in types
    assert "Quarterly" in text(c, "meeting", "types", lang="en")


# Services ------------------------------------------------------------------------------------------


def test_a_request_s_state_urgency_channel_and_category_show_their_labels(community: Community,
                                                                          t: dict[str, int]) -> None:
    c = community
    request = c.services.add_request(t["committee"], category="care", text="楼道灯坏了", channel="hotline",
                                     urgency="emergency")
    c.services.accept(request.id)
    listing = text(c, "service", "request", "list")
    for label in ("已受理", "紧急", "热线", "爱心帮扶"):
        assert label in listing
    for code in ("accepted", "emergency", "hotline", "care"):
        assert code not in listing
    shown = text(c, "service", "request", "show", str(request.id))
    assert "已收集" in shown and "原状态" in shown and "collected" not in shown
    english = text(c, "service", "request", "list", lang="en")
    assert "Accepted" in english and "accepted" not in english
    data = as_json(c, "service", "request", "show", str(request.id))
    assert (data["state"], data["state_label"], data["urgency"], data["urgency_label"], data["channel"],
            data["channel_label"], data["category"], data["category_label"]) == (
        "accepted", "已受理", "emergency", "紧急", "hotline", "热线", "care", "爱心帮扶")
    assert [(h["to"], h["to_label"]) for h in data["history"]] == [("collected", "已收集"), ("accepted", "已受理")]
    assert as_json(c, "service", "request", "show", str(request.id), lang="en")["history"][1]["from_label"] == (
        "Collected")


def test_metrics_groups_read_as_words_and_rates_as_percentages(community: Community, t: dict[str, int]) -> None:
    c = community
    compound = c.org.add_compound("虹兴小区", "old", t["committee"])
    resident = c.residents.add("王大爷", compound_id=compound.id, building="1栋", room="101")
    for unit, category, who in ((t["committee"], "care", resident.id), (t["branch"], "maintenance", None)):
        request = c.services.add_request(unit, category=category, text="楼道灯坏了", channel="hotline",
                                         resident=who, at="2025-01-10T09:00")
        c.services.accept(request.id, at="2025-01-10T10:00")
    by_category = text(c, "service", "metrics", "--period", "2025", "--by", "category")
    assert "爱心帮扶" in by_category and "维修维护" in by_category and "care" not in by_category
    care = next(line for line in by_category.splitlines() if line.startswith("爱心帮扶"))
    assert care.split()[1:3] == ["1", "100.0%"]  # received, response rate
    by_unit = text(c, "service", "metrics", "--period", "2025", "--by", "unit")
    assert "城南街道党工委/虹兴社区党委/第一党支部" in by_unit
    groups = as_json(c, "service", "metrics", "--period", "2025", "--by", "compound")["groups"]
    assert [(g["group"], g["group_label"], g["received"]) for g in groups] == [
        (str(compound.id), "虹兴小区", 1), (None, None, 1)]
    [unlabelled] = as_json(c, "service", "metrics", "--period", "2025", "--by", "program")["groups"]
    assert (unlabelled["group"], unlabelled["group_label"], unlabelled["response_rate"]) == (None, None, 1.0)


def test_metrics_and_feedback_files_are_headed_in_words(community: Community, t: dict[str, int],
                                                       tmp_path: Path) -> None:
    import openpyxl

    c = community
    compound = c.org.add_compound("虹兴小区", "old", t["committee"])
    resident = c.residents.add("王大爷", compound_id=compound.id, building="1栋", room="101")
    request = c.services.add_request(t["committee"], category="care", text="代买药品", channel="hotline",
                                     resident=resident.id, at="2025-01-10T09:00")
    c.services.accept(request.id, at="2025-01-10T10:00")
    text(c, "service", "metrics", "--period", "2025", "--by", "compound", "--out", str(tmp_path / "m.xlsx"))
    rows = list(openpyxl.load_workbook(tmp_path / "m.xlsx").active.values)
    assert rows[0][:4] == ("分组", "分组名称", "受理量", "评价量")
    assert rows[1][:4] == (str(compound.id), "虹兴小区", 1, 0)
    text(c, "service", "metrics", "--period", "2025", "--by", "category", "--out", str(tmp_path / "m.csv"),
         lang="en")
    lines = (tmp_path / "m.csv").read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("Group,Group name,Received,Evaluated,Response rate")
    assert lines[1].startswith("care,care,1,0,1.0")  # the English label of 爱心帮扶 is its code
    text(c, "service", "metrics", "--period", "2025", "--out", str(tmp_path / "all.csv"))
    assert (tmp_path / "all.csv").read_text("utf-8-sig").startswith("受理量,评价量,响应率")
    text(c, "service", "employer-feedback", "--period", "2025Q1", "--out", str(tmp_path / "f.csv"))
    headers = "工作单位,党员编号,姓名,服务时长,办理诉求数,服务项目数"
    assert (tmp_path / "f.csv").read_text("utf-8-sig").startswith(headers)
    with pytest.raises(communitycore.InvalidValue, match="by"):
        c.services.group_labels("street", ["1"])
    trace = text(c, "service", "trace", "request", str(request.id))
    assert [line.split()[0] for line in trace.splitlines()[:3]] == ["诉求", "需求", "项目"]


def test_rules_schemes_and_grants_read_as_words(community: Community) -> None:
    c = community
    types = text(c, "meeting", "types")
    assert "正式党员的半数以上" in types and "应到会人员的半数以上" in types and "at-least-half" not in types
    committee = next(t for t in as_json(c, "meeting", "types") if t["code"] == "branch-committee-meeting")
    assert (committee["quorum"], committee["quorum_label"]) == ("at-least-half of all", "应到会人员的半数以上")
    assert committee["pass_rule_label"] == "超过正式党员的半数"
    english = next(t for t in as_json(c, "meeting", "types", lang="en") if t["code"] == "branch-committee-meeting")
    assert english["quorum_label"] == "at least half of all due to attend"
    with communitycore.i18n.language("zh"):
        assert communitycore.records.Threshold.parse(">2/3 of all").describe() == "超过应到会人员的2/3"
        assert communitycore.records.Threshold.parse("2/3").describe() == "正式党员的2/3以上"
    schemes = text(c, "assess", "schemes")
    assert "版本" in schemes and "version" not in schemes and "每季度" in schemes and "quarterly" not in schemes
    steward = next(s for s in as_json(c, "assess", "schemes") if s["id"] == "red-steward")
    assert (steward["subject"], steward["subject_label"], steward["period"], steward["period_label"]) == (
        "steward", "红色管家", "quarterly", "每季度")
    grants = text(c, "grant", "list")
    assert "管理员" in grants and "admin" not in grants.split("\n", 2)[2]
    assert [g["role_label"] for g in as_json(c, "grant", "list", lang="en")][:1] == ["administrator"]


def test_projects_and_demands_show_their_state_and_category_labels(community: Community, t: dict[str, int]) -> None:
    c = community
    c.services.add_demand(t["committee"], name="修灯", category="maintenance")
    c.services.add_project(t["committee"], name="换灯", category="maintenance")
    demands = text(c, "service", "demand", "list")
    assert "维修维护" in demands and "maintenance" not in demands
    projects = text(c, "service", "project", "list")
    assert "待认领" in projects and "open" not in projects
    [project] = as_json(c, "service", "project", "list", lang="en")
    assert (project["state"], project["state_label"], project["category_label"]) == ("open", "Open", "maintenance")


# Rosters -------------------------------------------------------------------------------------------


def _steward(c: Community, member: int) -> int:
    entry = c.rosters.apply("red-steward", member=member)
    c.rosters.qualify(entry.id, passed=True, note="正式党员")
    notice_start = (c.clock.today() - dt.timedelta(days=30)).isoformat()
    c.rosters.notice(entry.id, start=notice_start)
    c.rosters.admit(entry.id, on=(c.clock.today() - dt.timedelta(days=20)).isoformat())
    c.rosters.activate(entry.id)
    return entry.id


def test_roster_entries_show_programme_kind_state_and_tier_labels(community: Community, t: dict[str, int]) -> None:
    c = community
    entry = _steward(c, t["member"])
    listing = text(c, "roster", "list")
    for label in ("红色管家", "党员", "在岗", "普通"):
        assert label in listing
    for code in ("red-steward", "member", "active", "regular"):
        assert code not in listing
    english = text(c, "roster", "list", lang="en")
    for label in ("red stewards", "Party member", "Active", "Regular"):
        assert label in english
    [data] = as_json(c, "roster", "list")
    assert (data["program"], data["program_label"], data["candidate_kind"], data["candidate_kind_label"],
            data["state"], data["state_label"], data["tier"], data["tier_label"], data["exit_reason_label"]) == (
        "red-steward", "红色管家", "member", "党员", "active", "在岗", "regular", "普通", None)
    c.rosters.exit(entry, reason="moved-away")
    # The entry itself (its history's notes are text as recorded).
    shown = text(c, "roster", "show", str(entry)).partition("\n历史\n")[0]
    assert "迁离" in shown and "已退出" in shown and "moved-away" not in shown and "exited" not in shown
    exited = as_json(c, "roster", "show", str(entry), lang="en")
    assert (exited["exit_reason"], exited["exit_reason_label"], exited["history"][-1]["to_label"]) == (
        "moved-away", "Moved away", "Exited")
    programs = text(c, "roster", "programs")
    assert "金牌、银牌、普通" in programs and "gold" not in programs


def test_an_objection_s_state_shows_its_label(community: Community, t: dict[str, int]) -> None:
    c = community
    entry = c.rosters.apply("red-steward", member=t["other"])
    c.rosters.qualify(entry.id, passed=True, note="正式党员")
    c.rosters.notice(entry.id, start=c.clock.today().isoformat())
    objection = c.rosters.object(entry.id, by="居民李四", reason="不实")
    shown = text(c, "roster", "show", str(entry.id))
    assert "待处理" in shown and "异议处理中" in shown
    [data] = as_json(c, "roster", "show", str(entry.id), lang="en")["objections"]
    assert (data["id"], data["state"], data["state_label"]) == (objection.id, "open", "Open")


# Events, recruitment, the activity ledger -------------------------------------------------------------


def test_an_event_s_status_shows_its_label(community: Community, t: dict[str, int]) -> None:
    c = community
    listing = text(c, "events", "list", "--limit", "3")
    assert "已投递" in listing and "delivered" not in listing
    assert "Delivered" in text(c, "events", "list", "--limit", "3", lang="en")
    newest = as_json(c, "events", "list", "--limit", "1")[0]
    assert (newest["status"], newest["status_label"]) == ("delivered", "已投递")


def test_a_candidate_s_stage_and_last_step_show_their_labels(community: Community, t: dict[str, int]) -> None:
    c = community
    c.recruitment.apply("李明", t["branch"], on="2026-11-01", birth_date="1998-05-01", gender="male")
    listing = text(c, "recruit", "list")
    assert "入党申请人" in listing and "递交入党申请书" in listing and "application" not in listing
    [data] = as_json(c, "recruit", "list", lang="en")
    assert (data["stage"], data["stage_label"], data["last_step"], data["last_step_label"], data["gender_label"]) == (
        "applicant", "applicant", "application", "application", "male")
    assert as_json(c, "recruit", "list")[0]["gender_label"] == "男"
    # A stage's English label is a word, not its code.
    later = Candidate(id=1, name="李明", unit_id=1, id_number=None, birth_date=None, gender=None,
                      stage=Stage.DEVELOPMENT, last_step="development-candidate", last_on=dt.date(2026, 11, 1),
                      applied_on=dt.date(2025, 11, 1))
    english = communitycore.to_dict(later, view=view_of(c, lang="en"))
    assert (english["stage_label"], english["last_step_label"]) == ("development candidate", "development candidate")
    assert communitycore.to_dict(later, lang="zh")["stage_label"] == "发展对象"


def test_ledger_entries_and_values_show_subject_kind_and_fact_labels(community: Community, t: dict[str, int]) -> None:
    c = community
    c.activity.record("member", t["member"], "meeting-attended", on="2026-03-05")
    listing = text(c, "activity", "list")
    assert "党员" in listing and "参加会议" in listing and "meeting-attended" not in listing
    assert "meeting attended" in text(c, "activity", "list", lang="en")
    [entry] = as_json(c, "activity", "list")
    assert (entry["fact"], entry["fact_label"], entry["subject_kind"], entry["subject_kind_label"]) == (
        "meeting-attended", "参加会议", "member", "党员")
    values = text(c, "activity", "values", "--fact", "meeting-attended", "--period", "2026Q1")
    assert "参加会议" in values and "meeting-attended" not in values
    [value] = as_json(c, "activity", "values", "--fact", "meeting-attended", "--period", "2026Q1", lang="en")
    assert (value["fact"], value["fact_label"], value["subject_kind_label"], value["value"]) == (
        "meeting-attended", "meeting attended", "member", 1)


# A declaration that is gone ---------------------------------------------------------------------------

PACK = """
[pack]
name = "garden"

[[meeting_types]]
code = "weekly-lecture"
label = "每周党课"
label_en = "weekly lecture"
cadence = "weekly"

[[service_categories]]
code = "garden"
label = "园艺"
label_en = "gardening"

[[facts]]
code = "patrol"
label = "巡逻"
label_en = "patrols"
subject = "member"

[[workflow_states]]
workflow = "roster-membership"
code = "suspended"
label = "暂停"
label_en = "Suspended"
terminal = true

[[workflow_transitions]]
workflow = "roster-membership"
source = "active"
target = "suspended"
action = "suspend"
"""


def test_a_label_is_the_code_once_its_declaration_is_gone(community: Community, t: dict[str, int],
                                                           tmp_path: Path) -> None:
    pack = tmp_path / "garden.toml"
    pack.write_text(PACK, encoding="utf-8")
    with communitycore.open(community.engine, actor=community.actor, clock=community.clock, autoload=False,
                            packs=[pack]) as c:
        c.meetings.record(t["branch"], "weekly-lecture", on="2026-03-05", topic="学习", present=[t["member"]])
        c.services.add_request(t["committee"], category="garden", text="修剪绿化带", channel="walk-in")
        c.activity.record("member", t["member"], "patrol", on="2026-03-05")
        c.rosters.move(_steward(c, t["member"]), "suspended")
        # While the pack is there, its labels are shown.
        assert "每周党课" in text(c, "meeting", "list")
        assert "园艺" in text(c, "service", "request", "list")
        assert "巡逻" in text(c, "activity", "list")
        assert "暂停" in text(c, "roster", "list")
        assert as_json(c, "roster", "list", lang="en")[0]["state_label"] == "Suspended"
    # Without it the codes stay where they were stored, and each is its own label.
    c = community
    assert "weekly-lecture" in text(c, "meeting", "list")
    [meeting] = as_json(c, "meeting", "list")
    assert meeting["type"] == meeting["type_label"] == "weekly-lecture"
    [request] = as_json(c, "service", "request", "list")
    assert request["category"] == request["category_label"] == "garden" and request["state_label"] == "已收集"
    [entry] = [e for e in as_json(c, "activity", "list") if e["fact"] == "patrol"]
    assert entry["fact_label"] == "patrol" and entry["subject_kind_label"] == "党员"
    [steward] = as_json(c, "roster", "list")
    assert steward["state"] == steward["state_label"] == "suspended" and steward["program_label"] == "红色管家"
    assert "suspended" in text(c, "roster", "list", lang="en")
    history = as_json(c, "roster", "show", str(steward["id"]))["history"]
    assert (history[-1]["from_label"], history[-1]["to_label"]) == ("在岗", "suspended")


def test_a_view_labels_from_what_it_is_given() -> None:
    """``View.label_of``: a registry name, a closed set's enum or a table of words; the code for anything else."""
    from communitycore.domain.services import Urgencies
    from communitycore.records import CADENCE_WORDS, MeetingType

    lecture = MeetingType(code="party-lecture", label="党课", label_en="party lecture", cadence="quarterly")
    view = View(lang="en", labels={"meeting_types": {"party-lecture": lecture}})
    assert view.label_of("meeting_types", "party-lecture") == "party lecture"
    assert View(lang="zh", labels=view.labels).label_of("meeting_types", "party-lecture") == "党课"
    assert view.label_of("meeting_types", "theme-day") == "theme-day"
    assert view.label_of("service_categories", "care") == "care"
    assert View(lang="zh").label_of(Urgencies, "emergency") == "紧急"
    assert View(lang="zh").label_of(Urgencies, "someday") == "someday"
    assert View(lang="zh").label_of(CADENCE_WORDS, "monthly") == "每月"
    assert View(lang="en").label_of(CADENCE_WORDS, "monthly") == "Monthly"
    assert view.label_of(CADENCE_WORDS, None) is None


def test_to_dict_takes_a_view_or_its_options_not_both(community: Community) -> None:
    unit = community.org.add("城南街道党工委", "street-committee")
    assert communitycore.to_dict(unit, view=view_of(community, lang="en"))["kind_label"] == "street working committee"
    with pytest.raises(TypeError):
        communitycore.to_dict(unit, view=view_of(community), lang="en")


def test_a_ledger_entry_names_where_it_came_from(sqlite_community: Community) -> None:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    c.activity.record("unit", street.id, "members", quantity=1)
    c.activity.record("unit", street.id, "members", quantity=1, source_kind="town-app", source_id="A-7")
    shown = as_json(c, "activity", "list")
    assert [(e["source_kind"], e["source_kind_label"]) for e in shown] == [
        ("manual", "手工录入"), ("town-app", "town-app")]  # a plugin's own source shows its code
    assert as_json(c, "activity", "list", lang="en")[0]["source_kind_label"] == "entered by hand"
    assert "手工录入" in text(c, "activity", "list") and "manual" not in text(c, "activity", "list")


def test_a_request_names_its_assignee_in_words(sqlite_community: Community) -> None:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    member = c.members.add("张三", street.id)
    request = c.services.add_request(street.id, category="care", channel="hotline", text="代买药品")
    c.services.accept(request.id)
    c.services.assign(request.id, to=f"member:{member.id}")
    [shown] = as_json(c, "service", "request", "list")
    assert (shown["assignee"], shown["assignee_label"]) == (f"member:{member.id}", f"党员 {member.id}")
    assert as_json(c, "service", "request", "list", lang="en")[0]["assignee_label"] == f"member {member.id}"
    assert f"党员 {member.id}" in text(c, "service", "request", "list") and "member:" not in text(
        c, "service", "request", "list")


def test_a_setting_shows_a_coded_value_in_words(sqlite_community: Community) -> None:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    c.org.set_setting(street.id, "dues-rounding", "half-even")
    shown = {s["key"]: s for s in as_json(c, "org", "settings", "show", str(street.id))}
    assert [shown[k]["value_label"] for k in ("meeting-cadence.party-lecture", "dues-rounding",
                                              "dues-retiree-base", "recruitment-quorum")] == [
        "每季度", "四舍六入五成双", "养老金总额", "超过正式党员的半数"]
    assert shown["dues-rounding"]["value"] == "half-even"  # the code stays what scripts read
    assert shown["dues-lapse-months"]["value_label"] is None  # a number reads as it is
    english = {s["key"]: s["value_label"] for s in as_json(c, "org", "settings", "show", str(street.id), lang="en")}
    assert english["dues-rounding"] == "round half to even" and english["dues-retiree-base"] == "total pension"
    listing = text(c, "org", "settings", "show", str(street.id))
    assert "四舍六入五成双" in listing and "half-even" not in listing
    # What a listing shows may be typed back, in either language; the code is what is kept.
    typed = {"meeting-cadence.party-lecture": ("每月", "monthly"), "dues-rounding": ("Round down", "down"),
             "dues-retiree-base": ("基本养老金", "basic-pension"),
             "recruitment-pass-rule": ("超过应到会人员的半数", "more-than-half of all")}
    for key, (words, code) in typed.items():
        assert c.org.set_setting(street.id, key, words).value == code, key
    with pytest.raises(communitycore.InvalidValue):
        c.org.set_setting(street.id, "dues-rounding", "差不多")


def test_a_setting_of_registered_codes_shows_their_labels(sqlite_community: Community) -> None:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    c.org.set_setting(street.id, "required-meeting-types", "party-lecture,branch-general-meeting")
    shown = {s["key"]: s for s in as_json(c, "org", "settings", "show", str(street.id))}
    types = shown["required-meeting-types"]
    assert types["value"] == ["party-lecture", "branch-general-meeting"]  # codes, in the order given
    assert types["value_label"] == "党课、支部党员大会"
    english = {s["key"]: s["value_label"] for s in as_json(c, "org", "settings", "show", str(street.id), lang="en")}
    assert english["required-meeting-types"] == "party lecture, branch general meeting"
    listing = text(c, "org", "settings", "show", str(street.id))
    [line] = [line for line in listing.splitlines() if line.startswith("required-meeting-types")]
    assert "党课、支部党员大会" in line and "party-lecture" not in line
    # Typed back as the listing shows them, or in English, or as codes: the codes are what is kept.
    kept = c.org.set_setting(street.id, "required-meeting-types", "党课，Branch committee meeting, theme-day")
    assert kept.value == ["party-lecture", "branch-committee-meeting", "theme-day"]
    with pytest.raises(communitycore.InvalidValue, match=r"茶话会.*party-lecture"):
        c.org.set_setting(street.id, "required-meeting-types", "党课,茶话会")


def test_service_weights_read_and_are_typed_in_words(sqlite_community: Community) -> None:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    shown = {s["key"]: s for s in as_json(c, "org", "settings", "show", str(street.id))}
    assert shown["service-metric-weights"]["value_label"] == "响应率 0.1，解决率 0.5，满意率 0.4"
    english = {s["key"]: s["value_label"] for s in as_json(c, "org", "settings", "show", str(street.id), lang="en")}
    assert english["service-metric-weights"] == "response rate 0.1, resolution rate 0.5, satisfaction rate 0.4"
    # Typed as the listing writes them (or as codes), the codes are what is kept.
    kept = c.org.set_setting(street.id, "service-metric-weights", "响应率=0.2，Resolution rate=0.4，satisfaction=0.4")
    assert kept.value == {"response": 0.2, "resolution": 0.4, "satisfaction": 0.4}
    with pytest.raises(communitycore.InvalidValue):
        c.org.set_setting(street.id, "service-metric-weights", "响应率=0.2,办结率=0.4,满意率=0.4")


def test_a_mistyped_id_is_refused_in_the_run_s_language(sqlite_community: Community) -> None:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    request = c.services.add_request(street.id, category="care", channel="hotline", text="代买药品")
    c.services.accept(request.id)
    with communitycore.i18n.language("zh"):
        with pytest.raises(communitycore.RejectedInput, match="to：承办方编号 应为用数字 0-9 书写的整数"):
            c.services.assign(request.id, to="member:x7")
        with pytest.raises(communitycore.InvalidValue, match=r"^编号 0 超出范围"):
            communitycore.domain.fields.parse_plain_id(0)
    state = AppState(community=c, pm=c.pm)
    refused = CliRunner().invoke(make_cli(state), ["member", "show", "٣"], obj=state)
    assert refused.exit_code == 2
    assert refused.output.splitlines()[-1] == "错误：'ID' 的值无效：编号 '٣' 不是用数字 0-9 书写的"


# Every action the library writes into the audit trail: the first two arguments of each ``.record(``
# in its source, and the entries of the workflows (``<kind>.enter``, ``<kind>.transition``).
_RECORDED = re.compile(r'\.record\(\s*"([a-z-]+\.[a-z-]+)",\s*(?:"([a-z-]+)"|([A-Z_]+))')
_WORKFLOW_KINDS = ("service-request", "service-project", "assessment-appeal", "roster-entry")


def _audited_in_source() -> set[str]:
    source = Path(communitycore.__file__).parent
    found: set[str] = set()
    for module in source.rglob("*.py"):
        for action, entity, _constant in _RECORDED.findall(module.read_text(encoding="utf-8")):
            found.add(action)
            if entity:
                found.add(entity)
    return found | {f"{kind}.{verb}" for kind in _WORKFLOW_KINDS for verb in ("enter", "transition")} | set(
        _WORKFLOW_KINDS)


def test_every_audited_action_and_entity_has_words() -> None:
    words = communitycore.capabilities.audit_words(communitycore.capabilities.declared())
    found = _audited_in_source()
    assert len(found) > 80  # the scan found the library's calls
    assert sorted(found - set(words)) == []
    for code, (zh, en) in words.items():
        assert zh and en and zh != en and not zh.isascii(), code


def test_the_audit_and_event_listings_name_actions_in_words(sqlite_community: Community) -> None:
    c = sqlite_community
    build_demo(c)
    actions = {e["action"]: e for e in as_json(c, "audit", "list", "--limit", "0")}
    assert set(actions) >= {"member.add", "unit.add", "meeting.add", "service-request.transition"}
    assert all(e["action_label"] != e["action"] for e in actions.values()), [
        e["action"] for e in actions.values() if e["action_label"] == e["action"]]
    assert (actions["member.add"]["action_label"], actions["member.add"]["entity_label"]) == ("新增党员", "党员")
    english = as_json(c, "audit", "list", "--limit", "1", lang="en")[0]
    assert english["action_label"] == communitycore.capabilities.audit_words(c.capabilities)[english["action"]][1]
    listing = text(c, "audit", "list", "--limit", "20")
    assert "member.add" not in listing and "service-request" not in listing
    [event] = as_json(c, "events", "list", "--limit", "1")
    assert event["action_label"] == view_of(c, lang="zh").audit_label(event["action"]) != event["action"]
    # A plugin's own action, which no capability declares, shows its code.
    assert View().audit_label("town-app.sync") == "town-app.sync"


def test_the_audit_listing_is_filtered_by_the_words_it_shows(sqlite_community: Community) -> None:
    c = sqlite_community
    build_demo(c)
    by_code = as_json(c, "audit", "list", "--action", "member.add", "--limit", "0")
    assert by_code and as_json(c, "audit", "list", "--action", "新增党员", "--limit", "0") == by_code
    assert as_json(c, "audit", "list", "--action", "Member added", "--limit", "0") == by_code
    households = as_json(c, "audit", "list", "--entity", "住户", "--limit", "0")
    assert households and {e["entity"] for e in households} == {"household"}
    assert as_json(c, "audit", "list", "--action", "没有这种操作") == []  # not a code nor words: nothing matches


def test_a_person_s_name_is_headed_as_a_name_a_unit_s_as_a_title(sqlite_community: Community) -> None:
    c = sqlite_community
    street = c.org.add("城南街道党工委", "street-committee")
    c.members.add("张三", street.id)
    c.residents.add("李四")
    assert text(c, "member", "list").split()[1] == "姓名"
    assert text(c, "resident", "list").split()[1] == "姓名"
    assert text(c, "org", "show", str(street.id)).splitlines()[1].startswith("名称")
    assert text(c, "member", "list", lang="en").split()[1] == "Name"


def test_a_registered_code_may_be_typed_as_its_name(sqlite_community: Community) -> None:
    c = sqlite_community
    registry = c.registry
    assert registry.code_of("meeting_types", "party-lecture") == "party-lecture"
    assert registry.code_of("meeting_types", "党课") == "party-lecture"
    assert registry.code_of("meeting_types", " Party Lecture ") == "party-lecture"  # English, any case
    assert registry.code_of("meeting_types", "茶话会") == "茶话会"  # none: left for the caller to refuse
    filings = [code for code, step in registry.recruitment_steps.items() if step.label == "报上级党委备案"]
    assert len(filings) == 2 and registry.code_of("recruitment_steps", "报上级党委备案") == "报上级党委备案"
    street = c.org.add("城南街道党工委", "street-committee")
    branch = c.org.add("第一党支部", "branch", street.id)
    held = as_json(c, "meeting", "add", "--unit", str(branch.id), "--type", "党课", "--date", "2026-11-01",
                   "--topic", "学习党章", "--host", "书记")
    assert held["type"] == "party-lecture"
    assert [m["id"] for m in as_json(c, "meeting", "list", "--type", "党课")] == [held["id"]]
    asked = as_json(c, "service", "request", "add", "--unit", str(street.id), "--category", "爱心帮扶",
                    "--channel", "热线", "--text", "代买药品")
    assert asked["category"] == "care"
    granted = as_json(c, "grant", "add", "王委员", "组织委员", "--unit", str(street.id))
    assert granted["role"] == "organizer"
    state = AppState(community=c, pm=c.pm)
    refused = CliRunner().invoke(make_cli(state), ["meeting", "add", "--unit", str(branch.id), "--type", "茶话会",
                                                   "--date", "2026-11-01"], obj=state)
    assert refused.exit_code == 1 and "茶话会" in refused.output and "party-lecture" in refused.output
