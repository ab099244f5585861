"""communitycore plugin for 靖江: the city's community Party-building practice.

Declarative first: every record (专业市场党支部, the weekly Party class of the 红色管家 joint
branches, the 三创一建 service brands 红飘带, 爱心超市, 小餐桌 ..., 党员义工队, 五星级党员经营户)
lives in ``jingjiang.toml``, a communitycore pack shipped inside this package and read through the
host's own pack loader. The Python below only holds what records cannot say: a structure rule, a
scoring bonus, request routing and a command.
"""

from __future__ import annotations

import functools
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

__version__ = "0.1.0"

#: The pack with this plugin's records; also loadable on its own with ``community --pack``.
PACK = Path(__file__).with_name("jingjiang.toml")
MEMBER_POINTS = "jj-member-points"
#: Responses to 红飘带 calls in a year that earn the 红飘带之星 bonus.
RED_RIBBON_STAR_RESPONSES = 12
RED_RIBBON_STAR_POINTS = 5.0
#: Units that run a community's services: employment requests go to them (心连心职业介绍所).
COMMUNITY_KINDS = ("community-committee", "general-branch")


@functools.cache
def _records() -> tuple[Record, ...]:
    # Read once per process: the records are frozen, so every registry may share them.
    from communitycore.plugins.packs import load_pack

    _provider, records = load_pack(PACK)
    return tuple(records)


def _of(record_type: type[Record]) -> list[Record]:
    return [r for r in _records() if type(r) is record_type]


@hookimpl
def communitycore_register_unit_kinds() -> list[Record]:
    """专业市场党支部."""
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
    """靖江社区党员积分 and 五星级党员经营户."""
    return _of(ScoringScheme)


@hookimpl
def communitycore_register_roster_programs() -> list[Record]:
    """党员义工队."""
    return _of(RosterProgram)


@hookimpl
def communitycore_check_units(units):
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
        if "functional-branch" not in children.get(unit.id, []):
            findings.append(Finding(
                unit_id=unit.id, unit=unit.path, rule="jj.volunteer-branch", severity=Severity.INFO,
                message=f"{unit.name} has no 功能型党支部 for its 党员义工队",
                suggestion="set up a functional branch (功能型党支部) in the Party volunteer corps",
            ))
    return findings


@hookimpl
def communitycore_score(scheme, subjects, facts):
    """红飘带之星: a bonus for members who answered 12 or more 红飘带 calls in the year."""
    if scheme.code != MEMBER_POINTS:
        return []
    return [
        ScoreLine(subject_id=subject, item="red-ribbon-star", points=RED_RIBBON_STAR_POINTS,
                  note=f"红飘带之星: {int(facts[subject]['red-ribbon-responses'])} responses")
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
    """``community jingjiang programmes``: the city's service brands."""
    import click

    @cli.group("jingjiang")
    def jingjiang():
        """靖江: the city's service brands and practices."""

    @jingjiang.command("programmes")
    def programmes():
        """List the 靖江 service brands with their categories."""
        from communitycore.cli.state import AppState

        registry = click.get_current_context().find_object(AppState).community.registry
        categories = registry.service_categories
        for code, program in registry.service_programs.items():
            if program in _of(ServiceProgram):
                category = categories[program.category].label
                click.echo(f"{code}\t{program.label}\t{category}")
