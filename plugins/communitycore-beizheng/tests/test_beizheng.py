"""The 北正 plugin, tested with communitycore's testing kit."""

import csv
import importlib.metadata
import subprocess
import sys

import communitycore_beizheng as beizheng
import pytest
from communitycore_beizheng.feedback import employer_feedback, mask_name, quarter_of

from communitycore import InvalidValue
from communitycore.i18n import language
from communitycore.plugins.packs import load_pack
from communitycore.testing import check_plugin, check_translations


def test_conformance():
    check_plugin(beizheng)


def test_translations():
    """Every message and help text in the catalog and translated; every help page shows it so."""
    check_translations(beizheng)


def test_help_is_chinese_by_default_and_english_on_request(cli_runner):
    zh = cli_runner.help("beizheng", "feedback")
    en = cli_runner.help("beizheng", "feedback", lang="en")
    assert "双向反馈：按工作单位列出每名在职党员" in zh
    assert "季度，例如 2026Q3。" in zh and "显示党员完整姓名（记入审计日志）。" in zh
    assert "per employer" not in zh and "The quarter" not in zh
    assert "双向反馈: per employer, each in-service member's two-way steps over QUARTER." in en
    assert "The quarter, e.g. 2026Q3." in en and "双向认识" not in en
    group = cli_runner.help("beizheng")
    assert "北正：社区党建联席会议与在职党员双向机制。" in group
    assert "feedback  双向反馈" in group


def test_the_catalog_is_there_as_soon_as_any_of_the_plugin_is():
    """A message of the plugin's library, used before any command or plugin manager, is translated."""
    code = ("from communitycore_beizheng.feedback import quarter_of\n"
            "try:\n    quarter_of('2026')\nexcept Exception as error:\n    print(error)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "反馈按季度进行：'2026'不是一个季度（例如2026Q3）"


def test_installed_under_the_communitycore_entry_point():
    points = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="communitycore")}
    assert points.get("beizheng") == "communitycore_beizheng"


def test_pack_loads_on_its_own():
    provider, records = load_pack(beizheng.PACK)
    assert provider == "pack:beizheng"
    assert {r.code for r in records} >= {"bz-joint-meeting", "bz-five-good-leadership",
                                         "bz-five-star-member-business", "bz-public-appearance"}


def test_joint_meeting_with_the_resident_units(cli_runner):
    types = {t["code"]: t for t in cli_runner.json("meeting", "types")}
    joint = types["bz-joint-meeting"]
    assert (joint["label"], joint["attendees"], joint["cadence"]) == ("社区党建联席会议", "partners", "quarterly")
    assert joint["applies_to"] == ["community-committee", "general-branch"]


def test_both_schemes_are_listed(cli_runner):
    schemes = {s["code"]: s for s in cli_runner.json("assess", "schemes")}
    assert schemes["bz-five-good-leadership"]["subject"] == "unit"
    assert schemes["bz-five-star-member-business"]["subject"] == "member"
    stars = [b["label"] for b in schemes["bz-five-star-member-business"]["bands"]]
    assert stars == ["五星", "四星", "三星", "二星", "一星"]


@pytest.fixture
def beizheng_community(community):
    """北正社区党总支 with two resident units, a 小区党支部, and three in-service members living there."""
    street = community.org.add("城区街道党工委", "street-committee")
    bz = community.org.add("北正社区党总支", "general-branch", parent=street)
    compound = community.org.add("北正小区党支部", "branch", parent=bz)
    power = community.org.add_partner("resident-unit", "市供电公司", bz)
    tax = community.org.add_partner("resident-unit", "市税务局", bz)
    work = community.org.add("市供电公司党支部", "branch", parent=street)
    add = community.members.add
    zhang = add("张建国", work, in_service=True, employer="市供电公司")
    li = add("李红梅", work, in_service=True, employer="市供电公司")
    wang = add("王卫东", compound, in_service=True, employer="市税务局")
    zhao = add("赵明", compound, in_service=True, employer="某民营企业")
    add("孙退休", compound)  # retired: not in service, so never registered
    for member in (zhang, li, wang, zhao):
        community.members.register_community(member.id, bz, on="2026-03-01")
    return community, bz, compound, (power, tax), (zhang, li, wang, zhao)


def test_joint_meeting_records_the_partners(beizheng_community):
    community, bz, _compound, (power, tax), _members = beizheng_community
    meeting = community.meetings.record(bz, "bz-joint-meeting", on="2026-07-10", topic="共建项目", host="书记",
                                        recorder="委员", minutes="资源共享、优势互补",
                                        partners=[(power.id, "王经理"), tax.id])
    assert {p.partner_id for p in meeting.partners} == {power.id, tax.id}


