"""The 红色管家 plugin, tested with communitycore's testing kit."""

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

import communitycore_red_steward as red_steward
import pytest
from communitycore_red_steward.property_tiers import GOALS, report

from communitycore.clock import Clock
from communitycore.errors import Conflict
from communitycore.plugins.packs import load_pack
from communitycore.testing import check_plugin, check_translations

TZ = ZoneInfo("Asia/Shanghai")
MEETINGS = {"rs-weekly-party-class", "rs-monthly-lecture", "rs-quarterly-contest", "rs-joint-meeting",
            "rs-x-plus-n-joint-meeting"}
PROGRAMS = {"rs-maintenance": "maintenance", "rs-care": "care", "rs-consulting": "consulting",
            "rs-culture": "culture", "rs-emergency": "emergency", "rs-mediation": "mediation"}


def test_conformance():
    check_plugin(red_steward)


def test_translations():
    """Every help text in the catalog and translated; every help page shows it so."""
    check_translations(red_steward)


def test_help_is_chinese_by_default_and_english_on_request(cli_runner):
    zh = cli_runner.help("red-steward", "property-tiers")
    en = cli_runner.help("red-steward", "property-tiers", lang="en")
    assert "列出 UNIT 所辖的每个小区及其提升目标，以及居民诉求数、解决率和满意率。" in zh
    assert "统计诉求的期间，例如 2026 或 2026Q3（默认：本年度）。" in zh
    assert "compound" not in zh and "default: this year" not in zh
    assert "The unit whose compounds are listed (id or path)." in en
    group = cli_runner.help("red-steward")
    assert "红色管家：各小区按类型确定的物业提升目标（定向、规范、精准、智慧提升）。" in group


def test_pack_loads_on_its_own():
    provider, records = load_pack(red_steward.PACK)
    assert provider == "pack:red-steward"
    assert {r.code for r in records} >= MEETINGS | set(PROGRAMS) | {red_steward.PROGRAM, red_steward.SCHEME}


def test_the_meeting_system(community):
    types = community.registry.meeting_types
    assert set(types) >= MEETINGS
    cadences = {code: types[code].cadence.value for code in MEETINGS}
    assert cadences == {"rs-weekly-party-class": "weekly", "rs-monthly-lecture": "monthly",
                        "rs-quarterly-contest": "quarterly", "rs-joint-meeting": "quarterly",
                        "rs-x-plus-n-joint-meeting": "monthly"}
    training = {code for code in MEETINGS if types[code].counts_as_training}
    assert training == {"rs-weekly-party-class", "rs-monthly-lecture", "rs-quarterly-contest"}
    assert types["rs-x-plus-n-joint-meeting"].attendees == "partners"
    assert types["rs-joint-meeting"].attendees == "partners"
    assert types["rs-weekly-party-class"].applies_to == ("joint-branch",)
    providers = {c.provider for c in community.registry.contributions() if c.record.code in MEETINGS}
    assert providers == {"communitycore_red_steward"}


def test_the_six_service_functions(community):
    programs = {p.code: p for p in community.services.programs() if p.code.startswith("rs-")}
    assert {code: p.category for code, p in programs.items()} == PROGRAMS
    assert programs["rs-emergency"].default_urgency.value == "emergency"


def test_the_roster_programme_and_its_scheme(community):
    program = community.rosters.program(red_steward.PROGRAM)
    assert program.candidate_kinds == ("member", "partner-staff", "partner")
    assert (program.member_categories, program.veto_facts) == (("full",), ("rs-discipline-breach",))
    assert (program.notice_days, program.training_sessions, program.training_period.value) == (7, 12, "quarterly")
    assert (program.tiers, program.max_term_years, program.readmit_after_days) == (
        ("gold", "silver", "regular"), 3, 365)
    scheme = community.assessments.scheme(program.scoring_scheme)
    assert scheme.period.value == "quarterly" and scheme.vetoes == ("rs-misconduct",)
    assert [i.fact for i in scheme.items] == ["steward-participation", "steward-effect", "steward-satisfaction",
                                              "rs-resident-complaint"]
    assert [(b.grade, b.outcome.value) for b in scheme.bands] == [
        ("excellent", "promote"), ("qualified", "keep"), ("basically-qualified", "demote"), ("unqualified", "remove")]


