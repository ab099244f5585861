"""The 靖江 plugin, tested with communitycore's testing kit."""

import importlib.metadata

import communitycore_jingjiang as jingjiang
import pytest

from communitycore.i18n import language
from communitycore.plugins.decisions import resolve_request_assignee, score_lines
from communitycore.plugins.packs import load_pack
from communitycore.testing import check_plugin, check_translations


def test_conformance():
    check_plugin(jingjiang)


def test_translations():
    """Every message and help text in the catalog and translated; every help page shows it so."""
    check_translations(jingjiang)


def test_help_is_chinese_by_default_and_english_on_request(cli_runner):
    zh = cli_runner.help("jingjiang", "cadres")
    en = cli_runner.help("jingjiang", "cadres", lang="en")
    assert "干部统计：社区党组织书记中大专以上文化的人数、社区干部的平均年龄。" in zh
    assert "街道党工委（或某一社区党组织）：统计其所辖的社区党组织。" in zh
    assert "Cadre statistics" not in zh and "is counted" not in zh
    assert "Cadre statistics: secretaries with 大专 or above, community cadres'" in en
    group = cli_runner.help("jingjiang")
    assert "靖江：全市的服务品牌与特色做法。" in group
    assert "cadres      干部统计" in group and "programmes  列出靖江的服务品牌及其服务类别" in group


def test_installed_under_the_communitycore_entry_point():
    points = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="communitycore")}
    assert points.get("jingjiang") == "communitycore_jingjiang"


def test_records_come_from_the_shipped_pack(community):
    registry = community.registry
    assert registry.unit_kinds["market-branch"].label == "专业市场党支部"
    assert registry.meeting_types["weekly-lecture"].cadence.value == "weekly"
    assert registry.meeting_types["weekly-lecture"].applies_to == ("joint-branch",)
    brands = {code: p.label for code, p in registry.service_programs.items()}
    expected = {"red-ribbon": "红飘带", "love-supermarket": "爱心超市", "small-dining-table": "小餐桌"}
    assert expected.items() <= brands.items()
    assert registry.service_programs["heart-to-heart-jobs"].category == "employment"
    assert registry.roster_programs["party-volunteers"].scoring_scheme == "jj-member-points"
    assert registry.scoring_schemes["jj-five-star-business"].vetoes == ("business-violations", "tax-arrears")
    providers = {c.provider for c in registry.contributions() if c.record.code == "red-ribbon"}
    assert providers == {"communitycore_jingjiang"}


def test_pack_loads_on_its_own():
    provider, records = load_pack(jingjiang.PACK)
    assert provider == "pack:jingjiang"
    assert {r.code for r in records} >= {"market-branch", "weekly-lecture", "red-ribbon", "party-volunteers"}


@pytest.fixture
def city(community):
    street = community.org.add("靖城街道党工委", "street-committee")
    hongxing = community.org.add("虹兴社区党委", "community-committee", parent=street)
    market = community.org.add("商贸城专业市场党支部", "market-branch", parent=hongxing)
    return community, hongxing, market


def test_market_branch_sits_under_a_community(city):
    community, _hongxing, market = city
    assert market.kind == "market-branch"
    rules = {(f.unit_id, f.rule) for f in community.org.check()}
    assert (market.id, "min-full-members") in rules  # the national threshold applies to the new kind


def test_volunteer_branch_rule(city):
    community, hongxing, _market = city
    findings = [f for f in community.org.check(hongxing) if f.rule == "jj.volunteer-branch"]
    assert [f.unit_id for f in findings] == [hongxing.id]
    assert findings[0].message == "虹兴社区党委没有党员义工队功能型党支部"
    assert findings[0].suggestion == "在党员义工队中建立功能型党支部（volunteer-branch）"
    with language("en"):
        [english] = [f for f in community.org.check(hongxing) if f.rule == "jj.volunteer-branch"]
    assert english.message == "虹兴社区党委 has no 功能型党支部 for its 党员义工队"
    community.org.add("党员义工队功能型党支部", "functional-branch", parent=hongxing)
    assert not [f for f in community.org.check(hongxing) if f.rule == "jj.volunteer-branch"]