def _steps(community, bz, zhang, li, wang):
    record = community.activity.record
    record("member", zhang.id, "bz-public-appearance", on="2026-07-01", unit=bz)
    record("member", zhang.id, "bz-contact-card", on="2026-07-02", unit=bz)
    record("member", zhang.id, "bz-contact-card", on="2026-08-02", unit=bz)
    record("member", zhang.id, "volunteer-hours", on="2026-08-03", quantity="2.5", unit=bz)
    record("member", zhang.id, "bz-post-claimed", on="2026-08-03", unit=bz)
    record("member", li.id, "bz-service-received", on="2026-09-30", unit=bz)
    record("member", wang.id, "volunteer-hours", on="2026-06-30", quantity=4, unit=bz)  # the quarter before


def test_feedback_groups_members_by_employer(beizheng_community, cli_runner):
    community, bz, _compound, (power, tax), (zhang, li, wang, _zhao) = beizheng_community
    _steps(community, bz, zhang, li, wang)
    found = cli_runner.json("beizheng", "feedback", "--unit", str(bz.id), "--quarter", "2026Q3")
    assert (found["quarter"], found["start"], found["end"], found["members"]) == ("2026Q3", "2026-07-01",
                                                                                "2026-09-30", 4)
    groups = [(g["employer"], g["partner_id"]) for g in found["employers"]]
    assert groups == [("市供电公司", power.id), ("市税务局", tax.id), ("某民营企业", None)]
    power_rows = {m["member_id"]: m for m in found["employers"][0]["members"]}
    assert power_rows[zhang.id] == {
        "member_id": zhang.id, "name": "张**", "community": "城区街道党工委/北正社区党总支",
        "reported_on": "2026-03-01", "appearances": 1, "contacts": 2, "posts_claimed": 1,
        "volunteer_hours": 2.5, "services_received": 0}
    assert power_rows[li.id]["services_received"] == 1
    # the hours of the quarter before do not count
    assert found["employers"][1]["members"][0]["volunteer_hours"] == 0
    assert found["employers"][0]["feedback_sent"] == 0


def test_feedback_leaves_out_members_registered_after_the_quarter(beizheng_community):
    community, bz, _compound, _partners, _members = beizheng_community
    late = community.members.add("周晚到", bz, in_service=True, employer="市供电公司")
    community.members.register_community(late.id, bz, on="2026-10-15")
    found = employer_feedback(community, bz, "2026Q3")
    ids = {m["member_id"] for g in found["employers"] for m in g["members"]}
    assert late.id not in ids and len(ids) == 4
    assert late.id in {m["member_id"] for g in employer_feedback(community, bz, "2026Q4")["employers"]
                       for m in g["members"]}


def test_feedback_recorded_and_written(beizheng_community, cli_runner, tmp_path):
    community, bz, _compound, (power, tax), (zhang, li, wang, _zhao) = beizheng_community
    _steps(community, bz, zhang, li, wang)
    out = tmp_path / "feedback.csv"
    found = cli_runner.json("--lang", "zh", "beizheng", "feedback", "--unit", "城区街道党工委/北正社区党总支",
                            "--quarter", "2026年第三季度", "--out", str(out), "--record")
    assert [g["feedback_sent"] for g in found["employers"]] == [1, 1, None]
    sent = community.activity.values("bz-feedback-sent", "2026Q3", subject_kind="partner")
    assert {(v.subject_id, int(v.value)) for v in sent} == {(power.id, 1), (tax.id, 1)}
    with open(out, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][:4] == ["所在单位", "共建单位编号", "党员编号", "姓名"]
    assert ["市供电公司", str(power.id), str(zhang.id), "张**"] == table[1][:4]
    assert table[1][-1] == "1" and len(table) == 5
    assert all("张建国" not in line for line in out.read_text(encoding="utf-8-sig").splitlines())


def test_feedback_xlsx_and_revealed_names(beizheng_community, cli_runner, tmp_path):
    import openpyxl

    community, bz, _compound, _partners, _members = beizheng_community
    out = tmp_path / "feedback.xlsx"
    result = cli_runner.invoke("--lang", "zh", "beizheng", "feedback", "--unit", str(bz.id), "--quarter", "2026Q3",
                               "--out", str(out), "--reveal", "--reason", "单位党委核对")
    assert result.exit_code == 0, result.output
    assert "张建国" in result.output and "市供电公司（共建单位" in result.output
    sheet = openpyxl.load_workbook(out).active
    assert "张建国" in [row[3] for row in sheet.iter_rows(values_only=True)]
    assert [e.action for e in community.audit.list(limit=None)].count("member.reveal") == 1


