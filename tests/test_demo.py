"""The sample community (``communitycore.demo``): its shape, its data and the findings it is built to show."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

import communitycore
from communitycore import Community, Conflict
from communitycore.clock import Clock
from communitycore.demo import DEMO_ROOT, REGION_CODE, build_demo, find_demo
from communitycore.domain.identity import parse_id_number
from communitycore.domain.members import Category, Post
from communitycore.domain.org import PartnerKind, PropertyTier


def test_the_sample_community(community: Community) -> None:
    assert find_demo(community) is None
    root = build_demo(community)
    assert root.name == DEMO_ROOT and root.kind == "street-committee" and root.parent_id is None
    assert find_demo(community) == root

    # The tree: every national kind, the case studies' units, the 红色管家 chain.
    lines = community.org.tree()
    paths = {line.path: line.unit for line in lines}
    assert {u.kind for u in paths.values()} == set(community.registry.unit_kinds)
    for path in ("靖城街道党工委/虹兴社区党委/工搪企业支部", "靖城街道党工委/虹兴社区党委/老党员支部",
                 "靖城街道党工委/虹兴社区党委/党员义工服务队党支部", "靖城街道党工委/江华社区党总支",
                 "靖城街道党工委/幸福社区党委/第一网格党支部/1号楼党小组/1号楼党员中心户"):
        assert path in paths
    steward = paths["靖城街道党工委/幸福社区党委/红色管家联合党支部"]
    assert steward.kind == "joint-branch" and steward.covered_units == 4

    # Members: valid ID numbers of 靖江市 agreeing with birth date and gender, unique names.
    members = community.members.list(limit=None)  # every member, not one page
    assert 150 <= len(members) <= 300
    for member in members:
        parsed = parse_id_number(member.id_number, today=community.clock.today())
        assert member.id_number.startswith(REGION_CODE)
        assert parsed.birth_date == member.birth_date and parsed.gender == member.gender.value
        assert member.phone and len(member.phone) == 11
    assert len({m.name for m in members}) == len(members)
    assert len({m.id_number for m in members}) == len(members)
    by_name = {m.name: m for m in members}
    assert by_name["陈剑萍"].post is Post.SECRETARY
    assert by_name["陈剑萍"].unit_id == paths["靖城街道党工委/江华社区党总支"].id
    assert by_name["盛金松"].post is Post.DEPUTY_SECRETARY
    categories = Counter(m.category for m in members)
    assert categories[Category.PROBATIONARY] >= 4
    assert len(community.members.due_confirmation()) >= 3
    assert sum(m.in_service for m in members) >= 10
    assert {m.standing.value for m in members} >= {"normal", "mobile", "lost-contact"}
    secretaries = Counter(m.unit_id for m in members if m.post is Post.SECRETARY)
    assert all(n == 1 for n in secretaries.values())

    # 双报到 and transfers, with their history.
    registrations = community.members.registrations()
    assert len(registrations) >= 10
    assert {r.community_unit_id for r in registrations} <= {paths["靖城街道党工委/幸福社区党委"].id,
                                                            paths["靖城街道党工委/虹兴社区党委"].id}
    transfers = community.audit.list(action="member.transfer", limit=None)
    assert len(transfers) == 3
    history = community.members.transfers(int(transfers[0].entity_id))
    assert history and history[0].reason

    # Compounds of every tier with partners of every kind; residents with the care flags.
    assert {c.tier for c in community.org.compounds()} == set(PropertyTier)
    assert {p.kind for p in community.org.partners()} == set(PartnerKind)
    flags = Counter(flag.value for r in community.residents.list() for flag in r.flags)
    assert flags["living-alone-elderly"] and flags["disabled"] and flags["hardship"]
    assert len(community.residents.households()) >= 20

    # The findings it is built to show, and none it is not.
    findings = community.org.check()
    by_rule = {(f.rule, f.unit.rsplit("/", 1)[-1]) for f in findings}
    assert ("min-full-members", "怡馨苑小区支部") in by_rule
    assert ("max-members", "老党员支部") in by_rule
    assert ("term-ended", "江华社区党总支") in by_rule
    assert not [f for f in findings if f.rule in ("committee-required", "term-ending", "max-covered-units")]

    # Settings along the tree, and the roll-up figures of the 靖江 kind.
    settings = community.org.settings(paths["靖城街道党工委/幸福社区党委/第一网格党支部"].id)
    assert settings["meeting-cadence.party-lecture"].value == "weekly"
    assert settings["meeting-cadence.party-lecture"].source == "靖城街道党工委/幸福社区党委"
    stats = community.org.stats(root.id)[0]
    assert stats.members == len(members) and stats.units == len(lines)
    assert stats.secretaries >= 12 and 0 < stats.secretaries_associate_or_above_share <= 1
    assert stats.cadre_average_age is not None and 30 < stats.cadre_average_age < 70

    # Never twice.
    with pytest.raises(Conflict, match="already has the sample community"):
        build_demo(community)
    assert community.members.count() == len(members)


def _snapshot(community: Community) -> list[tuple[str, str | None, str | None, dt.date | None]]:
    build_demo(community)
    return [(m.name, m.id_number, m.phone, m.join_date) for m in community.members.list(limit=None)]


def test_the_same_seed_and_day_give_the_same_community(sqlite_community: Community, tmp_path: Path,
                                                       clock: Clock) -> None:
    with communitycore.open(f"sqlite:///{tmp_path / 'other.db'}", actor="tester", clock=clock,
                            autoload=False, create=True) as other:
        assert _snapshot(other) == _snapshot(sqlite_community)
