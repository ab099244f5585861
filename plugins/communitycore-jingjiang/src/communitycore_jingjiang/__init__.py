"""communitycore plugin for 靖江: the city's community Party-building practice.

Declarative first: every record (专业市场党支部, the weekly Party class of the 红色管家 joint
branches, the 三创一建 service brands 红飘带, 爱心超市, 小餐桌 ..., 党员义工队, 五星级党员经营户)
lives in ``jingjiang.toml``, a communitycore pack shipped inside this package and read through the
host's own pack loader. The Python below only holds what records cannot say: two structure
rules, a scoring bonus, request routing, and the commands (:mod:`communitycore_jingjiang.cli`)
with the cadre statistics (:mod:`communitycore_jingjiang.cadres`).
"""

from __future__ import annotations

from pathlib import Path

from communitycore import (
    Fact,
    Finding,
    MeetingType,
    Record,
    RosterProgram,
    ScoreLine,
    ScoringScheme,
    ServiceCategory,
    ServiceProgram,
    Severity,
    UnitKind,
    hookimpl,
)
from communitycore.i18n import _, add_catalog
from communitycore.plugins.packs import pack_records

__version__ = "0.1.0"
#: The plugin's messages and help texts in Chinese: ``locale/zh_CN/LC_MESSAGES/communitycore_jingjiang.mo``,
#: registered as the package is imported, before any of its commands or messages is used.
add_catalog("communitycore_jingjiang", Path(__file__).with_name("locale"))

#: The pack with this plugin's records; also loadable on its own with ``community --pack``.
PACK = Path(__file__).with_name("jingjiang.toml")
MEMBER_POINTS = "jj-member-points"
#: Responses to 红飘带 calls in a year that earn the 红飘带之星 bonus.
RED_RIBBON_STAR_RESPONSES = 12
RED_RIBBON_STAR_POINTS = 5.0
#: Units that run a community's services: employment requests go to them (心连心职业介绍所).
COMMUNITY_KINDS = ("community-committee", "general-branch")
#: Functional branches that serve a community's 党员义工队.
VOLUNTEER_BRANCH_KINDS = ("volunteer-branch", "functional-branch")
#: 将党员人数超过50人的社区党组织升格为党总支部: more than this many members makes a 党总支.
GENERAL_BRANCH_ABOVE = 50
#: The kind a community's Party organization sits under.
STREET_KIND = "street-committee"


def _of(record_type: type[Record]) -> list[Record]:
    return pack_records(PACK, record_type)


@hookimpl
def communitycore_register_unit_kinds() -> list[Record]:
    """专业市场党支部 and the two functional branches (党员义工队, 民间组织)."""
    return _of(UnitKind)


@hookimpl
def communitycore_register_meeting_types() -> list[Record]:
    """每周党课, 每月宣讲, 每季竞赛 for the 红色管家 joint branches."""
    return _of(MeetingType)


@hookimpl
def communitycore_register_service_categories() -> list[Record]:
    """就业援助, for the programmes serving laid-off workers."""
    return _of(ServiceCategory)


@hookimpl
def communitycore_register_service_programs() -> list[Record]:
    """The 三创一建 service brands."""
    return _of(ServiceProgram)


@hookimpl
def communitycore_register_facts() -> list[Record]:
    """Facts the two schemes count."""
    return _of(Fact)


@hookimpl
def communitycore_register_scoring_schemes() -> list[Record]:
    """靖江社区党员积分, 五星级党员经营户 and the communities' 三创一建."""
    return _of(ScoringScheme)


@hookimpl
def communitycore_register_roster_programs() -> list[Record]:
    """党员义工队."""
    return _of(RosterProgram)


@hookimpl
def communitycore_check_units(units):
    """The city's two structure rules: 党员义工队 branches and the 党总支 from 50 members."""
    return [*_volunteer_branch_findings(units), *_general_branch_findings(units)]


def _volunteer_branch_findings(units):
    """每个社区都建有一支党员义工队伍: a community unit should run a functional branch for it.

    Only communities whose children are in the batch are judged, so checking a single branch
    says nothing about its community.
    """
    children: dict[int, list[str]] = {}
    for unit in units:
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit.kind)
    findings = []
    for unit in units:
        if unit.kind not in COMMUNITY_KINDS:
            continue
        if unit.children and unit.id not in children:
            continue  # its children were not checked with it
        if not set(VOLUNTEER_BRANCH_KINDS) & set(children.get(unit.id, [])):
            findings.append(Finding(
                unit_id=unit.id, unit=unit.path, rule="jj.volunteer-branch", severity=Severity.INFO,
                message=_("{unit} has no 功能型党支部 for its 党员义工队").format(unit=unit.name),
                suggestion=_("set up a functional branch (功能型党支部, volunteer-branch) in the Party volunteer "
                             "corps"),
            ))
    return findings


def _general_branch_findings(units):
    """今年又将24个党员人数超过50人的社区党组织升格为党总支部.

    A community's Party organization is a unit directly under a street committee. Nationally a
    branch of more than 50 members *may* become a 党总支 (the ``max-members`` finding); 靖江 raises
    every such community organization, whatever its kind, unless it is a 党总支 or 社区党委 already.
    A unit is judged only when its parent is in the batch (check the street, or the whole tree),
    since a snapshot does not name its parent's kind.
    """
    kinds = {unit.id: unit.kind for unit in units}
    findings = []
    for unit in units:
        if unit.kind in COMMUNITY_KINDS or unit.members <= GENERAL_BRANCH_ABOVE:
            continue
        if unit.parent_id is None or kinds.get(unit.parent_id) != STREET_KIND:
            continue
        findings.append(Finding(
            unit_id=unit.id, unit=unit.path, rule="jj.general-branch", severity=Severity.WARNING,
            message=_("the community organization {unit} has {members} members, more than {limit}: 靖江 raises "
                      "it to a 党总支 (general branch)").format(unit=unit.name, members=unit.members,
                                                            limit=GENERAL_BRANCH_ABOVE),
            suggestion=_("ask the street working committee to approve it as a 党总支 (general-branch) and elect the "
                         "general branch committee"),
        ))
    return findings


@hookimpl
def communitycore_score(scheme, subjects, facts):
    """红飘带之星: a bonus for members who answered 12 or more 红飘带 calls in the year."""
    if scheme.code != MEMBER_POINTS:
        return []
    return [
        ScoreLine(subject_id=subject, item="red-ribbon-star", points=RED_RIBBON_STAR_POINTS,
                  note=_("红飘带之星: {count} responses").format(count=int(facts[subject]["red-ribbon-responses"])))
        for subject in subjects
        if facts.get(subject, {}).get("red-ribbon-responses", 0) >= RED_RIBBON_STAR_RESPONSES
    ]


@hookimpl
def communitycore_resolve_request_assignee(request, units):
    """Employment requests go to the community's own unit, which runs the job agency."""
    if request.get("category") != "employment":
        return None
    return next((unit.id for unit in units if unit.kind in COMMUNITY_KINDS), None)


@hookimpl
def communitycore_register_commands(cli):
    """``community jingjiang programmes`` and ``community jingjiang cadres``."""
    from communitycore_jingjiang.cli import register

    register(cli)
