"""The dashboard: one self-contained HTML page of a subtree's :class:`~communitycore.reports.figures.Figures`.

Five sections, each with a stable ``id`` (:data:`SECTIONS`): the structure, meeting compliance,
assessment grades, service metrics with their monthly trend, and the rosters by tier. A section
with nothing to show says so in one line instead of drawing an empty chart.
"""

from __future__ import annotations

from communitycore.i18n import N_, _, ngettext
from communitycore.labels import word
from communitycore.reports import html as h
from communitycore.reports.figures import Figures
from communitycore.reports.svg import bar_chart, line_chart

#: The sections, in order: ``(id, heading)``; headings are translated where shown.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("structure", N_("Organization structure")),
    ("meetings", N_("Meeting compliance")),
    ("assessments", N_("Assessment grades")),
    ("services", N_("Service metrics")),
    ("rosters", N_("Rosters by tier")),
)


def section_headings() -> dict[str, str]:
    """Each section's heading in the current language, by id."""
    return {section_id: _(title) for section_id, title in SECTIONS}


def percent(value: float | None) -> str:
    """A 0-1 rate as a percentage with one decimal; ``-`` when undefined."""
    return "-" if value is None else f"{value:.1%}"


def hours(value: float | None) -> str:
    """Hours with up to one decimal; ``-`` when undefined."""
    return "-" if value is None else _("{hours} h").format(hours=f"{value:.1f}")


def render_dashboard(figures: Figures) -> str:
    """The HTML page of ``figures`` (in the language they were collected in)."""
    titles = section_headings()
    title = _("Dashboard: {unit}").format(unit=figures.unit)
    subtitle = _("Period {period} · generated on {day}").format(period=figures.period_label,
                                                               day=figures.generated_on.isoformat())
    return h.page(title, subtitle, [
        h.section("structure", titles["structure"], *_structure(figures)),
        h.section("meetings", titles["meetings"], *_meetings(figures)),
        h.section("assessments", titles["assessments"], *_assessments(figures)),
        h.section("services", titles["services"], *_services(figures)),
        h.section("rosters", titles["rosters"], *_rosters(figures)),
    ], lang=figures.lang)


def _structure(figures: Figures) -> list[str]:
    s = figures.structure
    parts = [h.figures([(_("Units"), str(s.units)), (_("Members"), str(s.members)),
                        (_("Full members"), str(s.full_members)),
                        (_("Probationary members"), str(s.probationary_members)),
                        (_("Findings"), str(len(s.findings)))]),
             h.heading(_("Units by kind")),
             bar_chart([(c.label, c.value) for c in s.units_by_kind], title=_("Units by kind"))]
    parts.append(h.heading(_("Members by sub-unit")))
    if s.members_by_child:
        parts.append(bar_chart([(c.label, c.value) for c in s.members_by_child], title=_("Members by sub-unit")))
    else:
        parts.append(h.no_data(_("No sub-units.")))
    parts.append(h.heading(_("Findings of the structure check")))
    if s.findings:
        parts.append(h.table([_("Unit"), _("Severity"), _("Finding"), _("Suggestion")],
                             [(f.unit, word(f.severity.value, figures.lang), f.message, f.suggestion)
                              for f in s.findings]))
    else:
        parts.append(h.no_data(_("No findings: the structure meets every rule.")))
    return parts


def _meetings(figures: Figures) -> list[str]:
    m = figures.meetings
    if not m.by_type:
        parts = [h.no_data(_("No data: no unit of the subtree owes meetings over the period."))]
    else:
        parts = [bar_chart([(t.label, t.rate) for t in m.by_type], title=_("Compliance by meeting type"),
                           percent=True),
                 h.table([_("Meeting type"), _("Units owing"), _("Units complete"), _("Required"), _("Held"),
                          _("Rate")],
                         [(t.label, t.units, t.complete, t.required, t.held, percent(t.rate)) for t in m.by_type],
                         numeric=(1, 2, 3, 4, 5))]
    parts.append(h.heading(ngettext("Absent without a reason for {n} month or more",
                                    "Absent without a reason for {n} months or more",
                                    m.absence_months).format(n=m.absence_months)))
    if m.absences:
        parts.append(h.table([_("Name"), _("Unit"), _("Months")],
                             [(a.name, a.unit, ", ".join(a.months)) for a in m.absences]))
    else:
        parts.append(h.no_data(_("No absences.")))
    return parts


def _assessments(figures: Figures) -> list[str]:
    if not figures.assessments:
        return [h.no_data(_("No data: no assessment ran over the period for this subtree."))]
    parts = []
    for d in figures.assessments:
        parts.append(h.heading(_("{scheme} · {period} (run {run}, revision {revision})").format(
            scheme=d.label, period=d.period, run=d.run_id, revision=d.revision)))
        if d.subjects:
            parts.append(bar_chart([(g.label, g.value) for g in d.grades], title=d.label))
            parts.append(h.table([_("Grade"), _("Subjects")], [(g.label, int(g.value)) for g in d.grades],
                                 numeric=(1,)))
        else:
            parts.append(h.no_data(_("No subject of this subtree was scored in the run.")))
    return parts


def _services(figures: Figures) -> list[str]:
    s = figures.services
    if not s.received:
        return [h.no_data(_("No data: no service request was received over the period."))]
    names = (_("Response rate"), _("Resolution rate"), _("Satisfaction rate"))
    parts = [h.figures([(_("Requests received"), str(s.received)), (_("Evaluated"), str(s.evaluated)),
                        (names[0], percent(s.response_rate)), (names[1], percent(s.resolution_rate)),
                        (names[2], percent(s.satisfaction_rate)), (_("Composite"), percent(s.composite)),
                        (_("Median response"), hours(s.median_response_hours)),
                        (_("Median resolution"), hours(s.median_resolution_hours)),
                        (_("Overdue"), str(s.overdue))]),
             h.heading(_("Trend by month"))]
    trend = s.trend
    parts.append(line_chart([p.label for p in trend], [
        (names[0], [p.response_rate for p in trend]), (names[1], [p.resolution_rate for p in trend]),
        (names[2], [p.satisfaction_rate for p in trend])], title=_("Trend by month")))
    parts.append(h.table([_("Month"), _("Received"), *names, _("Overdue")],
                         [(p.label, p.received, percent(p.response_rate), percent(p.resolution_rate),
                           percent(p.satisfaction_rate), p.overdue) for p in trend], numeric=(1, 2, 3, 4, 5)))
    return parts


def _rosters(figures: Figures) -> list[str]:
    if not figures.rosters:
        return [h.no_data(_("No data: no roster entries in this subtree."))]
    parts = []
    for p in figures.rosters:
        parts.append(h.heading(p.label))
        parts.append(h.figures([(_("Serving"), str(p.serving)), (_("On public notice"), str(p.on_notice)),
                                (_("Applications pending"), str(p.pending))]))
        if p.serving:
            parts.append(bar_chart([(t.label, t.value) for t in p.tiers], title=p.label))
        else:
            parts.append(h.no_data(_("No one serves on this roster yet.")))
    return parts


__all__ = ["SECTIONS", "hours", "percent", "render_dashboard", "section_headings"]