def test_red_ribbon_star_bonus(community):
    scheme = community.registry.scoring_schemes["jj-member-points"]
    facts = {1: {"red-ribbon-responses": 12}, 2: {"red-ribbon-responses": 3}}
    lines = score_lines(community, scheme, "2026", [1, 2], facts)
    assert [(p.line.subject_id, p.line.item, p.line.points) for p in lines] == [(1, "red-ribbon-star", 5.0)]
    assert lines[0].provider == "communitycore_jingjiang"
    assert lines[0].line.note == "红飘带之星：响应12次"
    other = community.registry.scoring_schemes["jj-five-star-business"]
    assert score_lines(community, other, "2026", [1], facts) == []


def test_employment_requests_go_to_the_community(city):
    community, hongxing, market = city
    units = community.org.snapshots()
    decided = resolve_request_assignee(community, {"category": "employment", "unit_id": market.id}, units)
    assert (decided.unit_id, decided.decided_by) == (hongxing.id, "communitycore_jingjiang")
    fallback = resolve_request_assignee(community, {"category": "care", "unit_id": market.id}, units)
    assert (fallback.unit_id, fallback.decided_by) == (market.id, "host")


def test_programmes_command(cli_runner):
    result = cli_runner.invoke("--lang", "en", "jingjiang", "programmes")
    assert result.exit_code == 0, result.output
    assert "red-ribbon\t红飘带\t爱心帮扶" in result.output
    assert "heart-to-heart-jobs" in result.output
    assert "maintenance" not in result.output


BRANDS = {
    "red-ribbon": "红飘带", "heart-to-heart-jobs": "“心连心”职业介绍所", "job-assistance": "就业援助行动",
    "love-supermarket": "爱心超市", "one-helps-one": "一助一", "home-elderly-care": "居家养老",
    "small-dining-table": "小餐桌", "livelihood-station": "民生驿站",
}


def test_the_eight_brands_are_listed_by_the_host(cli_runner):
    listed = {p["code"]: p for p in cli_runner.json("service", "programs")}
    assert {code: listed[code]["label"] for code in BRANDS} == BRANDS
    assert {listed[code]["category"] for code in ("heart-to-heart-jobs", "job-assistance")} == {"employment"}


def test_functional_branch_kinds(city):
    community, hongxing, _market = city
    kinds = community.registry.unit_kinds
    assert kinds["volunteer-branch"].label == "党员义工队功能型党支部"
    assert kinds["civic-branch"].min_full_members == 3
    civic = community.org.add("夕阳红文艺队功能型党支部", "civic-branch", parent=hongxing)
    assert (civic.id, "min-full-members") in {(f.unit_id, f.rule) for f in community.org.check(hongxing)}
    # the city's own functional kind satisfies the 党员义工队 rule, a civic one does not
    assert [f.unit_id for f in community.org.check(hongxing) if f.rule == "jj.volunteer-branch"] == [hongxing.id]
    community.org.add("党员义工队党支部", "volunteer-branch", parent=hongxing)
    assert not [f for f in community.org.check(hongxing) if f.rule == "jj.volunteer-branch"]


def _members(community, unit, count, *, post=None):
    return [community.members.add(f"党员{unit.id}-{n}", unit, post=post if n == 0 else None)
            for n in range(count)]


@pytest.mark.parametrize(("count", "found"), [(50, False), (51, True)])
def test_general_branch_from_more_than_50_members(community, count, found):
    street = community.org.add("靖城街道党工委", "street-committee")
    jianghua = community.org.add("江华社区党支部", "branch", parent=street)
    _members(community, jianghua, count)
    findings = [f for f in community.org.check(street) if f.rule == "jj.general-branch"]
    assert [f.unit_id for f in findings] == ([jianghua.id] if found else [])
    if found:
        assert "党总支" in findings[0].message and findings[0].suggestion
        assert findings[0].severity.value == "warning"


def test_general_branch_rule_spares_general_branches_and_deeper_units(community):
    street = community.org.add("靖城街道党工委", "street-committee")
    hongxing = community.org.add("虹兴社区党委", "community-committee", parent=street)
    jianghua = community.org.add("江华社区党总支", "general-branch", parent=street)
    old = community.org.add("老党员支部", "branch", parent=hongxing)
    for unit in (jianghua, old):
        _members(community, unit, 51)
    assert not [f for f in community.org.check(street) if f.rule == "jj.general-branch"]
    # the national rule still sees the large branch under the committee
    assert (old.id, "max-members") in {(f.unit_id, f.rule) for f in community.org.check(street)}


