"""The figures of a subtree over a period, collected once through the SDK and shared by every renderer.

Each capability's figures come from its own sub-API in one read: the structure from
``org.snapshots`` and ``org.check``, meetings from ``meetings.compliance``, assessments from the
latest run of each scheme (``assessments.runs`` and ``results``), services from
``services.metrics`` (once for the period, once per month of the trend), rosters from
``rosters.list``. Nothing is counted here that a sub-API already counts; labels are in the
language current when the figures are collected.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from communitycore.domain.periods import Period
from communitycore.domain.rosters import OBJECTED, ON_NOTICE, PENDING, SERVING, TIER_WORDS
from communitycore.i18n import _, get_language, localized
from communitycore.records import Finding, ScoringScheme

if TYPE_CHECKING:
    from communitycore.sdk.community import Community

#: A unit as the command line takes it: its id, or its full path.
UnitRef = int | str
#: The key of results without a grade (exempt, or below every band).
UNGRADED = "-"


@attrs.frozen
class Count:
    """One bar: a code, its label in the collecting language, and a number."""

    code: str
    label: str
    value: float


@attrs.frozen(kw_only=True)
class Structure:
    """The subtree's units by kind, its head counts, members per sub-unit, and the structure findings."""

    units: int
    members: int
    full_members: int
    probationary_members: int
    units_by_kind: tuple[Count, ...]
    members_by_child: tuple[Count, ...]
    """Members organised under each direct sub-unit (its whole subtree)."""
    findings: tuple[Finding, ...]


@attrs.frozen(kw_only=True)
class MeetingType:
    """Meetings of one type over the period, summed over the units that owe it."""

    code: str
    label: str
    units: int
    """Units owing the type."""
    complete: int
    """Units that held every meeting due."""
    required: int
    held: int

    @property
    def rate(self) -> float:
        """Held over required, 0-1 (1 when nothing was due)."""
        return 1.0 if self.required == 0 else self.held / self.required


@attrs.frozen(kw_only=True)
class AbsenceLine:
    """A member absent without a reason for months on end (党章 §9)."""

    member_id: int
    name: str
    unit: str
    months: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Meetings:
    """Meeting compliance by type, and the absences."""

    by_type: tuple[MeetingType, ...]
    absences: tuple[AbsenceLine, ...]
    absence_months: int


@attrs.frozen(kw_only=True)
class GradeDistribution:
    """The latest run of one scheme over the period: results by grade, in the order of the scheme's bands."""

    scheme: str
    label: str
    run_id: int
    period: str
    revision: int
    subjects: int
    grades: tuple[Count, ...]
    """One count per band (highest first), then the results without a grade (code ``-``) if any."""


@attrs.frozen(kw_only=True)
class MonthPoint:
    """One month of the service trend."""

    period: str
    label: str
    received: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    overdue: int


@attrs.frozen(kw_only=True)
class Services:
    """The 接诉即办 metrics of the requests created in the period, and the trend by month."""

    received: int
    evaluated: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    median_response_hours: float | None
    median_resolution_hours: float | None
    overdue: int
    trend: tuple[MonthPoint, ...]


@attrs.frozen(kw_only=True)
class ProgramTiers:
    """One roster programme in the subtree: serving entries by tier (top first), and those still pending."""

    code: str
    label: str
    tiers: tuple[Count, ...]
    serving: int
    on_notice: int
    pending: int


@attrs.frozen(kw_only=True)
class Figures:
    """Everything a dashboard or workbook shows of one subtree over one period."""

    unit_id: int
    unit: str
    """The unit's full path."""
    period: str
    period_label: str
    generated_on: dt.date
    lang: str
    structure: Structure
    meetings: Meetings
    assessments: tuple[GradeDistribution, ...]
    services: Services
    rosters: tuple[ProgramTiers, ...]


def tier_label(code: str | None) -> str:
    """A tier's word in the current language (its code when it has none)."""
    if code is None:
        return UNGRADED
    word = TIER_WORDS.get(code)
    return _(word) if word is not None else code


def dashboard_figures(community: Community, unit: UnitRef, period: Period | str) -> Figures:
    """The figures of ``unit``'s subtree over ``period``, one read per capability.

    :raises InvalidValue: ``period`` is not a period, or ``unit`` neither an id nor a path.
    :raises NotFound: there is no such unit.
    :raises PermissionDenied: the actor may not read one of the capabilities on the unit.
    """
    span = period if isinstance(period, Period) else Period.parse(str(period))
    root = community.org.get(unit)
    path = community.org.path_of(root.id)
    structure, names = _structure(community, root.id)
    return Figures(
        unit_id=root.id, unit=path, period=str(span), period_label=span.label(get_language()),
        generated_on=community.clock.today(), lang=get_language(), structure=structure,
        meetings=_meetings(community, root.id, span, names), assessments=_assessments(community, root.id, span),
        services=_services(community, root.id, span), rosters=_rosters(community, root.id),
    )


def _structure(community: Community, root: int) -> tuple[Structure, dict[int, str]]:
    snapshots = community.org.snapshots(root)
    kinds = community.registry.unit_kinds
    top = next(s for s in snapshots if s.id == root)
    counted = Counter(s.kind for s in snapshots)
    by_kind = tuple(Count(code, localized(kinds[code].label, kinds[code].label_en) if code in kinds else code, n)
                    for code, n in sorted(counted.items(), key=lambda item: (-item[1], item[0])))
    children = tuple(Count(str(s.id), s.name, s.members) for s in snapshots if s.parent_id == root)
    findings = tuple(community.org.check(root))
    return Structure(units=len(snapshots), members=top.members, full_members=top.full_members,
                     probationary_members=top.probationary_members, units_by_kind=by_kind,
                     members_by_child=children, findings=findings), {s.id: s.name for s in snapshots}