# A quarter of stewards: 优者上、庸者下、劣者汰 -------------------------------------------------------

#: (activities, effect, satisfaction, complaints, misconduct) per steward, and the expected total,
#: grade, tier and state after the review (all start in "regular").
STEWARDS = [
    ((10, 30, 100, 0, 0), 100, "excellent", "silver", "active"),
    ((8, 25, 90, 0, 0), 84, "qualified", "regular", "active"),
    ((7, 20, 80, 1, 0), 67, "basically-qualified", "regular", "warned"),  # demoted at the bottom: warned
    ((10, 30, 100, 0, 1), 0, "unqualified", "regular", "exited"),  # 一票否决
    ((2, 5, 60, 0, 0), 31, "unqualified", "regular", "exited"),
]


def _at(community, *when):
    community.clock = Clock("Asia/Shanghai", fixed=dt.datetime(*when, 9, 0, tzinfo=TZ))


@pytest.fixture
def compound_branch(community):
    street = community.org.add("城东街道党工委", "street-committee")
    committee = community.org.add("幸福社区党委", "community-committee", parent=street)
    branch = community.org.add("幸福里小区红色管家联合党支部", "joint-branch", parent=committee)
    return committee, branch


def _steward(community, branch, name):
    member = community.members.add(name, branch.id, education="本科", join_date="2010-07-01",
                                   full_date="2011-07-01")
    entry = community.rosters.apply(red_steward.PROGRAM, member=member.id)
    community.rosters.qualify(entry.id, passed=True, note="政治标准合格")
    community.rosters.notice(entry.id, start="2026-06-01")
    return community.rosters.admit(entry.id).id


def test_a_quarterly_review_over_ledger_facts_gives_the_expected_tiers(community, compound_branch):
    _committee, branch = compound_branch
    _at(community, 2026, 6, 20)
    ids = [_steward(community, branch, f"管家{i}") for i in range(len(STEWARDS))]
    _at(community, 2026, 10, 8)  # the quarter's work is recorded once it is done
    record = community.activity.record
    for entry, ((activities, effect, satisfaction, complaints, misconduct), *_expected) in zip(
            ids, STEWARDS, strict=True):
        for day in range(activities):
            record("steward", entry, "steward-participation", on=dt.date(2026, 7, 1 + day), unit=branch.id)
        record("steward", entry, "steward-effect", on="2026-08-15", quantity=effect, unit=branch.id)
        record("steward", entry, "steward-satisfaction", on="2026-09-20", quantity=satisfaction, unit=branch.id)
        for _ in range(complaints):
            record("steward", entry, "rs-resident-complaint", on="2026-08-01", unit=branch.id)
        if misconduct:
            record("steward", entry, "rs-misconduct", on="2026-09-01", unit=branch.id)
    proposals = {p.entry_id: p for p in community.rosters.review(red_steward.PROGRAM, "2026Q3", apply=True)}
    entries = {e.id: e for e in community.rosters.list(program=red_steward.PROGRAM)}
    for entry, (_facts, total, grade, tier, state) in zip(ids, STEWARDS, strict=True):
        assert (proposals[entry].total, proposals[entry].grade) == (Decimal(total), grade)
        assert (entries[entry].tier, entries[entry].state) == (tier, state)
    assert entries[ids[4]].exit_reason == "eliminated"


def test_a_sanctioned_member_does_not_qualify(community, compound_branch):
    _committee, branch = compound_branch
    member = community.members.add("钱某", branch.id, education="本科", join_date="2010-07-01", full_date="2011-07-01")
    community.activity.record("member", member.id, "rs-discipline-breach", on="2026-03-01", unit=branch.id)
    entry = community.rosters.apply(red_steward.PROGRAM, member=member.id)
    with pytest.raises(Conflict, match="rs-discipline-breach"):
        community.rosters.qualify(entry.id, passed=True, note="审查")
    probationary = community.members.add("孙某", branch.id, education="本科", join_date="2026-01-10",
                                         category="probationary")
    entry = community.rosters.apply(red_steward.PROGRAM, member=probationary.id)
    with pytest.raises(Conflict, match=r"(member category must be|党员类别须为) full"):
        community.rosters.qualify(entry.id, passed=True, note="审查")