def test_three_creations_scheme_rates_communities(city):
    community, hongxing, market = city
    scheme = community.registry.scoring_schemes["jj-three-creations"]
    assert scheme.subject.value == "unit"
    assert [b.grade for b in scheme.bands] == ["advanced", "qualified", "unqualified"]
    for fact, value in (("jj-service-system", 24), ("jj-service-fields", 23), ("jj-service-methods", 22),
                        ("jj-resident-satisfaction", 96)):
        community.activity.record("unit", hongxing.id, fact, on="2026-06-30", quantity=value)
    community.activity.record("unit", market.id, "jj-service-system", on="2026-06-30", quantity=30)
    run = community.assessments.run("jj-three-creations", "2026", unit=hongxing)
    results = {r.subject_id: r for r in community.assessments.results(run.id)}
    assert results[hongxing.id].total == 93 and results[hongxing.id].grade == "advanced"
    # a branch takes part without a grade; its 30 points are capped at 25
    assert results[market.id].total == 25 and results[market.id].grade is None


@pytest.fixture
def cadre_city(community):
    """Two communities after the 换届: secretaries, committee members, a branch secretary below."""
    street = community.org.add("靖城街道党工委", "street-committee")
    hongxing = community.org.add("虹兴社区党委", "community-committee", parent=street)
    jianghua = community.org.add("江华社区党总支", "general-branch", parent=street)
    branch = community.org.add("老党员支部", "branch", parent=hongxing)
    add = community.members.add
    add("盛金松", hongxing, post="secretary", education="bachelor", birth_date="1980-03-01")
    add("王委员", hongxing, post="organization-member", education="high-school", birth_date="1990-12-01")
    add("陈剑萍", jianghua, post="secretary", education="high-school", birth_date="1970-01-01")
    add("李委员", jianghua, post="committee-member", education="associate")
    add("普通党员", jianghua, education="postgraduate", birth_date="1995-01-01")
    add("支部书记", branch, post="secretary", education="primary", birth_date="1950-01-01")
    return community, street, hongxing, jianghua


def test_cadre_statistics(cadre_city, cli_runner):
    _community, street, hongxing, jianghua = cadre_city
    stats = cli_runner.json("jingjiang", "cadres", "--unit", str(street.id))
    assert stats["communities"] == 2
    # secretaries of the two communities: 本科 at 46, 高中 at 56 (the branch secretary is not one)
    assert stats["secretaries"] == {"count": 2, "college": 1, "college_share": 0.5, "education_unknown": 0,
                                    "average_age": 51.0, "age_unknown": 0}
    # cadres: the four committee posts; ages on 2026-11-28 are 46, 35 and 56, one birth date missing
    assert stats["cadres"]["count"] == 4
    assert stats["cadres"]["college"] == 2
    assert stats["cadres"]["college_share"] == 0.5
    assert stats["cadres"]["average_age"] == 45.7
    assert stats["cadres"]["age_unknown"] == 1
    by_unit = {row["unit_id"]: row for row in stats["by_community"]}
    assert by_unit[hongxing.id]["secretary_college"] is True
    assert by_unit[jianghua.id]["secretary_college"] is False


def test_cadre_statistics_of_one_community_as_text(cadre_city, cli_runner):
    _community, _street, hongxing, _jianghua = cadre_city
    result = cli_runner.invoke("--lang", "zh", "jingjiang", "cadres", "--unit", "靖城街道党工委/虹兴社区党委")
    assert result.exit_code == 0, result.output
    assert "社区党组织书记1名，大专以上文化的1人，占100.0%" in result.output
    assert "社区干部2名，大专以上学历的1人，平均年龄40.5岁" in result.output
    english = cli_runner.invoke("--lang", "en", "jingjiang", "cadres", "--unit", str(hongxing.id))
    assert "1 secretary, 1 with 大专 or above: 100.0%" in english.output
    assert "2 community cadres, 1 with 大专 or above, average age 40.5" in english.output