def test_feedback_needs_a_quarter(beizheng_community, cli_runner):
    _community, bz, *_rest = beizheng_community
    with pytest.raises(InvalidValue):
        quarter_of("2026-07")
    result = cli_runner.invoke("--lang", "en", "beizheng", "feedback", "--unit", str(bz.id), "--quarter", "2026")
    assert result.exit_code != 0
    assert "not a quarter" in result.output
    result = cli_runner.invoke("--lang", "zh", "beizheng", "feedback", "--unit", str(bz.id), "--quarter", "2026")
    assert result.exit_code == 1 and "错误：反馈按季度进行：'2026'不是一个季度" in result.output
    with language("en"), pytest.raises(InvalidValue, match="is not a quarter"):
        quarter_of("2026")


def test_the_feedback_as_text_in_both_languages(beizheng_community, cli_runner):
    community, bz, _compound, _partners, (zhang, li, wang, _zhao) = beizheng_community
    _steps(community, bz, zhang, li, wang)
    zh = cli_runner.invoke("--lang", "zh", "beizheng", "feedback", "--unit", str(bz.id), "--quarter", "2026Q3").output
    en = cli_runner.invoke("--lang", "en", "beizheng", "feedback", "--unit", str(bz.id), "--quarter", "2026Q3").output
    assert zh.splitlines()[0] == "城区街道党工委/北正社区党总支 2026Q3：在职党员4名"
    assert "市供电公司（共建单位" in zh and "本季已反馈0次）" in zh and "某民营企业（非共建单位）" in zh
    assert f"  {zhang.id} 张**：亮相1 联系2 岗位1 服务2.5小时 社区服务0" in zh
    assert en.splitlines()[0] == "城区街道党工委/北正社区党总支 2026Q3: 4 in-service members"
    assert "某民营企业 (not a partner)" in en
    assert f"  {zhang.id} 张**: appearances 1, contacts 2, posts 1, 2.5 h, services received 0" in en


@pytest.mark.parametrize(("name", "masked"), [("张建国", "张**"), ("李红", "李*"), ("欧阳", "欧*"), ("王", "*")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def _rate(community, subject_kind, subject, facts):
    for fact, value in facts.items():
        community.activity.record(subject_kind, subject.id, fact, on="2026-11-20", quantity=value)


def test_five_good_leadership(beizheng_community):
    community, bz, compound, _partners, _members = beizheng_community
    _rate(community, "unit", bz, {"bz-unity": 19, "bz-democratic-management": 18, "bz-law-abiding": 20,
                                         "bz-service": 19, "bz-tasks": 18})
    _rate(community, "unit", compound, {"bz-unity": 20, "bz-democratic-management": 20,
                                               "bz-law-abiding": 20, "bz-service": 20, "bz-tasks": 20,
                                               "bz-leadership-breach": 1})
    run = community.assessments.run("bz-five-good-leadership", "2026", unit=bz)
    results = {r.subject_id: r for r in community.assessments.results(run.id)}
    assert (results[bz.id].total, results[bz.id].grade) == (94, "five-good")
    assert results[compound.id].total == 0 and results[compound.id].vetoed


def test_five_star_member_business_counts_standards_met(beizheng_community):
    community, _bz, compound, _partners, _members = beizheng_community
    five, three, none = (community.members.add(n, compound) for n in ("钱五星", "孙三星", "周无星"))
    standards = ["bz-civil-trading", "bz-lawful-trading", "bz-tax-paid", "bz-obligations-met", "bz-quality-service"]
    _rate(community, "member", five, dict.fromkeys(standards, 1))
    _rate(community, "member", three, dict.fromkeys(standards[:3], 1))
    community.activity.record("member", three.id, "bz-civil-trading", on="2026-11-21")  # met twice: still one star
    _rate(community, "member", none, {**dict.fromkeys(standards, 1), "bz-business-violation": 1})
    run = community.assessments.run("bz-five-star-member-business", "2026", unit=compound)
    grades = {r.subject_id: r.grade for r in community.assessments.results(run.id)}
    assert (grades[five.id], grades[three.id], grades[none.id]) == ("five-star", "three-star", None)
