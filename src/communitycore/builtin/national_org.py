"""National unit kinds and structure rules (domain-rules §1, 《中国共产党支部工作条例（试行）》).

The numbers live on the :class:`~communitycore.UnitKind` records, so a locality changes a
threshold with a pack or a ``replaces=`` record rather than new code; the checks below read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from communitycore.plugins.markers import hookimpl
from communitycore.records import Finding, Severity, UnitKind, UnitSnapshot

_BRANCH_PARENTS = ("street-committee", "community-committee", "general-branch")
_BRANCHES = ("branch", "joint-branch", "grid-branch", "functional-branch")
_BRANCH_RULES: dict[str, Any] = dict(min_full_members=3, max_members=50, committee_from_full_members=7, term_years=3)
#: How long before a term ends the 换届 reminder starts.
TERM_NOTICE = dt.timedelta(days=90)


@hookimpl(trylast=True)
def communitycore_register_unit_kinds() -> list[UnitKind]:
    """The kinds of the national urban chain, 街道党工委 down to 党员中心户."""
    return [
        UnitKind(code="street-committee", label="街道党工委", label_en="street working committee",
                 elected=False, description="Sent down by the district committee; not elected."),
        UnitKind(code="community-committee", label="社区党委", label_en="community committee",
                 parents=("street-committee",), eligible_from_members=100, term_years=5),
        UnitKind(code="general-branch", label="党总支", label_en="general branch",
                 parents=("street-committee", "community-committee"), eligible_from_members=50,
                 term_years=5),
        UnitKind(code="branch", label="党支部", label_en="branch", parents=_BRANCH_PARENTS, **_BRANCH_RULES),
        UnitKind(code="joint-branch", label="联合党支部", label_en="joint branch", parents=_BRANCH_PARENTS,
                 max_covered_units=5, **_BRANCH_RULES),
        UnitKind(code="grid-branch", label="网格党支部", label_en="grid branch",
                 parents=("community-committee", "general-branch"), **_BRANCH_RULES),
        UnitKind(code="functional-branch", label="功能型党支部", label_en="functional branch",
                 parents=_BRANCH_PARENTS, **_BRANCH_RULES),
        UnitKind(code="party-group", label="党小组", label_en="party group",
                 parents=(*_BRANCHES, "general-branch"), elected=False),
        UnitKind(code="hub-household", label="党员中心户", label_en="hub household",
                 parents=("party-group", *_BRANCHES), elected=False,
                 description="Covers 5-15 nearby households (local practice)."),
    ]


def eligible_kinds(unit: UnitSnapshot, kinds: Mapping[str, UnitKind]) -> list[str]:
    """Kinds a unit of this size may be approved as, among those that fit under its parent kind.

    Eligibility is kept apart from the unit's approved kind: the choice is the higher
    organization's (经上级党组织批准), so eligibility only ever produces a suggestion.
    """
    current = kinds.get(unit.kind)
    siblings_of = set(current.parents) if current else set()
    return sorted(
        code
        for code, kind in kinds.items()
        if kind.eligible_from_members is not None
        and unit.members >= kind.eligible_from_members
        and (not siblings_of or siblings_of & set(kind.parents) or not kind.parents)
    )


@hookimpl(trylast=True)
def communitycore_check_units(
    units: Sequence[UnitSnapshot], kinds: Mapping[str, UnitKind], today: dt.date
) -> list[Finding]:
    """Thresholds, committee, coverage and term rules for the whole batch."""
    findings: list[Finding] = []
    for unit in units:
        kind = kinds.get(unit.kind)
        if kind is None:
            continue
        findings.extend(_check_one(unit, kind, kinds, today))
    return findings


def _check_one(
    unit: UnitSnapshot, kind: UnitKind, kinds: Mapping[str, UnitKind], today: dt.date
) -> list[Finding]:
    out: list[Finding] = []

    def add(rule: str, severity: Severity, message: str, suggestion: str) -> None:
        out.append(Finding(unit_id=unit.id, unit=unit.path, rule=rule, severity=severity,
                           message=message, suggestion=suggestion))

    name = f"{kind.label} {unit.name}"
    if kind.min_full_members is not None and unit.full_members < kind.min_full_members:
        add("min-full-members", Severity.ERROR,
            f"{name} has {unit.full_members} 正式党员; a {kind.label_en or kind.code} needs at least "
            f"{kind.min_full_members}",
            "merge into a 联合党支部 with nearby units")
    if kind.max_members is not None and unit.members > kind.max_members:
        upgrades = [c for c in eligible_kinds(unit, kinds) if c != unit.kind]
        target = "、".join(kinds[c].label for c in upgrades)
        add("max-members", Severity.WARNING,
            f"{name} has {unit.members} members, above the usual {kind.max_members}"
            + (f": eligible to become a {target}" if target else ""),
            f"apply to the higher organization to upgrade it to a {target}" if target
            else "split it into several units")
    if kind.eligible_from_members is not None and unit.members < kind.eligible_from_members:
        add("below-kind-size", Severity.INFO,
            f"{name} has {unit.members} members, fewer than the {kind.eligible_from_members} usual "
            f"for a {kind.label}",
            "keep the approval of the higher organization on file (经上级党组织批准)")
    if (kind.committee_from_full_members is not None
            and unit.full_members >= kind.committee_from_full_members and not unit.has_committee):
        add("committee-required", Severity.WARNING,
            f"{name} has {unit.full_members} 正式党员 but no 支部委员会 on record; one is required from "
            f"{kind.committee_from_full_members}",
            "elect a committee of 3-5 (书记, 组织委员, 宣传委员 ...) and record their posts")
    if kind.max_covered_units is not None and (unit.covered_units or 0) > kind.max_covered_units:
        add("max-covered-units", Severity.ERROR,
            f"{name} covers {unit.covered_units} units; a {kind.label} generally covers at most "
            f"{kind.max_covered_units}",
            "split it into two joint branches, or set up a branch in the larger units")
    if kind.elected and unit.term_end is not None:
        if unit.term_end < today:
            add("term-ended", Severity.WARNING,
                f"the committee's term of {name} ended on {unit.term_end.isoformat()}: 换届 is due",
                "hold the re-election (换届), or record the approved delay (at most 1 year)")
        elif unit.term_end - today <= TERM_NOTICE:
            add("term-ending", Severity.INFO,
                f"the committee's term of {name} ends on {unit.term_end.isoformat()}",
                "prepare the re-election (换届) and ask the higher organization to approve it")
    return out
