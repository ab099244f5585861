"""The sample community (``communitycore.demo``): its shape, its data and the findings it is built to show."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import communitycore
from communitycore import Community, Conflict
from communitycore.clock import Clock
from communitycore.demo import DEMO_AUDITOR, DEMO_ROOT, DEMO_SECRETARY, REGION_CODE, build_demo, find_demo
from communitycore.demo_year import dashboard_period, dues_month, summary
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

    _check_year(community, root, paths)

    # Never twice.
    with pytest.raises(Conflict, match="already has the sample community"):
        build_demo(community)
    assert community.members.count() == len(members)


def _thursdays(year: int) -> int:
    return sum(1 for day in range(366) if (dt.date(year, 1, 1) + dt.timedelta(days=day)).year == year
               and (dt.date(year, 1, 1) + dt.timedelta(days=day)).weekday() == 3)


def _check_year(community: Community, root: Any, paths: dict[str, Any]) -> None:
    """The year of work the sample adds: every capability holds what the demo says it does."""
    today = community.clock.today()
    year = today.year - 1
    assert dashboard_period(community) == str(year)
    branch = paths["靖城街道党工委/虹兴社区党委/社区支部"]

    # 三会一课 by cadence: 11 branches (the three of 幸福社区党委 with a weekly Party class) and 3
    # party groups, less the five months and two weeks left out; 张书记 recorded 社区支部's.
    held = community.meetings.list(unit=root.id, period=str(year), status="held", limit=None)
    weekly = 3 * _thursdays(year) - 2
    assert len(held) == 11 * (4 + 12) - 3 + 8 * 4 - 1 + weekly + 3 * 12 - 1
    assert Counter(m.type for m in held)["party-lecture"] == 8 * 4 - 1 + weekly
    by_secretary = community.audit.list(action="meeting.add", actor=DEMO_SECRETARY, limit=None)
    assert len(by_secretary) == sum(1 for m in held if m.unit_id == branch.id) == 4 + 12 + 4
    assert sum(1 for m in held for a in m.attendance if a.presence.value != "present") > 100
    ledger = community.meetings.compliance(root.id, str(year))
    missed = {(r.unit.rsplit("/", 1)[-1], r.type): r.required - r.held for r in ledger.rows if r.held < r.required}
    assert missed[("怡馨苑小区支部", "branch-committee-meeting")] == 2
    assert missed[("城中村改造支部", "branch-general-meeting")] == 1
    assert missed[("3号楼党小组", "party-group-meeting")] == 1
    assert missed[("第二网格党支部", "party-lecture")] >= 1
    assert len(ledger.absences) == 2  # the two of 3号楼党小组 absent from June on

    # 民主评议 of 社区支部 with one appeal, lodged and decided by the branch.
    runs = community.assessments.runs(scheme="democratic-appraisal", period=str(year), limit=None)
    assert len(runs) == 1 and runs[0].revision == 2  # the upheld appeal re-scored the run
    appeals = community.assessments.appeals(run_id=runs[0].id)
    assert [(a.state, a.filed_by, a.item) for a in appeals] == [("upheld", DEMO_SECRETARY, "appraisal-unqualified")]
    assert {r.grade for r in community.assessments.results(runs[0].id)} >= {"excellent", "qualified"}

    # Requests in every state of the workflow; the evaluated and closed ones carry the resident's evaluation.
    requests = community.services.list(unit=root.id, limit=None)
    states = Counter(r.state for r in requests)
    assert set(states) == {s.code for s in community.workflows.definition("resident-request").states}
    assert all(n >= 1 for n in states.values())
    for request in requests:
        if request.state in ("evaluated", "closed"):
            assert community.services.evaluations(request.id), request
    assert [e.satisfaction for r in requests if r.state == "evaluated"
            for e in community.services.evaluations(r.id)] == ["dissatisfied"]
    # The three lists, a project claimed by a partner unit, volunteer hours.
    hospital = next(p for p in community.org.partners() if p.name == "靖江市人民医院")
    projects = community.services.projects(unit=root.id)
    assert [(p.state, p.partner_id) for p in projects if p.state != "open"] == [("claimed", hospital.id)]
    assert len(community.services.demands(unit=root.id)) == 2 and len(community.services.resources(unit=root.id)) == 3
    hours = community.activity.values("volunteer-hours", str(year), unit=root.id)
    assert len(hours) == 8 and all(v.value >= 24 for v in hours)  # 8 volunteers, 2-4 hours a month

    # The 红色管家 roster: six serving after their notice, one on notice now, the last quarter reviewed.
    entries = community.rosters.list(program="red-steward", unit=root.id)
    on_notice = [e for e in entries if e.state == "on-notice"]
    assert len(on_notice) == 1 and on_notice[0].notice_end is not None and on_notice[0].notice_end >= today
    assert Counter(e.state for e in entries if e.state != "on-notice") == {"active": 5, "warned": 1}
    assert Counter(e.tier for e in entries if e.state != "on-notice") == {"silver": 2, "regular": 4}  # 优者上
    assert len(community.assessments.runs(scheme="red-steward", period=f"{year}Q4", limit=None)) == 1

    # Candidates at four steps, and a month of dues with two members unpaid.
    counts = community.recruitment.counts(unit=branch.id)
    assert sum(counts.values()) == 4 and len([n for n in counts.values() if n]) >= 2
    month = dues_month(today)
    due = community.dues.amounts(month=month, unit=branch.id)
    unpaid = [a for a in community.dues.arrears(unit=branch.id, through=month, since=month)
              if month in a.unpaid_months]
    assert len(due) >= 20 and len(unpaid) == 2

    # The summary counts the same, read by the auditor.
    figures = summary(community, root, auditor=DEMO_AUDITOR)
    assert figures["meetings"]["held"] == len(held) and figures["meetings"]["absent_for_months"] == 2
    assert figures["services"]["requests"] == dict(states)
    assert figures["rosters"] == {"program": "red-steward", "serving": 6, "on_notice": 1, "reviews": 1}
    assert figures["dues"] == {"month": month, "due": len(due), "paid": len(due) - 2}


def _snapshot(community: Community) -> tuple[list[tuple[str, str | None, str | None, dt.date | None]], Any]:
    root = build_demo(community)
    return ([(m.name, m.id_number, m.phone, m.join_date) for m in community.members.list(limit=None)],
            summary(community, root, auditor=DEMO_AUDITOR))


def test_the_same_seed_and_day_give_the_same_community(sqlite_community: Community, tmp_path: Path,
                                                       clock: Clock) -> None:
    with communitycore.open(f"sqlite:///{tmp_path / 'other.db'}", actor="tester", clock=clock,
                            autoload=False, create=True) as other:
        assert _snapshot(other) == _snapshot(sqlite_community)