# Property-tier goals per compound -------------------------------------------------------------

@pytest.fixture
def compounds(community, compound_branch):
    committee, branch = compound_branch
    made = {tier: community.org.add_compound(name, tier, branch.id) for tier, name in [
        ("old", "幸福里老旧小区"), ("resettlement", "安居回迁小区"), ("standard", "和园标准小区"), ("new", "智汇新城")]}
    residents = {tier: community.residents.add(f"{tier}居民", compound_id=c.id, building="1栋", room="101")
                 for tier, c in made.items()}
    # 老旧小区: two requests, one solved and 满意; 新建小区: one, solved and 基本满意.
    for tier, solved, satisfaction in [("old", True, "满意"), ("old", False, "不满意"), ("new", True, "基本满意")]:
        request = community.services.add_request(branch.id, category="maintenance", program="rs-maintenance",
                                                 channel="hotline", text="楼道灯坏了", resident=residents[tier].id,
                                                 at="2026-05-10T09:00")
        for step in (community.services.accept, community.services.assign, community.services.start,
                     community.services.resolve):
            step(request.id)
        community.services.evaluate(request.id, solved=solved, satisfaction=satisfaction)
    return committee, made


def test_each_compound_has_the_goal_of_its_property_tier(community, compounds):
    committee, made = compounds
    rows = {r.compound.id: r for r in report(community, committee.id, "2026")}
    assert {rows[c.id].goal.label for c in made.values()} == {"定向提升", "规范提升", "精准提升", "智慧提升"}
    assert {tier: rows[c.id].goal.code for tier, c in made.items()} == {t: g.code for t, g in GOALS.items()}
    old, new, standard = rows[made["old"].id], rows[made["new"].id], rows[made["standard"].id]
    assert (old.received, old.resolution_rate, old.satisfaction_rate) == (2, 0.5, 0.5)
    assert (new.received, new.resolution_rate, new.satisfaction_rate) == (1, 1.0, 0.9)
    assert (standard.received, standard.resolution_rate) == (0, None)
    assert [r.received for r in report(community, committee.id, "2025")] == [0, 0, 0, 0]


def test_the_property_tiers_command(cli_runner, compounds):
    committee, made = compounds
    rows = cli_runner.json("red-steward", "property-tiers", "--unit", str(committee.id), "--period", "2026")
    by_id = {row["id"]: row for row in rows}
    old = by_id[made["old"].id]
    assert (old["kind"], old["tier"], old["goal"], old["goal_label"], old["goal_label_en"]) == (
        "compound", "old", "targeted", "定向提升", "targeted upgrade")
    assert (old["received"], old["resolution_rate"], old["period"]) == (2, 0.5, "2026")
    text = cli_runner.invoke("--lang", "en", "red-steward", "property-tiers", "--unit", str(committee.id),
                             "--period", "2026")
    assert text.exit_code == 0, text.output
    assert "smart upgrade" in text.output and "50.0%" in text.output and "Resolution rate" in text.output


# As a new user installs it -------------------------------------------------------------------

def _cli(db, *args):
    env = {**os.environ, "COMMUNITYCORE_LANG": "en"}
    env.pop("COMMUNITYCORE_DISABLE_PLUGIN_AUTOLOAD", None)
    done = subprocess.run([sys.executable, "-m", "communitycore", "--db", str(db), "--create", *args, "--json"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_installed_plugin_shows_in_every_listing(tmp_path):
    db = tmp_path / "rs.db"
    plugins = {p["name"]: p for p in _cli(db, "plugins")}
    assert plugins["red-steward"]["status"] == "loaded"
    assert plugins["red-steward"]["distribution"] == "communitycore-red-steward"
    assert {t["code"] for t in _cli(db, "meeting", "types")} >= MEETINGS
    assert set(PROGRAMS) <= {p["code"] for p in _cli(db, "service", "programs")}
    assert red_steward.PROGRAM in {p["code"] for p in _cli(db, "roster", "programs")}
    assert red_steward.SCHEME in {s["code"] for s in _cli(db, "assess", "schemes")}