def _meetings(community: Community, root: int, span: Period, names: Mapping[int, str]) -> Meetings:
    found = community.meetings.compliance(root, span)
    types = community.registry.meeting_types
    sums: dict[str, list[int]] = {}
    for row in found.rows:
        units, complete, required, held = sums.setdefault(row.type, [0, 0, 0, 0])
        sums[row.type] = [units + 1, complete + (not row.missing), required + row.required, held + row.held]
    by_type = tuple(MeetingType(code=code, label=localized(types[code].label, types[code].label_en)
                                if code in types else code, units=s[0], complete=s[1], required=s[2], held=s[3])
                    for code, s in sorted(sums.items()))
    absences = tuple(AbsenceLine(member_id=a.member_id, name=a.name, unit=names.get(a.unit_id, str(a.unit_id)),
                                 months=a.months) for a in found.absences)
    return Meetings(by_type=by_type, absences=absences, absence_months=found.absence_months)


def _assessments(community: Community, root: int, span: Period) -> tuple[GradeDistribution, ...]:
    # Runs of the period that scored the subtree or part of it: of everything, of a unit above it, or of
    # units inside it (each branch's own 民主评议). Per scheme, each subject counts once, by its newest run.
    above = {u.id for u in community.org.path(root)}
    inside = {u.id for u in community.org.subtree(root)}
    by_scheme: dict[str, list[Any]] = {}
    for run in community.assessments.runs(limit=None):
        if run.unit_id is not None and run.unit_id not in above | inside:
            continue
        if Period.parse(run.period) in span:
            by_scheme.setdefault(run.scheme, []).append(run)
    schemes = community.registry.scoring_schemes
    out = []
    for code in sorted(by_scheme):
        runs = sorted(by_scheme[code], key=lambda r: -r.id)
        seen: dict[int, str | None] = {}  # one scheme scores one kind of subject
        for run in runs:
            for result in community.assessments.results(run.id, unit=root):
                seen.setdefault(result.subject_id, result.grade)
        scheme = schemes.get(code)
        label = localized(scheme.label, scheme.label_en) if scheme is not None else code
        newest = runs[0]
        out.append(GradeDistribution(scheme=code, label=label, run_id=newest.id, period=newest.period,
                                     revision=newest.revision, subjects=len(seen),
                                     grades=_grades(scheme, seen.values())))
    return tuple(out)


def _grades(scheme: ScoringScheme | None, grades: Iterable[str | None]) -> tuple[Count, ...]:
    counted = Counter(UNGRADED if g is None else g for g in grades)
    bands = sorted(scheme.bands, key=lambda b: -b.min_score) if scheme is not None else []
    out = [Count(b.grade, localized(b.label or b.grade, b.label_en), counted.pop(b.grade, 0)) for b in bands]
    ungraded = counted.pop(UNGRADED, 0)
    out += [Count(code, code, n) for code, n in sorted(counted.items())]  # a grade no band names (an override)
    if ungraded:
        out.append(Count(UNGRADED, _("No grade"), ungraded))
    return tuple(out)


def _services(community: Community, root: int, span: Period) -> Services:
    (total,) = community.services.metrics(span, unit=root) or (None,)
    months = (span,) if span.kind == "week" else span.subperiods("monthly")
    lang = get_language()
    trend = []
    for month in months:
        found = community.services.metrics(month, unit=root)
        m = found[0] if found else None
        trend.append(MonthPoint(period=str(month), label=month.label(lang), received=m.received if m else 0,
                                response_rate=m.response_rate if m else None,
                                resolution_rate=m.resolution_rate if m else None,
                                satisfaction_rate=m.satisfaction_rate if m else None, overdue=m.overdue if m else 0))
    if total is None:
        return Services(received=0, evaluated=0, response_rate=None, resolution_rate=None, satisfaction_rate=None,
                        composite=None, median_response_hours=None, median_resolution_hours=None, overdue=0,
                        trend=tuple(trend))
    return Services(received=total.received, evaluated=total.evaluated, response_rate=total.response_rate,
                    resolution_rate=total.resolution_rate, satisfaction_rate=total.satisfaction_rate,
                    composite=total.composite, median_response_hours=total.median_response_hours,
                    median_resolution_hours=total.median_resolution_hours, overdue=total.overdue, trend=tuple(trend))


def _rosters(community: Community, root: int) -> tuple[ProgramTiers, ...]:
    programs = community.registry.roster_programs
    entries = community.rosters.list(unit=root, limit=None)
    out = []
    for code in sorted({e.program for e in entries}):
        mine = [e for e in entries if e.program == code]
        program = programs.get(code)
        serving = Counter(e.tier for e in mine if e.state in SERVING)
        order = list(program.tiers) if program is not None else []
        order += sorted(t for t in serving if t not in order and t is not None)
        tiers = [Count(t, tier_label(t), serving.pop(t, 0)) for t in order]
        if serving.get(None):
            tiers.append(Count(UNGRADED, tier_label(None), serving[None]))
        out.append(ProgramTiers(
            code=code, label=localized(program.label, program.label_en) if program is not None else code,
            tiers=tuple(tiers), serving=sum(1 for e in mine if e.state in SERVING),
            on_notice=sum(1 for e in mine if e.state in (ON_NOTICE, OBJECTED)),
            pending=sum(1 for e in mine if e.state in PENDING)))
    return tuple(out)


__all__ = ["UNGRADED", "AbsenceLine", "Count", "Figures", "GradeDistribution", "MeetingType", "Meetings",
           "MonthPoint", "ProgramTiers", "Services", "Structure", "dashboard_figures", "tier_label"]
