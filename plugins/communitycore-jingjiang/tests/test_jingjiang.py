"""The 靖江 plugin, tested with communitycore's testing kit."""

import communitycore_jingjiang as jingjiang
import pytest

from communitycore.plugins.decisions import resolve_request_assignee, score_lines
from communitycore.plugins.packs import load_pack
from communitycore.testing import check_plugin


def test_conformance():
    check_plugin(jingjiang)


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
    assert findings[0].suggestion
    community.org.add("党员义工队功能型党支部", "functional-branch", parent=hongxing)
    assert not [f for f in community.org.check(hongxing) if f.rule == "jj.volunteer-branch"]


def test_red_ribbon_star_bonus(community):
    scheme = community.registry.scoring_schemes["jj-member-points"]
    facts = {1: {"red-ribbon-responses": 12}, 2: {"red-ribbon-responses": 3}}
    lines = score_lines(community, scheme, "2026", [1, 2], facts)
    assert [(p.line.subject_id, p.line.item, p.line.points) for p in lines] == [(1, "red-ribbon-star", 5.0)]
    assert lines[0].provider == "communitycore_jingjiang"
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
    result = cli_runner.invoke("jingjiang", "programmes")
    assert result.exit_code == 0, result.output
    assert "red-ribbon\t红飘带\t爱心帮扶" in result.output
    assert "heart-to-heart-jobs" in result.output
    assert "maintenance" not in result.output
