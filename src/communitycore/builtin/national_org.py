"""National unit kinds and structure rules (domain-rules §1, 《中国共产党支部工作条例（试行）》).

The numbers live on the :class:`~communitycore.UnitKind` records, so a locality changes a
threshold with a pack or a ``replaces=`` record rather than new code; the checks below read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from communitycore.i18n import _, listing, localized, ngettext
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

    name = unit.name
    kind_name = localized(kind.label, kind.label_en)
    if kind.min_full_members is not None and unit.full_members < kind.min_full_members:
        add("min-full-members", Severity.ERROR,
            ngettext("{name} has {count} full member; a {kind} needs at least {minimum}",
                     "{name} has {count} full members; a {kind} needs at least {minimum}",
                     unit.full_members).format(name=name, count=unit.full_members, kind=kind_name,
                                               minimum=kind.min_full_members),
            _("merge it with nearby units into a joint branch"))
    if kind.max_members is not None and unit.members > kind.max_members:
        upgrades = [c for c in eligible_kinds(unit, kinds) if c != unit.kind]
        target = listing(localized(kinds[c].label, kinds[c].label_en) for c in upgrades)
        if target:
            message = _("{name} has {count} members, more than the usual {maximum}: it may become a {target}")
            suggestion = _("apply to the higher organization to make it a {target}").format(target=target)
        else:
            message = _("{name} has {count} members, more than the usual {maximum}")
            suggestion = _("split it into several units")
        add("max-members", Severity.WARNING,
            message.format(name=name, count=unit.members, maximum=kind.max_members, target=target), suggestion)
    if kind.eligible_from_members is not None and unit.members < kind.eligible_from_members:
        add("below-kind-size", Severity.INFO,
            _("{name} has {count} members, fewer than the {minimum} usual for a {kind}").format(
                name=name, count=unit.members, minimum=kind.eligible_from_members, kind=kind_name),
            _("keep the higher organization's approval of this kind on file"))
    if (kind.committee_from_full_members is not None
            and unit.full_members >= kind.committee_from_full_members and not unit.has_committee):
        add("committee-required", Severity.WARNING,
            _("{name} has {count} full members but no branch committee on record; one is required from "
              "{minimum} full members").format(name=name, count=unit.full_members,
                                                 minimum=kind.committee_from_full_members),
            _("elect a committee of 3 to 5 members (secretary, organization member, publicity member ...) "
              "and record their posts"))
    if kind.max_covered_units is not None and (unit.covered_units or 0) > kind.max_covered_units:
        add("max-covered-units", Severity.ERROR,
            _("{name} covers {count} units; a {kind} generally covers at most {maximum}").format(
                name=name, count=unit.covered_units, kind=kind_name, maximum=kind.max_covered_units),
            _("split it into two joint branches, or set up a branch in the larger units"))
    if kind.elected and unit.term_end is not None:
        if unit.term_end < today:
            add("term-ended", Severity.WARNING,
                _("the committee of {name} reached the end of its term on {date}: a re-election is due").format(
                    name=name, date=unit.term_end.isoformat()),
                _("hold the re-election, or record the approved postponement (at most one year)"))
        elif unit.term_end - today <= TERM_NOTICE:
            add("term-ending", Severity.INFO,
                _("the committee of {name} reaches the end of its term on {date}").format(
                    name=name, date=unit.term_end.isoformat()),
                _("prepare the re-election and ask the higher organization to approve it"))
    return out
